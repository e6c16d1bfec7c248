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

#include "rules/calendar.h"
#include "conf/config.h"
#include "io/db.h"
#include "serve/escalate.h"
#include "serve/gen.h"
#include "base/log.h"
#include "base/metrics.h"
#include "io/plugin.h"
#include "serve/send.h"
#include "serve/server.h"
#include "store/conv.h"
#include "store/esc.h"
#include "store/store.h"

#define ESC_TICK_MS		500	/* other instances add due items too */
#define ESC_CLAIM_LIMIT		500
#define ESC_READ_IDLE_MS	200	/* between reads that found nothing */
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
	char			 label[64];
};

struct esc_item {
	struct escalate		*e;
	struct gen		*gen;		/* pinned while delivering */
	struct esc_item		*next;
	int			 p;
	char			 entry[64];	/* stream entry id */
	char			 conv[32];
	char			 kind[16];	/* step number, "w", or "uN" */
	int64_t			 due_ms;
	int64_t			 claimed_ms;
	int			 taken_over;	/* delivered before, maybe in
						   part (XAUTOCLAIM) */
	int			 step;		/* -1 for urgent and waiting */
	int			 recomputed;	/* times its deadline moved while
						   being delivered */
	const char		*event;
	char			 team[128];
	char			 worker[128];
	int64_t			 deadline_ms;
	struct esc_target	 targets[ESC_MAX_TARGETS];
	int			 ntargets;
	int			 pending;
	int			 delivered;
	int			 failed;
	char			 text[1024];
	char			 subject[128];
	char			 due_at[64];
	char			 link[256];
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
	if (t->claimed > 0) {
		log_debug("escalation: %d items fell due", t->claimed);
		/* Wake the reader: what this instance claimed is waiting. */
		if (!e->reading && e->groups_ready)
			esc_arm(e->read_ev, 0);
	}
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
	 * while there is more, else after a pause (a claim that moved
	 * something wakes the reader sooner).
	 */
	esc_arm(e->read_ev, b->err != NULL ? 200 : b->n > 0 ? 0 :
	    ESC_READ_IDLE_MS);
}

