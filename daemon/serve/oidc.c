/*
 * oidc.c: signing staff in with OpenID Connect (SPEC §15): the
 * authorization-code flow with PKCE (S256), state and nonce.
 *
 *   GET /auth/oidc?return=PATH   to the provider, with a state kept in
 *                                Redis for 10 minutes (and in a cookie,
 *                                so that only the browser that started a
 *                                sign-in can finish it)
 *   GET /auth/oidc/callback      take the state once, exchange the code
 *                                at the token endpoint, verify the ID
 *                                token (rules/oidc.h), find the person,
 *                                start the session
 *
 * The discovery document and the JWKS are fetched through io/fetch.c
 * (never blocking the loop) and kept for a day; a token naming a key the
 * JWKS lacks fetches the JWKS again, at most once every
 * OIDC_REFETCH_SECONDS.  The first sign-in matches the configured claim
 * to a person's email (any case) and binds the person to the issuer's
 * subject (oid where present, else sub); from then on that subject, and
 * only it, signs in as them, whatever its email says.  Nothing here logs
 * a code, a token, a state or an unmasked address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "base/log.h"
#include "base/mask.h"
#include "base/metrics.h"
#include "conf/config.h"
#include "io/fetch.h"
#include "io/http.h"
#include "rules/oidc.h"
#include "serve/api.h"
#include "serve/oidc.h"
#include "serve/pages.h"
#include "serve/server.h"
#include "serve/session.h"
#include "serve/signin.h"
#include "store/auth.h"

#define OIDC_STATE_TTL_MS	(10 * 60 * 1000)
#define OIDC_CACHE_SECONDS	(24 * 3600)
#define OIDC_REFETCH_SECONDS	30
#define OIDC_FETCH_TIMEOUT_MS	10000

/* What this process knows of the issuer (any instance may fetch its
 * own: the documents are public). */
struct oidc_cache {
	char			*issuer;
	struct oidc_provider	 prov;
	int			 have_prov;
	double			 prov_at;
	struct oidc_keys	*keys;
	double			 keys_at;
	double			 refetch_at;	/* last unknown-kid fetch */
};

static struct oidc_cache	oidc_cache;

/* One sign-in request in progress. */
struct oidc_flow {
	struct api_call		*c;
	int			 callback;	/* at /auth/oidc/callback */
	char			*code;
	char			 state[SESSION_TOKEN_LEN];
	char			 verifier[SESSION_TOKEN_LEN];
	char			 nonce[SESSION_TOKEN_LEN];
	char			 ret[520];
	char			*id_token;
	int			 refetched;
	struct oidc_identity	 id;
	const struct config_person *person;
};

static void	oidc_have_provider(struct oidc_flow *);
static void	oidc_verify_token(struct oidc_flow *);

/* Seconds on the monotonic clock. */
static double
oidc_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Free a flow, forgetting its secrets. */
static void
oidc_flow_free(struct oidc_flow *f)
{
	if (f->code != NULL) {
		OPENSSL_cleanse(f->code, strlen(f->code));
		free(f->code);
	}
	if (f->id_token != NULL) {
		OPENSSL_cleanse(f->id_token, strlen(f->id_token));
		free(f->id_token);
	}
	OPENSSL_cleanse(f->state, sizeof f->state);
	OPENSSL_cleanse(f->verifier, sizeof f->verifier);
	OPENSSL_cleanse(f->nonce, sizeof f->nonce);
	oidc_identity_clear(&f->id);
	free(f);
}

/* End a flow with a page saying why sign-in did not happen. */
static void
oidc_fail(struct oidc_flow *f, int code, const char *title, const char *text)
{
	metrics_inc("replyd_signin_total", "via=\"oidc\",outcome=\"refused\"");
	signin_message(f->c, code, title, text, "/signin", "Go to sign in");
	oidc_flow_free(f);
}

/* The identity provider could not be reached or answered nonsense. */
static void
oidc_unavailable(struct oidc_flow *f)
{
	oidc_fail(f, 503, "The council's sign-in service is not answering",
	    "Try again in a few minutes. If it stays down, an administrator "
	    "can still sign in with a link.");
}

/* Forget the cache when the configuration names another issuer. */
static void
oidc_cache_for(const char *issuer)
{
	if (oidc_cache.issuer != NULL && strcmp(oidc_cache.issuer,
	    issuer) == 0)
		return;
	oidc_free();
	oidc_cache.issuer = strdup(issuer);
}

