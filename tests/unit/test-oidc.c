/*
 * test-oidc.c: ID tokens, the JWKS, discovery and PKCE (rules/oidc.h,
 * SPEC section 15).  Keys are made and tokens signed with libcjose, the
 * library the daemon verifies with; no signature code of our own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>

#include "check.h"
#include "rules/oidc.h"

#define ISS	"https://login.microsoftonline.com/tid-1/v2.0"
#define CLIENT	"client-1"
#define NONCE	"nonce-1"
#define TENANT	"tid-1"
#define NOW	1780000000

static cjose_jwk_t	*rsa_key, *rsa_other, *ec_key;
static char		*jwks;

/* A JWK's public JSON with its kid (cjose's allocation freed). */
static char *
public_json(cjose_jwk_t *k)
{
	cjose_err	 e;
	char		*j = cjose_jwk_to_json(k, false, &e), *out;

	CHECK(j != NULL);
	out = strdup(j);
	cjose_get_dealloc()(j);
	return out;
}

/* The keys: RSA "r1" and EC "e1" published, RSA "r2" not. */
static void
keys(void)
{
	static const uint8_t	 e65537[] = { 1, 0, 1 };
	cjose_err		 e;
	char			*a, *b;

	if (jwks != NULL)
		return;
	rsa_key = cjose_jwk_create_RSA_random(2048, e65537, 3, &e);
	rsa_other = cjose_jwk_create_RSA_random(2048, e65537, 3, &e);
	ec_key = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &e);
	CHECK(rsa_key && rsa_other && ec_key);
	CHECK(cjose_jwk_set_kid(rsa_key, "r1", 2, &e));
	CHECK(cjose_jwk_set_kid(rsa_other, "r2", 2, &e));
	CHECK(cjose_jwk_set_kid(ec_key, "e1", 2, &e));
	a = public_json(rsa_key);
	b = public_json(ec_key);
	CHECK(asprintf(&jwks, "{\"keys\":[%s,%s]}", a, b) != -1);
	free(a);
	free(b);
}

/* A compact JWS of claims, signed by key with alg and kid. */
static char *
sign(cjose_jwk_t *key, const char *alg, const char *kid, const char *claims)
{
	cjose_err	 e;
	cjose_header_t	*h = cjose_header_new(&e);
	cjose_jws_t	*jws;
	const char	*ser;
	char		*out;

	CHECK(cjose_header_set(h, CJOSE_HDR_ALG, alg, &e));
	if (kid != NULL)
		CHECK(cjose_header_set(h, CJOSE_HDR_KID, kid, &e));
	jws = cjose_jws_sign(key, h, (const uint8_t *)claims, strlen(claims),
	    &e);
	CHECK(jws != NULL && cjose_jws_export(jws, &ser, &e));
	out = strdup(ser);
	cjose_jws_release(jws);
	cjose_header_release(h);
	return out;
}

/* Entra-like claims, with fields overridden by what extra says. */
static char *
claims(const char *iss, const char *aud, long long exp, long long iat,
    const char *nonce, const char *tid, const char *extra)
{
	char	*c;

	CHECK(asprintf(&c, "{\"iss\":\"%s\",\"aud\":%s,\"exp\":%lld,"
	    "\"iat\":%lld,\"nonce\":\"%s\",\"tid\":\"%s\",\"sub\":\"sub-a\","
	    "\"email\":\"Alice@Example.gov.uk\",\"name\":\"Alice\","
	    "\"preferred_username\":\"alice@example.gov.uk\"%s}", iss, aud,
	    exp, iat, nonce, tid, extra ? extra : ",\"oid\":\"oid-a\"") != -1);
	return c;
}

/* Verify a token against the JWKS with the usual expectations. */
static enum oidc_result
verify(const char *jwt, struct oidc_identity *id)
{
	struct oidc_expect	 x = { ISS, CLIENT, NONCE, TENANT, "email",
				    NOW };
	struct oidc_keys	*ks;
	enum oidc_result	 r;
	char			 err[128];

	keys();
	CHECK((ks = oidc_jwks_parse(jwks, strlen(jwks), err,
	    sizeof err)) != NULL);
	r = oidc_verify(jwt, ks, &x, id);
	oidc_keys_free(ks);
	return r;
}

/* Sign good claims with key/alg/kid and verify. */
static enum oidc_result
verify_good(cjose_jwk_t *key, const char *alg, const char *kid)
{
	struct oidc_identity	 id;
	char			*c, *t;
	enum oidc_result	 r;

	keys();
	c = claims(ISS, "\"" CLIENT "\"", NOW + 600, NOW - 10, NONCE, TENANT,
	    NULL);
	t = sign(key, alg, kid, c);
	r = verify(t, &id);
	oidc_identity_clear(&id);
	free(c);
	free(t);
	return r;
}

