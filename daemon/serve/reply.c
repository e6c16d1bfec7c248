/*
 * reply.c: see reply.h.  Both kinds of message go to the young person on
 * the channel the conversation arrived on, through send.c (retries and the
 * per-attempt audit events).  The sender is chosen by reply_sender: the
 * plugin that delivered the conversation's first message if it can send on
 * that channel (an SMS that came by Twilio is answered by Twilio), else
 * the plugin named by alerts.sms or alerts.email.
 *
 * This module never logs or stores the text of a reply or a receipt: the
 * audit trail says who replied, when, on which channel and through which
 * plugin; the text itself stays with the provider.  It records a response
 * only for a reply the provider accepted, never for a receipt.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "serve/api.h"
#include "serve/gen.h"
#include "rules/calendar.h"
#include "conf/config.h"
#include "io/http.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/utf8.h"
#include "io/plugin.h"
#include "rules/deliverytag.h"
#include "rules/receipt.h"
#include "serve/reply.h"
#include "serve/send.h"
#include "serve/server.h"
#include "store/conv.h"
#include "store/store.h"

#define REPLY_MAX_BODY		(16 * 1024)
#define REPLY_MAX_CHARS		1600
/* Few attempts for a reply, so the API answers within seconds. */
#define REPLY_MAX_ATTEMPTS	3
#define REPLY_EMAIL_SUBJECT	"Reply to your message"
#define RECEIPT_EMAIL_SUBJECT	"We have your message"

/* A reply being sent (for the API or a page). */
struct reply {
	struct api_call	*c;
	struct server	*srv;
	reply_done_cb	 done;
	void		*arg;
	char		 id[32];
	char		*by;
	char		*text;
	size_t		 chars;
	char		 channel[16];
	char		 via[128];	/* the channel (plugin) that sent it */
	char		 team[128];
	int		 step;
	int		 attempts;
};

/* Room for a Message-ID with its brackets, and for References. */
#define REPLY_MSGID_MAX		256
#define REPLY_REFS_MAX		(2 * REPLY_MSGID_MAX + 2)

/*
 * A Message-ID as a header may carry it: "<...>", printable ASCII with no
 * space or bracket inside (the brackets are added when the provider gave
 * it without).  -1 when it is not one, so no header is written.
 */
static int
reply_msgid(const char *raw, char *out, size_t len)
{
	const char	*s = raw, *e;
	size_t		 n, i;

	if (s == NULL)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e - s >= 2 && *s == '<' && e[-1] == '>') {
		s++;
		e--;
	}
	n = (size_t)(e - s);
	if (n == 0 || n + 3 > len || memchr(s, '@', n) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f ||
		    s[i] == '<' || s[i] == '>')
			return -1;
	snprintf(out, len, "<%.*s>", (int)n, s);
	return 0;
}

/*
 * Thread an email to the young person's message: In-Reply-To its
 * Message-ID, References what it answered (when known) and its
 * Message-ID.  Empty strings when it had none.
 */
static void
reply_thread(const char *message_id, const char *in_reply_to,
    char irt[REPLY_MSGID_MAX], char refs[REPLY_REFS_MAX])
{
	char	parent[REPLY_MSGID_MAX];

	irt[0] = refs[0] = '\0';
	if (reply_msgid(message_id, irt, REPLY_MSGID_MAX) == -1)
		return;
	if (reply_msgid(in_reply_to, parent, sizeof parent) == 0)
		snprintf(refs, REPLY_REFS_MAX, "%s %s", parent, irt);
	else
		snprintf(refs, REPLY_REFS_MAX, "%s", irt);
}

