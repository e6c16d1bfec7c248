/*
 * test-calendar.c: the working-day rule of SPEC section 4, one test per
 * rule and vector, then properties over many random arrivals checked
 * against an independent model built from libc's localtime_r and its own
 * reading of the bank-holiday feed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "rules/calendar.h"
#include "check.h"
#include "base/duration.h"
#include "base/jsonc.h"
#include "base/timeutil.h"

#define FEED	"config/calendars/uk-bank-holidays.json"
#define HOURS_9_TO_5							\
	"\"hours\": {\"mon\": [\"09:00-17:00\"], \"tue\": [\"09:00-17:00\"], " \
	"\"wed\": [\"09:00-17:00\"], \"thu\": [\"09:00-17:00\"], "	\
	"\"fri\": [\"09:00-17:00\"]}"
#define OFFICE(division, extra)						\
	"{\"office\": {\"timezone\": \"Europe/London\", " HOURS_9_TO_5	\
	", \"bank_holidays\": {\"file\": \"" FEED "\", \"division\": \""	\
	division "\"}" extra "}}"
#define ALL_DAY								\
	"{\"office\": {\"hours\": {\"mon\": [\"00:00-24:00\"], "		\
	"\"tue\": [\"00:00-24:00\"], \"wed\": [\"00:00-24:00\"], "	\
	"\"thu\": [\"00:00-24:00\"], \"fri\": [\"00:00-24:00\"], "	\
	"\"sat\": [\"00:00-24:00\"], \"sun\": [\"00:00-24:00\"]}}}"

/* Parse calendars from JSON text; fail the test on any error. */
static struct calendars *
cals_from(const char *json)
{
	struct calendars	*cals = NULL;
	struct jerrs		 errs;
	struct jv		*root;
	size_t			 i;

	memset(&errs, 0, sizeof errs);
	root = jv_parse("test.json", json, strlen(json), &errs);
	if (root != NULL)
		calendars_parse(root, ".", &cals, &errs);
	jv_free(root);
	for (i = 0; i < errs.n; i++)
		printf("    %s\n", errs.msg[i]);
	if (cals == NULL || errs.n > 0)
		check_fail(__FILE__, __LINE__, "calendars did not parse");
	jerrs_clear(&errs);
	return cals;
}

/* An instant from RFC 3339 text. */
static int64_t
at(const char *s)
{
	int64_t	t;

	if (timeutil_parse_rfc3339(s, &t) == -1)
		check_fail(__FILE__, __LINE__, "bad instant %s", s);
	return t;
}

/* Working seconds of a duration on a calendar. */
static int64_t
within(const struct calendar *cal, const char *text)
{
	struct duration	d;
	char		err[256];

	if (duration_parse(text, &d, err, sizeof err) == -1)
		check_fail(__FILE__, __LINE__, "%s", err);
	return duration_seconds(&d, calendar_working_day(cal));
}

/* Format an instant in the calendar's zone (static buffer). */
static const char *
fmt(const struct calendar *cal, int64_t t)
{
	static char	buf[64];

	if (calendar_format(cal, t, buf, sizeof buf) == -1)
		return "(unformattable)";
	return buf;
}

/* Check one deadline vector on calendar "office" of json. */
static void
vector(const char *json, const char *arrival, const char *dur,
    enum calendar_mode mode, const char *want)
{
	struct calendars	*cals = cals_from(json);
	struct calendar		*cal = calendars_get(cals, "office");

	CHECK(cal != NULL);
	CHECK_STR(fmt(cal, calendar_deadline(cal, at(arrival),
	    within(cal, dur), mode)), want);
	calendars_free(cals);
}

/* The vectors of SPEC section 4. */

static void
test_plain_working_day_ends_same_time_next_day(void)
{
	vector(OFFICE("england-and-wales", ""), "2026-03-11T10:30:00Z",
	    "1 working day", CALENDAR_EXACT, "2026-03-12T10:30:00+00:00");
}

static void
test_bank_holiday_monday_is_skipped(void)
{
	vector(OFFICE("england-and-wales", ""), "2026-05-22T16:55:00+01:00",
	    "1 working day", CALENDAR_EXACT, "2026-05-26T16:55:00+01:00");
}

static void
test_one_working_hour_over_a_bank_holiday_weekend(void)
{
	vector(OFFICE("england-and-wales", ""), "2026-05-22T16:55:00+01:00",
	    "1 working hours", CALENDAR_EXACT, "2026-05-26T09:55:00+01:00");
}

static void
test_out_of_hours_arrival_starts_at_next_opening(void)
{
	vector(OFFICE("england-and-wales", ""), "2026-05-22T18:30:00+01:00",
	    "1 working day", CALENDAR_EXACT, "2026-05-26T17:00:00+01:00");
}

static void
test_arrival_on_bank_holiday_starts_next_opening(void)
{
	vector(OFFICE("england-and-wales", ""), "2026-05-25T14:00:00+01:00",
	    "1 working day", CALENDAR_EXACT, "2026-05-26T17:00:00+01:00");
}

static void
test_deadline_exactly_at_close_stays_at_close(void)
{
	vector(OFFICE("england-and-wales", ""), "2026-03-10T09:00:00Z",
	    "1 working day", CALENDAR_EXACT, "2026-03-10T17:00:00+00:00");
}

static void
test_arrival_at_close_is_out_of_hours(void)
{
	vector(OFFICE("england-and-wales", ""), "2026-03-10T17:00:00Z",
	    "1 working day", CALENDAR_EXACT, "2026-03-11T17:00:00+00:00");
}

static void
test_christmas_and_substitute_boxing_day_are_skipped(void)
{
	vector(OFFICE("england-and-wales", ""), "2026-12-24T15:00:00Z",
	    "1 working day", CALENDAR_EXACT, "2026-12-29T15:00:00+00:00");
}

static void
test_christmas_special_hours_close_christmas_eve_at_noon(void)
{
	vector(OFFICE("england-and-wales", ", \"special_hours\": "
	    "{\"2026-12-24\": [\"09:00-12:00\"]}"), "2026-12-24T15:00:00Z",
	    "1 working day", CALENDAR_EXACT, "2026-12-29T17:00:00+00:00");
}

static void
test_scotland_1_and_2_january(void)
{
	vector(OFFICE("scotland", ""), "2025-12-31T16:30:00Z",
	    "1 working day", CALENDAR_EXACT, "2026-01-05T16:30:00+00:00");
}

static void
test_northern_ireland_boyne_substitute_day(void)
{
	vector(OFFICE("northern-ireland", ""), "2026-07-10T12:00:00+01:00",
	    "1 working day", CALENDAR_EXACT, "2026-07-14T12:00:00+01:00");
}

static void
test_clocks_going_forward_keep_the_working_day_length(void)
{
	vector(OFFICE("england-and-wales", ""), "2026-03-27T15:00:00Z",
	    "1 working day", CALENDAR_EXACT, "2026-03-30T15:00:00+01:00");
}

static void
test_all_day_calendar_counts_real_time_across_clocks_going_back(void)
{
	vector(ALL_DAY, "2026-10-24T12:00:00+01:00", "24 working hours",
	    CALENDAR_EXACT, "2026-10-25T11:00:00+00:00");
}

/* Further rules. */

