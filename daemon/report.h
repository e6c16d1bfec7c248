/*
 * report.h: how often the promise was kept (SPEC §9, GET /v1/report).
 * report_summarise is pure: rows in, a JSON summary out; the HTTP handler
 * gathers rows from every partition and computes working time with the
 * team's calendar.  Team breakdowns suppress counts below 5 so that small
 * teams' figures cannot identify a young person.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct server;

#define REPORT_SUPPRESS_BELOW	5

struct report_row {
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
struct cJSON	*report_summarise(const struct report_row *, size_t n,
		    int64_t now_ms, int suppress);
void		 report_routes(struct server *);

#endif
