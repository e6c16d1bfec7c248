/* test-phone.c: normalisation of phone numbers to E.164 (phone.h). */
#include <string.h>

#include "check.h"
#include "base/phone.h"

/* Normalise with the UK as the default country; "(refused)" on error. */
static const char *
uk(const char *in)
{
	static char	out[PHONE_BUFSIZE];

	if (phone_normalise(in, "44", out, sizeof out) == -1)
		return "(refused)";
	return out;
}

static void
test_e164_with_plus_is_kept(void)
{
	CHECK_STR(uk("+447700900123"), "+447700900123");
	CHECK_STR(uk("+1 415 867 5309"), "+14158675309");
	CHECK_STR(uk("  +44 7700 900123  "), "+447700900123");
}

static void
test_notify_form_without_plus_gets_a_plus(void)
{
	CHECK_STR(uk("447700900123"), "+447700900123");
}

static void
test_uk_national_number_takes_the_default_country_code(void)
{
	CHECK_STR(uk("07700900123"), "+447700900123");
	CHECK_STR(uk("07700 900123"), "+447700900123");
	CHECK_STR(uk("07700-900-123"), "+447700900123");
	CHECK_STR(uk("(07700) 900123"), "+447700900123");
	CHECK_STR(uk("07700.900.123"), "+447700900123");
	CHECK_STR(uk("020 7946 0000"), "+442079460000");
	CHECK_STR(uk("\t07700\t900123"), "+447700900123");
}

static void
test_double_zero_prefix_is_international(void)
{
	CHECK_STR(uk("0044 7700 900123"), "+447700900123");
	CHECK_STR(uk("00353 1 234 5678"), "+35312345678");
}

static void
test_bracketed_trunk_zero_after_a_country_code_is_dropped(void)
{
	CHECK_STR(uk("+44 (0)7700 900123"), "+447700900123");
	CHECK_STR(uk("+44(0)20 7946 0000"), "+442079460000");
	CHECK_STR(uk("0044 (0) 7700 900123"), "+447700900123");
	CHECK_STR(uk("+44 (01) 234 567 890"), "+4401234567890");
}

static void
test_default_country_code_may_have_a_plus_or_be_another(void)
{
	char	out[PHONE_BUFSIZE];

	CHECK_INT(phone_normalise("07700 900123", "+44", out, sizeof out), 0);
	CHECK_STR(out, "+447700900123");
	CHECK_INT(phone_normalise("01 234 5678", "353", out, sizeof out), 0);
	CHECK_STR(out, "+35312345678");
}

static void
test_national_number_without_a_valid_default_is_refused(void)
{
	char	out[PHONE_BUFSIZE];

	CHECK_INT(phone_normalise("07700 900123", NULL, out, sizeof out), -1);
	CHECK_STR(out, "");
	CHECK_INT(phone_normalise("07700 900123", "", out, sizeof out), -1);
	CHECK_INT(phone_normalise("07700 900123", "0", out, sizeof out), -1);
	CHECK_INT(phone_normalise("07700 900123", "4a", out, sizeof out), -1);
	CHECK_INT(phone_normalise("07700 900123", "1234", out, sizeof out),
	    -1);
	CHECK_INT(phone_normalise("+447700900123", NULL, out, sizeof out), 0);
}

static void
test_letters_and_other_characters_are_refused(void)
{
	CHECK_STR(uk("07700 900l23"), "(refused)");
	CHECK_STR(uk("+44 7700 900123 ext 4"), "(refused)");
	CHECK_STR(uk("07700/900123"), "(refused)");
	CHECK_STR(uk("07700\xc2\xa0" "900123"), "(refused)");
	CHECK_STR(uk("tel:+447700900123"), "(refused)");
}

static void
test_empty_input_is_refused(void)
{
	char	out[PHONE_BUFSIZE];

	CHECK_STR(uk(""), "(refused)");
	CHECK_STR(uk("   "), "(refused)");
	CHECK_STR(uk("+"), "(refused)");
	CHECK_STR(uk("()-."), "(refused)");
	CHECK_INT(phone_normalise(NULL, "44", out, sizeof out), -1);
}

