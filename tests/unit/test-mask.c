/* test-mask.c: log masking of phone numbers and email addresses (mask.h). */
#include <string.h>

#include "check.h"
#include "base/mask.h"

static void
test_uk_mobile_keeps_first_six_and_last_three(void)
{
	char	buf[MASK_BUFSIZE];

	CHECK_STR(mask_phone("+447700900123", buf, sizeof buf),
	    "+44770****123");
}

static void
test_twelve_characters_keep_first_six_and_last_three(void)
{
	char	buf[MASK_BUFSIZE];

	CHECK_STR(mask_phone("+14158675309", buf, sizeof buf),
	    "+14158***309");
}

static void
test_short_number_keeps_only_the_last_two(void)
{
	char	buf[MASK_BUFSIZE];

	CHECK_STR(mask_phone("+3531234567", buf, sizeof buf), "*********67");
	CHECK_STR(mask_phone("+4470012", buf, sizeof buf), "******12");
	CHECK_STR(mask_phone("12345", buf, sizeof buf), "***45");
}

static void
test_very_short_or_missing_number_is_fully_masked(void)
{
	char	buf[MASK_BUFSIZE];

	CHECK_STR(mask_phone("1234", buf, sizeof buf), "***");
	CHECK_STR(mask_phone("1", buf, sizeof buf), "***");
	CHECK_STR(mask_phone("", buf, sizeof buf), "***");
	CHECK_STR(mask_phone(NULL, buf, sizeof buf), "***");
}

static void
test_masked_phone_is_never_the_input(void)
{
	const char	*in[] = { "+447700900123", "12345", "1", "", "**",
			    "+4470012", NULL };
	char		 buf[MASK_BUFSIZE];
	size_t		 i;

	for (i = 0; in[i] != NULL; i++) {
		CHECK(mask_phone(in[i], buf, sizeof buf) != in[i]);
		CHECK(strcmp(mask_phone(in[i], buf, sizeof buf), in[i]) != 0);
	}
}

static void
test_phone_too_big_for_the_buffer_is_fully_masked(void)
{
	char	buf[13];

	CHECK_STR(mask_phone("+447700900123", buf, sizeof buf), "***");
	CHECK_STR(mask_phone("+447700900123", buf, 0), "***");
	CHECK_STR(mask_phone("+447700900123", NULL, 100), "***");
	CHECK_STR(mask_phone("+44770090012", buf, sizeof buf), "+44770***012");
}

static void
test_email_keeps_first_letter_and_domain(void)
{
	char	buf[MASK_BUFSIZE];

	CHECK_STR(mask_email("alice@example.org", buf, sizeof buf),
	    "a***@example.org");
	CHECK_STR(mask_email("bo@x.gov.uk", buf, sizeof buf), "b***@x.gov.uk");
}

static void
test_email_without_at_is_fully_masked(void)
{
	char	buf[MASK_BUFSIZE];

	CHECK_STR(mask_email("alice", buf, sizeof buf), "***");
	CHECK_STR(mask_email("", buf, sizeof buf), "***");
	CHECK_STR(mask_email(NULL, buf, sizeof buf), "***");
}

static void
test_one_letter_local_part_is_not_kept(void)
{
	char	buf[MASK_BUFSIZE];

	CHECK_STR(mask_email("a@example.org", buf, sizeof buf),
	    "***@example.org");
	CHECK_STR(mask_email("@example.org", buf, sizeof buf),
	    "***@example.org");
}

static void
test_the_last_at_separates_the_domain(void)
{
	char	buf[MASK_BUFSIZE];

	CHECK_STR(mask_email("\"a@b\"@example.org", buf, sizeof buf),
	    "\"***@example.org");
}

static void
test_email_too_big_for_the_buffer_is_fully_masked(void)
{
	char	buf[16];

	CHECK_STR(mask_email("alice@example.org", buf, sizeof buf), "***");
	CHECK_STR(mask_email("alice@example.or", buf, sizeof buf),
	    "a***@example.or");
	CHECK_STR(mask_email("alice@example.org", NULL, 0), "***");
}

static void
test_kept_control_characters_become_question_marks(void)
{
	char	buf[MASK_BUFSIZE];

	CHECK_STR(mask_email("\nalice@ex\r\nample.org", buf, sizeof buf),
	    "?***@ex??ample.org");
	CHECK_STR(mask_phone("+44\n7700900\x1b[0", buf, sizeof buf),
	    "+44?77*****?[0");
}

static const struct check_test tests[] = {
	TEST(test_uk_mobile_keeps_first_six_and_last_three),
	TEST(test_twelve_characters_keep_first_six_and_last_three),
	TEST(test_short_number_keeps_only_the_last_two),
	TEST(test_very_short_or_missing_number_is_fully_masked),
	TEST(test_masked_phone_is_never_the_input),
	TEST(test_phone_too_big_for_the_buffer_is_fully_masked),
	TEST(test_email_keeps_first_letter_and_domain),
	TEST(test_email_without_at_is_fully_masked),
	TEST(test_one_letter_local_part_is_not_kept),
	TEST(test_the_last_at_separates_the_domain),
	TEST(test_email_too_big_for_the_buffer_is_fully_masked),
	TEST(test_kept_control_characters_become_question_marks),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("mask", tests, argc, argv);
}
