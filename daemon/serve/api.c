/*
 * api.c: see api.h.  The preamble every staff API route shares, written
 * once: who is asking (a bearer token compared in constant time, or the
 * session cookie looked up in Redis, with CSRF and same-origin checks on
 * state changes), their role, the body, Redis readiness.  This is the one
 * place where a request's caller is decided; every verdict on what they
 * may see or do comes from rules/access.h.  Responses never include
 * tokens; logs never include message text, tokens or cookies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "base/form.h"
#include "base/log.h"
#include "base/utf8.h"
#include "base/metrics.h"
#include "base/template.h"
#include "conf/config.h"
#include "io/db.h"
#include "io/http.h"
#include "rules/access.h"
#include "rules/calendar.h"
#include "serve/api.h"
#include "serve/gen.h"
#include "serve/pages.h"
#include "serve/server.h"
#include "serve/session.h"
#include "store/auth.h"

#define API_MAX_BODY	(64 * 1024)

/* One registered route: the table entry and the daemon it serves. */
struct api_binding {
	struct api_binding	*next;
	struct server		*srv;
	const struct api_route	*route;
};

static void	api_proceed(struct api_call *);

/*
 * A page route's refusal: the error page in the layout, with the
 * navigation when someone is signed in, drawn by pages_staff as
 * web_error's are, so that a 404 for something hidden is the same page as
 * a handler's own 404.
 */
static void
api_page_error(struct api_call *c, int code, const char *heading,
    const char *text)
{
	struct template_data	*d;

	if ((d = template_data_new()) == NULL) {
		pages_error(c->req, c->cfg, code, heading, text);
		return;
	}
	template_set(template_root(d), "heading", heading);
	template_set(template_root(d), "message", text);
	pages_staff(c->req, c->cfg, c->signed_in ? c->person : NULL, c->csrf,
	    code, heading, NULL, "error", d);
	template_data_free(d);
}

/*
 * Refuse a request: JSON for the API; for a page (API_PAGE), an error
 * page saying text (NULL: the detail as a sentence), and for 404 always
 * the same words, whatever was not found or hidden.
 */
static void
api_refuse_as(struct api_call *c, int code, const char *error,
    const char *detail, const char *text)
{
	char	buf[256];
	size_t	n;

	if (!(c->route->flags & API_PAGE)) {
		http_error(c->req, code, error, "%s", detail);
		return;
	}
	if (code == 404) {
		api_page_error(c, 404, PAGES_NOT_FOUND, PAGES_NOT_FOUND_TEXT);
		return;
	}
	if (text == NULL) {
		/* "only managers may ..." as a sentence. */
		snprintf(buf, sizeof buf, "%s", detail);
		if (buf[0] >= 'a' && buf[0] <= 'z')
			buf[0] = (char)(buf[0] - 'a' + 'A');
		if ((n = strlen(buf)) > 0 && n + 1 < sizeof buf &&
		    buf[n - 1] != '.')
			memcpy(buf + n, ".", 2);
		text = buf;
	}
	api_page_error(c, code, code == 403 ? "You cannot do that here" :
	    "Sorry, there is a problem", text);
}

/* Refuse a request, in the same words for the API and pages. */
static void
api_refuse(struct api_call *c, int code, const char *error,
    const char *detail)
{
	api_refuse_as(c, code, error, detail, NULL);
}

/* Resolve a person as the caller. */
static int
api_caller_person(struct api_call *c, const struct config_person *p)
{
	c->person = p;
	c->signed_in = 1;
	return access_person(&c->who, p->id, p->admin, c->cfg->access_teams,
	    c->cfg->nteams);
}