/* Free what the cache holds (at exit, or for another issuer). */
void
oidc_free(void)
{
	free(oidc_cache.issuer);
	if (oidc_cache.have_prov)
		oidc_provider_clear(&oidc_cache.prov);
	oidc_keys_free(oidc_cache.keys);
	memset(&oidc_cache, 0, sizeof oidc_cache);
}

/* Write s form-urlencoded (RFC 3986 unreserved kept). */
static void
oidc_enc(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~", *s) != NULL)
			fputc(*s, fp);
		else
			fprintf(fp, "%%%02X", (unsigned char)*s);
	}
}

/* Write "&key=value" (or without '&' first), encoded. */
static void
oidc_param(FILE *fp, int *first, const char *key, const char *value)
{
	if (!*first)
		fputc('&', fp);
	*first = 0;
	oidc_enc(fp, key);
	fputc('=', fp);
	oidc_enc(fp, value);
}

/* The redirect URI: public_url + /auth/oidc/callback. */
static void
oidc_redirect_uri(const struct config *cfg, char *buf, size_t len)
{
	snprintf(buf, len, "%s/auth/oidc/callback", cfg->public_url);
}

/* A GET through fetch.c; -1 when it cannot start. */
static int
oidc_get(struct oidc_flow *f, const char *url, replyd_http_done done)
{
	struct replyd_http_request	req;
	static const struct replyd_header h[] = {
		{ "Accept", "application/json" }
	};

	memset(&req, 0, sizeof req);
	req.size = sizeof req;
	req.method = "GET";
	req.url = url;
	req.headers = h;
	req.nheaders = 1;
	req.timeout_ms = OIDC_FETCH_TIMEOUT_MS;
	return fetch_http(f->c->srv->fetch, &req, done, f);
}

/* Whether an answer is a usable 200. */
static int
oidc_answer_ok(struct oidc_flow *f, const struct replyd_http_response *r,
    const char *what)
{
	if (f->c->srv->closing)
		return 0;
	if (r->status == 200 && r->body != NULL)
		return 1;
	if (r->status == 0)
		log_warnx("oidc: %s: no answer: %s", what, r->error ?
		    r->error : "no detail");
	else
		log_warnx("oidc: %s: the provider answered %d", what,
		    r->status);
	return 0;
}

/* The discovery document arrived. */
static void
oidc_discovered(void *arg, const struct replyd_http_response *r)
{
	struct oidc_flow	*f = arg;
	struct oidc_provider	 p;
	char			 err[256];

	if (!oidc_answer_ok(f, r, "discovery")) {
		if (oidc_cache.have_prov && !f->c->srv->closing) {
			oidc_have_provider(f);	/* stale beats nothing */
			return;
		}
		oidc_unavailable(f);
		return;
	}
	if (oidc_discovery_parse(r->body, r->body_len,
	    f->c->cfg->auth.oidc->issuer, &p, err, sizeof err) == -1) {
		log_warnx("oidc: discovery: %s", err);
		oidc_unavailable(f);
		return;
	}
	oidc_cache_for(f->c->cfg->auth.oidc->issuer);
	if (oidc_cache.have_prov)
		oidc_provider_clear(&oidc_cache.prov);
	oidc_cache.prov = p;
	oidc_cache.have_prov = 1;
	oidc_cache.prov_at = oidc_now();
	oidc_have_provider(f);
}

/* Make sure the discovery document is known, then go on. */
static void
oidc_provider(struct oidc_flow *f)
{
	const char	*issuer = f->c->cfg->auth.oidc->issuer;
	char		*url;
	size_t		 n = strlen(issuer);

	oidc_cache_for(issuer);
	if (oidc_cache.have_prov && oidc_now() - oidc_cache.prov_at <
	    OIDC_CACHE_SECONDS) {
		oidc_have_provider(f);
		return;
	}
	while (n > 0 && issuer[n - 1] == '/')
		n--;
	if (asprintf(&url, "%.*s/.well-known/openid-configuration", (int)n,
	    issuer) == -1) {
		oidc_unavailable(f);
		return;
	}
	if (oidc_get(f, url, oidc_discovered) == -1)
		oidc_unavailable(f);
	free(url);
}

