/*
 * oidc.c: see oidc.h.  JSON is read with cJSON; base64url, keys and
 * signatures are libcjose's.  A token is checked in this order: its shape
 * and header (alg, crit, kid), the key, the signature (over the header
 * cjose itself parsed, which must say the same alg), and only then the
 * claims, so nothing unsigned is ever believed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>
#include <cjson/cJSON.h>
#include <openssl/sha.h>

#include "rules/oidc.h"

/* One key of a JWKS. */
struct oidc_key {
	cjose_jwk_t	*jwk;
	char		*kid;		/* or NULL */
	int		 rsa;		/* RSA (RS256), else EC P-256 (ES256) */
};

struct oidc_keys {
	struct oidc_key	*keys;
	size_t		 n;
};

/* Copy a message into err. */
static void
oidc_err(char *err, size_t len, const char *msg)
{
	if (err != NULL && len > 0)
		snprintf(err, len, "%s", msg);
}

/* A string member, or NULL. */
static const char *
oidc_str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring[0] != '\0' ?
	    v->valuestring : NULL;
}

/* A copy of a string member, or NULL. */
static char *
oidc_dup(const cJSON *o, const char *key)
{
	const char	*s = oidc_str(o, key);

	return s != NULL ? strdup(s) : NULL;
}

/* Whether an endpoint URL is https (or http on loopback, like issuers
 * configured for development). */
static int
oidc_url_ok(const char *u)
{
	if (u == NULL)
		return 0;
	if (strncmp(u, "https://", 8) == 0)
		return u[8] != '\0';
	return strncmp(u, "http://127.0.0.1", 16) == 0 ||
	    strncmp(u, "http://localhost", 16) == 0 ||
	    strncmp(u, "http://[::1]", 12) == 0;
}

/* Whether a JSON array of strings holds s. */
static int
oidc_has(const cJSON *a, const char *s)
{
	const cJSON	*e;

	cJSON_ArrayForEach(e, a)
		if (cJSON_IsString(e) && strcmp(e->valuestring, s) == 0)
			return 1;
	return 0;
}

/* Parse the discovery document. */
int
oidc_discovery_parse(const char *json, size_t len, const char *want_issuer,
    struct oidc_provider *p, char *err, size_t errlen)
{
	cJSON		*j;
	const cJSON	*methods;

	memset(p, 0, sizeof *p);
	if (len > OIDC_MAX_DOC || (j = cJSON_ParseWithLength(json, len)) ==
	    NULL || !cJSON_IsObject(j)) {
		if (len <= OIDC_MAX_DOC)
			cJSON_Delete(j);
		oidc_err(err, errlen, "the discovery document is not a JSON "
		    "object");
		return -1;
	}
	p->issuer = oidc_dup(j, "issuer");
	p->authorization_endpoint = oidc_dup(j, "authorization_endpoint");
	p->token_endpoint = oidc_dup(j, "token_endpoint");
	p->jwks_uri = oidc_dup(j, "jwks_uri");
	methods = cJSON_GetObjectItemCaseSensitive(j,
	    "token_endpoint_auth_methods_supported");
	/* Basic is the default; the body avoids Basic's encoding rules
	 * where the provider takes both (Entra ID does). */
	p->secret_post = cJSON_IsArray(methods) &&
	    oidc_has(methods, "client_secret_post");
	cJSON_Delete(j);
	if (p->issuer == NULL || want_issuer == NULL ||
	    strcmp(p->issuer, want_issuer) != 0) {
		oidc_err(err, errlen, "the discovery document names another "
		    "issuer");
		goto fail;
	}
	if (!oidc_url_ok(p->authorization_endpoint) ||
	    !oidc_url_ok(p->token_endpoint) || !oidc_url_ok(p->jwks_uri)) {
		oidc_err(err, errlen, "the discovery document lacks an https "
		    "authorization_endpoint, token_endpoint or jwks_uri");
		goto fail;
	}
	return 0;
fail:
	oidc_provider_clear(p);
	return -1;
}

/* Free what discovery parsed. */
void
oidc_provider_clear(struct oidc_provider *p)
{
	free(p->issuer);
	free(p->authorization_endpoint);
	free(p->token_endpoint);
	free(p->jwks_uri);
	memset(p, 0, sizeof *p);
}

/* One JWK, if it can verify ID tokens: RSA of 2048 bits or more, or EC
 * P-256; "use" sig and "alg" RS256/ES256 where given. */
