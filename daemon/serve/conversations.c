/*
 * conversations.c: the staff API's conversations (SPEC §9): list them by
 * state and team, read one with its messages and audit trail, record a
 * response made outside replyd (a phone call, a visit).  A caller sees
 * only their teams' conversations (SPEC §15): others answer 404 exactly as
 * a missing one does, and lists leave them out.  Every read of a
 * conversation's text is a "viewed" event in its audit trail, stored
 * before the text is returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/cursor.h"
#include "base/log.h"
#include "base/metrics.h"
#include "conf/config.h"
#include "io/http.h"
#include "rules/calendar.h"
#include "store/auth.h"
#include "store/conv.h"
#include "store/store.h"
#include "serve/api.h"
#include "serve/conversations.h"
#include "serve/server.h"

#define CONVERSATIONS_LIST_LIMIT	100	/* default page */
#define CONVERSATIONS_LIST_MAX		1000	/* largest page */
#define CONVERSATIONS_LIST_ROUNDS	16	/* index pages per request */
/* Beyond any time in ms, and exact in a Lua number. */
#define CONVERSATIONS_KEY_MAX		9007199254740991LL

int
conversations_taken(const struct store_conv *c, int64_t now_ms)
{
	return strcmp(c->state, "awaiting") == 0 && c->ack_by[0] != '\0' &&
	    c->ack_until_ms > now_ms;
}

const char *
conversations_state(const struct store_conv *c, int64_t now_ms)
{
	if (strcmp(c->state, "awaiting") != 0)
		return c->state[0] != '\0' ? c->state : "unknown";
	if (conversations_taken(c, now_ms))
		return "acknowledged";
	if (c->deadline_ms > 0 && c->deadline_ms <= now_ms)
		return "overdue";
	return "awaiting";
}

/* The calendar a conversation's times are shown in. */
static const struct calendar *
conversations_calendar(const struct config *cfg, const struct store_conv *c)
{
	return config_team_calendar(cfg, config_team(cfg, c->team));
}

/* A string member, or null when empty. */
static void
conversations_add(cJSON *j, const char *key, const char *v)
{
	if (v != NULL && v[0] != '\0')
		cJSON_AddStringToObject(j, key, v);
	else
		cJSON_AddNullToObject(j, key);
}

/* A conversation's summary as JSON. */
static cJSON *
conversations_summary(const struct config *cfg, const struct store_conv *c,
    int64_t now_ms)
{
	const struct calendar	*cal = conversations_calendar(cfg, c);
	cJSON			*j;
	char			 buf[64];

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(j, "id", c->id);
	cJSON_AddStringToObject(j, "state", conversations_state(c, now_ms));
	cJSON_AddStringToObject(j, "team", c->team);
	conversations_add(j, "worker", c->worker);
	cJSON_AddStringToObject(j, "channel", c->channel);
	if (c->received_ms > 0) {
		api_time(cal, c->received_ms, buf, sizeof buf);
		cJSON_AddStringToObject(j, "received_at", buf);
	}
	if (c->deadline_ms > 0) {
		api_time(cal, c->deadline_ms, buf, sizeof buf);
		cJSON_AddStringToObject(j, "deadline", buf);
	}
	if (c->responded_ms > 0) {
		api_time(cal, c->responded_ms, buf, sizeof buf);
		cJSON_AddStringToObject(j, "responded_at", buf);
		cJSON_AddStringToObject(j, "responded_by", c->responded_by);
		cJSON_AddStringToObject(j, "how", c->how);
	} else
		cJSON_AddNullToObject(j, "responded_at");
	cJSON_AddNumberToObject(j, "escalation_step", c->step);
	/* Who has it (SPEC §9): null unless someone has taken it now. */
	if (conversations_taken(c, now_ms)) {
		cJSON_AddStringToObject(j, "acknowledged_by", c->ack_by);
		api_time(cal, c->ack_until_ms, buf, sizeof buf);
		cJSON_AddStringToObject(j, "acknowledged_until", buf);
	} else {
		cJSON_AddNullToObject(j, "acknowledged_by");
		cJSON_AddNullToObject(j, "acknowledged_until");
	}
	cJSON_AddBoolToObject(j, "urgent", c->urgent);
	conversations_add(j, "contact", c->contact);
	return j;
}

