/*
 * calsync.h: calendars that change while replyd runs (SPEC section 18).
 * This module keeps every calendar of the running configuration in step
 * with what Redis holds for all instances: the unplanned closures managers
 * add through the API, and the bank-holiday feed fetched from
 * bank_holidays.url.  Each calendar's data gives a deadline version (the
 * calendar's own version with the promise and the escalation steps of the
 * teams on it); when this instance's version changes (a closure, a new
 * feed, a reload, a start on changed data) it claims the recompute of that
 * calendar's open conversations in Redis, and whichever instance gets the
 * claim runs it (recompute.c), so instances reloading together do the work
 * once.  Changes made through this instance apply at once; those made
 * elsewhere within a poll (a second).
 *
 * It serves the API's calendar routes (GET /v1/calendars/{name},
 * POST and DELETE of closures) and /readyz's calendar details.  Never
 * blocks.
 */
#ifndef CALSYNC_H
#define CALSYNC_H

#include "serve/api.h"

struct cJSON;
struct server;
struct store_cal_closure;

extern const struct api_module calsync_api;

/* What a change of a calendar's closures through this instance did. */
enum calsync_change_result {
	CALSYNC_CHANGED,	/* stored for every instance, applied here */
	CALSYNC_NO_CLOSURE,	/* nothing to remove on that date */
	CALSYNC_FAILED		/* Redis failed, or out of memory */
};
/* added: a new date (not a new reason for one already closed);
 * recompute: the deadlines of the calendar's open conversations are being
 * recomputed; cl: the date's closure after the change (NULL when it was
 * removed), valid for the callback only. */
typedef void (*calsync_change_cb)(enum calsync_change_result, int added,
    int recompute, const struct store_cal_closure *cl, void *arg);

/* Add (or replace) an unplanned closure of a calendar (the API's and the
 * closures page's one way): 0 when sent (cb runs once, later), -1 when it
 * could not be (Redis, memory), -2 when the calendar has too many. */
int	calsync_close(struct server *, const char *calendar,
	    const struct store_cal_closure *, calsync_change_cb, void *);
/* Remove the unplanned closure of date (YYYY-MM-DD); 0 or -1 as above. */
int	calsync_reopen(struct server *, const char *calendar,
	    const char *date, calsync_change_cb, void *);
/* A calendar's unplanned closures as this instance has them (in no
 * particular order), valid until the next change; NULL with *n 0 when
 * none. */
const struct store_cal_closure *calsync_closures(const struct server *,
	    const char *calendar, size_t *n);

/* Start keeping the calendars in step; changed(srv) is called whenever
 * calendar data changed (the daemon re-checks the feed's expiry). */
int	calsync_start(struct server *, void (*changed)(struct server *));
/* Redis is ready: read the shared data now. */
void	calsync_db_ready(struct server *);
/* A new configuration generation is in place: give its calendars the
 * shared data and recompute what changed. */
void	calsync_reload(struct server *);
/* Whether the shared data has been read since start (until then deadlines
 * would miss unplanned closures). */
int	calsync_loaded(const struct server *);
/* Add each calendar's state to a /readyz answer. */
void	calsync_readyz(struct server *, struct cJSON *);
void	calsync_free(struct server *);

#endif
