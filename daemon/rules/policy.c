/*
 * policy.c: deadlines and escalation due times.  "after" is measured from
 * the deadline, in working time on the team's calendar or in plain time.
 */
#include <stddef.h>

#include "rules/calendar.h"
#include "base/duration.h"
#include "rules/policy.h"

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

/* The deadline of a message arriving at `arrival`. */
int64_t
policy_deadline(const struct calendar *cal, const struct promise *promise,
    int64_t arrival)
{
	int64_t	within;

	within = duration_seconds(&promise->within, calendar_working_day(cal));
	return policy_clamp(calendar_deadline(cal, arrival, within,
	    promise->mode));
}

/* When a step falls due, measured from the deadline. */
int64_t
policy_step_due(const struct calendar *cal, const struct duration *after,
    int64_t deadline)
{
	int64_t	secs;

	if (after == NULL)
		return -1;
	secs = duration_seconds(after, calendar_working_day(cal));
	deadline = policy_clamp(deadline);
	if (!duration_is_working(after) || secs == 0)
		return policy_clamp(deadline + secs);
	return policy_clamp(calendar_deadline(cal, deadline, secs,
	    CALENDAR_EXACT));
}

/* Until when an acknowledgement made at `now` pauses the steps. */
int64_t
policy_ack_until(const struct calendar *cal, const struct duration *timeout,
    int64_t now)
{
	int64_t	secs;

	secs = duration_seconds(timeout, calendar_working_day(cal));
	if (!duration_is_working(timeout))
		return policy_clamp(now + secs);
	return policy_clamp(calendar_deadline(cal, now, secs, CALENDAR_EXACT));
}
