/*
 * test-timeline.c: a conversation's audit trail in plain words
 * (serve/timeline.c), event by event, as the conversation page shows it.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "serve/timeline.h"

/* Alice and Bob are people; their phones mask to ...001 and ...002. */
static const char *
names_person(const char *id, void *arg)
{
	if (strcmp(id, "alice") == 0)
		return "Alice";
	if (strcmp(id, "bob") == 0)
		return "Bob";
	return NULL;
}

static const char *
names_address(const char *masked, void *arg)
{
	return strcmp(masked, "+44770****001") == 0 ? "Alice" : NULL;
}

static const struct timeline_names names = { names_person, names_address,
    NULL };
static char	buf[768];
static char	notebuf[256];
static const char *note;

/* The words for one event given as JSON. */
static const char *
say(const char *json)
{
	cJSON	*e = cJSON_Parse(json);
	int64_t	 at;

	at = timeline_describe(e, NULL, &names, buf, sizeof buf, &note);
	/* A note points into the event: copy it before freeing. */
	if (note != NULL) {
		snprintf(notebuf, sizeof notebuf, "%s", note);
		note = notebuf;
	}
	cJSON_Delete(e);
	return at == -1 ? NULL : buf;
}

static void
test_a_message_says_its_number_channel_and_urgency(void)
{
	CHECK_STR(say("{\"type\":\"message\",\"at\":1,\"n\":2,"
	    "\"channel\":\"sms\",\"urgent\":true}"),
	    "Message 2 received by text, marked urgent");
	CHECK_STR(say("{\"type\":\"message\",\"at\":1,\"n\":1,"
	    "\"channel\":\"email\",\"urgent\":false}"),
	    "Message 1 received by email");
}

static void
test_an_alert_names_the_person_the_channel_and_the_answer(void)
{
	CHECK_STR(say("{\"type\":\"send\",\"at\":1,\"purpose\":\"alert\","
	    "\"event\":\"escalation\",\"channel\":\"twilio\",\"to\":"
	    "\"+44770****001\",\"attempt\":1,\"outcome\":\"sent\","
	    "\"status\":201,\"detail\":\"accepted\"}"),
	    "Overdue alert to Alice (+44770****001) through twilio: "
	    "accepted (201)");
}

static void
test_an_address_that_is_no_one_person_stays_masked(void)
{
	CHECK_STR(say("{\"type\":\"send\",\"at\":1,\"purpose\":\"alert\","
	    "\"event\":\"waiting\",\"channel\":\"smtp\",\"to\":"
	    "\"d***@example.org\",\"attempt\":2,\"outcome\":\"failed\","
	    "\"status\":550,\"detail\":\"mailbox unavailable\"}"),
	    "Waiting notice to d***@example.org through smtp (attempt 2): "
	    "refused, 550 (mailbox unavailable)");
}

static void
test_a_retry_says_it_will_try_again(void)
{
	CHECK_STR(say("{\"type\":\"send\",\"at\":1,\"purpose\":\"reply\","
	    "\"channel\":\"twilio\",\"to\":\"+44770****123\",\"attempt\":1,"
	    "\"outcome\":\"retry\",\"status\":503}"),
	    "Reply to the young person through twilio: not accepted yet, "
	    "503; trying again");
	CHECK_STR(say("{\"type\":\"send\",\"at\":1,\"purpose\":\"receipt\","
	    "\"channel\":\"twilio\",\"outcome\":\"retry\",\"status\":0,"
	    "\"detail\":\"timed out\"}"),
	    "Receipt to the young person through twilio: no answer (timed "
	    "out); trying again");
}

static void
test_a_step_says_how_many_were_alerted(void)
{
	CHECK_STR(say("{\"type\":\"escalation\",\"event\":\"escalation\","
	    "\"at\":1,\"step\":2,\"delivered\":1,\"failed\":1}"),
	    "Escalation step 2: 1 of 2 alerted");
	CHECK_STR(say("{\"type\":\"step_failed\",\"event\":\"escalation\","
	    "\"at\":1,\"step\":1,\"delivered\":0,\"failed\":2}"),
	    "Escalation step 1 failed: nobody could be alerted");
}

static void
test_a_delivery_receipt_says_whether_it_arrived(void)
{
	CHECK_STR(say("{\"type\":\"delivery\",\"at\":1,\"channel\":"
	    "\"twilio\",\"purpose\":\"alert\",\"status\":\"undelivered\","
	    "\"delivery\":\"failed\",\"error\":\"30003\",\"to\":\"bob\"}"),
	    "Delivery receipt from twilio: the alert to Bob was not "
	    "delivered (undelivered 30003)");
}

static void
test_a_recorded_contact_gives_its_note_apart(void)
{
	CHECK_STR(say("{\"type\":\"response\",\"at\":1,\"by\":\"bob\","
	    "\"how\":\"phone\",\"note\":\"<b>rang</b>\"}"),
	    "Bob recorded a phone call");
	CHECK_STR(note, "<b>rang</b>");
	CHECK_STR(say("{\"type\":\"viewed\",\"at\":1,\"by\":\"duty-board\","
	    "\"service\":true}"), "Opened by duty-board");
	CHECK(note == NULL);
}

static void
test_a_recomputed_deadline_says_from_and_to_when(void)
{
	CHECK_STR(say("{\"type\":\"deadline_changed\",\"at\":1,"
	    "\"old\":\"2026-12-29T10:00:00+00:00\",\"new\":"
	    "\"2026-12-30T10:00:00+00:00\",\"why\":\"closure added\"}"),
	    "Deadline moved from Tue 29 Dec, 10:00 to Wed 30 Dec, 10:00: "
	    "closure added");
}

static void
test_an_acknowledgement_says_who_and_until_when(void)
{
	/* 2026-12-01T14:05:00Z */
	CHECK_STR(say("{\"type\":\"ack\",\"at\":1,\"by\":\"alice\","
	    "\"until_ms\":1796133900000,\"via\":\"sms\"}"),
	    "Taken by Alice until Tue 1 Dec, 14:05 (by text)");
}

static void
test_what_is_not_an_event_is_left_out(void)
{
	CHECK(say("[1]") == NULL);
	CHECK(say("{\"at\":1}") == NULL);
	CHECK_STR(say("{\"type\":\"something_new\",\"at\":1}"),
	    "Event: something_new");
}

static const struct check_test tests[] = {
	TEST(test_a_message_says_its_number_channel_and_urgency),
	TEST(test_an_alert_names_the_person_the_channel_and_the_answer),
	TEST(test_an_address_that_is_no_one_person_stays_masked),
	TEST(test_a_retry_says_it_will_try_again),
	TEST(test_a_step_says_how_many_were_alerted),
	TEST(test_a_delivery_receipt_says_whether_it_arrived),
	TEST(test_a_recorded_contact_gives_its_note_apart),
	TEST(test_a_recomputed_deadline_says_from_and_to_when),
	TEST(test_an_acknowledgement_says_who_and_until_when),
	TEST(test_what_is_not_an_event_is_left_out),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("timeline", tests, argc, argv);
}
