/*
 * api.c: the staff HTTP API (SPEC §9): bearer tokens with roles,
 * conversations (list, get, record a response) and contacts.  Every
 * handler checks its input and answers JSON; Redis trouble is a 503.
 * Responses never include tokens; logs never include message text.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "api.h"
#include "calendar.h"
#include "config.h"
#include "db.h"
#include "duty.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "phone.h"
#include "reply.h"
#include "report.h"
#include "server.h"
#include "store.h"
#include "webhook.h"

#define API_LIST_LIMIT	1000
#define API_MAX_BODY	(64 * 1024)

/* Check the bearer token; answer 401/403 and return NULL on failure. */
const struct config_token *
api_auth(struct http_req *req, struct server *srv, enum config_role need)
{
	const struct config_token	*tok;
	const char			*h = http_req_header(req, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		http_add_header(req, "WWW-Authenticate", "Bearer");
		http_error(req, 401, "unauthorized", "an Authorization: Bearer "
		    "token is required");
		return NULL;
	}
	h += 7;
	if ((tok = config_token(srv->cfg, h, strlen(h))) == NULL) {
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

/* Answer 503 when Redis is not ready; returns -1 if it answered. */
int
api_need_db(struct http_req *req, struct server *srv)
{
	if (db_ready(srv->db))
		return 0;
	http_unavailable(req, "storage unavailable");
	return -1;
}

/* Parse a JSON object body; answer 400 and return NULL when it is not. */
cJSON *
api_body(struct http_req *req)
{
	const char	*body;
	size_t		 len;
	cJSON		*j;

	body = http_req_body(req, &len);
	if (len == 0 || len > API_MAX_BODY ||
	    (j = cJSON_ParseWithLength(body, len)) == NULL ||
	    !cJSON_IsObject(j)) {
		if (len > 0 && len <= API_MAX_BODY && (j =
		    cJSON_ParseWithLength(body, len)) != NULL)
			cJSON_Delete(j);
		http_error(req, 400, "bad request", "the body must be a JSON "
		    "object");
		return NULL;
	}
	return j;
}

/* A string member, or NULL (answering 400 when required or mistyped). */
const char *
api_string(struct http_req *req, cJSON *obj, const char *key, int required,
    int *failed)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (*failed)
		return NULL;
	if (v == NULL || cJSON_IsNull(v)) {
		if (required) {
			http_error(req, 400, "bad request", "field \"%s\" is "
			    "required", key);
			*failed = 1;
		}
		return NULL;
	}
	if (!cJSON_IsString(v)) {
		http_error(req, 400, "bad request", "field \"%s\" must be a "
		    "string", key);
		*failed = 1;
		return NULL;
	}
	return v->valuestring;
}

/* Format milliseconds as RFC 3339 in a calendar's zone (or UTC). */
static void
api_time(const struct calendar *cal, int64_t ms, char *buf, size_t len)
{
	if (cal == NULL || calendar_format(cal, ms / 1000, buf, len) == -1) {
		time_t		t = (time_t)(ms / 1000);
		struct tm	tm;

		gmtime_r(&t, &tm);
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
}

/* A field of an HGETALL reply, or NULL. */
static const char *
api_field(const redisReply *h, const char *name)
{
	size_t	i;

	if (h == NULL || h->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < h->elements; i += 2)
		if (h->element[i]->str != NULL &&
		    strcmp(h->element[i]->str, name) == 0)
			return h->element[i + 1]->str;
	return NULL;
}

/* The state a person sees: awaiting, overdue or responded. */
static const char *
api_state(const redisReply *h, int64_t now_ms)
{
	const char	*state = api_field(h, "state");
	const char	*dl = api_field(h, "deadline");

	if (state == NULL || strcmp(state, "awaiting") != 0)
		return state ? state : "unknown";
	if (dl != NULL && strtoll(dl, NULL, 10) <= now_ms)
		return "overdue";
	return "awaiting";
}

/* A conversation's summary as JSON. */
static cJSON *
api_conversation(struct server *srv, const redisReply *h, int64_t now_ms)
{
	const struct config_team	*team;
	const struct calendar		*cal = srv->cfg->promise.calendar;
	cJSON				*j;
	const char			*v;
	char				 buf[64];

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((v = api_field(h, "team")) != NULL &&
	    (team = config_team(srv->cfg, v)) != NULL && team->calendar)
		cal = team->calendar;
	cJSON_AddStringToObject(j, "id", api_field(h, "id") ?: "");
	cJSON_AddStringToObject(j, "state", api_state(h, now_ms));
	cJSON_AddStringToObject(j, "team", api_field(h, "team") ?: "");
	v = api_field(h, "worker");
	if (v != NULL && v[0] != '\0')
		cJSON_AddStringToObject(j, "worker", v);
	else
		cJSON_AddNullToObject(j, "worker");
	cJSON_AddStringToObject(j, "channel", api_field(h, "channel") ?: "");
	if ((v = api_field(h, "received_at")) != NULL) {
		api_time(cal, strtoll(v, NULL, 10), buf, sizeof buf);
		cJSON_AddStringToObject(j, "received_at", buf);
	}
	if ((v = api_field(h, "deadline")) != NULL) {
		api_time(cal, strtoll(v, NULL, 10), buf, sizeof buf);
		cJSON_AddStringToObject(j, "deadline", buf);
	}
	if ((v = api_field(h, "responded_at")) != NULL) {
		api_time(cal, strtoll(v, NULL, 10), buf, sizeof buf);
		cJSON_AddStringToObject(j, "responded_at", buf);
		cJSON_AddStringToObject(j, "responded_by",
		    api_field(h, "responded_by") ?: "");
		cJSON_AddStringToObject(j, "how", api_field(h, "how") ?: "");
	} else
		cJSON_AddNullToObject(j, "responded_at");
	v = api_field(h, "step");
	cJSON_AddNumberToObject(j, "escalation_step", v ? atoi(v) : 0);
	v = api_field(h, "urgent");
	cJSON_AddBoolToObject(j, "urgent", v != NULL && strcmp(v, "1") == 0);
	v = api_field(h, "contact");
	if (v != NULL && v[0] != '\0')
		cJSON_AddStringToObject(j, "contact", v);
	else
		cJSON_AddNullToObject(j, "contact");
	return j;
}

/* A list request being answered from all partitions. */
struct api_list {
	struct server	*srv;
	struct http_req	*req;
	cJSON		*out;
	char		 state[16];
	char		 team[128];
	int		 pending;
	int		 failed;
	int64_t		 now_ms;
};

/* One partition answered a list request. */
static void
api_list_part(struct redisReply *r, const char *err, void *arg)
{
	struct api_list	*l = arg;
	cJSON		*c;
	size_t		 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		l->failed = 1;
	else
		for (i = 0; i < r->elements; i++) {
			const redisReply *h = r->element[i];
			const char *team = api_field(h, "team");

			if (l->team[0] != '\0' &&
			    (team == NULL || strcmp(team, l->team) != 0))
				continue;
			if (l->state[0] != '\0' &&
			    strcmp(api_state(h, l->now_ms), l->state) != 0)
				continue;
			if ((c = api_conversation(l->srv, h, l->now_ms)) != NULL)
				cJSON_AddItemToArray(l->out, c);
		}
	if (--l->pending > 0)
		return;
	if (l->failed) {
		cJSON_Delete(l->out);
		http_unavailable(l->req, "storage unavailable");
	} else {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddItemToObject(j, "conversations", l->out);
		http_reply_json(l->req, 200, j);
	}
	free(l);
}

/* GET /v1/conversations?state=S&team=T */
static void
api_conversations(struct http_req *req, void *arg)
{
	struct server	*srv = arg;
	struct api_list	*l;
	const char	*state, *team;
	int		 p, any = 0;

	if (api_auth(req, srv, ROLE_WORKER) == NULL ||
	    api_need_db(req, srv) == -1)
		return;
	state = http_req_query_param(req, "state");
	team = http_req_query_param(req, "team");
	if (state != NULL && strcmp(state, "awaiting") != 0 &&
	    strcmp(state, "overdue") != 0 && strcmp(state, "responded") != 0) {
		http_error(req, 400, "bad request", "state must be awaiting, "
		    "overdue or responded");
		return;
	}
	if (team != NULL && config_team(srv->cfg, team) == NULL) {
		http_error(req, 400, "bad request", "no team \"%s\"", team);
		return;
	}
	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->out = cJSON_CreateArray()) == NULL) {
		free(l);
		http_unavailable(req, "out of memory");
		return;
	}
	l->srv = srv;
	l->req = req;
	l->now_ms = server_time_ms(srv);
	snprintf(l->state, sizeof l->state, "%s", state ? state : "");
	snprintf(l->team, sizeof l->team, "%s", team ? team : "");
	/* Without a state, list what is open: awaiting and overdue. */
	l->pending = STORE_PARTITIONS * (state == NULL ? 1 : 1);
	for (p = 0; p < STORE_PARTITIONS; p++) {
		if (store_list(srv->db, p, state && strcmp(state,
		    "responded") == 0 ? "responded" : "awaiting",
		    API_LIST_LIMIT, api_list_part, l) == -1) {
			l->failed = 1;
			l->pending--;
			continue;
		}
		any = 1;
	}
	if (!any) {
		cJSON_Delete(l->out);
		free(l);
		http_unavailable(req, "storage unavailable");
	}
}

