/* test-alert.c: the words of alerts to staff (SPEC §7.4, §17). */
#include <string.h>

#include "check.h"
#include "rules/alert.h"

static struct alert_facts
facts(enum alert_event ev)
{
	struct alert_facts	f;

	memset(&f, 0, sizeof f);
	f.event = ev;
	f.conv = "3-17";
	f.team = "leaving-care";
	f.worker = "alice";
	f.step = 2;
	f.overdue = 3 * 3600 + 5 * 60;
	f.link = "https://replyd.example/c/3-17";
	return f;
}

/* Whether s ends with end. */
static int
ends_with(const char *s, const char *end)
{
	size_t	n = strlen(s), m = strlen(end);

	return n >= m && strcmp(s + n - m, end) == 0;
}

static void
test_every_sms_alert_ends_with_reply_n_a_to_take_it(void)
{
	enum alert_event	 evs[] = { ALERT_ESCALATION, ALERT_URGENT,
				    ALERT_WAITING };
	struct alert_facts	 f;
	char			 buf[ALERT_TEXT_SIZE];
	size_t			 i;
	int			 w;

	for (i = 0; i < 3; i++)
		for (w = 0; w < ALERT_WORDINGS; w++) {
			f = facts(evs[i]);
			CHECK_INT(alert_text(&f, w, 4, buf, sizeof buf), 0);
			CHECK(ends_with(buf, " Reply 4A to take it"));
			CHECK(strstr(buf, "ref 3-17") != NULL);
			CHECK(strstr(buf, "https://replyd.example/c/3-17") !=
			    NULL);
		}
}

static void
test_without_a_code_there_is_no_reply_line(void)
{
	struct alert_facts	f = facts(ALERT_ESCALATION);
	char			buf[ALERT_TEXT_SIZE];

	CHECK_INT(alert_text(&f, 0, 0, buf, sizeof buf), 0);
	CHECK(strstr(buf, "Reply") == NULL);
	CHECK(strstr(buf, "3h 05m past its deadline") != NULL);
	CHECK(strstr(buf, "Escalation step 2") != NULL);
}

static void
test_repeated_alerts_vary_in_wording(void)
{
	struct alert_facts	f;
	char			a[ALERT_TEXT_SIZE], b[ALERT_TEXT_SIZE];
	char			c[ALERT_TEXT_SIZE];
	int			i;

	for (i = 0; i < 3; i++) {
		f = facts(i == 0 ? ALERT_ESCALATION : i == 1 ? ALERT_URGENT :
		    ALERT_WAITING);
		alert_text(&f, 0, 1, a, sizeof a);
		alert_text(&f, 1, 1, b, sizeof b);
		alert_text(&f, 2, 1, c, sizeof c);
		CHECK(strcmp(a, b) != 0 && strcmp(b, c) != 0 &&
		    strcmp(a, c) != 0);
	}
}

static void
test_a_taken_conversation_says_who_took_it_and_when(void)
{
	struct alert_facts	f = facts(ALERT_ESCALATION);
	char			buf[ALERT_TEXT_SIZE];
	int			w;

	f.taken_by = "Bob";
	f.taken_at = "10:12";
	for (w = 0; w < ALERT_WORDINGS; w++) {
		CHECK_INT(alert_text(&f, w, 1, buf, sizeof buf), 0);
		CHECK(strstr(buf, "Taken by Bob at 10:12, no reply yet.") !=
		    NULL);
	}
}

static void
test_urgent_and_waiting_alerts_say_so_and_never_name_the_worker(void)
{
	struct alert_facts	f = facts(ALERT_URGENT);
	char			buf[ALERT_TEXT_SIZE];
	int			w;

	for (w = 0; w < ALERT_WORDINGS; w++) {
		f = facts(ALERT_URGENT);
		alert_text(&f, w, 2, buf, sizeof buf);
		CHECK(strstr(buf, "URGENT") != NULL);
		f = facts(ALERT_WAITING);
		alert_text(&f, w, 2, buf, sizeof buf);
		CHECK(strstr(buf, "waiting") != NULL);
		CHECK(strstr(buf, "alice") == NULL);
	}
}

static void
test_an_alert_that_does_not_fit_is_refused(void)
{
	struct alert_facts	f = facts(ALERT_ESCALATION);
	char			buf[32];

	CHECK_INT(alert_text(&f, 0, 1, buf, sizeof buf), -1);
	CHECK_INT(alert_text(&f, ALERT_WORDINGS, 1, buf, sizeof buf), -1);
}

static void
test_the_subject_names_the_reference_only(void)
{
	struct alert_facts	f = facts(ALERT_URGENT);
	char			buf[128];

	CHECK_INT(alert_subject(&f, buf, sizeof buf), 0);
	CHECK_STR(buf, "replyd: URGENT message 3-17");
}

static const struct check_test tests[] = {
	TEST(test_every_sms_alert_ends_with_reply_n_a_to_take_it),
	TEST(test_without_a_code_there_is_no_reply_line),
	TEST(test_repeated_alerts_vary_in_wording),
	TEST(test_a_taken_conversation_says_who_took_it_and_when),
	TEST(test_urgent_and_waiting_alerts_say_so_and_never_name_the_worker),
	TEST(test_an_alert_that_does_not_fit_is_refused),
	TEST(test_the_subject_names_the_reference_only),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("alert", tests, argc, argv);
}
