/*
 * summary.h: how often the promise was kept, from rows of conversations
 * (SPEC §9, the report).  Pure: rows in, a JSON summary out; the caller
 * gathers the rows and computes working time with the team's calendar.
 * Team breakdowns suppress counts below 5, and every figure derived from
 * them ("<5"), and the counts a suppressed one could be worked out from
 * ("suppressed", summary.c), so that small teams' figures cannot identify
 * a young person.
 */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

#define SUMMARY_SUPPRESS_BELOW	5
/* A count hidden so that a suppressed one cannot be worked out. */
#define SUMMARY_HIDDEN		"suppressed"

struct summary_row {
	const char	*team;
	int64_t		 received_ms;
	int64_t		 deadline_ms;
	int64_t		 responded_ms;	/* 0: no response yet */
	int64_t		 response_working_s; /* -1 when not responded */
	int		 steps;		/* escalation steps fired */
	int		 urgent;
	int		 unknown_sender;
};

/* Summarise rows (all of them: the caller filters by team). */
struct cJSON	*summary_report(const struct summary_row *, size_t n,
		    int64_t now_ms, int suppress);

#endif
