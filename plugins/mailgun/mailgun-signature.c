/*
 * mailgun-signature.c: computes and checks Mailgun's webhook signatures
 * with libcrypto's HMAC-SHA256.  No I/O, no state between calls.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "mailgun-signature.h"

#define MAILGUN_SIGNATURE_HEX	64
/* Digits of a timestamp we bother to read: far beyond any real one. */
#define MAILGUN_TIMESTAMP_DIGITS	15

/* Compute the hex signature of timestamp + token. */
int
mailgun_signature_compute(const char *key, const char *timestamp,
    size_t timestamp_len, const char *token, size_t token_len, char *out,
    size_t outlen)
{
	static const char	 hex[] = "0123456789abcdef";
	EVP_MAC			*mac;
	EVP_MAC_CTX		*ctx = NULL;
	OSSL_PARAM		 op[2];
	char			 digest[] = "SHA256";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	size_t			 mdlen = 0, i;
	int			 ok;

	if (key == NULL || *key == '\0' || out == NULL ||
	    outlen < MAILGUN_SIGNATURE_SIZE ||
	    (timestamp == NULL && timestamp_len > 0) ||
	    (token == NULL && token_len > 0))
		return -1;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	op[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	op[1] = OSSL_PARAM_construct_end();
	ok = (ctx = EVP_MAC_CTX_new(mac)) != NULL &&
	    EVP_MAC_init(ctx, (const unsigned char *)key, strlen(key),
	    op) == 1 &&
	    (timestamp_len == 0 || EVP_MAC_update(ctx,
	    (const unsigned char *)timestamp, timestamp_len) == 1) &&
	    (token_len == 0 || EVP_MAC_update(ctx,
	    (const unsigned char *)token, token_len) == 1) &&
	    EVP_MAC_final(ctx, md, &mdlen, sizeof md) == 1 && mdlen == 32;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	if (!ok)
		return -1;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * mdlen] = '\0';
	return 0;
}

/* Check a signature in constant time, ignoring the case of hex digits. */
int
mailgun_signature_verify(const char *key, const char *timestamp,
    size_t timestamp_len, const char *token, size_t token_len,
    const char *signature)
{
	char	want[MAILGUN_SIGNATURE_SIZE], given[MAILGUN_SIGNATURE_HEX];
	size_t	i;

	if (signature == NULL || strlen(signature) != MAILGUN_SIGNATURE_HEX)
		return -1;
	if (mailgun_signature_compute(key, timestamp, timestamp_len, token,
	    token_len, want, sizeof want) == -1)
		return -1;
	/* Only A-F fold to a-f, so no other byte can pass for a digit. */
	for (i = 0; i < MAILGUN_SIGNATURE_HEX; i++) {
		given[i] = signature[i];
		if (given[i] >= 'A' && given[i] <= 'F')
			given[i] += 'a' - 'A';
	}
	return CRYPTO_memcmp(want, given, MAILGUN_SIGNATURE_HEX) == 0 ? 0 : -1;
}

/* Check that a timestamp is within window seconds before now, or at most
 * MAILGUN_FUTURE_SKEW after it. */
int
mailgun_signature_fresh(const char *timestamp, size_t timestamp_len,
    time_t now, long window)
{
	long long	t = 0, diff;
	size_t		i;

	if (timestamp == NULL || timestamp_len == 0 ||
	    timestamp_len > MAILGUN_TIMESTAMP_DIGITS || window < 0 || now < 0)
		return -1;
	for (i = 0; i < timestamp_len; i++) {
		if (timestamp[i] < '0' || timestamp[i] > '9')
			return -1;
		t = t * 10 + (timestamp[i] - '0');
	}
	diff = t - (long long)now;
	/* Far into the past as configured; into the future, clock skew only. */
	if (diff < -(long long)window || diff > (window < MAILGUN_FUTURE_SKEW ?
	    (long long)window : MAILGUN_FUTURE_SKEW))
		return -1;
	return 0;
}
