/*
 * recompute.h: moving open conversations to new calendar data (SPEC
 * section 18).  A job recomputes, from each conversation's arrival, the
 * deadline and the pending escalation step of every open conversation on
 * one calendar, with the calendar as this instance has it now.  It walks
 * the awaiting index of each partition a batch at a time (one small
 * script per conversation, so Redis never runs long and other clients'
 * commands slip in between), then the conversations that arrived since a
 * given time (those an instance may have stored with calendar data that
 * was already out of date).
 *
 * Who runs which job is decided elsewhere (calsync.c, with the version
 * stored in Redis); this module only runs them.  A job that owns the
 * calendar's job in Redis renews its lease as it goes and marks it done at
 * the end; losing the lease stops it.  Never blocks.
 */
#ifndef RECOMPUTE_H
#define RECOMPUTE_H

#include <stdint.h>

struct server;

/* What to run. */
struct recompute_job {
	const char	*calendar;
	int64_t		 seq;		/* the job in Redis (calclaim-1) */
	const char	*why;		/* for each deadline_changed event */
	int		 owner;		/* this instance owns seq: renew it,
					   mark it done */
	int		 walk;		/* every open conversation */
	int64_t		 arrived_from_ms;	/* then those arrived since
						   (-1: none) */
	int64_t		 settle_until_ms;	/* start that part no sooner */
};

/* Set up (once, at start) and free. */
int	recompute_start(struct server *);
void	recompute_free(struct server *);
/* Run a job (copied).  A walking job stops any other walk of the same
 * calendar first. */
int	recompute_run(struct server *, const struct recompute_job *);
/* Whether a walk of the calendar is running here. */
int	recompute_walking(const struct server *, const char *calendar);
/* The owner name this instance uses in Redis ("HOST-PID-START"). */
const char *recompute_owner(const struct server *);

#endif
