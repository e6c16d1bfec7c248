/*
 * duty.c: the people side of escalation (SPEC §6, §7.2): acknowledging a
 * conversation (POST /v1/conversations/{id}/ack), dated duty-rota
 * overrides (PUT/GET/DELETE /v1/teams/{team}/duty/{date}) and absences
 * (POST/GET /v1/absences, DELETE /v1/absences/{person}/{id}).  Managers
 * manage their own teams' rota and their people's absences; everyone sees
 * only their own teams' (SPEC §15).  State is in
 * Redis (store/duty.h) so every instance sees the same rota; escalation
 * reads it when a step fires.  This file checks requests, works out times
 * with the calendar and answers HTTP; it names no key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base/log.h"
#include "base/timeutil.h"
#include "conf/config.h"
#include "io/http.h"
#include "rules/calendar.h"
#include "rules/policy.h"
#include "serve/api.h"
#include "serve/duty.h"
#include "serve/server.h"
#include "store/conv.h"
#include "store/duty.h"
#include "store/store.h"

/* An acknowledgement on its way (the API's, or a page's). */
struct duty_req {
	struct api_call	*c;
	struct server	*srv;
	duty_take_cb	 done;
	void		*arg;
	char		 id[32];
	char		 by[128];
	char		 team[128];
	int		 step;
	int64_t		 until_ms;
};

/* The calendar of a team (or the promise's). */
static const struct calendar *
duty_calendar(const struct config *cfg, const struct config_team *t)
{
	return t != NULL && t->calendar != NULL ? t->calendar :
	    cfg->promise.calendar;
}

int64_t
duty_until(const struct config *cfg, const char *team, int64_t now_ms)
{
	return policy_ack_until(duty_calendar(cfg, config_team(cfg, team)),
	    &cfg->ack_timeout, now_ms / 1000) * 1000;
}

/* Tell the caller how the acknowledgement went, and free it. */
static void
duty_take_finish(struct duty_req *d, enum store_ack_result res)
{
	struct duty_taken	t;

	memset(&t, 0, sizeof t);
	t.result = res;
	t.by = d->by;
	t.team = d->team;
	t.until_ms = d->until_ms;
	t.cal = duty_calendar(d->c->cfg, config_team(d->c->cfg, d->team));
	d->done(&t, d->arg);
	free(d);
}

/* The acknowledgement is stored (or refused): log it, tell the caller. */
static void
duty_take_done(enum store_ack_result res, void *arg)
{
	struct duty_req	*d = arg;
	char		 buf[64];

	if (res == STORE_ACK_OK) {
		calendar_format(duty_calendar(d->c->cfg, config_team(d->c->cfg,
		    d->team)), d->until_ms / 1000, buf, sizeof buf);
		log_info("acknowledged: conversation %s team %s step %d: "
		    "taken until %s", d->id, d->team, d->step, buf);
	}
	duty_take_finish(d, res);
}

/* The conversation's team is known: compute the pause and store it. */
static void
duty_take_team(const struct store_conv *conv, int failed, void *arg)
{
	struct duty_req	*d = arg;

	if (failed) {
		duty_take_finish(d, STORE_ACK_FAILED);
		return;
	}
	/* Another team's conversation does not exist for this caller. */
	if (conv == NULL || !api_sees(d->c, conv->team)) {
		duty_take_finish(d, STORE_ACK_MISSING);
		return;
	}
	snprintf(d->team, sizeof d->team, "%s", conv->team);
	d->step = conv->step;
	d->until_ms = duty_until(d->c->cfg, d->team, server_time(d->srv) *
	    1000);
	/* The script checks the state again: a response may come first. */
	if (store_ack(d->srv->db, d->id, d->by, d->until_ms, duty_take_done,
	    d) == -1)
		duty_take_finish(d, STORE_ACK_FAILED);
}

int
duty_take(struct api_call *c, const char *id, const char *by,
    duty_take_cb done, void *arg)
{
	struct duty_req	*d;

	if ((d = calloc(1, sizeof *d)) == NULL)
		return -1;
	d->c = c;
	d->srv = c->srv;
	d->done = done;
	d->arg = arg;
	snprintf(d->id, sizeof d->id, "%s", id);
	snprintf(d->by, sizeof d->by, "%s", by);
	if (store_conv_load(c->srv->db, d->id, duty_take_team, d) == -1) {
		free(d);
		return -1;
	}
	return 0;
}

