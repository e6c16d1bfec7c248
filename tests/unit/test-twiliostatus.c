/*
 * test-twiliostatus.c: Twilio status callbacks (twilio-status.h): which
 * statuses are final, and what an error code may be.  The Makefile links
 * the pure files of plugins/twilio/ only into test-twilio, so this file
 * compiles the module it tests itself.
 */
#include "../../plugins/twilio/twilio-status.c"

#include <string.h>

#include "check.h"

static int
parse(const char *status, const char *error, struct twilio_status *st)
{
	const char	*why = NULL;

	return twilio_status_parse(status, status ? strlen(status) : 0, error,
	    error ? strlen(error) : 0, st, &why);
}

static void
test_delivered_and_read_reached_the_phone(void)
{
	struct twilio_status	st;

	CHECK_INT(parse("delivered", NULL, &st), 0);
	CHECK_INT(st.delivery, REPLYD_DELIVERY_DELIVERED);
	CHECK_INT(parse("read", NULL, &st), 0);
	CHECK_INT(st.delivery, REPLYD_DELIVERY_DELIVERED);
}

static void
test_undelivered_and_failed_never_will_with_their_error_code(void)
{
	struct twilio_status	st;

	CHECK_INT(parse("undelivered", "30003", &st), 0);
	CHECK_INT(st.delivery, REPLYD_DELIVERY_FAILED);
	CHECK_STR(st.error, "30003");
	CHECK_INT(parse("Failed", "30005", &st), 0);
	CHECK_INT(st.delivery, REPLYD_DELIVERY_FAILED);
	CHECK_STR(st.status, "failed");
}

static void
test_queued_sent_and_unknown_words_are_not_final(void)
{
	static const char *const pending[] = { "accepted", "queued", "sending",
	    "sent", "scheduled", "partially_delivered", "something_new" };
	struct twilio_status	st;
	size_t			i;

	for (i = 0; i < sizeof pending / sizeof pending[0]; i++) {
		CHECK_INT(parse(pending[i], NULL, &st), 0);
		CHECK_INT(st.delivery, REPLYD_DELIVERY_PENDING);
	}
}

static void
test_a_status_that_is_not_a_word_is_refused(void)
{
	struct twilio_status	st;

	CHECK_INT(parse(NULL, NULL, &st), -1);
	CHECK_INT(parse("", NULL, &st), -1);
	CHECK_INT(parse("deli vered", NULL, &st), -1);
	CHECK_INT(parse("delivered\n", NULL, &st), -1);
	CHECK_INT(parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, &st),
	    -1);
}

static void
test_an_error_code_that_is_not_digits_is_dropped(void)
{
	struct twilio_status	st;

	CHECK_INT(parse("failed", "30003; DROP", &st), 0);
	CHECK_STR(st.error, "");
	CHECK_INT(parse("failed", "12345678901", &st), 0);
	CHECK_STR(st.error, "");
	CHECK_INT(st.delivery, REPLYD_DELIVERY_FAILED);
}

static const struct check_test tests[] = {
	TEST(test_delivered_and_read_reached_the_phone),
	TEST(test_undelivered_and_failed_never_will_with_their_error_code),
	TEST(test_queued_sent_and_unknown_words_are_not_final),
	TEST(test_a_status_that_is_not_a_word_is_refused),
	TEST(test_an_error_code_that_is_not_digits_is_dropped),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("twiliostatus", tests, argc, argv);
}
