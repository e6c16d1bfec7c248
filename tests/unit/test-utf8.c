/*
 * test-utf8.c: text made whole and valid (base/utf8.h, SPEC section 5,
 * issue 11 items 5 and 6).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/utf8.h"

#define FFFD	UTF8_REPLACEMENT

/* Repair n bytes and compare with want. */
static void
repaired(const char *in, size_t n, const char *want)
{
	size_t	 len = 0;
	char	*out = utf8_repair(in, n, &len);

	if (out == NULL)
		check_fail(__FILE__, __LINE__, "out of memory");
	if (len != strlen(want) || strcmp(out, want) != 0) {
		free(out);
		check_fail(__FILE__, __LINE__, "repaired wrongly (want \"%s\")",
		    want);
	}
	free(out);
}

static void
test_nul_becomes_fffd_and_hides_nothing(void)
{
	const char	in[] = "nul\0inside unsafe";

	repaired(in, sizeof in - 1, "nul" FFFD "inside unsafe");
	repaired("\0", 1, FFFD);
}

static void
test_valid_text_is_unchanged(void)
{
	repaired("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \t\r\n\x01", 19,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \t\r\n\x01");
	repaired("", 0, "");
	CHECK(utf8_valid("caf\xc3\xa9", 5));
}

static void
test_latin1_byte_becomes_fffd(void)
{
	repaired("caf\xe9", 4, "caf" FFFD);
	repaired("\xa3" "5", 2, FFFD "5");
	CHECK(!utf8_valid("caf\xe9", 4));
}

static void
test_each_maximal_bad_subsequence_is_one_fffd(void)
{
	/* A sequence cut short: one U+FFFD for what was there. */
	repaired("a\xe2\x82", 3, "a" FFFD);
	repaired("\xf0\x9f\x98" "b", 4, FFFD "b");
	/* Stray continuation bytes: one each. */
	repaired("\x80\x80", 2, FFFD FFFD);
}

static void
test_overlong_surrogate_and_too_large_are_repaired(void)
{
	repaired("\xc0\xaf", 2, FFFD FFFD);		/* overlong '/' */
	repaired("\xe0\x80\xaf", 3, FFFD FFFD FFFD);
	repaired("\xed\xa0\x80", 3, FFFD FFFD FFFD);	/* U+D800 */
	repaired("\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD);
	repaired("\xff", 1, FFFD);
}

static void
test_repairing_twice_is_repairing_once(void)
{
	const char	 in[] = "a\0b\xe9\xe2\x82";
	size_t		 n1, n2;
	char		*once = utf8_repair(in, sizeof in - 1, &n1);
	char		*twice = utf8_repair(once, n1, &n2);

	CHECK(once != NULL && twice != NULL);
	CHECK(n1 == n2 && memcmp(once, twice, n1) == 0);
	CHECK(utf8_valid(once, n1));
	free(once);
	free(twice);
}

/* Clean a header line and compare. */
static void
line_is(const char *in, size_t n, const char *want)
{
	char	*out = utf8_line(in, n);

	if (out == NULL)
		check_fail(__FILE__, __LINE__, "out of memory");
	if (strcmp(out, want) != 0) {
		free(out);
		check_fail(__FILE__, __LINE__, "line wrongly cleaned (want "
		    "\"%s\")", want);
	}
	free(out);
}

static void
test_line_turns_tabs_and_line_ends_into_one_space(void)
{
	line_is("Help\tplease", 11, "Help please");
	line_is("  Help \r\n\t please  ", 19, "Help please");
}

static void
test_line_removes_control_characters(void)
{
	line_is("He\x01l\x7fp\xc2\x85!", 9, "Help!");
	line_is("\x1b[31mred", 8, "[31mred");
	line_is("\x01\x02", 2, "");
}

static void
test_line_repairs_latin1_and_nul(void)
{
	line_is("Caf\xe9 \xa3" "5", 7, "Caf" FFFD " " FFFD "5");
	line_is("a\0b", 3, "a" FFFD "b");
}

/* Rewrite JSON and compare. */
static void
json_is(const char *in, size_t n, const char *want)
{
	size_t	 len = 0;
	char	*out = utf8_json_unnul(in, n, &len);

	if (out == NULL)
		check_fail(__FILE__, __LINE__, "out of memory");
	if (len != strlen(want) || strcmp(out, want) != 0) {
		free(out);
		check_fail(__FILE__, __LINE__, "JSON wrongly rewritten (want "
		    "%s)", want);
	}
	free(out);
}

static void
test_json_nul_escape_becomes_fffd(void)
{
	json_is("{\"m\":\"a\\u0000b\"}", 16, "{\"m\":\"a\\ufffdb\"}");
	json_is("{\"m\":\"a\0b\"}", 11, "{\"m\":\"a\\ufffdb\"}");
}

static void
test_json_lone_surrogates_become_fffd_and_pairs_stay(void)
{
	json_is("\"\\ud83d\"", 8, "\"\\ufffd\"");
	json_is("\"\\udc00x\"", 9, "\"\\ufffdx\"");
	json_is("\"\\ud83d\\ude00\"", 14, "\"\\ud83d\\ude00\"");
}

static void
test_json_other_escapes_and_text_are_copied(void)
{
	/* An escaped backslash before u0000 is text, not an escape. */
	json_is("\"\\\\u0000\"", 9, "\"\\\\u0000\"");
	json_is("\"\\\"\\u0041\"", 10, "\"\\\"\\u0041\"");
	/* Outside strings nothing is an escape. */
	json_is("[1,2] \\u0000", 12, "[1,2] \\u0000");
}

static const struct check_test tests[] = {
	TEST(test_nul_becomes_fffd_and_hides_nothing),
	TEST(test_valid_text_is_unchanged),
	TEST(test_latin1_byte_becomes_fffd),
	TEST(test_each_maximal_bad_subsequence_is_one_fffd),
	TEST(test_overlong_surrogate_and_too_large_are_repaired),
	TEST(test_repairing_twice_is_repairing_once),
	TEST(test_line_turns_tabs_and_line_ends_into_one_space),
	TEST(test_line_removes_control_characters),
	TEST(test_line_repairs_latin1_and_nul),
	TEST(test_json_nul_escape_becomes_fffd),
	TEST(test_json_lone_surrogates_become_fffd_and_pairs_stay),
	TEST(test_json_other_escapes_and_text_are_copied),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("utf8", tests, argc, argv);
}
