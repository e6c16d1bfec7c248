/* test-form.c: the urlencoded parser's rules, as listed in form.h. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/form.h"

/* Parse a string literal body, failing the test on error. */
static void
parse(const char *body, struct form *f)
{
	char	err[128];

	if (form_parse(body, strlen(body), f, err, sizeof err) == -1)
		check_fail(__FILE__, __LINE__, "form_parse: %s", err);
}

static void
test_pairs_keep_their_order(void)
{
	struct form	f;

	parse("z=1&a=2&m=3", &f);
	CHECK_INT(f.n, 3);
	CHECK_STR(f.pairs[0].key, "z");
	CHECK_STR(f.pairs[1].key, "a");
	CHECK_STR(f.pairs[2].key, "m");
	CHECK_STR(f.pairs[2].value, "3");
	form_free(&f);
}

static void
test_repeated_keys_are_all_kept(void)
{
	struct form	f;

	parse("To=1&Body=x&To=2", &f);
	CHECK_INT(f.n, 3);
	CHECK_STR(f.pairs[0].key, "To");
	CHECK_STR(f.pairs[0].value, "1");
	CHECK_STR(f.pairs[2].key, "To");
	CHECK_STR(f.pairs[2].value, "2");
	form_free(&f);
}

static void
test_get_returns_the_first_of_a_repeated_key(void)
{
	struct form	f;

	parse("To=1&Body=x&To=2", &f);
	CHECK(form_get(&f, "To") == &f.pairs[0]);
	CHECK(form_get(&f, "Body") == &f.pairs[1]);
	CHECK(form_get(&f, "to") == NULL);
	CHECK(form_get(&f, "T") == NULL);
	form_free(&f);
}

static void
test_plus_decodes_to_space(void)
{
	struct form	f;

	parse("Body=see+you+soon&a+b=c", &f);
	CHECK_STR(f.pairs[0].value, "see you soon");
	CHECK_STR(f.pairs[1].key, "a b");
	form_free(&f);
}

static void
test_percent_2B_decodes_to_plus(void)
{
	struct form	f;

	parse("From=%2B447700900123&x=%2b", &f);
	CHECK_STR(f.pairs[0].value, "+447700900123");
	CHECK_STR(f.pairs[1].value, "+");
	form_free(&f);
}

static void
test_percent_20_decodes_to_space(void)
{
	struct form	f;

	parse("Body=a%20b", &f);
	CHECK_STR(f.pairs[0].value, "a b");
	CHECK_INT(f.pairs[0].value_len, 3);
	form_free(&f);
}

static void
test_apostrophe_is_kept_as_it_is(void)
{
	struct form	f;

	parse("Body=I'm+ok&b=it%27s", &f);
	CHECK_STR(f.pairs[0].value, "I'm ok");
	CHECK_STR(f.pairs[1].value, "it's");
	form_free(&f);
}

static void
test_empty_value_is_kept(void)
{
	struct form	f;

	parse("Body=&To=1", &f);
	CHECK_INT(f.n, 2);
	CHECK_STR(f.pairs[0].key, "Body");
	CHECK_STR(f.pairs[0].value, "");
	CHECK_INT(f.pairs[0].value_len, 0);
	form_free(&f);
}

static void
test_key_without_equals_has_an_empty_value(void)
{
	struct form	f;

	parse("flag&a=1&last", &f);
	CHECK_INT(f.n, 3);
	CHECK_STR(f.pairs[0].key, "flag");
	CHECK_STR(f.pairs[0].value, "");
	CHECK_STR(f.pairs[0].raw_value, "");
	CHECK_STR(f.pairs[2].key, "last");
	CHECK_INT(f.pairs[2].value_len, 0);
	form_free(&f);
}

static void
test_empty_key_is_kept(void)
{
	struct form	f;

	parse("=v&=", &f);
	CHECK_INT(f.n, 2);
	CHECK_STR(f.pairs[0].key, "");
	CHECK_STR(f.pairs[0].value, "v");
	CHECK_STR(f.pairs[1].key, "");
	CHECK_STR(f.pairs[1].value, "");
	form_free(&f);
}

static void
test_empty_pairs_are_skipped(void)
{
	struct form	f;

	parse("&a=1&&b=2&", &f);
	CHECK_INT(f.n, 2);
	CHECK_STR(f.pairs[0].key, "a");
	CHECK_STR(f.pairs[1].key, "b");
	form_free(&f);
}

static void
test_only_the_first_equals_splits(void)
{
	struct form	f;

	parse("q=a=b==", &f);
	CHECK_STR(f.pairs[0].key, "q");
	CHECK_STR(f.pairs[0].value, "a=b==");
	form_free(&f);
}