/* The ids of the young person's latest message with a Message-ID. */
static void
reply_latest_ids(const struct store_conv_full *f, char irt[REPLY_MSGID_MAX],
    char refs[REPLY_REFS_MAX])
{
	cJSON		*e, *meta;
	const char	*type;
	size_t		 i;

	irt[0] = refs[0] = '\0';
	for (i = f->nevents; i > 0; i--) {
		if ((e = cJSON_Parse(f->events[i - 1])) == NULL)
			continue;
		type = cJSON_GetStringValue(cJSON_GetObjectItem(e, "type"));
		meta = cJSON_GetObjectItem(e, "meta");
		if (type != NULL && strcmp(type, "message") == 0 &&
		    cJSON_GetStringValue(cJSON_GetObjectItem(meta,
		    "message_id")) != NULL) {
			reply_thread(cJSON_GetStringValue(cJSON_GetObjectItem(
			    meta, "message_id")), cJSON_GetStringValue(
			    cJSON_GetObjectItem(meta, "in_reply_to")), irt,
			    refs);
			cJSON_Delete(e);
			return;
		}
		cJSON_Delete(e);
	}
}

/* The delivery tag of a message to a young person. */
static const char *
reply_tag(const char *conv, const char *purpose, char *buf, size_t len)
{
	struct deliverytag	dt;

	memset(&dt, 0, sizeof dt);
	snprintf(dt.conv, sizeof dt.conv, "%s", conv);
	snprintf(dt.purpose, sizeof dt.purpose, "%s", purpose);
	return deliverytag_make(&dt, buf, len) == 0 ? buf : NULL;
}

/* Whether a loaded plugin can send on a channel ("sms" or "email"). */
static int
reply_can_send(const struct replyd_host *h, const char *channel)
{
	if (h == NULL || !h->has_sender || h->sender.send == NULL)
		return 0;
	if (strcmp(channel, "sms") == 0)
		return h->sender.sms;
	if (strcmp(channel, "email") == 0)
		return h->sender.email;
	if (strcmp(channel, "whatsapp") == 0)
		return h->sender.size >= offsetof(struct replyd_sender,
		    whatsapp) + sizeof h->sender.whatsapp &&
		    h->sender.whatsapp;
	return 0;
}

/*
 * The address a sender is given for a young person on channel: WhatsApp
 * users as "whatsapp:+44..." (the conversation keeps the E.164 number, so
 * contacts match), everyone else as stored.  malloc'd, or NULL.
 */
static char *
reply_to_address(const char *channel, const char *addr)
{
	char	*to;

	if (strcmp(channel, "whatsapp") != 0)
		return strdup(addr);
	if (asprintf(&to, "whatsapp:%s", addr) == -1)
		return NULL;
	return to;
}

/*
 * The plugin that sends to a young person on channel: the one that
 * delivered the conversation (provider) if it can, else the alerts plugin
 * for that channel; NULL if neither can.
 */
static struct replyd_host *
reply_sender(struct gen *gen, const char *channel, const char *provider)
{
	const struct config	*cfg = gen->cfg;
	struct replyd_host	*h;
	const char		*fallback;

	if (provider != NULL && provider[0] != '\0' &&
	    reply_can_send(h = plugins_find(&gen->plugins, provider), channel))
		return h;
	fallback = strcmp(channel, "email") == 0 ? cfg->alert_email :
	    cfg->alert_sms;
	if (fallback != NULL &&
	    reply_can_send(h = plugins_find(&gen->plugins, fallback), channel))
		return h;
	return NULL;
}

/*
 * The "Re:" subject of a reply, from the first message's subject (email),
 * or NULL for the default subject.  The stored subject is what the young
 * person's mail said, so it is cleaned here whatever it holds (a tab, a
 * control character, Latin-1 bytes stored before text was repaired): a
 * reply must never fail because of it.  Controls are removed, invalid
 * bytes repaired, white space made single; nothing left: the default.
 */
