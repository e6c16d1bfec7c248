/*
 * calsync.c: see calsync.h.
 *
 * Once a second (and at once when Redis becomes ready) each calendar's
 * hash (rd:cal:NAME) and each feed's hash (rd:feed:H) is polled.  A new
 * closures revision or feed is read and applied to the current
 * generation's calendars (calendar_update rebuilds a calendar in place);
 * then calsync_decide compares this instance's deadline version with the
 * one Redis records:
 *
 *  - our version changed: claim it (calclaim-1).  The claim's winner walks
 *    every open conversation; an instance that finds the version already
 *    claimed only catches up on what it stored itself since it was last in
 *    step (it may have used the old data meanwhile);
 *  - Redis records a version we do not have (another instance runs other
 *    data, e.g. it was reloaded and we were not): say so once and wait;
 *  - in step, with an unfinished job whose owner stopped renewing it:
 *    take it over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "base/duration.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "conf/config.h"
#include "io/db.h"
#include "io/http.h"
#include "rules/calendar.h"
#include "store/cal.h"
#include "serve/api.h"
#include "serve/calsync.h"
#include "serve/feed.h"
#include "serve/recompute.h"
#include "serve/server.h"

#define CALSYNC_POLL_MS	1000
#define CALSYNC_LEASE_MS	10000
#define CALSYNC_MARGIN_MS	2000	/* before the last time in step */
#define CALSYNC_SETTLE_MS	3000	/* others pick a change up by then */
#define CALSYNC_MAX_DAYS	400	/* per GET */
#define CALSYNC_REASON_MAX	200
#define CALSYNC_MAX_CLOSURES	1000	/* store/cal.c hands back 1024 */
#define CALSYNC_OUT_OF_SYNC	"replyd_calsync_out_of_sync"

/* One calendar, by name, across generations. */
struct cal_entry {
	struct calsync	*st;
	char			*name;
	struct store_cal_closure *closures;	/* as Redis has them */
	size_t			 nclosures;
	int64_t			 rev;		/* of those; -1: not read */
	int			 reading;
	int			 claiming;
	int			 changed;	/* our version moved: claim */
	int			 at_start;
	int			 record;	/* with no version in Redis, only
						   record ours (no change yet) */
	int			 counting;	/* open conversations, for that */
	char			 why[256];
	char			 ver[40];	/* our deadline version */
	struct store_cal_state	 last;		/* as last read */
	int			 have_last;
	int64_t			 synced_ms;	/* last in step (-1: never) */
	int			 out_of_sync;
	char			 warned[40];
	int			 present;	/* in the configuration */
};

/* One bank_holidays.url, across generations. */
struct cal_feedsrc {
	struct calsync	*st;
	char			*url;
	char			 sha[72];	/* of body */
	char			*body;		/* the stored feed, or NULL */
	size_t			 len;
	int			 loaded;	/* read from Redis at least once */
	int			 reading;
	int			 refreshing;
	struct store_feed_state	 last;
	char			 warned[72];	/* sha we said was unusable */
	int			 present;
};

struct calsync {
	struct server		 *srv;
	struct event		 *poll_ev;
	struct cal_entry	**cals;
	size_t			  ncals;
	struct cal_feedsrc	**feeds;
	size_t			  nfeeds;
	int			  loaded;
	int64_t			  started_ms;	/* Redis time when first ready */
	void			(*changed)(struct server *);
};

static void	calsync_decide(struct cal_entry *);
static void	calsync_poll(struct calsync *);

/* Mix bytes into an FNV-1a hash. */
static uint64_t
calsync_mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Mix a duration. */
static uint64_t
calsync_mix_duration(uint64_t h, const struct duration *d)
{
	int64_t	v[3] = { d->amount, d->unit, d->working };

	return calsync_mix(h, v, sizeof v);
}

/*
 * The deadline version of a calendar: everything a stored deadline or
 * step due time on it depends on (the calendar's data, the promise, the
 * teams on it and their escalation steps), as 16 hex digits.
 */
static void
calsync_version(const struct config *cfg, const struct calendar *cal,
    char *out, size_t len)
{
	const struct config_team	*t;
	uint64_t			 h = 0xcbf29ce484222325ULL, v;
	size_t				 i, j;
	int				 mode = cfg->promise.mode;

	v = calendar_version(cal);
	h = calsync_mix(h, &v, sizeof v);
	h = calsync_mix_duration(h, &cfg->promise.within);
	h = calsync_mix(h, &mode, sizeof mode);
	for (i = 0; i < cfg->nteams; i++) {
		t = &cfg->teams[i];
		if (config_team_calendar(cfg, t) != cal)
			continue;
		h = calsync_mix(h, t->id, strlen(t->id) + 1);
		h = calsync_mix(h, &t->nsteps, sizeof t->nsteps);
		for (j = 0; j < t->nsteps; j++)
			h = calsync_mix_duration(h, &t->steps[j].after);
	}
	snprintf(out, len, "%016llx", (unsigned long long)h);
}

/* A calendar's entry by name, or NULL. */
static struct cal_entry *
calsync_entry(const struct calsync *st, const char *name)
{
	size_t	i;

	for (i = 0; i < st->ncals; i++)
		if (strcmp(st->cals[i]->name, name) == 0)
			return st->cals[i];
	return NULL;
}

/* A feed's entry by URL, or NULL. */
static struct cal_feedsrc *
calsync_feedsrc(const struct calsync *st, const char *url)
{
	size_t	i;

	for (i = 0; i < st->nfeeds; i++)
		if (strcmp(st->feeds[i]->url, url) == 0)
			return st->feeds[i];
	return NULL;
}