static void
test_close_of_business_rounds_up_to_the_window_close(void)
{
	vector(OFFICE("england-and-wales", ""), "2026-03-11T10:30:00Z",
	    "1 working day", CALENDAR_CLOSE_OF_BUSINESS,
	    "2026-03-12T17:00:00+00:00");
	vector(OFFICE("england-and-wales", ""), "2026-05-22T16:55:00+01:00",
	    "1 working hours", CALENDAR_CLOSE_OF_BUSINESS,
	    "2026-05-26T17:00:00+01:00");
}

static void
test_close_of_business_keeps_a_deadline_exactly_at_close(void)
{
	vector(OFFICE("england-and-wales", ""), "2026-03-10T09:00:00Z",
	    "1 working day", CALENDAR_CLOSE_OF_BUSINESS,
	    "2026-03-10T17:00:00+00:00");
}

static void
test_close_of_business_uses_the_window_not_the_day(void)
{
	static const char json[] = "{\"office\": {\"hours\": {\"mon\": "
	    "[\"09:00-12:30\", \"13:30-17:30\"]}}}";

	/* Monday 2026-03-09: 1 working hour from 10:00 ends 11:00. */
	vector(json, "2026-03-09T10:00:00Z", "1 working hour",
	    CALENDAR_CLOSE_OF_BUSINESS, "2026-03-09T12:30:00+00:00");
	vector(json, "2026-03-09T12:00:00Z", "1 working hour",
	    CALENDAR_EXACT, "2026-03-09T14:00:00+00:00");
}

static void
test_zero_working_time_is_the_start_instant(void)
{
	struct calendars	*cals = cals_from(OFFICE("england-and-wales",
	    ""));
	struct calendar		*cal = calendars_get(cals, "office");

	CHECK_INT(calendar_deadline(cal, at("2026-03-10T10:00:00Z"), 0,
	    CALENDAR_EXACT), at("2026-03-10T10:00:00Z"));
	CHECK_INT(calendar_deadline(cal, at("2026-03-10T18:00:00Z"), 0,
	    CALENDAR_EXACT), at("2026-03-11T09:00:00Z"));
	CHECK_INT(calendar_deadline(cal, at("2026-03-10T17:00:00Z"), 0,
	    CALENDAR_EXACT), at("2026-03-11T09:00:00Z"));
	calendars_free(cals);
}

static void
test_windows_include_opening_and_exclude_close(void)
{
	struct calendars	*cals = cals_from(OFFICE("england-and-wales",
	    ""));
	struct calendar		*cal = calendars_get(cals, "office");

	CHECK(!calendar_is_open(cal, at("2026-03-10T08:59:59Z")));
	CHECK(calendar_is_open(cal, at("2026-03-10T09:00:00Z")));
	CHECK(calendar_is_open(cal, at("2026-03-10T16:59:59Z")));
	CHECK(!calendar_is_open(cal, at("2026-03-10T17:00:00Z")));
	CHECK(!calendar_is_open(cal, at("2026-05-25T12:00:00Z")));
	calendars_free(cals);
}

static void
test_elapsed_counts_working_seconds_in_half_open_range(void)
{
	struct calendars	*cals = cals_from(OFFICE("england-and-wales",
	    ""));
	struct calendar		*cal = calendars_get(cals, "office");

	CHECK_INT(calendar_elapsed(cal, at("2026-03-10T08:00:00Z"),
	    at("2026-03-10T18:00:00Z")), 8 * 3600);
	CHECK_INT(calendar_elapsed(cal, at("2026-03-10T09:00:00Z"),
	    at("2026-03-10T09:00:01Z")), 1);
	CHECK_INT(calendar_elapsed(cal, at("2026-03-10T17:00:00Z"),
	    at("2026-03-11T09:00:00Z")), 0);
	CHECK_INT(calendar_elapsed(cal, at("2026-05-22T00:00:00Z"),
	    at("2026-05-27T00:00:00Z")), 16 * 3600);
	CHECK_INT(calendar_elapsed(cal, at("2026-03-11T00:00:00Z"),
	    at("2026-03-10T00:00:00Z")), 0);
	calendars_free(cals);
}

static void
test_window_spanning_clock_change_is_real_time(void)
{
	struct calendars	*cals = cals_from("{\"office\": {\"hours\": "
	    "{\"sun\": [\"00:00-04:00\"]}}}");
	struct calendar		*cal = calendars_get(cals, "office");

	/* 00:00-04:00 is 3 real hours in spring and 5 in autumn. */
	CHECK_INT(calendar_elapsed(cal, at("2026-03-28T12:00:00Z"),
	    at("2026-03-29T12:00:00Z")), 3 * 3600);
	CHECK_INT(calendar_elapsed(cal, at("2026-10-24T12:00:00Z"),
	    at("2026-10-25T12:00:00Z")), 5 * 3600);
	CHECK_INT(calendar_elapsed(cal, at("2026-03-21T12:00:00Z"),
	    at("2026-03-22T12:00:00Z")), 4 * 3600);
	calendars_free(cals);
}

static void
test_window_in_the_gap_moves_forward_and_ambiguous_times_are_earlier(void)
{
	struct calendars	*cals = cals_from("{\"office\": {\"hours\": "
	    "{\"sun\": [\"01:15-01:45\"]}}, \"late\": {\"hours\": "
	    "{\"sun\": [\"01:30-02:00\"]}}}");
	struct calendar		*cal = calendars_get(cals, "office");

	/* Both ends move forward by the gap: 02:15-02:45 BST. */
	CHECK_INT(calendar_elapsed(cal, at("2026-03-28T12:00:00Z"),
	    at("2026-03-29T12:00:00Z")), 1800);
	CHECK(calendar_is_open(cal, at("2026-03-29T01:15:00Z")));
	/* 01:30 becomes 02:30 BST, after 02:00 BST: nothing is left. */
	CHECK_INT(calendar_elapsed(calendars_get(cals, "late"),
	    at("2026-03-28T12:00:00Z"), at("2026-03-29T12:00:00Z")), 0);
	/* Autumn: 01:15 BST to 01:45 BST, the earlier of each. */
	CHECK_INT(calendar_elapsed(cal, at("2026-10-24T12:00:00Z"),
	    at("2026-10-25T12:00:00Z")), 1800);
	CHECK(calendar_is_open(cal, at("2026-10-25T00:15:00Z")));
	CHECK(!calendar_is_open(cal, at("2026-10-25T01:15:00Z")));
	calendars_free(cals);
}

static void
test_closures_and_empty_special_hours_close_the_day(void)
{
	vector(OFFICE("england-and-wales", ", \"closures\": [\"2026-03-12\"]"),
	    "2026-03-11T10:30:00Z", "1 working day", CALENDAR_EXACT,
	    "2026-03-13T10:30:00+00:00");
	vector(OFFICE("england-and-wales", ", \"special_hours\": "
	    "{\"2026-03-12\": []}"), "2026-03-11T10:30:00Z", "1 working day",
	    CALENDAR_EXACT, "2026-03-13T10:30:00+00:00");
}