/* Read what is new in every partition's stream. */
static void
esc_read(struct escalate *e)
{
	if (e->reading || e->srv->draining || !db_ready(e->rdb) ||
	    !e->groups_ready)
		return;
	if (store_esc_read(e->rdb, e->consumer, ESC_READ_COUNT,
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

/* Done with an item: record the outcome, acknowledge its stream entry. */
static void
esc_finish(struct esc_item *it)
{
	struct escalate	*e = it->e;
	cJSON		*j;
	char		*json, labels[96];
	int		 ok = it->delivered > 0;

	if (it->event != NULL) {
		snprintf(labels, sizeof labels, "level=\"%s\",outcome=\"%s\"",
		    it->step >= 0 ? (char[8]){ 0 } : it->event,
		    ok ? "delivered" : "failed");
		if (it->step >= 0)
			snprintf(labels, sizeof labels, "level=\"%d\","
			    "outcome=\"%s\"", it->step + 1,
			    ok ? "delivered" : "failed");
		metrics_inc("replyd_escalations_total", labels);
		if (!ok) {
			esc_count("deliver");
			log_error("escalation: %s %s of conversation %s: no "
			    "target could be reached (%d failed)", it->event,
			    it->kind, it->conv, it->failed);
		}
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
			if ((json = cJSON_PrintUnformatted(j)) != NULL)
				store_event(e->srv->db, it->conv, json,
				    esc_event_done, NULL);
			free(json);
			cJSON_Delete(j);
		}
	}
	/* The item stays in flight (and ours) until Redis has answered. */
	if (store_esc_ack(e->srv->db, it->p, it->entry, esc_acked, it) == -1)
		esc_acked("Redis unavailable", it);
}

/* One target's send finished. */
static void
esc_sent(const struct send_outcome *o, void *arg)
{
	struct esc_target	*t = arg;
	struct esc_item		*it = t->item;
	struct replyd_send	 msg;

	if (it->e->srv->closing)
		return;	/* escalate_free frees the item */
	if (o->outcome == REPLYD_SENT)
		it->delivered++;
	else if (t->tried == 0 && t->hosts[1] != NULL) {
		/* A person's first channel failed: try the other. */
		t->tried = 1;
		memset(&msg, 0, sizeof msg);
		msg.size = sizeof msg;
		msg.purpose = REPLYD_SEND_ALERT;
		msg.to = t->to[1];
		msg.subject = it->subject;
		msg.text = it->text;
		msg.event = it->event;
		msg.conversation = it->conv;
		msg.team = it->team;
		msg.worker = it->worker;
		msg.step = it->step + 1;
		msg.due_at = it->due_at;
		msg.link = it->link;
		if (send_start(it->e->srv, it->gen, t->hosts[1], &msg,
		    it->conv, it->gen->cfg->delivery.max_attempts, esc_sent,
		    t) == 0)
			return;
		it->failed++;
	} else
		it->failed++;
	if (--it->pending == 0)
		esc_finish(it);
}

/* Add a person's channels as a target. */
static void
esc_add_person(struct esc_item *it, const char *id)
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
	snprintf(t->label, sizeof t->label, "%s", id);
	sms = cfg->alert_sms ? plugins_find(&it->gen->plugins,
	    cfg->alert_sms) : NULL;
	email = cfg->alert_email ? plugins_find(&it->gen->plugins,
	    cfg->alert_email) : NULL;
	if (p->phone != NULL && sms != NULL && sms->has_sender) {
		t->hosts[n] = sms;
		t->to[n++] = p->phone;
	}
	if (p->email != NULL && email != NULL && email->has_sender) {
		t->hosts[n] = email;
		t->to[n++] = p->email;
	}
	if (n == 0)
		log_warnx("escalation: %s has no phone or email that an "
		    "alerts channel can reach", id);
	it->ntargets++;
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

/* Duty overrides are known (or not): resolve the targets and send. */
static void
esc_rota_done(const struct store_esc_rota *rota, const char *err, void *arg)
{
	struct esc_item			*it = arg;
	struct server			*srv = it->e->srv;
	const struct config		*cfg = it->gen->cfg;
	const struct config_team	*team = config_team(cfg, it->team);
	const struct calendar		*cal;
	const char			*dw, *dm;
	struct replyd_send		 msg;
	struct tm			 tm;
	int64_t				 now = server_time(srv), over;
	size_t				 i;
	int				 k, in_hours;

	if (srv->closing)
		return;
	if (team == NULL)
		team = cfg->default_team;
	cal = team->calendar ? team->calendar : cfg->promise.calendar;
	calendar_local(cal, now, &tm);
	/* The rota in force now: a dated override beats the pattern. */
	dw = team->duty[tm.tm_wday];
	dm = team->duty_manager;
	if (rota != NULL) {
		if (rota->worker[0] != '\0')
			dw = rota->worker;
		if (rota->manager[0] != '\0')
			dm = rota->manager;
	} else {
		esc_count("rota");
		log_warnx("escalation: partition %d conversation %s (%s): "
		    "reading the duty-rota overrides of team %s failed: %s; "
		    "alerting by the weekly pattern", it->p, it->conv,
		    it->kind, team->id, err != NULL ? err : "no answer");
	}
	if (it->step >= 0) {
		for (i = 0; i < team->steps[it->step].ntargets; i++)
			esc_add_target(it, team, &team->steps[it->step].targets[i],
			    dw, dm);
	} else if (strcmp(it->event, "waiting") == 0) {
		esc_add_person(it, dw);
	} else {
		in_hours = calendar_is_open(cal, now);
		if (in_hours || cfg->urgent.nemergency == 0) {
			esc_add_person(it, it->worker[0] ? it->worker : dw);
			esc_add_person(it, dm);
		} else
			for (i = 0; i < cfg->urgent.nemergency; i++)
				esc_add_target(it, team,
				    &cfg->urgent.emergency[i], dw, dm);
	}
	over = now - it->deadline_ms / 1000;
	if (over < 0)
		over = 0;
	calendar_format(cal, it->due_ms / 1000, it->due_at,
	    sizeof it->due_at);
	snprintf(it->link, sizeof it->link, "%s/c/%s", cfg->public_url,
	    it->conv);
	if (strcmp(it->event, "escalation") == 0) {
		snprintf(it->subject, sizeof it->subject, "replyd: "
		    "conversation %s is overdue", it->conv);
		snprintf(it->text, sizeof it->text, "replyd: a young person's "
		    "message (ref %s, team %s%s%s) has had no reply and is "
		    "%lldh %02lldm past its deadline. Escalation step %d. "
		    "Please respond or acknowledge: %s", it->conv, it->team,
		    it->worker[0] ? ", worker " : "", it->worker,
		    (long long)(over / 3600), (long long)(over / 60 % 60),
		    it->step + 1, it->link);
	} else if (strcmp(it->event, "urgent") == 0) {
		snprintf(it->subject, sizeof it->subject, "replyd: URGENT "
		    "message %s", it->conv);
		snprintf(it->text, sizeof it->text, "replyd: URGENT - a young "
		    "person's message (ref %s, team %s) may need action now. "
		    "Please read it and respond: %s", it->conv, it->team,
		    it->link);
	} else {
		snprintf(it->subject, sizeof it->subject, "replyd: message "
		    "%s is waiting", it->conv);
		snprintf(it->text, sizeof it->text, "replyd: a message (ref "
		    "%s, team %s) is waiting with no available worker. Please "
		    "pick it up: %s", it->conv, it->team, it->link);
	}
	memset(&msg, 0, sizeof msg);
	msg.size = sizeof msg;
	msg.purpose = REPLYD_SEND_ALERT;
	msg.subject = it->subject;
	msg.text = it->text;
	msg.event = it->event;
	msg.conversation = it->conv;
	msg.team = it->team;
	msg.worker = it->worker;
	msg.step = it->step >= 0 ? it->step + 1 : 0;
	msg.due_at = it->due_at;
	msg.overdue_seconds = over;
	msg.link = it->link;
	it->pending = 1;	/* guard while starting */
	for (k = 0; k < it->ntargets; k++) {
		struct esc_target *t = &it->targets[k];

		if (t->hosts[0] == NULL) {
			it->failed++;
			continue;
		}
		msg.to = t->to[0];
		it->pending++;
		if (send_start(srv, it->gen, t->hosts[0], &msg, it->conv,
		    cfg->delivery.max_attempts, esc_sent, t) == -1) {
			it->pending--;
			it->failed++;
		}
	}
	if (--it->pending == 0)
		esc_finish(it);
}

/* Look up the rota overrides for today. */
static void
esc_resolve(struct esc_item *it)
{
	struct server			*srv = it->e->srv;
	const struct config		*cfg = it->gen->cfg;
	const struct config_team	*team = config_team(cfg, it->team);
	const struct calendar		*cal;
	struct tm			 tm;
	char				 date[16];

	if (team == NULL)
		team = cfg->default_team;
	cal = team->calendar ? team->calendar : cfg->promise.calendar;
	calendar_local(cal, server_time(srv), &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	if (store_esc_rota(srv->db, team->id, date, esc_rota_done, it) == -1)
		esc_rota_done(NULL, "Redis unavailable", it);
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
	/* Deadlines are found by the next tick; alerts due now go at once. */
	if (!res->due_now || srv->esc == NULL)
		return;
	if (srv->esc->ticking)
		srv->esc->again = 1;
	else
		esc_arm(srv->esc->tick_ev, 0);
}

/* Deliveries in progress. */
int
escalate_inflight(const struct server *srv)
{
	return srv->esc != NULL ? srv->esc->inflight : 0;
}