/* The entry of a calendar, made if new; NULL when out of memory. */
static struct cal_entry *
calsync_add_entry(struct calsync *st, const char *name)
{
	struct cal_entry	*e, **n;

	if ((e = calsync_entry(st, name)) != NULL)
		return e;
	if ((n = realloc(st->cals, (st->ncals + 1) * sizeof *n)) == NULL)
		return NULL;
	st->cals = n;
	if ((e = calloc(1, sizeof *e)) == NULL ||
	    (e->name = strdup(name)) == NULL) {
		free(e);
		return NULL;
	}
	e->st = st;
	e->rev = -1;
	e->synced_ms = -1;
	e->changed = 1;
	e->at_start = 1;
	e->record = 1;
	snprintf(e->why, sizeof e->why, "replyd started with calendar data "
	    "the open conversations were not computed with");
	st->cals[st->ncals++] = e;
	return e;
}

/* The entry of a feed URL, made if new; NULL when out of memory. */
static struct cal_feedsrc *
calsync_add_feedsrc(struct calsync *st, const char *url)
{
	struct cal_feedsrc	*f, **n;

	if ((f = calsync_feedsrc(st, url)) != NULL)
		return f;
	if ((n = realloc(st->feeds, (st->nfeeds + 1) * sizeof *n)) == NULL)
		return NULL;
	st->feeds = n;
	if ((f = calloc(1, sizeof *f)) == NULL ||
	    (f->url = strdup(url)) == NULL) {
		free(f);
		return NULL;
	}
	if (strncmp(url, "http://", 7) == 0)
		log_warnx("bank_holidays.url %.*s is plain http: anyone on the "
		    "way could change the bank holidays; use https outside "
		    "tests", (int)strcspn(url, "?#"), url);
	f->st = st;
	st->feeds[st->nfeeds++] = f;
	return f;
}

/* Make entries for everything the current configuration names. */
static void
calsync_sync_entries(struct calsync *st)
{
	const struct config	*cfg = st->srv->cfg;
	const struct calendar	*cal;
	struct cal_entry	*e;
	struct cal_feedsrc	*f;
	size_t			 i;

	for (i = 0; i < st->ncals; i++)
		st->cals[i]->present = 0;
	for (i = 0; i < st->nfeeds; i++)
		st->feeds[i]->present = 0;
	for (i = 0; i < calendars_count(cfg->calendars); i++) {
		cal = calendars_at(cfg->calendars, i);
		if ((e = calsync_add_entry(st, calendar_name(cal))) == NULL)
			fatalx("out of memory");
		e->present = 1;
		if (calendar_feed_url(cal) != NULL) {
			if ((f = calsync_add_feedsrc(st,
			    calendar_feed_url(cal))) == NULL)
				fatalx("out of memory");
			f->present = 1;
		}
	}
}

/*
 * Give the current generation's calendar of entry e the shared data, and
 * note a new deadline version (why it changed) for calsync_decide.
 */
static void
calsync_apply(struct cal_entry *e, const char *why)
{
	struct calsync	*st = e->st;
	const struct config	*cfg = st->srv->cfg;
	struct calendar		*cal;
	struct calendar_holiday	*h;
	struct calendar_feed	*live = NULL;
	struct cal_feedsrc	*src;
	char			 ver[40], err[600];
	size_t			 i, n = 0;

	if ((cal = calendars_get(cfg->calendars, e->name)) == NULL)
		return;
	if ((h = calloc(e->nclosures + 1, sizeof *h)) == NULL) {
		log_warnx("calendar \"%s\": out of memory applying its "
		    "closures", e->name);
		return;
	}
	for (i = 0; i < e->nclosures; i++) {
		if (timeutil_parse_date(e->closures[i].date, &h[n].day) == -1)
			continue;
		h[n++].title = e->closures[i].reason;
	}
	if (calendar_feed_url(cal) != NULL &&
	    (src = calsync_feedsrc(st, calendar_feed_url(cal))) != NULL &&
	    src->body != NULL &&
	    (live = feed_for(cal, src->body, src->len, err,
	    sizeof err)) == NULL && strcmp(src->warned, src->sha) != 0) {
		snprintf(src->warned, sizeof src->warned, "%s", src->sha);
		log_warnx("calendar \"%s\": the stored bank-holiday feed "
		    "cannot be used (%s); using bank_holidays.file", e->name,
		    err);
	}
	if (calendar_update(cal, h, n, live) == -1)
		log_warnx("calendar \"%s\": out of memory applying its "
		    "shared data; keeping what it had", e->name);
	calendar_feed_free(live);
	free(h);
	calsync_version(cfg, cal, ver, sizeof ver);
	if (strcmp(ver, e->ver) != 0) {
		snprintf(e->ver, sizeof e->ver, "%s", ver);
		if (!e->at_start) {
			/* A change: with no version recorded, still walk. */
			snprintf(e->why, sizeof e->why, "%s", why);
			e->record = 0;
		}
		e->changed = 1;
		if (st->changed != NULL)
			st->changed(st->srv);
	}
}

/* Whether every present calendar and feed has been read once. */
static void
calsync_check_loaded(struct calsync *st)
{
	size_t	i;

	if (st->loaded)
		return;
	for (i = 0; i < st->ncals; i++)
		if (st->cals[i]->present && st->cals[i]->rev < 0)
			return;
	for (i = 0; i < st->nfeeds; i++)
		if (st->feeds[i]->present && !st->feeds[i]->loaded)
			return;
	st->loaded = 1;
	log_debug("calendars: shared data read");
}

/* Count the calendars out of step with Redis, for /metrics. */
static void
calsync_out_of_sync_metric(struct calsync *st)
{
	size_t	i, n = 0;

	for (i = 0; i < st->ncals; i++)
		n += st->cals[i]->present && st->cals[i]->out_of_sync;
	metrics_set(CALSYNC_OUT_OF_SYNC, NULL, (double)n);
}

/* Start a job. */
static void
calsync_run(struct cal_entry *e, int64_t seq, const char *why, int walk,
    int64_t from_ms, int64_t settle_ms)
{
	struct recompute_job	job;

	memset(&job, 0, sizeof job);
	job.calendar = e->name;
	job.seq = seq;
	job.why = why;
	job.owner = walk;
	job.walk = walk;
	job.arrived_from_ms = from_ms;
	job.settle_until_ms = settle_ms;
	if (recompute_run(e->st->srv, &job) == -1)
		log_warnx("calendar \"%s\": cannot start recomputing (out of "
		    "memory)", e->name);
}