/* A list request: pages of the index are read until the caller's page is
 * full, the index ends, or CONVERSATIONS_LIST_ROUNDS pages were read. */
struct conversations_list {
	struct api_call	*c;
	char		 state[16];
	char		 team[128];
	char		 kind;		/* the cursor's list: 'o' open, 'r' */
	int64_t		 now_ms;
	int64_t		 min_ms, max_ms;
	size_t		 limit;
	int		 rounds;
	cJSON		*json, *out;
};

/* Read the next page of the index after `after` (NULL: the top). */
static int	conversations_list_read(struct conversations_list *,
		    const struct store_page_after *);

/* Finish a list request: answer with the page and its next_cursor. */
static void
conversations_list_answer(struct conversations_list *l,
    const struct store_page_after *next)
{
	char	buf[CURSOR_BUFSIZE];

	if (next != NULL && cursor_encode(l->kind, next->key, next->id, buf,
	    sizeof buf) == 0)
		cJSON_AddStringToObject(l->json, "next_cursor", buf);
	else
		cJSON_AddNullToObject(l->json, "next_cursor");
	http_reply_json(l->c->req, 200, l->json);
	free(l);
}

/* A page of the index was read: keep what the caller may see. */
static void
conversations_list_done(const struct store_conv *convs, size_t n,
    const struct store_page_after *next, int failed, void *arg)
{
	struct conversations_list	*l = arg;
	cJSON				*c;
	size_t				 i;

	if (failed) {
		http_unavailable(l->c->req, "storage unavailable");
		cJSON_Delete(l->json);
		free(l);
		return;
	}
	for (i = 0; i < n; i++) {
		if (l->team[0] != '\0' && strcmp(convs[i].team, l->team) != 0)
			continue;
		if (!api_sees(l->c, convs[i].team))
			continue;
		if (l->state[0] != '\0' && strcmp(conversations_state(&convs[i],
		    l->now_ms), l->state) != 0)
			continue;
		if ((c = conversations_summary(l->c->cfg, &convs[i],
		    l->now_ms)) != NULL)
			cJSON_AddItemToArray(l->out, c);
	}
	/* A filter may leave the page short: read on, a bounded number of
	 * times, so a rare match still answers in bounded time. */
	if (next != NULL && (size_t)cJSON_GetArraySize(l->out) < l->limit &&
	    ++l->rounds < CONVERSATIONS_LIST_ROUNDS) {
		if (conversations_list_read(l, next) == -1) {
			http_unavailable(l->c->req, "storage unavailable");
			cJSON_Delete(l->json);
			free(l);
		}
		return;
	}
	conversations_list_answer(l, next);
}

/* Read the next page of the index. */
static int
conversations_list_read(struct conversations_list *l,
    const struct store_page_after *after)
{
	size_t	have = (size_t)cJSON_GetArraySize(l->out);

	return store_conv_page(l->c->srv->db, l->kind == 'r' ? "responded" :
	    "open", l->min_ms, l->max_ms, after, l->limit - have,
	    conversations_list_done, l);
}

