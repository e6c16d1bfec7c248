/*
 * twilio-signature.c: computes and checks Twilio's request signatures with
 * libcrypto's HMAC-SHA1 and SHA-256.  No I/O, no state between calls.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "twilio-signature.h"

#define TWILIO_SIGNATURE_B64	28	/* characters of a signature */

/* Order two byte strings as memcmp does, the shorter first on a tie. */
static int
twilio_signature_bytecmp(const char *a, size_t alen, const char *b,
    size_t blen)
{
	int	c;

	if ((c = memcmp(a, b, alen < blen ? alen : blen)) != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* qsort order of two params: by key, then by value. */
static int
twilio_signature_cmp(const void *a, const void *b)
{
	const struct twilio_param	*pa = *(const struct twilio_param **)a;
	const struct twilio_param	*pb = *(const struct twilio_param **)b;
	int				 c;

	c = twilio_signature_bytecmp(pa->key, pa->key_len, pb->key,
	    pb->key_len);
	if (c != 0)
		return c;
	return twilio_signature_bytecmp(pa->value, pa->value_len, pb->value,
	    pb->value_len);
}

/* Make an array of pointers to the params in signing order. */
static int
twilio_signature_sort(const struct twilio_param *params, size_t n,
    const struct twilio_param ***out)
{
	const struct twilio_param	**sorted;
	size_t				  i;

	*out = NULL;
	if (n == 0)
		return 0;
	if ((sorted = calloc(n, sizeof *sorted)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		sorted[i] = &params[i];
	qsort(sorted, n, sizeof *sorted, twilio_signature_cmp);
	*out = sorted;
	return 0;
}

/* HMAC-SHA1 of url then the sorted pairs, base64-encoded into out. */
static int
twilio_signature_mac(const char *token, const char *url, size_t url_len,
    const struct twilio_param **sorted, size_t n, char *out)
{
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	 op[2];
	char		 digest[] = "SHA1";
	unsigned char	 md[EVP_MAX_MD_SIZE];
	size_t		 mdlen = 0, i;
	int		 ok;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	op[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	op[1] = OSSL_PARAM_construct_end();
	ok = (ctx = EVP_MAC_CTX_new(mac)) != NULL &&
	    EVP_MAC_init(ctx, (const unsigned char *)token, strlen(token),
	    op) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)url, url_len) == 1;
	for (i = 0; ok && i < n; i++) {
		ok = EVP_MAC_update(ctx, (const unsigned char *)sorted[i]->key,
		    sorted[i]->key_len) == 1 &&
		    EVP_MAC_update(ctx,
		    (const unsigned char *)sorted[i]->value,
		    sorted[i]->value_len) == 1;
	}
	ok = ok && EVP_MAC_final(ctx, md, &mdlen, sizeof md) == 1 &&
	    mdlen == 20;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	if (!ok)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
	return 0;
}

/*
 * The other form of url: with the scheme's default port removed if it has
 * it, added if it has no port; *out is NULL when there is no other form
 * (another scheme, another port).
 */
static int
twilio_signature_other_url(const char *url, char **out)
{
	const char	*port;
	size_t		 hs, he, h, colon = 0, i, plen, len;
	char		*v;

	*out = NULL;
	if (strncasecmp(url, "https://", 8) == 0) {
		hs = 8;
		port = "443";
	} else if (strncasecmp(url, "http://", 7) == 0) {
		hs = 7;
		port = "80";
	} else
		return 0;
	he = hs + strcspn(url + hs, "/?#");
	for (h = hs, i = hs; i < he; i++)	/* skip any user:password@ */
		if (url[i] == '@')
			h = i + 1;
	for (i = h; i < he; i++) {		/* a ':' after any "[v6]" */
		if (url[i] == ']')
			colon = 0;
		else if (url[i] == ':')
			colon = i;
	}
	len = strlen(url);
	plen = strlen(port);
	if (colon != 0) {
		if (he - colon - 1 != plen ||
		    memcmp(url + colon + 1, port, plen) != 0)
			return 0;
		if ((v = malloc(len - plen)) == NULL)
			return -1;
		memcpy(v, url, colon);
		memcpy(v + colon, url + he, len - he + 1);
	} else {
		if (he == h)
			return 0;		/* no host */
		if ((v = malloc(len + 1 + plen + 1)) == NULL)
			return -1;
		memcpy(v, url, he);
		v[he] = ':';
		memcpy(v + he + 1, port, plen);
		memcpy(v + he + 1 + plen, url + he, len - he + 1);
	}
	*out = v;
	return 0;
}

/* Compute the signature Twilio would send. */
int
twilio_signature_compute(const char *token, const char *url,
    const struct twilio_param *params, size_t n, char *out, size_t outlen)
{
	const struct twilio_param	**sorted;
	int				  rc;

	if (token == NULL || *token == '\0' || url == NULL || out == NULL ||
	    outlen < TWILIO_SIGNATURE_SIZE || (n > 0 && params == NULL))
		return -1;
	if (twilio_signature_sort(params, n, &sorted) == -1)
		return -1;
	rc = twilio_signature_mac(token, url, strlen(url), sorted, n, out);
	free(sorted);
	return rc;
}

/* Check a signature against url and its port variant. */
int
twilio_signature_verify(const char *token, const char *url,
    const struct twilio_param *params, size_t n, const char *signature,
    const char **why)
{
	const struct twilio_param	**sorted = NULL;
	char				 *other = NULL;
	char				  want[TWILIO_SIGNATURE_SIZE];
	const char			 *reason = "signature does not match";
	int				  rc = -1;

	if (token == NULL || *token == '\0') {
		reason = "no auth token configured";
		goto done;
	}
	if (signature == NULL || *signature == '\0') {
		reason = "no signature";
		goto done;
	}
	if (url == NULL || (n > 0 && params == NULL)) {
		reason = "no URL";
		goto done;
	}
	if (strlen(signature) != TWILIO_SIGNATURE_B64)
		goto done;
	if (twilio_signature_sort(params, n, &sorted) == -1 ||
	    twilio_signature_other_url(url, &other) == -1) {
		reason = "out of memory";
		goto done;
	}
	if (twilio_signature_mac(token, url, strlen(url), sorted, n,
	    want) == -1) {
		reason = "HMAC failed";
		goto done;
	}
	if (CRYPTO_memcmp(want, signature, TWILIO_SIGNATURE_B64) == 0) {
		rc = 0;
		goto done;
	}
	if (other == NULL)
		goto done;
	if (twilio_signature_mac(token, other, strlen(other), sorted, n,
	    want) == -1) {
		reason = "HMAC failed";
		goto done;
	}
	if (CRYPTO_memcmp(want, signature, TWILIO_SIGNATURE_B64) == 0)
		rc = 0;

done:
	free(sorted);
	free(other);
	if (why != NULL)
		*why = rc == 0 ? NULL : reason;
	return rc;
}

/* Hex SHA-256 of a body, as Twilio puts in bodySHA256. */
int
twilio_signature_body_sha256(const void *body, size_t len, char *out,
    size_t outlen)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;

	if (out == NULL || outlen < TWILIO_SHA256_HEX_SIZE ||
	    (body == NULL && len > 0))
		return -1;
	if (EVP_Digest(len > 0 ? body : "", len, md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * mdlen] = '\0';
	return 0;
}

/*
 * Find the bodySHA256 parameter in url's query; store where its value
 * starts and its length.
 */
static int
twilio_signature_body_param(const char *url, const char **value,
    size_t *len)
{
	static const char	 name[] = "bodySHA256=";
	const char		*p, *end;
	size_t			 n;

	if ((p = strchr(url, '?')) == NULL)
		return -1;
	p++;
	end = p + strcspn(p, "#");
	while (p < end) {
		n = strcspn(p, "&#");
		if (n >= sizeof name - 1 &&
		    memcmp(p, name, sizeof name - 1) == 0) {
			*value = p + sizeof name - 1;
			*len = n - (sizeof name - 1);
			return 0;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return -1;
}

/* Check a signed request whose JSON body is vouched for by bodySHA256. */
int
twilio_signature_verify_json(const char *token, const char *url,
    const void *body, size_t len, const char *signature, const char **why)
{
	char		 hash[TWILIO_SHA256_HEX_SIZE];
	const char	*given;
	size_t		 given_len;

	if (url == NULL ||
	    twilio_signature_body_param(url, &given, &given_len) == -1) {
		if (why != NULL)
			*why = "no bodySHA256 in URL";
		return -1;
	}
	if (twilio_signature_body_sha256(body, len, hash, sizeof hash) == -1) {
		if (why != NULL)
			*why = "SHA-256 failed";
		return -1;
	}
	if (given_len != sizeof hash - 1 ||
	    strncasecmp(given, hash, given_len) != 0) {
		if (why != NULL)
			*why = "bodySHA256 does not match the body";
		return -1;
	}
	return twilio_signature_verify(token, url, NULL, 0, signature, why);
}