struct api_get {
	struct server	*srv;
	struct http_req	*req;
};

/* A stored event (JSON) with its "at" rendered as RFC 3339. */
static cJSON *
api_event(const struct calendar *cal, const char *s)
{
	cJSON	*e, *at;
	char	 buf[64];

	if ((e = cJSON_Parse(s)) == NULL)
		return NULL;
	at = cJSON_GetObjectItemCaseSensitive(e, "at");
	if (cJSON_IsNumber(at)) {
		api_time(cal, (int64_t)at->valuedouble, buf, sizeof buf);
		cJSON_ReplaceItemInObjectCaseSensitive(e, "at",
		    cJSON_CreateString(buf));
	}
	return e;
}

/* The get script answered. */
static void
api_get_done(struct redisReply *r, const char *err, void *arg)
{
	struct api_get			*g = arg;
	const struct config_team	*team;
	const struct calendar		*cal = g->srv->cfg->promise.calendar;
	cJSON				*j, *msgs, *events, *e, *m;
	const redisReply		*h, *ev, *tx;
	const char			*v;
	size_t				 i, k;

	if (r == NULL || (r->type != REDIS_REPLY_ARRAY &&
	    r->type != REDIS_REPLY_NIL)) {
		http_unavailable(g->req, "storage unavailable");
		free(g);
		return;
	}
	if (r->type == REDIS_REPLY_NIL || r->elements != 3) {
		http_error(g->req, 404, "not found", "no such conversation");
		free(g);
		return;
	}
	h = r->element[0];
	ev = r->element[1];
	tx = r->element[2];
	if ((v = api_field(h, "team")) != NULL &&
	    (team = config_team(g->srv->cfg, v)) != NULL && team->calendar)
		cal = team->calendar;
	j = api_conversation(g->srv, h, server_time_ms(g->srv));
	msgs = cJSON_AddArrayToObject(j, "messages");
	events = cJSON_AddArrayToObject(j, "events");
	for (i = 0; i < ev->elements; i++) {
		if ((e = api_event(cal, ev->element[i]->str)) == NULL)
			continue;
		cJSON_AddItemToArray(events, e);
		v = cJSON_GetStringValue(cJSON_GetObjectItem(e, "type"));
		if (v == NULL || strcmp(v, "message") != 0)
			continue;
		/* A message: its metadata, and its text until it expires. */
		m = cJSON_Duplicate(e, 1);
		cJSON_DeleteItemFromObject(m, "type");
		for (k = 0; k + 1 < tx->elements; k += 2) {
			cJSON *n = cJSON_GetObjectItem(e, "n");

			if (cJSON_IsNumber(n) && atoi(tx->element[k]->str) ==
			    n->valueint)
				cJSON_AddItemToObject(m, "text",
				    cJSON_CreateString(tx->element[k + 1]->str));
		}
		if (!cJSON_HasObjectItem(m, "text"))
			cJSON_AddNullToObject(m, "text");
		cJSON_AddItemToArray(msgs, m);
	}
	http_reply_json(g->req, 200, j);
	free(g);
}

