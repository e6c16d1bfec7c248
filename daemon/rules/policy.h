/*
 * policy.h: when things fall due, from a team's calendar and escalation
 * policy and the promise.  Pure arithmetic on calendar.c; no I/O.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stdint.h>

struct calendar;
struct duration;
struct promise;

/* The promise's deadline on cal for a message arriving at `arrival`
 * (seconds), at the latest 2500-01-01: safe to multiply by 1000. */
int64_t	policy_deadline(const struct calendar *, const struct promise *,
	    int64_t arrival);
/* When a step falls due `after` the deadline, in working time on cal or
 * in plain time; -1 when after is NULL (there is no such step). */
int64_t	policy_step_due(const struct calendar *, const struct duration *after,
	    int64_t deadline);
/* Until when an acknowledgement made at `now` (seconds) pauses the steps:
 * ack_timeout later, in working time on cal or in plain time. */
int64_t	policy_ack_until(const struct calendar *, const struct duration *timeout,
	    int64_t now);

#endif