static char *
reply_subject(const struct store_conv_full *f)
{
	const char	*s;
	char		*line, *out;
	size_t		 i, len;

	for (i = 0; i < f->ntexts; i++) {
		if (f->texts[i].n != 1 || (s = f->texts[i].text) == NULL ||
		    f->texts[i].len < 9 || strncmp(s, "Subject: ", 9) != 0)
			continue;
		s += 9;
		len = f->texts[i].len - 9;
		/* The subject's line ends at the first line end. */
		for (i = 0; i < len && s[i] != '\r' && s[i] != '\n'; i++)
			;
		if ((line = utf8_line(s, i)) == NULL || line[0] == '\0') {
			free(line);
			return NULL;
		}
		if (strncasecmp(line, "re:", 3) == 0)
			return line;
		if (asprintf(&out, "Re: %s", line) == -1)
			out = NULL;
		free(line);
		return out;
	}
	return NULL;
}

/*
 * Check a reply's text: valid UTF-8 of 1 to REPLY_MAX_CHARS characters, not
 * only white space, no control characters but tab and line ends.  Returns
 * the number of characters, or 0 with *why set.
 */
size_t
reply_check_text(const char *s, const char **why)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 chars = 0;
	int			 visible = 0, n, i;
	unsigned int		 c;

	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 && *p != '\t' && *p != '\n' &&
			    *p != '\r') {
				*why = "must not contain control characters";
				return 0;
			}
			if (*p == 0x7f) {
				*why = "must not contain control characters";
				return 0;
			}
			if (*p != ' ' && *p != '\t' && *p != '\n' &&
			    *p != '\r')
				visible = 1;
			p++;
			chars++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			n = 1;
			c = *p & 0x1f;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2;
			c = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			c = *p & 0x07;
		} else
			goto bad;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				goto bad;
			c = (c << 6) | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates and beyond U+10FFFF. */
		if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
		    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			goto bad;
		p += n + 1;
		chars++;
		visible = 1;
	}
	if (!visible) {
		*why = "must not be empty";
		return 0;
	}
	if (chars > REPLY_MAX_CHARS) {
		*why = "is longer than 1600 characters";
		return 0;
	}
	return chars;
bad:
	*why = "must be UTF-8";
	return 0;
}

/* Free a reply. */
static void
reply_free(struct reply *r)
{
	free(r->by);
	free(r->text);
	free(r);
}

/* Warn when an audit event was not stored. */
static void
reply_event_done(int failed, void *arg)
{
	if (failed)
		log_warnx("reply: audit event not stored");
}

/* Append the "reply" event to the audit trail: who, how, never the text. */
static void
reply_record(struct reply *r)
{
	cJSON	*j;
	char	*json;

	if ((j = cJSON_CreateObject()) == NULL)
		return;
	cJSON_AddStringToObject(j, "type", "reply");
	cJSON_AddNumberToObject(j, "at", (double)server_time_ms(r->srv));
	cJSON_AddStringToObject(j, "by", r->by);
	cJSON_AddStringToObject(j, "channel", r->channel);
	cJSON_AddStringToObject(j, "via", r->via);
	cJSON_AddNumberToObject(j, "attempts", r->attempts);
	cJSON_AddNumberToObject(j, "chars", (double)r->chars);
	if ((json = cJSON_PrintUnformatted(j)) != NULL &&
	    store_event(r->srv->db, r->id, json, reply_event_done, NULL) == -1)
		log_warnx("reply: %s: audit event not stored", r->id);
	free(json);
	cJSON_Delete(j);
}

/* Tell the caller how it went, and free the reply. */
static void
reply_finish(struct reply *r, enum reply_result res, int status,
    const char *detail)
{
	struct reply_outcome	o;

	memset(&o, 0, sizeof o);
	o.result = res;
	o.id = r->id;
	o.channel = r->channel;
	o.via = r->via;
	o.attempts = r->attempts;
	o.status = status;
	o.detail = detail != NULL ? detail : "";
	r->done(&o, r->arg);
	reply_free(r);
}

