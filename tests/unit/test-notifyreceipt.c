/*
 * test-notifyreceipt.c: GOV.UK Notify's delivery receipts and received-text
 * pages (notify-receipt.h).  The Makefile links the pure files of
 * plugins/notify/ only into test-notify, so this file compiles the module
 * it tests itself (plugins/shared/ is linked).
 */
#include "../../plugins/notify/notify-receipt.c"

#include <string.h>

#include "check.h"

static int
receipt(const char *body, struct notify_receipt *r, const char **field)
{
	char	err[160];

	*field = NULL;
	return notify_receipt_parse(body, strlen(body), r, field, err,
	    sizeof err);
}

static void
test_a_delivered_receipt_names_the_message_and_its_reference(void)
{
	struct notify_receipt	r;
	const char		*field;

	CHECK_INT(receipt("{\"id\": \"740e5834-3a29-46b4-9a6f-16142fde533a\", "
	    "\"reference\": \"c=3-1&u=alert\", \"to\": \"07700912345\", "
	    "\"status\": \"delivered\", \"notification_type\": \"sms\", "
	    "\"template_version\": 1}", &r, &field), 0);
	CHECK_STR(r.id, "740e5834-3a29-46b4-9a6f-16142fde533a");
	CHECK_STR(r.reference, "c=3-1&u=alert");
	CHECK_STR(r.type, "sms");
	CHECK_INT(r.delivery, REPLYD_DELIVERY_DELIVERED);
	notify_receipt_free(&r);
}

static void
test_every_failure_status_is_final(void)
{
	static const char *const failed[] = { "permanent-failure",
	    "temporary-failure", "technical-failure" };
	struct notify_receipt	r;
	const char		*field;
	char			body[256];
	size_t			i;

	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof body, "{\"id\": \"x\", \"reference\": null,"
		    " \"status\": \"%s\"}", failed[i]);
		CHECK_INT(receipt(body, &r, &field), 0);
		CHECK_INT(r.delivery, REPLYD_DELIVERY_FAILED);
		CHECK(r.reference == NULL);
		notify_receipt_free(&r);
	}
	CHECK_INT(receipt("{\"id\": \"x\", \"status\": \"sending\"}", &r,
	    &field), 0);
	CHECK_INT(r.delivery, REPLYD_DELIVERY_PENDING);
	notify_receipt_free(&r);
}

static void
test_a_bad_receipt_names_the_field(void)
{
	struct notify_receipt	r;
	const char		*field;

	CHECK_INT(receipt("[1]", &r, &field), -1);
	CHECK_STR(field, "body");
	CHECK_INT(receipt("{\"status\": \"delivered\"}", &r, &field), -1);
	CHECK_STR(field, "id");
	CHECK_INT(receipt("{\"id\": \"x\", \"status\": \"Bad Word\"}", &r,
	    &field), -1);
	CHECK_STR(field, "status");
	CHECK_INT(receipt("{\"id\": \"x\", \"status\": \"delivered\", "
	    "\"reference\": 7}", &r, &field), -1);
	CHECK_STR(field, "reference");
	CHECK(r.json == NULL);
}

static void
test_a_page_lists_texts_newest_first_with_the_cursor_for_older(void)
{
	static const char body[] = "{\"received_text_messages\": ["
	    "{\"id\": \"b\", \"created_at\": \"2017-11-23T11:33:08.532346Z\", "
	    "\"notify_number\": \"07900000002\", \"user_number\": "
	    "\"447700900111\", \"content\": \"second\"},"
	    "{\"id\": \"a\", \"created_at\": \"2017-11-23T11:30:00.000000Z\", "
	    "\"user_number\": \"447700900111\", \"content\": \"first\"}],"
	    "\"links\": {\"current\": \"/x\", \"next\": \"/x?older_than=a\"}}";
	struct notify_page	p;
	char			err[160];

	CHECK_INT(notify_page_parse(body, strlen(body), &p, err, sizeof err),
	    0);
	CHECK_INT(p.n, 2);
	CHECK_STR(p.messages[0].id, "b");
	CHECK_STR(p.messages[0].content, "second");
	CHECK_INT(p.messages[0].created_at, 1511436788);
	CHECK_STR(p.messages[1].user_number, "447700900111");
	CHECK_STR(p.older_than, "a");
	notify_page_free(&p);
}

static void
test_the_last_page_has_no_cursor_and_bad_entries_are_skipped(void)
{
	static const char body[] = "{\"received_text_messages\": ["
	    "{\"id\": \"\", \"user_number\": \"447700900111\", \"content\": "
	    "\"x\"}, {\"id\": \"c\", \"user_number\": \"not a phone\", "
	    "\"content\": \"x\"}, 7, {\"id\": \"d\", \"user_number\": "
	    "\"+447700900111\", \"content\": \"kept\"}], \"links\": {}}";
	struct notify_page	p;
	char			err[160];

	CHECK_INT(notify_page_parse(body, strlen(body), &p, err, sizeof err),
	    0);
	CHECK_INT(p.n, 1);
	CHECK_INT(p.skipped, 3);
	CHECK_STR(p.messages[0].content, "kept");
	CHECK(p.older_than == NULL);
	notify_page_free(&p);
	CHECK_INT(notify_page_parse("{}", 2, &p, err, sizeof err), -1);
}

static void
test_notify_times_are_utc_with_or_without_fractions(void)
{
	CHECK_INT(notify_time("1970-01-01T00:00:00Z"), 0);
	CHECK_INT(notify_time("2026-03-11 10:30:00.000000"), 1773225000);
	CHECK_INT(notify_time("2026-03-11T10:30:00+00:00"), 1773225000);
	CHECK_INT(notify_time("2026-02-30T10:30:00Z"), -1);
	CHECK_INT(notify_time("2026-03-11T10:30:00+01:00"), -1);
	CHECK_INT(notify_time("yesterday"), -1);
}

static const struct check_test tests[] = {
	TEST(test_a_delivered_receipt_names_the_message_and_its_reference),
	TEST(test_every_failure_status_is_final),
	TEST(test_a_bad_receipt_names_the_field),
	TEST(test_a_page_lists_texts_newest_first_with_the_cursor_for_older),
	TEST(test_the_last_page_has_no_cursor_and_bad_entries_are_skipped),
	TEST(test_notify_times_are_utc_with_or_without_fractions),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("notifyreceipt", tests, argc, argv);
}
