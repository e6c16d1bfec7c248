/*
 * duewords.c: see duewords.h.
 */
#include <stdio.h>

#include "rules/calendar.h"
#include "rules/duewords.h"

/* "3 working hours", "1 day": n of unit, in the plural when n is not 1. */
static void
due_amount(char *buf, size_t len, const char *lead, int64_t n,
    const char *unit)
{
	snprintf(buf, len, "%s %lld %s%s", lead, (long long)n, unit,
	    n == 1 ? "" : "s");
}

/* Working seconds from a to b (a <= b). */
static int64_t
due_working(const struct calendar *cal, int64_t a, int64_t b)
{
	return cal != NULL ? calendar_elapsed(cal, a, b) : b - a;
}

int
due_words(const struct calendar *cal, int64_t now, int64_t due, char *buf,
    size_t len)
{
	int64_t	 day = cal != NULL ? calendar_working_day(cal) : 86400;
	int64_t	 s;

	if (day <= 0)
		day = 86400;
	if (due > now) {
		s = due_working(cal, now, due);
		if (s < 60)
			snprintf(buf, len, "due in less than a minute");
		else if (s < 3600)
			due_amount(buf, len, "due in", s / 60,
			    "working minute");
		else if (s < day)
			due_amount(buf, len, "due in", s / 3600,
			    "working hour");
		else
			due_amount(buf, len, "due in", s / day,
			    "working day");
		return 0;
	}
	s = due_working(cal, due, now);
	if (s < 60)
		snprintf(buf, len, "overdue");
	else if (s < 3600)
		due_amount(buf, len, "overdue by", s / 60, "minute");
	else if (s < day)
		due_amount(buf, len, "overdue by", s / 3600, "hour");
	else
		due_amount(buf, len, "overdue by", s / day, "day");
	return 1;
}
