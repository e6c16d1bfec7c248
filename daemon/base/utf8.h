/*
 * utf8.h: text made whole and valid before anything reads or stores it
 * (SPEC section 5: "invalid UTF-8 is repaired (U+FFFD) and a NUL never
 * hides what follows it").  Pure (libc only).
 *
 * - utf8_repair keeps every byte's worth of text: a NUL becomes U+FFFD,
 *   and so does each maximal ill-formed subsequence (Unicode's "best
 *   practice" for U+FFFD substitution: an overlong form, a surrogate, a
 *   code point past U+10FFFF, a stray continuation byte, a sequence cut
 *   short).  Valid text comes out unchanged, byte for byte, so repairing
 *   twice is repairing once.  Other control characters are kept: they are
 *   what the sender sent, and JSON escapes them.
 * - utf8_line makes one header line out of any bytes (an email subject):
 *   repaired as above, tab, CR and LF become a space, every other control
 *   character (C0, DEL, C1) is removed, runs of spaces become one, and the
 *   ends are trimmed.  It may come out empty.
 * - utf8_json_unnul rewrites a JSON text so that a parser which ends
 *   strings at a NUL (cJSON) cannot cut one short: the escape \u0000 and a
 *   raw NUL byte become \ufffd, and so does an escaped lone surrogate (which
 *   cJSON would refuse, losing the whole delivery).  Everything else is
 *   copied as it is; it is not a validator.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

/* The replacement character, U+FFFD, in UTF-8. */
#define UTF8_REPLACEMENT	"\xef\xbf\xbd"

/* Whether len bytes are valid UTF-8 with no NUL. */
int	 utf8_valid(const char *s, size_t len);
/*
 * len bytes of s repaired, malloc'd and NUL-terminated (free with
 * free(3)), its length in *outlen (may be NULL); NULL when out of memory.
 * s may be NULL when len is 0.
 */
char	*utf8_repair(const char *s, size_t len, size_t *outlen);
/* len bytes of s as one clean header line, malloc'd; NULL: out of memory. */
char	*utf8_line(const char *s, size_t len);
/*
 * len bytes of JSON text with NULs made harmless, malloc'd (length in
 * *outlen); NULL when out of memory.
 */
char	*utf8_json_unnul(const char *s, size_t len, size_t *outlen);

#endif