/* The state is stored: off to the provider. */
static void
oidc_state_stored(int failed, void *arg)
{
	struct oidc_flow	*f = arg;
	const struct config	*cfg = f->c->cfg;
	const char		*state = f->state;
	char			*url = NULL, ch[64], redirect[300];
	size_t			 len;
	FILE			*fp;
	int			 first = 1;

	if (failed || oidc_pkce_challenge(f->verifier, ch, sizeof ch) == -1 ||
	    (fp = open_memstream(&url, &len)) == NULL) {
		signin_unavailable(f->c);
		oidc_flow_free(f);
		return;
	}
	oidc_redirect_uri(cfg, redirect, sizeof redirect);
	fputs(oidc_cache.prov.authorization_endpoint, fp);
	fputc(strchr(oidc_cache.prov.authorization_endpoint, '?') ? '&' :
	    '?', fp);
	oidc_param(fp, &first, "response_type", "code");
	oidc_param(fp, &first, "client_id", cfg->auth.oidc->client_id);
	oidc_param(fp, &first, "redirect_uri", redirect);
	oidc_param(fp, &first, "scope", "openid profile email");
	oidc_param(fp, &first, "response_mode", "query");
	oidc_param(fp, &first, "state", state);
	oidc_param(fp, &first, "nonce", f->nonce);
	oidc_param(fp, &first, "code_challenge", ch);
	oidc_param(fp, &first, "code_challenge_method", "S256");
	if (fclose(fp) != 0) {
		free(url);
		signin_unavailable(f->c);
		oidc_flow_free(f);
		return;
	}
	/* The browser that started the sign-in is the one to finish it. */
	session_set_cookie(f->c->req, cfg, "oidc", state,
	    OIDC_STATE_TTL_MS / 1000);
	pages_headers(f->c->req, 1);
	http_add_header(f->c->req, "Location", url);
	http_reply(f->c->req, 303, "text/html; charset=utf-8", NULL, 0);
	free(url);
	oidc_flow_free(f);
}

/* GET /auth/oidc: keep a state, then send the browser to the provider. */
static void
oidc_start(struct oidc_flow *f)
{
	char	*value;
	cJSON	*j;

	if (session_random(f->state, sizeof f->state, 32) == -1 ||
	    session_random(f->nonce, sizeof f->nonce, 32) == -1 ||
	    session_random(f->verifier, sizeof f->verifier, 32) == -1 ||
	    (j = cJSON_CreateObject()) == NULL) {
		signin_unavailable(f->c);
		oidc_flow_free(f);
		return;
	}
	cJSON_AddStringToObject(j, "verifier", f->verifier);
	cJSON_AddStringToObject(j, "nonce", f->nonce);
	cJSON_AddStringToObject(j, "return", f->ret);
	value = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (value == NULL || store_ticket_put(f->c->srv->db,
	    STORE_TICKET_OIDC, f->state, value, OIDC_STATE_TTL_MS,
	    oidc_state_stored, f) == -1) {
		signin_unavailable(f->c);
		oidc_flow_free(f);
	}
	if (value != NULL) {
		OPENSSL_cleanse(value, strlen(value));
		free(value);
	}
}

/* The session is stored: go where they were going. */
static void
oidc_begun(int failed, void *arg)
{
	struct oidc_flow	*f = arg;

	if (failed) {
		oidc_fail(f, 503, "Sorry, there is a problem", "You could not "
		    "be signed in. Try again in a minute.");
		return;
	}
	metrics_inc("replyd_signin_total", "via=\"oidc\",outcome=\"ok\"");
	log_info("oidc: %s signed in", f->person->id);
	pages_redirect(f->c->req, f->ret);
	oidc_flow_free(f);
}

/* The person is known: start their session. */
static void
oidc_sign_in(struct oidc_flow *f, const struct config_person *p)
{
	f->person = p;
	if (session_begin(f->c->srv, f->c->cfg, f->c->req, p, "oidc",
	    oidc_begun, f) == -1)
		oidc_fail(f, 503, "Sorry, there is a problem", "You could not "
		    "be signed in. Try again in a minute.");
}

/* Refuse a verified identity that is no one here. */
static void
oidc_nobody(struct oidc_flow *f)
{
	oidc_fail(f, 403, "You cannot sign in to replyd", "Your council "
	    "account is not set up in replyd. Ask an administrator to add "
	    "you.");
}