/* The API's acknowledgement is done: answer. */
static void
duty_ack_done(const struct duty_taken *t, void *arg)
{
	struct api_call	*c = arg;
	char		 buf[64], body[320];

	if (t->result == STORE_ACK_FAILED)
		http_unavailable(c->req, "storage unavailable");
	else if (t->result == STORE_ACK_MISSING)
		http_error(c->req, 404, "not found", "no such conversation");
	else if (t->result == STORE_ACK_ALREADY)
		http_error(c->req, 409, "conflict", "this conversation already "
		    "has a response");
	else {
		calendar_format(t->cal, t->until_ms / 1000, buf, sizeof buf);
		snprintf(body, sizeof body, "{\"state\":\"acknowledged\","
		    "\"by\":\"%s\",\"until\":\"%s\"}", t->by, buf);
		http_reply(c->req, 200, "application/json", body,
		    strlen(body));
	}
}

/* POST /v1/conversations/{id}/ack {"by": PERSON} */
static void
duty_ack(struct api_call *c)
{
	const char	*id = api_param(c, 0), *by;
	int		 failed = 0;

	by = api_by(c, &failed);
	if (failed)
		return;
	if (store_id_partition(id) == -1) {
		http_error(c->req, 404, "not found", "no such conversation");
		return;
	}
	if (duty_take(c, id, by, duty_ack_done, c) == -1)
		http_unavailable(c->req, "storage unavailable");
}

/* A change of the overrides is stored (or not). */
static void
duty_written(int failed, void *arg)
{
	struct http_req	*req = arg;

	if (failed)
		http_unavailable(req, "storage unavailable");
	else
		http_reply(req, 200, "application/json", "{\"ok\":true}", 11);
}

/* Check a YYYY-MM-DD path segment. */
static int
duty_date_ok(const char *s)
{
	int32_t	days;

	return s != NULL && strlen(s) == 10 &&
	    timeutil_parse_date(s, &days) == 0;
}

/* PUT /v1/teams/{team}/duty/{date} {"worker": P, "manager": P} */
static void
duty_override_put(struct api_call *c)
{
	struct http_req			*req = c->req;
	struct server			*srv = c->srv;
	const struct config		*cfg = c->cfg;
	const struct config_team	*t;
	const char			*team = api_param(c, 0);
	const char			*date = api_param(c, 1);
	const char			*w, *m;
	int				 failed = 0;

	if ((t = config_team(cfg, team)) == NULL) {
		http_error(req, 404, "not found", "no such team");
		return;
	}
	if (!api_manage(c, t->id, "no such team"))
		return;
	if (!duty_date_ok(date)) {
		http_error(req, 400, "bad request", "the date must be "
		    "YYYY-MM-DD");
		return;
	}
	w = api_string(c, "worker", 0, &failed);
	m = api_string(c, "manager", 0, &failed);
	if (failed)
		return;
	if (w == NULL && m == NULL) {
		http_error(req, 400, "bad request", "give \"worker\" and/or "
		    "\"manager\"");
		return;
	}
	if ((w && !config_person(cfg, w)) ||
	    (m && !config_person(cfg, m))) {
		http_error(req, 400, "bad request", "field \"%s\": no such "
		    "person", w && !config_person(cfg, w) ? "worker" :
		    "manager");
		return;
	}
	if (store_duty_set(srv->db, t->id, date, w, m, duty_written,
	    req) == -1)
		http_unavailable(req, "storage unavailable");
}

/* DELETE /v1/teams/{team}/duty/{date} */
static void
duty_override_delete(struct api_call *c)
{
	struct http_req			*req = c->req;
	struct server			*srv = c->srv;
	const struct config_team	*t;
	const char			*date = api_param(c, 1);

	if ((t = config_team(c->cfg, api_param(c, 0))) == NULL ||
	    !duty_date_ok(date)) {
		http_error(req, 404, "not found", "no such team or date");
		return;
	}
	if (!api_manage(c, t->id, "no such team or date"))
		return;
	if (store_duty_clear(srv->db, t->id, date, duty_written, req) == -1)
		http_unavailable(req, "storage unavailable");
}

