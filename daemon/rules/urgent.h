/*
 * urgent.h: does a message look urgent (SPEC §7.3)?  Configured keywords
 * and phrases, case-insensitive, whole words.  A safety net that adds to
 * people reading messages, never a replacement for it.  Pure.
 */
#ifndef URGENT_H
#define URGENT_H

#include <stddef.h>

/* Whether text contains keyword as whole words, case-insensitively. */
int	urgent_keyword_match(const char *text, size_t len, const char *keyword);
/* Whether text contains any of the n keywords. */
int	urgent_match(char *const *keywords, size_t n, const char *text,
	    size_t len);

#endif
