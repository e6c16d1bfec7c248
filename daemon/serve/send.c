/*
 * send.c: see send.h.  A send owns a deep copy of its message, so callers
 * may free theirs at once.  Retries wait on a libevent timer; nothing
 * blocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "conf/config.h"
#include "base/log.h"
#include "base/mask.h"
#include "base/metrics.h"
#include "io/plugin.h"
#include "rules/backoff.h"
#include "serve/gen.h"
#include "serve/send.h"
#include "serve/server.h"
#include "store/conv.h"

struct send {
	struct send		*next;		/* every send in progress */
	struct server		*srv;
	struct gen		*gen;		/* host belongs to it: pinned */
	struct replyd_host	*host;
	struct replyd_send	 msg;
	char			*strs[14];	/* owned copies of msg's strings */
	char			 conv[32];
	char			 who[MASK_BUFSIZE];
	int			 attempts;
	int			 max_attempts;
	send_done		 done;
	void			*arg;
	struct event		*timer;
	struct send_outcome	 last;
	char			 detail[256];
};

static int	send_count;
static struct send	*send_all;

/* Copy a string into the send (NULL stays NULL). */
static const char *
send_keep(struct send *s, int i, const char *v)
{
	if (v == NULL)
		return NULL;
	s->strs[i] = strdup(v);
	return s->strs[i];
}

/* Free a send. */
static void
send_free(struct send *s)
{
	struct send	**pp;
	size_t		  i;

	for (pp = &send_all; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	for (i = 0; i < sizeof s->strs / sizeof s->strs[0]; i++)
		free(s->strs[i]);
	if (s->timer != NULL)
		event_free(s->timer);
	gen_unref(s->gen);
	free(s);
	send_count--;
}

/* Warn when an attempt could not be recorded. */
static void
send_event_done(int failed, void *arg)
{
	if (failed)
		log_warnx("send: an attempt's audit event was not stored");
}

/* Record one attempt in the conversation's audit trail. */
static void
send_record(struct send *s, const struct replyd_result *r)
{
	static const char	*purposes[] = { "reply", "receipt", "alert" };
	cJSON			*j;
	char			*json;

	if (s->conv[0] == '\0' || s->srv->db == NULL || s->srv->closing)
		return;
	if ((j = cJSON_CreateObject()) == NULL)
		return;
	cJSON_AddStringToObject(j, "type", "send");
	cJSON_AddNumberToObject(j, "at", (double)server_time_ms(s->srv));
	cJSON_AddStringToObject(j, "purpose", purposes[s->msg.purpose]);
	if (s->msg.event != NULL)
		cJSON_AddStringToObject(j, "event", s->msg.event);
	cJSON_AddStringToObject(j, "channel", s->host->name);
	cJSON_AddStringToObject(j, "to", s->who);
	cJSON_AddNumberToObject(j, "attempt", s->attempts);
	cJSON_AddStringToObject(j, "outcome", r->outcome == REPLYD_SENT ?
	    "sent" : r->outcome == REPLYD_RETRY ? "retry" : "failed");
	cJSON_AddNumberToObject(j, "status", r->status);
	if (r->detail != NULL)
		cJSON_AddStringToObject(j, "detail", r->detail);
	if ((json = cJSON_PrintUnformatted(j)) != NULL)
		store_event(s->srv->db, s->conv, json, send_event_done, NULL);
	free(json);
	cJSON_Delete(j);
}

/* Finish: hand the outcome to the caller. */
static void
send_finish(struct send *s)
{
	char	labels[96];

	snprintf(labels, sizeof labels, "channel=\"%s\",outcome=\"%s\"",
	    s->host->name, s->last.outcome == REPLYD_SENT ? "sent" : "failed");
	metrics_inc("replyd_sends_total", labels);
	s->done(&s->last, s->arg);
	send_free(s);
}

static void	send_attempt(struct send *);

/* The plugin answered one attempt. */
static void
send_result(void *arg, const struct replyd_result *r)
{
	struct send	*s = arg;
	struct timeval	 tv;
	int64_t		 ms;

	if (s->srv->closing)
		return;		/* send_shutdown frees it */
	send_record(s, r);
	s->last.outcome = r->outcome;
	s->last.status = r->status;
	s->last.attempts = s->attempts;
	snprintf(s->detail, sizeof s->detail, "%s",
	    r->detail ? r->detail : "");
	s->last.detail = s->detail;
	if (r->outcome != REPLYD_RETRY || s->attempts >= s->max_attempts ||
	    s->srv->draining) {
		if (r->outcome != REPLYD_SENT)
			log_warnx("%s: send to %s failed after %d attempts: "
			    "%d %s", s->host->name, s->who, s->attempts,
			    r->status, s->detail);
		/* Never finish from inside the plugin's call: defer. */
		tv.tv_sec = 0;
		tv.tv_usec = 0;
		s->max_attempts = -1;
		evtimer_add(s->timer, &tv);
		return;
	}
	ms = backoff_ms(s->gen->cfg->delivery.retry_base_ms,
	    s->gen->cfg->delivery.retry_max_ms, s->attempts, r->retry_after,
	    random());
	log_info("%s: send to %s: %d %s; retry %d in %lld ms", s->host->name,
	    s->who, r->status, s->detail, s->attempts + 1, (long long)ms);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(s->timer, &tv);
}

/* Timer: the next attempt, or the deferred finish. */
static void
send_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct send	*s = arg;

	if (s->max_attempts == -1)
		send_finish(s);
	else
		send_attempt(s);
}

