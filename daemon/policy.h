/*
 * policy.h: when things fall due, from a team's calendar and escalation
 * policy and the promise.  Pure arithmetic on calendar.c; no I/O.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stdint.h>

struct config;
struct config_team;

/* The promise's deadline for a message arriving at t (seconds), at the
 * latest 2500-01-01: safe to multiply by 1000. */
int64_t	policy_deadline(const struct config *, const struct config_team *,
	    int64_t arrival);
/* When step `step` (0-based) of the team's policy falls due. */
int64_t	policy_step_due(const struct config_team *, size_t step,
	    int64_t deadline);

#endif