static void
test_escapes_decode_in_keys_too(void)
{
	struct form	f;

	parse("a%5Bb%5D=1&c%3Dd=2", &f);
	CHECK_STR(f.pairs[0].key, "a[b]");
	CHECK_STR(f.pairs[1].key, "c=d");
	CHECK_STR(f.pairs[1].value, "2");
	form_free(&f);
}

static void
test_hex_digits_of_either_case_decode(void)
{
	struct form	f;

	parse("a=%c3%A9%e2%80%99", &f);
	CHECK_STR(f.pairs[0].value, "\xc3\xa9\xe2\x80\x99");
	form_free(&f);
}

static void
test_percent_00_is_kept_with_its_length(void)
{
	struct form	f;

	parse("a%00b=x%00y%00", &f);
	CHECK_INT(f.pairs[0].key_len, 3);
	CHECK(memcmp(f.pairs[0].key, "a\0b", 4) == 0);
	CHECK_INT(f.pairs[0].value_len, 4);
	CHECK(memcmp(f.pairs[0].value, "x\0y\0", 5) == 0);
	form_free(&f);
}

static void
test_raw_bytes_including_nul_are_kept(void)
{
	struct form	f;
	const char	body[] = "a=x\0y z&b=\xff";

	CHECK_INT(form_parse(body, sizeof body - 1, &f, NULL, 0), 0);
	CHECK_INT(f.n, 2);
	CHECK_INT(f.pairs[0].value_len, 5);
	CHECK(memcmp(f.pairs[0].value, "x\0y z", 6) == 0);
	CHECK_STR(f.pairs[1].value, "\xff");
	form_free(&f);
}

static void
test_raw_key_and_value_are_kept_undecoded(void)
{
	struct form	f;

	parse("From=%2B4477+00&Body=hi%21", &f);
	CHECK_STR(f.pairs[0].raw_key, "From");
	CHECK_STR(f.pairs[0].raw_value, "%2B4477+00");
	CHECK_INT(f.pairs[0].raw_value_len, 10);
	CHECK_STR(f.pairs[0].value, "+4477 00");
	CHECK_STR(f.pairs[1].raw_value, "hi%21");
	CHECK_STR(f.pairs[1].value, "hi!");
	form_free(&f);
}

static void
test_malformed_escape_is_an_error_naming_its_offset(void)
{
	struct form	f;
	char		err[128];

	CHECK_INT(form_parse("a=1&b=%G1", 9, &f, err, sizeof err), -1);
	CHECK(strstr(err, "offset 6") != NULL);
	CHECK_INT(f.n, 0);
	CHECK(f.pairs == NULL);
	CHECK_INT(form_parse("a=%4", 4, &f, err, sizeof err), -1);
	CHECK(strstr(err, "offset 2") != NULL);
	CHECK_INT(form_parse("a=1&%zz=2", 9, &f, err, sizeof err), -1);
	CHECK(strstr(err, "offset 4") != NULL);
	CHECK(strstr(err, "key") != NULL);
	CHECK_INT(form_parse("a=%", 3, &f, err, sizeof err), -1);
	CHECK_INT(form_parse("a=%4g", 5, &f, NULL, 0), -1);
	form_free(&f);
}

static void
test_an_escape_cut_by_the_next_pair_is_malformed(void)
{
	struct form	f;
	char		err[128];

	CHECK_INT(form_parse("a=%4&1=x", 8, &f, err, sizeof err), -1);
	CHECK(strstr(err, "offset 2") != NULL);
}

static void
test_empty_body_has_no_pairs(void)
{
	struct form	f;

	CHECK_INT(form_parse("", 0, &f, NULL, 0), 0);
	CHECK_INT(f.n, 0);
	CHECK_INT(form_parse(NULL, 0, &f, NULL, 0), 0);
	CHECK_INT(form_parse("&&&", 3, &f, NULL, 0), 0);
	CHECK_INT(f.n, 0);
	form_free(&f);
}

static void
test_length_not_nul_ends_the_body(void)
{
	struct form	f;

	CHECK_INT(form_parse("a=1&b=2", 3, &f, NULL, 0), 0);
	CHECK_INT(f.n, 1);
	CHECK_STR(f.pairs[0].value, "1");
	form_free(&f);
}