static void
test_special_hours_can_open_a_weekend_or_bank_holiday(void)
{
	vector(OFFICE("england-and-wales", ", \"special_hours\": "
	    "{\"2026-05-25\": [\"10:00-12:00\"]}"),
	    "2026-05-22T16:55:00+01:00", "1 working hours", CALENDAR_EXACT,
	    "2026-05-25T10:55:00+01:00");
}

static void
test_date_past_end_of_feed_counts_as_working_day(void)
{
	/* The feed ends with 2027; Christmas 2028 is an ordinary Monday. */
	vector(OFFICE("england-and-wales", ""), "2028-12-22T16:00:00Z",
	    "1 working day", CALENDAR_EXACT, "2028-12-25T16:00:00+00:00");
}

static void
test_data_end_and_expiry_warning_from_90_days_before(void)
{
	struct calendars	*cals = cals_from(OFFICE("england-and-wales",
	    ""));
	struct calendar		*cal = calendars_get(cals, "office");
	int32_t			 end;

	CHECK_INT(timeutil_parse_date("2027-12-31", &end), 0);
	CHECK_INT(calendar_data_end(cal), end);
	CHECK(!calendar_data_expiring(cal, at("2026-06-01T12:00:00Z")));
	CHECK(!calendar_data_expiring(cal, at("2027-10-02T22:59:59Z")));
	CHECK(calendar_data_expiring(cal, at("2027-10-02T23:00:00Z")));
	CHECK(calendar_data_expiring(cal, at("2029-01-01T00:00:00Z")));
	calendars_free(cals);

	cals = cals_from(ALL_DAY);
	cal = calendars_get(cals, "office");
	CHECK_INT(calendar_data_end(cal), -1);
	CHECK(!calendar_data_expiring(cal, at("2099-01-01T00:00:00Z")));
	calendars_free(cals);
}

static void
test_working_day_defaults_to_most_common_daily_total(void)
{
	struct calendars	*cals;

	cals = cals_from(OFFICE("england-and-wales", ""));
	CHECK_INT(calendar_working_day(calendars_get(cals, "office")), 28800);
	calendars_free(cals);
	cals = cals_from("{\"a\": {\"hours\": {\"mon\": [\"09:00-17:00\"], "
	    "\"tue\": [\"09:00-17:00\"], \"fri\": [\"09:00-16:30\"]}}, "
	    "\"b\": {\"hours\": {\"mon\": [\"09:00-15:00\"], "
	    "\"tue\": [\"09:00-17:00\"]}}, "
	    "\"c\": {\"hours\": {\"sat\": [\"10:00-13:00\"]}}}");
	CHECK_INT(calendar_working_day(calendars_get(cals, "a")), 28800);
	CHECK_INT(calendar_working_day(calendars_get(cals, "b")), 28800);
	CHECK_INT(calendar_working_day(calendars_get(cals, "c")), 10800);
	calendars_free(cals);
	cals = cals_from(ALL_DAY);
	CHECK_INT(calendar_working_day(calendars_get(cals, "office")), 86400);
	calendars_free(cals);
}

static void
test_working_day_can_be_configured(void)
{
	vector(OFFICE("england-and-wales", ", \"working_day\": \"450m\""),
	    "2026-03-11T09:00:00Z", "1 working day", CALENDAR_EXACT,
	    "2026-03-11T16:30:00+00:00");
}

static void
test_deadline_outside_precomputed_years_is_still_exact(void)
{
	/* Before 2000 and after 2100: weekly hours, DST from the zone. */
	vector(OFFICE("england-and-wales", ""), "1995-03-24T15:00:00Z",
	    "1 working day", CALENDAR_EXACT, "1995-03-27T15:00:00+01:00");
	vector(OFFICE("england-and-wales", ""), "1999-12-31T16:00:00Z",
	    "1 working day", CALENDAR_EXACT, "2000-01-03T16:00:00+00:00");
	vector(OFFICE("england-and-wales", ""), "2100-12-31T16:00:00Z",
	    "1 working day", CALENDAR_EXACT, "2101-01-03T16:00:00+00:00");
	vector(OFFICE("england-and-wales", ""), "2150-06-19T16:00:00+01:00",
	    "1 working day", CALENDAR_EXACT, "2150-06-22T16:00:00+01:00");
	vector(ALL_DAY, "2100-12-31T12:00:00Z", "48 working hours",
	    CALENDAR_EXACT, "2101-01-02T12:00:00+00:00");
}

static void
test_horizon_and_clamping(void)
{
	struct calendars	*cals = cals_from("{\"office\": {\"hours\": "
	    "{\"sun\": [\"00:00-00:01\"]}}}");
	struct calendar		*cal = calendars_get(cals, "office");

	/* 60 s a week: 1000 working hours take about 1150 years. */
	CHECK(calendar_deadline(cal, at("2026-01-01T00:00:00Z"),
	    1000 * 3600, CALENDAR_EXACT) == CALENDAR_NEVER);
	CHECK(calendar_deadline(cal, at("2600-01-01T00:00:00Z"), 60,
	    CALENDAR_EXACT) == CALENDAR_NEVER);
	CHECK(calendar_deadline(cal, INT64_MAX, 60,
	    CALENDAR_EXACT) == CALENDAR_NEVER);
	CHECK(calendar_deadline(cal, INT64_MIN, 60, CALENDAR_EXACT) ==
	    calendar_deadline(cal, at("1890-01-01T00:00:00Z"), 60,
	    CALENDAR_EXACT));
	CHECK_INT(calendar_elapsed(cal, INT64_MIN, INT64_MAX) > 0, 1);
	CHECK_INT(calendar_format(cal, CALENDAR_NEVER, (char[64]){0}, 64), -1);
	calendars_free(cals);
}

static void
test_format_is_rfc3339_in_the_calendars_zone(void)
{
	struct calendars	*cals = cals_from("{\"uk\": {\"hours\": "
	    "{\"mon\": [\"09:00-17:00\"]}}, \"ny\": {\"timezone\": "
	    "\"America/New_York\", \"hours\": {\"mon\": [\"09:00-17:00\"]}}}");
	struct calendar		*uk = calendars_get(cals, "uk");
	struct calendar		*ny = calendars_get(cals, "ny");
	char			 small[10];

	CHECK_STR(fmt(uk, at("2026-01-01T00:00:00Z")),
	    "2026-01-01T00:00:00+00:00");
	CHECK_STR(fmt(uk, at("2026-05-26T15:55:00Z")),
	    "2026-05-26T16:55:00+01:00");
	CHECK_STR(fmt(ny, at("2026-01-01T00:00:00Z")),
	    "2025-12-31T19:00:00-05:00");
	CHECK_STR(calendar_timezone(ny), "America/New_York");
	CHECK_INT(calendar_format(uk, 0, small, sizeof small), -1);
	calendars_free(cals);
}

static void
test_local_time_is_broken_down_in_the_calendars_zone(void)
{
	struct calendars	*cals = cals_from(OFFICE("england-and-wales",
	    ""));
	struct calendar		*cal = calendars_get(cals, "office");
	struct tm		 tm;
	char			 buf[64];

	CHECK_INT(calendar_local(cal, at("2026-05-26T15:55:00Z"), &tm), 0);
	CHECK_INT(tm.tm_year, 126);
	CHECK_INT(tm.tm_mon, 4);
	CHECK_INT(tm.tm_mday, 26);
	CHECK_INT(tm.tm_hour, 16);
	CHECK_INT(tm.tm_min, 55);
	CHECK_INT(tm.tm_wday, 2);
	CHECK_INT(tm.tm_yday, 145);
	CHECK_INT(tm.tm_gmtoff, 3600);
	strftime(buf, sizeof buf, "%l:%M%P on %A", &tm);
	CHECK_STR(buf, " 4:55pm on Tuesday");
	calendars_free(cals);
}

