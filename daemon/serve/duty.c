/*
 * duty.c: the people side of escalation (SPEC §6, §7.2): acknowledging a
 * conversation (POST /v1/conversations/{id}/ack), dated duty-rota
 * overrides (PUT/GET/DELETE /v1/teams/{team}/duty/{date}) and absences
 * (POST/GET /v1/absences, DELETE /v1/absences/{person}/{id}).  State is in
 * Redis so every instance sees the same rota; escalate.c reads it when a
 * step fires.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "serve/api.h"
#include "rules/calendar.h"
#include "conf/config.h"
#include "io/db.h"
#include "serve/duty.h"
#include "io/http.h"
#include "base/log.h"
#include "serve/server.h"
#include "store/store.h"
#include "base/timeutil.h"

/* KEYS: conversation, events.  ARGV: by, ack_until (ms), now-event json. */
static struct db_script duty_ack_script = {
	.name = "ack",
	.source =
"local state = redis.call('HGET', KEYS[1], 'state')\n"
"if not state then return 'missing' end\n"
"if state ~= 'awaiting' then return 'already' end\n"
"local t = redis.call('TIME')\n"
"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
"redis.call('HSET', KEYS[1], 'ack_by', ARGV[1], 'ack_until', ARGV[2])\n"
"redis.call('RPUSH', KEYS[2], cjson.encode({type = 'ack', at = now,\n"
"  by = ARGV[1], until_ms = tonumber(ARGV[2])}))\n"
"return 'ok'\n"
};

/* KEYS: absences hash, sequence.  ARGV: person, from ms, to ms. */
static struct db_script duty_absence_add_script = {
	.name = "absence_add",
	.source =
"local id = redis.call('INCR', KEYS[2])\n"
"local cur = redis.call('HGET', KEYS[1], ARGV[1])\n"
"local list = cur and cjson.decode(cur) or {}\n"
"list[#list + 1] = {id, tonumber(ARGV[2]), tonumber(ARGV[3])}\n"
"redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(list))\n"
"return id\n"
};

/* KEYS: absences hash.  ARGV: person, id.  Returns 1 if removed. */
static struct db_script duty_absence_del_script = {
	.name = "absence_del",
	.source =
"local cur = redis.call('HGET', KEYS[1], ARGV[1])\n"
"if not cur then return 0 end\n"
"local out, found = {}, 0\n"
"for _, r in ipairs(cjson.decode(cur)) do\n"
"  if tostring(r[1]) == ARGV[2] then found = 1 else out[#out + 1] = r end\n"
"end\n"
"if #out == 0 then redis.call('HDEL', KEYS[1], ARGV[1])\n"
"else redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(out)) end\n"
"return found\n"
};

struct duty_req {
	struct api_call	*c;
	struct server	*srv;
	struct http_req	*req;
	char		 id[32];
	char		 by[128];
	char		 team[128];
	int64_t		 until_ms;
};

/* The calendar of a team (or the promise's). */
static const struct calendar *
duty_calendar(const struct config *cfg, const struct config_team *t)
{
	return t != NULL && t->calendar != NULL ? t->calendar :
	    cfg->promise.calendar;
}

/* The ack script answered. */
static void
duty_ack_done(struct redisReply *r, const char *err, void *arg)
{
	struct duty_req	*d = arg;
	char		 buf[64], body[320];

	if (r == NULL || r->str == NULL)
		http_unavailable(d->req, "storage unavailable");
	else if (strcmp(r->str, "missing") == 0)
		http_error(d->req, 404, "not found", "no such conversation");
	else if (strcmp(r->str, "already") == 0)
		http_error(d->req, 409, "conflict", "this conversation already "
		    "has a response");
	else {
		const struct config_team *t = config_team(d->c->cfg,
		    d->team);

		calendar_format(duty_calendar(d->c->cfg, t),
		    d->until_ms / 1000, buf, sizeof buf);
		snprintf(body, sizeof body, "{\"state\":\"acknowledged\","
		    "\"by\":\"%s\",\"until\":\"%s\"}", d->by, buf);
		log_info("conversation %s acknowledged by %s", d->id, d->by);
		http_reply(d->req, 200, "application/json", body,
		    strlen(body));
	}
	free(d);
}

