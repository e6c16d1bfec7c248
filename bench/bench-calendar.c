/*
 * bench-calendar.c: deadline and elapsed-time computations per second on
 * one core (SPEC section 13: at least 2 million deadlines per second), for
 * instants spread uniformly over ten years on an England and Wales calendar
 * with special hours.  Prints the figures; never asserts them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules/calendar.h"
#include "base/jsonc.h"
#include "base/timeutil.h"

#define BENCH_N		2000000
#define BENCH_CALENDARS							\
	"{\"office\": {\"timezone\": \"Europe/London\", \"hours\": {"	\
	"\"mon\": [\"09:00-17:00\"], \"tue\": [\"09:00-17:00\"], "	\
	"\"wed\": [\"09:00-17:00\"], \"thu\": [\"09:00-17:00\"], "	\
	"\"fri\": [\"09:00-17:00\"]}, \"bank_holidays\": {\"file\": "	\
	"\"config/calendars/uk-bank-holidays.json\", \"division\": "	\
	"\"england-and-wales\"}, \"closures\": [\"2026-12-29\", "		\
	"\"2026-12-30\", \"2026-12-31\"], \"special_hours\": {"		\
	"\"2024-12-24\": [\"09:00-12:00\"], \"2025-12-24\": "		\
	"[\"09:00-12:00\"], \"2026-12-24\": [\"09:00-12:00\"]}}}"

/* Seconds of CPU time used so far by this thread. */
static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Time deadlines and elapsed-time computations and print the rates. */
int
main(void)
{
	struct calendars	*cals = NULL;
	const struct calendar	*cal;
	struct jerrs		 errs;
	struct jv		*root;
	int64_t			*in, lo, hi, w;
	uint64_t		 sum = 0, x = 0x9e3779b97f4a7c15ULL;
	double			 t0, t1, t2;
	size_t			 i;

	memset(&errs, 0, sizeof errs);
	root = jv_parse("bench", BENCH_CALENDARS, strlen(BENCH_CALENDARS),
	    &errs);
	if (root == NULL || calendars_parse(root, ".", &cals, &errs) == -1) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		return 1;
	}
	jv_free(root);
	cal = calendars_get(cals, "office");
	w = calendar_working_day(cal);

	lo = timeutil_days_from_civil(2019, 1, 1) * 86400;
	hi = timeutil_days_from_civil(2029, 1, 1) * 86400;
	if ((in = malloc(BENCH_N * sizeof *in)) == NULL)
		return 1;
	for (i = 0; i < BENCH_N; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		in[i] = lo + (int64_t)((x * 2685821657736338717ULL) %
		    (uint64_t)(hi - lo));
	}

	t0 = bench_now();
	for (i = 0; i < BENCH_N; i++)
		sum += (uint64_t)calendar_deadline(cal, in[i], w,
		    CALENDAR_EXACT);
	t1 = bench_now();
	for (i = 0; i + 1 < BENCH_N; i++)
		sum += (uint64_t)calendar_elapsed(cal, in[i] < in[i + 1] ?
		    in[i] : in[i + 1], (in[i] < in[i + 1] ? in[i] :
		    in[i + 1]) + 7 * 86400);
	t2 = bench_now();

	printf("calendar: %.1f million deadlines/s (%d instants over 10 "
	    "years, %.2f s)\n", BENCH_N / (t1 - t0) / 1e6, BENCH_N, t1 - t0);
	printf("calendar: %.1f million elapsed-time computations/s "
	    "(one-week spans, %.2f s)\n", (BENCH_N - 1) / (t2 - t1) / 1e6,
	    t2 - t1);
	printf("calendar: checksum %016llx\n", (unsigned long long)sum);
	free(in);
	calendars_free(cals);
	return 0;
}