static void
test_version_changes_with_calendar_data_only(void)
{
	struct calendars	*cals = cals_from("{"
	    "\"a\": {\"hours\": {\"mon\": [\"09:00-17:00\"]}},"
	    "\"b\": {\"hours\": {\"mon\": [\"09:00-17:00\"]}},"
	    "\"c\": {\"hours\": {\"mon\": [\"09:00-17:00\"]}, "
	    "\"closures\": [\"2026-03-09\"]},"
	    "\"d\": {\"hours\": {\"mon\": [\"09:00-17:30\"]}},"
	    "\"e\": {\"timezone\": \"Europe/Dublin\", "
	    "\"hours\": {\"mon\": [\"09:00-17:00\"]}},"
	    "\"f\": {\"hours\": {\"mon\": [\"09:00-17:00\"]}, "
	    "\"working_day\": \"7h\"}}");

	CHECK(calendar_version(calendars_get(cals, "a")) ==
	    calendar_version(calendars_get(cals, "b")));
	CHECK(calendar_version(calendars_get(cals, "a")) !=
	    calendar_version(calendars_get(cals, "c")));
	CHECK(calendar_version(calendars_get(cals, "a")) !=
	    calendar_version(calendars_get(cals, "d")));
	CHECK(calendar_version(calendars_get(cals, "a")) !=
	    calendar_version(calendars_get(cals, "e")));
	CHECK(calendar_version(calendars_get(cals, "a")) !=
	    calendar_version(calendars_get(cals, "f")));
	CHECK_INT(calendars_count(cals), 6);
	CHECK_STR(calendar_name(calendars_at(cals, 5)), "f");
	CHECK(calendars_get(cals, "zz") == NULL);
	calendars_free(cals);
}

/* Configuration errors. */

/* Parse json expecting errors; return them (caller clears). */
static struct jerrs
errors_of(const char *json)
{
	struct calendars	*cals = NULL;
	struct jerrs		 errs;
	struct jv		*root;

	memset(&errs, 0, sizeof errs);
	root = jv_parse("test.json", json, strlen(json), &errs);
	CHECK(root != NULL);
	CHECK_INT(calendars_parse(root, ".", &cals, &errs), -1);
	CHECK(cals == NULL);
	jv_free(root);
	return errs;
}

/* Whether some error contains every one of up to two substrings. */
static int
has_error(const struct jerrs *errs, const char *a, const char *b)
{
	size_t	i;

	for (i = 0; i < errs->n; i++)
		if (strstr(errs->msg[i], a) != NULL &&
		    (b == NULL || strstr(errs->msg[i], b) != NULL))
			return 1;
	for (i = 0; i < errs->n; i++)
		printf("    got: %s\n", errs->msg[i]);
	return 0;
}

static void
test_unknown_key_is_an_error_at_the_key(void)
{
	struct jerrs	errs = errors_of("{\"office\": {\n"
	    "  \"hours\": {\"mon\": [\"09:00-17:00\"]},\n"
	    "  \"timezome\": \"Europe/London\"}}");

	CHECK(has_error(&errs, "test.json:3:3: ", "unknown key \"timezome\""));
	jerrs_clear(&errs);
	errs = errors_of("{\"office\": {\n"
	    "  \"hours\": {\"monday\": [\"09:00-17:00\"]}}}");
	CHECK(has_error(&errs, "test.json:2:13: ", "unknown key \"monday\""));
	jerrs_clear(&errs);
}

static void
test_bad_window_is_an_error_at_the_value(void)
{
	struct jerrs	errs = errors_of("{\"office\": {\n"
	    "  \"hours\": {\"mon\": [\"9:00-17\"]}}}");

	CHECK(has_error(&errs, "test.json:2:21: ",
	    "office.hours.mon[0]: bad window \"9:00-17\""));
	jerrs_clear(&errs);
	errs = errors_of("{\"office\": {\"hours\": {\"mon\": [\"17:00-09:00\","
	    " \"24:00-24:00\", \"09:00-24:30\", 9]}}}");
	CHECK(has_error(&errs, "ends before it starts", NULL));
	CHECK(has_error(&errs, "bad window \"24:00-24:00\"", NULL));
	CHECK(has_error(&errs, "bad window \"09:00-24:30\"", NULL));
	CHECK(has_error(&errs, "expected a string", NULL));
	jerrs_clear(&errs);
}

static void
test_overlapping_or_unordered_windows_are_errors(void)
{
	struct jerrs	errs = errors_of("{\"office\": {\n"
	    "  \"hours\": {\"mon\": [\"09:00-12:00\", \"11:00-17:00\"],\n"
	    "    \"tue\": [\"13:00-17:00\", \"09:00-12:00\"]}}}");

	CHECK(has_error(&errs, "test.json:2:36: ",
	    "window \"11:00-17:00\" overlaps \"09:00-12:00\""));
	CHECK(has_error(&errs, "test.json:3:28: ",
	    "\"09:00-12:00\" comes before \"13:00-17:00\""));
	jerrs_clear(&errs);
}

static void
test_unknown_division_is_an_error(void)
{
	struct jerrs	errs = errors_of("{\"office\": {" HOURS_9_TO_5 ",\n"
	    "\"bank_holidays\": {\"file\": \"" FEED "\", \"division\": "
	    "\"wales\"}}}");

	CHECK(has_error(&errs, "test.json:2:", "unknown division \"wales\""));
	jerrs_clear(&errs);
}

static void
test_missing_feed_file_is_an_error_at_the_file_key(void)
{
	struct jerrs	errs = errors_of("{\"office\": {" HOURS_9_TO_5 ",\n"
	    "\"bank_holidays\": {\"file\": \"nowhere/feed.json\", "
	    "\"division\": \"scotland\"}}}");

	CHECK(has_error(&errs, "test.json:2:27: ",
	    "cannot read \"./nowhere/feed.json\""));
	jerrs_clear(&errs);
}

static void
test_errors_inside_the_feed_point_into_the_feed(void)
{
	static const char	feed[] = "{\"scotland\": {\"events\": [\n"
	    "  {\"title\": \"x\", \"date\": \"2026-02-30\"}]}}";
	char			path[] = "/tmp/test-calendar-XXXXXX", json[512];
	struct jerrs		errs;
	FILE			*f;
	int			fd;

	CHECK((fd = mkstemp(path)) != -1);
	CHECK((f = fdopen(fd, "w")) != NULL);
	fputs(feed, f);
	fclose(f);
	snprintf(json, sizeof json, "{\"office\": {" HOURS_9_TO_5 ", "
	    "\"bank_holidays\": {\"file\": \"%s\", \"division\": "
	    "\"scotland\"}}}", path);
	errs = errors_of(json);
	unlink(path);
	CHECK(has_error(&errs, path, ":2:26: "));
	CHECK(has_error(&errs, "bad date \"2026-02-30\"", NULL));
	jerrs_clear(&errs);
}