static void
test_a_token_signed_with_the_providers_rs256_key_is_accepted(void)
{
	struct oidc_identity	 id;
	char			*c, *t;

	keys();
	c = claims(ISS, "\"" CLIENT "\"", NOW + 600, NOW - 10, NONCE, TENANT,
	    NULL);
	t = sign(rsa_key, "RS256", "r1", c);
	CHECK_INT(verify(t, &id), OIDC_OK);
	CHECK_STR(id.subject, "oid-a");
	CHECK_STR(id.claim, "Alice@Example.gov.uk");
	CHECK_STR(id.tid, TENANT);
	CHECK_STR(id.preferred_username, "alice@example.gov.uk");
	oidc_identity_clear(&id);
	free(c);
	free(t);
}

static void
test_an_es256_token_is_accepted(void)
{
	keys();
	CHECK_INT(verify_good(ec_key, "ES256", "e1"), OIDC_OK);
}

static void
test_without_oid_the_subject_is_sub(void)
{
	struct oidc_identity	 id;
	char			*c, *t;

	keys();
	c = claims(ISS, "\"" CLIENT "\"", NOW + 600, NOW - 10, NONCE, TENANT,
	    "");
	t = sign(rsa_key, "RS256", "r1", c);
	CHECK_INT(verify(t, &id), OIDC_OK);
	CHECK_STR(id.subject, "sub-a");
	oidc_identity_clear(&id);
	free(c);
	free(t);
}

static void
test_a_wrong_signature_is_refused(void)
{
	keys();
	/* Another key, claiming the published key's kid. */
	CHECK_INT(verify_good(rsa_other, "RS256", "r1"), OIDC_SIGNATURE);
}

static void
test_an_unknown_kid_asks_for_the_jwks_again(void)
{
	char	*c, *t, *kid;

	keys();
	CHECK_INT(verify_good(rsa_other, "RS256", "r2"), OIDC_UNKNOWN_KID);
	c = claims(ISS, "\"" CLIENT "\"", NOW + 600, NOW, NONCE, TENANT, NULL);
	t = sign(rsa_other, "RS256", "r2", c);
	CHECK_STR((kid = oidc_token_kid(t)), "r2");
	free(kid);
	free(c);
	free(t);
}

static void
test_an_rs256_token_cannot_name_an_ec_key(void)
{
	keys();
	CHECK_INT(verify_good(rsa_key, "RS256", "e1"), OIDC_SIGNATURE);
}

static void
test_algorithms_other_than_rs256_and_es256_are_refused(void)
{
	cjose_err	 e;
	cjose_jwk_t	*oct = cjose_jwk_create_oct_random(32, &e);
	char		*c, *t, *none;

	keys();
	CHECK_INT(verify_good(oct, "HS256", "r1"), OIDC_ALG);
	CHECK_INT(verify_good(rsa_key, "PS256", "r1"), OIDC_ALG);
	/* alg none: header {"alg":"none","kid":"r1"}, no signature. */
	c = claims(ISS, "\"" CLIENT "\"", NOW + 600, NOW, NONCE, TENANT, NULL);
	t = sign(rsa_key, "RS256", "r1", c);
	CHECK(asprintf(&none, "eyJhbGciOiJub25lIiwia2lkIjoicjEifQ%s",
	    strchr(t, '.')) != -1);
	{
		struct oidc_identity id;

		CHECK_INT(verify(none, &id), OIDC_ALG);
	}
	cjose_jwk_release(oct);
	free(none);
	free(c);
	free(t);
}

static void
test_the_wrong_issuer_is_refused(void)
{
	struct oidc_identity	 id;
	char			*c, *t;

	keys();
	c = claims("https://login.microsoftonline.com/tid-2/v2.0",
	    "\"" CLIENT "\"", NOW + 600, NOW, NONCE, TENANT, NULL);
	t = sign(rsa_key, "RS256", "r1", c);
	CHECK_INT(verify(t, &id), OIDC_ISSUER);
	free(c);
	free(t);
}

