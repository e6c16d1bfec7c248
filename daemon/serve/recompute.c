/*
 * recompute.c: see recompute.h.  A job is a small state machine driven by
 * Redis answers: read a batch of ids (ZSCAN of a partition's awaiting
 * index, or a page of its arrival index), read each record, run
 * recompute-5 for those on the job's calendar that this job (or a later
 * one) has not touched yet, and only when the whole batch has answered go
 * on to the next.  About RECOMPUTE_BATCH commands of a job are in flight
 * at a time (a ZSCAN page may be a little larger), each one short, so
 * Redis serves other clients between them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "base/log.h"
#include "base/metrics.h"
#include "conf/config.h"
#include "rules/calendar.h"
#include "store/cal.h"
#include "store/store.h"
#include "serve/recompute.h"
#include "serve/server.h"

#define RECOMPUTE_BATCH		100
#define RECOMPUTE_LEASE_MS	10000	/* another instance takes over after */
#define RECOMPUTE_RENEW_MS	1000
#define RECOMPUTE_TRIES		3
#define RECOMPUTE_RETRY_MS	1000	/* after Redis failed a batch */
#define RECOMPUTE_MAX_STEPS	64
#define RECOMPUTE_CONVS		"replyd_recomputed_conversations_total"
#define RECOMPUTE_JOBS		"replyd_recompute_jobs_total"

enum recompute_phase {
	RECOMPUTE_WALK,		/* the awaiting index, partition by partition */
	RECOMPUTE_SWEEP,	/* the arrival index since arrived_from */
	RECOMPUTE_FINISH
};

struct recompute;
struct recompute_run;

/* One conversation of a batch. */
struct recompute_item {
	struct recompute_run	*run;
	char			 id[32];
	int			 tries;
};

/* A job being run. */
struct recompute_run {
	struct recompute	*rc;
	struct recompute_run	*next;
	char			*calendar;
	char			*why;
	int64_t			 seq;
	int			 owner;
	int			 walk;
	int64_t			 from_ms, to_ms, settle_ms;
	enum recompute_phase	 phase;
	int			 p;
	char			 cursor[32];
	/* A page may hold more ids than asked for (ZSCAN's count is a
	 * hint), so both grow; batch is never moved while reads are in
	 * flight (items are their callbacks' arguments). */
	struct recompute_item	*batch;
	size_t			 nbatch, capbatch;
	struct recompute_item	*retry;
	size_t			 nretry, capretry;
	int			 pending;
	int			 stop;
	int			 lost;
	int64_t			 renewed_ms;
	unsigned long		 seen, changed, same, failed;
	struct timespec		 t0;
	double			 walk_ms;	/* how long the walk took */
	struct event		*ev;
};

struct recompute {
	struct server		*srv;
	struct recompute_run	*runs;
	char			 owner[128];
};

static void	recompute_next(struct recompute_run *);

/* Milliseconds since t0 on the monotonic clock. */
static double
recompute_elapsed_ms(const struct timespec *t0)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Arm a run's timer ms from now. */
static void
recompute_arm(struct recompute_run *r, int64_t ms)
{
	struct timeval	tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(r->ev, &tv);
}

/* Free a run (nothing of it may be in flight). */
static void
recompute_run_free(struct recompute_run *r)
{
	if (r->ev != NULL)
		event_free(r->ev);
	free(r->batch);
	free(r->retry);
	free(r->calendar);
	free(r->why);
	free(r);
}