/* When this instance may have stored stale deadlines since, with margin. */
static int64_t
calsync_stale_since(const struct cal_entry *e)
{
	int64_t	t = e->synced_ms >= 0 ? e->synced_ms : e->st->started_ms;

	return t - CALSYNC_MARGIN_MS;
}

/* The claim answered. */
static void
calsync_claimed(enum store_cal_claim_result res, int64_t seq,
    int64_t started_ms, const char *why, const char *err, void *arg)
{
	struct cal_entry	*e = arg;
	struct server		*srv = e->st->srv;
	int64_t			 from;

	e->claiming = 0;
	if (srv->closing)
		return;
	if (res == STORE_CAL_CLAIM_FAILED || res == STORE_CAL_NOT_MINE) {
		log_warnx("calendar \"%s\": claiming the recompute: %s; trying "
		    "again", e->name, err != NULL ? err : "no answer");
		e->changed = 1;
		return;
	}
	from = calsync_stale_since(e);
	switch (res) {
	case STORE_CAL_MINE:
		if (started_ms - 5000 < from)
			from = started_ms - 5000;
		calsync_run(e, seq, e->why, 1, from, started_ms +
		    CALSYNC_SETTLE_MS);
		break;
	case STORE_CAL_CURRENT:
		/* Another instance had it first: catch up on our own, unless
		 * we only meant to record the data we already had. */
		if (!e->record || e->at_start)
			calsync_run(e, seq, why[0] != '\0' ? why : e->why, 0,
			    from, 0);
		break;
	case STORE_CAL_RECORDED:
		log_info("calendar \"%s\": deadline version %s recorded",
		    e->name, e->ver);
		break;
	case STORE_CAL_ABSENT:
		/* Nothing to recompute yet: record it once there is. */
		e->at_start = 0;
		if (e->changed)
			calsync_decide(e);
		return;
	default:
		break;
	}
	e->at_start = 0;
	e->record = 0;
	e->out_of_sync = 0;
	e->warned[0] = '\0';
	e->synced_ms = server_time_ms(srv);
	snprintf(e->last.ver, sizeof e->last.ver, "%s", e->ver);
	e->last.seq = seq;
	if (res == STORE_CAL_MINE) {
		e->last.started_ms = started_ms;
		e->last.lease_ms = started_ms + CALSYNC_LEASE_MS;
	}
	calsync_out_of_sync_metric(e->st);
	if (e->changed)
		calsync_decide(e);
}

/* A takeover answered. */
static void
calsync_taken(enum store_cal_claim_result res, int64_t seq,
    int64_t started_ms, const char *why, const char *err, void *arg)
{
	struct cal_entry	*e = arg;

	e->claiming = 0;
	if (e->st->srv->closing || res != STORE_CAL_MINE)
		return;
	log_info("calendar \"%s\": taking over recompute job %lld, whose "
	    "instance stopped renewing it", e->name,
	    (long long)e->last.seq);
	calsync_run(e, e->last.seq, why, 1, started_ms - 5000, 0);
}

/* Open conversations were counted: with some, record our version. */
static void
calsync_counted(int n, void *arg)
{
	struct cal_entry	*e = arg;

	e->counting = 0;
	if (e->st->srv->closing || n <= 0 || !e->record)
		return;
	e->changed = 1;
	calsync_decide(e);
}

/* Decide what this instance does about entry e (see the top). */
static void
calsync_decide(struct cal_entry *e)
{
	struct server		*srv = e->st->srv;
	struct store_cal_state	*s = &e->last;
	const struct calendar	*cal;
	struct cal_feedsrc	*src;
	int64_t			 now = server_time_ms(srv);

	if (!e->present || !e->have_last || e->rev < 0 || e->claiming ||
	    !db_ready(srv->db))
		return;
	/* A feed not read yet would change the version again at once. */
	cal = calendars_get(srv->cfg->calendars, e->name);
	if (cal != NULL && calendar_feed_url(cal) != NULL &&
	    ((src = calsync_feedsrc(e->st, calendar_feed_url(cal))) ==
	    NULL || !src->loaded))
		return;
	if (e->changed) {
		e->changed = 0;
		e->claiming = 1;
		if (store_cal_claim(srv->db, e->name, e->ver, e->why,
		    recompute_owner(srv), CALSYNC_LEASE_MS, !e->record ?
		    STORE_CAL_FIRST_CLAIM : e->at_start ? STORE_CAL_FIRST_PEEK :
		    STORE_CAL_FIRST_RECORD, calsync_claimed, e) == -1) {
			e->claiming = 0;
			e->changed = 1;
		}
		return;
	}
	if (s->ver[0] == '\0') {
		/* Nothing recorded: once open conversations appear, their
		 * deadlines are this data's.  Nothing disagrees with us. */
		e->synced_ms = now;
		if (e->record && !e->counting) {
			e->counting = 1;
			if (store_cal_any_open(srv->db, calsync_counted,
			    e) == -1)
				e->counting = 0;
		}
		return;
	}
	if (s->ver[0] != '\0' && strcmp(s->ver, e->ver) != 0) {
		if (strcmp(e->warned, s->ver) != 0) {
			snprintf(e->warned, sizeof e->warned, "%s", s->ver);
			log_warnx("calendar \"%s\": open conversations were "
			    "recomputed by another instance for calendar data "
			    "(version %s) this instance does not have (%s): "
			    "give every instance the same configuration and "
			    "reload it", e->name, s->ver, e->ver);
		}
		e->out_of_sync = 1;
		calsync_out_of_sync_metric(e->st);
		return;
	}
	if (e->out_of_sync) {
		/* In step again: what we stored meanwhile may be stale. */
		calsync_run(e, s->seq, s->job_why, 0,
		    calsync_stale_since(e), 0);
		e->out_of_sync = 0;
		e->warned[0] = '\0';
		calsync_out_of_sync_metric(e->st);
	}
	e->synced_ms = now;
	if (s->seq > s->done && s->lease_ms < now && s->lease_ms > 0 &&
	    !recompute_walking(srv, e->name)) {
		e->claiming = 1;
		if (store_cal_takeover(srv->db, e->name, s->seq, e->ver,
		    recompute_owner(srv), CALSYNC_LEASE_MS, calsync_taken,
		    e) == -1)
			e->claiming = 0;
	}
}

