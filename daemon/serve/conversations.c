/*
 * conversations.c: the staff API's conversations (SPEC §9): list them by
 * state and team, read one with its messages and audit trail, record a
 * response made outside replyd (a phone call, a visit).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "base/metrics.h"
#include "conf/config.h"
#include "io/http.h"
#include "rules/calendar.h"
#include "store/store.h"
#include "serve/api.h"
#include "serve/conversations.h"
#include "serve/server.h"

#define CONVERSATIONS_LIST_LIMIT	1000

/* A field of an HGETALL reply, or NULL. */
static const char *
conversations_field(const redisReply *h, const char *name)
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
conversations_state(const redisReply *h, int64_t now_ms)
{
	const char	*state = conversations_field(h, "state");
	const char	*dl = conversations_field(h, "deadline");

	if (state == NULL || strcmp(state, "awaiting") != 0)
		return state ? state : "unknown";
	if (dl != NULL && strtoll(dl, NULL, 10) <= now_ms)
		return "overdue";
	return "awaiting";
}

/* A conversation's summary as JSON. */
static cJSON *
conversations_summary(const struct config *cfg, const redisReply *h,
    int64_t now_ms)
{
	const struct config_team	*team;
	const struct calendar		*cal = cfg->promise.calendar;
	cJSON				*j;
	const char			*v;
	char				 buf[64];

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((v = conversations_field(h, "team")) != NULL &&
	    (team = config_team(cfg, v)) != NULL && team->calendar)
		cal = team->calendar;
	cJSON_AddStringToObject(j, "id", conversations_field(h, "id") ?: "");
	cJSON_AddStringToObject(j, "state", conversations_state(h, now_ms));
	cJSON_AddStringToObject(j, "team", conversations_field(h, "team") ?: "");
	v = conversations_field(h, "worker");
	if (v != NULL && v[0] != '\0')
		cJSON_AddStringToObject(j, "worker", v);
	else
		cJSON_AddNullToObject(j, "worker");
	cJSON_AddStringToObject(j, "channel", conversations_field(h, "channel") ?: "");
	if ((v = conversations_field(h, "received_at")) != NULL) {
		api_time(cal, strtoll(v, NULL, 10), buf, sizeof buf);
		cJSON_AddStringToObject(j, "received_at", buf);
	}
	if ((v = conversations_field(h, "deadline")) != NULL) {
		api_time(cal, strtoll(v, NULL, 10), buf, sizeof buf);
		cJSON_AddStringToObject(j, "deadline", buf);
	}
	if ((v = conversations_field(h, "responded_at")) != NULL) {
		api_time(cal, strtoll(v, NULL, 10), buf, sizeof buf);
		cJSON_AddStringToObject(j, "responded_at", buf);
		cJSON_AddStringToObject(j, "responded_by",
		    conversations_field(h, "responded_by") ?: "");
		cJSON_AddStringToObject(j, "how", conversations_field(h, "how") ?: "");
	} else
		cJSON_AddNullToObject(j, "responded_at");
	v = conversations_field(h, "step");
	cJSON_AddNumberToObject(j, "escalation_step", v ? atoi(v) : 0);
	v = conversations_field(h, "urgent");
	cJSON_AddBoolToObject(j, "urgent", v != NULL && strcmp(v, "1") == 0);
	v = conversations_field(h, "contact");
	if (v != NULL && v[0] != '\0')
		cJSON_AddStringToObject(j, "contact", v);
	else
		cJSON_AddNullToObject(j, "contact");
	return j;
}

