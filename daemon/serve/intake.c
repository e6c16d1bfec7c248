/*
 * intake.c: inbound deliveries.  Routes /webhooks/... to the plugin of the
 * request's configuration generation, and turns an authenticated provider
 * delivery into a stored message.  Order matters for "nothing lost": the provider hears success
 * only after the ingest script's reply; if Redis is unreachable or slow it
 * hears 503 and retries, and the dedupe key makes the retry harmless.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "base/address.h"
#include "base/log.h"
#include "base/mask.h"
#include "base/metrics.h"
#include "base/phone.h"
#include "base/utf8.h"
#include "conf/config.h"
#include "io/db.h"
#include "io/http.h"
#include "io/plugin.h"
#include "rules/deliverytag.h"
#include "rules/staffauth.h"
#include "rules/urgent.h"
#include "store/conv.h"
#include "store/store.h"
#include "serve/dutytext.h"
#include "serve/escalate.h"
#include "serve/gen.h"
#include "serve/intake.h"
#include "serve/reply.h"
#include "serve/server.h"

#define WEBHOOK_DEDUPE_TTL	(35 * 86400)	/* longer than any retry */
#define WHATSAPP_PREFIX		"whatsapp:"
/* An address replyd cannot read is kept as given, up to this many bytes. */
#define ADDRESS_AS_GIVEN_MAX	254
/* MMS: at most this many media links are kept per message. */
#define MEDIA_MAX		10
#define MEDIA_URL_MAX		1024
/* A backfilled staff text older than this is noted, never acted on. */
#define STAFF_TEXT_LATE		(15 * 60)

/* Whether a plugin's struct replyd_message is long enough to hold f. */
#define MESSAGE_HAS(m, f) ((m)->size >= offsetof(struct replyd_message, f) + \
	sizeof((m)->f))

/* What a delivery arrived at: the plugin and webhook of its generation. */
struct intake_route {
	struct server			*srv;
	struct gen			*gen;	/* pinned by the HTTP request */
	struct replyd_host		*host;
	const struct replyd_webhook	*wh;
};

struct replyd_request {
	struct http_req		*http;
	struct intake_route	 route[1];
	char			 masked[MASK_BUFSIZE];
	struct store_message	 sm;		/* while a replay check runs */
	struct store_team_deadline *td;
	char			*meta, *text, *provider_id, *addr;
	char			*replay_key;
	char			 channel[16];	/* sms, whatsapp, email */
	int			 unverified;	/* a staff From not authenticated */
	char			 auth[64];	/* what the provider said, for the log */
	char			*message_id;	/* email: for the receipt's thread */
	char			*in_reply_to;
	/* A delivery without an HTTP request (a backfill): the status the
	 * provider would have had, and whether it was stored before. */
	intake_done_cb		 done;
	void			*done_arg;
	int			 duplicate;
	/* A delivery receipt being recorded. */
	char			*dlr_json;
	struct deliverytag	 dlr_tag;
	char			 dlr_status[32];
	char			 dlr_why[96];
	/* A message a plugin submitted (no HTTP request): who hears. */
	replyd_submit_done	 submit_done;
	void			*submit_arg;
	struct replyd_submitted	 submitted;	/* its outcome */
	int			 submitting;	/* inside api->submit still */
	char			 conv[64];
	char			 detail[128];
};

/* Free what a request kept for a deferred store. */
static void
intake_req_free(struct replyd_request *req)
{
	if (req->submit_done != NULL)
		gen_unref(req->route->gen);
	free(req->td);
	free(req->meta);
	free(req->text);
	free(req->provider_id);
	free(req->addr);
	free(req->replay_key);
	free(req->message_id);
	free(req->in_reply_to);
	free(req->dlr_json);
	free(req);
}

/* A submitted message's outcome: tell the plugin (later, if it is still
 * inside api->submit) and free the request. */
static void
intake_submit_answer(struct replyd_request *req, int status,
    const char *detail)
{
	req->submitted.size = sizeof req->submitted;
	req->submitted.status = status;
	req->submitted.conversation = req->conv[0] != '\0' ? req->conv :
	    NULL;
	snprintf(req->detail, sizeof req->detail, "%s", detail ? detail : "");
	req->submitted.detail = detail != NULL ? req->detail : NULL;
	if (req->submitting)
		return;		/* intake_submit tells it from the loop */
	req->submit_done(req->submit_arg, &req->submitted);
	intake_req_free(req);
}

static int	intake_direct(struct replyd_request *, int);

/* 503 to the provider (or the submitting plugin): retry later. */
static void
intake_unavailable(struct replyd_request *req, const char *detail)
{
	if (req->submit_done != NULL) {
		intake_submit_answer(req, 503, detail);
		return;
	}
	if (intake_direct(req, 503))
		return;
	http_unavailable(req->http, detail);
	intake_req_free(req);
}