/* The bearer token of a request: resolve its caller, or answer 401. */
static int
api_bearer(struct api_call *c, const char *h)
{
	const struct config_token	*tok;

	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t')) {
		http_add_header(c->req, "WWW-Authenticate", "Bearer");
		api_refuse(c, 401, "unauthorized", "an Authorization: Bearer "
		    "token is required");
		return -1;
	}
	for (h += 6; *h == ' ' || *h == '\t'; h++)
		;
	if ((tok = config_token(c->cfg, h, strlen(h))) == NULL) {
		metrics_inc("replyd_api_rejections_total", "reason=\"token\"");
		api_refuse(c, 401, "unauthorized", "unknown token");
		return -1;
	}
	c->token = tok;
	if (tok->person != NULL) {
		if (api_caller_person(c, config_person(c->cfg,
		    tok->person)) == -1) {
			http_unavailable(c->req, "out of memory");
			return -1;
		}
		return 0;
	}
	c->signed_in = 1;
	access_service(&c->who, tok->name, tok->role, c->cfg->nteams);
	return 0;
}

/* Parse a JSON object body, or answer 400 and return NULL. */
static cJSON *
api_body(struct api_call *c)
{
	const char	*body;
	char		*clean;
	size_t		 len, clen;
	cJSON		*j = NULL;

	body = http_req_body(c->req, &len);
	/* A \u0000 must not cut a note short: cJSON ends strings there. */
	if (len > 0 && len <= API_MAX_BODY &&
	    (clean = utf8_json_unnul(body, len, &clen)) != NULL) {
		j = cJSON_ParseWithLength(clean, clen);
		free(clean);
	}
	if (j == NULL || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		api_refuse(c, 400, "bad request", "the body must be a JSON "
		    "object");
		return NULL;
	}
	return j;
}

/* Parse a form body, or answer 400 and return NULL. */
static struct form *
api_form(struct api_call *c)
{
	const char	*body;
	struct form	*f;
	size_t		 len;
	char		 err[128];

	body = http_req_body(c->req, &len);
	if ((f = calloc(1, sizeof *f)) == NULL) {
		http_unavailable(c->req, "out of memory");
		return NULL;
	}
	if (len > API_MAX_BODY || form_parse(body, len, f, err,
	    sizeof err) == -1) {
		free(f);
		api_refuse_as(c, 400, "bad request", "the form could not be "
		    "read", "The form could not be read, so nothing was done. "
		    "Go back and try again.");
		return NULL;
	}
	return f;
}

/* The request is answered: free its call. */
static void
api_call_free(void *arg)
{
	struct api_call	*c = arg;

	cJSON_Delete(c->body);
	if (c->form != NULL) {
		form_free(c->form);
		free(c->form);
	}
	if (c->session != NULL) {
		OPENSSL_cleanse(c->session, strlen(c->session));
		free(c->session);
	}
	if (c->csrf != NULL) {
		OPENSSL_cleanse(c->csrf, strlen(c->csrf));
		free(c->csrf);
	}
	access_clear(&c->who);
	free(c);
}

/* A session nobody may use any more was ended (or not: it times out). */
static void
api_session_ended(int failed, void *arg)
{
	if (failed)
		log_warnx("api: a stale session could not be deleted; it "
		    "times out");
}

/* The session cookie was looked up. */
static void
api_session_cb(const struct store_session *s, int failed, void *arg)
{
	struct api_call			*c = arg;
	const struct config_person	*p = NULL;

	if (failed) {
		http_unavailable(c->req, "storage unavailable");
		return;
	}
	if (s != NULL && (p = config_person(c->cfg, s->person)) != NULL &&
	    strcasecmp(session_who(p), s->who) != 0)
		p = NULL;
	if (s != NULL && p == NULL) {
		/* Removed from the configuration (or the id now names
		 * someone else): signed out at once, on every instance. */
		log_info("session of %s ended: no longer a configured person",
		    s->person);
		store_session_end(c->srv->db, c->session, api_session_ended,
		    NULL);
	}
	if (p == NULL) {
		if (c->route->flags & API_PAGE) {
			session_clear(c->req, c->cfg);
			api_proceed(c);
			return;
		}
		session_clear(c->req, c->cfg);
		api_refuse(c, 401, "unauthorized", "your session has ended: "
		    "sign in again");
		return;
	}
	if ((c->csrf = strdup(s->csrf)) == NULL ||
	    api_caller_person(c, p) == -1) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	api_proceed(c);
}