static int
oidc_key_parse(const cJSON *k, struct oidc_key *out)
{
	const char	*kty = oidc_str(k, "kty"), *use = oidc_str(k, "use");
	const char	*alg = oidc_str(k, "alg");
	char		*text;
	cjose_err	 cerr;
	cjose_jwk_t	*jwk;
	int		 rsa;

	memset(out, 0, sizeof *out);
	if (kty == NULL || (use != NULL && strcmp(use, "sig") != 0))
		return -1;
	if (strcmp(kty, "RSA") == 0)
		rsa = 1;
	else if (strcmp(kty, "EC") == 0)
		rsa = 0;
	else
		return -1;
	if (alg != NULL && strcmp(alg, rsa ? "RS256" : "ES256") != 0)
		return -1;
	if (!rsa && (oidc_str(k, "crv") == NULL ||
	    strcmp(oidc_str(k, "crv"), "P-256") != 0))
		return -1;
	/* Only the public members: never a private key from outside. */
	if (cJSON_GetObjectItemCaseSensitive(k, "d") != NULL)
		return -1;
	if ((text = cJSON_PrintUnformatted(k)) == NULL)
		return -1;
	jwk = cjose_jwk_import(text, strlen(text), &cerr);
	free(text);
	if (jwk == NULL)
		return -1;
	if (cjose_jwk_get_kty(jwk, &cerr) != (rsa ? CJOSE_JWK_KTY_RSA :
	    CJOSE_JWK_KTY_EC) || (rsa && cjose_jwk_get_keysize(jwk,
	    &cerr) < 2048)) {
		cjose_jwk_release(jwk);
		return -1;
	}
	out->jwk = jwk;
	out->rsa = rsa;
	out->kid = oidc_dup(k, "kid");
	return 0;
}

/* Parse a JWKS. */
struct oidc_keys *
oidc_jwks_parse(const char *json, size_t len, char *err, size_t errlen)
{
	struct oidc_keys	*ks;
	cJSON			*j;
	const cJSON		*keys, *k;

	if (len > OIDC_MAX_DOC || (j = cJSON_ParseWithLength(json, len)) ==
	    NULL) {
		oidc_err(err, errlen, "the JWKS is not JSON");
		return NULL;
	}
	keys = cJSON_GetObjectItemCaseSensitive(j, "keys");
	if (!cJSON_IsArray(keys)) {
		oidc_err(err, errlen, "the JWKS has no \"keys\" array");
		cJSON_Delete(j);
		return NULL;
	}
	if ((ks = calloc(1, sizeof *ks)) == NULL ||
	    (ks->keys = calloc((size_t)cJSON_GetArraySize(keys) + 1,
	    sizeof *ks->keys)) == NULL) {
		free(ks);
		oidc_err(err, errlen, "out of memory");
		cJSON_Delete(j);
		return NULL;
	}
	cJSON_ArrayForEach(k, keys)
		if (cJSON_IsObject(k) && oidc_key_parse(k,
		    &ks->keys[ks->n]) == 0)
			ks->n++;
	cJSON_Delete(j);
	if (ks->n == 0) {
		oidc_err(err, errlen, "the JWKS has no RS256 or ES256 signing "
		    "key");
		oidc_keys_free(ks);
		return NULL;
	}
	return ks;
}

/* Free a key set. */
void
oidc_keys_free(struct oidc_keys *ks)
{
	size_t	i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->n; i++) {
		cjose_jwk_release(ks->keys[i].jwk);
		free(ks->keys[i].kid);
	}
	free(ks->keys);
	free(ks);
}

/* How many usable keys. */
size_t
oidc_keys_count(const struct oidc_keys *ks)
{
	return ks != NULL ? ks->n : 0;
}

/* Whether a key has this kid. */
int
oidc_keys_have(const struct oidc_keys *ks, const char *kid)
{
	size_t	i;

	for (i = 0; ks != NULL && kid != NULL && i < ks->n; i++)
		if (ks->keys[i].kid != NULL && strcmp(ks->keys[i].kid,
		    kid) == 0)
			return 1;
	return 0;
}

/* The token endpoint's answer. */
char *
oidc_token_response(const char *json, size_t len, char *err, size_t errlen)
{
	cJSON		*j;
	const char	*t, *e, *d;
	char		*out = NULL;

	if (len > OIDC_MAX_DOC || (j = cJSON_ParseWithLength(json, len)) ==
	    NULL || !cJSON_IsObject(j)) {
		if (len <= OIDC_MAX_DOC)
			cJSON_Delete(j);
		oidc_err(err, errlen, "the token endpoint's answer is not a "
		    "JSON object");
		return NULL;
	}
	if ((t = oidc_str(j, "id_token")) != NULL && strlen(t) <=
	    OIDC_MAX_TOKEN)
		out = strdup(t);
	else if ((e = oidc_str(j, "error")) != NULL) {
		d = oidc_str(j, "error_description");
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "the token endpoint answered "
			    "%.64s%s%.200s", e, d ? ": " : "", d ? d : "");
	} else
		oidc_err(err, errlen, "the token endpoint's answer has no "
		    "id_token");
	cJSON_Delete(j);
	return out;
}