struct duty_get {
	struct http_req			*req;
	const struct config_team	*team;
	char				 date[16];
	int				 wday;
};

/* The overrides for a date answered. */
static void
duty_get_done(const struct store_duty *duty, void *arg)
{
	struct duty_get	*g = arg;
	cJSON		*j;
	const char	*w = g->team->duty[g->wday], *m = g->team->duty_manager;
	int		 over = 0;

	if (duty == NULL) {
		http_unavailable(g->req, "storage unavailable");
		free(g);
		return;
	}
	if (duty->worker != NULL) {
		w = duty->worker;
		over = 1;
	}
	if (duty->manager != NULL) {
		m = duty->manager;
		over = 1;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "team", g->team->id);
	cJSON_AddStringToObject(j, "date", g->date);
	if (w != NULL)
		cJSON_AddStringToObject(j, "duty_worker", w);
	else
		cJSON_AddNullToObject(j, "duty_worker");
	if (m != NULL)
		cJSON_AddStringToObject(j, "duty_manager", m);
	else
		cJSON_AddNullToObject(j, "duty_manager");
	cJSON_AddBoolToObject(j, "override", over);
	http_reply_json(g->req, 200, j);
	free(g);
}

/* GET /v1/teams/{team}/duty/{date}: who is on duty that day. */
static void
duty_override_get(struct api_call *c)
{
	struct http_req	*req = c->req;
	struct server	*srv = c->srv;
	struct duty_get	*g;
	const char	*date = api_param(c, 1);
	int32_t		 days;

	if ((g = calloc(1, sizeof *g)) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	g->req = req;
	if ((g->team = config_team(c->cfg, api_param(c, 0))) == NULL ||
	    !duty_date_ok(date) || timeutil_parse_date(date, &days) == -1) {
		free(g);
		http_error(req, 404, "not found", "no such team or date");
		return;
	}
	if (!api_see(c, g->team->id, "no such team or date")) {
		free(g);
		return;
	}
	snprintf(g->date, sizeof g->date, "%s", date);
	g->wday = timeutil_weekday(days);
	if (store_duty_get(srv->db, g->team->id, g->date, duty_get_done,
	    g) == -1) {
		free(g);
		http_unavailable(req, "storage unavailable");
	}
}

/* The absence is stored with its new id. */
static void
duty_absence_added(int64_t id, int failed, void *arg)
{
	struct http_req	*req = arg;
	char		 body[64];

	if (failed) {
		http_unavailable(req, "storage unavailable");
		return;
	}
	snprintf(body, sizeof body, "{\"id\":%lld}", (long long)id);
	http_reply(req, 201, "application/json", body, strlen(body));
}

/* An instant from "YYYY-MM-DD" (start of that day, local) or RFC 3339. */
static int
duty_instant(const struct calendar *cal, const char *s, int end, int64_t *out)
{
	int32_t		days;
	int64_t		t;
	struct tm	tm;

	if (timeutil_parse_rfc3339(s, &t) == 0) {
		*out = t;
		return 0;
	}
	if (strlen(s) != 10 || timeutil_parse_date(s, &days) == -1)
		return -1;
	/* Local midnight: start at 00:00 UTC, correct by the zone's offset. */
	t = (int64_t)(days + (end ? 1 : 0)) * 86400;
	if (calendar_local(cal, t, &tm) == 0)
		t -= tm.tm_gmtoff;
	*out = t;
	return 0;
}

/* POST /v1/absences {"person": P, "from": DATE, "to": DATE} */
static void
duty_absence_add(struct api_call *c)
{
	struct http_req	*req = c->req;
	struct server	*srv = c->srv;
	const char	*person, *from, *to;
	int64_t		 fs, ts;
	int		 failed = 0;

	person = api_string(c, "person", 1, &failed);
	from = api_string(c, "from", 1, &failed);
	to = api_string(c, "to", 1, &failed);
	if (failed)
		return;
	if (config_person(c->cfg, person) == NULL) {
		http_error(req, 400, "bad request", "field \"person\": no "
		    "person \"%s\"", person);
		return;
	}
	if (!api_manage_person(c, person, "no such person in your teams"))
		return;
	/* Dates are whole days: "to" includes that day. */
	if (duty_instant(c->cfg->promise.calendar, from, 0, &fs) == -1 ||
	    duty_instant(c->cfg->promise.calendar, to, 1, &ts) == -1 ||
	    ts <= fs) {
		http_error(req, 400, "bad request", "fields \"from\" and \"to\" "
		    "must be dates (YYYY-MM-DD) or RFC 3339 times, from "
		    "before to");
		return;
	}
	if (store_absence_add(srv->db, person, fs * 1000, ts * 1000,
	    duty_absence_added, req) == -1)
		http_unavailable(req, "storage unavailable");
}

/* Every absence was read. */
static void
duty_absences_done(const struct store_absence *a, size_t n, int failed,
    void *arg)
{
	struct api_call	*c = arg;
	struct http_req	*req = c->req;
	cJSON		*j, *list, *e;
	size_t		 i;

	if (failed) {
		http_unavailable(req, "storage unavailable");
		return;
	}
	j = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(j, "absences");
	for (i = 0; i < n; i++) {
		/* Only the absences of people in the caller's teams. */
		if (!api_sees_person(c, a[i].person))
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "person", a[i].person);
		cJSON_AddNumberToObject(e, "id", (double)a[i].id);
		cJSON_AddNumberToObject(e, "from", (double)a[i].from_ms /
		    1000);
		cJSON_AddNumberToObject(e, "to", (double)a[i].to_ms / 1000);
		cJSON_AddItemToArray(list, e);
	}
	http_reply_json(req, 200, j);
}

