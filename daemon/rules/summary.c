/*
 * summary.c: see summary.h.  "In time" means a response recorded at or
 * before the deadline; "late" a response after it; "still open" no
 * response yet (an open conversation past its deadline is also counted in
 * "overdue").
 *
 * Suppression: a count from 1 to 4 is "<5".  received is the sum of
 * responded in time, late and still open, so one of those shown as "<5"
 * beside the other two (or beside a percentage of received) could be
 * worked out as the total minus the rest; when any of the three is
 * suppressed, all three are shown as "suppressed", with the percentage
 * (null) and overdue now (a part of still open).  The marker is the same
 * for all three, so which of them was small is not disclosed either.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "rules/summary.h"

/* Compare int64 values for qsort. */
static int
summary_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (nearest rank) of sorted values. */
static int64_t
summary_quantile(const int64_t *v, size_t n, double q)
{
	size_t	rank;

	rank = (size_t)(q * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

/* A count, or "<5" when it must be suppressed. */
static void
summary_count(cJSON *j, const char *key, long n, int suppress)
{
	if (suppress && n > 0 && n < SUMMARY_SUPPRESS_BELOW)
		cJSON_AddStringToObject(j, key, "<5");
	else
		cJSON_AddNumberToObject(j, key, (double)n);
}

/* Whether a count is small enough to be suppressed. */
static int
summary_small(long n)
{
	return n > 0 && n < SUMMARY_SUPPRESS_BELOW;
}

/* A part of received: the count, or "suppressed" when hidden. */
static void
summary_part(cJSON *j, const char *key, long n, int hidden)
{
	if (hidden)
		cJSON_AddStringToObject(j, key, SUMMARY_HIDDEN);
	else
		cJSON_AddNumberToObject(j, key, (double)n);
}

/* Summarise rows. */
cJSON *
summary_report(const struct summary_row *rows, size_t n, int64_t now_ms,
    int suppress)
{
	cJSON		*j, *esc, *urg;
	int64_t		*times, *utimes;
	size_t		 i, nt = 0, nu = 0;
	long		 in_time = 0, late = 0, open = 0, overdue = 0;
	long		 urgent = 0, unknown = 0, steps[16] = { 0 };
	int		 k, maxstep = 0, hide;
	char		 key[8];

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	times = calloc(n + 1, sizeof *times);
	utimes = calloc(n + 1, sizeof *utimes);
	for (i = 0; i < n; i++) {
		const struct summary_row *r = &rows[i];

		if (r->responded_ms > 0) {
			if (r->responded_ms <= r->deadline_ms)
				in_time++;
			else
				late++;
			if (times != NULL && r->response_working_s >= 0)
				times[nt++] = r->response_working_s;
			if (r->urgent && utimes != NULL)
				utimes[nu++] = (r->responded_ms -
				    r->received_ms) / 1000;
		} else {
			open++;
			if (r->deadline_ms <= now_ms)
				overdue++;
		}
		urgent += r->urgent != 0;
		unknown += r->unknown_sender != 0;
		for (k = 1; k <= r->steps && k < 16; k++)
			steps[k]++;
		if (r->steps > maxstep)
			maxstep = r->steps < 15 ? r->steps : 15;
	}
	summary_count(j, "received", (long)n, suppress);
	/* The parts of received, hidden together (see the top). */
	hide = suppress && (summary_small((long)n) || summary_small(in_time) ||
	    summary_small(late) || summary_small(open));
	summary_part(j, "responded_in_time", in_time, hide);
	if (n > 0 && !hide)
		cJSON_AddNumberToObject(j, "responded_in_time_percent",
		    (double)(in_time * 1000 / (long)n) / 10.0);
	else
		cJSON_AddNullToObject(j, "responded_in_time_percent");
	summary_part(j, "late", late, hide);
	summary_part(j, "still_open", open, hide);
	if (hide)
		summary_part(j, "overdue_now", overdue, hide);
	else
		summary_count(j, "overdue_now", overdue, suppress);
	if (nt > 0 && !(suppress && nt < SUMMARY_SUPPRESS_BELOW)) {
		qsort(times, nt, sizeof *times, summary_cmp);
		cJSON_AddNumberToObject(j, "median_response_working_hours",
		    (double)(summary_quantile(times, nt, 0.5) / 36) / 100.0);
		cJSON_AddNumberToObject(j, "p90_response_working_hours",
		    (double)(summary_quantile(times, nt, 0.9) / 36) / 100.0);
	} else {
		cJSON_AddNullToObject(j, "median_response_working_hours");
		cJSON_AddNullToObject(j, "p90_response_working_hours");
	}
	esc = cJSON_AddObjectToObject(j, "escalations");
	for (k = 1; k <= maxstep; k++) {
		snprintf(key, sizeof key, "%d", k);
		summary_count(esc, key, steps[k], suppress);
	}
	urg = cJSON_AddObjectToObject(j, "urgent");
	summary_count(urg, "count", urgent, suppress);
	if (nu > 0 && !(suppress && nu < SUMMARY_SUPPRESS_BELOW)) {
		qsort(utimes, nu, sizeof *utimes, summary_cmp);
		cJSON_AddNumberToObject(urg, "median_response_minutes",
		    (double)(summary_quantile(utimes, nu, 0.5) / 6) / 10.0);
	} else
		cJSON_AddNullToObject(urg, "median_response_minutes");
	summary_count(j, "unknown_sender", unknown, suppress);
	free(times);
	free(utimes);
	return j;
}