/* A calendar's closures were read. */
static void
calsync_closures_read(enum store_cal_closure_result res, int64_t rev,
    const struct store_cal_closure *c, size_t n, const char *err, void *arg)
{
	struct cal_entry	*e = arg;
	struct store_cal_closure *copy;

	e->reading = 0;
	if (e->st->srv->closing)
		return;
	if (res == STORE_CAL_CLOSURE_FAILED) {
		log_warnx("calendar \"%s\": reading its closures: %s", e->name,
		    err != NULL ? err : "Redis failed");
		return;
	}
	if ((copy = calloc(n + 1, sizeof *copy)) == NULL)
		return;
	if (n > 0)
		memcpy(copy, c, n * sizeof *copy);
	free(e->closures);
	e->closures = copy;
	e->nclosures = n;
	e->rev = rev;
	calsync_apply(e, e->last.why[0] != '\0' ? e->last.why :
	    "unplanned closures changed");
	calsync_check_loaded(e->st);
	calsync_decide(e);
}

/* A calendar's shared state was read. */
static void
calsync_state_read(const struct store_cal_state *s, const char *err,
    void *arg)
{
	struct cal_entry	*e = arg;

	e->reading = 0;
	if (e->st->srv->closing)
		return;
	if (s == NULL) {
		log_debug("calendar \"%s\": reading its state: %s", e->name,
		    err);
		return;
	}
	e->last = *s;
	e->have_last = 1;
	if (s->rev != e->rev) {
		e->reading = 1;
		if (store_cal_closures(e->st->srv->db, e->name,
		    calsync_closures_read, e) == -1)
			e->reading = 0;
		return;
	}
	calsync_decide(e);
}

/* Apply a feed to every calendar that names it. */
static void
calsync_apply_feed(struct cal_feedsrc *f, const char *why)
{
	struct calsync	*st = f->st;
	const struct config	*cfg = st->srv->cfg;
	const struct calendar	*cal;
	struct cal_entry	*e;
	size_t			 i;

	for (i = 0; i < calendars_count(cfg->calendars); i++) {
		cal = calendars_at(cfg->calendars, i);
		if (calendar_feed_url(cal) == NULL ||
		    strcmp(calendar_feed_url(cal), f->url) != 0 ||
		    (e = calsync_entry(st, calendar_name(cal))) == NULL ||
		    e->rev < 0)
			continue;
		calsync_apply(e, why);
		calsync_decide(e);
	}
}

/* A refresh finished: read back what it stored. */
static void
calsync_refreshed(struct server *srv, const char *url,
    enum feed_result res, const char *sha, void *arg)
{
	struct cal_feedsrc	*f = arg;

	f->refreshing = 0;
	if (res == FEED_UPDATED)
		calsync_poll(f->st);
}

/* Fetch a feed that is due (by its state in Redis). */
static void
calsync_maybe_refresh(struct cal_feedsrc *f)
{
	struct server	*srv = f->st->srv;

	if (!f->present || f->refreshing ||
	    f->last.next_ms > server_time_ms(srv))
		return;
	f->refreshing = 1;
	if (feed_refresh(srv, f->url, calsync_refreshed, f) == -1)
		f->refreshing = 0;
}

/* A feed's stored body was read. */
static void
calsync_body_read(const char *body, size_t len, const char *sha,
    const char *err, void *arg)
{
	struct cal_feedsrc	*f = arg;
	char			*copy = NULL;

	f->reading = 0;
	if (f->st->srv->closing)
		return;
	if (err != NULL) {
		log_warnx("bank-holiday feed: reading the stored copy: %s",
		    err);
		return;
	}
	if (body != NULL && (copy = malloc(len + 1)) == NULL)
		return;
	if (copy != NULL) {
		memcpy(copy, body, len);
		copy[len] = '\0';
	}
	free(f->body);
	f->body = copy;
	f->len = copy != NULL ? len : 0;
	snprintf(f->sha, sizeof f->sha, "%s", sha);
	f->loaded = 1;
	calsync_check_loaded(f->st);
	calsync_apply_feed(f, "the bank-holiday feed was refreshed");
	calsync_maybe_refresh(f);
}

/* A feed's shared state was read. */
static void
calsync_feed_read(const struct store_feed_state *s, const char *err,
    void *arg)
{
	struct cal_feedsrc	*f = arg;

	f->reading = 0;
	if (f->st->srv->closing)
		return;
	if (s == NULL) {
		log_debug("bank-holiday feed: reading its state: %s", err);
		return;
	}
	f->last = *s;
	if (!f->loaded || strcmp(s->sha, f->sha) != 0) {
		f->reading = 1;
		if (store_feed_body(f->st->srv->db, f->url, calsync_body_read,
		    f) == -1)
			f->reading = 0;
		return;
	}
	calsync_maybe_refresh(f);
}

/* Read every calendar's and feed's shared state. */
static void
calsync_poll(struct calsync *st)
{
	struct db	*db = st->srv->db;
	size_t		 i;

	if (db == NULL || !db_ready(db))
		return;
	if (st->started_ms == 0)
		st->started_ms = server_time_ms(st->srv);
	for (i = 0; i < st->ncals; i++) {
		if (!st->cals[i]->present || st->cals[i]->reading)
			continue;
		st->cals[i]->reading = 1;
		if (store_cal_state(db, st->cals[i]->name,
		    calsync_state_read, st->cals[i]) == -1)
			st->cals[i]->reading = 0;
	}
	for (i = 0; i < st->nfeeds; i++) {
		if (!st->feeds[i]->present || st->feeds[i]->reading)
			continue;
		st->feeds[i]->reading = 1;
		if (store_feed_state(db, st->feeds[i]->url,
		    calsync_feed_read, st->feeds[i]) == -1)
			st->feeds[i]->reading = 0;
	}
}