/* GET /v1/absences */
static void
duty_absences(struct api_call *c)
{
	if (store_absences(c->srv->db, duty_absences_done, c) == -1)
		http_unavailable(c->req, "storage unavailable");
}

/* The absence is removed, or was not there. */
static void
duty_absence_deleted(enum store_absence_result res, void *arg)
{
	struct http_req	*req = arg;

	if (res == STORE_ABSENCE_FAILED)
		http_unavailable(req, "storage unavailable");
	else if (res == STORE_ABSENCE_MISSING)
		http_error(req, 404, "not found", "no such absence");
	else
		http_reply(req, 204, NULL, NULL, 0);
}

int64_t
duty_absence_id(const char *s)
{
	int64_t	id = 0;
	size_t	i, n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 15 || s[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		id = id * 10 + (s[i] - '0');
	}
	return id;
}

/* DELETE /v1/absences/{person}/{id} */
static void
duty_absence_delete(struct api_call *c)
{
	struct http_req	*req = c->req;
	const char	*person = api_param(c, 0);
	int64_t		 id = duty_absence_id(api_param(c, 1));

	/* Nothing else can name a stored absence. */
	if (person == NULL || id == -1) {
		http_error(req, 404, "not found", "no such absence");
		return;
	}
	if (!api_manage_person(c, person, "no such absence"))
		return;
	if (store_absence_del(c->srv->db, person, id, duty_absence_deleted,
	    req) == -1)
		http_unavailable(req, "storage unavailable");
}

static const struct api_route duty_routes[] = {
	{ HTTP_POST, "/v1/conversations/*/ack", ROLE_WORKER,
	    API_BODY | API_DB, duty_ack },
	{ HTTP_PUT, "/v1/teams/*/duty/*", ROLE_MANAGER, API_BODY | API_DB,
	    duty_override_put },
	{ HTTP_GET, "/v1/teams/*/duty/*", ROLE_WORKER, API_DB,
	    duty_override_get },
	{ HTTP_DELETE, "/v1/teams/*/duty/*", ROLE_MANAGER, API_DB,
	    duty_override_delete },
	{ HTTP_POST, "/v1/absences", ROLE_MANAGER, API_BODY | API_DB,
	    duty_absence_add },
	{ HTTP_GET, "/v1/absences", ROLE_WORKER, API_DB, duty_absences },
	{ HTTP_DELETE, "/v1/absences/*/*", ROLE_MANAGER, API_DB,
	    duty_absence_delete },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module duty_api = {
	.name = "duty",
	.routes = duty_routes,
};
