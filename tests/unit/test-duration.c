/* test-duration.c: the one duration parser. */
#include <stdint.h>

#include "check.h"
#include "base/duration.h"

/* Parse text that must be valid; return its seconds for a given day. */
static int64_t
parse_ok(const char *text, int64_t day, int working)
{
	struct duration	d;
	char		err[256];

	if (duration_parse(text, &d, err, sizeof err) == -1)
		check_fail(__FILE__, __LINE__, "\"%s\" refused: %s", text,
		    err);
	if (duration_is_working(&d) != working)
		check_fail(__FILE__, __LINE__, "\"%s\": working is %d", text,
		    duration_is_working(&d));
	return duration_seconds(&d, day);
}

/* Parse text that must be refused; return the message. */
static const char *
parse_bad(const char *text)
{
	static char	err[256];
	struct duration	d;

	err[0] = '\0';
	if (duration_parse(text, &d, err, sizeof err) != -1)
		check_fail(__FILE__, __LINE__, "\"%s\" accepted", text);
	if (err[0] == '\0')
		check_fail(__FILE__, __LINE__, "\"%s\": no message", text);
	return err;
}

static void
test_working_days_use_the_calendars_working_day(void)
{
	CHECK_INT(parse_ok("1 working day", 8 * 3600, 1), 8 * 3600);
	CHECK_INT(parse_ok("2 working days", 8 * 3600, 1), 16 * 3600);
	CHECK_INT(parse_ok("2 working days", 27000, 1), 54000);
}

static void
test_working_hours_minutes_seconds(void)
{
	CHECK_INT(parse_ok("4 working hours", 28800, 1), 4 * 3600);
	CHECK_INT(parse_ok("1 working hours", 28800, 1), 3600);
	CHECK_INT(parse_ok("1 working hour", 28800, 1), 3600);
	CHECK_INT(parse_ok("90 working minutes", 28800, 1), 5400);
	CHECK_INT(parse_ok("1 working minute", 28800, 1), 60);
	CHECK_INT(parse_ok("30 working seconds", 28800, 1), 30);
	CHECK_INT(parse_ok("1 working second", 28800, 1), 1);
}

static void
test_plain_durations_are_real_time(void)
{
	CHECK_INT(parse_ok("30m", 28800, 0), 1800);
	CHECK_INT(parse_ok("2h", 28800, 0), 7200);
	CHECK_INT(parse_ok("0s", 28800, 0), 0);
	CHECK_INT(parse_ok("90s", 28800, 0), 90);
	CHECK_INT(parse_ok("1d", 28800, 0), 86400);
	CHECK_INT(parse_ok("400d", 0, 0), 400 * 86400);
}

static void
test_spaces_and_case_are_forgiven(void)
{
	CHECK_INT(parse_ok("  2  Working   Days ", 3600, 1), 7200);
	CHECK_INT(parse_ok("30 m", 0, 0), 1800);
}

static void
test_unknown_unit_is_named(void)
{
	CHECK_STR(parse_bad("2 fortnights"),
	    "unknown unit \"fortnights\" in \"2 fortnights\"");
	CHECK(strstr(parse_bad("2 working weeks"), "\"weeks\"") != NULL);
	CHECK(strstr(parse_bad("5x"), "\"x\"") != NULL);
}

static void
test_plain_days_are_ambiguous(void)
{
	CHECK(strstr(parse_bad("2 days"), "ambiguous") != NULL);
	CHECK(strstr(parse_bad("1 hour"), "ambiguous") != NULL);
}

static void
test_negative_empty_and_missing_unit_are_refused(void)
{
	CHECK(strstr(parse_bad("-1 working day"), "negative") != NULL);
	CHECK(strstr(parse_bad(""), "empty") != NULL);
	CHECK(strstr(parse_bad("   "), "empty") != NULL);
	CHECK(strstr(parse_bad("30"), "missing unit") != NULL);
	CHECK(strstr(parse_bad("working day"), "number") != NULL);
	CHECK(strstr(parse_bad("1 working"), "missing unit") != NULL);
	CHECK(strstr(parse_bad("1 workingday"), "unknown unit") != NULL);
}

static void
test_fractions_are_refused_with_a_hint(void)
{
	CHECK(strstr(parse_bad("7.5 working hours"), "fraction") != NULL);
	CHECK(strstr(parse_bad("1.5h"), "fraction") != NULL);
}

static void
test_overflow_is_refused(void)
{
	CHECK(strstr(parse_bad("99999999999999999999999999 working days"),
	    "too long") != NULL);
	CHECK(strstr(parse_bad("36700d"), "too long") != NULL);
	CHECK(strstr(parse_bad("9223372036854775807s"), "too long") != NULL);
	CHECK_INT(parse_ok("36500d", 0, 0), INT64_C(36500) * 86400);
}

static void
test_trailing_text_is_refused(void)
{
	CHECK(strstr(parse_bad("1 working day please"), "unexpected") !=
	    NULL);
	CHECK(strstr(parse_bad("1h30m"), "unexpected \"30m\"") != NULL);
}

static void
test_format_round_trips(void)
{
	static const char *const texts[] = {
		"1 working day", "2 working days", "4 working hours",
		"1 working minute", "30 working seconds", "30m", "2h", "0s",
		"1d",
	};
	struct duration	d;
	char		err[256], buf[64];
	size_t		i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		CHECK_INT(duration_parse(texts[i], &d, err, sizeof err), 0);
		CHECK_INT(duration_format(&d, buf, sizeof buf), 0);
		CHECK_STR(buf, texts[i]);
	}
}

static void
test_long_or_binary_input_gives_a_bounded_message(void)
{
	char	text[600], *err;

	memset(text, 'z', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	text[0] = '1';
	text[1] = '\x01';
	err = (char *)parse_bad(text);
	CHECK(strlen(err) < 256);
	CHECK(strchr(err, '\x01') == NULL);
}

static const struct check_test tests[] = {
	TEST(test_working_days_use_the_calendars_working_day),
	TEST(test_working_hours_minutes_seconds),
	TEST(test_plain_durations_are_real_time),
	TEST(test_spaces_and_case_are_forgiven),
	TEST(test_unknown_unit_is_named),
	TEST(test_plain_days_are_ambiguous),
	TEST(test_negative_empty_and_missing_unit_are_refused),
	TEST(test_fractions_are_refused_with_a_hint),
	TEST(test_overflow_is_refused),
	TEST(test_trailing_text_is_refused),
	TEST(test_format_round_trips),
	TEST(test_long_or_binary_input_gives_a_bounded_message),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("duration", tests, argc, argv);
}