/* Whether a request changes state (so a cookie needs CSRF protection). */
static int
api_changes(const struct api_call *c)
{
	return http_req_method(c->req) != HTTP_GET;
}

/* A cookie-authorized state change: same origin and the CSRF token. */
static int
api_csrf(struct api_call *c)
{
	const char	*given = http_req_header(c->req, "X-CSRF-Token");

	if (given == NULL)
		given = api_field(c, "csrf");
	if (!session_same_origin(c->req, c->cfg)) {
		metrics_inc("replyd_api_rejections_total", "reason=\"origin\"");
		api_refuse_as(c, 403, "forbidden", "this request did not come "
		    "from replyd's own pages", "This form was not sent from "
		    "this service's own pages, so nothing was done.");
		return -1;
	}
	if (!session_csrf_ok(c->csrf, given)) {
		metrics_inc("replyd_api_rejections_total", "reason=\"csrf\"");
		api_refuse_as(c, 403, "forbidden", "the CSRF token is missing "
		    "or wrong: reload the page and try again", "The page was "
		    "out of date, so nothing was done. Reload the page and try "
		    "again.");
		return -1;
	}
	return 0;
}

/* The caller is known (or need not be): the rest of the preamble. */
static void
api_proceed(struct api_call *c)
{
	const struct api_route	*r = c->route;

	if (c->signed_in && c->session != NULL && (r->flags & API_TOKEN)) {
		api_refuse(c, 403, "forbidden", "this needs an API token, not "
		    "a browser session");
		return;
	}
	if (c->signed_in && c->who.role < r->role) {
		api_refuse_as(c, 403, "forbidden", r->role == ROLE_ADMIN ?
		    "this needs the admin role" : r->role == ROLE_MANAGER ?
		    "this needs the manager role" : "this needs a role",
		    r->role == ROLE_ADMIN ? "Only an administrator can do "
		    "this." : "Only a team's manager can do this.");
		return;
	}
	/* A refusal frees c: assign only what was parsed. */
	if (r->flags & API_BODY) {
		cJSON	*body;

		if ((body = api_body(c)) == NULL)
			return;
		c->body = body;
	}
	if (r->flags & API_FORM) {
		struct form	*form;

		if ((form = api_form(c)) == NULL)
			return;
		c->form = form;
	}
	if (c->signed_in && c->session != NULL && api_changes(c) &&
	    api_csrf(c) == -1)
		return;
	if ((r->flags & API_DB) && !db_ready(c->srv->db)) {
		http_unavailable(c->req, "storage unavailable");
		return;
	}
	r->handle(c);
}

/* Every API request: who is asking, then the rest of the preamble. */
static void
api_dispatch(struct http_req *req, void *arg)
{
	struct api_binding	*b = arg;
	const struct api_route	*r = b->route;
	struct gen		*gen = http_req_ctx(req);
	struct api_call		*c;
	const char		*h, *cookie;
	char			 buf[SESSION_TOKEN_LEN + 16];

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
	if (r->flags & API_ANON) {
		api_proceed(c);
		return;
	}
	h = http_req_header(req, "Authorization");
	if (h != NULL && !(r->flags & API_PAGE)) {
		if (api_bearer(c, h) == 0)
			api_proceed(c);
		return;
	}
	if ((cookie = session_cookie(req, c->cfg, buf, sizeof buf)) == NULL) {
		if (r->flags & API_PAGE) {
			api_proceed(c);
			return;
		}
		http_add_header(req, "WWW-Authenticate", "Bearer");
		api_refuse(c, 401, "unauthorized", "an Authorization: Bearer "
		    "token is required");
		return;
	}
	if (!db_ready(c->srv->db)) {
		http_unavailable(req, "storage unavailable");
		return;
	}
	if ((c->session = strdup(cookie)) == NULL ||
	    store_session_touch(c->srv->db, c->session,
	    c->cfg->auth.session_idle_ms, c->cfg->auth.session_max_ms,
	    api_session_cb, c) == -1)
		http_unavailable(req, "storage unavailable");
	OPENSSL_cleanse(buf, sizeof buf);
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
		    (r->flags & (API_BODY | API_FORM)) ? API_MAX_BODY : 0, 0,
		    api_dispatch, b);
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