static void
test_the_wrong_audience_is_refused(void)
{
	struct oidc_identity	 id;
	char			*c, *t;

	keys();
	c = claims(ISS, "\"someone-else\"", NOW + 600, NOW, NONCE, TENANT,
	    NULL);
	t = sign(rsa_key, "RS256", "r1", c);
	CHECK_INT(verify(t, &id), OIDC_AUDIENCE);
	free(c);
	free(t);
	/* Several audiences need azp to be this client. */
	c = claims(ISS, "[\"" CLIENT "\",\"other\"]", NOW + 600, NOW, NONCE,
	    TENANT, NULL);
	t = sign(rsa_key, "RS256", "r1", c);
	CHECK_INT(verify(t, &id), OIDC_AUDIENCE);
	free(c);
	free(t);
	c = claims(ISS, "[\"" CLIENT "\",\"other\"]", NOW + 600, NOW, NONCE,
	    TENANT, ",\"azp\":\"" CLIENT "\"");
	t = sign(rsa_key, "RS256", "r1", c);
	CHECK_INT(verify(t, &id), OIDC_OK);
	oidc_identity_clear(&id);
	free(c);
	free(t);
}

static void
test_an_expired_token_is_refused_after_two_minutes_of_skew(void)
{
	struct oidc_identity	 id;
	char			*c, *t;

	keys();
	c = claims(ISS, "\"" CLIENT "\"", NOW - 119, NOW - 600, NONCE, TENANT,
	    NULL);
	t = sign(rsa_key, "RS256", "r1", c);
	CHECK_INT(verify(t, &id), OIDC_OK);
	oidc_identity_clear(&id);
	free(c);
	free(t);
	c = claims(ISS, "\"" CLIENT "\"", NOW - 121, NOW - 600, NONCE, TENANT,
	    NULL);
	t = sign(rsa_key, "RS256", "r1", c);
	CHECK_INT(verify(t, &id), OIDC_EXPIRED);
	free(c);
	free(t);
}

static void
test_a_token_issued_in_the_future_is_refused(void)
{
	struct oidc_identity	 id;
	char			*c, *t;

	keys();
	c = claims(ISS, "\"" CLIENT "\"", NOW + 3600, NOW + 121, NONCE,
	    TENANT, NULL);
	t = sign(rsa_key, "RS256", "r1", c);
	CHECK_INT(verify(t, &id), OIDC_NOT_YET);
	free(c);
	free(t);
}

static void
test_the_wrong_nonce_is_refused(void)
{
	struct oidc_identity	 id;
	char			*c, *t;

	keys();
	c = claims(ISS, "\"" CLIENT "\"", NOW + 600, NOW, "nonce-2", TENANT,
	    NULL);
	t = sign(rsa_key, "RS256", "r1", c);
	CHECK_INT(verify(t, &id), OIDC_NONCE);
	free(c);
	free(t);
}

static void
test_the_wrong_tenant_is_refused(void)
{
	struct oidc_identity	 id;
	char			*c, *t;

	keys();
	c = claims(ISS, "\"" CLIENT "\"", NOW + 600, NOW, NONCE, "tid-2",
	    NULL);
	t = sign(rsa_key, "RS256", "r1", c);
	CHECK_INT(verify(t, &id), OIDC_TENANT);
	free(c);
	free(t);
}

static void
test_tokens_that_are_not_compact_jws_are_malformed(void)
{
	struct oidc_identity	id;

	CHECK_INT(verify("", &id), OIDC_MALFORMED);
	CHECK_INT(verify("a.b", &id), OIDC_MALFORMED);
	CHECK_INT(verify("a.b.c.d", &id), OIDC_MALFORMED);
	CHECK_INT(verify("!!!.e30.c2ln", &id), OIDC_MALFORMED);
}

static void
test_a_jwks_keeps_only_public_signing_keys(void)
{
	static const uint8_t	 e65537[] = { 1, 0, 1 };
	struct oidc_keys	*ks;
	cjose_err		 e;
	cjose_jwk_t		*small;
	char			*priv, *pub, *doc, err[128];

	keys();
	small = cjose_jwk_create_RSA_random(1024, e65537, 3, &e);
	pub = public_json(small);
	priv = cjose_jwk_to_json(rsa_key, true, &e);
	CHECK(asprintf(&doc, "{\"keys\":[%s,%s,{\"kty\":\"oct\",\"k\":"
	    "\"AAAA\"}]}", pub, priv) != -1);
	CHECK((ks = oidc_jwks_parse(doc, strlen(doc), err, sizeof err)) ==
	    NULL);
	free(doc);
	CHECK((ks = oidc_jwks_parse(jwks, strlen(jwks), err, sizeof err)) !=
	    NULL);
	CHECK_INT(oidc_keys_count(ks), 2);
	CHECK(oidc_keys_have(ks, "r1") && !oidc_keys_have(ks, "r2"));
	oidc_keys_free(ks);
	cjose_get_dealloc()(priv);
	free(pub);
	cjose_jwk_release(small);
}

