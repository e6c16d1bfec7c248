/*
 * test-closures.c: calendars that change (SPEC section 18), as pure
 * arithmetic: unplanned closures close a day whatever it held, a fetched
 * bank-holiday feed replaces the file's, each day says why it has the
 * windows it has, and a fetched feed is refused unless it is a valid
 * gov.uk feed that does not shrink into the past.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rules/calendar.h"
#include "check.h"
#include "base/jsonc.h"
#include "base/timeutil.h"

#define FEED	"config/calendars/uk-bank-holidays.json"
#define HOURS_9_TO_5							\
	"\"hours\": {\"mon\": [\"09:00-17:00\"], \"tue\": [\"09:00-17:00\"], " \
	"\"wed\": [\"09:00-17:00\"], \"thu\": [\"09:00-17:00\"], "	\
	"\"fri\": [\"09:00-17:00\"]}"
#define OFFICE(extra)							\
	"{\"office\": {\"timezone\": \"Europe/London\", " HOURS_9_TO_5	\
	", \"bank_holidays\": {\"file\": \"" FEED "\", \"division\": "	\
	"\"england-and-wales\"}" extra "}}"

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

/* The first error of a configuration that must not parse. */
static int
config_fails_with(const char *json, const char *want)
{
	struct calendars	*cals = NULL;
	struct jerrs		 errs;
	struct jv		*root;
	size_t			 i;
	int			 found = 0;

	memset(&errs, 0, sizeof errs);
	root = jv_parse("test.json", json, strlen(json), &errs);
	if (root != NULL)
		calendars_parse(root, ".", &cals, &errs);
	jv_free(root);
	for (i = 0; i < errs.n; i++)
		if (strstr(errs.msg[i], want) != NULL)
			found = 1;
	if (!found)
		for (i = 0; i < errs.n; i++)
			printf("    got: %s\n", errs.msg[i]);
	jerrs_clear(&errs);
	calendars_free(cals);
	return found && cals == NULL;
}

static int64_t
at(const char *s)
{
	int64_t	t;

	if (timeutil_parse_rfc3339(s, &t) == -1)
		check_fail(__FILE__, __LINE__, "bad instant %s", s);
	return t;
}

static int32_t
day(const char *s)
{
	int32_t	d;

	if (timeutil_parse_date(s, &d) == -1)
		check_fail(__FILE__, __LINE__, "bad date %s", s);
	return d;
}

/* The deadline of 1 working day (8 h) as RFC 3339 (static buffer). */
static const char *
deadline(const struct calendar *cal, const char *arrival)
{
	static char	buf[64];

	if (calendar_format(cal, calendar_deadline(cal, at(arrival),
	    8 * 3600, CALENDAR_EXACT), buf, sizeof buf) == -1)
		return "(unformattable)";
	return buf;
}

/* The whole of a file. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		check_fail(__FILE__, __LINE__, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n)
		check_fail(__FILE__, __LINE__, "cannot read %s", path);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Parse feed text for a division; the error (or "") in err. */
static struct calendar_feed *
feed_of(const char *text, const char *division, char *err, size_t len)
{
	struct calendar_feed	*f = NULL;

	err[0] = '\0';
	if (calendar_feed_parse("feed", text, strlen(text), division, &f, err,
	    len) == -1) {
		if (f != NULL)
			check_fail(__FILE__, __LINE__, "a refused feed was "
			    "handed out");
		return NULL;
	}
	return f;
}

static void
test_an_unplanned_closure_moves_the_deadline_past_the_closed_day(void)
{
	struct calendars	*cals = cals_from(OFFICE(""));
	struct calendar		*cal = calendars_get(cals, "office");
	struct calendar_holiday	 snow = { day("2026-03-12"), "snow" };

	CHECK_STR(deadline(cal, "2026-03-11T10:30:00Z"),
	    "2026-03-12T10:30:00+00:00");
	CHECK_INT(calendar_update(cal, &snow, 1, NULL), 0);
	CHECK_STR(deadline(cal, "2026-03-11T10:30:00Z"),
	    "2026-03-13T10:30:00+00:00");
	CHECK(!calendar_is_open(cal, at("2026-03-12T12:00:00Z")));
	calendars_free(cals);
}

static void
test_removing_the_closure_restores_the_deadline_and_the_version(void)
{
	struct calendars	*cals = cals_from(OFFICE(""));
	struct calendar		*cal = calendars_get(cals, "office");
	struct calendar_holiday	 snow = { day("2026-03-12"), "snow" };
	uint64_t		 v0 = calendar_version(cal);

	CHECK_INT(calendar_update(cal, &snow, 1, NULL), 0);
	CHECK(calendar_version(cal) != v0);
	CHECK_INT(calendar_update(cal, NULL, 0, NULL), 0);
	CHECK(calendar_version(cal) == v0);
	CHECK_STR(deadline(cal, "2026-03-11T10:30:00Z"),
	    "2026-03-12T10:30:00+00:00");
	calendars_free(cals);
}

