/*
 * html.h: plain text from an HTML email body, for staff to read and for
 * keyword matching.  Tags are dropped, block ends become line breaks,
 * script and style content is skipped, entities are decoded.  Pure; no
 * I/O.  The result is malloc'd (free with free(3)).
 */
#ifndef HTML_H
#define HTML_H

#include <stddef.h>

char	*html_to_text(const char *html, size_t len, size_t *out_len);

#endif
