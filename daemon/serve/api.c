/*
 * api.c: see api.h.  The preamble every staff API route shares, written
 * once: the bearer token (compared in constant time) and its role, the
 * JSON body, Redis readiness.  Responses never include tokens; logs never
 * include message text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base/log.h"
#include "base/utf8.h"
#include "base/metrics.h"
#include "conf/config.h"
#include "io/db.h"
#include "io/http.h"
#include "rules/calendar.h"
#include "serve/api.h"
#include "serve/gen.h"
#include "serve/server.h"

#define API_MAX_BODY	(64 * 1024)

/* One registered route: the table entry and the daemon it serves. */
struct api_binding {
	struct api_binding	*next;
	struct server		*srv;
	const struct api_route	*route;
};

/* The bearer token of a request, or NULL after answering 401/403. */
static const struct config_token *
api_auth(struct http_req *req, const struct config *cfg,
    enum access_role need)
{
	const struct config_token	*tok;
	const char			*h = http_req_header(req, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer", 6) != 0 ||
	    (h[6] != ' ' && h[6] != '\t')) {
		http_add_header(req, "WWW-Authenticate", "Bearer");
		http_error(req, 401, "unauthorized", "an Authorization: Bearer "
		    "token is required");
		return NULL;
	}
	for (h += 6; *h == ' ' || *h == '\t'; h++)
		;
	if ((tok = config_token(cfg, h, strlen(h))) == NULL) {
		metrics_inc("replyd_api_rejections_total", "reason=\"token\"");
		http_error(req, 401, "unauthorized", "unknown token");
		return NULL;
	}
	if (tok->role < need) {
		http_error(req, 403, "forbidden", "this needs the %s role",
		    config_role_name(need));
		return NULL;
	}
	return tok;
}

/* Parse a JSON object body, or answer 400 and return NULL. */
static cJSON *
api_body(struct http_req *req)
{
	const char	*body;
	char		*clean;
	size_t		 len, clen;
	cJSON		*j = NULL;

	body = http_req_body(req, &len);
	/* A \u0000 must not cut a note short: cJSON ends strings there. */
	if (len > 0 && len <= API_MAX_BODY &&
	    (clean = utf8_json_unnul(body, len, &clen)) != NULL) {
		j = cJSON_ParseWithLength(clean, clen);
		free(clean);
	}
	if (j == NULL || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		http_error(req, 400, "bad request", "the body must be a JSON "
		    "object");
		return NULL;
	}
	return j;
}

/* The request is answered: free its call. */
static void
api_call_free(void *arg)
{
	struct api_call	*c = arg;

	cJSON_Delete(c->body);
	free(c);
}

/* Every API request: the preamble, then the route's handler. */
static void
api_dispatch(struct http_req *req, void *arg)
{
	struct api_binding	*b = arg;
	const struct api_route	*r = b->route;
	struct gen		*gen = http_req_ctx(req);
	struct api_call		*c;

	if ((c = calloc(1, sizeof *c)) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	c->req = req;
	c->srv = b->srv;
	c->gen = gen;
	c->cfg = gen->cfg;
	c->route = r;
	http_req_on_free(req, api_call_free, c);
	if ((c->token = api_auth(req, c->cfg, r->role)) == NULL)
		return;
	if ((r->flags & API_BODY) && (c->body = api_body(req)) == NULL)
		return;
	if ((r->flags & API_DB) && !db_ready(c->srv->db)) {
		http_unavailable(req, "storage unavailable");
		return;
	}
	r->handle(c);
}

/* Register a module's routes. */
void
api_register(struct server *srv, const struct api_module *m)
{
	const struct api_route	*r;
	struct api_binding	*b;
	static int		 defined;

	if (!defined) {
		metrics_define("replyd_api_rejections_total", METRICS_COUNTER,
		    "API requests refused, by reason.");
		defined = 1;
	}
	if (m->init != NULL)
		m->init();
	for (r = m->routes; r->pattern != NULL; r++) {
		if ((b = calloc(1, sizeof *b)) == NULL)
			fatalx("out of memory");
		b->srv = srv;
		b->route = r;
		b->next = srv->api;
		srv->api = b;
		http_route(srv->http, r->methods, r->pattern,
		    (r->flags & API_BODY) ? API_MAX_BODY : 0, 0, api_dispatch,
		    b);
	}
}

/* Free the registrations (after the HTTP server that used them). */
void
api_free(struct server *srv)
{
	struct api_binding	*b;

	while ((b = srv->api) != NULL) {
		srv->api = b->next;
		free(b);
	}
}

/* A path parameter. */
const char *
api_param(const struct api_call *c, int n)
{
	return http_req_param(c->req, n);
}

/* A string member, or NULL (answering 400 when required or mistyped). */
const char *
api_string(struct api_call *c, const char *key, int required, int *failed)
{
	cJSON	*v;

	/* After an answer the call is gone: touch nothing. */
	if (*failed)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(c->body, key);
	if (v == NULL || cJSON_IsNull(v)) {
		if (required) {
			http_error(c->req, 400, "bad request", "field \"%s\" "
			    "is required", key);
			*failed = 1;
		}
		return NULL;
	}
	if (!cJSON_IsString(v)) {
		http_error(c->req, 400, "bad request", "field \"%s\" must be "
		    "a string", key);
		*failed = 1;
		return NULL;
	}
	return v->valuestring;
}

/* The time now by Redis's clock. */
int64_t
api_now_ms(const struct api_call *c)
{
	return server_time_ms(c->srv);
}

/* Format milliseconds as RFC 3339 in a calendar's zone (or UTC). */
void
api_time(const struct calendar *cal, int64_t ms, char *buf, size_t len)
{
	if (cal == NULL || calendar_format(cal, ms / 1000, buf, len) == -1) {
		time_t		t = (time_t)(ms / 1000);
		struct tm	tm;

		gmtime_r(&t, &tm);
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
}
