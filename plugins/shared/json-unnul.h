/*
 * json-unnul.h: JSON text made safe for cJSON, which ends a string at a NUL
 * (so "a\u0000b" would reach the plugin as "a" and hide the rest) and
 * refuses an escaped lone surrogate (so the whole delivery would be
 * refused and lost).  The escape \u0000, a raw NUL byte and an escaped lone
 * surrogate become \ufffd (U+FFFD); everything else is copied as it is.
 * Shared by the plugins that read JSON bodies (notify, postmark); pure.
 * The daemon has the same rule as utf8_json_unnul (base/utf8.h): plugins
 * never link the daemon.
 */
#ifndef JSON_UNNUL_H
#define JSON_UNNUL_H

#include <stddef.h>

/* len bytes of JSON rewritten, malloc'd (length in *outlen); NULL: no
 * memory. */
char	*json_unnul(const char *s, size_t len, size_t *outlen);

#endif