/* Once a second. */
static void
calsync_poll_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct calsync	*st = arg;
	struct timeval		 tv = { 0, CALSYNC_POLL_MS * 1000 };

	calsync_poll(st);
	evtimer_add(st->poll_ev, &tv);
}

/* Start. */
int
calsync_start(struct server *srv, void (*changed)(struct server *))
{
	struct calsync	*st;
	struct timeval		 tv = { 0, CALSYNC_POLL_MS * 1000 };
	size_t			 i;

	metrics_define(CALSYNC_OUT_OF_SYNC, METRICS_GAUGE,
	    "Calendars whose data here differs from the version the open "
	    "conversations were last recomputed for (reload this instance).");
	feed_init();
	if (recompute_start(srv) == -1 ||
	    (st = calloc(1, sizeof *st)) == NULL)
		return -1;
	st->srv = srv;
	srv->calsync = st;
	calsync_sync_entries(st);
	for (i = 0; i < st->ncals; i++)
		calsync_version(srv->cfg, calendars_get(srv->cfg->calendars,
		    st->cals[i]->name), st->cals[i]->ver,
		    sizeof st->cals[i]->ver);
	if ((st->poll_ev = evtimer_new(srv->base, calsync_poll_cb,
	    st)) == NULL)
		return -1;
	evtimer_add(st->poll_ev, &tv);
	return 0;
}

/* Redis is ready: read now. */
void
calsync_db_ready(struct server *srv)
{
	if (srv->calsync != NULL)
		calsync_poll(srv->calsync);
}

/* A reload swapped the generation in. */
void
calsync_reload(struct server *srv)
{
	struct calsync	*st = srv->calsync;
	size_t			 i;

	if (st == NULL)
		return;
	calsync_sync_entries(st);
	st->loaded = 0;
	for (i = 0; i < st->ncals; i++)
		if (st->cals[i]->present && st->cals[i]->rev >= 0)
			calsync_apply(st->cals[i], "the configuration was "
			    "reloaded");
	calsync_check_loaded(st);
	for (i = 0; i < st->ncals; i++)
		calsync_decide(st->cals[i]);
	/* New calendars and feeds are read at once. */
	calsync_poll(st);
}

/* Whether the shared data was read. */
int
calsync_loaded(const struct server *srv)
{
	return srv->calsync != NULL && srv->calsync->loaded;
}

/* Free everything (after the Redis connection). */
void
calsync_free(struct server *srv)
{
	struct calsync	*st = srv->calsync;
	size_t			 i;

	recompute_free(srv);
	if (st == NULL)
		return;
	if (st->poll_ev != NULL)
		event_free(st->poll_ev);
	for (i = 0; i < st->ncals; i++) {
		free(st->cals[i]->name);
		free(st->cals[i]->closures);
		free(st->cals[i]);
	}
	for (i = 0; i < st->nfeeds; i++) {
		free(st->feeds[i]->url);
		free(st->feeds[i]->body);
		free(st->feeds[i]);
	}
	free(st->cals);
	free(st->feeds);
	free(st);
	srv->calsync = NULL;
}

/* A date as text, or an empty string. */
static void
calsync_date(int32_t day, char *buf, size_t len)
{
	if (timeutil_format_date(day, buf, len) == -1)
		buf[0] = '\0';
}

/* The bank-holiday part of a calendar's description. */
static cJSON *
calsync_holidays_json(const struct calsync *st,
    const struct calendar *cal, int64_t now, int dates)
{
	const struct calendar_feed	*f = calendar_holidays(cal);
	const struct cal_feedsrc	*src = NULL;
	cJSON				*j, *list, *d;
	const char			*title;
	int32_t				 day;
	size_t				 i;
	char				 buf[64];

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	if (calendar_division(cal) == NULL) {
		cJSON_AddNullToObject(j, "division");
		return j;
	}
	cJSON_AddStringToObject(j, "division", calendar_division(cal));
	cJSON_AddStringToObject(j, "source", calendar_holidays_fetched(cal) ?
	    "url" : "file");
	if (calendar_feed_url(cal) != NULL) {
		src = calsync_feedsrc(st, calendar_feed_url(cal));
		cJSON_AddStringToObject(j, "url", calendar_feed_url(cal));
	}
	if (src != NULL && src->last.fetched_ms > 0) {
		api_time(cal, src->last.fetched_ms, buf, sizeof buf);
		cJSON_AddStringToObject(j, "fetched_at", buf);
	} else if (src != NULL)
		cJSON_AddNullToObject(j, "fetched_at");
	if (src != NULL && src->last.error[0] != '\0')
		cJSON_AddStringToObject(j, "last_error", src->last.error);
	calsync_date(calendar_data_end(cal), buf, sizeof buf);
	cJSON_AddStringToObject(j, "data_end", buf);
	cJSON_AddBoolToObject(j, "expiring", calendar_data_expiring(cal,
	    now / 1000));
	if (!dates)
		return j;
	list = cJSON_AddArrayToObject(j, "dates");
	for (i = 0; (title = calendar_feed_at(f, i, &day)) != NULL; i++) {
		if ((d = cJSON_CreateObject()) == NULL)
			break;
		calsync_date(day, buf, sizeof buf);
		cJSON_AddStringToObject(d, "date", buf);
		cJSON_AddStringToObject(d, "title", title);
		cJSON_AddItemToArray(list, d);
	}
	return j;
}

/* The unplanned closures of an entry from day `from` on; who added them
 * and when only with `who` (not on /readyz, which anyone may ask). */
