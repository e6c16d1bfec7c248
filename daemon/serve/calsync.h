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

extern const struct api_module calsync_api;

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
