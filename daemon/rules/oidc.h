/*
 * oidc.h: OpenID Connect, the parts that are pure (SPEC section 15): the
 * discovery document, the JWKS, the token endpoint's answer, PKCE, and
 * the ID token's verification.  Every input here comes from outside (an
 * identity provider), so every parser has a fuzz target (fuzz/fuzz-oidc.c).
 *
 * Signatures are checked by libcjose (Debian's libcjose-dev), never by
 * code of ours: this module only chooses the key, insists on RS256 or
 * ES256 with a key of the matching type, and checks the claims: iss
 * exactly the configured issuer, aud the client (azp too when there are
 * several audiences), exp and iat (and nbf) within the skew, nonce, and
 * tid when a tenant is configured.  The subject is oid where present
 * (Entra ID's immutable object id), else sub.  No I/O, no clock: the
 * caller passes "now".
 */
#ifndef OIDC_H
#define OIDC_H

#include <stddef.h>
#include <stdint.h>

/* How much larger than the others a token or document may be. */
#define OIDC_MAX_TOKEN	(16 * 1024)
#define OIDC_MAX_DOC	(256 * 1024)
/* Seconds of clock skew allowed on exp, iat and nbf. */
#define OIDC_SKEW	120

/* What the discovery document says (strings malloc'd). */
struct oidc_provider {
	char	*issuer;
	char	*authorization_endpoint;
	char	*token_endpoint;
	char	*jwks_uri;
	int	 secret_post;	/* send the secret in the body, not Basic */
};

/* A parsed JWKS: the keys that can verify ID tokens. */
struct oidc_keys;

/* What a valid token must say. */
struct oidc_expect {
	const char	*issuer;
	const char	*client_id;
	const char	*nonce;
	const char	*tenant;	/* or NULL */
	const char	*claim;		/* the claim to match people by */
	int64_t		 now;		/* seconds */
};

/* Who a valid token names (strings malloc'd, NULL where absent). */
struct oidc_identity {
	char	*subject;	/* oid, else sub: what a person is bound to */
	char	*sub;
	char	*oid;
	char	*tid;
	char	*claim;		/* the configured claim's value */
	char	*name;
	char	*preferred_username;
};

enum oidc_result {
	OIDC_OK,
	OIDC_MALFORMED,		/* not a compact JWS with JSON inside */
	OIDC_ALG,		/* not RS256 or ES256, or crit */
	OIDC_UNKNOWN_KID,	/* no such key: fetch the JWKS again */
	OIDC_SIGNATURE,
	OIDC_ISSUER,
	OIDC_AUDIENCE,
	OIDC_EXPIRED,
	OIDC_NOT_YET,		/* iat or nbf in the future */
	OIDC_NONCE,
	OIDC_TENANT,
	OIDC_NO_SUBJECT
};

/* Parse a discovery document; its issuer must be want_issuer exactly. */
int	 oidc_discovery_parse(const char *json, size_t len,
	    const char *want_issuer, struct oidc_provider *, char *err,
	    size_t errlen);
void	 oidc_provider_clear(struct oidc_provider *);

/* Parse a JWKS ({"keys": [...]}); keys that cannot sign ID tokens are
 * skipped; NULL when none is left. */
struct oidc_keys *oidc_jwks_parse(const char *json, size_t len, char *err,
	    size_t errlen);
void	 oidc_keys_free(struct oidc_keys *);
size_t	 oidc_keys_count(const struct oidc_keys *);
/* Whether the set has a key with this kid. */
int	 oidc_keys_have(const struct oidc_keys *, const char *kid);

/* The id_token of a token endpoint's JSON answer (malloc'd), or NULL with
 * err (the provider's error and description when it sent one). */
char	*oidc_token_response(const char *json, size_t len, char *err,
	    size_t errlen);

/* The kid a token's header names (malloc'd), or NULL. */
char	*oidc_token_kid(const char *jwt);
/* Verify an ID token with keys; fills id on OIDC_OK only. */
enum oidc_result oidc_verify(const char *jwt, const struct oidc_keys *,
	    const struct oidc_expect *, struct oidc_identity *id);
void	 oidc_identity_clear(struct oidc_identity *);
const char *oidc_result_name(enum oidc_result);

/* The S256 code challenge of a PKCE verifier. */
int	 oidc_pkce_challenge(const char *verifier, char *out, size_t len);

#endif
