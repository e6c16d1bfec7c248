/*
 * mailgun-signature.h: the Mailgun webhook signature check (SPEC section 5),
 * as pure logic of the mailgun plugin, using only libc and libcrypto.
 *
 * The signature is the hex HMAC-SHA256, keyed with the HTTP webhook signing
 * key, of the timestamp immediately followed by the token, both as sent in
 * the form.  Hex digits compare case-insensitively, in constant time.  The
 * timestamp (decimal seconds since the epoch) must be within a window
 * before now: Mailgun retries for 8 hours, so the default of 12 hours never
 * refuses its own retries.  After now it may be only clock skew
 * (MAILGUN_FUTURE_SKEW, 5 minutes, or the window if that is shorter): a
 * timestamp from the future is not one Mailgun signed for this delivery.  Refusing a token already used by
 * another message is the caller's job (it needs storage).  An empty signing
 * key never verifies anything.
 */
#ifndef MAILGUN_SIGNATURE_H
#define MAILGUN_SIGNATURE_H

#include <stddef.h>
#include <time.h>

#define MAILGUN_SIGNATURE_SIZE	65		/* 64 hex digits, NUL */
#define MAILGUN_WINDOW_DEFAULT	(12 * 60 * 60)	/* seconds */
#define MAILGUN_FUTURE_SKEW	(5 * 60)	/* seconds ahead of our clock */

/*
 * Write the lower-case hex signature of timestamp and token (with their
 * lengths, as they may come from a form) into out (outlen >= 65).
 */
int	mailgun_signature_compute(const char *key, const char *timestamp,
	    size_t timestamp_len, const char *token, size_t token_len,
	    char *out, size_t outlen);
/* Return 0 if signature (NUL-terminated, any hex case) matches, else -1. */
int	mailgun_signature_verify(const char *key, const char *timestamp,
	    size_t timestamp_len, const char *token, size_t token_len,
	    const char *signature);
/*
 * Return 0 if timestamp is decimal digits no more than window seconds
 * before now or MAILGUN_FUTURE_SKEW after it, else -1 (non-numeric,
 * empty, out of the window).
 */
int	mailgun_signature_fresh(const char *timestamp, size_t timestamp_len,
	    time_t now, long window);

#endif
