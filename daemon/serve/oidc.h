/*
 * oidc.h: signing staff in with OpenID Connect (SPEC §15): the routes of
 * oidc.c as an API table, and freeing what it caches of the provider.
 */
#ifndef SERVE_OIDC_H
#define SERVE_OIDC_H

#include "serve/api.h"

extern const struct api_module oidc_api;

/* Free the cached discovery document and JWKS (at exit). */
void	oidc_free(void);

#endif
