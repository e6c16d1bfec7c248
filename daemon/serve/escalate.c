/*
 * escalate.c: see escalate.h.  Several replyd instances may run against
 * one Redis: the claim script moves a due item to the stream exactly once,
 * the consumer group hands each stream entry to one instance, and an entry
 * is deleted only after its alerts were delivered (or definitely failed).
 * A crash between claim and acknowledgement leaves the entry pending; an
 * instance takes it over after escalation.claim_idle.  A duplicate alert
 * after a crash is acceptable; a missed one is not.
 *
 * Whether an entry still calls for an alert is decided here, with the
 * conversation loaded: one no longer awaiting, or an escalation step that
 * is not its current step (stale), is dropped; a step paused by an
 * acknowledgement goes back to the due set until the pause ends.  Urgent
 * alerts and waiting notices are not paused.  Redis is reached only
 * through store/esc.h and store/conv.h.
 *
 * Escalation never fails silently: every failed claim, read, takeover,
 * delivery, step advance, deferral or acknowledgement is logged as a
 * warning or error and counted in replyd_escalation_errors_total{stage}.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "rules/alert.h"
#include "rules/calendar.h"
#include "rules/deliverytag.h"
#include "conf/config.h"
#include "io/db.h"
#include "serve/escalate.h"
#include "serve/gen.h"
#include "base/log.h"
#include "base/mask.h"
#include "base/metrics.h"
#include "io/plugin.h"
#include "serve/send.h"
#include "serve/server.h"
#include "store/conv.h"
#include "store/duty.h"
#include "store/esc.h"
#include "store/staff.h"
#include "store/store.h"

#define ESC_TICK_MS		500	/* other instances add due items too */
#define ESC_CLAIM_LIMIT		500
#define ESC_READ_IDLE_MS	200	/* cluster: between empty reads */
#define ESC_READ_COUNT		64
#define ESC_MAX_TARGETS		16
#define ESC_ERRORS		"replyd_escalation_errors_total"
#define ESC_QUIET_MS		10000	/* a failing round: log at most once */

/* A round of commands that keeps failing is logged once per ESC_QUIET_MS
 * (every failure is still counted). */
struct esc_quiet {
	int64_t	 until_ms;
	int	 skipped;
};

struct escalate {
	struct server	*srv;
	struct db	*rdb;		/* blocking stream reads only */
	struct event	*tick_ev;
	struct event	*read_ev;
	struct event	*claim_ev;
	char		 consumer[128];
	int		 reading;
	int		 ticking;
	int		 again;		/* something fell due mid-tick */
	/* A partition's claim for what an ingest made due now: 0 none, 1 in
	 * flight, 2 in flight and another wanted after it. */
	int		 quick[STORE_PARTITIONS];
	int		 groups_ready;
	int		 creating;	/* consumer groups being created */
	int		 inflight;
	int64_t		 next_due;
	struct esc_item	*items;		/* being delivered */
	struct esc_quiet quiet_claim;
	struct esc_quiet quiet_read;
	struct esc_quiet quiet_autoclaim;
	struct esc_quiet quiet_groups;
};

struct esc_item;

struct esc_target {
	struct esc_item		*item;
	struct replyd_host	*hosts[2];	/* first choice, fallback */
	const char		*to[2];
	int			 tried;
	int			 person;	/* a person (not a notifier) */
	int			 code;		/* SMS: "Reply {code}A", or 0 */
	char			 label[128];	/* person or notifier id */
	char			 text[ALERT_TEXT_SIZE];
	char			 tag[DELIVERYTAG_SIZE];
};

struct esc_item {
	struct escalate		*e;
	struct gen		*gen;		/* pinned while delivering */
	struct esc_item		*next;
	int			 p;
	char			 entry[64];	/* stream entry id; "" for a
						   failover (no entry) */
	char			 conv[32];
	char			 kind[16];	/* step number, "w", or "uN" */
	int64_t			 due_ms;
	int64_t			 claimed_ms;
	int			 taken_over;	/* delivered before, maybe in
						   part (XAUTOCLAIM) */
	int			 step;		/* -1 for urgent and waiting */
	int			 conv_step;	/* the conversation's, for logs */
	int			 recomputed;	/* times its deadline moved while
						   being delivered */
	const char		*event;
	char			 team[128];
	char			 worker[128];
	char			 dw[128];	/* the rota in force */
	char			 dm[128];
	int			 in_hours;
	int			 worker_away;	/* urgent: the worker is absent */
	char			 ack_by[128];	/* who took it, or "" */
	int64_t			 ack_at_ms;
	int64_t			 deadline_ms;
	struct esc_target	 targets[ESC_MAX_TARGETS];
	int			 ntargets;
	int			 pending;
	int			 delivered;
	int			 failed;
	struct alert_facts	 facts;
	char			 taken_by[128];
	char			 taken_at[16];
	char			 subject[128];
	char			 due_at[64];
	char			 link[256];
	/* A failover: the alert the network reported failed, again. */
	int			 failover;
	char			 fo_person[128];
	char			 fo_channel[64];	/* the plugin that failed */
	int			 fo_sms;	/* it was a text (else email) */
	int			 fo_again;	/* it was a failover itself */
	char			 fo_why[96];
};

/* Partitions where one round of commands failed, logged together. */
struct esc_fails {
	int	 n;
	int	 p[STORE_PARTITIONS];
	char	 err[STORE_PARTITIONS][160];
};

static void	esc_deliver_entry(struct escalate *,
		    const struct store_esc_entry *);
static void	esc_conv_done(const struct store_conv *, int, void *);
static void	esc_read(struct escalate *);
static void	esc_create_groups(struct escalate *);