/*
 * A delivery that came without an HTTP request is answered through its
 * callback: a plugin's submit, or a backfill; 1 when it was one (and is
 * answered and freed).
 */
static int
intake_direct(struct replyd_request *req, int status)
{
	if (req->http != NULL)
		return 0;
	if (req->submit_done != NULL) {
		intake_submit_answer(req, status, NULL);
		return 1;
	}
	if (req->done != NULL)
		req->done(req->done_arg, status, req->duplicate);
	intake_req_free(req);
	return 1;
}

/* Answer a webhook from the route's plugin (kept across the store). */
static void
intake_reply_ok(struct replyd_request *req)
{
	const struct replyd_webhook	*wh = req->route->wh;

	if (intake_direct(req, 200))
		return;
	http_reply(req->http, wh->ok_status ? wh->ok_status : 200,
	    wh->ok_type ? wh->ok_type : "application/json",
	    wh->ok_body ? wh->ok_body : "{}",
	    wh->ok_body ? strlen(wh->ok_body) : 2);
	intake_req_free(req);
}

/* The webhook of gen registered at path, or NULL. */
static const struct replyd_webhook *
intake_find(struct gen *gen, const char *path, struct replyd_host **hostp)
{
	struct replyd_host	*h;
	size_t			 i, j;

	for (i = 0; gen != NULL && i < gen->plugins.n; i++) {
		h = gen->plugins.hosts[i];
		for (j = 0; j < h->nwebhooks; j++)
			if (strcmp(h->webhooks[j].path, path) == 0) {
				if (hostp != NULL)
					*hostp = h;
				return &h->webhooks[j];
			}
	}
	return NULL;
}

/* The body limit of a webhook path, decided before the plugin runs. */
static int
intake_limit(const char *path, void *ctx, size_t *max_body, int *too_large)
{
	struct gen			*gen = ctx;
	const struct replyd_webhook	*wh;

	if ((wh = intake_find(gen, path, NULL)) == NULL)
		return -1;
	*max_body = wh->email ? gen->cfg->limits.email_body :
	    gen->cfg->limits.sms_body;
	*too_large = wh->too_large ? wh->too_large : 413;
	return 0;
}

/* Every webhook request: hand it to its plugin. */
static void
intake_handle(struct http_req *hr, void *arg)
{
	struct replyd_request	*req;
	struct replyd_host	*host = NULL;
	struct gen		*gen = http_req_ctx(hr);
	const struct replyd_webhook *wh;

	if ((wh = intake_find(gen, http_req_path(hr), &host)) == NULL) {
		http_error(hr, 404, "not found", "no such path");
		return;
	}
	if ((req = calloc(1, sizeof *req)) == NULL) {
		http_unavailable(hr, "out of memory");
		return;
	}
	req->http = hr;
	req->route->srv = arg;
	req->route->gen = gen;
	req->route->host = host;
	req->route->wh = wh;
	wh->handle(wh->state, req);
}

/* Route /webhooks/...: the running generation's plugins decide. */
void
intake_routes(struct server *srv)
{
	metrics_define("replyd_messages_received_total", METRICS_COUNTER,
	    "Messages from young people stored, by channel.");
	metrics_define("replyd_messages_duplicate_total", METRICS_COUNTER,
	    "Provider deliveries already stored (retries).");
	http_route_limited(srv->http, HTTP_POST, "/webhooks/*", intake_limit,
	    intake_handle, srv);
	http_route_limited(srv->http, HTTP_POST, "/webhooks/*/*",
	    intake_limit, intake_handle, srv);
}

/* The clock plugins see. */
static int64_t
intake_now(void *arg)
{
	return server_time(arg);
}

const char *
intake_req_header(struct replyd_request *req, const char *name)
{
	return http_req_header(req->http, name);
}

const char *
intake_req_body(struct replyd_request *req, size_t *len)
{
	return http_req_body(req->http, len);
}

const char *
intake_req_path(struct replyd_request *req)
{
	return http_req_path(req->http);
}

const char *
intake_req_query(struct replyd_request *req)
{
	return http_req_query(req->http);
}

