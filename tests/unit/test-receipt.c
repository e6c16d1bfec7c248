/* test-receipt.c: the receipt's words (receipt.h, SPEC §6). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "rules/receipt.h"

/* A local time from its parts. */
static struct tm
at(int year, int mon, int mday, int hour, int min, int sec)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	return tm;
}

/* The deadline in words, as a string that lives until the next call. */
static const char *
words(struct tm deadline, struct tm now)
{
	static char	buf[RECEIPT_WORDS_SIZE];

	CHECK_INT(receipt_deadline_words(&deadline, &now, buf, sizeof buf), 0);
	return buf;
}

static void
test_deadline_days_ahead_names_weekday_day_and_month(void)
{
	/* The bank-holiday vector: Fri 22 May 16:55 -> Tue 26 May 16:55. */
	CHECK_STR(words(at(2026, 5, 26, 16, 55, 0), at(2026, 5, 22, 16, 55, 0)),
	    "4:55pm on Tuesday 26 May");
}

static void
test_deadline_today_says_today(void)
{
	CHECK_STR(words(at(2026, 3, 10, 17, 0, 0), at(2026, 3, 10, 9, 0, 0)),
	    "5pm today");
}

static void
test_deadline_tomorrow_says_tomorrow(void)
{
	CHECK_STR(words(at(2026, 3, 12, 10, 30, 0), at(2026, 3, 11, 10, 30, 0)),
	    "10:30am tomorrow");
}

static void
test_tomorrow_across_a_month_and_a_year_end(void)
{
	CHECK_STR(words(at(2026, 6, 1, 9, 15, 0), at(2026, 5, 31, 20, 0, 0)),
	    "9:15am tomorrow");
	CHECK_STR(words(at(2027, 1, 1, 9, 15, 0), at(2026, 12, 31, 20, 0, 0)),
	    "9:15am tomorrow");
}

static void
test_on_the_hour_has_no_minutes(void)
{
	CHECK_STR(words(at(2026, 5, 26, 9, 0, 0), at(2026, 5, 20, 9, 0, 0)),
	    "9am on Tuesday 26 May");
}

static void
test_noon_is_midday(void)
{
	CHECK_STR(words(at(2026, 5, 26, 12, 0, 0), at(2026, 5, 26, 9, 0, 0)),
	    "midday today");
	CHECK_STR(words(at(2026, 5, 26, 12, 30, 0), at(2026, 5, 26, 9, 0, 0)),
	    "12:30pm today");
}

static void
test_minutes_after_midnight_are_am(void)
{
	CHECK_STR(words(at(2026, 5, 26, 0, 5, 0), at(2026, 5, 25, 9, 0, 0)),
	    "12:05am tomorrow");
}

static void
test_midnight_is_the_end_of_the_day_before(void)
{
	CHECK_STR(words(at(2026, 5, 27, 0, 0, 0), at(2026, 5, 26, 9, 0, 0)),
	    "midnight tonight");
	CHECK_STR(words(at(2026, 5, 28, 0, 0, 0), at(2026, 5, 26, 9, 0, 0)),
	    "midnight tomorrow");
	CHECK_STR(words(at(2026, 5, 30, 0, 0, 0), at(2026, 5, 26, 9, 0, 0)),
	    "midnight on Friday 29 May");
}

static void
test_seconds_round_up_never_promising_earlier(void)
{
	CHECK_STR(words(at(2026, 5, 26, 16, 55, 1), at(2026, 5, 26, 9, 0, 0)),
	    "4:56pm today");
	CHECK_STR(words(at(2026, 5, 26, 16, 59, 30), at(2026, 5, 26, 9, 0, 0)),
	    "5pm today");
	CHECK_STR(words(at(2026, 5, 26, 23, 59, 30), at(2026, 5, 26, 9, 0, 0)),
	    "midnight tonight");
}

static void
test_far_deadline_adds_the_year(void)
{
	CHECK_STR(words(at(2027, 3, 1, 9, 0, 0), at(2026, 5, 26, 9, 0, 0)),
	    "9am on Monday 1 March 2027");
	/* Across new year but days away: the year would only clutter. */
	CHECK_STR(words(at(2027, 1, 4, 17, 0, 0), at(2026, 12, 24, 15, 0, 0)),
	    "5pm on Monday 4 January");
}

static void
test_words_that_do_not_fit_fail(void)
{
	struct tm	d = at(2026, 5, 26, 16, 55, 0), n = at(2026, 5, 22, 9, 0, 0);
	char		buf[8];

	CHECK_INT(receipt_deadline_words(&d, &n, buf, sizeof buf), -1);
}

static void
test_template_deadline_is_replaced(void)
{
	char	*s = receipt_text("Thank you. We have your message and will "
	    "reply by {deadline}.", "4:55pm on Tuesday 26 May", NULL);

	CHECK_STR(s, "Thank you. We have your message and will reply by "
	    "4:55pm on Tuesday 26 May.");
	free(s);
}

static void
test_template_every_deadline_is_replaced(void)
{
	char	*s = receipt_text("{deadline}|{deadline}|{dead", "5pm today", "");

	CHECK_STR(s, "5pm today|5pm today|{dead");
	free(s);
}

static void
test_out_of_hours_text_is_appended_after_a_space(void)
{
	char	*s = receipt_text("Reply by {deadline}.", "9am tomorrow",
	    "If you are in danger call 999.");

	CHECK_STR(s, "Reply by 9am tomorrow. If you are in danger call 999.");
	free(s);
	s = receipt_text("Reply by {deadline}.\n", "9am tomorrow", "Call 999.");
	CHECK_STR(s, "Reply by 9am tomorrow.\nCall 999.");
	free(s);
}

static void
test_template_without_placeholder_is_kept(void)
{
	char	*s = receipt_text("Thanks, got it.", "5pm today", NULL);

	CHECK_STR(s, "Thanks, got it.");
	free(s);
}

static const struct check_test tests[] = {
	TEST(test_deadline_days_ahead_names_weekday_day_and_month),
	TEST(test_deadline_today_says_today),
	TEST(test_deadline_tomorrow_says_tomorrow),
	TEST(test_tomorrow_across_a_month_and_a_year_end),
	TEST(test_on_the_hour_has_no_minutes),
	TEST(test_noon_is_midday),
	TEST(test_minutes_after_midnight_are_am),
	TEST(test_midnight_is_the_end_of_the_day_before),
	TEST(test_seconds_round_up_never_promising_earlier),
	TEST(test_far_deadline_adds_the_year),
	TEST(test_words_that_do_not_fit_fail),
	TEST(test_template_deadline_is_replaced),
	TEST(test_template_every_deadline_is_replaced),
	TEST(test_out_of_hours_text_is_appended_after_a_space),
	TEST(test_template_without_placeholder_is_kept),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("receipt", tests, argc, argv);
}
