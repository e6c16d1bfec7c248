/*
 * http-auth.c: see http-auth.h.  The scheme is case-insensitive and may be
 * surrounded by spaces and tabs (RFC 9110 §11.4).  Credentials are
 * compared by their SHA-256 with CRYPTO_memcmp, so neither their length nor
 * their first difference shows in the time taken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "http-auth.h"

#define HTTP_AUTH_MAX_BASE64	4096	/* far beyond real credentials */

/* Is c a space or a tab? */
static int
http_auth_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* SHA-256 of len bytes; 0 or -1. */
static int
http_auth_sha256(const void *s, size_t len, unsigned char md[32])
{
	unsigned int	n = 0;

	return EVP_Digest(s, len, md, &n, EVP_sha256(), NULL) == 1 &&
	    n == 32 ? 0 : -1;
}

/* Do a and b (alen bytes) hash the same?  1, 0, or -1 on failure. */
static int
http_auth_same(const void *a, size_t alen, const void *b, size_t blen)
{
	unsigned char	want[32], given[32];

	if (http_auth_sha256(a, alen, want) == -1 ||
	    http_auth_sha256(b, blen, given) == -1)
		return -1;
	return CRYPTO_memcmp(want, given, sizeof want) == 0;
}

/*
 * The credentials after scheme in authorization, trimmed: *len bytes from
 * the pointer returned, or NULL if the scheme is another or nothing
 * follows it.
 */
static const char *
http_auth_credentials(const char *authorization, const char *scheme,
    size_t *len)
{
	const char	*p = authorization, *e;
	size_t		 n = strlen(scheme);

	while (http_auth_blank(*p))
		p++;
	if (strncasecmp(p, scheme, n) != 0 || !http_auth_blank(p[n]))
		return NULL;
	p += n;
	while (http_auth_blank(*p))
		p++;
	e = p + strlen(p);
	while (e > p && http_auth_blank(e[-1]))
		e--;
	if (e == p)
		return NULL;
	*len = (size_t)(e - p);
	return p;
}

int
http_auth_basic(const char *authorization, const char *user,
    const char *password)
{
	unsigned char	*dec = NULL;
	char		*pair = NULL, *again = NULL;
	const char	*p;
	size_t		 n;
	int		 declen, rc = -1;

	if (authorization == NULL || user == NULL || password == NULL)
		return -1;
	if ((p = http_auth_credentials(authorization, "Basic", &n)) == NULL ||
	    n % 4 != 0 || n > HTTP_AUTH_MAX_BASE64)
		return -1;
	if ((dec = malloc(n / 4 * 3 + 1)) == NULL ||
	    (again = malloc(n + 1)) == NULL ||
	    asprintf(&pair, "%s:%s", user, password) == -1) {
		pair = NULL;
		goto out;
	}
	if ((declen = EVP_DecodeBlock(dec, (const unsigned char *)p,
	    (int)n)) < 0)
		goto out;
	/* EVP_DecodeBlock counts padding as zero bytes. */
	if (p[n - 1] == '=')
		declen--;
	if (p[n - 2] == '=')
		declen--;
	/* Only the canonical encoding of what we decoded is accepted. */
	if (declen < 0 || EVP_EncodeBlock((unsigned char *)again, dec,
	    declen) != (int)n || memcmp(again, p, n) != 0)
		goto out;
	rc = http_auth_same(pair, strlen(pair), dec, (size_t)declen) == 1 ?
	    0 : -1;
out:
	if (pair != NULL)
		explicit_bzero(pair, strlen(pair));
	if (dec != NULL)
		explicit_bzero(dec, n / 4 * 3 + 1);
	free(pair);
	free(dec);
	free(again);
	return rc;
}

int
http_auth_bearer(const char *authorization, const char *token)
{
	const char	*p;
	size_t		 n;

	if (authorization == NULL || token == NULL || token[0] == '\0')
		return -1;
	if ((p = http_auth_credentials(authorization, "Bearer", &n)) == NULL)
		return -1;
	return http_auth_same(token, strlen(token), p, n) == 1 ? 0 : -1;
}
