/*
 * test-summary.c: the promise report's figures (SPEC §9), and the
 * suppression of small numbers in team breakdowns, including the figures
 * a suppressed count could be worked out from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "rules/summary.h"

#define NOW	1000000000LL
#define HOUR	3600000LL

static struct summary_row	rows[64];
static size_t			nrows;

/* Add n conversations: answered in time, late, or still open. */
static void
add(size_t n, int how)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		struct summary_row *r = &rows[nrows++];

		memset(r, 0, sizeof *r);
		r->team = "t";
		r->received_ms = NOW - 48 * HOUR;
		r->deadline_ms = NOW - 24 * HOUR;
		r->responded_ms = how == 0 ? NOW - 30 * HOUR : how == 1 ?
		    NOW - 2 * HOUR : 0;
		r->response_working_s = r->responded_ms > 0 ?
		    (r->responded_ms - r->received_ms) / 1000 : -1;
	}
}

/* A member's value as text: the number, the string, or "null". */
static const char *
get(const cJSON *j, const char *key)
{
	static char	 buf[64];
	const cJSON	*v = cJSON_GetObjectItem(j, key);

	if (cJSON_IsNumber(v))
		snprintf(buf, sizeof buf, "%g", v->valuedouble);
	else if (cJSON_IsString(v))
		snprintf(buf, sizeof buf, "%s", v->valuestring);
	else
		snprintf(buf, sizeof buf, "null");
	return buf;
}

static void
test_large_counts_are_shown_with_the_percentage(void)
{
	cJSON	*j;

	nrows = 0;
	add(8, 0);
	add(6, 1);
	add(6, 2);
	j = summary_report(rows, nrows, NOW, 1);
	CHECK_STR(get(j, "received"), "20");
	CHECK_STR(get(j, "responded_in_time"), "8");
	CHECK_STR(get(j, "late"), "6");
	CHECK_STR(get(j, "still_open"), "6");
	CHECK_STR(get(j, "responded_in_time_percent"), "40");
	cJSON_Delete(j);
}

static void
test_a_small_part_hides_every_part_and_the_percentage(void)
{
	cJSON	*j;

	/* 18 in time, 2 late, none open: 20 - 18 - 0 would give 2 away,
	 * and so would 90%. */
	nrows = 0;
	add(18, 0);
	add(2, 1);
	j = summary_report(rows, nrows, NOW, 1);
	CHECK_STR(get(j, "received"), "20");
	CHECK_STR(get(j, "responded_in_time"), "suppressed");
	CHECK_STR(get(j, "late"), "suppressed");
	CHECK_STR(get(j, "still_open"), "suppressed");
	CHECK_STR(get(j, "overdue_now"), "suppressed");
	CHECK_STR(get(j, "responded_in_time_percent"), "null");
	cJSON_Delete(j);
}

static void
test_a_small_team_shows_fewer_than_five_received_and_nothing_else(void)
{
	cJSON	*j;

	nrows = 0;
	add(3, 0);
	j = summary_report(rows, nrows, NOW, 1);
	CHECK_STR(get(j, "received"), "<5");
	CHECK_STR(get(j, "responded_in_time"), "suppressed");
	CHECK_STR(get(j, "late"), "suppressed");
	CHECK_STR(get(j, "median_response_working_hours"), "null");
	CHECK_STR(get(j, "responded_in_time_percent"), "null");
	cJSON_Delete(j);
}

static void
test_without_suppression_every_count_is_shown(void)
{
	cJSON	*j;

	nrows = 0;
	add(18, 0);
	add(2, 1);
	j = summary_report(rows, nrows, NOW, 0);
	CHECK_STR(get(j, "late"), "2");
	CHECK_STR(get(j, "responded_in_time_percent"), "90");
	cJSON_Delete(j);
}

static const struct check_test tests[] = {
	TEST(test_large_counts_are_shown_with_the_percentage),
	TEST(test_a_small_part_hides_every_part_and_the_percentage),
	TEST(test_a_small_team_shows_fewer_than_five_received_and_nothing_else),
	TEST(test_without_suppression_every_count_is_shown),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("summary", tests, argc, argv);
}