/* Decode one base64url part of a token as a JSON object, or NULL. */
static cJSON *
oidc_part(const char *s, size_t len)
{
	uint8_t		*raw = NULL;
	size_t		 n = 0;
	cjose_err	 cerr;
	cJSON		*j;

	if (len == 0 || !cjose_base64url_decode(s, len, &raw, &n, &cerr))
		return NULL;
	j = cJSON_ParseWithLength((const char *)raw, n);
	cjose_get_dealloc()(raw);
	if (j != NULL && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* The header of a compact JWS, if it has the shape of one. */
static cJSON *
oidc_header(const char *jwt)
{
	const char	*d1, *d2;
	size_t		 n;

	if (jwt == NULL || (n = strlen(jwt)) == 0 || n > OIDC_MAX_TOKEN ||
	    (d1 = strchr(jwt, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || strchr(d2 + 1, '.') != NULL ||
	    d2 == d1 + 1 || d2[1] == '\0')
		return NULL;
	return oidc_part(jwt, (size_t)(d1 - jwt));
}

/* The kid a token names. */
char *
oidc_token_kid(const char *jwt)
{
	cJSON	*h = oidc_header(jwt);
	char	*kid = h != NULL ? oidc_dup(h, "kid") : NULL;

	cJSON_Delete(h);
	return kid;
}

/* A number claim as seconds, or -1 when absent or not a number. */
static int64_t
oidc_time(const cJSON *claims, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(claims, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 &&
	    v->valuedouble < 1e13))
		return -1;
	return (int64_t)v->valuedouble;
}

/* The claims' verdict, once the signature is good. */
static enum oidc_result
oidc_claims(const cJSON *c, const struct oidc_expect *x)
{
	const cJSON	*aud = cJSON_GetObjectItemCaseSensitive(c, "aud");
	const char	*iss = oidc_str(c, "iss"), *azp = oidc_str(c, "azp");
	const char	*nonce = oidc_str(c, "nonce"), *tid = oidc_str(c, "tid");
	int64_t		 exp = oidc_time(c, "exp"), iat = oidc_time(c, "iat");
	int64_t		 nbf;

	if (iss == NULL || x->issuer == NULL || strcmp(iss, x->issuer) != 0)
		return OIDC_ISSUER;
	if (cJSON_IsString(aud)) {
		if (strcmp(aud->valuestring, x->client_id) != 0)
			return OIDC_AUDIENCE;
	} else if (cJSON_IsArray(aud)) {
		if (!oidc_has(aud, x->client_id))
			return OIDC_AUDIENCE;
		if (cJSON_GetArraySize(aud) > 1 && (azp == NULL ||
		    strcmp(azp, x->client_id) != 0))
			return OIDC_AUDIENCE;
	} else
		return OIDC_AUDIENCE;
	if (azp != NULL && strcmp(azp, x->client_id) != 0)
		return OIDC_AUDIENCE;
	if (exp < 0 || x->now > exp + OIDC_SKEW)
		return OIDC_EXPIRED;
	if (iat < 0 || iat > x->now + OIDC_SKEW)
		return OIDC_NOT_YET;
	if (cJSON_GetObjectItemCaseSensitive(c, "nbf") != NULL &&
	    ((nbf = oidc_time(c, "nbf")) < 0 || nbf > x->now + OIDC_SKEW))
		return OIDC_NOT_YET;
	if (x->nonce == NULL || nonce == NULL || strcmp(nonce, x->nonce) != 0)
		return OIDC_NONCE;
	if (x->tenant != NULL && (tid == NULL || strcmp(tid, x->tenant) != 0))
		return OIDC_TENANT;
	if (oidc_str(c, "sub") == NULL)
		return OIDC_NO_SUBJECT;
	return OIDC_OK;
}

/* The key for a token's header, or NULL (*unknown when the kid is). */
static const struct oidc_key *
oidc_key_for(const struct oidc_keys *ks, const char *kid, int rsa,
    int *unknown)
{
	const struct oidc_key	*one = NULL;
	size_t			 i, n = 0;

	*unknown = 0;
	for (i = 0; ks != NULL && i < ks->n; i++) {
		if (kid != NULL) {
			if (ks->keys[i].kid != NULL &&
			    strcmp(ks->keys[i].kid, kid) == 0)
				return ks->keys[i].rsa == rsa ? &ks->keys[i] :
				    NULL;
			continue;
		}
		if (ks->keys[i].rsa == rsa) {
			one = &ks->keys[i];
			n++;
		}
	}
	/* No kid: only when exactly one key could have signed it. */
	if (kid == NULL && n == 1)
		return one;
	*unknown = kid != NULL;
	return NULL;
}

/* Verify an ID token. */
enum oidc_result
oidc_verify(const char *jwt, const struct oidc_keys *ks,
    const struct oidc_expect *x, struct oidc_identity *id)
{
	const struct oidc_key	*key;
	cJSON			*h, *claims = NULL;
	cjose_jws_t		*jws = NULL;
	cjose_header_t		*ph;
	cjose_err		 cerr;
	const char		*alg, *kid, *calg;
	uint8_t			*plain = NULL;
	size_t			 plain_len = 0;
	enum oidc_result	 res;
	int			 rsa, unknown;

	memset(id, 0, sizeof *id);
	if ((h = oidc_header(jwt)) == NULL)
		return OIDC_MALFORMED;
	alg = oidc_str(h, "alg");
	kid = oidc_str(h, "kid");
	if (alg == NULL || (strcmp(alg, "RS256") != 0 &&
	    strcmp(alg, "ES256") != 0) ||
	    cJSON_GetObjectItemCaseSensitive(h, "crit") != NULL) {
		res = OIDC_ALG;
		goto out;
	}
	rsa = strcmp(alg, "RS256") == 0;
	if ((key = oidc_key_for(ks, kid, rsa, &unknown)) == NULL) {
		res = unknown ? OIDC_UNKNOWN_KID : OIDC_SIGNATURE;
		goto out;
	}
	if ((jws = cjose_jws_import(jwt, strlen(jwt), &cerr)) == NULL) {
		res = OIDC_MALFORMED;
		goto out;
	}
	/* cjose verifies with the alg of the header it parsed itself. */
	if ((ph = cjose_jws_get_protected(jws)) == NULL ||
	    (calg = cjose_header_get(ph, CJOSE_HDR_ALG, &cerr)) == NULL ||
	    strcmp(calg, alg) != 0) {
		res = OIDC_ALG;
		goto out;
	}
	if (!cjose_jws_verify(jws, key->jwk, &cerr)) {
		res = OIDC_SIGNATURE;
		goto out;
	}
	if (!cjose_jws_get_plaintext(jws, &plain, &plain_len, &cerr) ||
	    (claims = cJSON_ParseWithLength((const char *)plain,
	    plain_len)) == NULL || !cJSON_IsObject(claims)) {
		res = OIDC_MALFORMED;
		goto out;
	}
	if ((res = oidc_claims(claims, x)) != OIDC_OK)
		goto out;
	id->sub = oidc_dup(claims, "sub");
	id->oid = oidc_dup(claims, "oid");
	id->tid = oidc_dup(claims, "tid");
	id->name = oidc_dup(claims, "name");
	id->preferred_username = oidc_dup(claims, "preferred_username");
	id->claim = x->claim != NULL ? oidc_dup(claims, x->claim) : NULL;
	id->subject = strdup(id->oid != NULL ? id->oid : id->sub);
	if (id->sub == NULL || id->subject == NULL) {
		oidc_identity_clear(id);
		res = OIDC_NO_SUBJECT;
	}
out:
	cJSON_Delete(claims);
	cjose_jws_release(jws);
	cJSON_Delete(h);
	return res;
}

/* Free what a verified token gave. */
void
oidc_identity_clear(struct oidc_identity *id)
{
	free(id->subject);
	free(id->sub);
	free(id->oid);
	free(id->tid);
	free(id->claim);
	free(id->name);
	free(id->preferred_username);
	memset(id, 0, sizeof *id);
}

/* A result's name, for logs. */
const char *
oidc_result_name(enum oidc_result r)
{
	switch (r) {
	case OIDC_OK: return "ok";
	case OIDC_MALFORMED: return "malformed token";
	case OIDC_ALG: return "algorithm not RS256 or ES256";
	case OIDC_UNKNOWN_KID: return "unknown signing key";
	case OIDC_SIGNATURE: return "bad signature";
	case OIDC_ISSUER: return "wrong issuer";
	case OIDC_AUDIENCE: return "wrong audience";
	case OIDC_EXPIRED: return "expired";
	case OIDC_NOT_YET: return "issued in the future";
	case OIDC_NONCE: return "wrong nonce";
	case OIDC_TENANT: return "wrong tenant";
	case OIDC_NO_SUBJECT: return "no subject";
	}
	return "?";
}

/* The S256 challenge: base64url(SHA-256(verifier)), no padding. */
int
oidc_pkce_challenge(const char *verifier, char *out, size_t len)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	char		*enc = NULL;
	size_t		 n = 0;
	cjose_err	 cerr;

	SHA256((const unsigned char *)verifier, strlen(verifier), md);
	if (!cjose_base64url_encode(md, sizeof md, &enc, &n, &cerr))
		return -1;
	if (n + 1 > len) {
		cjose_get_dealloc()(enc);
		return -1;
	}
	memcpy(out, enc, n);
	out[n] = '\0';
	cjose_get_dealloc()(enc);
	return 0;
}