/* GET /v1/conversations?state=S&team=T&limit=N&cursor=C */
static void
conversations_list(struct api_call *c)
{
	struct http_req			*req = c->req;
	struct conversations_list	*l;
	struct store_page_after		 after;
	struct cursor			 cur;
	const char			*state, *team, *limit, *cursor;
	char				*end;
	long				 n = CONVERSATIONS_LIST_LIMIT;
	char				 kind;

	state = http_req_query_param(req, "state");
	team = http_req_query_param(req, "team");
	limit = http_req_query_param(req, "limit");
	cursor = http_req_query_param(req, "cursor");
	if (state != NULL && strcmp(state, "awaiting") != 0 &&
	    strcmp(state, "overdue") != 0 && strcmp(state, "responded") != 0 &&
	    strcmp(state, "acknowledged") != 0) {
		http_error(req, 400, "bad request", "state must be awaiting, "
		    "overdue, acknowledged or responded");
		return;
	}
	if (limit != NULL) {
		n = strtol(limit, &end, 10);
		if (limit[0] < '0' || limit[0] > '9' || *end != '\0' ||
		    n < 1 || n > CONVERSATIONS_LIST_MAX) {
			http_error(req, 400, "bad request", "limit must be a "
			    "number from 1 to %d", CONVERSATIONS_LIST_MAX);
			return;
		}
	}
	kind = state != NULL && strcmp(state, "responded") == 0 ? 'r' : 'o';
	if (cursor != NULL && (cursor_decode(cursor, kind, &cur) == -1 ||
	    strlen(cur.id) >= sizeof after.id)) {
		http_error(req, 400, "bad request", "cursor must be a "
		    "next_cursor this list handed out");
		return;
	}
	if (team != NULL && config_team(c->cfg, team) == NULL) {
		http_error(req, 400, "bad request", "no team \"%s\"", team);
		return;
	}
	if (team != NULL && !api_see(c, team, "no such team"))
		return;
	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->json = cJSON_CreateObject()) == NULL ||
	    (l->out = cJSON_AddArrayToObject(l->json,
	    "conversations")) == NULL) {
		if (l != NULL)
			cJSON_Delete(l->json);
		free(l);
		http_unavailable(req, "out of memory");
		return;
	}
	l->c = c;
	l->now_ms = api_now_ms(c);
	l->kind = kind;
	l->limit = (size_t)n;
	snprintf(l->state, sizeof l->state, "%s", state ? state : "");
	snprintf(l->team, sizeof l->team, "%s", team ? team : "");
	/* The open index is by deadline: overdue and awaiting are ranges of
	 * it; without a state the list is what is open. */
	l->min_ms = -CONVERSATIONS_KEY_MAX;
	l->max_ms = CONVERSATIONS_KEY_MAX;
	if (strcmp(l->state, "overdue") == 0)
		l->max_ms = l->now_ms;
	else if (strcmp(l->state, "awaiting") == 0)
		l->min_ms = l->now_ms + 1;
	if (cursor != NULL) {
		after.key = cur.key;
		memcpy(after.id, cur.id, strlen(cur.id) + 1);
	}
	if (conversations_list_read(l, cursor != NULL ? &after : NULL) == -1) {
		cJSON_Delete(l->json);
		free(l);
		http_unavailable(req, "storage unavailable");
	}
}

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

/* A text of the kind for message n, or NULL when it has expired. */
static const struct store_text *
conversations_text(const struct store_conv_full *f, enum store_text_kind k,
    int n)
{
	size_t	i;

	for (i = 0; i < f->ntexts; i++)
		if (f->texts[i].kind == k && f->texts[i].n == n)
			return &f->texts[i];
	return NULL;
}

/* The "viewed" event of the caller now (JSON, "at" in ms), or NULL. */
static cJSON *
conversations_viewed_event(struct api_call *c, int64_t now)
{
	cJSON		*e;
	const char	*actor;
	int		 service;

	if ((e = cJSON_CreateObject()) == NULL)
		return NULL;
	actor = api_actor(c, &service);
	cJSON_AddStringToObject(e, "type", "viewed");
	cJSON_AddStringToObject(e, "by", actor);
	if (service)
		cJSON_AddBoolToObject(e, "service", 1);
	cJSON_AddNumberToObject(e, "at", (double)now);
	return e;
}

int
conversations_viewed(struct api_call *c, const char *id,
    void (*done)(int failed, void *), void *arg)
{
	cJSON	*e;
	char	*json;
	int	 rc;

	if ((e = conversations_viewed_event(c, api_now_ms(c))) == NULL)
		return -1;
	json = cJSON_PrintUnformatted(e);
	cJSON_Delete(e);
	rc = json != NULL ? store_viewed(c->srv->db, id, json, done, arg) : -1;
	free(json);
	return rc;
}

/* A conversation read, waiting for its "viewed" event to be stored. */
struct conversations_view {
	struct api_call	*c;
	cJSON		*json;
	char		 id[32];
};

