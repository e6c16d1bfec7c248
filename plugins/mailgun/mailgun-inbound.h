/*
 * mailgun-inbound.h: reading a Mailgun route's "message-headers" field, as
 * pure logic of the mailgun plugin (libc and cJSON only).
 *
 * Besides the parsed fields, a route posts every MIME header of the email
 * as "message-headers", a JSON array of [name, value] pairs.  The plugin
 * reads Message-Id and In-Reply-To from the form fields of those names and
 * falls back on this array when they are missing.  Header names compare
 * case-insensitively; the first match wins; a pair that is not two strings
 * is skipped.
 */
#ifndef MAILGUN_INBOUND_H
#define MAILGUN_INBOUND_H

#include <stddef.h>

/*
 * The value of header name in len bytes of message-headers JSON, malloc'd
 * (free with free(3)), or NULL if it is not there or the JSON is not an
 * array.
 */
char	*mailgun_inbound_header(const char *json, size_t len, const char *name);

#endif