/* The first sign-in's binding is written (or refused). */
static void
oidc_bound(enum store_bind_result res, void *arg)
{
	struct oidc_flow	*f = arg;

	if (res == STORE_BIND_FAILED) {
		signin_unavailable(f->c);
		oidc_flow_free(f);
		return;
	}
	if (res == STORE_BIND_OTHER) {
		/* Someone else's mailbox now claims this person's email. */
		metrics_inc("replyd_api_rejections_total",
		    "reason=\"oidc_binding\"");
		log_warnx("oidc: refused: a second identity claims the email "
		    "of %s, who is bound to another; if %s's account was "
		    "recreated, an admin can remove the binding (DELETE "
		    "/v1/people/%s/oidc-binding)", f->person->id,
		    f->person->id, f->person->id);
		oidc_nobody(f);
		return;
	}
	log_info("oidc: %s is now bound to their identity at the provider",
	    f->person->id);
	oidc_sign_in(f, f->person);
}

/* Whom the subject is bound to is known. */
static void
oidc_subject(const char *person, int failed, void *arg)
{
	struct oidc_flow		*f = arg;
	const struct config		*cfg = f->c->cfg;
	const struct config_person	*p;
	char				 m[MASK_BUFSIZE];

	if (failed) {
		signin_unavailable(f->c);
		oidc_flow_free(f);
		return;
	}
	if (person != NULL) {
		/* Bound: this subject is that person, whatever its email
		 * says now (a renamed mailbox takes over no one). */
		if ((p = config_person(cfg, person)) == NULL) {
			log_warnx("oidc: refused: the identity is bound to "
			    "%s, who is no longer configured", person);
			oidc_nobody(f);
			return;
		}
		oidc_sign_in(f, p);
		return;
	}
	/* The first sign-in: the configured claim names the person. */
	if (f->id.claim == NULL || (p = config_person_by_email(cfg,
	    f->id.claim)) == NULL) {
		log_warnx("oidc: refused: no person has the %s %s",
		    cfg->auth.oidc->claim, f->id.claim ? mask_email(f->id.claim,
		    m, sizeof m) : "(absent from the token)");
		oidc_nobody(f);
		return;
	}
	f->person = p;
	if (store_bind(f->c->srv->db, p->id, cfg->auth.oidc->issuer,
	    f->id.subject, oidc_bound, f) == -1) {
		signin_unavailable(f->c);
		oidc_flow_free(f);
	}
}

/* The JWKS arrived. */
static void
oidc_keys_arrived(void *arg, const struct replyd_http_response *r)
{
	struct oidc_flow	*f = arg;
	struct oidc_keys	*ks;
	char			 err[256];

	if (!oidc_answer_ok(f, r, "JWKS")) {
		if (oidc_cache.keys != NULL && !f->c->srv->closing) {
			oidc_verify_token(f);
			return;
		}
		oidc_unavailable(f);
		return;
	}
	if ((ks = oidc_jwks_parse(r->body, r->body_len, err,
	    sizeof err)) == NULL) {
		log_warnx("oidc: JWKS: %s", err);
		if (oidc_cache.keys != NULL) {
			oidc_verify_token(f);
			return;
		}
		oidc_unavailable(f);
		return;
	}
	oidc_keys_free(oidc_cache.keys);
	oidc_cache.keys = ks;
	oidc_cache.keys_at = oidc_now();
	oidc_verify_token(f);
}

/* Fetch the JWKS, then verify. */
static void
oidc_fetch_keys(struct oidc_flow *f)
{
	if (oidc_get(f, oidc_cache.prov.jwks_uri, oidc_keys_arrived) == -1)
		oidc_unavailable(f);
}

