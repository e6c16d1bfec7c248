/*
 * form.h: application/x-www-form-urlencoded bodies (Twilio, Mailgun) and URL
 * query strings, parsed byte-exact because signatures are computed over the
 * decoded pairs.
 *
 * Rules:
 * - pairs are separated by '&' and kept in the order received, repeated keys
 *   included; an empty pair ("a=1&&b=2", a leading or trailing '&') is skipped;
 * - the first '=' splits key from value; a pair without '=' is a key with an
 *   empty value; "=v" is a pair with an empty key and is kept;
 * - '+' decodes to a space and "%XX" (either case of hex) to its byte, in keys
 *   and values alike; a decoded "%00" is kept, so every string has a length
 *   and is also NUL-terminated for convenience;
 * - a '%' not followed by two hex digits ("%G1", "%4", a trailing '%') is an
 *   error naming its offset in the body: guessing what the sender meant could
 *   make our decoded pairs differ from the ones the provider signed, and no
 *   provider sends such a body, so a 400 is the honest answer;
 * - any other byte (raw space, UTF-8, even NUL) is kept as it is;
 * - at most FORM_MAX_PAIRS pairs, more is an error.
 *
 * This module owns parsing only: no I/O, no logging, no knowledge of what a
 * key means.
 */
#ifndef FORM_H
#define FORM_H

#include <stddef.h>

#define FORM_MAX_PAIRS	1000

/* Flags for form_decode. */
#define FORM_PLUS_IS_SPACE	0x1	/* '+' means ' ' (forms, queries) */

struct form_pair {
	char	*key;		/* decoded, NUL-terminated */
	size_t	 key_len;
	char	*value;		/* decoded, NUL-terminated */
	size_t	 value_len;
	char	*raw_key;	/* as received, NUL-terminated */
	size_t	 raw_key_len;
	char	*raw_value;	/* as received ("" when there was no '=') */
	size_t	 raw_value_len;
};

struct form {
	struct form_pair	*pairs;
	size_t			 n;
	char			*mem;	/* private: holds every string */
};

/*
 * Parse len bytes of body into out, which the caller frees with form_free.
 * On error return -1 with a message in err (if errlen > 0) and out empty.
 */
int	form_parse(const char *body, size_t len, struct form *out, char *err,
	    size_t errlen);
/* The first pair whose decoded key is key, or NULL. */
const struct form_pair *form_get(const struct form *form, const char *key);
/* Free what form_parse allocated and empty the struct (it is the caller's). */
void	form_free(struct form *form);
/*
 * Percent-decode len bytes of in into out, which must have room for len + 1
 * bytes; the result is NUL-terminated and its length stored in *outlen.
 * With FORM_PLUS_IS_SPACE in flags '+' becomes ' ' (a query string), without
 * it '+' is kept (a URL path).  On a malformed escape return -1 with the
 * offset of its '%' in *erroff (if erroff is not NULL).
 */
int	form_decode(const char *in, size_t len, int flags, char *out,
	    size_t *outlen, size_t *erroff);

#endif