/* A form field. */
const char *
api_field(const struct api_call *c, const char *key)
{
	const struct form_pair	*p;

	if (c->form == NULL || (p = form_get(c->form, key)) == NULL)
		return NULL;
	/* A NUL inside a field would hide what follows it. */
	return strlen(p->value) == p->value_len ? p->value : NULL;
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

/* Answer a verdict that is not ALLOW; 1 when it is. */
static int
api_verdict(struct api_call *c, enum access_verdict v, const char *hidden,
    const char *forbidden)
{
	if (v == ACCESS_ALLOW)
		return 1;
	if (v == ACCESS_HIDDEN)
		api_refuse(c, 404, "not found", hidden);
	else
		api_refuse(c, 403, "forbidden", forbidden);
	return 0;
}

/* Whether the caller sees a team, answering 404 if not. */
int
api_see(struct api_call *c, const char *team, const char *hidden)
{
	return api_verdict(c, access_see(&c->who, config_team_index(c->cfg,
	    team)), hidden, hidden);
}

/* Whether the caller sees a team. */
int
api_sees(const struct api_call *c, const char *team)
{
	return access_sees(&c->who, config_team_index(c->cfg, team));
}

/* Whether the caller manages a team. */
int
api_manages(const struct api_call *c, const char *team)
{
	return access_manage(&c->who, config_team_index(c->cfg, team)) ==
	    ACCESS_ALLOW;
}

/* The one team a person caller manages. */
const struct config_team *
api_managed_team(const struct api_call *c)
{
	size_t	i = access_managed_team(&c->who);

	return i == ACCESS_NO_TEAM ? NULL : &c->cfg->teams[i];
}

/* Whether the caller manages a team, answering 404 or 403 if not. */
int
api_manage(struct api_call *c, const char *team, const char *hidden)
{
	return api_verdict(c, access_manage(&c->who, config_team_index(c->cfg,
	    team)), hidden, "only the team's managers may do this");
}

/* Whether the caller sees a person's absences. */
int
api_sees_person(const struct api_call *c, const char *person)
{
	return access_see_person(&c->who, c->cfg->access_teams,
	    c->cfg->nteams, person) == ACCESS_ALLOW;
}

/* Whether the caller manages a person's absences. */
int
api_manage_person(struct api_call *c, const char *person, const char *hidden)
{
	return api_verdict(c, access_manage_person(&c->who,
	    c->cfg->access_teams, c->cfg->nteams, person), hidden,
	    "only a manager of one of their teams may do this");
}

/* Whether the caller is an administrator. */
int
api_admin(struct api_call *c)
{
	return api_verdict(c, access_admin(&c->who), "not found",
	    "this needs the admin role");
}

/* The person acting, by SPEC §9's rule. */
const char *
api_by(struct api_call *c, int *failed)
{
	const char	*by, *who;

	if (*failed)
		return NULL;
	by = api_string(c, "by", 0, failed);
	if (*failed)
		return NULL;
	switch (access_by(&c->who, by, &who)) {
	case ACCESS_BY_MISSING:
		http_error(c->req, 400, "bad request", "field \"by\" is "
		    "required: a service token must name the person acting");
		*failed = 1;
		return NULL;
	case ACCESS_BY_OTHER:
		metrics_inc("replyd_api_rejections_total", "reason=\"by\"");
		http_error(c->req, 403, "forbidden", "field \"by\" names "
		    "someone else: you act only as yourself");
		*failed = 1;
		return NULL;
	case ACCESS_BY_OK:
		break;
	}
	if (config_person(c->cfg, who) == NULL) {
		http_error(c->req, 400, "bad request", "field \"by\": no "
		    "person \"%s\"", who);
		*failed = 1;
		return NULL;
	}
	return who;
}

/* The caller's name for an audit trail. */
const char *
api_actor(const struct api_call *c, int *service)
{
	*service = c->who.service;
	return c->who.id != NULL ? c->who.id : "";
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