static void
test_every_error_is_reported_not_just_the_first(void)
{
	struct jerrs	errs = errors_of("{\"a\": {\"hours\": {\"mon\": "
	    "[\"9-5\"]}, \"colour\": \"red\"},\n"
	    "\"b\": {\"timezone\": \"Mars/Olympus\"},\n"
	    "\"c\": {\"hours\": {}, \"closures\": [\"1999-12-31\", \"x\"],"
	    " \"special_hours\": {\"2026-13-01\": []}, "
	    "\"working_day\": \"1 working day\"}}");

	CHECK(has_error(&errs, "test.json:1:", "bad window \"9-5\""));
	CHECK(has_error(&errs, "test.json:1:", "unknown key \"colour\""));
	CHECK(has_error(&errs, "test.json:2:", "unknown time zone"));
	CHECK(has_error(&errs, "test.json:2:", "missing key \"hours\""));
	CHECK(has_error(&errs, "test.json:3:", "no working hours"));
	CHECK(has_error(&errs, "test.json:3:", "1999-12-31 is outside"));
	CHECK(has_error(&errs, "test.json:3:", "bad date \"x\""));
	CHECK(has_error(&errs, "test.json:3:", "bad date \"2026-13-01\""));
	CHECK(has_error(&errs, "test.json:3:", "cannot be measured"));
	CHECK_INT(errs.n, 9);
	jerrs_clear(&errs);
}

static void
test_bad_time_zone_names_are_errors(void)
{
	struct jerrs	errs = errors_of("{\"a\": {\"timezone\": "
	    "\"../../etc/passwd\", \"hours\": {\"mon\": [\"09:00-17:00\"]}},"
	    "\"b\": {\"timezone\": \"/etc/localtime\", \"hours\": "
	    "{\"mon\": [\"09:00-17:00\"]}}}");

	CHECK_INT(errs.n, 2);
	CHECK(has_error(&errs, "test.json:1:20: ", "bad time zone name"));
	jerrs_clear(&errs);
}

static void
test_closed_day_with_special_hours_is_an_error(void)
{
	struct jerrs	errs = errors_of("{\"a\": {" HOURS_9_TO_5 ", "
	    "\"closures\": [\"2026-12-24\"], \"special_hours\": "
	    "{\"2026-12-24\": [\"09:00-12:00\"]}}}");

	CHECK(has_error(&errs, "listed in \"closures\" too", NULL));
	jerrs_clear(&errs);
}

static void
test_no_calendars_is_an_error(void)
{
	struct jerrs	errs = errors_of("{}");

	CHECK(has_error(&errs, "test.json:1:1: ", "at least one calendar"));
	jerrs_clear(&errs);
	errs = errors_of("[1]");
	CHECK(has_error(&errs, "expected an object", NULL));
	jerrs_clear(&errs);
}

/* The promise. */

/* Parse a promise object against cals; return the error count. */
static size_t
promise_of(const char *json, const struct calendars *cals,
    struct promise *p, struct jerrs *errs)
{
	struct jv	*root;

	memset(errs, 0, sizeof *errs);
	root = jv_parse("test.json", json, strlen(json), errs);
	CHECK(root != NULL);
	calendar_promise_parse(root, cals, p, errs);
	jv_free(root);
	return errs->n;
}

static void
test_promise_defaults_to_one_working_day_exact_on_the_only_calendar(void)
{
	struct calendars	*cals = cals_from(OFFICE("england-and-wales",
	    ""));
	struct promise		 p;
	struct jerrs		 errs;

	CHECK_INT(promise_of("{}", cals, &p, &errs), 0);
	CHECK(p.calendar == calendars_get(cals, "office"));
	CHECK_INT(p.mode, CALENDAR_EXACT);
	CHECK_INT(promise_seconds(&p), 28800);
	CHECK_INT(promise_of("{\"respond_within\": \"4 working hours\", "
	    "\"calendar\": \"office\", \"deadline\": \"close-of-business\"}",
	    cals, &p, &errs), 0);
	CHECK_INT(p.mode, CALENDAR_CLOSE_OF_BUSINESS);
	CHECK_INT(promise_seconds(&p), 4 * 3600);
	calendars_free(cals);
}

static void
test_promise_errors(void)
{
	struct calendars	*cals = cals_from("{\"a\": {\"hours\": "
	    "{\"mon\": [\"09:00-17:00\"]}}, \"b\": {\"hours\": {\"mon\": "
	    "[\"09:00-17:00\"]}}}");
	struct promise		 p;
	struct jerrs		 errs;

	CHECK_INT(promise_of("{}", cals, &p, &errs), 1);
	CHECK(has_error(&errs, "test.json:1:1: ", "missing key \"calendar\""));
	jerrs_clear(&errs);
	CHECK_INT(promise_of("{\"calendar\": \"c\", \"deadline\": \"eod\",\n"
	    "\"respond_within\": \"4h\", \"within\": 1}", cals, &p, &errs),
	    4);
	CHECK(has_error(&errs, "test.json:1:14: ", "no calendar \"c\""));
	CHECK(has_error(&errs, "test.json:1:", "\"close-of-business\""));
	CHECK(has_error(&errs, "test.json:2:19: ", "expected working time"));
	CHECK(has_error(&errs, "test.json:2:", "unknown key \"within\""));
	jerrs_clear(&errs);
	CHECK_INT(promise_of("{\"calendar\": \"a\", \"respond_within\": "
	    "\"0 working days\"}", cals, &p, &errs), 1);
	jerrs_clear(&errs);
	CHECK_INT(promise_of("{\"calendar\": \"a\", \"respond_within\": "
	    "\"2 fortnights\"}", cals, &p, &errs), 1);
	CHECK(has_error(&errs, "unknown unit \"fortnights\"", NULL));
	jerrs_clear(&errs);
	calendars_free(cals);
}

/*
 * The independent model.  For every UTC minute of 2018-12-24 .. 2028-03-01
 * it knows the London wall-clock minute (from libc's localtime_r), and from
 * that and its own reading of the feed it marks each minute open or closed
 * by the rule's words: a window runs from the instant of its opening to the
 * instant of its close, a missing local time moves forward by the gap, an
 * ambiguous one is its earlier instant.  Windows are whole minutes and
 * London changes offset on whole minutes, so minutes are exact.
 */

struct spec_day {
	int	n;
	int	a[4], b[4];		/* minutes after midnight */
};

struct spec {
	const char	*division;	/* NULL: no feed */
	struct spec_day	 week[7];	/* Sunday = 0 */
	const char	*closures[16];
	int		 nclosures;
	const char	*special_date[16];
	struct spec_day	 special[16];
	int		 nspecial;
};

struct model {
	int64_t		 base;		/* first minute, as unix minutes */
	size_t		 n;
	int32_t		*wall;		/* local wall time, unix minutes */
	uint8_t		*open;
	uint8_t		*close;		/* a window closes at minute i */
	int32_t		*cum;		/* open minutes before minute i */
};

static struct model	model;