static void
test_fewer_than_seven_digits_are_refused(void)
{
	CHECK_STR(uk("+683 4002"), "+6834002");
	CHECK_STR(uk("+683 400"), "(refused)");
	CHECK_STR(uk("0770"), "(refused)");
	CHECK_STR(uk("0"), "(refused)");
	CHECK_STR(uk("999"), "(refused)");
}

static void
test_more_than_fifteen_digits_are_refused(void)
{
	CHECK_STR(uk("+123456789012345"), "+123456789012345");
	CHECK_STR(uk("+1234567890123456"), "(refused)");
	CHECK_STR(uk("00123456789012345"), "+123456789012345");
	CHECK_STR(uk("001234567890123456"), "(refused)");
	CHECK_STR(uk("07700 900123 456 789"), "(refused)");
	CHECK_STR(uk("+4477009001231234567890123456789"), "(refused)");
}

static void
test_a_plus_anywhere_but_first_is_refused(void)
{
	CHECK_STR(uk("44+7700900123"), "(refused)");
	CHECK_STR(uk("++447700900123"), "(refused)");
	CHECK_STR(uk("(+44) 7700 900123"), "(refused)");
}

static void
test_unbalanced_or_nested_brackets_are_refused(void)
{
	CHECK_STR(uk("(07700 900123"), "(refused)");
	CHECK_STR(uk("07700) 900123"), "(refused)");
	CHECK_STR(uk("((07700)) 900123"), "(refused)");
}

static void
test_country_code_starting_with_zero_is_refused(void)
{
	CHECK_STR(uk("+07700900123"), "(refused)");
	CHECK_STR(uk("0007700900123"), "(refused)");
	CHECK_STR(uk("+44 (0)"), "(refused)");
}

static void
test_output_too_small_is_refused(void)
{
	char	out[PHONE_BUFSIZE];

	CHECK_INT(phone_normalise("+447700900123", "44", out, 13), -1);
	CHECK_INT(phone_normalise("+447700900123", "44", out, 14), 0);
	CHECK_STR(out, "+447700900123");
	CHECK_INT(phone_normalise("+447700900123", "44", out, 0), -1);
}

static void
test_a_normalised_number_normalises_to_itself(void)
{
	const char	*in[] = { "07700 900123", "0044 7700 900123",
			    "+44 (0)20 7946 0000", "447700900123", NULL };
	char		 once[PHONE_BUFSIZE], twice[PHONE_BUFSIZE];
	size_t		 i;

	for (i = 0; in[i] != NULL; i++) {
		CHECK_INT(phone_normalise(in[i], "44", once, sizeof once), 0);
		CHECK_INT(phone_normalise(once, NULL, twice, sizeof twice), 0);
		CHECK_STR(twice, once);
	}
}

static const struct check_test tests[] = {
	TEST(test_e164_with_plus_is_kept),
	TEST(test_notify_form_without_plus_gets_a_plus),
	TEST(test_uk_national_number_takes_the_default_country_code),
	TEST(test_double_zero_prefix_is_international),
	TEST(test_bracketed_trunk_zero_after_a_country_code_is_dropped),
	TEST(test_default_country_code_may_have_a_plus_or_be_another),
	TEST(test_national_number_without_a_valid_default_is_refused),
	TEST(test_letters_and_other_characters_are_refused),
	TEST(test_empty_input_is_refused),
	TEST(test_fewer_than_seven_digits_are_refused),
	TEST(test_more_than_fifteen_digits_are_refused),
	TEST(test_a_plus_anywhere_but_first_is_refused),
	TEST(test_unbalanced_or_nested_brackets_are_refused),
	TEST(test_country_code_starting_with_zero_is_refused),
	TEST(test_output_too_small_is_refused),
	TEST(test_a_normalised_number_normalises_to_itself),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("phone", tests, argc, argv);
}
