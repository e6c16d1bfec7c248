/* test-timeutil.c: civil dates and RFC 3339 parsing. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "base/timeutil.h"

static void
test_epoch_is_day_zero_and_a_thursday(void)
{
	CHECK_INT(timeutil_days_from_civil(1970, 1, 1), 0);
	CHECK_INT(timeutil_weekday(0), 4);
	CHECK_INT(timeutil_weekday(-1), 3);
}

static void
test_days_from_civil_round_trips_over_many_centuries(void)
{
	int64_t	d, y;
	int	m, dd;

	for (d = -800000; d <= 800000; d += 37) {
		timeutil_civil_from_days(d, &y, &m, &dd);
		CHECK(m >= 1 && m <= 12);
		CHECK(dd >= 1 && dd <= timeutil_days_in_month(y, m));
		CHECK_INT(timeutil_days_from_civil(y, m, dd), d);
	}
}

static void
test_days_from_civil_agrees_with_timegm(void)
{
	struct tm	tm;
	int64_t		d;
	int		i;

	srand(7);
	for (i = 0; i < 20000; i++) {
		memset(&tm, 0, sizeof tm);
		tm.tm_year = 1 + rand() % 300;		/* 1901..2200 */
		tm.tm_mon = rand() % 12;
		tm.tm_mday = 1 + rand() % timeutil_days_in_month(
		    tm.tm_year + 1900, tm.tm_mon + 1);
		d = timeutil_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday);
		CHECK_INT(d * 86400, (int64_t)timegm(&tm));
		CHECK_INT(timeutil_weekday(d), tm.tm_wday);
	}
}

static void
test_leap_years_follow_the_gregorian_rule(void)
{
	CHECK(timeutil_is_leap(2024));
	CHECK(!timeutil_is_leap(2026));
	CHECK(!timeutil_is_leap(2100));
	CHECK(timeutil_is_leap(2000));
	CHECK_INT(timeutil_days_in_month(2028, 2), 29);
	CHECK_INT(timeutil_days_in_month(2100, 2), 28);
}

static void
test_rfc3339_with_z_and_offsets(void)
{
	int64_t	t;

	CHECK_INT(timeutil_parse_rfc3339("2026-05-22T16:55:00Z", &t), 0);
	CHECK_INT(t, 1779468900);
	CHECK_INT(timeutil_parse_rfc3339("2026-05-22T17:55:00+01:00", &t), 0);
	CHECK_INT(t, 1779468900);
	CHECK_INT(timeutil_parse_rfc3339("2026-05-22T11:25:00-05:30", &t), 0);
	CHECK_INT(t, 1779468900);
	CHECK_INT(timeutil_parse_rfc3339("2026-05-22t16:55:00z", &t), 0);
	CHECK_INT(t, 1779468900);
	CHECK_INT(timeutil_parse_rfc3339("1970-01-01T00:00:00-00:00", &t), 0);
	CHECK_INT(t, 0);
	CHECK_INT(timeutil_parse_rfc3339("1969-12-31T23:59:59Z", &t), 0);
	CHECK_INT(t, -1);
}

static void
test_rfc3339_fractional_seconds_are_truncated(void)
{
	int64_t	t;

	CHECK_INT(timeutil_parse_rfc3339("2026-05-22T16:55:00.999Z", &t), 0);
	CHECK_INT(t, 1779468900);
	CHECK_INT(timeutil_parse_rfc3339("2026-05-22T16:55:00.5+01:00", &t),
	    0);
	CHECK_INT(t, 1779468900 - 3600);
	CHECK_INT(timeutil_parse_rfc3339("1969-12-31T23:59:59.9Z", &t), 0);
	CHECK_INT(t, -1);
}

static void
test_rfc3339_rejects_anything_else(void)
{
	static const char *const bad[] = {
		"", "2026-05-22", "2026-05-22T16:55:00", "2026-05-22T16:55Z",
		"2026-05-22T16:55:00+0100", "2026-05-22T16:55:00+01",
		"2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z",
		"2026-00-01T10:00:00Z", "2026-05-00T10:00:00Z",
		"2026-05-22T24:00:00Z", "2026-05-22T10:60:00Z",
		"2026-05-22T10:00:60Z", "2026-05-22T10:00:00.Z",
		"2026-05-22T10:00:00+24:00", "2026-05-22T10:00:00+01:60",
		"2026-05-22T10:00:00Z ", " 2026-05-22T10:00:00Z",
		"2026-05-22X10:00:00Z", "26-05-22T10:00:00Z",
		"2026-5-22T10:00:00Z", "+2026-05-22T10:00:00Z",
		"2026-05-22T10:00:00ZZ", "2026-05-22T1a:00:00Z",
		"2025-02-29T10:00:00Z", "2026-05-22T10:00:00 Z",
	};
	int64_t	t;
	size_t	i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (timeutil_parse_rfc3339(bad[i], &t) != -1)
			check_fail(__FILE__, __LINE__, "accepted \"%s\"",
			    bad[i]);
}