/* The wall clock of every minute of the range, from libc. */
static void
model_init(void)
{
	struct tm	tm;
	time_t		tt;
	size_t		i;

	if (model.wall != NULL)
		return;
	model.base = (int64_t)at("2018-12-24T00:00:00Z") / 60;
	model.n = (size_t)(at("2028-03-01T00:00:00Z") / 60 - model.base);
	setenv("TZ", "Europe/London", 1);
	tzset();
	CHECK((model.wall = malloc(model.n * sizeof *model.wall)) != NULL);
	CHECK((model.open = malloc(model.n)) != NULL);
	CHECK((model.close = malloc(model.n)) != NULL);
	CHECK((model.cum = malloc((model.n + 1) * sizeof *model.cum)) != NULL);
	for (i = 0; i < model.n; i++) {
		tt = (time_t)((model.base + (int64_t)i) * 60);
		localtime_r(&tt, &tm);
		model.wall[i] = (int32_t)((tt + tm.tm_gmtoff) / 60);
	}
}

/* The minute index of local wall minute L by the rule's words. */
static int64_t
model_instant(int64_t L)
{
	int64_t	m = L - model.base - 26 * 60;

	if (m < 1)
		m = 1;
	while ((size_t)m < model.n && model.wall[m] < L)
		m++;
	if ((size_t)m >= model.n)
		return (int64_t)model.n;
	if (model.wall[m] == L)
		return m;
	/* L was skipped: forward by the gap from the wall time before. */
	return m + (L - (model.wall[m - 1] + 1));
}

/* The feed's dates for a division, read without the code under test. */
static size_t
model_feed(const char *division, char dates[][11], size_t max)
{
	static const char *const divs[] = {
		"\"england-and-wales\": {", "\"scotland\": {",
		"\"northern-ireland\": {"
	};
	char		*text, *p, *end, *q, key[64];
	FILE		*f;
	long		 len;
	size_t		 n = 0, i;

	CHECK((f = fopen(FEED, "rb")) != NULL);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	CHECK((text = calloc(1, (size_t)len + 1)) != NULL);
	CHECK(fread(text, 1, (size_t)len, f) == (size_t)len);
	fclose(f);
	snprintf(key, sizeof key, "\"%s\": {", division);
	CHECK((p = strstr(text, key)) != NULL);
	end = text + len;
	for (i = 0; i < 3; i++)
		if ((q = strstr(p + 1, divs[i])) != NULL && q < end)
			end = q;
	while ((q = strstr(p, "\"date\": \"")) != NULL && q < end &&
	    n < max) {
		memcpy(dates[n], q + 9, 10);
		dates[n][10] = '\0';
		n++;
		p = q + 1;
	}
	free(text);
	return n;
}

/* Mark the model's open minutes for a calendar spec. */
static void
model_build(const struct spec *sp)
{
	static char		 hol[200][11];
	const struct spec_day	*d;
	struct tm		 tm;
	time_t			 tt;
	char			 date[16];
	size_t			 nhol = 0, k;
	int64_t			 day, s, e, m, first, last;
	int			 i, closed;

	if (sp->division != NULL)
		nhol = model_feed(sp->division, hol, 200);
	memset(model.open, 0, model.n);
	memset(model.close, 0, model.n);
	first = model.base / 1440 - 1;
	last = (model.base + (int64_t)model.n) / 1440 + 1;
	for (day = first; day <= last; day++) {
		tt = (time_t)(day * 86400);
		gmtime_r(&tt, &tm);
		strftime(date, sizeof date, "%Y-%m-%d", &tm);
		d = &sp->week[tm.tm_wday];
		closed = 0;
		for (k = 0; k < nhol; k++)
			if (strcmp(hol[k], date) == 0)
				closed = 1;
		for (i = 0; i < sp->nclosures; i++)
			if (strcmp(sp->closures[i], date) == 0)
				closed = 1;
		if (closed)
			d = NULL;
		for (i = 0; i < sp->nspecial; i++)
			if (strcmp(sp->special_date[i], date) == 0)
				d = &sp->special[i];
		for (i = 0; d != NULL && i < d->n; i++) {
			s = model_instant(day * 1440 + d->a[i]);
			e = model_instant(day * 1440 + d->b[i]);
			for (m = s < 0 ? 0 : s; m < e && (size_t)m < model.n;
			    m++)
				model.open[m] = 1;
			if (e > s && e >= 0 && (size_t)e < model.n)
				model.close[e] = 1;
		}
	}
	model.cum[0] = 0;
	for (k = 0; k < model.n; k++)
		model.cum[k + 1] = model.cum[k] + model.open[k];
}

/* Open seconds before instant t (t within the model's range). */
static int64_t
model_worked(int64_t t)
{
	int64_t	m = t / 60 - model.base, r = t % 60;

	if (m < 0 || (size_t)m >= model.n)
		check_fail(__FILE__, __LINE__, "instant %lld outside the model",
		    (long long)t);
	return (int64_t)model.cum[m] * 60 + model.open[m] * r;
}

/* Whether t is open in the model. */
static int
model_open(int64_t t)
{
	return model.open[t / 60 - model.base];
}

/* Append the JSON of a day's windows. */
static void
spec_windows(char *buf, size_t len, const struct spec_day *d)
{
	int	i;

	strncat(buf, "[", len - strlen(buf) - 1);
	for (i = 0; i < d->n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf),
		    "%s\"%02d:%02d-%02d:%02d\"", i ? ", " : "", d->a[i] / 60,
		    d->a[i] % 60, d->b[i] / 60, d->b[i] % 60);
	strncat(buf, "]", len - strlen(buf) - 1);
}

/* The calendars JSON of a spec, as calendar "office". */
static void
spec_json(const struct spec *sp, char *buf, size_t len)
{
	static const char *const names[7] = {
		"sun", "mon", "tue", "wed", "thu", "fri", "sat"
	};
	int	i, first = 1;

	snprintf(buf, len, "{\"office\": {\"timezone\": \"Europe/London\", "
	    "\"hours\": {");
	for (i = 0; i < 7; i++) {
		if (sp->week[i].n == 0)
			continue;
		snprintf(buf + strlen(buf), len - strlen(buf), "%s\"%s\": ",
		    first ? "" : ", ", names[i]);
		spec_windows(buf, len, &sp->week[i]);
		first = 0;
	}
	strncat(buf, "}", len - strlen(buf) - 1);
	if (sp->division != NULL)
		snprintf(buf + strlen(buf), len - strlen(buf),
		    ", \"bank_holidays\": {\"file\": \"%s\", \"division\": "
		    "\"%s\"}", FEED, sp->division);
	if (sp->nclosures > 0) {
		strncat(buf, ", \"closures\": [", len - strlen(buf) - 1);
		for (i = 0; i < sp->nclosures; i++)
			snprintf(buf + strlen(buf), len - strlen(buf),
			    "%s\"%s\"", i ? ", " : "", sp->closures[i]);
		strncat(buf, "]", len - strlen(buf) - 1);
	}
	if (sp->nspecial > 0) {
		strncat(buf, ", \"special_hours\": {", len - strlen(buf) - 1);
		for (i = 0; i < sp->nspecial; i++) {
			snprintf(buf + strlen(buf), len - strlen(buf),
			    "%s\"%s\": ", i ? ", " : "", sp->special_date[i]);
			spec_windows(buf, len, &sp->special[i]);
		}
		strncat(buf, "}", len - strlen(buf) - 1);
	}
	strncat(buf, "}}", len - strlen(buf) - 1);
}

