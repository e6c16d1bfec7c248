/*
 * session.c: see session.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/cookie.h"
#include "base/log.h"
#include "base/netaddr.h"
#include "conf/config.h"
#include "io/http.h"
#include "serve/server.h"
#include "serve/session.h"
#include "store/auth.h"

#define SESSION_MAX_BYTES	64

/* A session being stored before its cookie is set. */
struct session_start {
	struct http_req		*req;
	const struct config	*cfg;
	char			 cookie[SESSION_TOKEN_LEN];
	long			 max_age;
	session_begun_cb	 cb;
	void			*arg;
};

/* A new random token, base64url without padding. */
int
session_random(char *out, size_t len, size_t bytes)
{
	unsigned char	raw[SESSION_MAX_BYTES];
	unsigned char	b64[SESSION_MAX_BYTES * 2];
	int		n, i, k = 0;

	if (bytes > SESSION_MAX_BYTES || RAND_bytes(raw, (int)bytes) != 1)
		return -1;
	n = EVP_EncodeBlock(b64, raw, (int)bytes);
	OPENSSL_cleanse(raw, sizeof raw);
	for (i = 0; i < n && b64[i] != '='; i++) {
		if ((size_t)k + 1 >= len)
			return -1;
		out[k++] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' :
		    (char)b64[i];
	}
	out[k] = '\0';
	OPENSSL_cleanse(b64, sizeof b64);
	return 0;
}

/* Whether public_url is https (cookies are then Secure and __Host-). */
static int
session_secure(const struct config *cfg)
{
	return strncmp(cfg->public_url, "https://", 8) == 0;
}

/* The full name of one of our cookies. */
static void
session_name(const struct config *cfg, const char *name, char *buf,
    size_t len)
{
	snprintf(buf, len, "%sreplyd-%s", session_secure(cfg) ? "__Host-" :
	    "", name);
}

/* Another cookie of ours. */
const char *
session_cookie_named(struct http_req *req, const struct config *cfg,
    const char *name, char *buf, size_t len)
{
	char	full[64];

	session_name(cfg, name, full, sizeof full);
	return cookie_get(http_req_header(req, "Cookie"), full, buf, len);
}

/* The session cookie's value. */
const char *
session_cookie(struct http_req *req, const struct config *cfg, char *buf,
    size_t len)
{
	const char	*v = session_cookie_named(req, cfg, "session", buf, len);
	size_t		 i;

	/* Only what session_random makes: never a key from outside. */
	for (i = 0; v != NULL && v[i] != '\0'; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' &&
		    v[i] != '_')
			return NULL;
	return v;
}

/* Set (or with value NULL clear) one of our cookies. */
void
session_set_cookie(struct http_req *req, const struct config *cfg,
    const char *name, const char *value, long max_age)
{
	char	full[64], hdr[256];

	session_name(cfg, name, full, sizeof full);
	snprintf(hdr, sizeof hdr, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; "
	    "SameSite=Lax%s", full, value != NULL ? value : "",
	    value != NULL ? max_age : 0, session_secure(cfg) ? "; Secure" :
	    "");
	http_add_header(req, "Set-Cookie", hdr);
	OPENSSL_cleanse(hdr, sizeof hdr);
}

/* Clear the session cookie. */
void
session_clear(struct http_req *req, const struct config *cfg)
{
	session_set_cookie(req, cfg, "session", NULL, 0);
}

/* What a session remembers of its person. */
const char *
session_who(const struct config_person *p)
{
	return p->email != NULL ? p->email : p->phone != NULL ? p->phone : "";
}

/* The session is stored: set its cookie. */
static void
session_stored(int failed, void *arg)
{
	struct session_start	*s = arg;

	if (!failed)
		session_set_cookie(s->req, s->cfg, "session", s->cookie,
		    s->max_age);
	OPENSSL_cleanse(s->cookie, sizeof s->cookie);
	s->cb(failed, s->arg);
	free(s);
}

/* Start a session for a person. */
int
session_begin(struct server *srv, const struct config *cfg,
    struct http_req *req, const struct config_person *p, const char *via,
    session_begun_cb cb, void *arg)
{
	struct session_start	*s;
	char			 csrf[SESSION_TOKEN_LEN];

	if ((s = calloc(1, sizeof *s)) == NULL)
		return -1;
	s->req = req;
	s->cfg = cfg;
	s->cb = cb;
	s->arg = arg;
	s->max_age = (long)(cfg->auth.session_max_ms / 1000);
	if (session_random(s->cookie, sizeof s->cookie, 32) == -1 ||
	    session_random(csrf, sizeof csrf, 32) == -1 ||
	    store_session_new(srv->db, s->cookie, p->id, session_who(p), csrf,
	    via, cfg->auth.session_idle_ms, session_stored, s) == -1) {
		OPENSSL_cleanse(s->cookie, sizeof s->cookie);
		free(s);
		return -1;
	}
	OPENSSL_cleanse(csrf, sizeof csrf);
	return 0;
}

/* An origin ("scheme://host[:port]") written without a default port. */
static void
session_origin(const char *url, char *buf, size_t len)
{
	const char	*host, *end;
	size_t		 n;

	buf[0] = '\0';
	if ((host = strstr(url, "://")) == NULL)
		return;
	host += 3;
	end = host + strcspn(host, "/?#");
	n = (size_t)(end - url);
	if (n >= len)
		return;
	memcpy(buf, url, n);
	buf[n] = '\0';
	n = strlen(buf);
	if (strncasecmp(buf, "https://", 8) == 0 && n > 4 &&
	    strcmp(buf + n - 4, ":443") == 0)
		buf[n - 4] = '\0';
	else if (strncasecmp(buf, "http://", 7) == 0 && n > 3 &&
	    strcmp(buf + n - 3, ":80") == 0)
		buf[n - 3] = '\0';
}

/* Whether a state-changing request comes from our own pages. */
int
session_same_origin(struct http_req *req, const struct config *cfg)
{
	const char	*origin = http_req_header(req, "Origin");
	const char	*site = http_req_header(req, "Sec-Fetch-Site");
	char		 want[256], got[256];

	if (origin != NULL && strcmp(origin, "null") != 0) {
		session_origin(cfg->public_url, want, sizeof want);
		session_origin(origin, got, sizeof got);
		return want[0] != '\0' && strcasecmp(want, got) == 0;
	}
	return site != NULL && strcmp(site, "same-origin") == 0;
}

/* Compare a CSRF token in constant time. */
int
session_csrf_ok(const char *want, const char *given)
{
	size_t	n;

	if (want == NULL || given == NULL || (n = strlen(want)) == 0 ||
	    strlen(given) != n)
		return 0;
	return CRYPTO_memcmp(want, given, n) == 0;
}

/* The client's address. */
const char *
session_client(struct http_req *req, const struct config *cfg, char *buf,
    size_t len)
{
	return netaddr_client(http_req_peer(req),
	    http_req_header(req, "X-Forwarded-For"),
	    cfg->auth.trusted_proxies, cfg->auth.ntrusted_proxies, buf, len);
}

/* A local path to return to, else "/". */
const char *
session_return(const char *path)
{
	size_t	i;

	if (path == NULL || path[0] != '/' || path[1] == '/' ||
	    path[1] == '\\' || strlen(path) > 512)
		return "/";
	for (i = 0; path[i] != '\0'; i++)
		if ((unsigned char)path[i] < 0x21 || path[i] == 0x7f ||
		    path[i] == '\\')
			return "/";
	return path;
}