/* The response is recorded (or was already). */
static void
reply_recorded(enum store_respond_result res,
    const struct store_responded *info, void *arg)
{
	struct reply	*r = arg;

	if (res == STORE_RESPOND_FAILED) {
		log_warnx("reply: %s: sent by %s but the response was not "
		    "recorded", r->id, r->via);
		reply_finish(r, REPLY_UNRECORDED, 0, NULL);
	} else if (res == STORE_RESPOND_MISSING) {
		reply_finish(r, REPLY_GONE, 0, NULL);
	} else {
		if (res == STORE_RESPOND_OK)
			metrics_inc("replyd_responses_total", "how=\"reply\"");
		/* Ids, team and step only: never who wrote what. */
		log_info("response: conversation %s team %s step %d: a reply "
		    "sent by %s via %s (%d attempts)%s", r->id, r->team,
		    r->step, r->channel, r->via, r->attempts,
		    res == STORE_RESPOND_ALREADY ?
		    "; it already had a response" : "");
		reply_finish(r, res == STORE_RESPOND_OK ? REPLY_RECORDED :
		    REPLY_ALREADY, 0, NULL);
	}
}

/* The send finished: record the response if the provider accepted it. */
static void
reply_sent(const struct send_outcome *o, void *arg)
{
	struct reply	*r = arg;
	struct server	*srv = r->srv;
	char		 detail[384];

	r->attempts = o->attempts;
	if (o->outcome != REPLYD_SENT) {
		metrics_inc("replyd_replies_total", "outcome=\"failed\"");
		if (o->status == 0)
			snprintf(detail, sizeof detail, "no answer from %s: %s",
			    r->via, o->detail && o->detail[0] ? o->detail :
			    "no detail");
		else
			snprintf(detail, sizeof detail, "%s answered %d: %s",
			    r->via, o->status, o->detail && o->detail[0] ?
			    o->detail : "no detail");
		reply_finish(r, o->outcome == REPLYD_PERMANENT ?
		    REPLY_REFUSED : REPLY_UNAVAILABLE, o->status, detail);
		return;
	}
	metrics_inc("replyd_replies_total", "outcome=\"sent\"");
	reply_record(r);
	if (store_respond(srv->db, r->id, r->by, "reply", "",
	    r->c->cfg->retention_meta, reply_recorded, r) == -1)
		reply_recorded(STORE_RESPOND_FAILED, NULL, r);
}

/* The conversation is loaded: choose the sender and send. */
static void
reply_loaded(const struct store_conv_full *f, int failed, void *arg)
{
	struct reply		*r = arg;
	struct server		*srv = r->srv;
	struct replyd_host	*host;
	struct replyd_send	 msg;
	const char		*channel, *addr;
	char			*subject = NULL, *to;
	char			 irt[REPLY_MSGID_MAX], refs[REPLY_REFS_MAX];
	char			 tag[DELIVERYTAG_SIZE];
	int			 attempts;

	if (failed) {
		reply_finish(r, REPLY_STORAGE, 0, "storage unavailable");
		return;
	}
	/* Another team's conversation does not exist for this caller. */
	if (f == NULL || !api_sees(r->c, f->conv.team)) {
		reply_finish(r, REPLY_MISSING, 0, NULL);
		return;
	}
	channel = f->conv.channel;
	addr = f->conv.addr;
	if (channel[0] == '\0' || addr[0] == '\0') {
		reply_finish(r, REPLY_NO_ADDRESS, 0, NULL);
		return;
	}
	snprintf(r->channel, sizeof r->channel, "%s", channel);
	snprintf(r->team, sizeof r->team, "%s", f->conv.team);
	r->step = f->conv.step;
	if ((host = reply_sender(r->c->gen, channel,
	    f->conv.provider)) == NULL) {
		metrics_inc("replyd_replies_total", "outcome=\"no_sender\"");
		reply_finish(r, REPLY_NO_SENDER, 0, NULL);
		return;
	}
	snprintf(r->via, sizeof r->via, "%s", host->name);
	if (strcmp(channel, "email") == 0)
		subject = reply_subject(f);
	if ((to = reply_to_address(channel, addr)) == NULL) {
		free(subject);
		reply_finish(r, REPLY_STORAGE, 0, "out of memory");
		return;
	}
	memset(&msg, 0, sizeof msg);
	msg.size = sizeof msg;
	msg.purpose = REPLYD_SEND_REPLY;
	msg.to = to;
	msg.subject = subject ? subject : REPLY_EMAIL_SUBJECT;
	msg.text = r->text;
	msg.conversation = r->id;
	msg.tag = reply_tag(r->id, "reply", tag, sizeof tag);
	if (strcmp(channel, "email") == 0) {
		/* In the young person's mail client, in their thread. */
		reply_latest_ids(f, irt, refs);
		msg.in_reply_to = irt[0] != '\0' ? irt : NULL;
		msg.references = refs[0] != '\0' ? refs : NULL;
	}
	attempts = r->c->cfg->delivery.max_attempts;
	if (attempts > REPLY_MAX_ATTEMPTS)
		attempts = REPLY_MAX_ATTEMPTS;
	if (send_start(srv, r->c->gen, host, &msg, r->id, attempts,
	    reply_sent, r) == -1)
		reply_finish(r, REPLY_STORAGE, 0, "cannot start the send");
	free(subject);
	free(to);
}