static void
test_more_than_the_maximum_pairs_is_an_error(void)
{
	struct form	 f;
	char		*body, err[128];
	size_t		 i, len;

	/* FORM_MAX_PAIRS times "a=1&", then "b". */
	len = FORM_MAX_PAIRS * 4 + 1;
	CHECK((body = malloc(len)) != NULL);
	for (i = 0; i < FORM_MAX_PAIRS; i++)
		memcpy(body + 4 * i, "a=1&", 4);
	body[len - 1] = 'b';
	CHECK_INT(form_parse(body, len - 1, &f, err, sizeof err), 0);
	CHECK_INT(f.n, FORM_MAX_PAIRS);		/* the trailing '&' is empty */
	form_free(&f);
	CHECK_INT(form_parse(body, len, &f, err, sizeof err), -1);
	CHECK(strstr(err, "more than 1000 pairs") != NULL);
	CHECK(f.pairs == NULL);
	free(body);
}

static void
test_free_empties_the_form(void)
{
	struct form	f;

	parse("a=1", &f);
	form_free(&f);
	CHECK(f.pairs == NULL);
	CHECK_INT(f.n, 0);
	form_free(&f);
}

static void
test_a_real_twilio_body_decodes(void)
{
	struct form		 f;
	const struct form_pair	*p;

	parse("ToCountry=GB&SmsMessageSid=SM0123456789abcdef0123456789abcdef"
	    "&NumMedia=0&Body=Can+we+talk%3F+I%27m+not+ok+%F0%9F%98%9F"
	    "&From=%2B447700900123&To=%2B447700900000&NumSegments=1"
	    "&MessageSid=SM0123456789abcdef0123456789abcdef"
	    "&AccountSid=AC0123456789abcdef0123456789abcdef"
	    "&ApiVersion=2010-04-01", &f);
	CHECK_INT(f.n, 10);
	CHECK((p = form_get(&f, "Body")) != NULL);
	CHECK_STR(p->value, "Can we talk? I'm not ok \xf0\x9f\x98\x9f");
	CHECK((p = form_get(&f, "From")) != NULL);
	CHECK_STR(p->value, "+447700900123");
	CHECK((p = form_get(&f, "MessageSid")) != NULL);
	CHECK_STR(p->value, "SM0123456789abcdef0123456789abcdef");
	form_free(&f);
}

static void
test_decode_keeps_plus_without_the_flag(void)
{
	char	out[32];
	size_t	n;

	CHECK_INT(form_decode("/a+b%20c", 8, 0, out, &n, NULL), 0);
	CHECK_STR(out, "/a+b c");
	CHECK_INT(n, 6);
	CHECK_INT(form_decode("a+b", 3, FORM_PLUS_IS_SPACE, out, &n, NULL), 0);
	CHECK_STR(out, "a b");
}

static void
test_decode_reports_the_offset_of_a_bad_escape(void)
{
	char	out[32];
	size_t	n, off = 99;

	CHECK_INT(form_decode("abc%x1", 6, 0, out, &n, &off), -1);
	CHECK_INT(off, 3);
	CHECK_INT(form_decode("%", 1, 0, out, &n, NULL), -1);
	CHECK_INT(form_decode("", 0, 0, out, &n, NULL), 0);
	CHECK_STR(out, "");
}

static const struct check_test tests[] = {
	TEST(test_pairs_keep_their_order),
	TEST(test_repeated_keys_are_all_kept),
	TEST(test_get_returns_the_first_of_a_repeated_key),
	TEST(test_plus_decodes_to_space),
	TEST(test_percent_2B_decodes_to_plus),
	TEST(test_percent_20_decodes_to_space),
	TEST(test_apostrophe_is_kept_as_it_is),
	TEST(test_empty_value_is_kept),
	TEST(test_key_without_equals_has_an_empty_value),
	TEST(test_empty_key_is_kept),
	TEST(test_empty_pairs_are_skipped),
	TEST(test_only_the_first_equals_splits),
	TEST(test_escapes_decode_in_keys_too),
	TEST(test_hex_digits_of_either_case_decode),
	TEST(test_percent_00_is_kept_with_its_length),
	TEST(test_raw_bytes_including_nul_are_kept),
	TEST(test_raw_key_and_value_are_kept_undecoded),
	TEST(test_malformed_escape_is_an_error_naming_its_offset),
	TEST(test_an_escape_cut_by_the_next_pair_is_malformed),
	TEST(test_empty_body_has_no_pairs),
	TEST(test_length_not_nul_ends_the_body),
	TEST(test_more_than_the_maximum_pairs_is_an_error),
	TEST(test_free_empties_the_form),
	TEST(test_a_real_twilio_body_decodes),
	TEST(test_decode_keeps_plus_without_the_flag),
	TEST(test_decode_reports_the_offset_of_a_bad_escape),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("form", tests, argc, argv);
}