static cJSON *
calsync_closures_json(const struct cal_entry *e,
    const struct calendar *cal, const char *from, int who)
{
	cJSON	*list, *c;
	char	 buf[64];
	size_t	 i;

	if ((list = cJSON_CreateArray()) == NULL)
		return NULL;
	for (i = 0; e != NULL && i < e->nclosures; i++) {
		if (from != NULL && strcmp(e->closures[i].date, from) < 0)
			continue;
		if ((c = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddStringToObject(c, "date", e->closures[i].date);
		cJSON_AddStringToObject(c, "reason", e->closures[i].reason);
		if (who)
			cJSON_AddStringToObject(c, "by", e->closures[i].by);
		if (who && e->closures[i].at_ms > 0) {
			api_time(cal, e->closures[i].at_ms, buf, sizeof buf);
			cJSON_AddStringToObject(c, "at", buf);
		}
		cJSON_AddItemToArray(list, c);
	}
	return list;
}

/* Add each calendar's state to /readyz. */
void
calsync_readyz(struct server *srv, cJSON *j)
{
	struct calsync	*st = srv->calsync;
	const struct calendar	*cal;
	struct cal_entry	*e;
	cJSON			*all, *c;
	int64_t			 now = server_time_ms(srv);
	char			 today[16];
	size_t			 i;

	if (st == NULL || (all = cJSON_AddObjectToObject(j,
	    "calendars")) == NULL)
		return;
	for (i = 0; i < calendars_count(srv->cfg->calendars); i++) {
		cal = calendars_at(srv->cfg->calendars, i);
		e = calsync_entry(st, calendar_name(cal));
		if ((c = cJSON_AddObjectToObject(all,
		    calendar_name(cal))) == NULL)
			continue;
		cJSON_AddStringToObject(c, "version", e != NULL ? e->ver : "");
		cJSON_AddBoolToObject(c, "in_step", e != NULL &&
		    !e->out_of_sync);
		cJSON_AddBoolToObject(c, "recomputing",
		    recompute_walking(srv, calendar_name(cal)));
		calsync_date(calendar_day_of(cal, now / 1000), today,
		    sizeof today);
		cJSON_AddItemToObject(c, "unplanned_closures",
		    calsync_closures_json(e, cal, today, 0));
		cJSON_AddItemToObject(c, "bank_holidays",
		    calsync_holidays_json(st, cal, now, 0));
	}
}

/* A kind's name in the API. */
static const char *
calsync_kind(enum calendar_day_kind k)
{
	switch (k) {
	case CALENDAR_WEEKLY: return "weekly";
	case CALENDAR_SPECIAL: return "special_hours";
	case CALENDAR_BANK_HOLIDAY: return "bank_holiday";
	case CALENDAR_CLOSURE: return "closure";
	case CALENDAR_UNPLANNED: return "unplanned_closure";
	}
	return "weekly";
}

/* One day of a calendar as JSON. */
static cJSON *
calsync_day_json(const struct calendar *cal, int32_t day)
{
	static const char *const wd[7] = { "sun", "mon", "tue", "wed", "thu",
	    "fri", "sat" };
	struct calendar_day	 d;
	cJSON			*j, *wins, *w;
	const char		*reason = NULL;
	char			 buf[64];
	size_t			 i;

	if (calendar_day_info(cal, day, &d) == -1 ||
	    (j = cJSON_CreateObject()) == NULL)
		return NULL;
	calsync_date(day, buf, sizeof buf);
	cJSON_AddStringToObject(j, "date", buf);
	cJSON_AddStringToObject(j, "weekday", wd[timeutil_weekday(day)]);
	cJSON_AddBoolToObject(j, "open", d.n > 0);
	cJSON_AddStringToObject(j, "kind", calsync_kind(d.kind));
	switch (d.kind) {
	case CALENDAR_BANK_HOLIDAY:
	case CALENDAR_UNPLANNED:
		reason = d.reason;
		break;
	case CALENDAR_CLOSURE:
		reason = "closed in the configuration (closures)";
		break;
	case CALENDAR_SPECIAL:
		reason = d.n == 0 ? "special hours: closed" : NULL;
		break;
	case CALENDAR_WEEKLY:
		reason = d.n == 0 ? "not a working day" : NULL;
		break;
	}
	if (reason != NULL)
		cJSON_AddStringToObject(j, "reason", reason);
	else
		cJSON_AddNullToObject(j, "reason");
	wins = cJSON_AddArrayToObject(j, "windows");
	for (i = 0; i < d.n; i++) {
		if ((w = cJSON_CreateObject()) == NULL)
			break;
		calendar_format(cal, d.start[i], buf, sizeof buf);
		cJSON_AddStringToObject(w, "from", buf);
		calendar_format(cal, d.end[i], buf, sizeof buf);
		cJSON_AddStringToObject(w, "to", buf);
		cJSON_AddItemToArray(wins, w);
	}
	return j;
}

/* A date query parameter in the covered years, or -1 (answered 400). */
static int
calsync_param_date(struct api_call *c, const char *name, int32_t dflt,
    int32_t *out)
{
	const char	*v = http_req_query_param(c->req, name);
	int64_t		 y;
	int		 m, d;

	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	if (timeutil_parse_date(v, out) == -1) {
		http_error(c->req, 400, "bad request", "%s must be a date, "
		    "YYYY-MM-DD", name);
		return -1;
	}
	timeutil_civil_from_days(*out, &y, &m, &d);
	if (y < 2000 || y > 2100) {
		http_error(c->req, 400, "bad request", "%s must lie in "
		    "2000-2100, the years a calendar covers", name);
		return -1;
	}
	return 0;
}

/* GET /v1/calendars: the calendars' names. */
static void
calsync_list(struct api_call *c)
{
	cJSON	*j, *list;
	size_t	 i;

	j = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(j, "calendars");
	for (i = 0; i < calendars_count(c->cfg->calendars); i++)
		cJSON_AddItemToArray(list, cJSON_CreateString(calendar_name(
		    calendars_at(c->cfg->calendars, i))));
	http_reply_json(c->req, 200, j);
}

/* GET /v1/calendars/{name}?from=DATE&to=DATE */
static void
calsync_get_route(struct api_call *c)
{
	struct calsync	*st = c->srv->calsync;
	const struct calendar	*cal;
	struct cal_entry	*e;
	cJSON			*j, *days, *d;
	int64_t			 now = api_now_ms(c);
	int32_t			 from, to, day, today;
	char			 buf[64];

	if ((cal = calendars_get(c->cfg->calendars, api_param(c, 0))) ==
	    NULL) {
		http_error(c->req, 404, "not found", "no such calendar");
		return;
	}
	today = calendar_day_of(cal, now / 1000);
	if (calsync_param_date(c, "from", today, &from) == -1 ||
	    calsync_param_date(c, "to", from + 13, &to) == -1)
		return;
	if (to < from || to - from >= CALSYNC_MAX_DAYS) {
		http_error(c->req, 400, "bad request", "to must be on or after "
		    "from, and at most %d days later", CALSYNC_MAX_DAYS - 1);
		return;
	}
	e = st != NULL ? calsync_entry(st, calendar_name(cal)) : NULL;
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", calendar_name(cal));
	cJSON_AddStringToObject(j, "timezone", calendar_timezone(cal));
	snprintf(buf, sizeof buf, "%016llx",
	    (unsigned long long)calendar_version(cal));
	cJSON_AddStringToObject(j, "version", buf);
	cJSON_AddStringToObject(j, "deadline_version", e != NULL ? e->ver :
	    "");
	cJSON_AddBoolToObject(j, "in_step", e != NULL && !e->out_of_sync);
	cJSON_AddBoolToObject(j, "recomputing", recompute_walking(c->srv,
	    calendar_name(cal)));
	cJSON_AddNumberToObject(j, "working_day_seconds",
	    (double)calendar_working_day(cal));
	cJSON_AddItemToObject(j, "bank_holidays", calsync_holidays_json(st,
	    cal, now, 1));
	cJSON_AddItemToObject(j, "closures", calsync_closures_json(e, cal,
	    NULL, 1));
	calsync_date(from, buf, sizeof buf);
	cJSON_AddStringToObject(j, "from", buf);
	calsync_date(to, buf, sizeof buf);
	cJSON_AddStringToObject(j, "to", buf);
	days = cJSON_AddArrayToObject(j, "days");
	for (day = from; day <= to; day++)
		if ((d = calsync_day_json(cal, day)) != NULL)
			cJSON_AddItemToArray(days, d);
	http_reply_json(c->req, 200, j);
}

/* A closure date from the path or body; -1 after answering 400. */
static int
calsync_closure_date(struct api_call *c, const char *v, int32_t *day)
{
	int64_t	y;
	int	m, d;

	if (v == NULL || strlen(v) != 10 || timeutil_parse_date(v, day) == -1) {
		http_error(c->req, 400, "bad request", "field \"date\" must be "
		    "a date, YYYY-MM-DD");
		return -1;
	}
	timeutil_civil_from_days(*day, &y, &m, &d);
	if (y < 2000 || y > 2100) {
		http_error(c->req, 400, "bad request", "field \"date\" must lie "
		    "in 2000-2100, the years a calendar covers");
		return -1;
	}
	return 0;
}

/* A closure being added or removed through this instance. */
struct calsync_change {
	struct server		*srv;
	calsync_change_cb	 cb;
	void			*arg;
	char			 name[256];
	char			 date[16];
	char			 why[600];
};

/* The closures changed through this instance: apply them at once (the
 * other instances within a poll), then say what happened. */
static void
calsync_closure_done(enum store_cal_closure_result res, int64_t rev,
    const struct store_cal_closure *cl, size_t n, const char *err, void *arg)
{
	struct calsync_change		*ch = arg;
	struct calsync			*st = ch->srv->calsync;
	struct cal_entry		*e;
	struct store_cal_closure	*copy;
	const struct store_cal_closure	*mine = NULL;
	char				 was[40];
	size_t				 i;

	if (res == STORE_CAL_CLOSURE_FAILED) {
		ch->cb(CALSYNC_FAILED, 0, 0, NULL, ch->arg);
		free(ch);
		return;
	}
	if (res == STORE_CAL_MISSING) {
		ch->cb(CALSYNC_NO_CLOSURE, 0, 0, NULL, ch->arg);
		free(ch);
		return;
	}
	if (st == NULL || (e = calsync_entry(st, ch->name)) == NULL ||
	    (copy = calloc(n + 1, sizeof *copy)) == NULL) {
		ch->cb(CALSYNC_FAILED, 0, 0, NULL, ch->arg);
		free(ch);
		return;
	}
	if (n > 0)
		memcpy(copy, cl, n * sizeof *copy);
	free(e->closures);
	e->closures = copy;
	e->nclosures = n;
	e->rev = rev;
	snprintf(was, sizeof was, "%s", e->ver);
	calsync_apply(e, ch->why);
	calsync_decide(e);
	for (i = 0; res != STORE_CAL_DELETED && i < n; i++)
		if (strcmp(cl[i].date, ch->date) == 0) {
			mine = &cl[i];
			break;
		}
	/* Whether the open conversations' deadlines are recomputed. */
	ch->cb(CALSYNC_CHANGED, res == STORE_CAL_ADDED, strcmp(was,
	    e->ver) != 0, mine, ch->arg);
	free(ch);
}

/* Whether adding a closure on date would pass the limit. */
static int
calsync_too_many(const struct calsync *st, const char *name,
    const char *date)
{
	const struct cal_entry	*e;
	size_t			 i;

	if (st == NULL || (e = calsync_entry(st, name)) == NULL ||
	    e->nclosures < CALSYNC_MAX_CLOSURES)
		return 0;
	for (i = 0; i < e->nclosures; i++)
		if (strcmp(e->closures[i].date, date) == 0)
			return 0;
	return 1;
}

/* A change of a calendar's closures, or NULL when out of memory. */
static struct calsync_change *
calsync_change_new(struct server *srv, const char *calendar,
    const char *date, calsync_change_cb cb, void *arg)
{
	struct calsync_change	*ch;

	if ((ch = calloc(1, sizeof *ch)) == NULL)
		return NULL;
	ch->srv = srv;
	ch->cb = cb;
	ch->arg = arg;
	snprintf(ch->name, sizeof ch->name, "%s", calendar);
	snprintf(ch->date, sizeof ch->date, "%s", date);
	return ch;
}

/* Add (or replace) an unplanned closure of a calendar. */
int
calsync_close(struct server *srv, const char *calendar,
    const struct store_cal_closure *cl, calsync_change_cb cb, void *arg)
{
	struct calsync_change	*ch;

	if (calsync_too_many(srv->calsync, calendar, cl->date))
		return -2;
	if ((ch = calsync_change_new(srv, calendar, cl->date, cb,
	    arg)) == NULL)
		return -1;
	snprintf(ch->why, sizeof ch->why, "unplanned closure on %s added: %s",
	    cl->date, cl->reason);
	if (store_cal_closure_add(srv->db, ch->name, cl, ch->why,
	    calsync_closure_done, ch) == -1) {
		free(ch);
		return -1;
	}
	return 0;
}

/* Remove the unplanned closure of a date. */
int
calsync_reopen(struct server *srv, const char *calendar, const char *date,
    calsync_change_cb cb, void *arg)
{
	struct calsync_change	*ch;

	if ((ch = calsync_change_new(srv, calendar, date, cb, arg)) == NULL)
		return -1;
	snprintf(ch->why, sizeof ch->why, "unplanned closure on %s removed",
	    ch->date);
	if (store_cal_closure_del(srv->db, ch->name, ch->date, ch->why,
	    calsync_closure_done, ch) == -1) {
		free(ch);
		return -1;
	}
	return 0;
}

/* A calendar's unplanned closures as this instance has them. */
const struct store_cal_closure *
calsync_closures(const struct server *srv, const char *calendar, size_t *n)
{
	const struct cal_entry	*e;

	*n = 0;
	if (srv->calsync == NULL || (e = calsync_entry(srv->calsync,
	    calendar)) == NULL)
		return NULL;
	*n = e->nclosures;
	return e->closures;
}

/* A closure changed through the API: answer. */
static void
calsync_api_done(enum calsync_change_result res, int added, int recompute,
    const struct store_cal_closure *cl, void *arg)
{
	struct api_call	*c = arg;
	cJSON		*j;

	if (res == CALSYNC_FAILED) {
		http_unavailable(c->req, "storage unavailable");
		return;
	}
	if (res == CALSYNC_NO_CLOSURE) {
		http_error(c->req, 404, "not found", "no unplanned closure on "
		    "%s", api_param(c, 1));
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "calendar", api_param(c, 0));
	if (cl != NULL) {
		cJSON_AddStringToObject(j, "date", cl->date);
		cJSON_AddStringToObject(j, "reason", cl->reason);
		cJSON_AddStringToObject(j, "by", cl->by);
	} else {
		cJSON_AddStringToObject(j, "date", api_param(c, 1));
		cJSON_AddBoolToObject(j, "deleted", 1);
	}
	cJSON_AddBoolToObject(j, "recompute", recompute);
	http_reply_json(c->req, added ? 201 : 200, j);
}

/* POST /v1/calendars/{name}/closures {"date", "reason", "by"} */
static void
calsync_closure_add(struct api_call *c)
{
	struct store_cal_closure	 cl;
	const char			*date, *reason, *by;
	char				*clean;
	int32_t				 day;
	int				 failed = 0, rc;

	date = api_string(c, "date", 1, &failed);
	reason = api_string(c, "reason", 1, &failed);
	by = api_string(c, "by", 0, &failed);
	if (failed || calsync_closure_date(c, date, &day) == -1)
		return;
	if (reason[0] == '\0' || strlen(reason) > CALSYNC_REASON_MAX) {
		http_error(c->req, 400, "bad request", "field \"reason\" must "
		    "say why, in at most %d bytes", CALSYNC_REASON_MAX);
		return;
	}
	if (by != NULL && config_person(c->cfg, by) == NULL) {
		http_error(c->req, 400, "bad request", "field \"by\": no person "
		    "\"%s\"", by);
		return;
	}
	if (calendars_get(c->cfg->calendars, api_param(c, 0)) == NULL) {
		http_error(c->req, 404, "not found", "no such calendar");
		return;
	}
	if ((clean = utf8_line(reason, strlen(reason))) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	memset(&cl, 0, sizeof cl);
	snprintf(cl.date, sizeof cl.date, "%s", date);
	snprintf(cl.reason, sizeof cl.reason, "%s", clean);
	/* A browser session has no token: it is the person signed in. */
	snprintf(cl.by, sizeof cl.by, "%s", by != NULL ? by :
	    c->person != NULL ? c->person->id : c->token != NULL &&
	    c->token->name != NULL ? c->token->name : "");
	cl.at_ms = api_now_ms(c);
	free(clean);
	rc = calsync_close(c->srv, api_param(c, 0), &cl, calsync_api_done, c);
	if (rc == -2)
		http_error(c->req, 409, "conflict", "this calendar has %d "
		    "unplanned closures: remove some that are past first",
		    CALSYNC_MAX_CLOSURES);
	else if (rc == -1)
		http_unavailable(c->req, "storage unavailable");
}

/* DELETE /v1/calendars/{name}/closures/{date} */
static void
calsync_closure_del(struct api_call *c)
{
	int32_t	day;

	if (calsync_closure_date(c, api_param(c, 1), &day) == -1)
		return;
	if (calendars_get(c->cfg->calendars, api_param(c, 0)) == NULL) {
		http_error(c->req, 404, "not found", "no such calendar");
		return;
	}
	if (calsync_reopen(c->srv, api_param(c, 0), api_param(c, 1),
	    calsync_api_done, c) == -1)
		http_unavailable(c->req, "storage unavailable");
}

static const struct api_route calsync_routes[] = {
	{ HTTP_GET, "/v1/calendars", ROLE_WORKER, 0, calsync_list },
	{ HTTP_GET, "/v1/calendars/*", ROLE_WORKER, 0, calsync_get_route },
	{ HTTP_POST, "/v1/calendars/*/closures", ROLE_MANAGER,
	    API_BODY | API_DB, calsync_closure_add },
	{ HTTP_DELETE, "/v1/calendars/*/closures/*", ROLE_MANAGER, API_DB,
	    calsync_closure_del },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module calsync_api = {
	.name = "calendars",
	.init = NULL,
	.routes = calsync_routes,
};
