/* test-staffcmd.c: what a staff member's text asks for (SPEC §17). */
#include <string.h>

#include "check.h"
#include "rules/staffcmd.h"

static enum staffcmd_kind
parse(const char *s, int *code)
{
	return staffcmd_parse(s, strlen(s), code);
}

static void
test_a_code_and_a_takes_that_alert_in_any_case_with_spaces(void)
{
	static const struct { const char *s; int code; } ok[] = {
		{ "1A", 1 }, { "1a", 1 }, { "1 A", 1 }, { " 12A ", 12 },
		{ "3a.", 3 }, { "\t7 a\r\n", 7 }, { "0001A", 1 }, { "9999A", 9999 },
		{ "2 A!", 2 },
	};
	size_t	i;
	int	code;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		CHECK_INT(parse(ok[i].s, &code), STAFFCMD_TAKE);
		CHECK_INT(code, ok[i].code);
	}
}

static void
test_a_bare_a_takes_the_latest_alert(void)
{
	int	code = -1;

	CHECK_INT(parse("A", &code), STAFFCMD_TAKE_LATEST);
	CHECK_INT(code, 0);
	CHECK_INT(parse(" a ", &code), STAFFCMD_TAKE_LATEST);
	CHECK_INT(parse("a.", &code), STAFFCMD_TAKE_LATEST);
}

static void
test_anything_else_is_not_a_command(void)
{
	static const char *const other[] = { "OK taking ref 10-1", "A1",
	    "1AA", "", "1", "12345A", "AB", "yes", "1 A A", "1B", "-1A",
	    "1A..", "ok" };
	size_t	i;
	int	code;

	for (i = 0; i < sizeof other / sizeof other[0]; i++)
		CHECK_INT(parse(other[i], &code), STAFFCMD_OTHER);
}

static void
test_a_phones_no_break_space_counts_as_a_space(void)
{
	int	code;

	CHECK_INT(parse("4\xc2\xa0" "A", &code), STAFFCMD_TAKE);
	CHECK_INT(code, 4);
}

static void
test_zero_a_is_a_command_naming_no_alert(void)
{
	int	code = -1;

	CHECK_INT(parse("0A", &code), STAFFCMD_TAKE);
	CHECK_INT(code, 0);
}

static void
test_a_nul_or_other_bytes_make_it_no_command(void)
{
	int	code;

	CHECK_INT(staffcmd_parse("1A\0", 3, &code), STAFFCMD_OTHER);
	CHECK_INT(staffcmd_parse("\xff" "1A", 3, &code), STAFFCMD_OTHER);
	CHECK_INT(staffcmd_parse(NULL, 0, &code), STAFFCMD_OTHER);
}

static const struct check_test tests[] = {
	TEST(test_a_code_and_a_takes_that_alert_in_any_case_with_spaces),
	TEST(test_a_bare_a_takes_the_latest_alert),
	TEST(test_anything_else_is_not_a_command),
	TEST(test_a_phones_no_break_space_counts_as_a_space),
	TEST(test_zero_a_is_a_command_naming_no_alert),
	TEST(test_a_nul_or_other_bytes_make_it_no_command),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("staffcmd", tests, argc, argv);
}