/* The "viewed" event is stored: only now is the text returned. */
static void
conversations_view_done(int failed, void *arg)
{
	struct conversations_view	*v = arg;

	if (failed) {
		log_warnx("conversation %s: the read could not be recorded; "
		    "its text was not returned", v->id);
		cJSON_Delete(v->json);
		http_unavailable(v->c->req, "the audit trail is unavailable");
	} else
		http_reply_json(v->c->req, 200, v->json);
	free(v);
}

/* Record that the caller opened the conversation, then answer with it. */
static void
conversations_view(struct api_call *c, const struct calendar *cal,
    const char *id, cJSON *j)
{
	struct conversations_view	*v;
	cJSON				*e, *events;
	char				*json, buf[64];
	int64_t				 now = api_now_ms(c);

	if ((v = calloc(1, sizeof *v)) == NULL ||
	    (e = conversations_viewed_event(c, now)) == NULL) {
		free(v);
		cJSON_Delete(j);
		http_unavailable(c->req, "out of memory");
		return;
	}
	v->c = c;
	v->json = j;
	snprintf(v->id, sizeof v->id, "%s", id);
	json = cJSON_PrintUnformatted(e);
	/* The answer shows this view too, its time as RFC 3339. */
	api_time(cal, now, buf, sizeof buf);
	cJSON_ReplaceItemInObjectCaseSensitive(e, "at",
	    cJSON_CreateString(buf));
	if ((events = cJSON_GetObjectItemCaseSensitive(j, "events")) != NULL)
		cJSON_AddItemToArray(events, e);
	else
		cJSON_Delete(e);
	if (json == NULL || store_viewed(c->srv->db, id, json,
	    conversations_view_done, v) == -1) {
		cJSON_Delete(j);
		free(v);
		http_unavailable(c->req, "storage unavailable");
	}
	free(json);
}

/* The conversation was read. */
static void
conversations_get_done(const struct store_conv_full *f, int failed, void *arg)
{
	struct api_call		*c = arg;
	const struct calendar	*cal;
	const struct store_text	*t;
	cJSON			*j, *msgs, *events, *e, *m, *n;
	const char		*v;
	size_t			 i;

	if (failed) {
		http_unavailable(c->req, "storage unavailable");
		return;
	}
	if (f == NULL) {
		http_error(c->req, 404, "not found", "no such conversation");
		return;
	}
	if (!api_see(c, f->conv.team, "no such conversation"))
		return;
	cal = conversations_calendar(c->cfg, &f->conv);
	j = conversations_summary(c->cfg, &f->conv, api_now_ms(c));
	msgs = cJSON_AddArrayToObject(j, "messages");
	events = cJSON_AddArrayToObject(j, "events");
	for (i = 0; i < f->nevents; i++) {
		if ((e = conversations_event(cal, f->events[i])) == NULL)
			continue;
		cJSON_AddItemToArray(events, e);
		v = cJSON_GetStringValue(cJSON_GetObjectItem(e, "type"));
		if (v != NULL && strcmp(v, "response") == 0 &&
		    (t = conversations_text(f, STORE_TEXT_RESPONSE, 0)) != NULL)
			/* An observed staff email's words, while kept. */
			cJSON_AddItemToObject(e, "text",
			    cJSON_CreateString(t->text));
		if (v == NULL || strcmp(v, "message") != 0)
			continue;
		/* A message: its metadata, and its text until it expires. */
		m = cJSON_Duplicate(e, 1);
		cJSON_DeleteItemFromObject(m, "type");
		n = cJSON_GetObjectItem(e, "n");
		if (cJSON_IsNumber(n) && (t = conversations_text(f,
		    STORE_TEXT_MESSAGE, n->valueint)) != NULL)
			cJSON_AddItemToObject(m, "text",
			    cJSON_CreateString(t->text));
		else
			cJSON_AddNullToObject(m, "text");
		/* MMS: the provider's media links, kept as long as the text. */
		if (cJSON_IsNumber(n) && (t = conversations_text(f,
		    STORE_TEXT_MEDIA, n->valueint)) != NULL)
			cJSON_AddItemToObject(m, "media", cJSON_Parse(t->text));
		cJSON_AddItemToArray(msgs, m);
	}
	conversations_view(c, cal, f->conv.id, j);
}