static void
test_rfc3339_space_separator_is_allowed(void)
{
	int64_t	t;

	CHECK_INT(timeutil_parse_rfc3339("2026-05-22 16:55:00Z", &t), 0);
	CHECK_INT(t, 1779468900);
}

static void
test_date_parses_and_validates(void)
{
	int32_t	d;
	char	buf[16];

	CHECK_INT(timeutil_parse_date("2026-05-25", &d), 0);
	CHECK_INT(d, 20598);
	CHECK_INT(timeutil_weekday(d), 1);	/* a Monday */
	CHECK_INT(timeutil_format_date(d, buf, sizeof buf), 0);
	CHECK_STR(buf, "2026-05-25");
	CHECK_INT(timeutil_parse_date("2024-02-29", &d), 0);
	CHECK_INT(timeutil_parse_date("2026-02-29", &d), -1);
	CHECK_INT(timeutil_parse_date("2026-5-25", &d), -1);
	CHECK_INT(timeutil_parse_date("2026-05-25T", &d), -1);
	CHECK_INT(timeutil_parse_date("2026-05", &d), -1);
	CHECK_INT(timeutil_parse_date("", &d), -1);
	CHECK_INT(timeutil_format_date(d, buf, 5), -1);
}

static void
test_month_is_four_digits_a_dash_and_two(void)
{
	int	y = 0, m = 0;

	CHECK_INT(timeutil_parse_month("2026-12", &y, &m), 0);
	CHECK_INT(y, 2026);
	CHECK_INT(m, 12);
	CHECK_INT(timeutil_parse_month("2026-13", &y, &m), -1);
	CHECK_INT(timeutil_parse_month("1999-12", &y, &m), -1);
	CHECK_INT(timeutil_parse_month("2026- 1", &y, &m), -1);
	CHECK_INT(timeutil_parse_month("+202-12", &y, &m), -1);
	CHECK_INT(timeutil_parse_month("2026-1", &y, &m), -1);
	CHECK_INT(timeutil_parse_month("2026-011", &y, &m), -1);
}

static void
test_form_date_fields_take_digits_only_and_a_real_date(void)
{
	int32_t	d = 0;

	CHECK_INT(timeutil_parse_dmy("25", "5", "2026", &d), 0);
	CHECK_INT(d, 20598);
	CHECK_INT(timeutil_parse_dmy("07", "02", "2026", &d), 0);
	CHECK_INT(timeutil_parse_dmy("29", "2", "2024", &d), 0);
	CHECK_INT(timeutil_parse_dmy("29", "2", "2026", &d), -1);
	CHECK_INT(timeutil_parse_dmy("31", "4", "2026", &d), -1);
	CHECK_INT(timeutil_parse_dmy("0", "1", "2026", &d), -1);
	CHECK_INT(timeutil_parse_dmy("1", "1", "1999", &d), -1);
	CHECK_INT(timeutil_parse_dmy("1", "1", "26", &d), -1);
	CHECK_INT(timeutil_parse_dmy("1", "001", "2026", &d), -1);
	CHECK_INT(timeutil_parse_dmy("+1", "1", "2026", &d), -1);
	CHECK_INT(timeutil_parse_dmy("", "1", "2026", &d), -1);
}

static void
test_day_of_floors_negative_instants(void)
{
	CHECK_INT(timeutil_day_of(0), 0);
	CHECK_INT(timeutil_day_of(86399), 0);
	CHECK_INT(timeutil_day_of(-1), -1);
	CHECK_INT(timeutil_day_of(-86400), -1);
	CHECK_INT(timeutil_day_of(-86401), -2);
}

static const struct check_test tests[] = {
	TEST(test_epoch_is_day_zero_and_a_thursday),
	TEST(test_days_from_civil_round_trips_over_many_centuries),
	TEST(test_days_from_civil_agrees_with_timegm),
	TEST(test_leap_years_follow_the_gregorian_rule),
	TEST(test_rfc3339_with_z_and_offsets),
	TEST(test_rfc3339_fractional_seconds_are_truncated),
	TEST(test_rfc3339_rejects_anything_else),
	TEST(test_rfc3339_space_separator_is_allowed),
	TEST(test_date_parses_and_validates),
	TEST(test_day_of_floors_negative_instants),
	TEST(test_month_is_four_digits_a_dash_and_two),
	TEST(test_form_date_fields_take_digits_only_and_a_real_date),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("timeutil", tests, argc, argv);
}
