/*
 * test-duewords.c: a deadline in the staff pages' words (SPEC §16), in
 * working time on the team's calendar.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonc.h"
#include "base/timeutil.h"
#include "check.h"
#include "rules/calendar.h"
#include "rules/duewords.h"

#define OFFICE								\
	"{\"office\": {\"timezone\": \"Europe/London\", \"hours\": {"	\
	"\"mon\": [\"09:00-17:00\"], \"tue\": [\"09:00-17:00\"], "	\
	"\"wed\": [\"09:00-17:00\"], \"thu\": [\"09:00-17:00\"], "	\
	"\"fri\": [\"09:00-17:00\"]}}}"

static struct calendars	*cals;
static const struct calendar *office;
static char		 words[64];

static int64_t
at(const char *s)
{
	int64_t	t;

	if (timeutil_parse_rfc3339(s, &t) == -1)
		check_fail(__FILE__, __LINE__, "bad instant %s", s);
	return t;
}

static void
setup(void)
{
	struct jerrs	 errs;
	struct jv	*root;

	memset(&errs, 0, sizeof errs);
	root = jv_parse("test.json", OFFICE, strlen(OFFICE), &errs);
	if (root != NULL)
		calendars_parse(root, ".", &cals, &errs);
	jv_free(root);
	if (cals == NULL || errs.n > 0)
		check_fail(__FILE__, __LINE__, "calendar did not parse");
	jerrs_clear(&errs);
	office = calendars_get(cals, "office");
}

/* The words for a deadline seen at now; the overdue flag checked too. */
static const char *
say(const char *now, const char *due, int overdue)
{
	CHECK_INT(due_words(office, at(now), at(due), words, sizeof words),
	    overdue);
	return words;
}

static void
test_time_left_is_counted_in_working_hours(void)
{
	CHECK_STR(say("2026-12-01T10:00:00Z", "2026-12-01T13:30:00Z", 0),
	    "due in 3 working hours");
}

static void
test_nights_and_weekends_do_not_count_as_time_left(void)
{
	/* Friday 16:00 to Monday 10:00: one hour then one hour. */
	CHECK_STR(say("2026-12-04T16:00:00Z", "2026-12-07T10:00:00Z", 0),
	    "due in 2 working hours");
}

static void
test_under_an_hour_is_in_minutes_and_one_is_singular(void)
{
	CHECK_STR(say("2026-12-01T10:00:00Z", "2026-12-01T10:01:30Z", 0),
	    "due in 1 working minute");
	CHECK_STR(say("2026-12-01T10:00:00Z", "2026-12-01T10:00:30Z", 0),
	    "due in less than a minute");
}

static void
test_a_working_day_or_more_is_in_days(void)
{
	CHECK_STR(say("2026-12-01T10:00:00Z", "2026-12-03T10:00:00Z", 0),
	    "due in 2 working days");
}

static void
test_past_the_deadline_is_overdue_by_working_time(void)
{
	CHECK_STR(say("2026-12-02T10:00:00Z", "2026-12-01T10:00:00Z", 1),
	    "overdue by 1 day");
	CHECK_STR(say("2026-12-01T12:00:00Z", "2026-12-01T10:00:00Z", 1),
	    "overdue by 2 hours");
}

static void
test_overdue_out_of_hours_says_only_overdue(void)
{
	/* Due at 17:00, seen at 20:00: no working time has passed since. */
	CHECK_STR(say("2026-12-01T20:00:00Z", "2026-12-01T17:00:00Z", 1),
	    "overdue");
}

static void
test_without_a_calendar_every_hour_counts(void)
{
	CHECK_INT(due_words(NULL, at("2026-12-05T10:00:00Z"),
	    at("2026-12-05T12:00:00Z"), words, sizeof words), 0);
	CHECK_STR(words, "due in 2 working hours");
}

static const struct check_test tests[] = {
	TEST(test_time_left_is_counted_in_working_hours),
	TEST(test_nights_and_weekends_do_not_count_as_time_left),
	TEST(test_under_an_hour_is_in_minutes_and_one_is_singular),
	TEST(test_a_working_day_or_more_is_in_days),
	TEST(test_past_the_deadline_is_overdue_by_working_time),
	TEST(test_overdue_out_of_hours_says_only_overdue),
	TEST(test_without_a_calendar_every_hour_counts),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	int	rc;

	setup();
	rc = check_run("duewords", tests, argc, argv);
	calendars_free(cals);
	return rc;
}
