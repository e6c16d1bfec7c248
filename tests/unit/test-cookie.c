/*
 * test-cookie.c: one cookie out of a Cookie header (base/cookie.h), as
 * browsers send it (RFC 6265 section 5.4).
 */
#include "check.h"
#include "base/cookie.h"

static void
test_a_cookie_is_found_by_its_exact_name(void)
{
	char	buf[32];

	CHECK_STR(cookie_get("a=1; sid=xyz; b=2", "sid", buf, sizeof buf),
	    "xyz");
	CHECK_STR(cookie_get("sid=xyz", "sid", buf, sizeof buf), "xyz");
	CHECK(cookie_get("xsid=1; sidx=2", "sid", buf, sizeof buf) == NULL);
	CHECK(cookie_get(NULL, "sid", buf, sizeof buf) == NULL);
}

static void
test_the_first_of_two_cookies_of_one_name_counts(void)
{
	char	buf[32];

	CHECK_STR(cookie_get("sid=one; sid=two", "sid", buf, sizeof buf),
	    "one");
}

static void
test_empty_or_oversized_values_are_no_cookie(void)
{
	char	buf[4];

	CHECK(cookie_get("sid=; a=1", "sid", buf, sizeof buf) == NULL);
	CHECK(cookie_get("sid", "sid", buf, sizeof buf) == NULL);
	CHECK(cookie_get("sid=toolong", "sid", buf, sizeof buf) == NULL);
	CHECK_STR(cookie_get("sid=abc ", "sid", buf, sizeof buf), "abc");
}

int
main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(test_a_cookie_is_found_by_its_exact_name),
		TEST(test_the_first_of_two_cookies_of_one_name_counts),
		TEST(test_empty_or_oversized_values_are_no_cookie),
		{ NULL, NULL }
	};

	return check_run("cookie", tests, argc, argv);
}