static void
test_a_closure_on_a_day_with_no_hours_keeps_the_version(void)
{
	struct calendars	*cals = cals_from(OFFICE(""));
	struct calendar		*cal = calendars_get(cals, "office");
	struct calendar_holiday	 sunday = { day("2026-03-15"), "strike" };
	uint64_t		 v0 = calendar_version(cal);

	/* Nothing a deadline depends on changed: nothing to recompute. */
	CHECK_INT(calendar_update(cal, &sunday, 1, NULL), 0);
	CHECK(calendar_version(cal) == v0);
	calendars_free(cals);
}

static void
test_an_unplanned_closure_beats_special_hours(void)
{
	struct calendars	*cals = cals_from(OFFICE(", \"special_hours\": "
	    "{\"2026-12-24\": [\"09:00-12:00\"]}"));
	struct calendar		*cal = calendars_get(cals, "office");
	struct calendar_holiday	 h = { day("2026-12-24"), "boiler broken" };
	struct calendar_day	 d;

	CHECK_INT(calendar_update(cal, &h, 1, NULL), 0);
	CHECK_INT(calendar_day_info(cal, day("2026-12-24"), &d), 0);
	CHECK_INT(d.kind, CALENDAR_UNPLANNED);
	CHECK_STR(d.reason, "boiler broken");
	CHECK_INT(d.n, 0);
	/* 23 Dec 15:00: 2 h that day, then the 29th (24th closed, 25th, 28th
	 * bank holidays). */
	CHECK_STR(deadline(cal, "2026-12-23T15:00:00Z"),
	    "2026-12-29T15:00:00+00:00");
	calendars_free(cals);
}

static void
test_each_day_says_why_it_is_closed(void)
{
	struct calendars	*cals = cals_from(OFFICE(", \"closures\": "
	    "[\"2026-12-29\"], \"special_hours\": {\"2026-12-24\": "
	    "[\"09:00-12:00\"]}"));
	struct calendar		*cal = calendars_get(cals, "office");
	struct calendar_holiday	 h = { day("2026-12-30"), "strike" };
	struct calendar_day	 d;
	char			 buf[64];

	CHECK_INT(calendar_update(cal, &h, 1, NULL), 0);
	CHECK_INT(calendar_day_info(cal, day("2026-12-25"), &d), 0);
	CHECK_INT(d.kind, CALENDAR_BANK_HOLIDAY);
	CHECK_STR(d.reason, "Christmas Day");
	CHECK_INT(d.n, 0);
	CHECK_INT(calendar_day_info(cal, day("2026-12-29"), &d), 0);
	CHECK_INT(d.kind, CALENDAR_CLOSURE);
	CHECK_INT(d.n, 0);
	CHECK_INT(calendar_day_info(cal, day("2026-12-30"), &d), 0);
	CHECK_INT(d.kind, CALENDAR_UNPLANNED);
	CHECK_STR(d.reason, "strike");
	CHECK_INT(calendar_day_info(cal, day("2026-12-24"), &d), 0);
	CHECK_INT(d.kind, CALENDAR_SPECIAL);
	CHECK_INT(d.n, 1);
	calendar_format(cal, d.end[0], buf, sizeof buf);
	CHECK_STR(buf, "2026-12-24T12:00:00+00:00");
	CHECK_INT(calendar_day_info(cal, day("2026-12-27"), &d), 0);
	CHECK_INT(d.kind, CALENDAR_WEEKLY);	/* a Sunday: no hours */
	CHECK_INT(d.n, 0);
	CHECK_INT(calendar_day_info(cal, day("2026-12-31"), &d), 0);
	CHECK_INT(d.kind, CALENDAR_WEEKLY);
	CHECK_INT(d.n, 1);
	calendar_format(cal, d.start[0], buf, sizeof buf);
	CHECK_STR(buf, "2026-12-31T09:00:00+00:00");
	calendars_free(cals);
}

static void
test_day_windows_are_real_instants_when_the_clocks_go_forward(void)
{
	struct calendars	*cals = cals_from("{\"night\": {\"hours\": "
	    "{\"sun\": [\"00:00-04:00\"]}}}");
	struct calendar		*cal = calendars_get(cals, "night");
	struct calendar_day	 d;

	CHECK_INT(calendar_day_info(cal, day("2026-03-29"), &d), 0);
	CHECK_INT(d.n, 1);
	CHECK_INT(d.end[0] - d.start[0], 3 * 3600);
	calendars_free(cals);
}