int
reply_send(struct api_call *c, const char *id, const char *by,
    const char *text, size_t chars, reply_done_cb done, void *arg)
{
	struct reply	*r;

	if ((r = calloc(1, sizeof *r)) == NULL ||
	    (r->text = strdup(text)) == NULL || (r->by = strdup(by)) == NULL) {
		if (r != NULL)
			reply_free(r);
		return -1;
	}
	r->c = c;
	r->srv = c->srv;
	r->done = done;
	r->arg = arg;
	r->chars = chars;
	snprintf(r->id, sizeof r->id, "%s", id);
	if (store_id_partition(id) == -1) {
		reply_finish(r, REPLY_MISSING, 0, NULL);
		return 0;
	}
	if (store_conv_get(c->srv->db, id, reply_loaded, r) == -1) {
		reply_free(r);
		return -1;
	}
	return 0;
}

/* The API's reply is done: answer as SPEC section 9 says. */
static void
reply_post_done(const struct reply_outcome *o, void *arg)
{
	struct api_call	*c = arg;
	struct http_req	*req = c->req;
	cJSON		*j;

	switch (o->result) {
	case REPLY_RECORDED:
	case REPLY_ALREADY:
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "state", "responded");
		cJSON_AddNumberToObject(j, "attempts", o->attempts);
		cJSON_AddStringToObject(j, "channel", o->channel);
		cJSON_AddStringToObject(j, "via", o->via);
		http_reply_json(req, 200, j);
		break;
	case REPLY_UNRECORDED:
		http_error(req, 500, "response not recorded", "the reply "
		    "was sent but storage failed: record the response with "
		    "POST /v1/conversations/%s/responded", o->id);
		break;
	case REPLY_GONE:
		http_error(req, 404, "not found", "the reply was sent but "
		    "the conversation no longer exists");
		break;
	case REPLY_REFUSED:
	case REPLY_UNAVAILABLE:
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "error",
		    o->result == REPLY_REFUSED ? "provider refused" :
		    "provider unavailable");
		cJSON_AddStringToObject(j, "detail", o->detail);
		cJSON_AddNumberToObject(j, "status", o->status);
		cJSON_AddNumberToObject(j, "attempts", o->attempts);
		http_reply_json(req, 502, j);
		break;
	case REPLY_MISSING:
		http_error(req, 404, "not found", "no such conversation");
		break;
	case REPLY_NO_ADDRESS:
		http_error(req, 409, "no address", "conversation %s has no "
		    "address to reply to", o->id);
		break;
	case REPLY_NO_SENDER:
		http_error(req, 409, "no sender", "no configured plugin can "
		    "send %s: the conversation's channel cannot send and "
		    "alerts.%s names none that can%s", o->channel,
		    strcmp(o->channel, "email") == 0 ? "email" : "sms",
		    strcmp(o->channel, "whatsapp") == 0 ? " (WhatsApp replies "
		    "need channels.twilio.whatsapp_from)" : "");
		break;
	default:
		http_unavailable(req, o->detail);
		break;
	}
}