/* Take a finished run out of the list, say how it went, and free it. */
static void
recompute_end(struct recompute_run *r)
{
	struct recompute	*rc = r->rc;
	struct recompute_run	**pp;
	const char		*how;

	for (pp = &rc->runs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	how = r->lost ? "stopped: another job replaced it" : r->stop ?
	    "stopped" : "done";
	metrics_inc(RECOMPUTE_JOBS, r->stop ? "outcome=\"stopped\"" :
	    "outcome=\"done\"");
	if (r->walk || r->changed > 0 || r->failed > 0)
		log_info("calendar \"%s\": %s %s: %lu open conversations "
		    "looked at, %lu deadlines moved, %lu failed, in %.0f ms "
		    "(walk %.0f ms) (%s)", r->calendar, r->walk ? "recompute" :
		    "catch-up", how, r->seen, r->changed, r->failed,
		    recompute_elapsed_ms(&r->t0), r->walk_ms, r->why);
	recompute_run_free(r);
}

/* The lease was renewed, or the job marked finished. */
static void
recompute_renewed(int ok, const char *err, void *arg)
{
	struct recompute_run	*r = arg;

	r->pending--;
	if (r->rc->srv->closing)
		return;
	if (ok == 0) {
		r->stop = r->lost = 1;
		log_info("calendar \"%s\": recompute job %lld was replaced or "
		    "taken over; stopping it here", r->calendar,
		    (long long)r->seq);
	} else if (ok == -1)
		log_warnx("calendar \"%s\": renewing the recompute job: %s",
		    r->calendar, err);
	if (r->phase == RECOMPUTE_FINISH && !r->stop) {
		recompute_end(r);
		return;
	}
	recompute_next(r);
}

/* Whether a record's "cal" (NAME:SEQ) says this job or a later one was
 * already there. */
static int
recompute_marked(const char *mark, const char *calendar, int64_t seq)
{
	const char	*colon = strrchr(mark, ':');
	size_t		 n;

	if (colon == NULL)
		return 0;
	n = (size_t)(colon - mark);
	return n == strlen(calendar) && strncmp(mark, calendar, n) == 0 &&
	    strtoll(colon + 1, NULL, 10) >= seq;
}

/* One conversation is done with; after the batch's last, go on. */
static void
recompute_release(struct recompute_run *r)
{
	if (--r->pending > 0 || r->rc->srv->closing)
		return;
	recompute_next(r);
}

/* Make room for n items in a list; -1 when out of memory. */
static int
recompute_room(struct recompute_item **list, size_t *cap, size_t n)
{
	struct recompute_item	*nl;
	size_t			 c = *cap ? *cap : RECOMPUTE_BATCH;

	if (n <= *cap)
		return 0;
	while (c < n)
		c *= 2;
	if ((nl = realloc(*list, c * sizeof *nl)) == NULL)
		return -1;
	*list = nl;
	*cap = c;
	return 0;
}

/* Try a conversation again in the next batch, or give up on it. */
static void
recompute_again(struct recompute_item *it, const char *why)
{
	struct recompute_run	*r = it->run;

	if (++it->tries < RECOMPUTE_TRIES &&
	    recompute_room(&r->retry, &r->capretry, r->nretry + 1) == 0) {
		r->retry[r->nretry] = *it;
		r->nretry++;
		return;
	}
	r->failed++;
	metrics_inc(RECOMPUTE_CONVS, "outcome=\"failed\"");
	log_warnx("calendar \"%s\": conversation %s: recompute failed: %s",
	    r->calendar, it->id, why);
}

/* recompute-5 answered. */
static void
recompute_done(enum store_cal_recompute_result res, const char *err,
    void *arg)
{
	struct recompute_item	*it = arg;
	struct recompute_run	*r = it->run;

	if (r->rc->srv->closing) {
		r->pending--;
		return;
	}
	switch (res) {
	case STORE_CAL_RC_CHANGED:
		r->changed++;
		metrics_inc(RECOMPUTE_CONVS, "outcome=\"changed\"");
		break;
	case STORE_CAL_RC_SAME:
		r->same++;
		metrics_inc(RECOMPUTE_CONVS, "outcome=\"unchanged\"");
		break;
	case STORE_CAL_RC_MOVED:
		recompute_again(it, "it kept changing while it was read");
		break;
	case STORE_CAL_RC_CLOSED:
	case STORE_CAL_RC_CURRENT:
		break;
	case STORE_CAL_RC_FAILED:
		recompute_again(it, err != NULL ? err : "Redis failed");
		break;
	}
	recompute_release(r);
}

/* A record was read: recompute it if it is on the job's calendar. */
static void
recompute_conv(const struct store_cal_conv *c, const char *err, void *arg)
{
	struct recompute_item		*it = arg;
	struct recompute_run		*r = it->run;
	struct server			*srv = r->rc->srv;
	const struct config		*cfg = srv->cfg;
	const struct config_team	*team;
	const struct calendar		*cal;
	struct store_cal_recompute	 q;
	int64_t				 arrival, dl, due[RECOMPUTE_MAX_STEPS];
	char				 text[RECOMPUTE_MAX_STEPS][64];
	const char			*texts[RECOMPUTE_MAX_STEPS];
	char				 oldt[64], newt[64];
	size_t				 i, ns;

	if (srv->closing) {
		r->pending--;
		return;
	}
	if (c == NULL) {
		recompute_again(it, err != NULL ? err : "Redis failed");
		recompute_release(r);
		return;
	}
	if (!c->found || strcmp(c->state, "awaiting") != 0) {
		recompute_release(r);
		return;
	}
	/* A team no longer configured escalates as the default team. */
	if ((team = config_team(cfg, c->team)) == NULL)
		team = cfg->default_team;
	cal = config_team_calendar(cfg, team);
	if (team == NULL || cal == NULL ||
	    strcmp(calendar_name(cal), r->calendar) != 0 ||
	    recompute_marked(c->cal, r->calendar, r->seq)) {
		recompute_release(r);
		return;
	}
	r->seen++;
	/* As intake does: the arrival in whole seconds, rounded up. */
	arrival = (c->received_ms + 999) / 1000;
	dl = config_deadline(cfg, team, arrival);
	ns = team->nsteps < RECOMPUTE_MAX_STEPS ? team->nsteps :
	    RECOMPUTE_MAX_STEPS;
	for (i = 0; i < ns; i++) {
		due[i] = config_step_due(team, i, dl) * 1000;
		if (calendar_format(cal, due[i] / 1000, text[i],
		    sizeof text[i]) == -1)
			snprintf(text[i], sizeof text[i], "%lld",
			    (long long)due[i]);
		texts[i] = text[i];
	}
	if (calendar_format(cal, c->deadline_ms / 1000, oldt,
	    sizeof oldt) == -1)
		snprintf(oldt, sizeof oldt, "%s", c->deadline);
	if (calendar_format(cal, dl, newt, sizeof newt) == -1)
		snprintf(newt, sizeof newt, "%lld", (long long)dl * 1000);
	memset(&q, 0, sizeof q);
	q.id = it->id;
	q.calendar = r->calendar;
	q.seq = r->seq;
	q.read_deadline = c->deadline;
	q.deadline_ms = dl * 1000;
	q.old_text = oldt;
	q.new_text = newt;
	q.why = r->why;
	q.team = c->team;
	q.nsteps = ns;
	q.due_ms = due;
	q.due_text = texts;
	if (store_cal_recompute(srv->db, &q, recompute_done, it) == -1) {
		recompute_again(it, "Redis unavailable");
		recompute_release(r);
	}
}

/* Read every record of the batch. */
static void
recompute_batch(struct recompute_run *r)
{
	size_t	i;

	r->pending++;		/* a guard until every read is sent */
	for (i = 0; i < r->nbatch; i++) {
		r->batch[i].run = r;
		r->pending++;
		if (store_cal_conv(r->rc->srv->db, r->batch[i].id,
		    recompute_conv, &r->batch[i]) == -1) {
			r->pending--;
			recompute_again(&r->batch[i], "Redis unavailable");
		}
	}
	recompute_release(r);
}

/* A page of ids arrived: make it the batch. */
static void
recompute_ids(const char *const *ids, size_t n, const char *next,
    const char *err, void *arg)
{
	struct recompute_run	*r = arg;
	size_t			 i;

	r->pending--;
	if (r->rc->srv->closing)
		return;
	if (err == NULL && recompute_room(&r->batch, &r->capbatch, n) == -1)
		err = "out of memory";
	if (err != NULL) {
		/* The same page is read again. */
		log_warnx("calendar \"%s\": recompute: reading partition %d: "
		    "%s; trying again", r->calendar, r->p, err);
		recompute_arm(r, RECOMPUTE_RETRY_MS);
		return;
	}
	if (next[0] == '\0') {
		r->p++;
		snprintf(r->cursor, sizeof r->cursor, "0");
	} else
		snprintf(r->cursor, sizeof r->cursor, "%s", next);
	for (i = 0; i < n; i++) {
		memset(&r->batch[i], 0, sizeof r->batch[0]);
		snprintf(r->batch[i].id, sizeof r->batch[0].id, "%s", ids[i]);
	}
	r->nbatch = n;
	recompute_batch(r);
}

/* The run's timer: go on (after a settle wait or a failure). */
static void
recompute_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	recompute_next(arg);
}