/* The conversation's team is known: compute the pause and store it. */
static void
duty_ack_team(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct duty_req			*d = arg;
	const struct config		*cfg = d->c->cfg;
	const struct config_team	*t;
	const struct calendar		*cal;
	const char			*argv[5];
	char				 kc[64], ke[64], until[24];
	int64_t				 now, secs;
	int				 p = store_id_partition(d->id);

	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		http_unavailable(d->req, "storage unavailable");
		free(d);
		return;
	}
	if (r->type != REDIS_REPLY_STRING) {
		http_error(d->req, 404, "not found", "no such conversation");
		free(d);
		return;
	}
	snprintf(d->team, sizeof d->team, "%s", r->str);
	t = config_team(cfg, d->team);
	cal = duty_calendar(cfg, t);
	now = server_time(d->srv);
	secs = duration_seconds(&cfg->ack_timeout, calendar_working_day(cal));
	d->until_ms = (duration_is_working(&cfg->ack_timeout) ?
	    calendar_deadline(cal, now, secs, CALENDAR_EXACT) :
	    now + secs) * 1000;
	snprintf(kc, sizeof kc, "rd:{%d}:c:%s", p, d->id);
	snprintf(ke, sizeof ke, "rd:{%d}:e:%s", p, d->id);
	snprintf(until, sizeof until, "%lld", (long long)d->until_ms);
	argv[0] = kc;
	argv[1] = ke;
	argv[2] = d->by;
	argv[3] = until;
	if (store_eval(d->srv->db, &duty_ack_script, duty_ack_done, d, 2, 4,
	    argv) == -1) {
		http_unavailable(d->req, "storage unavailable");
		free(d);
	}
}

/* POST /v1/conversations/{id}/ack {"by": PERSON} */
static void
duty_ack(struct api_call *c)
{
	struct http_req	*req = c->req;
	struct server	*srv = c->srv;
	struct duty_req	*d;
	const char	*id = api_param(c, 0), *by;
	int		 failed = 0, p;

	by = api_string(c, "by", 1, &failed);
	if (failed)
		return;
	if (config_person(c->cfg, by) == NULL) {
		http_error(req, 400, "bad request", "field \"by\": no person "
		    "\"%s\"", by);
		return;
	}
	if ((p = store_id_partition(id)) == -1) {
		http_error(req, 404, "not found", "no such conversation");
		return;
	}
	if ((d = calloc(1, sizeof *d)) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	d->c = c;
	d->srv = srv;
	d->req = req;
	snprintf(d->id, sizeof d->id, "%s", id);
	snprintf(d->by, sizeof d->by, "%s", by);
	if (db_command(srv->db, duty_ack_team, d, "HGET rd:{%d}:c:%s team", p,
	    id) == -1) {
		http_unavailable(req, "storage unavailable");
		free(d);
	}
}

/* A reply that only needs a status check. */
static void
duty_written(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct http_req	*req = arg;

	if (r == NULL || r->type == REDIS_REPLY_ERROR)
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
	if ((w != NULL && m != NULL ? db_command(srv->db, duty_written, req,
	    "HSET rd:duty:%s %s:worker %s %s:manager %s", t->id, date, w,
	    date, m) : db_command(srv->db, duty_written, req,
	    "HSET rd:duty:%s %s:%s %s", t->id, date, w ? "worker" : "manager",
	    w ? w : m)) == -1)
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
	if (db_command(srv->db, duty_written, req, "HDEL rd:duty:%s %s:worker "
	    "%s:manager", t->id, date, date) == -1)
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
duty_get_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct duty_get	*g = arg;
	cJSON		*j;
	const char	*w = g->team->duty[g->wday], *m = g->team->duty_manager;
	int		 over = 0;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
		http_unavailable(g->req, "storage unavailable");
		free(g);
		return;
	}
	if (r->element[0]->str != NULL) {
		w = r->element[0]->str;
		over = 1;
	}
	if (r->element[1]->str != NULL) {
		m = r->element[1]->str;
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
	snprintf(g->date, sizeof g->date, "%s", date);
	g->wday = timeutil_weekday(days);
	if (db_command(srv->db, duty_get_done, g, "HMGET rd:duty:%s %s:worker "
	    "%s:manager", g->team->id, date, date) == -1) {
		free(g);
		http_unavailable(req, "storage unavailable");
	}
}

/* The absence script answered with the new id. */
static void
duty_absence_added(struct redisReply *r, const char *err, void *arg)
{
	struct http_req	*req = arg;
	char		 body[64];

	if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
		http_unavailable(req, "storage unavailable");
		return;
	}
	snprintf(body, sizeof body, "{\"id\":%lld}", r->integer);
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
	const char	*person, *from, *to, *argv[5];
	char		 f[24], t[24];
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
	/* Dates are whole days: "to" includes that day. */
	if (duty_instant(c->cfg->promise.calendar, from, 0, &fs) == -1 ||
	    duty_instant(c->cfg->promise.calendar, to, 1, &ts) == -1 ||
	    ts <= fs) {
		http_error(req, 400, "bad request", "fields \"from\" and \"to\" "
		    "must be dates (YYYY-MM-DD) or RFC 3339 times, from "
		    "before to");
		return;
	}
	snprintf(f, sizeof f, "%lld", (long long)fs * 1000);
	snprintf(t, sizeof t, "%lld", (long long)ts * 1000);
	argv[0] = "rd:absences";
	argv[1] = "rd:absences:seq";
	argv[2] = person;
	argv[3] = f;
	argv[4] = t;
	if (store_eval(srv->db, &duty_absence_add_script, duty_absence_added,
	    req, 2, 5, argv) == -1)
		http_unavailable(req, "storage unavailable");
}