/* Arm a timer ms from now. */
static void
esc_arm(struct event *ev, int64_t ms)
{
	struct timeval	tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/* Count one failure of a stage in the metric. */
static void
esc_count(const char *stage)
{
	char	labels[48];

	snprintf(labels, sizeof labels, "stage=\"%s\"", stage);
	metrics_inc(ESC_ERRORS, labels);
}

/* One partition of a round failed: count it now, log with the round. */
static void
esc_fail(struct esc_fails *f, const char *stage, int p, const char *err)
{
	esc_count(stage);
	if (f->n >= STORE_PARTITIONS)
		return;
	f->p[f->n] = p;
	snprintf(f->err[f->n], sizeof f->err[f->n], "%s", err != NULL ? err :
	    "no answer");
	f->n++;
}

/* Whether to log a failure that may repeat; more gets a note of the
 * failures not logged since the last line. */
static int
esc_quiet_ok(struct escalate *e, struct esc_quiet *q, char *more,
    size_t len)
{
	int64_t	now = server_time_ms(e->srv);

	more[0] = '\0';
	if (now < q->until_ms) {
		q->skipped++;
		return 0;
	}
	q->until_ms = now + ESC_QUIET_MS;
	if (q->skipped > 0)
		snprintf(more, len, " (and %d more times since the last "
		    "line)", q->skipped);
	q->skipped = 0;
	return 1;
}

/* Log a round's failures: one line per distinct error, with partitions. */
static void
esc_fails_log(struct escalate *e, struct esc_quiet *q,
    const struct esc_fails *f, const char *what)
{
	char	list[STORE_PARTITIONS * 4], more[96];
	int	done[STORE_PARTITIONS] = { 0 };
	int	i, j, n;
	size_t	off;

	if (f->n == 0 || !esc_quiet_ok(e, q, more, sizeof more))
		return;
	for (i = 0; i < f->n; i++) {
		if (done[i])
			continue;
		list[0] = '\0';
		for (j = i, n = 0, off = 0; j < f->n; j++) {
			if (done[j] || strcmp(f->err[j], f->err[i]) != 0)
				continue;
			done[j] = 1;
			off += (size_t)snprintf(list + off, sizeof list - off,
			    "%s%d", n++ ? "," : "", f->p[j]);
			if (off >= sizeof list)
				off = sizeof list - 1;
		}
		log_warnx("escalation: %s failed in partition%s %s: %s%s", what,
		    n > 1 ? "s" : "", list, f->err[i], more);
		more[0] = '\0';
	}
}

struct esc_tick {
	struct escalate	*e;
	int		 pending;
	int64_t		 next;
	int		 claimed;
	struct esc_fails fails;
};

/* One partition's claim is in: after the last, schedule the next tick. */
static void
esc_tick_release(struct esc_tick *t)
{
	struct escalate	*e = t->e;
	int64_t		 now, wait;

	if (--t->pending > 0)
		return;
	if (e->srv->closing) {
		free(t);
		return;
	}
	e->ticking = 0;
	esc_fails_log(e, &e->quiet_claim, &t->fails, "claiming due items");
	if (t->claimed > 0)
		log_debug("escalation: %d items fell due", t->claimed);
	now = server_time_ms(e->srv);
	wait = ESC_TICK_MS;
	if (t->next >= 0 && t->next - now < wait)
		wait = t->next - now;
	if (e->again)
		wait = 0;
	e->again = 0;
	e->next_due = t->next;
	esc_arm(e->tick_ev, wait);
	free(t);
}

/* One partition's claim answered. */
static void
esc_claim_done(int p, int claimed, int64_t nx, const char *err, void *arg)
{
	struct esc_tick	*t = arg;

	if (!t->e->srv->closing) {
		if (err != NULL)
			esc_fail(&t->fails, "claim", p, err);
		else {
			t->claimed += claimed;
			if (nx >= 0 && (t->next < 0 || nx < t->next))
				t->next = nx;
		}
	}
	esc_tick_release(t);
}

/* A claim of one partition, for something an ingest made due now. */
struct esc_quick {
	struct escalate	*e;
};

static void	esc_quick_done(int, int, int64_t, const char *, void *);

/* Claim partition p for what an ingest made due now; -1 when it could not
 * be sent. */
static int
esc_quick(struct escalate *e, int p)
{
	struct esc_quick	*q;

	if ((q = calloc(1, sizeof *q)) == NULL)
		return -1;
	q->e = e;
	if (store_esc_claim(e->srv->db, p, ESC_CLAIM_LIMIT, esc_quick_done,
	    q) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* The partition's claim answered: what it moved is read from the stream;
 * a tick claims it when the claim failed.  Ingests meanwhile asked for
 * one more claim, not one each. */
static void
esc_quick_done(int p, int claimed, int64_t nx, const char *err, void *arg)
{
	struct esc_quick	*q = arg;
	struct escalate		*e = q->e;

	free(q);
	if (e->srv->closing)
		return;
	if (e->quick[p] == 2 && err == NULL && !e->srv->draining &&
	    esc_quick(e, p) == 0)
		e->quick[p] = 1;
	else
		e->quick[p] = 0;
	if (err != NULL) {
		if (e->ticking)
			e->again = 1;
		else
			esc_arm(e->tick_ev, 0);
		return;
	}
	if (claimed > 0)
		log_debug("escalation: %d items fell due in partition %d",
		    claimed, p);
	/* Something due sooner than the tick knows (rare): tick then. */
	if (nx >= 0 && !e->ticking && (e->next_due < 0 || nx < e->next_due)) {
		e->next_due = nx;
		esc_arm(e->tick_ev, nx - server_time_ms(e->srv) > 0 ?
		    nx - server_time_ms(e->srv) : 0);
	}
}

/* Claim what is due in every partition. */
static void
esc_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct escalate	*e = arg;
	struct esc_tick	*t;
	int		 p;

	if (e->ticking || e->srv->draining)
		return;
	if (!db_ready(e->srv->db) || (t = calloc(1, sizeof *t)) == NULL) {
		esc_arm(e->tick_ev, ESC_TICK_MS);
		return;
	}
	t->e = e;
	t->next = -1;
	e->ticking = 1;
	t->pending = STORE_PARTITIONS + 1;	/* +1: guard until all sent */
	for (p = 0; p < STORE_PARTITIONS; p++)
		if (store_esc_claim(e->srv->db, p, ESC_CLAIM_LIMIT,
		    esc_claim_done, t) == -1) {
			esc_fail(&t->fails, "claim", p, "could not be sent");
			t->pending--;
		}
	esc_tick_release(t);
}

/* XREADGROUP answered: deliver, then read again. */
static void
esc_read_done(const struct store_esc_batch *b, void *arg)
{
	struct escalate	*e = arg;
	char		 more[96];
	size_t		 i;

	e->reading = 0;
	if (e->srv->closing)
		return;
	if (b->err != NULL) {
		esc_count("read");
		if (esc_quiet_ok(e, &e->quiet_read, more, sizeof more))
			log_warnx("escalation: reading the escalation streams "
			    "failed: %s%s%s", b->err, b->nogroup ? "; creating "
			    "the consumer groups again" : "", more);
		if (b->nogroup)
			e->groups_ready = 0;
	}
	for (i = 0; i < b->n; i++)
		esc_deliver_entry(e, &b->entries[i]);
	/*
	 * Read again from the loop, not from inside this callback: at once
	 * (a blocking read waits in Redis), or after a pause when reads do
	 * not block (a cluster node) and this one found nothing.
	 */
	esc_arm(e->read_ev, b->err != NULL ? 200 : b->n > 0 ||
	    !db_cluster(e->rdb) ? 0 : ESC_READ_IDLE_MS);
}

/* Read what is new in every partition's stream. */
static void
esc_read(struct escalate *e)
{
	int	ms;

	if (e->reading || e->srv->draining || !db_ready(e->rdb) ||
	    !e->groups_ready)
		return;
	/* Block for less than the command deadline, or we would time out. */
	ms = e->srv->cfg->redis.timeout_ms / 2;
	if (ms > 1000)
		ms = 1000;
	if (store_esc_read(e->rdb, e->consumer, ESC_READ_COUNT, ms,
	    esc_read_done, e) == 0)
		e->reading = 1;
}

/* Read timer: start a read (or create the groups) if none is running. */
static void
esc_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct escalate	*e = arg;

	if (e->srv->draining)
		return;
	if (!e->groups_ready) {
		if (!e->creating && db_ready(e->rdb))
			esc_create_groups(e);
	} else
		esc_read(e);
	if (!e->reading && !e->creating)
		esc_arm(e->read_ev, e->groups_ready ? 200 : 1000);
}

/* One round of takeovers. */
struct esc_round {
	struct escalate	*e;
	int		 pending;
	struct esc_fails fails;
};

/* One partition's XAUTOCLAIM is in; log the failures after the last. */
static void
esc_round_release(struct esc_round *r)
{
	if (--r->pending > 0)
		return;
	if (!r->e->srv->closing)
		esc_fails_log(r->e, &r->e->quiet_autoclaim, &r->fails,
		    "taking over entries left pending");
	free(r);
}

/* XAUTOCLAIM answered: deliver what was left pending. */
static void
esc_autoclaim_done(const struct store_esc_batch *b, void *arg)
{
	struct esc_round	*r = arg;
	size_t			 i;

	if (!r->e->srv->closing) {
		if (b->err != NULL)
			esc_fail(&r->fails, "autoclaim", b->p, b->err);
		else if (b->n > 0) {
			log_info("escalation: taking over %zu entries of "
			    "partition %d left pending (by another instance, "
			    "or unfinished here)", b->n, b->p);
			for (i = 0; i < b->n; i++)
				esc_deliver_entry(r->e, &b->entries[i]);
		}
	}
	esc_round_release(r);
}

/* An entry being kept ours. */
struct esc_refresh {
	struct escalate	*e;
	int		 p;
	char		 entry[64];
	char		 conv[32];
};

/* XCLAIM of an entry we are delivering answered. */
static void
esc_refreshed(const char *err, void *arg)
{
	struct esc_refresh	*rf = arg;

	if (err != NULL && !rf->e->srv->closing) {
		esc_count("refresh");
		log_warnx("escalation: partition %d conversation %s: keeping "
		    "entry %s claimed failed: %s; another instance may take "
		    "it over (a duplicate alert)", rf->p, rf->conv, rf->entry,
		    err);
	}
	free(rf);
}

/* Audit event stored (or not). */
static void
esc_event_done(int failed, void *arg)
{
	if (failed)
		log_warnx("escalation: an alert's audit event was not stored");
}

/* Free an item (its generation reference with it). */
static void
esc_item_free(struct esc_item *it)
{
	gen_unref(it->gen);
	free(it);
}

/* Take an item off the list and free it. */
static void
esc_item_drop(struct esc_item *it)
{
	struct escalate	*e = it->e;
	struct esc_item	**pp;

	for (pp = &e->items; *pp != NULL; pp = &(*pp)->next)
		if (*pp == it) {
			*pp = it->next;
			break;
		}
	e->inflight--;
	esc_item_free(it);
}

/*
 * A step of delivery failed: forget the item without acknowledging it.
 * The entry stays pending and is taken over (by us or another instance)
 * after escalation.claim_idle, so the alert is late, never lost.
 */
static void
esc_retry(struct esc_item *it, const char *stage, const char *what,
    const char *err)
{
	esc_count(stage);
	log_warnx("escalation: partition %d conversation %s (%s): %s failed: "
	    "%s; the entry stays pending and will be delivered again",
	    it->p, it->conv, it->kind, what, err != NULL ? err : "no answer");
	esc_item_drop(it);
}

/* Periodically: keep our own entries fresh, take over stale ones. */
static void
esc_claim_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct escalate		*e = arg;
	struct esc_item		*it;
	struct esc_refresh	*rf;
	struct esc_round	*r;
	int64_t			 idle_ms = e->srv->cfg->delivery.claim_idle_ms;
	int			 p;

	if (db_ready(e->srv->db) && e->groups_ready && !e->srv->draining) {
		/* Entries we are still delivering must not look abandoned. */
		for (it = e->items; it != NULL; it = it->next) {
			if (it->entry[0] == '\0')
				continue;	/* a failover has none */
			if ((rf = calloc(1, sizeof *rf)) == NULL)
				break;
			rf->e = e;
			rf->p = it->p;
			snprintf(rf->entry, sizeof rf->entry, "%s", it->entry);
			snprintf(rf->conv, sizeof rf->conv, "%s", it->conv);
			if (store_esc_refresh(e->srv->db, it->p, e->consumer,
			    it->entry, esc_refreshed, rf) == -1) {
				esc_refreshed("could not be sent", rf);
				break;
			}
		}
		if ((r = calloc(1, sizeof *r)) != NULL) {
			r->e = e;
			r->pending = STORE_PARTITIONS + 1;	/* guard */
			for (p = 0; p < STORE_PARTITIONS; p++)
				if (store_esc_autoclaim(e->srv->db, p,
				    e->consumer, idle_ms, ESC_READ_COUNT,
				    esc_autoclaim_done, r) == -1) {
					esc_fail(&r->fails, "autoclaim", p,
					    "could not be sent");
					r->pending--;
				}
			esc_round_release(r);
		}
	}
	esc_arm(e->claim_ev, idle_ms / 3 > 0 ? idle_ms / 3 : 1000);
}

