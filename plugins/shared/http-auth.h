/*
 * http-auth.h: the HTTP credentials providers send on their webhooks,
 * checked in constant time.  Shared by the plugins that need them; pure
 * (no I/O, no state).
 */
#ifndef HTTP_AUTH_H
#define HTTP_AUTH_H

/* 0 if authorization is "Basic" with exactly user and password, else -1. */
int	http_auth_basic(const char *authorization, const char *user,
	    const char *password);
/* 0 if authorization is "Bearer TOKEN" with exactly token, else -1. */
int	http_auth_bearer(const char *authorization, const char *token);

#endif
