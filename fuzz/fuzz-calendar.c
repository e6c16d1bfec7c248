/*
 * fuzz-calendar.c: arbitrary bytes as the "calendars" object of the
 * configuration.  Parsing must never crash or leak; when it succeeds, a few
 * deadlines on each calendar must obey the rule's invariants: not before
 * the arrival, close of business not before the exact deadline, and the
 * working time elapsed up to the deadline equal to the target.  Bank-holiday
 * files are looked up under config/, so run from the repository root.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/calendar.h"
#include "base/jsonc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Check the deadline invariants of one calendar at one arrival. */
static void
fuzz_calendar_check(const struct calendar *cal, int64_t arrival, int64_t w)
{
	int64_t	d, c;
	char	buf[64];

	d = calendar_deadline(cal, arrival, w, CALENDAR_EXACT);
	c = calendar_deadline(cal, arrival, w, CALENDAR_CLOSE_OF_BUSINESS);
	if (d == CALENDAR_NEVER) {
		if (c != CALENDAR_NEVER)
			abort();
		return;
	}
	if (d < arrival || c < d || c == CALENDAR_NEVER)
		abort();
	if (calendar_elapsed(cal, arrival, d) != w)
		abort();
	if (calendar_elapsed(cal, d, c) != c - d)
		abort();
	/* Both are reached in hours (the second before them is open). */
	if (w > 0 && (!calendar_is_open(cal, d - 1) ||
	    !calendar_is_open(cal, c - 1)))
		abort();
	if (calendar_format(cal, d, buf, sizeof buf) == -1)
		abort();
}

/* Parse one input as calendars and check a few deadlines on each. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t	 arrivals[] = {
		1773225000,	/* 2026-03-11 10:30 UTC */
		1774746000,	/* 2026-03-29 01:00 UTC, clocks go forward */
		1792890000,	/* 2026-10-25 01:00 UTC, clocks go back */
		1798115400,	/* 2026-12-24 15:00 UTC */
		4102444799,	/* 2099-12-31 23:59:59 UTC, end of the table */
	};
	struct calendars	*cals = NULL;
	const struct calendar	*cal;
	struct jerrs		 errs;
	struct jv		*root;
	struct tm		 tm;
	size_t			 i, j;
	int64_t			 day;

	memset(&errs, 0, sizeof errs);
	root = jv_parse("fuzz.json", (const char *)data, size, &errs);
	if (root != NULL && calendars_parse(root, "config", &cals,
	    &errs) == 0) {
		for (i = 0; i < calendars_count(cals) && i < 4; i++) {
			cal = calendars_at(cals, i);
			day = calendar_working_day(cal);
			if (day <= 0 || day > 86400)
				abort();
			for (j = 0; j < sizeof arrivals / sizeof arrivals[0];
			    j++) {
				fuzz_calendar_check(cal, arrivals[j], 0);
				fuzz_calendar_check(cal, arrivals[j], 3600);
				fuzz_calendar_check(cal, arrivals[j], day);
			}
			if (calendar_local(cal, arrivals[0], &tm) == -1)
				abort();
			(void)calendar_version(cal);
			(void)calendar_data_expiring(cal, arrivals[0]);
		}
		calendars_free(cals);
	} else if (errs.n == 0)
		abort();	/* a refusal always says why */
	jv_free(root);
	jerrs_clear(&errs);
	return 0;
}