/* Between batches: renew the lease now and then, then the next batch. */
static void
recompute_next(struct recompute_run *r)
{
	struct server	*srv = r->rc->srv;
	int64_t		 now = server_time_ms(srv);
	int		 rv = 0;

	if (srv->closing || r->pending > 0)
		return;
	if (r->stop) {
		recompute_end(r);
		return;
	}
	if (r->owner && r->phase != RECOMPUTE_FINISH &&
	    now - r->renewed_ms >= RECOMPUTE_RENEW_MS) {
		r->renewed_ms = now;
		r->pending++;
		if (store_cal_renew(srv->db, r->calendar, r->seq,
		    r->rc->owner, RECOMPUTE_LEASE_MS, 0, recompute_renewed,
		    r) == 0)
			return;
		r->pending--;
	}
	if (r->nretry > 0 &&
	    recompute_room(&r->batch, &r->capbatch, r->nretry) == 0) {
		memcpy(r->batch, r->retry, r->nretry * sizeof r->batch[0]);
		r->nbatch = r->nretry;
		r->nretry = 0;
		recompute_batch(r);
		return;
	}
	for (;;) {
		switch (r->phase) {
		case RECOMPUTE_WALK:
			if (r->p < STORE_PARTITIONS) {
				r->pending++;
				rv = store_cal_awaiting(srv->db, r->p,
				    r->cursor, RECOMPUTE_BATCH,
				    recompute_ids, r);
				break;
			}
			r->phase = RECOMPUTE_SWEEP;
			r->walk_ms = recompute_elapsed_ms(&r->t0);
			r->p = 0;
			snprintf(r->cursor, sizeof r->cursor, "0");
			continue;
		case RECOMPUTE_SWEEP:
			if (r->from_ms < 0 || r->p >= STORE_PARTITIONS) {
				r->phase = RECOMPUTE_FINISH;
				continue;
			}
			if (now < r->settle_ms) {
				recompute_arm(r, r->settle_ms - now);
				return;
			}
			if (r->to_ms == 0)
				r->to_ms = now;
			r->pending++;
			rv = store_cal_arrived(srv->db, r->p, r->from_ms,
			    r->to_ms, r->cursor, RECOMPUTE_BATCH,
			    recompute_ids, r);
			break;
		case RECOMPUTE_FINISH:
		default:
			if (!r->owner) {
				recompute_end(r);
				return;
			}
			r->pending++;
			rv = store_cal_renew(srv->db, r->calendar, r->seq,
			    r->rc->owner, RECOMPUTE_LEASE_MS, 1,
			    recompute_renewed, r);
			break;
		}
		break;
	}
	if (rv == -1) {
		/* Redis is away: try again shortly. */
		r->pending--;
		recompute_arm(r, RECOMPUTE_RETRY_MS);
	}
}