static void
test_a_fetched_feed_replaces_the_files_bank_holidays(void)
{
	static const char	 text[] = "{\"england-and-wales\": "
	    "{\"division\": \"england-and-wales\", \"events\": ["
	    "{\"title\": \"Spring bank holiday\", \"date\": \"2026-05-25\"},"
	    "{\"title\": \"Extra bank holiday\", \"date\": \"2026-06-01\"},"
	    "{\"title\": \"Boxing Day\", \"date\": \"2030-12-26\"}]}}";
	struct calendars	*cals = cals_from(OFFICE(""));
	struct calendar		*cal = calendars_get(cals, "office");
	struct calendar_feed	*f;
	struct calendar_day	 d;
	char			 err[256], end[16];

	CHECK((f = feed_of(text, "england-and-wales", err, sizeof err)) !=
	    NULL);
	CHECK_INT(calendar_update(cal, NULL, 0, f), 0);
	calendar_feed_free(f);
	CHECK(calendar_holidays_fetched(cal));
	CHECK_INT(calendar_day_info(cal, day("2026-06-01"), &d), 0);
	CHECK_INT(d.kind, CALENDAR_BANK_HOLIDAY);
	CHECK_STR(d.reason, "Extra bank holiday");
	/* Christmas 2026 is not in this feed: an ordinary Friday. */
	CHECK_INT(calendar_day_info(cal, day("2026-12-25"), &d), 0);
	CHECK_INT(d.kind, CALENDAR_WEEKLY);
	timeutil_format_date(calendar_data_end(cal), end, sizeof end);
	CHECK_STR(end, "2030-12-31");
	/* Back to the file. */
	CHECK_INT(calendar_update(cal, NULL, 0, NULL), 0);
	CHECK(!calendar_holidays_fetched(cal));
	timeutil_format_date(calendar_data_end(cal), end, sizeof end);
	CHECK_STR(end, "2027-12-31");
	calendars_free(cals);
}

static void
test_the_shipped_feed_is_valid_for_every_division(void)
{
	static const char *const divisions[] = { "england-and-wales",
	    "scotland", "northern-ireland" };
	struct calendar_feed	*f;
	char			*text, err[256];
	size_t			 len, i;

	text = slurp(FEED, &len);
	for (i = 0; i < 3; i++) {
		CHECK_INT(calendar_feed_parse(FEED, text, len, divisions[i],
		    &f, err, sizeof err), 0);
		CHECK(calendar_feed_count(f) > 50);
		CHECK_INT(calendar_feed_last(f), day("2027-12-28"));
		calendar_feed_free(f);
	}
	free(text);
}

static void
test_a_feed_without_the_division_is_refused(void)
{
	char	err[256];

	CHECK(feed_of("{\"scotland\": {\"events\": [{\"title\": \"x\", "
	    "\"date\": \"2026-01-02\"}]}}", "england-and-wales", err,
	    sizeof err) == NULL);
	CHECK(strstr(err, "no division \"england-and-wales\"") != NULL);
}

static void
test_a_feed_with_dates_out_of_order_is_refused(void)
{
	char	err[256];

	CHECK(feed_of("{\"scotland\": {\"events\": [\n"
	    "{\"title\": \"a\", \"date\": \"2026-05-25\"},\n"
	    "{\"title\": \"b\", \"date\": \"2026-01-01\"}]}}", "scotland", err,
	    sizeof err) == NULL);
	CHECK(strstr(err, "feed:3:") != NULL);
	CHECK(strstr(err, "in order") != NULL);
}

static void
test_a_feed_listing_a_date_twice_is_refused(void)
{
	char	err[256];

	CHECK(feed_of("{\"scotland\": {\"events\": ["
	    "{\"title\": \"a\", \"date\": \"2026-05-25\"},"
	    "{\"title\": \"b\", \"date\": \"2026-05-25\"}]}}", "scotland", err,
	    sizeof err) == NULL);
	CHECK(strstr(err, "in order") != NULL);
}

static void
test_a_feed_event_needs_a_valid_date_and_a_title(void)
{
	char	err[256];

	CHECK(feed_of("{\"scotland\": {\"events\": [{\"title\": \"a\", "
	    "\"date\": \"2026-02-30\"}]}}", "scotland", err, sizeof err) ==
	    NULL);
	CHECK(strstr(err, "bad date") != NULL);
	CHECK(feed_of("{\"scotland\": {\"events\": [{\"date\": "
	    "\"2026-02-03\"}]}}", "scotland", err, sizeof err) == NULL);
	CHECK(strstr(err, "title") != NULL);
}

