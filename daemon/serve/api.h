/*
 * api.h: the staff HTTP API (SPEC §9) as route tables.  Each feature module
 * exports a struct api_module with its routes (tmux's cmd_table); the
 * daemon registers every table, and api.c runs the preamble every route
 * shares exactly once: the bearer token and its role, Redis readiness, the
 * JSON body.  A handler gets a struct api_call that lives until the
 * request is answered; it never calls back into another module's handlers.
 */
#ifndef API_H
#define API_H

#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"

struct cJSON;
struct gen;
struct http_req;
struct server;

/* What a route needs before its handler runs. */
#define API_DB		0x1	/* Redis ready, else 503 */
#define API_BODY	0x2	/* a JSON object body, else 400 */

struct api_call;

struct api_route {
	int			 methods;	/* HTTP_GET | ... */
	const char		*pattern;	/* "*" is one path segment */
	enum access_role	 role;		/* the least role allowed */
	int			 flags;
	void			(*handle)(struct api_call *);
};

/* One feature's routes; the table ends with a NULL pattern. */
struct api_module {
	const char		*name;
	void			(*init)(void);	/* define metrics; or NULL */
	const struct api_route	*routes;
};

/*
 * One request to the API.  It is freed when the request is answered, so a
 * handler must not touch it (or anything it owns, such as body) after
 * answering.
 */
struct api_call {
	struct http_req			*req;
	struct server			*srv;
	struct gen			*gen;	/* pinned by the request */
	const struct config		*cfg;	/* gen's configuration */
	const struct config_token	*token;
	struct cJSON			*body;	/* API_BODY routes */
	const struct api_route		*route;
};

/* Register a module's routes on the daemon's HTTP server. */
void	api_register(struct server *, const struct api_module *);
/* Free what registration allocated. */
void	api_free(struct server *);

/* The Nth "*" of the route's pattern (percent-decoded), or NULL. */
const char *api_param(const struct api_call *, int n);
/* A string member of the body; answers 400 and sets *failed when wrong.
 * Once *failed is set it returns NULL at once, touching nothing. */
const char *api_string(struct api_call *, const char *key, int required,
	    int *failed);
/* The time now by Redis's clock (ms). */
int64_t	api_now_ms(const struct api_call *);
/* Format ms as RFC 3339 in a calendar's zone (or UTC when NULL). */
void	api_time(const struct calendar *, int64_t ms, char *buf, size_t len);

#endif
