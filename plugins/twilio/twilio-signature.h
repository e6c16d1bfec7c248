/*
 * twilio-signature.h: the X-Twilio-Signature check (SPEC section 5), as pure
 * logic of the twilio plugin.  It sees only decoded form pairs, the URL and
 * the raw body, and uses nothing but libc and libcrypto: a plugin never
 * links against the daemon.
 *
 * The signature is base64(HMAC-SHA1(auth token, URL + k1 v1 + k2 v2 ...)),
 * URL being public_url + path + raw query exactly as Twilio requested it,
 * the pairs sorted by key bytewise and, for a repeated key, by value (every
 * pair counts, duplicates too).  The URL is also tried with the scheme's
 * default port (":443" for https, ":80" for http) added when it has none or
 * removed when it has it, since Twilio signs whichever form it was given.
 * A JSON body is not signed itself: the URL carries bodySHA256, the hex
 * SHA-256 of the raw body, and the URL alone is signed.  An empty auth
 * token never verifies anything.
 */
#ifndef TWILIO_SIGNATURE_H
#define TWILIO_SIGNATURE_H

#include <stddef.h>

#define TWILIO_SIGNATURE_SIZE	29	/* base64 of 20 bytes, NUL */
#define TWILIO_SHA256_HEX_SIZE	65	/* 64 hex digits, NUL */

/* One decoded form pair; strings need not be NUL-terminated. */
struct twilio_param {
	const char	*key;
	size_t		 key_len;
	const char	*value;
	size_t		 value_len;
};

/*
 * Write the signature Twilio would send for url and n params into out
 * (outlen >= TWILIO_SIGNATURE_SIZE), for tests and fake providers.
 */
int	twilio_signature_compute(const char *token, const char *url,
	    const struct twilio_param *params, size_t n, char *out,
	    size_t outlen);
/*
 * Check an X-Twilio-Signature header (NULL if absent) for a form body;
 * return 0 if it matches url or its port variant, else -1 with a reason
 * for the log and metrics in *why (a literal; why may be NULL).
 */
int	twilio_signature_verify(const char *token, const char *url,
	    const struct twilio_param *params, size_t n, const char *signature,
	    const char **why);
/*
 * Check a request with a JSON body: url's bodySHA256 must be the hex
 * SHA-256 of the len bytes of body and the signature must match url alone.
 */
int	twilio_signature_verify_json(const char *token, const char *url,
	    const void *body, size_t len, const char *signature,
	    const char **why);
/* Write the lower-case hex SHA-256 of body (outlen >= 65) for bodySHA256. */
int	twilio_signature_body_sha256(const void *body, size_t len, char *out,
	    size_t outlen);

#endif