/* A list request being answered from all partitions. */
struct conversations_list {
	struct api_call	*c;
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
conversations_list_part(struct redisReply *r, const char *err, void *arg)
{
	struct conversations_list	*l = arg;
	cJSON		*c;
	size_t		 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		l->failed = 1;
	else
		for (i = 0; i < r->elements; i++) {
			const redisReply *h = r->element[i];
			const char *team = conversations_field(h, "team");

			if (l->team[0] != '\0' &&
			    (team == NULL || strcmp(team, l->team) != 0))
				continue;
			if (l->state[0] != '\0' &&
			    strcmp(conversations_state(h, l->now_ms), l->state) != 0)
				continue;
			if ((c = conversations_summary(l->c->cfg, h,
			    l->now_ms)) != NULL)
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
conversations_list(struct api_call *c)
{
	struct http_req			*req = c->req;
	struct server			*srv = c->srv;
	struct conversations_list	*l;
	const char			*state, *team;
	int				 p, any = 0;
	state = http_req_query_param(req, "state");
	team = http_req_query_param(req, "team");
	if (state != NULL && strcmp(state, "awaiting") != 0 &&
	    strcmp(state, "overdue") != 0 && strcmp(state, "responded") != 0) {
		http_error(req, 400, "bad request", "state must be awaiting, "
		    "overdue or responded");
		return;
	}
	if (team != NULL && config_team(c->cfg, team) == NULL) {
		http_error(req, 400, "bad request", "no team \"%s\"", team);
		return;
	}
	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->out = cJSON_CreateArray()) == NULL) {
		free(l);
		http_unavailable(req, "out of memory");
		return;
	}
	l->c = c;
	l->req = req;
	l->now_ms = api_now_ms(c);
	snprintf(l->state, sizeof l->state, "%s", state ? state : "");
	snprintf(l->team, sizeof l->team, "%s", team ? team : "");
	/* Without a state, list what is open: awaiting and overdue. */
	l->pending = STORE_PARTITIONS * (state == NULL ? 1 : 1);
	for (p = 0; p < STORE_PARTITIONS; p++) {
		if (store_list(srv->db, p, state && strcmp(state,
		    "responded") == 0 ? "responded" : "awaiting",
		    CONVERSATIONS_LIST_LIMIT, conversations_list_part, l) == -1) {
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

struct conversations_get {
	struct api_call	*c;
	struct http_req	*req;
};

/* A stored event (JSON) with its "at" rendered as RFC 3339. */
static cJSON *
conversations_event(const struct calendar *cal, const char *s)
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
conversations_get_done(struct redisReply *r, const char *err, void *arg)
{
	struct conversations_get			*g = arg;
	const struct config_team	*team;
	const struct calendar		*cal = g->c->cfg->promise.calendar;
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
	if ((v = conversations_field(h, "team")) != NULL &&
	    (team = config_team(g->c->cfg, v)) != NULL && team->calendar)
		cal = team->calendar;
	j = conversations_summary(g->c->cfg, h, api_now_ms(g->c));
	msgs = cJSON_AddArrayToObject(j, "messages");
	events = cJSON_AddArrayToObject(j, "events");
	for (i = 0; i < ev->elements; i++) {
		if ((e = conversations_event(cal, ev->element[i]->str)) == NULL)
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
conversations_get(struct api_call *c)
{
	struct http_req			*req = c->req;
	struct server			*srv = c->srv;
	struct conversations_get	*g;
	const char			*id = api_param(c, 0);
	if (store_id_partition(id) == -1) {
		http_error(req, 404, "not found", "no such conversation");
		return;
	}
	if ((g = calloc(1, sizeof *g)) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	g->c = c;
	g->req = req;
	if (store_get(srv->db, id, conversations_get_done, g) == -1) {
		free(g);
		http_unavailable(req, "storage unavailable");
	}
}

/* The respond script answered. */
static void
conversations_responded_done(struct redisReply *r, const char *err, void *arg)
{
	struct conversations_get	*g = arg;

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
conversations_responded(struct api_call *c)
{
	struct http_req			*req = c->req;
	struct server			*srv = c->srv;
	struct conversations_get	*g;
	const char			*id = api_param(c, 0), *by, *how, *note;
	int				 failed = 0;

	by = api_string(c, "by", 1, &failed);
	how = api_string(c, "how", 1, &failed);
	note = api_string(c, "note", 0, &failed);
	if (failed)
		return;
	if (config_person(c->cfg, by) == NULL) {
		http_error(req, 400, "bad request", "field \"by\": no person "
		    "\"%s\"", by);
		return;
	}
	if (strcmp(how, "phone") != 0 && strcmp(how, "in-person") != 0 &&
	    strcmp(how, "other") != 0) {
		http_error(req, 400, "bad request", "field \"how\" must be "
		    "phone, in-person or other");
		return;
	}
	if (note != NULL && strlen(note) > 2000) {
		http_error(req, 400, "bad request", "field \"note\" is longer "
		    "than 2000 characters");
		return;
	}
	if (store_id_partition(id) == -1) {
		http_error(req, 404, "not found", "no such conversation");
		return;
	}
	if ((g = calloc(1, sizeof *g)) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	g->c = c;
	g->req = req;
	if (store_respond(srv->db, id, by, how, note, c->cfg->retention_meta,
	    conversations_responded_done, g) == -1) {
		free(g);
		http_unavailable(req, "storage unavailable");
	}
}

/* Define the metrics these routes keep. */
static void
conversations_init(void)
{
	metrics_define("replyd_responses_total", METRICS_COUNTER,
	    "Responses recorded, by how they were seen.");
}

static const struct api_route conversations_routes[] = {
	{ HTTP_GET, "/v1/conversations", ROLE_WORKER, API_DB,
	    conversations_list },
	{ HTTP_GET, "/v1/conversations/*", ROLE_WORKER, API_DB,
	    conversations_get },
	{ HTTP_POST, "/v1/conversations/*/responded", ROLE_WORKER,
	    API_BODY | API_DB, conversations_responded },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module conversations_api = {
	.name = "conversations",
	.init = conversations_init,
	.routes = conversations_routes,
};
