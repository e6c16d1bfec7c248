/*
 * session.h: staff sessions over HTTP (SPEC section 15): the cookie and
 * its attributes, starting a session once someone has proved who they are
 * (a sign-in link, OpenID Connect), the same-origin and CSRF checks that
 * cookie-authorized state changes need, and the client's address for
 * rate limits.
 *
 * The cookie holds 256 random bits; Redis keeps only their hash
 * (store/auth.h).  It is HttpOnly, SameSite=Lax, Path=/, and Secure (with
 * the __Host- prefix) when public_url is https.  Nothing here logs a
 * cookie, a token or an address.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>

struct config;
struct config_person;
struct http_req;
struct server;

/* Room for a random token (256 bits, base64url) and its NUL. */
#define SESSION_TOKEN_LEN	48

/* A new random token of bytes random bytes, base64url; -1 on failure. */
int	 session_random(char *out, size_t len, size_t bytes);
/* The session cookie's value in a request, copied to buf, or NULL. */
const char *session_cookie(struct http_req *, const struct config *,
	    char *buf, size_t len);
/* Another cookie of ours (name without prefix, e.g. "oidc"), or NULL. */
const char *session_cookie_named(struct http_req *, const struct config *,
	    const char *name, char *buf, size_t len);
/* Set one of our cookies on the response (value NULL: clear it). */
void	 session_set_cookie(struct http_req *, const struct config *,
	    const char *name, const char *value, long max_age);

typedef void (*session_begun_cb)(int failed, void *arg);
/*
 * Start a session for person (who signed in "via" link or oidc): store
 * it, then set its cookie on req.  cb gets failed when it could not be
 * stored (no cookie was set).  -1 (no callback) when it cannot start.
 */
int	 session_begin(struct server *, const struct config *,
	    struct http_req *, const struct config_person *, const char *via,
	    session_begun_cb, void *);
/* Clear the session cookie on the response. */
void	 session_clear(struct http_req *, const struct config *);
/* What a session remembers of the person, so that a reused person id
 * (the configuration now names someone else) ends it. */
const char *session_who(const struct config_person *);

/*
 * Whether a state-changing request comes from our own pages: its Origin
 * is public_url's origin, or (where a browser sends Origin: null or none)
 * Sec-Fetch-Site says same-origin.
 */
int	 session_same_origin(struct http_req *, const struct config *);
/* Compare a CSRF token in constant time. */
int	 session_csrf_ok(const char *want, const char *given);
/* The client's address: the peer, or X-Forwarded-For behind the proxies
 * auth.trusted_proxies names. */
const char *session_client(struct http_req *, const struct config *,
	    char *buf, size_t len);
/* A path to return to after sign-in: a local path, else "/". */
const char *session_return(const char *path);

#endif