/* POST /v1/conversations/{id}/reply {"by": PERSON, "text": "..."} */
static void
reply_post(struct api_call *c)
{
	struct http_req	*req = c->req;
	const char	*id = api_param(c, 0), *by, *text, *why = NULL;
	size_t		 chars = 0;
	int		 failed = 0;

	by = api_by(c, &failed);
	text = api_string(c, "text", 1, &failed);
	if (failed)
		return;
	if ((chars = reply_check_text(text, &why)) == 0) {
		http_error(req, 400, "bad request", "field \"text\" %s", why);
		return;
	}
	if (store_id_partition(id) == -1) {
		http_error(req, 404, "not found", "no such conversation");
		return;
	}
	if (reply_send(c, id, by, text, chars, reply_post_done, c) == -1)
		http_unavailable(req, "storage unavailable");
}

/* Define the metrics of replies and receipts. */
static void
reply_init(void)
{
	metrics_define("replyd_replies_total", METRICS_COUNTER,
	    "Replies to young people through the API, by outcome.");
	metrics_define("replyd_receipts_total", METRICS_COUNTER,
	    "Receipts to young people, by outcome.");
}

static const struct api_route reply_routes[] = {
	{ HTTP_POST, "/v1/conversations/*/reply", ROLE_WORKER,
	    API_BODY | API_DB, reply_post },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module reply_api = {
	.name = "reply",
	.init = reply_init,
	.routes = reply_routes,
};

/* A receipt waiting for its conversation to load. */
struct receipt_job {
	struct server	*srv;
	struct gen	*gen;		/* pinned until the send starts */
	char		 id[32];
	char		*address;
	char		 channel[16];
	int64_t		 deadline_ms;
	char		 team[128];
	char		 irt[REPLY_MSGID_MAX];	/* threading (email) */
	char		 refs[REPLY_REFS_MAX];
};

/* The receipt's send finished (send.c logged and recorded each attempt). */
static void
reply_receipt_sent(const struct send_outcome *o, void *arg)
{
	metrics_inc("replyd_receipts_total", o->outcome == REPLYD_SENT ?
	    "outcome=\"sent\"" : "outcome=\"failed\"");
}

/* The receipt's text: the template, the deadline in words, out of hours. */
static char *
reply_receipt_text(const struct config *cfg, const struct calendar *cal,
    int64_t arrival_ms, int64_t deadline_ms)
{
	struct tm	now, dl;
	char		words[RECEIPT_WORDS_SIZE];
	int64_t		arrival = arrival_ms / 1000;
	int64_t		deadline = (deadline_ms + 999) / 1000;

	if (calendar_local(cal, arrival, &now) == -1 ||
	    calendar_local(cal, deadline, &dl) == -1 ||
	    receipt_deadline_words(&dl, &now, words, sizeof words) == -1)
		return NULL;
	return receipt_text(cfg->receipt.text, words,
	    calendar_is_open(cal, arrival) ? NULL : cfg->receipt.out_of_hours);
}

/* The conversation is loaded: compose the receipt and send it. */
static void
reply_receipt_loaded(const struct store_conv *conv, int failed, void *arg)
{
	struct receipt_job		*job = arg;
	struct server			*srv = job->srv;
	const struct config		*cfg = job->gen->cfg;
	const struct config_team	*team;
	const struct calendar		*cal = cfg->promise.calendar;
	struct replyd_host		*host;
	struct replyd_send		 msg;
	char				*text = NULL, *to = NULL;
	char				 tag[DELIVERYTAG_SIZE];
	int64_t				 arrival_ms;

	if (conv == NULL) {
		log_warnx("receipt: %s: conversation not loaded (%s): no "
		    "receipt", job->id, failed ? "storage failed" : "missing");
		metrics_inc("replyd_receipts_total", "outcome=\"failed\"");
		goto out;
	}
	if ((host = reply_sender(job->gen, job->channel,
	    conv->provider)) == NULL) {
		log_warnx("receipt: %s: no plugin can send %s (set alerts.%s): "
		    "no receipt", job->id, job->channel, job->channel);
		metrics_inc("replyd_receipts_total", "outcome=\"no_sender\"");
		goto out;
	}
	if ((team = config_team(cfg, job->team)) != NULL &&
	    team->calendar != NULL)
		cal = team->calendar;
	arrival_ms = conv->received_ms > 0 ? conv->received_ms :
	    server_time_ms(srv);
	if (cal == NULL || (text = reply_receipt_text(cfg, cal, arrival_ms,
	    job->deadline_ms)) == NULL) {
		log_warnx("receipt: %s: the deadline cannot be put in words: "
		    "no receipt", job->id);
		metrics_inc("replyd_receipts_total", "outcome=\"failed\"");
		goto out;
	}
	if ((to = reply_to_address(job->channel, job->address)) == NULL) {
		log_warnx("receipt: %s: out of memory: no receipt", job->id);
		metrics_inc("replyd_receipts_total", "outcome=\"failed\"");
		goto out;
	}
	memset(&msg, 0, sizeof msg);
	msg.size = sizeof msg;
	msg.purpose = REPLYD_SEND_RECEIPT;
	msg.to = to;
	msg.subject = RECEIPT_EMAIL_SUBJECT;
	msg.text = text;
	msg.conversation = job->id;
	msg.tag = reply_tag(job->id, "receipt", tag, sizeof tag);
	msg.in_reply_to = job->irt[0] != '\0' ? job->irt : NULL;
	msg.references = job->refs[0] != '\0' ? job->refs : NULL;
	if (send_start(srv, job->gen, host, &msg, job->id,
	    cfg->delivery.max_attempts, reply_receipt_sent, NULL) == -1) {
		log_warnx("receipt: %s: cannot start the send", job->id);
		metrics_inc("replyd_receipts_total", "outcome=\"failed\"");
	}
out:
	free(text);
	free(to);
	gen_unref(job->gen);
	free(job->address);
	free(job);
}

/* After a message was stored: send the receipt if one is due. */
void
reply_receipt(struct server *srv, struct gen *gen,
    const struct store_ingested *res, const char *address,
    const char *channel, const char *message_id, const char *in_reply_to)
{
	const struct config	*cfg = gen->cfg;
	struct receipt_job	*job;

	/* Only the first message of a conversation gets one. */
	if (res->result != STORE_OPENED || !cfg->receipt.enabled ||
	    cfg->receipt.text == NULL)
		return;
	if (!res->receipt) {
		log_debug("receipt: %s: the contact has receipts off", res->id);
		metrics_inc("replyd_receipts_total", "outcome=\"opted_out\"");
		return;
	}
	if (address == NULL || address[0] == '\0' || channel == NULL ||
	    srv->db == NULL)
		return;
	if ((job = calloc(1, sizeof *job)) == NULL ||
	    (job->address = strdup(address)) == NULL) {
		free(job);
		log_warnx("receipt: %s: out of memory: no receipt", res->id);
		return;
	}
	job->srv = srv;
	job->gen = gen_ref(gen);
	job->deadline_ms = res->deadline_ms;
	snprintf(job->id, sizeof job->id, "%s", res->id);
	snprintf(job->channel, sizeof job->channel, "%s", channel);
	snprintf(job->team, sizeof job->team, "%s", res->team);
	if (strcmp(channel, "email") == 0)
		reply_thread(message_id, in_reply_to, job->irt, job->refs);
	if (store_conv_load(srv->db, job->id, reply_receipt_loaded,
	    job) == -1) {
		log_warnx("receipt: %s: storage unavailable: no receipt",
		    job->id);
		metrics_inc("replyd_receipts_total", "outcome=\"failed\"");
		gen_unref(job->gen);
		free(job->address);
		free(job);
	}
}
