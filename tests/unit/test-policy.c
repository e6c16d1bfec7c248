/* test-policy.c: escalation steps fall due measured from the deadline. */
#include <stdio.h>
#include <string.h>

#include "rules/calendar.h"
#include "check.h"
#include "conf/config.h"
#include "base/duration.h"
#include "base/jsonc.h"
#include "rules/policy.h"
#include "base/timeutil.h"

/* Weekdays 09:00-17:00 in London, no bank holidays. */
#define OFFICE	"{\"office\": {\"timezone\": \"Europe/London\", \"hours\": {" \
	"\"mon\": [\"09:00-17:00\"], \"tue\": [\"09:00-17:00\"], "	\
	"\"wed\": [\"09:00-17:00\"], \"thu\": [\"09:00-17:00\"], "	\
	"\"fri\": [\"09:00-17:00\"]}}}"

static struct calendars *
office(void)
{
	struct calendars	*cals = NULL;
	struct jerrs		 errs;
	struct jv		*root;

	memset(&errs, 0, sizeof errs);
	root = jv_parse("test.json", OFFICE, strlen(OFFICE), &errs);
	if (root != NULL)
		calendars_parse(root, ".", &cals, &errs);
	jv_free(root);
	if (cals == NULL || errs.n > 0)
		check_fail(__FILE__, __LINE__, "calendar did not parse");
	jerrs_clear(&errs);
	return cals;
}

static int64_t
at(const char *s)
{
	int64_t	t;

	if (timeutil_parse_rfc3339(s, &t) == -1)
		check_fail(__FILE__, __LINE__, "bad instant %s", s);
	return t;
}

/* A team with one step "after" the deadline. */
static void
team_with_step(struct config_team *t, struct config_step *st,
    const struct calendar *cal, const char *after)
{
	char	err[128];

	memset(t, 0, sizeof *t);
	memset(st, 0, sizeof *st);
	if (duration_parse(after, &st->after, err, sizeof err) == -1)
		check_fail(__FILE__, __LINE__, "%s", err);
	t->calendar = cal;
	t->steps = st;
	t->nsteps = 1;
}

static void
test_working_time_after_skips_the_night(void)
{
	struct calendars	*cals = office();
	struct config_team	 t;
	struct config_step	 st;

	team_with_step(&t, &st, calendars_get(cals, "office"),
	    "2 working hours");
	/* Deadline 16:00 Tuesday: one hour that day, one on Wednesday. */
	CHECK_INT(policy_step_due(t.calendar, &t.steps[0].after, at("2026-11-24T16:00:00Z")),
	    at("2026-11-25T10:00:00Z"));
	calendars_free(cals);
}

static void
test_plain_time_after_counts_every_second(void)
{
	struct calendars	*cals = office();
	struct config_team	 t;
	struct config_step	 st;

	team_with_step(&t, &st, calendars_get(cals, "office"), "2h");
	CHECK_INT(policy_step_due(t.calendar, &t.steps[0].after, at("2026-11-24T16:00:00Z")),
	    at("2026-11-24T18:00:00Z"));
	calendars_free(cals);
}

static void
test_a_step_past_the_last_has_no_due_time(void)
{
	struct calendars	*cals = office();
	struct config_team	 t;
	struct config_step	 st;

	team_with_step(&t, &st, calendars_get(cals, "office"), "0s");
	CHECK_INT(config_step_due(&t, 1, at("2026-11-24T16:00:00Z")), -1);
	calendars_free(cals);
}

static void
test_a_time_past_the_calendar_horizon_saturates(void)
{
	struct calendars	*cals = office();
	struct config_team	 t;
	struct config_step	 st;
	int64_t			 due;

	team_with_step(&t, &st, calendars_get(cals, "office"),
	    "1 working day");
	/* The calendar has no answer past 2500; the due time stays there,
	 * small enough to hold in milliseconds. */
	due = policy_step_due(t.calendar, &t.steps[0].after, at("2600-01-01T00:00:00Z"));
	CHECK_INT(due, at("2500-01-01T00:00:00Z"));
	CHECK(due < INT64_MAX / 1000);
	calendars_free(cals);
}

static void
test_an_acknowledgement_pauses_for_working_time_from_now(void)
{
	struct calendars	*cals = office();
	struct duration		 d;

	duration_parse("2 working hours", &d, NULL, 0);
	/* Taken at 16:30 on a Friday: 30 minutes that day, 90 on Monday. */
	CHECK_INT(policy_ack_until(calendars_get(cals, "office"), &d,
	    at("2026-03-13T16:30:00Z")), at("2026-03-16T10:30:00Z"));
	duration_parse("30m", &d, NULL, 0);
	CHECK_INT(policy_ack_until(calendars_get(cals, "office"), &d,
	    at("2026-03-13T16:30:00Z")), at("2026-03-13T17:00:00Z"));
	calendars_free(cals);
}

static const struct check_test tests[] = {
	TEST(test_an_acknowledgement_pauses_for_working_time_from_now),
	TEST(test_working_time_after_skips_the_night),
	TEST(test_plain_time_after_counts_every_second),
	TEST(test_a_step_past_the_last_has_no_due_time),
	TEST(test_a_time_past_the_calendar_horizon_saturates),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("policy", tests, argc, argv);
}
