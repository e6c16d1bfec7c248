/*
 * timeutil.c: civil dates and strict RFC 3339 parsing.  The day arithmetic
 * uses the era-based method (400-year cycles of 146097 days), so it is exact
 * for every proleptic Gregorian date without tables or libc time zones.
 */
#include <stdio.h>
#include <string.h>

#include "base/timeutil.h"

/* Floor division of a by b (b > 0). */
static int64_t
timeutil_floordiv(int64_t a, int64_t b)
{
	int64_t	q = a / b;

	if ((a % b) != 0 && (a < 0))
		q--;
	return q;
}

/* Floor division of seconds into days. */
int64_t
timeutil_day_of(int64_t seconds)
{
	return timeutil_floordiv(seconds, 86400);
}

/* Whether a year is a Gregorian leap year. */
int
timeutil_is_leap(int64_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Number of days in a month of a year. */
int
timeutil_days_in_month(int64_t year, int month)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && timeutil_is_leap(year))
		return 29;
	return days[month - 1];
}

/* Days since 1970-01-01 of a civil date. */
int64_t
timeutil_days_from_civil(int64_t year, int month, int day)
{
	int64_t	era, yoe, doy, doe, y;
	int	m = month;

	y = m <= 2 ? year - 1 : year;
	era = timeutil_floordiv(y, 400);
	yoe = y - era * 400;				/* [0, 399] */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* [0, 146096] */
	return era * 146097 + doe - 719468;
}

/* The civil date of a day count. */
void
timeutil_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t	z = days + 719468, era, doe, yoe, doy, mp, y;
	int	m;

	era = timeutil_floordiv(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = m;
	*year = m <= 2 ? y + 1 : y;
}

/* Day of the week: 1970-01-01 was a Thursday. */
int
timeutil_weekday(int64_t days)
{
	int64_t	w = (days + 4) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

/* Read exactly n decimal digits; -1 if any is not a digit. */
static int
timeutil_digits(const char *s, int n, int *out)
{
	int	i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Parse the "YYYY-MM-DD" at s (10 bytes) into days. */
static int
timeutil_date_prefix(const char *s, int64_t *days)
{
	int	y, m, d;

	if (timeutil_digits(s, 4, &y) == -1 || s[4] != '-' ||
	    timeutil_digits(s + 5, 2, &m) == -1 || s[7] != '-' ||
	    timeutil_digits(s + 8, 2, &d) == -1)
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > timeutil_days_in_month(y, m))
		return -1;
	*days = timeutil_days_from_civil(y, m, d);
	return 0;
}

/* Parse "YYYY-MM-DD". */
int
timeutil_parse_date(const char *s, int32_t *days_since_epoch)
{
	int64_t	days;
	int	i;

	for (i = 0; i < 10; i++)
		if (s[i] == '\0')
			return -1;
	if (s[10] != '\0' || timeutil_date_prefix(s, &days) == -1)
		return -1;
	*days_since_epoch = (int32_t)days;
	return 0;
}

/* A field of 1 to max digits and nothing else, or -1. */
static int
timeutil_field(const char *s, size_t max)
{
	size_t	n = strlen(s);
	int	v;

	if (n == 0 || n > max || timeutil_digits(s, (int)n, &v) == -1)
		return -1;
	return v;
}

/* Parse "YYYY-MM". */
int
timeutil_parse_month(const char *s, int *year, int *month)
{
	int	y, m;

	if (strlen(s) != 7 || s[4] != '-' || timeutil_digits(s, 4, &y) == -1 ||
	    timeutil_digits(s + 5, 2, &m) == -1 || y < 2000 || y > 2100 ||
	    m < 1 || m > 12)
		return -1;
	*year = y;
	*month = m;
	return 0;
}

/* Parse a date from its three fields. */
int
timeutil_parse_dmy(const char *day, const char *month, const char *year,
    int32_t *days_since_epoch)
{
	int	d = timeutil_field(day, 2), m = timeutil_field(month, 2);
	int	y = timeutil_field(year, 4);

	if (d < 1 || m < 1 || m > 12 || y < 2000 || y > 2100 ||
	    d > timeutil_days_in_month(y, m))
		return -1;
	*days_since_epoch = (int32_t)timeutil_days_from_civil(y, m, d);
	return 0;
}

/* Write days as "YYYY-MM-DD". */
int
timeutil_format_date(int32_t days, char *buf, size_t len)
{
	int64_t	y;
	int	m, d, n;

	timeutil_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return -1;
	n = snprintf(buf, len, "%04d-%02d-%02d", (int)y, m, d);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * Parse an RFC 3339 date-time.  The separator may be T, t or a space (RFC
 * 3339 section 5.6 allows the space); the zone must be Z (or z) or a
 * numeric offset.  Fractional seconds are truncated.  A leap second (:60)
 * is refused: Unix time cannot name it.
 */
int
timeutil_parse_rfc3339(const char *s, int64_t *unix_seconds)
{
	int64_t	days;
	int	i, hh, mm, ss, oh, om, off = 0;

	for (i = 0; i < 19; i++)
		if (s[i] == '\0')
			return -1;
	if (timeutil_date_prefix(s, &days) == -1)
		return -1;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return -1;
	if (timeutil_digits(s + 11, 2, &hh) == -1 || s[13] != ':' ||
	    timeutil_digits(s + 14, 2, &mm) == -1 || s[16] != ':' ||
	    timeutil_digits(s + 17, 2, &ss) == -1)
		return -1;
	if (hh > 23 || mm > 59 || ss > 59)
		return -1;
	s += 19;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		if (timeutil_digits(s + 1, 2, &oh) == -1 || s[3] != ':' ||
		    timeutil_digits(s + 4, 2, &om) == -1)
			return -1;
		if (oh > 23 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60;
		if (*s == '-')
			off = -off;
		s += 6;
	} else
		return -1;
	if (*s != '\0')
		return -1;
	*unix_seconds = days * 86400 + hh * 3600 + mm * 60 + ss - off;
	return 0;
}