/* The entry is acknowledged and deleted (or that failed): forget it. */
static void
esc_acked(const char *err, void *arg)
{
	struct esc_item	*it = arg;

	if (it->e->srv->closing)
		return;	/* escalate_free frees the item */
	if (err != NULL) {
		esc_count("ack");
		log_warnx("escalation: partition %d conversation %s (%s): "
		    "acknowledging entry %s failed: %s; it will be delivered "
		    "again", it->p, it->conv, it->kind, it->entry, err);
	}
	esc_item_drop(it);
}

/* Count a step (or urgent alert, waiting notice) in the metric. */
static void
esc_count_outcome(const struct esc_item *it, int ok)
{
	char	labels[96];

	if (it->step >= 0)
		snprintf(labels, sizeof labels, "level=\"%d\",outcome=\"%s\"",
		    it->step + 1, ok ? "delivered" : "failed");
	else
		snprintf(labels, sizeof labels, "level=\"%s\",outcome=\"%s\"",
		    it->event, ok ? "delivered" : "failed");
	metrics_inc("replyd_escalations_total", labels);
}

/* Store an event of the item's conversation (JSON built by the caller). */
static void
esc_store_event(struct esc_item *it, cJSON *j)
{
	char	*json;

	if (j == NULL)
		return;
	if ((json = cJSON_PrintUnformatted(j)) != NULL)
		store_event(it->e->srv->db, it->conv, json, esc_event_done,
		    NULL);
	free(json);
	cJSON_Delete(j);
}