/* Verify the ID token with the keys we have (fetching them if need be). */
static void
oidc_verify_token(struct oidc_flow *f)
{
	const struct config	*cfg = f->c->cfg;
	struct oidc_expect	 x;
	enum oidc_result	 res;

	if (oidc_cache.keys == NULL || oidc_now() - oidc_cache.keys_at >=
	    OIDC_CACHE_SECONDS) {
		if (!f->refetched) {
			f->refetched = 1;
			oidc_fetch_keys(f);
			return;
		}
		if (oidc_cache.keys == NULL) {
			oidc_unavailable(f);
			return;
		}
	}
	memset(&x, 0, sizeof x);
	x.issuer = cfg->auth.oidc->issuer;
	x.client_id = cfg->auth.oidc->client_id;
	x.nonce = f->nonce;
	x.tenant = cfg->auth.oidc->tenant;
	x.claim = cfg->auth.oidc->claim;
	x.now = server_time(f->c->srv);
	res = oidc_verify(f->id_token, oidc_cache.keys, &x, &f->id);
	if (res == OIDC_UNKNOWN_KID && !f->refetched &&
	    oidc_now() - oidc_cache.refetch_at >= OIDC_REFETCH_SECONDS) {
		/* The provider rotated its keys: fetch them again. */
		log_info("oidc: the ID token names a key we do not have; "
		    "fetching the JWKS again");
		f->refetched = 1;
		oidc_cache.refetch_at = oidc_now();
		oidc_fetch_keys(f);
		return;
	}
	if (res != OIDC_OK) {
		metrics_inc("replyd_api_rejections_total",
		    "reason=\"oidc_token\"");
		log_warnx("oidc: refused an ID token: %s",
		    oidc_result_name(res));
		oidc_fail(f, 403, "You could not be signed in", "The council's "
		    "sign-in service did not vouch for you. Start again.");
		return;
	}
	if (store_subject_person(f->c->srv->db, x.issuer, f->id.subject,
	    oidc_subject, f) == -1) {
		signin_unavailable(f->c);
		oidc_flow_free(f);
	}
}

/* The token endpoint answered. */
static void
oidc_tokens(void *arg, const struct replyd_http_response *r)
{
	struct oidc_flow	*f = arg;
	char			 err[320];

	if (f->c->srv->closing) {
		oidc_unavailable(f);
		return;
	}
	if (r->status == 0 || r->body == NULL) {
		log_warnx("oidc: token endpoint: no answer: %s", r->error ?
		    r->error : "no detail");
		oidc_unavailable(f);
		return;
	}
	f->id_token = oidc_token_response(r->body, r->body_len, err,
	    sizeof err);
	if (r->status != 200 || f->id_token == NULL) {
		log_warnx("oidc: token endpoint answered %d: %s", r->status,
		    f->id_token == NULL ? err : "no detail");
		oidc_fail(f, 403, "You could not be signed in", "The council's "
		    "sign-in service did not complete the sign-in. Start "
		    "again.");
		return;
	}
	oidc_verify_token(f);
}

/* Exchange the code for tokens at the token endpoint. */
static void
oidc_exchange(struct oidc_flow *f)
{
	const struct config_oidc	*o = f->c->cfg->auth.oidc;
	struct replyd_http_request	 req;
	static const struct replyd_header h[] = {
		{ "Content-Type", "application/x-www-form-urlencoded" },
		{ "Accept", "application/json" }
	};
	char				*body = NULL, redirect[300];
	size_t				 len;
	FILE				*fp;
	int				 first = 1, rc;

	if ((fp = open_memstream(&body, &len)) == NULL) {
		oidc_unavailable(f);
		return;
	}
	oidc_redirect_uri(f->c->cfg, redirect, sizeof redirect);
	oidc_param(fp, &first, "grant_type", "authorization_code");
	oidc_param(fp, &first, "code", f->code);
	oidc_param(fp, &first, "redirect_uri", redirect);
	oidc_param(fp, &first, "code_verifier", f->verifier);
	oidc_param(fp, &first, "client_id", o->client_id);
	if (oidc_cache.prov.secret_post)
		oidc_param(fp, &first, "client_secret", o->client_secret);
	if (fclose(fp) != 0) {
		free(body);
		oidc_unavailable(f);
		return;
	}
	memset(&req, 0, sizeof req);
	req.size = sizeof req;
	req.method = "POST";
	req.url = oidc_cache.prov.token_endpoint;
	req.headers = h;
	req.nheaders = 2;
	req.body = body;
	req.body_len = len;
	req.timeout_ms = OIDC_FETCH_TIMEOUT_MS;
	if (!oidc_cache.prov.secret_post) {
		req.basic_user = o->client_id;
		req.basic_password = o->client_secret;
	}
	rc = fetch_http(f->c->srv->fetch, &req, oidc_tokens, f);
	OPENSSL_cleanse(body, len);
	free(body);
	if (rc == -1)
		oidc_unavailable(f);
}

/* The provider's documents are known: start, or finish the callback. */
static void
oidc_have_provider(struct oidc_flow *f)
{
	if (f->callback)
		oidc_exchange(f);
	else
		oidc_start(f);
}

