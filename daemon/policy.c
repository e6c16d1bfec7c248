/*
 * policy.c: deadlines and escalation due times.  "after" is measured from
 * the deadline, in working time on the team's calendar or in plain time.
 */
#include <stddef.h>

#include "calendar.h"
#include "config.h"
#include "policy.h"

/*
 * The calendar answers CALENDAR_NEVER past its horizon (year 2500): only
 * a broken clock gets there.  Saturate there, so times in milliseconds
 * and sums of times cannot overflow.
 */
#define POLICY_LATEST	((int64_t)16725225600)	/* 2500-01-01T00:00:00Z */

static int64_t
policy_clamp(int64_t t)
{
	return t > POLICY_LATEST ? POLICY_LATEST : t;
}

/* The team's calendar, or the promise's when the team names none. */
static const struct calendar *
policy_calendar(const struct config *cfg, const struct config_team *t)
{
	return t != NULL && t->calendar != NULL ? t->calendar :
	    cfg->promise.calendar;
}

/* The deadline of a message arriving at `arrival`. */
int64_t
policy_deadline(const struct config *cfg, const struct config_team *t,
    int64_t arrival)
{
	const struct calendar	*cal = policy_calendar(cfg, t);
	int64_t			 within;

	within = duration_seconds(&cfg->promise.within,
	    calendar_working_day(cal));
	return policy_clamp(calendar_deadline(cal, arrival, within,
	    cfg->promise.mode));
}

/* When a step falls due, measured from the deadline. */
int64_t
policy_step_due(const struct config_team *t, size_t step, int64_t deadline)
{
	const struct duration	*after;
	int64_t			 secs;

	if (step >= t->nsteps)
		return -1;
	after = &t->steps[step].after;
	secs = duration_seconds(after, calendar_working_day(t->calendar));
	deadline = policy_clamp(deadline);
	if (!duration_is_working(after) || secs == 0)
		return policy_clamp(deadline + secs);
	return policy_clamp(calendar_deadline(t->calendar, deadline, secs,
	    CALENDAR_EXACT));
}