static void
test_a_feed_that_is_not_the_govuk_format_is_refused(void)
{
	char	err[256];

	CHECK(feed_of("<html>Service unavailable</html>", "scotland", err,
	    sizeof err) == NULL);
	CHECK(err[0] != '\0');
	CHECK(feed_of("[]", "scotland", err, sizeof err) == NULL);
	CHECK(feed_of("{\"scotland\": {\"events\": []}}", "scotland", err,
	    sizeof err) == NULL);
	CHECK(strstr(err, "no bank holidays") != NULL);
	CHECK(feed_of("{\"scotland\": {\"division\": \"england-and-wales\", "
	    "\"events\": [{\"title\": \"a\", \"date\": \"2026-01-01\"}]}}",
	    "scotland", err, sizeof err) == NULL);
	CHECK(feed_of("{\"scotland\": {\"events\": [{\"title\": \"a\", "
	    "\"date\": \"2026-01-01\"}", "scotland", err, sizeof err) == NULL);
}

static void
test_a_feed_that_ends_sooner_is_refused_as_shrinking(void)
{
	struct calendar_feed	*old, *shorter, *longer;
	char			 err[256];

	old = feed_of("{\"scotland\": {\"events\": [{\"title\": \"a\", "
	    "\"date\": \"2026-01-01\"}, {\"title\": \"b\", \"date\": "
	    "\"2027-12-27\"}]}}", "scotland", err, sizeof err);
	shorter = feed_of("{\"scotland\": {\"events\": [{\"title\": \"a\", "
	    "\"date\": \"2026-01-01\"}]}}", "scotland", err, sizeof err);
	longer = feed_of("{\"scotland\": {\"events\": [{\"title\": \"b\", "
	    "\"date\": \"2028-01-03\"}]}}", "scotland", err, sizeof err);
	CHECK(old != NULL && shorter != NULL && longer != NULL);
	CHECK_INT(calendar_feed_check(shorter, old, err, sizeof err), -1);
	CHECK(strstr(err, "shrinks into the past") != NULL);
	CHECK_INT(calendar_feed_check(longer, old, err, sizeof err), 0);
	CHECK_INT(calendar_feed_check(old, old, err, sizeof err), 0);
	CHECK_INT(calendar_feed_check(shorter, NULL, err, sizeof err), 0);
	calendar_feed_free(old);
	calendar_feed_free(shorter);
	calendar_feed_free(longer);
}

static void
test_bank_holidays_url_must_be_http_or_https(void)
{
	struct calendars	*cals;
	struct calendar		*cal;

	CHECK(config_fails_with("{\"office\": {" HOURS_9_TO_5 ", "
	    "\"bank_holidays\": {\"file\": \"" FEED "\", \"division\": "
	    "\"scotland\", \"url\": \"ftp://example.org/feed\"}}}",
	    "expected an https://"));
	CHECK(config_fails_with("{\"office\": {" HOURS_9_TO_5 ", "
	    "\"bank_holidays\": {\"file\": \"" FEED "\", \"division\": "
	    "\"scotland\", \"refresh\": \"1d\"}}}", "no \"url\""));
	CHECK(config_fails_with("{\"office\": {" HOURS_9_TO_5 ", "
	    "\"bank_holidays\": {\"file\": \"" FEED "\", \"division\": "
	    "\"scotland\", \"url\": \"https://x.test/f\", \"refresh\": "
	    "\"1 working day\"}}}", "real time"));
	cals = cals_from("{\"office\": {" HOURS_9_TO_5 ", \"bank_holidays\": "
	    "{\"file\": \"" FEED "\", \"division\": \"scotland\", \"url\": "
	    "\"https://www.gov.uk/bank-holidays.json\"}}}");
	cal = calendars_get(cals, "office");
	CHECK_STR(calendar_feed_url(cal),
	    "https://www.gov.uk/bank-holidays.json");
	CHECK_INT(calendar_feed_refresh(cal), 86400);
	CHECK_STR(calendar_division(cal), "scotland");
	calendars_free(cals);
}

static const struct check_test tests[] = {
	TEST(test_an_unplanned_closure_moves_the_deadline_past_the_closed_day),
	TEST(test_removing_the_closure_restores_the_deadline_and_the_version),
	TEST(test_a_closure_on_a_day_with_no_hours_keeps_the_version),
	TEST(test_an_unplanned_closure_beats_special_hours),
	TEST(test_each_day_says_why_it_is_closed),
	TEST(test_day_windows_are_real_instants_when_the_clocks_go_forward),
	TEST(test_a_fetched_feed_replaces_the_files_bank_holidays),
	TEST(test_the_shipped_feed_is_valid_for_every_division),
	TEST(test_a_feed_without_the_division_is_refused),
	TEST(test_a_feed_with_dates_out_of_order_is_refused),
	TEST(test_a_feed_listing_a_date_twice_is_refused),
	TEST(test_a_feed_event_needs_a_valid_date_and_a_title),
	TEST(test_a_feed_that_is_not_the_govuk_format_is_refused),
	TEST(test_a_feed_that_ends_sooner_is_refused_as_shrinking),
	TEST(test_bank_holidays_url_must_be_http_or_https),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("closures", tests, argc, argv);
}