/* Refuse a delivery without storing anything. */
void
intake_refuse(struct replyd_request *req, int status, const char *reason,
    const char *field, const char *detail)
{
	cJSON	*j;
	char	 labels[96];

	snprintf(labels, sizeof labels, "reason=\"%s\"",
	    reason ? reason : "other");
	metrics_inc("replyd_webhook_rejections_total", labels);
	log_warnx("%s: refused %s: %d %s%s%s%s", req->route->host->name,
	    req->http != NULL ? http_req_path(req->http) : req->submit_done ?
	    "a submitted message" : "a backfilled message", status,
	    reason ? reason : "", field ? " (field " : "", field ? field : "",
	    field ? ")" : "");
	if (status == 503) {
		intake_unavailable(req, detail ? detail : "try again");
		return;
	}
	if (req->submit_done != NULL) {
		char	why[128];

		snprintf(why, sizeof why, "%s%s%s", field ? field : "",
		    field ? ": " : "", detail ? detail : reason ? reason :
		    "refused");
		intake_submit_answer(req, status, why);
		return;
	}
	if (intake_direct(req, status))
		return;
	if ((j = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(j, "error", status == 403 ?
		    "forbidden" : reason ? reason : "refused");
		if (field != NULL)
			cJSON_AddStringToObject(j, "field", field);
		if (detail != NULL)
			cJSON_AddStringToObject(j, "detail", detail);
	}
	http_reply_json(req->http, status, j);
	intake_req_free(req);
}

/* The staff member whose email address this is, or NULL. */
static const struct config_person *
intake_staff(const struct config *cfg, const char *addr)
{
	size_t	i;

	for (i = 0; i < cfg->npeople; i++)
		if (cfg->people[i].email != NULL &&
		    strcasecmp(cfg->people[i].email, addr) == 0)
			return &cfg->people[i];
	return NULL;
}

/* Add a string repaired to valid UTF-8 (JSON must never carry bad bytes). */
static void
intake_meta_string(cJSON *j, const char *key, const char *v)
{
	char	*r;

	if (v == NULL || (r = utf8_repair(v, strlen(v), NULL)) == NULL)
		return;
	cJSON_AddStringToObject(j, key, r);
	free(r);
}

/*
 * The stored message's metadata: no text, no addresses.  unmatched: the
 * sender's address is of a form replyd does not know (kept as given);
 * auth: a staff email the provider did not authenticate, with what it
 * reported.
 */
static char *
intake_meta(const struct replyd_message *m, int unmatched, int auth)
{
	cJSON	*j, *a;
	char	*s;

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	intake_meta_string(j, "message_id", m->message_id);
	intake_meta_string(j, "in_reply_to", m->in_reply_to);
	if (m->attachments > 0) {
		cJSON_AddNumberToObject(j, "attachments", m->attachments);
		intake_meta_string(j, "attachment_names", m->attachment_names);
	}
	if (unmatched)
		cJSON_AddStringToObject(j, "sender", "unrecognised");
	if (auth && (a = cJSON_AddObjectToObject(j, "auth")) != NULL) {
		if (MESSAGE_HAS(m, auth_spf))
			intake_meta_string(a, "spf", m->auth_spf);
		if (MESSAGE_HAS(m, auth_spf_domain))
			intake_meta_string(a, "spf_domain", m->auth_spf_domain);
		if (MESSAGE_HAS(m, auth_dkim_pass))
			intake_meta_string(a, "dkim_pass", m->auth_dkim_pass);
	}
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

/*
 * A sender's address that replyd cannot read, kept as given but safe to
 * store and show: valid UTF-8, no control characters, one line, at most
 * ADDRESS_AS_GIVEN_MAX bytes (cut on a character boundary).  -1 if
 * nothing is left.
 */
static int
intake_as_given(const char *from, char *out, size_t len)
{
	char	*clean;
	size_t	 n;

	if ((clean = utf8_line(from, strlen(from))) == NULL)
		return -1;
	n = strlen(clean);
	if (n > ADDRESS_AS_GIVEN_MAX)
		n = ADDRESS_AS_GIVEN_MAX;
	if (n >= len)
		n = len - 1;
	while (n > 0 && ((unsigned char)clean[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, clean, n);
	out[n] = '\0';
	free(clean);
	return n > 0 ? 0 : -1;
}

/* WAIT answered: a replica has the write, or we say "retry". */
static void
intake_waited(int replicas, void *arg)
{
	struct replyd_request	*req = arg;
	int			 want = req->route->gen->cfg->redis.wait_replicas;

	if (replicas < want) {
		/*
		 * Stored on the master but not yet on a replica: a failover
		 * now could lose it, so the provider must retry.  The retry
		 * is a harmless duplicate if the master survives.
		 */
		log_warnx("%s: message stored but not confirmed by %d "
		    "replica(s) in time: answering 503",
		    req->route->host->name, want);
		metrics_inc("replyd_webhook_rejections_total",
		    "reason=\"not_replicated\"");
		intake_unavailable(req, "not yet replicated");
		return;
	}
	intake_reply_ok(req);
}

/* The store answered: now, and only now, answer the provider. */
static void
intake_stored(const struct store_ingested *res, void *arg)
{
	struct replyd_request	*req = arg;
	const char		*name = req->route->host->name;
	const struct config_redis *rc = &req->route->gen->cfg->redis;

	snprintf(req->conv, sizeof req->conv, "%s", res->id);
	req->submitted.duplicate = res->result == STORE_DUPLICATE;
	switch (res->result) {
	case STORE_FAILED:
		log_warnx("%s: message from %s not stored (%s): answering 503 "
		    "so the provider retries", name, req->masked, res->error);
		metrics_inc("replyd_webhook_rejections_total",
		    "reason=\"store_failed\"");
		intake_unavailable(req, "storage unavailable");
		return;
	case STORE_DUPLICATE:
		log_info("%s: repeat of a stored message (conversation %s)",
		    name, res->id);
		metrics_inc("replyd_messages_duplicate_total", NULL);
		req->duplicate = 1;
		break;
	case STORE_RESPONDED:
		log_info("response: conversation %s team %s step %d: a staff "
		    "email seen by %s", res->id, res->team, res->step, name);
		metrics_inc("replyd_responses_total", "how=\"email\"");
		break;
	case STORE_NO_CONVERSATION:
		if (req->unverified) {
			log_warnx("%s: staff email from %s not authenticated "
			    "by the provider (%s), and no awaiting "
			    "conversation to record it in", name, req->masked,
			    req->auth);
			metrics_inc("replyd_webhook_rejections_total",
			    "reason=\"unverified_staff\"");
			break;
		}
		log_info("%s: staff email from %s with no awaiting "
		    "conversation", name, req->masked);
		break;
	case STORE_UNVERIFIED:
		log_warnx("%s: staff email from %s not authenticated by the "
		    "provider (%s): recorded as unverified_staff_email in "
		    "conversation %s, not as a response; the clock runs on",
		    name, req->masked, req->auth, res->id);
		metrics_inc("replyd_webhook_rejections_total",
		    "reason=\"unverified_staff\"");
		break;
	case STORE_OPENED:
	case STORE_JOINED:
		log_info("%s: message from %s stored in conversation %s (%s) "
		    "for team %s", name, req->masked, res->id,
		    res->result == STORE_OPENED ? "new" : "joined", res->team);
		{
			char labels[48];

			snprintf(labels, sizeof labels, "channel=\"%s\"",
			    req->channel);
			metrics_inc("replyd_messages_received_total", labels);
		}
		reply_receipt(req->route->srv, req->route->gen, res,
		    req->addr, req->channel, req->message_id,
		    req->in_reply_to);
		escalate_after_ingest(req->route->srv, res);
		break;
	}
	if (rc->wait_replicas > 0) {
		if (store_wait(req->route->srv->db, rc->wait_replicas,
		    rc->wait_timeout_ms, intake_waited, req) == 0)
			return;
		intake_waited(-1, req);
		return;
	}
	intake_reply_ok(req);
}

/* The token's owner is known: refuse a reuse, else store. */
static void
intake_replay_done(enum store_claim_result res, void *arg)
{
	struct replyd_request	*req = arg;

	if (res == STORE_CLAIM_FAILED) {
		intake_refuse(req, 503, "unavailable", NULL,
		    "storage unavailable");
		return;
	}
	if (res == STORE_CLAIM_TAKEN) {
		intake_refuse(req, 403, "replay", NULL, "this token was "
		    "already used by another message");
		return;
	}
	if (store_ingest(req->route->srv->db, &req->sm, intake_stored,
	    req) == -1)
		intake_refuse(req, 503, "unavailable", NULL,
		    "storage unavailable");
}

/* Claim a replay token for this message, then store it. */
static void
intake_replay_check(struct replyd_request *req,
    const struct store_message *sm, const struct replyd_message *m)
{
	struct server	*srv = req->route->srv;
	size_t		 i;

	/* Keep copies: the plugin's strings die when accept returns. */
	req->sm = *sm;
	req->provider_id = strdup(sm->provider_id);
	req->meta = sm->meta_json ? strdup(sm->meta_json) : NULL;
	req->text = malloc(sm->text_len + 1);
	req->td = calloc(sm->nteams + 1, sizeof *req->td);
	if (req->provider_id == NULL || req->addr == NULL ||
	    req->text == NULL || req->td == NULL) {
		intake_refuse(req, 503, "unavailable", NULL, "out of memory");
		return;
	}
	memcpy(req->text, sm->text ? sm->text : "", sm->text_len);
	req->text[sm->text_len] = '\0';
	for (i = 0; i < sm->nteams; i++)
		req->td[i] = sm->teams[i];
	req->sm.provider_id = req->provider_id;
	req->sm.address = req->addr;
	req->sm.meta_json = req->meta;
	req->sm.text = req->text;
	req->sm.teams = req->td;
	/* Team ids and names point into the configuration, which outlives us. */
	if (store_claim_token(srv->db, req->route->host->name,
	    m->replay_token, req->provider_id, m->replay_ttl,
	    intake_replay_done, req) == -1)
		intake_refuse(req, 503, "unavailable", NULL,
		    "storage unavailable");
}

/* What plugins are given: libcurl, the clock and the request calls. */
void
intake_env(struct server *srv, struct plugin_env *env)
{
	memset(env, 0, sizeof *env);
	env->fetch = srv->fetch;
	env->now = intake_now;
	env->arg = srv;
	env->req_header = intake_req_header;
	env->req_body = intake_req_body;
	env->req_path = intake_req_path;
	env->req_query = intake_req_query;
	env->accept = intake_accept;
	env->refuse = intake_refuse;
	env->receipt = intake_receipt;
	env->submit = intake_submit;
}

/* Store a message that came by no webhook (a backfill). */
int
intake_store(struct server *srv, struct gen *gen, struct replyd_host *host,
    const struct replyd_message *m, intake_done_cb done, void *arg)
{
	struct replyd_request	*req;

	if ((req = calloc(1, sizeof *req)) == NULL)
		return -1;
	req->route->srv = srv;
	req->route->gen = gen;
	req->route->host = host;
	req->done = done;
	req->done_arg = arg;
	intake_accept(req, m);
	return 0;
}

/* A value from a receipt fit for the log and the record: a short token of
 * letters, digits, '-' and '_', or NULL. */
static const char *
intake_token(const char *s, char *buf, size_t len)
{
	size_t	i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n >= len)
		return NULL;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return NULL;
	memcpy(buf, s, n + 1);
	return buf;
}

/* The receipt is recorded: act on a first failure, answer the provider. */
static void
intake_receipt_done(int recorded, int first_failure, int failed, void *arg)
{
	struct replyd_request	*req = arg;
	struct deliverytag	*t = &req->dlr_tag;
	const char		*name = req->route->host->name;

	if (failed) {
		intake_refuse(req, 503, "unavailable", NULL,
		    "storage unavailable");
		return;
	}
	if (first_failure && strcmp(t->purpose, "alert") == 0 &&
	    t->person[0] != '\0') {
		log_warnx("%s: an alert of conversation %s (step %s) was not "
		    "delivered: %s", name, t->conv, t->kind, req->dlr_why);
		escalate_undelivered(req->route->srv, t->conv, t->kind,
		    t->person, name, strcmp(req->channel, "email") != 0,
		    t->failover, req->dlr_why);
	} else if (first_failure)
		log_warnx("%s: a %s of conversation %s was not delivered: %s",
		    name, t->purpose, t->conv, req->dlr_why);
	intake_reply_ok(req);
}

/* A delivery receipt: record it in the notification log. */
void
intake_receipt(struct replyd_request *req, const struct replyd_receipt *rc)
{
	struct server		*srv = req->route->srv;
	const char		*name = req->route->host->name;
	const char		*status, *code, *delivery;
	struct deliverytag	*t = &req->dlr_tag;
	char			 labels[128], cbuf[32];
	cJSON			*j;
	int			 is_failure;

	if (rc->size < offsetof(struct replyd_receipt, error_code) +
	    sizeof rc->error_code || rc->provider_id == NULL ||
	    rc->provider_id[0] == '\0') {
		intake_refuse(req, 400, "malformed", "message id",
		    "the receipt has no message id");
		return;
	}
	is_failure = rc->delivery == REPLYD_DELIVERY_FAILED;
	delivery = is_failure ? "failed" : rc->delivery ==
	    REPLYD_DELIVERY_DELIVERED ? "delivered" : "pending";
	snprintf(req->channel, sizeof req->channel, "%s", REPLYD_HAS(rc,
	    replyd_receipt, channel) && rc->channel != NULL &&
	    strcmp(rc->channel, "email") == 0 ? "email" : "sms");
	snprintf(labels, sizeof labels, "channel=\"%s\",delivery=\"%s\"",
	    name, delivery);
	metrics_inc("replyd_delivery_receipts_total", labels);
	if ((status = intake_token(rc->status, req->dlr_status,
	    sizeof req->dlr_status)) == NULL)
		status = strcpy(req->dlr_status, delivery);
	code = intake_token(rc->error_code, cbuf, sizeof cbuf);
	snprintf(req->dlr_why, sizeof req->dlr_why, "%s%s%s", status,
	    code ? " " : "", code ? code : "");
	if (rc->tag == NULL || deliverytag_parse(rc->tag, strlen(rc->tag),
	    t) == -1 || t->conv[0] == '\0') {
		/* Not about a conversation (a text to staff), or a tag
		 * replyd never made: nothing to record. */
		if (rc->tag != NULL && t->conv[0] == '\0' &&
		    t->purpose[0] == '\0')
			log_warnx("%s: a delivery receipt with a tag replyd did "
			    "not make: ignored", name);
		intake_reply_ok(req);
		return;
	}
	if (!db_ready(srv->db)) {
		intake_refuse(req, 503, "unavailable", NULL,
		    "storage unavailable");
		return;
	}
	if ((j = cJSON_CreateObject()) == NULL) {
		intake_refuse(req, 503, "unavailable", NULL, "out of memory");
		return;
	}
	cJSON_AddStringToObject(j, "type", "delivery");
	cJSON_AddNumberToObject(j, "at", (double)server_time_ms(srv));
	cJSON_AddStringToObject(j, "channel", name);
	cJSON_AddStringToObject(j, "purpose", t->purpose[0] ? t->purpose :
	    "alert");
	cJSON_AddStringToObject(j, "status", status);
	cJSON_AddStringToObject(j, "delivery", delivery);
	if (code != NULL)
		cJSON_AddStringToObject(j, "error", code);
	if (t->person[0] != '\0')
		cJSON_AddStringToObject(j, "to", t->person);
	if (t->kind[0] != '\0')
		cJSON_AddStringToObject(j, "kind", t->kind);
	if (t->failover)
		cJSON_AddBoolToObject(j, "failover", 1);
	req->dlr_json = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (req->dlr_json == NULL || store_delivery(srv->db, t->conv, name,
	    rc->provider_id, status, is_failure, req->dlr_json,
	    intake_receipt_done, req) == -1)
		intake_refuse(req, 503, "unavailable", NULL,
		    "storage unavailable");
}

/*
 * MMS: the provider's links to the message's media (never the media), as
 * JSON [{"url", "type"}] kept with the text; NULL when there are none.
 * Only http(s) links of one clean line are kept.
 */
static char *
intake_media(const struct replyd_message *m)
{
	cJSON	*list, *e;
	char	*s = NULL, *url, *type;
	size_t	 i, n;

	if (!MESSAGE_HAS(m, nmedia) || m->nmedia == 0 || m->media_urls == NULL)
		return NULL;
	if ((list = cJSON_CreateArray()) == NULL)
		return NULL;
	for (i = n = 0; i < m->nmedia && n < MEDIA_MAX; i++) {
		if (m->media_urls[i] == NULL || strlen(m->media_urls[i]) >
		    MEDIA_URL_MAX || (strncmp(m->media_urls[i], "https://", 8)
		    != 0 && strncmp(m->media_urls[i], "http://", 7) != 0) ||
		    (url = utf8_line(m->media_urls[i],
		    strlen(m->media_urls[i]))) == NULL)
			continue;
		if ((e = cJSON_CreateObject()) != NULL) {
			cJSON_AddStringToObject(e, "url", url);
			type = m->media_types != NULL && m->media_types[i] !=
			    NULL ? utf8_line(m->media_types[i],
			    strlen(m->media_types[i])) : NULL;
			if (type != NULL && type[0] != '\0' &&
			    strlen(type) < 128)
				cJSON_AddStringToObject(e, "type", type);
			free(type);
			cJSON_AddItemToArray(list, e);
			n++;
		}
		free(url);
	}
	if (n > 0)
		s = cJSON_PrintUnformatted(list);
	cJSON_Delete(list);
	return s;
}

/* A staff text is handled: answer the provider. */
static void
intake_staff_done(int failed, void *arg)
{
	struct replyd_request	*req = arg;

	if (failed) {
		intake_refuse(req, 503, "unavailable", NULL,
		    "storage unavailable");
		return;
	}
	intake_reply_ok(req);
}

/* A text from a staff phone: a duty command, never a young person's
 * message (SPEC §17). */
static void
intake_staff_text(struct replyd_request *req, const struct replyd_message *m,
    const struct config_person *staff, const char *phone, int64_t sent)
{
	struct server		*srv = req->route->srv;
	struct dutytext_in	 in;
	char			*text;
	size_t			 len = 0;

	if (!db_ready(srv->db)) {
		intake_refuse(req, 503, "unavailable", NULL,
		    "storage unavailable");
		return;
	}
	if ((text = utf8_repair(m->text, m->text ? m->text_len : 0,
	    &len)) == NULL) {
		intake_refuse(req, 503, "unavailable", NULL, "out of memory");
		return;
	}
	memset(&in, 0, sizeof in);
	in.person = staff->id;
	in.phone = phone;
	in.text = text;
	in.len = len;
	in.provider = req->route->host->name;
	in.provider_id = m->provider_id;
	in.late = sent > 0 && server_time(srv) - sent > STAFF_TEXT_LATE;
	if (dutytext_handle(srv, req->route->gen, &in, intake_staff_done,
	    req) == -1)
		intake_refuse(req, 503, "unavailable", NULL,
		    "storage unavailable");
	free(text);
}

/* Store one delivery, then answer the provider. */
void
intake_accept(struct replyd_request *req, const struct replyd_message *m)
{
	struct server			*srv = req->route->srv;
	const struct config		*cfg = req->route->gen->cfg;
	const struct config_person	*staff = NULL;
	struct store_message		 sm;
	struct store_team_deadline	*td;
	char				 addr[320], to[320], *meta, *media;
	char				*text = NULL, *body = NULL;
	char				*subject = NULL, *pid = NULL;
	const char			*channel, *from;
	int64_t				 now_ms, arrival;
	size_t				 i, body_len = 0, subject_len;
	int				 is_email, rc, unmatched = 0;

	if (m->size < offsetof(struct replyd_message, subject_len) ||
	    m->provider_id == NULL || m->provider_id[0] == '\0') {
		intake_refuse(req, 400, "malformed", "message id",
		    "the delivery has no message id");
		return;
	}
	if (m->from == NULL || m->from[0] == '\0') {
		intake_refuse(req, 400, "malformed", "from",
		    "the sender's address is missing");
		return;
	}
	is_email = m->channel != NULL && strcmp(m->channel, "email") == 0;
	channel = is_email ? "email" : m->channel != NULL &&
	    strcmp(m->channel, "whatsapp") == 0 ? "whatsapp" : "sms";
	snprintf(req->channel, sizeof req->channel, "%s", channel);
	from = m->from;
	if (strcmp(channel, "whatsapp") == 0 &&
	    strncasecmp(from, WHATSAPP_PREFIX, strlen(WHATSAPP_PREFIX)) == 0)
		from += strlen(WHATSAPP_PREFIX);
	if ((is_email ? address_email(from, addr, sizeof addr) :
	    phone_normalise(from, "44", addr, sizeof addr)) == -1) {
		/*
		 * A sender format replyd does not know: the provider signed
		 * it and would not retry a 4xx, so it is stored as given and
		 * the duty worker hears at once that nobody could be matched
		 * (an unknown sender's "waiting" notice).
		 */
		if (intake_as_given(m->from, addr, sizeof addr) == -1) {
			intake_refuse(req, 400, "malformed", "from",
			    "the sender's address is empty");
			return;
		}
		unmatched = 1;
		snprintf(req->masked, sizeof req->masked, "an unrecognised "
		    "%s sender (%zu bytes)", channel, strlen(addr));
	} else if (is_email) {
		mask_email(addr, req->masked, sizeof req->masked);
		if ((staff = intake_staff(cfg, addr)) != NULL) {
			/* A worker's reply copied to us: the young person is "to". */
			if (m->to == NULL || address_email(m->to, to,
			    sizeof to) == -1) {
				intake_refuse(req, 400, "malformed", "to",
				    "a staff email needs the young person's "
				    "address as recipient");
				return;
			}
			/* Only an authenticated From stops the clock. */
			if (!(MESSAGE_HAS(m, auth_dkim_pass) &&
			    staffauth_verified(addr, m->auth_spf,
			    m->auth_spf_domain, m->auth_dkim_pass))) {
				req->unverified = 1;
				snprintf(req->auth, sizeof req->auth,
				    "SPF %.16s, %s", MESSAGE_HAS(m, auth_spf) &&
				    m->auth_spf ? m->auth_spf : "not reported",
				    MESSAGE_HAS(m, auth_dkim_pass) &&
				    m->auth_dkim_pass ? "DKIM pass for "
				    "another domain" : "no DKIM pass");
			}
			memcpy(addr, to, sizeof addr);
		}
	} else {
		mask_phone(addr, req->masked, sizeof req->masked);
		/* Staff texting back (an alert's "1A"): never a message. */
		if ((staff = config_staff_phone(cfg, addr)) != NULL) {
			intake_staff_text(req, m, staff, addr, MESSAGE_HAS(m,
			    received_at) ? m->received_at : 0);
			return;
		}
	}
	if (unmatched)
		log_warnx("%s: the sender's address is of a form replyd does "
		    "not know: storing it as given; the duty worker is told "
		    "at once", req->route->host->name);
	if (!db_ready(srv->db)) {
		intake_refuse(req, 503, "unavailable", NULL,
		    "storage unavailable");
		return;
	}
	if ((req->addr = strdup(addr)) == NULL ||
	    (m->message_id != NULL && (req->message_id =
	    strdup(m->message_id)) == NULL) ||
	    (m->in_reply_to != NULL && (req->in_reply_to =
	    strdup(m->in_reply_to)) == NULL)) {
		intake_refuse(req, 503, "unavailable", NULL, "out of memory");
		return;
	}

	/*
	 * Text is stored and shown whole (SPEC section 5): a NUL or an
	 * invalid sequence becomes U+FFFD before the urgent check sees it,
	 * so what staff read is what was checked.
	 */
	subject_len = m->subject == NULL ? 0 : m->subject_len > 0 ?
	    m->subject_len : strlen(m->subject);
	if ((text = utf8_repair(m->text, m->text ? m->text_len : 0,
	    &body_len)) == NULL ||
	    (pid = utf8_repair(m->provider_id, strlen(m->provider_id),
	    NULL)) == NULL ||
	    (m->subject != NULL && (subject = utf8_line(m->subject,
	    subject_len)) == NULL)) {
		free(text);
		free(pid);
		intake_refuse(req, 503, "unavailable", NULL, "out of memory");
		return;
	}
	now_ms = server_time_ms(srv);
	/* A backfilled message: the promise runs from when it was sent. */
	if (MESSAGE_HAS(m, received_at) && m->received_at > 0 &&
	    m->received_at * 1000 < now_ms)
		now_ms = m->received_at * 1000;
	arrival = (now_ms + 999) / 1000;
	if ((td = calloc(cfg->nteams + 1, sizeof *td)) == NULL) {
		free(text);
		free(pid);
		free(subject);
		intake_refuse(req, 503, "unavailable", NULL, "out of memory");
		return;
	}
	for (i = 0; i < cfg->nteams; i++) {
		int64_t dl = config_deadline(cfg, &cfg->teams[i], arrival);

		td[i].team = cfg->teams[i].id;
		td[i].deadline_ms = dl * 1000;
		td[i].due_ms = config_step_due(&cfg->teams[i], 0, dl) * 1000;
		if (cfg->teams[i].nsteps == 0)
			td[i].due_ms = INT64_MAX / 2;
	}
	meta = intake_meta(m, unmatched, req->unverified);
	media = intake_media(m);
	if (is_email && subject != NULL && subject[0] != '\0') {
		/* The subject is content: it expires with the text. */
		if (asprintf(&body, "Subject: %s\n\n", subject) == -1 ||
		    (body = realloc(body, strlen(body) + body_len + 1)) ==
		    NULL) {
			free(body);
			body = NULL;
		} else {
			size_t h = strlen(body);

			memcpy(body + h, text, body_len + 1);
			body_len += h;
		}
	}
	memset(&sm, 0, sizeof sm);
	sm.provider = req->route->host->name;
	sm.provider_id = pid;
	sm.channel = channel;
	sm.address = addr;
	sm.text = body ? body : text;
	sm.text_len = body ? body_len : strlen(text);
	sm.meta_json = meta;
	sm.default_team = cfg->default_team->id;
	sm.arrival_ms = now_ms;
	sm.urgent = urgent_match(cfg->urgent.keywords,
	    cfg->urgent.nkeywords, text, strlen(text));
	sm.text_ttl = cfg->retention_text;
	sm.dedupe_ttl = WEBHOOK_DEDUPE_TTL;
	sm.meta_ttl = cfg->retention_meta;
	sm.media_json = media;
	sm.teams = td;
	sm.nteams = cfg->nteams;
	sm.response_by = staff ? staff->id : NULL;
	sm.unverified = req->unverified;
	if (m->replay_token != NULL && m->replay_token[0] != '\0') {
		intake_replay_check(req, &sm, m);
		rc = 0;
	} else
		rc = store_ingest(srv->db, &sm, intake_stored, req);
	free(td);
	free(meta);
	free(media);
	free(text);
	free(body);
	free(pid);
	free(subject);
	if (rc == -1)
		intake_refuse(req, 503, "unavailable", NULL,
		    "storage unavailable");
}

/* The loop's turn after api->submit: tell the plugin its outcome. */
static void
intake_submit_later(evutil_socket_t fd, short ev, void *arg)
{
	struct replyd_request	*req = arg;

	req->submit_done(req->submit_arg, &req->submitted);
	intake_req_free(req);
}

/*
 * api->submit: a message a plugin received other than as a webhook
 * request (the sandbox's form) goes through intake_accept like any
 * delivery; its outcome goes to done instead of an HTTP answer.  The
 * host's generation is pinned until then.
 */
int
intake_submit(struct replyd_host *host, const struct replyd_message *m,
    replyd_submit_done done, void *arg)
{
	struct server		*srv;
	struct replyd_request	*req;
	struct timeval		 now = { 0, 0 };

	if (host == NULL || host->set == NULL || host->set->env == NULL ||
	    done == NULL || (req = calloc(1, sizeof *req)) == NULL)
		return -1;
	srv = host->set->env->arg;
	req->route->srv = srv;
	req->route->gen = gen_ref((struct gen *)((char *)host->set -
	    offsetof(struct gen, plugins)));
	req->route->host = host;
	req->submit_done = done;
	req->submit_arg = arg;
	req->submitting = 1;
	intake_accept(req, m);
	if (req->submitted.size == 0) {
		req->submitting = 0;	/* answered later, from a callback */
		return 0;
	}
	/* Answered already (refused, or Redis down): not from inside. */
	req->submitting = 0;
	if (event_base_once(srv->base, -1, EV_TIMEOUT, intake_submit_later,
	    req, &now) == -1) {
		intake_req_free(req);
		return -1;
	}
	return 0;
}