/* The absences hash answered. */
static void
duty_absences_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct http_req	*req = arg;
	cJSON		*j, *list, *ranges, *e;
	size_t		 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		http_unavailable(req, "storage unavailable");
		return;
	}
	j = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(j, "absences");
	for (i = 0; i + 1 < r->elements; i += 2) {
		if ((ranges = cJSON_Parse(r->element[i + 1]->str)) == NULL)
			continue;
		cJSON_ArrayForEach(e, ranges) {
			cJSON *a = cJSON_CreateObject();

			cJSON_AddStringToObject(a, "person",
			    r->element[i]->str);
			cJSON_AddNumberToObject(a, "id",
			    cJSON_GetArrayItem(e, 0)->valuedouble);
			cJSON_AddNumberToObject(a, "from",
			    cJSON_GetArrayItem(e, 1)->valuedouble / 1000);
			cJSON_AddNumberToObject(a, "to",
			    cJSON_GetArrayItem(e, 2)->valuedouble / 1000);
			cJSON_AddItemToArray(list, a);
		}
		cJSON_Delete(ranges);
	}
	http_reply_json(req, 200, j);
}

/* GET /v1/absences */
static void
duty_absences(struct api_call *c)
{
	struct http_req	*req = c->req;
	struct server	*srv = c->srv;

	if (db_command(srv->db, duty_absences_done, req,
	    "HGETALL rd:absences") == -1)
		http_unavailable(req, "storage unavailable");
}

/* The delete script answered. */
static void
duty_absence_deleted(struct redisReply *r, const char *err, void *arg)
{
	struct http_req	*req = arg;

	if (r == NULL || r->type != REDIS_REPLY_INTEGER)
		http_unavailable(req, "storage unavailable");
	else if (r->integer == 0)
		http_error(req, 404, "not found", "no such absence");
	else
		http_reply(req, 204, NULL, NULL, 0);
}

/* DELETE /v1/absences/{person}/{id} */
static void
duty_absence_delete(struct api_call *c)
{
	struct http_req	*req = c->req;
	struct server	*srv = c->srv;
	const char	*argv[3];

	argv[0] = "rd:absences";
	argv[1] = api_param(c, 0);
	argv[2] = api_param(c, 1);
	if (store_eval(srv->db, &duty_absence_del_script,
	    duty_absence_deleted, req, 1, 3, argv) == -1)
		http_unavailable(req, "storage unavailable");
}

/* Compute the scripts' SHAs. */
static void
duty_init(void)
{
	db_script_init(&duty_ack_script);
	db_script_init(&duty_absence_add_script);
	db_script_init(&duty_absence_del_script);
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
	.init = duty_init,
	.routes = duty_routes,
};
