/*
 * timeutil.h: civil-calendar arithmetic and strict parsers for RFC 3339
 * instants and YYYY-MM-DD dates.  Days are counted from 1970-01-01 in the
 * proleptic Gregorian calendar.  Pure functions: no time zones, no clock,
 * no I/O (time zones live in tz.c).
 */
#ifndef TIMEUTIL_H
#define TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Parse "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)"; -1 if malformed. */
int	timeutil_parse_rfc3339(const char *s, int64_t *unix_seconds);
/* Parse "YYYY-MM-DD" into days since 1970-01-01; -1 if malformed. */
int	timeutil_parse_date(const char *s, int32_t *days_since_epoch);
/* Parse "YYYY-MM" (a month of the years 2000 to 2100); -1 if malformed. */
int	timeutil_parse_month(const char *s, int *year, int *month);
/* A date given as day, month and year in fields of their own (a form's
 * date input: 1-2, 1-2 and 4 digits, nothing else; years 2000 to 2100)
 * into days since 1970-01-01; -1 if malformed or no such date. */
int	timeutil_parse_dmy(const char *day, const char *month,
	    const char *year, int32_t *days_since_epoch);
/* Write days as "YYYY-MM-DD" (years 0 to 9999); -1 if it does not fit. */
int	timeutil_format_date(int32_t days, char *buf, size_t len);

/* Days since 1970-01-01 of a civil date (month 1-12, day 1-31). */
int64_t	timeutil_days_from_civil(int64_t year, int month, int day);
/* The civil date of a day count. */
void	timeutil_civil_from_days(int64_t days, int64_t *year, int *month,
	    int *day);
/* Day of the week of a day count: 0 = Sunday ... 6 = Saturday. */
int	timeutil_weekday(int64_t days);
/* Whether a year is a Gregorian leap year. */
int	timeutil_is_leap(int64_t year);
/* Number of days in a month of a year. */
int	timeutil_days_in_month(int64_t year, int month);
/* Floor division of seconds into days (correct for negative instants). */
int64_t	timeutil_day_of(int64_t seconds);

#endif