/* A new flow for a request, or NULL after answering. */
static struct oidc_flow *
oidc_flow_new(struct api_call *c)
{
	struct oidc_flow	*f;

	if (c->cfg->auth.oidc == NULL) {
		signin_message(c, 404, "Page not found", "Signing in with a "
		    "council account is not set up here.", "/signin",
		    "Go to sign in");
		return NULL;
	}
	if ((f = calloc(1, sizeof *f)) == NULL) {
		signin_unavailable(c);
		return NULL;
	}
	f->c = c;
	return f;
}

/* GET /auth/oidc?return=PATH */
static void
oidc_begin(struct api_call *c)
{
	struct oidc_flow	*f;

	if ((f = oidc_flow_new(c)) == NULL)
		return;
	snprintf(f->ret, sizeof f->ret, "%s",
	    session_return(http_req_query_param(c->req, "return")));
	oidc_provider(f);
}

/* The state was taken (once): what the start remembered. */
static void
oidc_state_taken(const char *value, int failed, void *arg)
{
	struct oidc_flow	*f = arg;
	cJSON			*j;
	const char		*v, *n, *r;

	if (failed) {
		signin_unavailable(f->c);
		oidc_flow_free(f);
		return;
	}
	if (value == NULL || (j = cJSON_Parse(value)) == NULL) {
		oidc_fail(f, 400, "This sign-in has expired", "Sign-ins must "
		    "be finished within 10 minutes. Start again.");
		return;
	}
	v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "verifier"));
	n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "nonce"));
	r = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "return"));
	snprintf(f->verifier, sizeof f->verifier, "%s", v ? v : "");
	snprintf(f->nonce, sizeof f->nonce, "%s", n ? n : "");
	snprintf(f->ret, sizeof f->ret, "%s", session_return(r));
	cJSON_Delete(j);
	if (f->verifier[0] == '\0' || f->nonce[0] == '\0') {
		oidc_unavailable(f);
		return;
	}
	if (f->code == NULL) {
		/* The provider said no; the state is used up either way. */
		oidc_fail(f, 403, "You were not signed in", "The council's "
		    "sign-in service did not sign you in. Start again.");
		return;
	}
	oidc_provider(f);
}

/* GET /auth/oidc/callback?code=C&state=S (or error=E&state=S) */
static void
oidc_callback(struct api_call *c)
{
	struct oidc_flow	*f;
	const char		*code = http_req_query_param(c->req, "code");
	const char		*state = http_req_query_param(c->req, "state");
	const char		*error = http_req_query_param(c->req, "error");
	char			 cookie[SESSION_TOKEN_LEN + 16];
	const char		*mine;

	if ((f = oidc_flow_new(c)) == NULL)
		return;
	f->callback = 1;
	mine = session_cookie_named(c->req, c->cfg, "oidc", cookie,
	    sizeof cookie);
	session_set_cookie(c->req, c->cfg, "oidc", NULL, 0);
	/* Only the browser that started this sign-in may finish it. */
	if (state == NULL || mine == NULL || !session_csrf_ok(mine, state)) {
		OPENSSL_cleanse(cookie, sizeof cookie);
		oidc_fail(f, 400, "This sign-in cannot be finished", "Start "
		    "again from the sign-in page, in this browser.");
		return;
	}
	OPENSSL_cleanse(cookie, sizeof cookie);
	if (error != NULL)
		log_warnx("oidc: the provider answered %.64s", error);
	else if (code == NULL || code[0] == '\0' || strlen(code) > 4096) {
		oidc_fail(f, 400, "This sign-in cannot be finished", "Start "
		    "again from the sign-in page.");
		return;
	} else if ((f->code = strdup(code)) == NULL) {
		signin_unavailable(c);
		oidc_flow_free(f);
		return;
	}
	if (store_ticket_take(c->srv->db, STORE_TICKET_OIDC, state,
	    oidc_state_taken, f) == -1) {
		signin_unavailable(c);
		oidc_flow_free(f);
	}
}

static const struct api_route oidc_routes[] = {
	{ HTTP_GET, "/auth/oidc", ROLE_WORKER, API_ANON | API_DB, oidc_begin },
	{ HTTP_GET, "/auth/oidc/callback", ROLE_WORKER, API_ANON | API_DB,
	    oidc_callback },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module oidc_api = {
	.name = "oidc",
	.routes = oidc_routes,
};