/* GET /v1/conversations/{id} */
static void
api_conversation_get(struct http_req *req, void *arg)
{
	struct server	*srv = arg;
	struct api_get	*g;
	const char	*id = http_req_param(req, 0);

	if (api_auth(req, srv, ROLE_WORKER) == NULL ||
	    api_need_db(req, srv) == -1)
		return;
	if (store_id_partition(id) == -1) {
		http_error(req, 404, "not found", "no such conversation");
		return;
	}
	if ((g = calloc(1, sizeof *g)) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	g->srv = srv;
	g->req = req;
	if (store_get(srv->db, id, api_get_done, g) == -1) {
		free(g);
		http_unavailable(req, "storage unavailable");
	}
}

/* The respond script answered. */
static void
api_responded_done(struct redisReply *r, const char *err, void *arg)
{
	struct api_get	*g = arg;

	if (r == NULL || (r->type != REDIS_REPLY_STATUS && r->type !=
	    REDIS_REPLY_STRING)) {
		http_unavailable(g->req, "storage unavailable");
	} else if (strcmp(r->str, "missing") == 0) {
		http_error(g->req, 404, "not found", "no such conversation");
	} else if (strcmp(r->str, "already") == 0) {
		http_error(g->req, 409, "conflict", "this conversation already "
		    "has a response");
	} else {
		metrics_inc("replyd_responses_total", "how=\"recorded\"");
		http_reply(g->req, 200, "application/json",
		    "{\"state\":\"responded\"}", 21);
	}
	free(g);
}

/* POST /v1/conversations/{id}/responded {"by", "how", "note"} */
static void
api_responded(struct http_req *req, void *arg)
{
	struct server	*srv = arg;
	struct api_get	*g;
	cJSON		*body;
	const char	*id = http_req_param(req, 0), *by, *how, *note;
	int		 failed = 0;

	if (api_auth(req, srv, ROLE_WORKER) == NULL ||
	    (body = api_body(req)) == NULL)
		return;
	by = api_string(req, body, "by", 1, &failed);
	how = api_string(req, body, "how", 1, &failed);
	note = api_string(req, body, "note", 0, &failed);
	if (failed)
		goto out;
	if (config_person(srv->cfg, by) == NULL) {
		http_error(req, 400, "bad request", "field \"by\": no person "
		    "\"%s\"", by);
		goto out;
	}
	if (strcmp(how, "phone") != 0 && strcmp(how, "in-person") != 0 &&
	    strcmp(how, "other") != 0) {
		http_error(req, 400, "bad request", "field \"how\" must be "
		    "phone, in-person or other");
		goto out;
	}
	if (note != NULL && strlen(note) > 2000) {
		http_error(req, 400, "bad request", "field \"note\" is longer "
		    "than 2000 characters");
		goto out;
	}
	if (store_id_partition(id) == -1) {
		http_error(req, 404, "not found", "no such conversation");
		goto out;
	}
	if (api_need_db(req, srv) == -1)
		goto out;
	if ((g = calloc(1, sizeof *g)) == NULL) {
		http_unavailable(req, "out of memory");
		goto out;
	}
	g->srv = srv;
	g->req = req;
	if (store_respond(srv->db, id, by, how, note, srv->cfg->retention_meta,
	    api_responded_done, g) == -1) {
		free(g);
		http_unavailable(req, "storage unavailable");
	}
out:
	cJSON_Delete(body);
}

/* Register the API's routes. */
void
api_routes(struct server *srv)
{
	metrics_define("replyd_responses_total", METRICS_COUNTER,
	    "Responses recorded, by how they were seen.");
	metrics_define("replyd_api_rejections_total", METRICS_COUNTER,
	    "API requests refused, by reason.");
	http_route(srv->http, HTTP_GET, "/v1/conversations", 0, 0,
	    api_conversations, srv);
	http_route(srv->http, HTTP_GET, "/v1/conversations/*", 0, 0,
	    api_conversation_get, srv);
	http_route(srv->http, HTTP_POST, "/v1/conversations/*/responded",
	    API_MAX_BODY, 0, api_responded, srv);
	contacts_routes(srv);
	reply_routes(srv);
	duty_routes(srv);
	report_routes(srv);
}

/* Nothing to free yet: handlers hold no state between requests. */
void
api_free(struct server *srv)
{
}