/* A failover is done: record it; there is no stream entry to settle. */
static void
esc_failover_finish(struct esc_item *it)
{
	cJSON	*j;
	int	 ok = it->delivered > 0;

	if (it->event == NULL) {
		esc_item_drop(it);
		return;
	}
	if ((j = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(j, "type", ok ? "resent" :
		    "step_failed");
		cJSON_AddStringToObject(j, "event", it->event);
		cJSON_AddNumberToObject(j, "at",
		    (double)server_time_ms(it->e->srv));
		cJSON_AddNumberToObject(j, "step", it->step + 1);
		cJSON_AddStringToObject(j, "to", it->fo_person);
		cJSON_AddStringToObject(j, "reason", "undelivered");
		cJSON_AddStringToObject(j, "failed_channel", it->fo_channel);
		cJSON_AddStringToObject(j, "detail", it->fo_why);
	}
	esc_store_event(it, j);
	if (ok)
		log_info("escalation: conversation %s team %s step %d: the "
		    "%s alert was not delivered (%s); sent again on another "
		    "channel", it->conv, it->team, it->step >= 0 ?
		    it->step + 1 : it->conv_step, it->fo_channel, it->fo_why);
	else {
		esc_count_outcome(it, 0);
		esc_count("deliver");
		log_error("escalation: conversation %s team %s step %d: the "
		    "%s alert was not delivered (%s) and no other channel "
		    "reached the person: the step failed", it->conv, it->team,
		    it->step >= 0 ? it->step + 1 : it->conv_step,
		    it->fo_channel, it->fo_why);
	}
	esc_item_drop(it);
}

/* Done with an item: record the outcome, acknowledge its stream entry. */
static void
esc_finish(struct esc_item *it)
{
	struct escalate	*e = it->e;
	cJSON		*j;
	int		 ok = it->delivered > 0;

	if (it->failover) {
		esc_failover_finish(it);
		return;
	}
	if (it->event != NULL) {
		esc_count_outcome(it, ok);
		if (!ok) {
			esc_count("deliver");
			log_error("escalation: %s %s of conversation %s: no "
			    "target could be reached (%d failed)", it->event,
			    it->kind, it->conv, it->failed);
		}
		/* One line per alert fired: ids, team and step only. */
		if (it->step >= 0)
			log_info("escalation: conversation %s team %s step %d "
			    "fired: %d of %d targets alerted", it->conv,
			    it->team, it->step + 1, it->delivered,
			    it->delivered + it->failed);
		else if (strcmp(it->event, "urgent") == 0)
			log_info("urgent alert: conversation %s team %s step "
			    "%d (%s): %d of %d targets alerted", it->conv,
			    it->team, it->conv_step, it->in_hours ?
			    "in hours" : "out of hours", it->delivered,
			    it->delivered + it->failed);
		else
			log_info("waiting notice: conversation %s team %s step "
			    "%d: %s", it->conv, it->team, it->conv_step,
			    ok ? "the duty worker was alerted" :
			    "nobody could be alerted");
		if ((j = cJSON_CreateObject()) != NULL) {
			cJSON_AddStringToObject(j, "type", ok ? it->event :
			    "step_failed");
			cJSON_AddStringToObject(j, "event", it->event);
			cJSON_AddNumberToObject(j, "at",
			    (double)server_time_ms(e->srv));
			cJSON_AddNumberToObject(j, "step", it->step + 1);
			cJSON_AddNumberToObject(j, "delivered", it->delivered);
			cJSON_AddNumberToObject(j, "failed", it->failed);
			cJSON_AddNumberToObject(j, "lateness_ms",
			    (double)(it->claimed_ms - it->due_ms));
		}
		esc_store_event(it, j);
	}
	/* The item stays in flight (and ours) until Redis has answered. */
	if (store_esc_ack(e->srv->db, it->p, it->entry, esc_acked, it) == -1)
		esc_acked("Redis unavailable", it);
}

static void	esc_target_try(struct esc_target *, int);

/* One target is done (alerted, or every channel failed). */
static void
esc_target_done(struct esc_target *t, int ok)
{
	struct esc_item	*it = t->item;

	if (ok)
		it->delivered++;
	else
		it->failed++;
	if (--it->pending == 0)
		esc_finish(it);
}

/* A channel of a target failed: try its other one, or give up. */
static void
esc_target_next(struct esc_target *t)
{
	if (t->tried == 0 && t->hosts[1] != NULL) {
		/* A person's first channel failed: try the other. */
		t->tried = 1;
		esc_target_try(t, 1);
		return;
	}
	esc_target_done(t, 0);
}

/* One target's send finished. */
static void
esc_sent(const struct send_outcome *o, void *arg)
{
	struct esc_target	*t = arg;

	if (t->item->e->srv->closing)
		return;	/* escalate_free frees the item */
	if (o->outcome == REPLYD_SENT)
		esc_target_done(t, 1);
	else
		esc_target_next(t);
}

/* Whether host is the channel that texts people (alerts.sms). */
static int
esc_is_sms(const struct esc_item *it, const struct replyd_host *host)
{
	const char	*sms = it->gen->cfg->alert_sms;

	return host != NULL && sms != NULL && strcmp(host->name, sms) == 0;
}

/* Send the target's text through its channel i. */
static void
esc_target_send(struct esc_target *t, int i)
{
	struct esc_item		*it = t->item;
	struct server		*srv = it->e->srv;
	const struct config	*cfg = it->gen->cfg;
	struct replyd_send	 msg;
	struct deliverytag	 dt;

	memset(&msg, 0, sizeof msg);
	msg.size = sizeof msg;
	msg.purpose = REPLYD_SEND_ALERT;
	msg.to = t->to[i];
	msg.subject = it->subject;
	msg.text = t->text;
	msg.event = it->event;
	msg.conversation = it->conv;
	msg.team = it->team;
	msg.worker = it->worker;
	msg.step = it->step >= 0 ? it->step + 1 : 0;
	msg.due_at = it->due_at;
	msg.overdue_seconds = it->facts.overdue;
	msg.link = it->link;
	if (esc_is_sms(it, t->hosts[i]))
		msg.from = cfg->alert_sms_from;
	if (t->person) {
		/* Receipts come back with whom and what this was for. */
		memset(&dt, 0, sizeof dt);
		snprintf(dt.conv, sizeof dt.conv, "%s", it->conv);
		snprintf(dt.purpose, sizeof dt.purpose, "alert");
		snprintf(dt.kind, sizeof dt.kind, "%s", it->kind);
		snprintf(dt.person, sizeof dt.person, "%s", t->label);
		dt.failover = it->failover;
		if (deliverytag_make(&dt, t->tag, sizeof t->tag) == 0)
			msg.tag = t->tag;
	}
	if (send_start(srv, it->gen, t->hosts[i], &msg, it->conv,
	    cfg->delivery.max_attempts, esc_sent, t) == -1)
		esc_target_next(t);
}

/* The throttle answered: send in the wording it chose, or not at all. */
static void
esc_target_throttled(int wording, const char *why, void *arg)
{
	struct esc_target	*t = arg;
	struct esc_item		*it = t->item;
	cJSON			*j;
	char			 masked[MASK_BUFSIZE];

	if (it->e->srv->closing)
		return;
	if (wording == -1) {
		/* Over what the networks allow this hour: not by text. */
		mask_phone(t->to[t->tried], masked, sizeof masked);
		log_warnx("escalation: conversation %s team %s: no alert text "
		    "to %s: %s this hour; trying another channel", it->conv,
		    it->team, masked, strcmp(why, "identical") == 0 ?
		    "the same text was sent 20 times" : "it had 100 texts");
		metrics_inc("replyd_sms_throttled_total", NULL);
		if ((j = cJSON_CreateObject()) != NULL) {
			cJSON_AddStringToObject(j, "type", "send");
			cJSON_AddNumberToObject(j, "at",
			    (double)server_time_ms(it->e->srv));
			cJSON_AddStringToObject(j, "purpose", "alert");
			cJSON_AddStringToObject(j, "event", it->event);
			cJSON_AddStringToObject(j, "channel",
			    t->hosts[t->tried]->name);
			cJSON_AddStringToObject(j, "to", masked);
			cJSON_AddStringToObject(j, "outcome", "throttled");
			cJSON_AddStringToObject(j, "detail", why);
		}
		esc_store_event(it, j);
		esc_target_next(t);
		return;
	}
	/* Redis failed (-2): alerting matters more than the limit. */
	if (wording < 0)
		wording = 0;
	if (alert_text(&it->facts, wording, t->code, t->text,
	    sizeof t->text) == -1)
		alert_text(&it->facts, 0, 0, t->text, sizeof t->text);
	esc_target_send(t, t->tried);
}

/* The person's alert code is known: word the text, ask the throttle. */
static void
esc_target_coded(int code, void *arg)
{
	struct esc_target	*t = arg;
	struct esc_item		*it = t->item;
	const struct config	*cfg = it->gen->cfg;
	char			 texts[STORE_SMS_WORDINGS][ALERT_TEXT_SIZE];
	const char		*tp[STORE_SMS_WORDINGS];
	int			 w;

	if (it->e->srv->closing)
		return;
	if (code <= 0)
		log_warnx("escalation: conversation %s team %s: no alert code "
		    "could be given (storage failed): the text goes without "
		    "one", it->conv, it->team);
	t->code = code > 0 ? code : 0;
	for (w = 0; w < STORE_SMS_WORDINGS; w++) {
		if (alert_text(&it->facts, w % ALERT_WORDINGS, t->code,
		    texts[w], sizeof texts[w]) == -1)
			snprintf(texts[w], sizeof texts[w], "%s", it->link);
		tp[w] = texts[w];
	}
	if (store_sms_throttle(it->e->srv->db, t->to[t->tried], tp,
	    cfg->alert_sms_per_hour, cfg->alert_sms_same_per_hour,
	    esc_target_throttled, t) == -1)
		esc_target_throttled(-2, NULL, t);
}

/* Alert a target through its channel i. */
static void
esc_target_try(struct esc_target *t, int i)
{
	struct esc_item	*it = t->item;

	if (t->hosts[i] == NULL) {
		esc_target_next(t);
		return;
	}
	if (t->person && esc_is_sms(it, t->hosts[i])) {
		/* A text to a person: its take-it code first. */
		if (store_staff_code(it->e->srv->db, t->label, it->conv,
		    server_time_ms(it->e->srv), esc_target_coded, t) == -1)
			esc_target_coded(-1, t);
		return;
	}
	if (alert_text(&it->facts, 0, 0, t->text, sizeof t->text) == -1)
		snprintf(t->text, sizeof t->text, "%s", it->link);
	esc_target_send(t, i);
}

/* Add a person's channels as a target, but for those skipped. */
static void
esc_add_person_except(struct esc_item *it, const char *id, int skip_sms,
    int skip_email)
{
	const struct config		*cfg = it->gen->cfg;
	const struct config_person	*p;
	struct esc_target		*t;
	struct replyd_host		*sms, *email;
	int				 i, n = 0;

	if (id == NULL || id[0] == '\0' || it->ntargets >= ESC_MAX_TARGETS ||
	    (p = config_person(cfg, id)) == NULL)
		return;
	for (i = 0; i < it->ntargets; i++)
		if (strcmp(it->targets[i].label, id) == 0)
			return;	/* the same person twice: one alert */
	t = &it->targets[it->ntargets];
	memset(t, 0, sizeof *t);
	t->item = it;
	t->person = 1;
	snprintf(t->label, sizeof t->label, "%s", id);
	sms = cfg->alert_sms ? plugins_find(&it->gen->plugins,
	    cfg->alert_sms) : NULL;
	email = cfg->alert_email ? plugins_find(&it->gen->plugins,
	    cfg->alert_email) : NULL;
	if (skip_sms)
		sms = NULL;
	if (skip_email)
		email = NULL;
	if (p->phone != NULL && sms != NULL && sms->has_sender) {
		t->hosts[n] = sms;
		t->to[n++] = p->phone;
	}
	if (p->email != NULL && email != NULL && email->has_sender) {
		t->hosts[n] = email;
		t->to[n++] = p->email;
	}
	if (n == 0 && !skip_sms && !skip_email)
		log_warnx("escalation: conversation %s team %s: a target has "
		    "no phone or email that an alerts channel can reach",
		    it->conv, it->team);
	it->ntargets++;
}

/* Add a person's channels as a target. */
static void
esc_add_person(struct esc_item *it, const char *id)
{
	esc_add_person_except(it, id, 0, 0);
}

/* Add a notifier (a channel needing no address) as a target. */
static void
esc_add_notifier(struct esc_item *it, const char *name)
{
	struct esc_target	*t;

	if (it->ntargets >= ESC_MAX_TARGETS)
		return;
	t = &it->targets[it->ntargets++];
	memset(t, 0, sizeof *t);
	t->item = it;
	snprintf(t->label, sizeof t->label, "%s", name);
	t->hosts[0] = plugins_find(&it->gen->plugins, name);
}

/* Resolve one configured target to people or notifiers. */
static void
esc_add_target(struct esc_item *it, const struct config_team *team,
    const struct config_target *tg, const char *duty_worker,
    const char *duty_manager)
{
	switch (tg->kind) {
	case TARGET_WORKER:
		/* No allocated worker: the duty worker stands in. */
		esc_add_person(it, it->worker[0] ? it->worker : duty_worker);
		break;
	case TARGET_DUTY_WORKER:
		esc_add_person(it, duty_worker);
		break;
	case TARGET_DUTY_MANAGER:
		esc_add_person(it, duty_manager);
		break;
	case TARGET_TEAM_MANAGER:
		esc_add_person(it, team->manager ? team->manager :
		    team->duty_manager);
		break;
	case TARGET_PERSON:
		esc_add_person(it, tg->name);
		break;
	case TARGET_NOTIFIER:
		esc_add_notifier(it, tg->name);
		break;
	}
}

/* The team of the item (the default team when it is gone). */
static const struct config_team *
esc_team(const struct esc_item *it)
{
	const struct config_team	*team;

	if ((team = config_team(it->gen->cfg, it->team)) == NULL)
		team = it->gen->cfg->default_team;
	return team;
}

/* What the alert says: the facts every target's words are built from. */
static void
esc_facts(struct esc_item *it)
{
	const struct config		*cfg = it->gen->cfg;
	const struct calendar		*cal = config_team_calendar(cfg,
					    esc_team(it));
	const struct config_person	*who;
	struct tm			 tm;
	int64_t				 over;

	over = server_time(it->e->srv) - it->deadline_ms / 1000;
	calendar_format(cal, it->due_ms / 1000, it->due_at,
	    sizeof it->due_at);
	snprintf(it->link, sizeof it->link, "%s/c/%s", cfg->public_url,
	    it->conv);
	memset(&it->facts, 0, sizeof it->facts);
	it->facts.event = strcmp(it->event, "urgent") == 0 ? ALERT_URGENT :
	    strcmp(it->event, "waiting") == 0 ? ALERT_WAITING :
	    ALERT_ESCALATION;
	it->facts.conv = it->conv;
	it->facts.team = it->team;
	it->facts.worker = it->worker;
	it->facts.step = it->step + 1;
	it->facts.overdue = over > 0 ? over : 0;
	it->facts.link = it->link;
	if (it->ack_by[0] != '\0') {
		/* Whoever took it, by name, and when on the team's clock. */
		who = config_person(cfg, it->ack_by);
		snprintf(it->taken_by, sizeof it->taken_by, "%s",
		    who != NULL && who->name != NULL ? who->name : it->ack_by);
		it->taken_at[0] = '\0';
		if (it->ack_at_ms > 0 && calendar_local(cal,
		    it->ack_at_ms / 1000, &tm) == 0)
			strftime(it->taken_at, sizeof it->taken_at, "%H:%M",
			    &tm);
		it->facts.taken_by = it->taken_by;
		it->facts.taken_at = it->taken_at;
	}
	alert_subject(&it->facts, it->subject, sizeof it->subject);
}

/* Alert every target. */
static void
esc_dispatch(struct esc_item *it)
{
	int	k;

	esc_facts(it);
	it->pending = 1;	/* guard while starting */
	for (k = 0; k < it->ntargets; k++) {
		it->pending++;
		esc_target_try(&it->targets[k], 0);
	}
	if (--it->pending == 0)
		esc_finish(it);
}

/* The targets of the item, now that the rota (and absence) is known. */
static void
esc_targets(struct esc_item *it)
{
	const struct config		*cfg = it->gen->cfg;
	const struct config_team	*team = esc_team(it);
	size_t				 i;

	if (it->step >= 0) {
		for (i = 0; i < team->steps[it->step].ntargets; i++)
			esc_add_target(it, team,
			    &team->steps[it->step].targets[i], it->dw, it->dm);
	} else if (strcmp(it->event, "waiting") == 0) {
		esc_add_person(it, it->dw);
	} else if (it->in_hours || cfg->urgent.nemergency == 0) {
		/* In hours: the worker if in, else the duty worker; and the
		 * duty manager. */
		esc_add_person(it, it->worker[0] && !it->worker_away ?
		    it->worker : it->dw);
		esc_add_person(it, it->dm);
	} else
		for (i = 0; i < cfg->urgent.nemergency; i++)
			esc_add_target(it, team, &cfg->urgent.emergency[i],
			    it->dw, it->dm);
	esc_dispatch(it);
}

/* Whether the worker is away now is known (urgent, in hours). */
static void
esc_urgent_absent(int absent, void *arg)
{
	struct esc_item	*it = arg;

	if (it->e->srv->closing)
		return;
	if (absent == -1) {
		esc_count("rota");
		log_warnx("escalation: conversation %s team %s: whether the "
		    "worker is away could not be read: alerting the worker "
		    "and the duty worker", it->conv, it->team);
		esc_add_person(it, it->dw);
	}
	it->worker_away = absent == 1;
	esc_targets(it);
}

/* Duty overrides are known (or not): resolve the targets and send. */
static void
esc_rota_done(const struct store_esc_rota *rota, const char *err, void *arg)
{
	struct esc_item			*it = arg;
	struct server			*srv = it->e->srv;
	const struct config_team	*team = esc_team(it);
	const struct calendar		*cal;
	struct tm			 tm;
	int64_t				 now = server_time(srv);

	if (srv->closing)
		return;
	cal = config_team_calendar(it->gen->cfg, team);
	calendar_local(cal, now, &tm);
	/* The rota in force now: a dated override beats the pattern. */
	snprintf(it->dw, sizeof it->dw, "%s", team->duty[tm.tm_wday] ?
	    team->duty[tm.tm_wday] : "");
	snprintf(it->dm, sizeof it->dm, "%s", team->duty_manager ?
	    team->duty_manager : "");
	if (rota != NULL) {
		if (rota->worker[0] != '\0')
			snprintf(it->dw, sizeof it->dw, "%s", rota->worker);
		if (rota->manager[0] != '\0')
			snprintf(it->dm, sizeof it->dm, "%s", rota->manager);
	} else {
		esc_count("rota");
		log_warnx("escalation: partition %d conversation %s (%s): "
		    "reading the duty-rota overrides of team %s failed: %s; "
		    "alerting by the weekly pattern", it->p, it->conv,
		    it->kind, team->id, err != NULL ? err : "no answer");
	}
	it->in_hours = calendar_is_open(cal, now);
	if (it->step < 0 && strcmp(it->event, "urgent") == 0 &&
	    (it->in_hours || it->gen->cfg->urgent.nemergency == 0) &&
	    it->worker[0] != '\0') {
		/* Urgent in hours: is the worker in? */
		if (store_absent(srv->db, it->worker, server_time_ms(srv),
		    esc_urgent_absent, it) == -1)
			esc_urgent_absent(-1, it);
		return;
	}
	esc_targets(it);
}

/* Look up the rota overrides for today. */
static void
esc_resolve(struct esc_item *it)
{
	struct server			*srv = it->e->srv;
	const struct config_team	*team = esc_team(it);
	const struct calendar		*cal;
	struct tm			 tm;
	char				 date[16];

	cal = config_team_calendar(it->gen->cfg, team);
	calendar_local(cal, server_time(srv), &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	if (store_esc_rota(srv->db, team->id, date, esc_rota_done, it) == -1)
		esc_rota_done(NULL, "Redis unavailable", it);
}

/* A failover's conversation is loaded: alert the person on another
 * channel, unless it is answered or someone has taken it. */
static void
esc_failover_loaded(const struct store_conv *c, int failed, void *arg)
{
	struct esc_item	*it = arg;
	struct server	*srv = it->e->srv;

	if (srv->closing)
		return;
	if (failed || c == NULL || strcmp(c->state, "awaiting") != 0 ||
	    c->ack_until_ms > server_time_ms(srv)) {
		if (failed)
			log_warnx("escalation: conversation %s: the %s alert "
			    "was not delivered, and the conversation could not "
			    "be read to send it again", it->conv,
			    it->fo_channel);
		it->event = NULL;
		esc_finish(it);
		return;
	}
	snprintf(it->team, sizeof it->team, "%s", c->team);
	snprintf(it->worker, sizeof it->worker, "%s", c->worker);
	snprintf(it->ack_by, sizeof it->ack_by, "%s", c->ack_by);
	it->ack_at_ms = c->ack_at_ms;
	it->deadline_ms = c->deadline_ms;
	it->conv_step = c->step;
	it->due_ms = server_time_ms(srv);
	it->claimed_ms = it->due_ms;
	/* A failover that failed again leaves no channel to try. */
	esc_add_person_except(it, it->fo_person, it->fo_sms || it->fo_again,
	    !it->fo_sms || it->fo_again);
	esc_dispatch(it);
}

/* The next step is scheduled (or already was): now alert. */
static void
esc_advanced(int advanced, const char *err, void *arg)
{
	struct esc_item	*it = arg;

	if (it->e->srv->closing)
		return;
	if (advanced == -1) {
		/* Alerting now could lose the next step: retry it all. */
		it->event = NULL;
		esc_retry(it, "advance", "scheduling the next step", err);
		return;
	}
	if (advanced == 2) {
		/* A calendar change moved the deadline since it was read:
		 * read the conversation again and schedule from the new one. */
		it->event = NULL;
		if (it->recomputed++ >= 3)
			esc_retry(it, "advance", "scheduling the next step",
			    "the deadline kept moving");
		else if (store_conv_load(it->e->srv->db, it->conv,
		    esc_conv_done, it) == -1)
			esc_retry(it, "deliver", "loading the conversation",
			    "Redis unavailable");
		return;
	}
	esc_resolve(it);
}

/* Schedule the next step before alerting: a crash then repeats an alert
 * (acceptable) but never loses the next step. */
static void
esc_advance(struct esc_item *it)
{
	const struct config_team	*team;
	int64_t				 nx;

	if ((team = config_team(it->gen->cfg, it->team)) == NULL)
		team = it->gen->cfg->default_team;
	nx = config_step_due(team, (size_t)it->step + 1,
	    it->deadline_ms / 1000);
	if (store_esc_advance(it->e->srv->db, it->conv, it->step,
	    nx < 0 ? -1 : nx * 1000, it->deadline_ms, esc_advanced,
	    it) == -1) {
		it->event = NULL;
		esc_retry(it, "advance", "scheduling the next step",
		    "Redis unavailable");
	}
}

/* defer-2 answered: the paused step is back in the due set, or due now. */
static void
esc_deferred(enum store_esc_defer_result res, int64_t until_ms,
    const char *err, void *arg)
{
	struct esc_item	*it = arg;

	if (it->e->srv->closing)
		return;
	switch (res) {
	case STORE_ESC_DEFERRED:
		log_debug("escalation: conversation %s step %d is paused by an "
		    "acknowledgement until %lld", it->conv, it->step + 1,
		    (long long)until_ms);
		it->event = NULL;
		esc_finish(it);
		break;
	case STORE_ESC_DUE:
		/* The pause ended in the meantime (by Redis TIME). */
		esc_advance(it);
		break;
	case STORE_ESC_GONE:
		it->event = NULL;
		esc_finish(it);
		break;
	case STORE_ESC_DEFER_FAILED:
		it->event = NULL;
		esc_retry(it, "defer", "putting the paused step back", err);
		break;
	}
}

/* Whether a kind is a step number. */
static int
esc_is_step(const char *kind)
{
	const char	*s;

	if (kind[0] == '\0' || strlen(kind) > 6)
		return 0;
	for (s = kind; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* The step put in the due set (or there already): done with the entry. */
static void
esc_scheduled(const char *err, void *arg)
{
	struct esc_item	*it = arg;

	if (it->e->srv->closing)
		return;
	it->event = NULL;
	if (err != NULL)
		esc_retry(it, "schedule", "putting the first step in the due set",
		    err);
	else
		esc_finish(it);
}

/*
 * An entry of kind "d": claim-4 saw the deadline pass in the awaiting
 * index, and the first step falls due with it.  It is that step (the
 * kind becomes "0", 0 returned, and a conversation at a later step is
 * stale as for any step) unless a calendar change moved the deadline
 * since the claim (the index, or the due set when the deadline moved
 * back, brings it again), or the team's first step waits after the
 * deadline: then it goes to the due set at its own time.  Returns 1 when
 * the entry was dealt with.
 */
static int
esc_deadline_passed(struct esc_item *it, const struct store_conv *c,
    const struct config_team *team)
{
	int64_t	dl = c->deadline_ms / 1000, due;

	if (c->deadline_ms != it->due_ms) {
		log_debug("escalation: conversation %s's deadline moved since "
		    "it was claimed; dropped", it->conv);
		it->event = NULL;
		esc_finish(it);
		return 1;
	}
	/* Steps are worked out in seconds, as the deadline was.  A team
	 * without steps is dropped as any step past its last is. */
	if (c->step == 0 && team->nsteps > 0 &&
	    (due = config_step_due(team, 0, dl)) != dl) {
		if (store_esc_schedule(it->e->srv->db, it->conv, 0, due * 1000,
		    esc_scheduled, it) == -1) {
			it->event = NULL;
			esc_retry(it, "schedule", "putting the first step in "
			    "the due set", "Redis unavailable");
		}
		return 1;
	}
	snprintf(it->kind, sizeof it->kind, "0");
	return 0;
}

/* The conversation is loaded: decide what to do with the entry. */
static void
esc_conv_done(const struct store_conv *c, int failed, void *arg)
{
	struct esc_item			*it = arg;
	struct server			*srv = it->e->srv;
	const struct config_team	*team;

	if (srv->closing)
		return;
	if (failed) {
		esc_retry(it, "deliver", "loading the conversation",
		    "Redis failed or did not answer");
		return;
	}
	/* Answered (or expired) since it was claimed: nothing to say. */
	if (c == NULL || strcmp(c->state, "awaiting") != 0) {
		log_debug("escalation: conversation %s is no longer awaiting; "
		    "%s dropped", it->conv, it->kind);
		it->event = NULL;
		esc_finish(it);
		return;
	}
	snprintf(it->team, sizeof it->team, "%s", c->team);
	snprintf(it->worker, sizeof it->worker, "%s", c->worker);
	snprintf(it->ack_by, sizeof it->ack_by, "%s", c->ack_by);
	it->ack_at_ms = c->ack_at_ms;
	it->conv_step = c->step;
	it->deadline_ms = c->deadline_ms;
	if ((team = config_team(it->gen->cfg, it->team)) == NULL)
		team = it->gen->cfg->default_team;
	/* Urgent alerts and waiting notices: no step, no pause. */
	if (it->kind[0] == 'w') {
		it->event = "waiting";
		esc_resolve(it);
		return;
	}
	if (it->kind[0] == 'u') {
		it->event = "urgent";
		esc_resolve(it);
		return;
	}
	if (strcmp(it->kind, "d") == 0 && esc_deadline_passed(it, c, team))
		return;
	if (!esc_is_step(it->kind)) {
		esc_count("deliver");
		log_warnx("escalation: partition %d conversation %s: entry %s "
		    "has an unknown kind \"%s\"; dropped", it->p, it->conv,
		    it->entry, it->kind);
		it->event = NULL;
		esc_finish(it);
		return;
	}
	it->step = atoi(it->kind);
	it->event = "escalation";
	if ((size_t)it->step >= team->nsteps) {
		it->event = NULL;
		esc_finish(it);
		return;
	}
	if (it->step != c->step) {
		/*
		 * Taken over one step behind: the instance that had it may
		 * have advanced the conversation and stopped before the alert
		 * went out.  Alert again (at worst a duplicate after a crash)
		 * without advancing again.
		 */
		if (it->taken_over && it->step + 1 == c->step) {
			log_info("escalation: conversation %s step %d was taken "
			    "over after the next step was scheduled; alerting "
			    "(again, if it went out before)", it->conv,
			    it->step + 1);
			esc_resolve(it);
			return;
		}
		/* Stale: the conversation moved on. */
		log_debug("escalation: conversation %s is at step %d; stale "
		    "step %d dropped", it->conv, c->step + 1, it->step + 1);
		it->event = NULL;
		esc_finish(it);
		return;
	}
	/* An acknowledgement pauses the steps: back to the due set. */
	if (c->ack_until_ms > server_time_ms(srv)) {
		if (store_esc_defer(srv->db, it->conv, it->step, esc_deferred,
		    it) == -1) {
			it->event = NULL;
			esc_retry(it, "defer", "putting the paused step back",
			    "Redis unavailable");
		}
		return;
	}
	esc_advance(it);
}

/* Start delivering one stream entry. */
static void
esc_deliver_entry(struct escalate *e, const struct store_esc_entry *en)
{
	struct esc_item	*it;

	for (it = e->items; it != NULL; it = it->next)
		if (it->p == en->p && strcmp(it->entry, en->entry) == 0)
			return;		/* already ours, in progress */
	if ((it = calloc(1, sizeof *it)) == NULL)
		return;
	it->e = e;
	it->gen = gen_ref(e->srv->gen);
	it->p = en->p;
	it->step = -1;
	snprintf(it->entry, sizeof it->entry, "%s", en->entry);
	snprintf(it->conv, sizeof it->conv, "%s", en->conv);
	snprintf(it->kind, sizeof it->kind, "%s", en->kind);
	it->due_ms = en->due_ms;
	it->claimed_ms = en->claimed_ms;
	it->taken_over = en->taken_over;
	it->next = e->items;
	e->items = it;
	e->inflight++;
	if (it->conv[0] == '\0') {
		/* A deleted or malformed entry: acknowledge and drop it. */
		esc_count("deliver");
		log_warnx("escalation: partition %d: entry %s is deleted or "
		    "malformed; dropped", it->p, it->entry);
		esc_finish(it);
		return;
	}
	if (store_conv_load(e->srv->db, it->conv, esc_conv_done, it) == -1)
		esc_retry(it, "deliver", "loading the conversation",
		    "Redis unavailable");
}

/* Consumer groups being created, one answer per partition. */
struct esc_groups;

struct esc_group_part {
	struct esc_groups	*g;
	int			 p;
};

struct esc_groups {
	struct escalate		*e;
	int			 pending;
	struct esc_fails	 fails;
	struct esc_group_part	 parts[STORE_PARTITIONS];
};

/* One group answered; after the last, start reading (or retry later). */
static void
esc_groups_release(struct esc_groups *g)
{
	struct escalate	*e = g->e;

	if (--g->pending > 0)
		return;
	if (e->srv->closing) {
		free(g);
		return;
	}
	e->creating = 0;
	if (g->fails.n == 0) {
		e->groups_ready = 1;
		esc_read(e);
	} else
		esc_fails_log(e, &e->quiet_groups, &g->fails, "creating the "
		    "escalation consumer group");
	if (!e->reading)
		esc_arm(e->read_ev, e->groups_ready ? 200 : 1000);
	free(g);
}

/* XGROUP CREATE answered (an existing group is fine). */
static void
esc_group_done(const char *err, void *arg)
{
	struct esc_group_part	*gp = arg;

	if (err != NULL && !gp->g->e->srv->closing)
		esc_fail(&gp->g->fails, "read", gp->p, err);
	esc_groups_release(gp->g);
}

/* Create the consumer group of every partition's stream. */
static void
esc_create_groups(struct escalate *e)
{
	struct esc_groups	*g;
	int			 p;

	if (e->creating)
		return;
	if ((g = calloc(1, sizeof *g)) == NULL) {
		esc_arm(e->read_ev, 1000);
		return;
	}
	g->e = e;
	g->pending = STORE_PARTITIONS + 1;	/* +1: guard until all sent */
	e->creating = 1;
	for (p = 0; p < STORE_PARTITIONS; p++) {
		g->parts[p].g = g;
		g->parts[p].p = p;
		if (store_esc_group(e->rdb, p, esc_group_done,
		    &g->parts[p]) == -1) {
			esc_fail(&g->fails, "read", p, "could not be sent");
			g->pending--;
		}
	}
	esc_groups_release(g);
}

/* The reading connection became ready (or was lost). */
static void
esc_rdb_state(struct db *db, int ready, void *arg)
{
	struct escalate	*e = arg;

	e->reading = 0;
	if (ready)
		esc_create_groups(e);
	else
		e->groups_ready = 0;
}

/* Start the escalation engine. */
int
escalate_start(struct server *srv)
{
	struct escalate	*e;
	char		 host[64];

	metrics_define("replyd_escalations_total", METRICS_COUNTER,
	    "Escalation steps, urgent alerts and waiting notices, by level "
	    "and outcome.");
	metrics_define(ESC_ERRORS, METRICS_COUNTER,
	    "Escalation failures, by stage: claim, read, autoclaim, refresh, "
	    "deliver, rota, advance, defer, ack.");
	metrics_define("replyd_sends_total", METRICS_COUNTER,
	    "Messages sent through channel plugins, by channel and outcome.");
	metrics_define("replyd_sms_throttled_total", METRICS_COUNTER,
	    "Alert texts not sent because the phone had its hour's texts.");
	if ((e = calloc(1, sizeof *e)) == NULL)
		return -1;
	e->srv = srv;
	e->next_due = -1;
	if (gethostname(host, sizeof host) == -1)
		snprintf(host, sizeof host, "replyd");
	host[sizeof host - 1] = '\0';
	snprintf(e->consumer, sizeof e->consumer, "%s-%ld-%ld", host,
	    (long)getpid(), (long)time(NULL));
	e->tick_ev = evtimer_new(srv->base, esc_tick_cb, e);
	e->read_ev = evtimer_new(srv->base, esc_read_cb, e);
	e->claim_ev = evtimer_new(srv->base, esc_claim_cb, e);
	/* A blocking read stalls a shared connection: it gets its own. */
	if ((e->rdb = db_new(srv->base, &srv->cfg->redis)) == NULL) {
		free(e);
		return -1;
	}
	db_set_state_cb(e->rdb, esc_rdb_state, e);
	srv->esc = e;
	esc_arm(e->tick_ev, 0);
	esc_arm(e->claim_ev, 1000);
	return 0;
}

/* Stop: pending entries stay pending in Redis for another instance. */
void
escalate_free(struct server *srv)
{
	struct escalate	*e = srv->esc;
	struct esc_item	*it, *next;

	if (e == NULL)
		return;
	db_free(e->rdb);
	for (it = e->items; it != NULL; it = next) {
		next = it->next;
		esc_item_free(it);
	}
	event_free(e->tick_ev);
	event_free(e->read_ev);
	event_free(e->claim_ev);
	free(e);
	srv->esc = NULL;
}

/* Redis is back: claim what fell due meanwhile, at once. */
void
escalate_ready(struct server *srv)
{
	if (srv->esc != NULL)
		esc_arm(srv->esc->tick_ev, 0);
}

/* Something may be due now (urgent, waiting): claim at once. */
void
escalate_after_ingest(struct server *srv, const struct store_ingested *res)
{
	struct escalate	*e = srv->esc;
	int		 p;

	/* Deadlines are found by the next tick; alerts due now go at once:
	 * only the message's partition is claimed (a tick claims all 16),
	 * one claim in flight per partition and at most one more after it. */
	if (!res->due_now || e == NULL || srv->draining)
		return;
	if ((p = store_id_partition(res->id)) != -1) {
		if (e->quick[p] > 0) {
			e->quick[p] = 2;
			return;
		}
		if (esc_quick(e, p) == 0) {
			e->quick[p] = 1;
			return;
		}
	}
	if (e->ticking)
		e->again = 1;
	else
		esc_arm(e->tick_ev, 0);
}

/*
 * A staff alert the network reports it could not deliver: send it again
 * on the person's other channel, unless the conversation is answered or
 * taken; if no channel is left, the step failed.
 */
void
escalate_undelivered(struct server *srv, const char *conv, const char *kind,
    const char *person, const char *channel, int was_sms, int failover,
    const char *why)
{
	struct escalate	*e = srv->esc;
	struct esc_item	*it;
	int		 p;

	if (e == NULL || srv->draining || (p = store_id_partition(conv)) == -1)
		return;
	if ((it = calloc(1, sizeof *it)) == NULL)
		return;
	it->e = e;
	it->gen = gen_ref(srv->gen);
	it->p = p;
	it->failover = 1;
	it->fo_sms = was_sms;
	it->fo_again = failover;
	snprintf(it->conv, sizeof it->conv, "%s", conv);
	snprintf(it->kind, sizeof it->kind, "%s", kind);
	snprintf(it->fo_person, sizeof it->fo_person, "%s", person);
	snprintf(it->fo_channel, sizeof it->fo_channel, "%s", channel);
	snprintf(it->fo_why, sizeof it->fo_why, "%s", why ? why : "failed");
	it->step = -1;
	it->event = kind[0] == 'w' ? "waiting" : kind[0] == 'u' ? "urgent" :
	    "escalation";
	if (kind[0] >= '0' && kind[0] <= '9')
		it->step = atoi(kind);
	it->next = e->items;
	e->items = it;
	e->inflight++;
	if (store_conv_load(srv->db, it->conv, esc_failover_loaded, it) == -1)
		esc_failover_loaded(NULL, 1, it);
}

/* Deliveries in progress. */
int
escalate_inflight(const struct server *srv)
{
	return srv->esc != NULL ? srv->esc->inflight : 0;
}