/* One attempt through the plugin. */
static void
send_attempt(struct send *s)
{
	s->attempts++;
	s->host->sender.send(s->host->sender.state, &s->msg, send_result, s);
}

/* Start a send. */
int
send_start(struct server *srv, struct gen *gen, struct replyd_host *host,
    const struct replyd_send *msg, const char *conv, int max_attempts,
    send_done done, void *arg)
{
	struct send	*s;
	struct timeval	 tv = { 0, 0 };

	if (host == NULL || !host->has_sender || host->sender.send == NULL)
		return -1;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return -1;
	send_count++;
	s->next = send_all;
	send_all = s;
	s->srv = srv;
	s->gen = gen_ref(gen);
	s->host = host;
	s->msg = *msg;
	s->msg.size = sizeof s->msg;
	s->msg.to = send_keep(s, 0, msg->to);
	s->msg.subject = send_keep(s, 1, msg->subject);
	s->msg.text = send_keep(s, 2, msg->text);
	s->msg.event = send_keep(s, 3, msg->event);
	s->msg.conversation = send_keep(s, 4, msg->conversation);
	s->msg.team = send_keep(s, 5, msg->team);
	s->msg.worker = send_keep(s, 6, msg->worker);
	s->msg.due_at = send_keep(s, 7, msg->due_at);
	s->msg.link = send_keep(s, 8, msg->link);
	s->msg.from = send_keep(s, 9, msg->from);
	s->msg.tag = send_keep(s, 10, msg->tag);
	s->msg.in_reply_to = send_keep(s, 11, msg->in_reply_to);
	s->msg.references = send_keep(s, 12, msg->references);
	snprintf(s->conv, sizeof s->conv, "%s", conv ? conv : "");
	if (msg->to == NULL)
		snprintf(s->who, sizeof s->who, "%s", host->name);
	else if (strchr(msg->to, '@') != NULL)
		mask_email(msg->to, s->who, sizeof s->who);
	else
		mask_phone(msg->to, s->who, sizeof s->who);
	s->max_attempts = max_attempts > 0 ? max_attempts : 1;
	s->done = done;
	s->arg = arg;
	if ((s->timer = evtimer_new(srv->base, send_timer_cb, s)) == NULL) {
		send_free(s);
		return -1;
	}
	/* The first attempt also starts from the loop. */
	evtimer_add(s->timer, &tv);
	return 0;
}

/* Sends in progress. */
int
send_inflight(void)
{
	return send_count;
}

/* At exit: drop sends still waiting to retry, without callbacks. */
void
send_shutdown(void)
{
	while (send_all != NULL)
		send_free(send_all);
}
