/*
 * policy.c: deadlines and escalation due times.  "after" is measured from
 * the deadline, in working time on the team's calendar or in plain time.
 */
#include <stddef.h>

#include "calendar.h"
#include "config.h"
#include "policy.h"

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
	return calendar_deadline(cal, arrival, within, cfg->promise.mode);
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
	if (!duration_is_working(after) || secs == 0)
		return deadline + secs;
	return calendar_deadline(t->calendar, deadline, secs, CALENDAR_EXACT);
}