static void
test_entra_style_keys_with_certificates_and_an_issuer_are_used(void)
{
	struct oidc_keys	*ks;
	char			*pub, *doc, err[128];
	size_t			 n;

	keys();
	pub = public_json(rsa_key);
	n = strlen(pub);
	pub[n - 1] = '\0';	/* drop the closing brace, add Entra's members */
	CHECK(asprintf(&doc, "{\"keys\":[%s,\"use\":\"sig\",\"x5t\":\"abc\","
	    "\"x5c\":[\"MIIC\"],\"cloud_instance_name\":\"microsoftonline.com\","
	    "\"issuer\":\"https://login.microsoftonline.com/{tenantid}/v2.0\"}]}",
	    pub) != -1);
	CHECK((ks = oidc_jwks_parse(doc, strlen(doc), err, sizeof err)) !=
	    NULL);
	CHECK(oidc_keys_have(ks, "r1"));
	oidc_keys_free(ks);
	free(doc);
	free(pub);
}

static void
test_discovery_must_name_the_configured_issuer(void)
{
	struct oidc_provider	 p;
	char			 err[128];
	const char		*doc = "{\"issuer\":\"" ISS "\","
	    "\"authorization_endpoint\":\"https://login.example/auth\","
	    "\"token_endpoint\":\"https://login.example/token\","
	    "\"jwks_uri\":\"https://login.example/keys\","
	    "\"token_endpoint_auth_methods_supported\":[\"client_secret_post\","
	    "\"client_secret_basic\"]}";

	CHECK(oidc_discovery_parse(doc, strlen(doc), ISS, &p, err,
	    sizeof err) == 0);
	CHECK_STR(p.token_endpoint, "https://login.example/token");
	CHECK(p.secret_post);
	oidc_provider_clear(&p);
	CHECK(oidc_discovery_parse(doc, strlen(doc),
	    "https://login.microsoftonline.com/tid-2/v2.0", &p, err,
	    sizeof err) == -1);
	CHECK(strstr(err, "issuer") != NULL);
}

static void
test_the_token_endpoints_error_is_reported(void)
{
	char	 err[256], *t;
	const char *bad = "{\"error\":\"invalid_grant\",\"error_description\":"
	    "\"code expired\"}";
	const char *good = "{\"id_token\":\"a.b.c\",\"token_type\":\"Bearer\"}";

	CHECK(oidc_token_response(bad, strlen(bad), err, sizeof err) == NULL);
	CHECK(strstr(err, "invalid_grant: code expired") != NULL);
	CHECK_STR((t = oidc_token_response(good, strlen(good), err,
	    sizeof err)), "a.b.c");
	free(t);
}

static void
test_the_pkce_challenge_is_rfc_7636s(void)
{
	char	out[64];

	CHECK(oidc_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
	    out, sizeof out) == 0);
	CHECK_STR(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

int
main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(test_a_token_signed_with_the_providers_rs256_key_is_accepted),
		TEST(test_an_es256_token_is_accepted),
		TEST(test_without_oid_the_subject_is_sub),
		TEST(test_a_wrong_signature_is_refused),
		TEST(test_an_unknown_kid_asks_for_the_jwks_again),
		TEST(test_an_rs256_token_cannot_name_an_ec_key),
		TEST(test_algorithms_other_than_rs256_and_es256_are_refused),
		TEST(test_the_wrong_issuer_is_refused),
		TEST(test_the_wrong_audience_is_refused),
		TEST(test_an_expired_token_is_refused_after_two_minutes_of_skew),
		TEST(test_a_token_issued_in_the_future_is_refused),
		TEST(test_the_wrong_nonce_is_refused),
		TEST(test_the_wrong_tenant_is_refused),
		TEST(test_tokens_that_are_not_compact_jws_are_malformed),
		TEST(test_a_jwks_keeps_only_public_signing_keys),
		TEST(test_entra_style_keys_with_certificates_and_an_issuer_are_used),
		TEST(test_discovery_must_name_the_configured_issuer),
		TEST(test_the_token_endpoints_error_is_reported),
		TEST(test_the_pkce_challenge_is_rfc_7636s),
		{ NULL, NULL }
	};
	int	rc = check_run("oidc", tests, argc, argv);

	cjose_jwk_release(rsa_key);
	cjose_jwk_release(rsa_other);
	cjose_jwk_release(ec_key);
	free(jwks);
	return rc;
}