/* GET /v1/conversations/{id} */
static void
conversations_get(struct api_call *c)
{
	const char	*id = api_param(c, 0);

	if (store_id_partition(id) == -1) {
		http_error(c->req, 404, "not found", "no such conversation");
		return;
	}
	if (store_conv_get(c->srv->db, id, conversations_get_done, c) == -1)
		http_unavailable(c->req, "storage unavailable");
}

/* A recorded response waiting for its conversation's team. */
struct conversations_resp {
	struct api_call		*c;
	store_respond_cb	 done;
	void			*arg;
	char			 id[32];
	char			 by[128];
	char			 how[16];
	char			*note;
};

/* The response was recorded (or not): log it, tell the caller. */
static void
conversations_record_done(enum store_respond_result res,
    const struct store_responded *info, void *arg)
{
	struct conversations_resp	*r = arg;

	if (res == STORE_RESPOND_OK) {
		metrics_inc("replyd_responses_total", "how=\"recorded\"");
		log_info("response: conversation %s team %s step %d: a contact "
		    "recorded (%s)", r->id, info->team, info->step, r->how);
	}
	r->done(res, info, r->arg);
	free(r->note);
	free(r);
}

/* The conversation is loaded: record the response if it is theirs. */
static void
conversations_record_conv(const struct store_conv *conv, int failed,
    void *arg)
{
	struct conversations_resp	*r = arg;
	struct api_call			*c = r->c;
	enum store_respond_result	 res;

	if (failed)
		res = STORE_RESPOND_FAILED;
	else if (conv == NULL || !api_sees(c, conv->team))
		res = STORE_RESPOND_MISSING;	/* another team's: missing */
	else if (store_respond(c->srv->db, r->id, r->by, r->how, r->note,
	    c->cfg->retention_meta, conversations_record_done, r) == 0)
		return;
	else
		res = STORE_RESPOND_FAILED;
	r->done(res, NULL, r->arg);
	free(r->note);
	free(r);
}

int
conversations_record(struct api_call *c, const char *id, const char *by,
    const char *how, const char *note, store_respond_cb done, void *arg)
{
	struct conversations_resp	*r;

	if ((r = calloc(1, sizeof *r)) == NULL ||
	    (note != NULL && (r->note = strdup(note)) == NULL)) {
		free(r);
		return -1;
	}
	r->c = c;
	r->done = done;
	r->arg = arg;
	snprintf(r->id, sizeof r->id, "%s", id);
	snprintf(r->by, sizeof r->by, "%s", by);
	snprintf(r->how, sizeof r->how, "%s", how);
	if (store_conv_load(c->srv->db, id, conversations_record_conv,
	    r) == -1) {
		free(r->note);
		free(r);
		return -1;
	}
	return 0;
}

/* The API's response was recorded (or not): answer. */
static void
conversations_responded_done(enum store_respond_result res,
    const struct store_responded *info, void *arg)
{
	struct api_call	*c = arg;

	switch (res) {
	case STORE_RESPOND_MISSING:
		http_error(c->req, 404, "not found", "no such conversation");
		break;
	case STORE_RESPOND_ALREADY:
		http_error(c->req, 409, "conflict", "this conversation already "
		    "has a response");
		break;
	case STORE_RESPOND_OK:
		http_reply(c->req, 200, "application/json",
		    "{\"state\":\"responded\"}", 21);
		break;
	default:
		http_unavailable(c->req, "storage unavailable");
		break;
	}
}

/* POST /v1/conversations/{id}/responded {"by", "how", "note"} */
static void
conversations_responded(struct api_call *c)
{
	struct http_req	*req = c->req;
	const char	*id = api_param(c, 0), *by, *how, *note;
	int		 failed = 0;

	by = api_by(c, &failed);
	how = api_string(c, "how", 1, &failed);
	note = api_string(c, "note", 0, &failed);
	if (failed)
		return;
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
	if (conversations_record(c, id, by, how, note,
	    conversations_responded_done, c) == -1)
		http_unavailable(req, "storage unavailable");
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
