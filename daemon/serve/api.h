/*
 * api.h: the staff HTTP API (SPEC §9) as route tables.  Each feature module
 * exports a struct api_module with its routes (tmux's cmd_table); the
 * daemon registers every table, and api.c runs the preamble every route
 * shares exactly once: who is asking (a bearer token, or the session
 * cookie with its CSRF and same-origin checks for state changes), the
 * least role the route needs, Redis readiness, the JSON or form body.  A
 * handler gets a struct api_call that lives until the request is answered;
 * it never calls back into another module's handlers.
 *
 * Who may see and do what is decided from c->who, the caller resolved
 * once by the preamble (SPEC §15, rules/access.h), through the api_see,
 * api_manage, api_by ... helpers below: handlers never look at tokens or
 * sessions themselves.  Outside the caller's teams things answer 404
 * exactly as if they did not exist.
 */
#ifndef API_H
#define API_H

#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "rules/access.h"

struct cJSON;
struct gen;
struct http_req;
struct server;

/* What a route needs before its handler runs. */
#define API_DB		0x1	/* Redis ready, else 503 */
#define API_BODY	0x2	/* a JSON object body, else 400 */
#define API_FORM	0x4	/* a form body (c->form); CSRF may be a field */
#define API_ANON	0x8	/* no caller at all (the sign-in pages) */
#define API_PAGE	0x10	/* HTML: session only, signed out allowed */
#define API_TOKEN	0x20	/* a bearer token only, never a session */

struct api_call;
struct form;

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
	const struct config_token	*token;	/* or NULL */
	int				 signed_in;	/* who is set */
	struct access_caller		 who;	/* the caller, resolved once */
	const struct config_person	*person;	/* who, if a person */
	char				*session;	/* its cookie, or NULL */
	char				*csrf;		/* its CSRF token */
	struct cJSON			*body;	/* API_BODY routes */
	struct form			*form;	/* API_FORM routes */
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
/* A form field (API_FORM routes), or NULL. */
const char *api_field(const struct api_call *, const char *key);

/*
 * Whether the caller sees a team's conversations, contacts and rota; if
 * not, answers 404 with hidden (the very answer a missing one gets) and
 * returns 0.
 */
int	 api_see(struct api_call *, const char *team, const char *hidden);
/* Whether the caller sees team (no answer: for filtering lists). */
int	 api_sees(const struct api_call *, const char *team);
/* Whether the caller manages team (no answer: for filtering). */
int	 api_manages(const struct api_call *, const char *team);
/* The one team a person caller manages, or NULL (none, several, or not
 * a person). */
const struct config_team *api_managed_team(const struct api_call *);
/* Whether the caller manages team; else answers 404 (hidden) or 403. */
int	 api_manage(struct api_call *, const char *team, const char *hidden);
/* Whether the caller sees person's absences (no answer). */
int	 api_sees_person(const struct api_call *, const char *person);
/* Whether the caller manages person's absences; else 404 or 403. */
int	 api_manage_person(struct api_call *, const char *person,
	    const char *hidden);
/* Whether the caller is an administrator; else 403. */
int	 api_admin(struct api_call *);
/*
 * The person acting, by SPEC §9's rule for the body's "by": a person may
 * leave it out or name themselves (anyone else: 403); a service token
 * must name a configured person (400).  NULL after answering, with
 * *failed set; like api_string, touches nothing once *failed is set.
 */
const char *api_by(struct api_call *, int *failed);
/* The caller's name for an audit trail, and whether it is a service. */
const char *api_actor(const struct api_call *, int *service);

/* The time now by Redis's clock (ms). */
int64_t	api_now_ms(const struct api_call *);
/* Format ms as RFC 3339 in a calendar's zone (or UTC when NULL). */
void	api_time(const struct calendar *, int64_t ms, char *buf, size_t len);

#endif