#define NINE_TO_FIVE	{ 1, { 540 }, { 1020 } }
#define WEEKDAYS(d)	{ { 0 }, d, d, d, d, d, { 0 } }

/* England and Wales 09:00-17:00 with Christmas Eve hours and closures. */
static const struct spec spec_england = {
	"england-and-wales", WEEKDAYS(NINE_TO_FIVE),
	{ "2026-12-29", "2026-12-30", "2026-12-31", "2023-08-01" }, 4,
	{ "2019-12-24", "2020-12-24", "2021-12-24", "2022-12-24",
	  "2023-12-24", "2024-12-24", "2025-12-24", "2026-12-24",
	  "2027-12-24", "2026-06-15", "2024-03-30" },
	{ { 1, { 540 }, { 720 } }, { 1, { 540 }, { 720 } },
	  { 1, { 540 }, { 720 } }, { 1, { 540 }, { 720 } },
	  { 1, { 540 }, { 720 } }, { 1, { 540 }, { 720 } },
	  { 1, { 540 }, { 720 } }, { 1, { 540 }, { 720 } },
	  { 1, { 540 }, { 720 } }, { 0, { 0 }, { 0 } },
	  { 2, { 600, 840 }, { 780, 900 } } }, 11
};

/* Scotland with a lunch break. */
#define LUNCH	{ 2, { 510, 810 }, { 750, 1020 } }
static const struct spec spec_scotland = {
	"scotland", WEEKDAYS(LUNCH),
	{ "2024-01-03" }, 1, { NULL }, { { 0, { 0 }, { 0 } } }, 0
};

/* Northern Ireland with Saturday mornings. */
static const struct spec spec_northern_ireland = {
	"northern-ireland",
	{ { 0 }, NINE_TO_FIVE, NINE_TO_FIVE, NINE_TO_FIVE, NINE_TO_FIVE,
	  NINE_TO_FIVE, { 1, { 600 }, { 780 } } },
	{ NULL }, 0, { NULL }, { { 0, { 0 }, { 0 } } }, 0
};

/* Night windows every day, straddling both clock changes. */
#define NIGHT	{ 3, { 0, 105, 1320 }, { 90, 180, 1430 } }
static const struct spec spec_night = {
	"england-and-wales", { NIGHT, NIGHT, NIGHT, NIGHT, NIGHT, NIGHT, NIGHT },
	{ NULL }, 0, { NULL }, { { 0, { 0 }, { 0 } } }, 0
};

/* Round the clock. */
#define ALLDAY	{ 1, { 0 }, { 1440 } }
static const struct spec spec_all_day = {
	NULL, { ALLDAY, ALLDAY, ALLDAY, ALLDAY, ALLDAY, ALLDAY, ALLDAY },
	{ NULL }, 0, { NULL }, { { 0, { 0 }, { 0 } } }, 0
};

static const struct spec *const specs[] = {
	&spec_england, &spec_scotland, &spec_northern_ireland, &spec_night,
	&spec_all_day
};
#define NSPECS	(sizeof specs / sizeof specs[0])

/* A small deterministic generator (xorshift64*). */
static uint64_t	rng_state = 88172645463325252ULL;

/* The next pseudo-random number. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* Check one arrival against the model in both modes. */
static void
check_against_model(const struct calendar *cal, int64_t a, int64_t w)
{
	int64_t	d, c, m;

	d = calendar_deadline(cal, a, w, CALENDAR_EXACT);
	c = calendar_deadline(cal, a, w, CALENDAR_CLOSE_OF_BUSINESS);
	if (model_worked(d) - model_worked(a) != w ||
	    model_worked(d - 1) - model_worked(a) >= w)
		check_fail(__FILE__, __LINE__, "arrival %lld + %lld s: deadline "
		    "%lld, model counts %lld (one second earlier %lld)",
		    (long long)a, (long long)w, (long long)d,
		    (long long)(model_worked(d) - model_worked(a)),
		    (long long)(model_worked(d - 1) - model_worked(a)));
	CHECK_INT(calendar_elapsed(cal, a, d), w);
	/* Close of business: the close of the window holding d. */
	CHECK(c >= d);
	CHECK_INT(model_worked(c) - model_worked(d), c - d);
	if (c % 60 != 0 || !model.close[c / 60 - model.base])
		check_fail(__FILE__, __LINE__, "arrival %lld + %lld s: close of "
		    "business %lld (exact %lld) is not a close in the model",
		    (long long)a, (long long)w, (long long)c, (long long)d);
	/* ... and no window closes between the deadline and it. */
	for (m = (d + 59) / 60; m < c / 60; m++)
		if (model.close[m - model.base])
			check_fail(__FILE__, __LINE__, "arrival %lld + %lld s: "
			    "a window closes at %lld, before close of business "
			    "%lld", (long long)a, (long long)w,
			    (long long)m * 60, (long long)c);
}

/* Arrivals for the properties: uniform, near clock changes, at edges. */
static int64_t
arrival(int i)
{
	static const char *const changes[] = {
		"2019-03-31T01:00:00Z", "2019-10-27T01:00:00Z",
		"2020-03-29T01:00:00Z", "2020-10-25T01:00:00Z",
		"2021-03-28T01:00:00Z", "2021-10-31T01:00:00Z",
		"2022-03-27T01:00:00Z", "2022-10-30T01:00:00Z",
		"2023-03-26T01:00:00Z", "2023-10-29T01:00:00Z",
		"2024-03-31T01:00:00Z", "2024-10-27T01:00:00Z",
		"2025-03-30T01:00:00Z", "2025-10-26T01:00:00Z",
		"2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z",
		"2027-03-28T01:00:00Z", "2027-10-31T01:00:00Z",
	};
	int64_t	lo = at("2019-01-01T00:00:00Z");
	int64_t	hi = at("2028-01-01T00:00:00Z");
	int64_t	t;

	switch (i % 4) {
	case 0:
	case 1:
		return lo + (int64_t)(rng() % (uint64_t)(hi - lo));
	case 2:
		t = at(changes[rng() % 18]);
		return t - 4 * 86400 + (int64_t)(rng() % (8 * 86400));
	default:
		/* On a minute, or a second either side of one. */
		t = lo + (int64_t)(rng() % (uint64_t)(hi - lo));
		return t - t % 60 + (int64_t)(rng() % 3) - 1;
	}
}

/* A working duration for the properties: mostly a day, sometimes odd. */
static int64_t
target(const struct calendar *cal, int i)
{
	switch (i % 5) {
	case 0:
		return 1 + (int64_t)(rng() % 120);
	case 1:
		return 1 + (int64_t)(rng() % (3 * 28800));
	default:
		return calendar_working_day(cal);
	}
}

static void
test_deadline_matches_independent_model_for_20000_random_arrivals(void)
{
	struct calendars	*cals;
	const struct calendar	*cal;
	char			 json[4096];
	size_t			 k;
	int			 i;

	model_init();
	for (k = 0; k < NSPECS; k++) {
		spec_json(specs[k], json, sizeof json);
		cals = cals_from(json);
		cal = calendars_get(cals, "office");
		model_build(specs[k]);
		for (i = 0; i < 20000; i++)
			check_against_model(cal, arrival(i), target(cal, i));
		calendars_free(cals);
	}
}

