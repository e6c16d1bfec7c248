/* test-urgent.c: urgent keywords match whole words, any case (SPEC §7.3). */
#include <string.h>

#include "check.h"
#include "rules/urgent.h"

#define MATCH(text, kw)	urgent_keyword_match(text, strlen(text), kw)

static void
test_keyword_matches_in_any_case(void)
{
	CHECK(MATCH("I am SCARED", "scared"));
	CHECK(MATCH("scared", "Scared"));
}

static void
test_keyword_matches_only_whole_words(void)
{
	CHECK(!MATCH("unscared and unhurt", "scared"));
	CHECK(!MATCH("missingno", "missing"));
	CHECK(MATCH("he's missing.", "missing"));
}

static void
test_phrase_matches_across_its_words(void)
{
	CHECK(MATCH("i want to kill myself tonight", "kill myself"));
	CHECK(!MATCH("i want to kill myselfie", "kill myself"));
}

static void
test_keyword_at_start_and_end_of_text(void)
{
	CHECK(MATCH("hurt", "hurt"));
	CHECK(MATCH("hurt, badly", "hurt"));
	CHECK(MATCH("so hurt", "hurt"));
}

static void
test_keyword_longer_than_text_does_not_match(void)
{
	CHECK(!MATCH("hu", "hurt"));
	CHECK(!MATCH("", "hurt"));
	CHECK(!MATCH("anything", ""));
}

static void
test_punctuation_and_digits_bound_words(void)
{
	CHECK(MATCH("(unsafe)", "unsafe"));
	CHECK(!MATCH("unsafe2", "unsafe"));
	CHECK(!MATCH("don't", "t"));
}

static const struct check_test tests[] = {
	TEST(test_keyword_matches_in_any_case),
	TEST(test_keyword_matches_only_whole_words),
	TEST(test_phrase_matches_across_its_words),
	TEST(test_keyword_at_start_and_end_of_text),
	TEST(test_keyword_longer_than_text_does_not_match),
	TEST(test_punctuation_and_digits_bound_words),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("urgent", tests, argc, argv);
}