/* Set up. */
int
recompute_start(struct server *srv)
{
	struct recompute	*rc;
	char			 host[64];

	metrics_define(RECOMPUTE_CONVS, METRICS_COUNTER,
	    "Open conversations recomputed after a calendar changed, by "
	    "outcome (changed, unchanged, failed).");
	metrics_define(RECOMPUTE_JOBS, METRICS_COUNTER,
	    "Recompute jobs run here, by outcome (done, stopped).");
	if ((rc = calloc(1, sizeof *rc)) == NULL)
		return -1;
	rc->srv = srv;
	if (gethostname(host, sizeof host) == -1)
		snprintf(host, sizeof host, "replyd");
	host[sizeof host - 1] = '\0';
	snprintf(rc->owner, sizeof rc->owner, "%s-%ld-%ld", host,
	    (long)getpid(), (long)time(NULL));
	srv->recompute = rc;
	return 0;
}

/* Free every run (after the Redis connection that served them). */
void
recompute_free(struct server *srv)
{
	struct recompute	*rc = srv->recompute;
	struct recompute_run	*r, *next;

	if (rc == NULL)
		return;
	for (r = rc->runs; r != NULL; r = next) {
		next = r->next;
		recompute_run_free(r);
	}
	free(rc);
	srv->recompute = NULL;
}

/* Run a job. */
int
recompute_run(struct server *srv, const struct recompute_job *job)
{
	struct recompute	*rc = srv->recompute;
	struct recompute_run	*r, *o;

	if (rc == NULL || (r = calloc(1, sizeof *r)) == NULL)
		return -1;
	r->rc = rc;
	r->calendar = strdup(job->calendar);
	r->why = strdup(job->why != NULL ? job->why : "calendar changed");
	r->ev = evtimer_new(srv->base, recompute_timer_cb, r);
	if (r->calendar == NULL || r->why == NULL || r->ev == NULL) {
		recompute_run_free(r);
		return -1;
	}
	r->seq = job->seq;
	r->owner = job->owner;
	r->walk = job->walk;
	r->from_ms = job->arrived_from_ms;
	r->settle_ms = job->settle_until_ms;
	r->phase = job->walk ? RECOMPUTE_WALK : RECOMPUTE_SWEEP;
	snprintf(r->cursor, sizeof r->cursor, "0");
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	r->renewed_ms = server_time_ms(srv);
	if (job->walk)
		for (o = rc->runs; o != NULL; o = o->next)
			if (o->walk && !o->stop &&
			    strcmp(o->calendar, job->calendar) == 0) {
				o->stop = 1;
				if (o->pending == 0)
					recompute_arm(o, 0);
			}
	r->next = rc->runs;
	rc->runs = r;
	log_info("calendar \"%s\": %s open conversations (job %lld%s): %s",
	    r->calendar, r->walk ? "recomputing" : "catching up on recent",
	    (long long)r->seq, r->owner ? "" : ", helping", r->why);
	recompute_arm(r, 0);
	return 0;
}

/* Whether a walk of the calendar is running here. */
int
recompute_walking(const struct server *srv, const char *calendar)
{
	const struct recompute_run	*r;

	if (srv->recompute == NULL)
		return 0;
	for (r = srv->recompute->runs; r != NULL; r = r->next)
		if (r->walk && !r->stop && strcmp(r->calendar, calendar) == 0)
			return 1;
	return 0;
}

/* The owner name used in Redis. */
const char *
recompute_owner(const struct server *srv)
{
	return srv->recompute != NULL ? srv->recompute->owner : "replyd";
}