static void
test_deadlines_over_both_clock_changes_2019_to_2027_match_the_model(void)
{
	struct calendars	*cals;
	const struct calendar	*cal;
	char			 json[4096], date[32];
	int64_t			 t, change;
	size_t			 k;
	int			 y, half;

	model_init();
	for (k = 0; k < NSPECS; k++) {
		spec_json(specs[k], json, sizeof json);
		cals = cals_from(json);
		cal = calendars_get(cals, "office");
		model_build(specs[k]);
		for (y = 2019; y <= 2027; y++) {
			for (half = 0; half < 2; half++) {
				/* Last Sunday of March / October, 01:00 UTC. */
				snprintf(date, sizeof date, "%d-%s-31T01:00:00Z",
				    y, half ? "10" : "03");
				change = at(date);
				while (timeutil_weekday(timeutil_day_of(change))
				    != 0)
					change -= 86400;
				for (t = change - 3 * 86400; t < change + 86400;
				    t += 7 * 60 + 1)
					check_against_model(cal, t,
					    calendar_working_day(cal));
			}
		}
		calendars_free(cals);
	}
}

static void
test_later_arrival_never_gets_an_earlier_deadline(void)
{
	struct calendars	*cals;
	const struct calendar	*cal;
	char			 json[4096];
	int64_t			 a, prev_d, prev_c, d, c, w;
	size_t			 k;
	int			 i;

	for (k = 0; k < NSPECS; k++) {
		spec_json(specs[k], json, sizeof json);
		cals = cals_from(json);
		cal = calendars_get(cals, "office");
		w = calendar_working_day(cal);
		a = at("2019-01-01T00:00:00Z");
		prev_d = prev_c = INT64_MIN;
		/* Ascending arrivals with random steps over nine years. */
		for (i = 0; a < at("2028-01-01T00:00:00Z"); i++) {
			d = calendar_deadline(cal, a, w, CALENDAR_EXACT);
			c = calendar_deadline(cal, a, w,
			    CALENDAR_CLOSE_OF_BUSINESS);
			CHECK(d >= prev_d);
			CHECK(c >= prev_c);
			prev_d = d;
			prev_c = c;
			a += 1 + (int64_t)(rng() % 20000);
		}
		CHECK(i > 20000);
		calendars_free(cals);
	}
}

static void
test_all_day_calendar_deadline_is_arrival_plus_real_time(void)
{
	struct calendars	*cals = cals_from(ALL_DAY);
	const struct calendar	*cal = calendars_get(cals, "office");
	int64_t			 a, w;
	int			 i;

	for (i = 0; i < 20000; i++) {
		a = arrival(i);
		w = 1 + (int64_t)(rng() % (5 * 86400));
		CHECK_INT(calendar_deadline(cal, a, w, CALENDAR_EXACT), a + w);
		CHECK_INT(calendar_elapsed(cal, a, a + w), w);
		CHECK(calendar_is_open(cal, a));
	}
	calendars_free(cals);
}

static void
test_is_open_matches_the_model(void)
{
	struct calendars	*cals;
	const struct calendar	*cal;
	char			 json[4096];
	int64_t			 t;
	size_t			 k;
	int			 i;

	model_init();
	for (k = 0; k < NSPECS; k++) {
		spec_json(specs[k], json, sizeof json);
		cals = cals_from(json);
		cal = calendars_get(cals, "office");
		model_build(specs[k]);
		for (i = 0; i < 20000; i++) {
			t = arrival(i);
			CHECK_INT(calendar_is_open(cal, t), model_open(t));
		}
		calendars_free(cals);
	}
}

static const struct check_test tests[] = {
	TEST(test_plain_working_day_ends_same_time_next_day),
	TEST(test_bank_holiday_monday_is_skipped),
	TEST(test_one_working_hour_over_a_bank_holiday_weekend),
	TEST(test_out_of_hours_arrival_starts_at_next_opening),
	TEST(test_arrival_on_bank_holiday_starts_next_opening),
	TEST(test_deadline_exactly_at_close_stays_at_close),
	TEST(test_arrival_at_close_is_out_of_hours),
	TEST(test_christmas_and_substitute_boxing_day_are_skipped),
	TEST(test_christmas_special_hours_close_christmas_eve_at_noon),
	TEST(test_scotland_1_and_2_january),
	TEST(test_northern_ireland_boyne_substitute_day),
	TEST(test_clocks_going_forward_keep_the_working_day_length),
	TEST(test_all_day_calendar_counts_real_time_across_clocks_going_back),
	TEST(test_close_of_business_rounds_up_to_the_window_close),
	TEST(test_close_of_business_keeps_a_deadline_exactly_at_close),
	TEST(test_close_of_business_uses_the_window_not_the_day),
	TEST(test_zero_working_time_is_the_start_instant),
	TEST(test_windows_include_opening_and_exclude_close),
	TEST(test_elapsed_counts_working_seconds_in_half_open_range),
	TEST(test_window_spanning_clock_change_is_real_time),
	TEST(test_window_in_the_gap_moves_forward_and_ambiguous_times_are_earlier),
	TEST(test_closures_and_empty_special_hours_close_the_day),
	TEST(test_special_hours_can_open_a_weekend_or_bank_holiday),
	TEST(test_date_past_end_of_feed_counts_as_working_day),
	TEST(test_data_end_and_expiry_warning_from_90_days_before),
	TEST(test_working_day_defaults_to_most_common_daily_total),
	TEST(test_working_day_can_be_configured),
	TEST(test_deadline_outside_precomputed_years_is_still_exact),
	TEST(test_horizon_and_clamping),
	TEST(test_format_is_rfc3339_in_the_calendars_zone),
	TEST(test_local_time_is_broken_down_in_the_calendars_zone),
	TEST(test_version_changes_with_calendar_data_only),
	TEST(test_unknown_key_is_an_error_at_the_key),
	TEST(test_bad_window_is_an_error_at_the_value),
	TEST(test_overlapping_or_unordered_windows_are_errors),
	TEST(test_unknown_division_is_an_error),
	TEST(test_missing_feed_file_is_an_error_at_the_file_key),
	TEST(test_errors_inside_the_feed_point_into_the_feed),
	TEST(test_every_error_is_reported_not_just_the_first),
	TEST(test_bad_time_zone_names_are_errors),
	TEST(test_closed_day_with_special_hours_is_an_error),
	TEST(test_no_calendars_is_an_error),
	TEST(test_promise_defaults_to_one_working_day_exact_on_the_only_calendar),
	TEST(test_promise_errors),
	TEST(test_deadline_matches_independent_model_for_20000_random_arrivals),
	TEST(test_deadlines_over_both_clock_changes_2019_to_2027_match_the_model),
	TEST(test_later_arrival_never_gets_an_earlier_deadline),
	TEST(test_all_day_calendar_deadline_is_arrival_plus_real_time),
	TEST(test_is_open_matches_the_model),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	int	rc;

	rc = check_run("calendar", tests, argc, argv);
	free(model.wall);
	free(model.open);
	free(model.close);
	free(model.cum);
	return rc;
}
