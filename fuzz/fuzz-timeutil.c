/*
 * fuzz-timeutil.c: the strict date and instant parsers on arbitrary bytes.
 * Their input comes from anyone: a date in a page's path (/rota/T/DATE) or
 * query, a form's day, month and year fields, a report's month, the API's
 * absences and closures, providers' timestamps.  Besides not crashing: a
 * date that parses writes back as the same ten bytes, a month as the same
 * seven, an instant that parses falls within a day of the date it starts
 * with (its offset is less than a day), and day/month/year fields that
 * parse name a real date with those numbers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A month that parses writes back as the same seven bytes. */
static void
timeutil_fuzz_month(const char *s)
{
	char	buf[16];
	int	y, m;

	if (timeutil_parse_month(s, &y, &m) == 0) {
		if (y < 2000 || y > 2100 || m < 1 || m > 12)
			abort();
		snprintf(buf, sizeof buf, "%04d-%02d", y, m);
		if (strcmp(buf, s) != 0)
			abort();
	}
}

/* The input split at its first two '/' into a form's day, month and year:
 * a date that parses is a real date whose fields are those numbers. */
static void
timeutil_fuzz_dmy(char *s)
{
	char	*m, *y;
	int32_t	 day;
	int64_t	 yy;
	int	 mm, dd;

	if ((m = strchr(s, '/')) == NULL)
		return;
	*m++ = '\0';
	if ((y = strchr(m, '/')) != NULL)
		*y++ = '\0';
	else
		y = m + strlen(m);
	if (timeutil_parse_dmy(s, m, y, &day) == 0) {
		timeutil_civil_from_days(day, &yy, &mm, &dd);
		if (yy != strtol(y, NULL, 10) || mm != strtol(m, NULL, 10) ||
		    dd != strtol(s, NULL, 10))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, date[11], buf[16];
	int32_t	 day, first;
	int64_t	 t, d;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (timeutil_parse_date(s, &day) == 0) {
		if (timeutil_format_date(day, buf, sizeof buf) == -1 ||
		    strcmp(buf, s) != 0)
			abort();
	}
	if (timeutil_parse_rfc3339(s, &t) == 0) {
		memcpy(date, s, 10);
		date[10] = '\0';
		if (timeutil_parse_date(date, &first) == -1)
			abort();
		d = timeutil_day_of(t);
		if (d < (int64_t)first - 1 || d > (int64_t)first + 1)
			abort();
	}
	timeutil_fuzz_month(s);
	timeutil_fuzz_dmy(s);
	free(s);
	return 0;
}
