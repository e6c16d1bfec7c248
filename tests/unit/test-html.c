/* test-html.c: plain text from HTML email bodies, the rules of html.c. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/html.h"

/* Convert a string and compare with the expected text. */
#define CHECK_HTML(in, want) do {					\
	size_t	 n_ = 12345;						\
	char	*t_ = html_to_text((in), strlen(in), &n_);		\
	if (t_ == NULL)							\
		check_fail(__FILE__, __LINE__, "html_to_text failed");	\
	if (n_ != strlen(t_) || strcmp(t_, (want)) != 0) {		\
		char copy_[512];					\
		snprintf(copy_, sizeof copy_, "%s", t_);		\
		free(t_);						\
		check_fail(__FILE__, __LINE__, "%s -> \"%s\", want \"%s\"", \
		    #in, copy_, (want));				\
	}								\
	free(t_);							\
} while (0)

static void
test_tags_are_dropped(void)
{
	CHECK_HTML("<b>Hello</b> <i>there</i>", "Hello there");
	CHECK_HTML("<a href=\"https://x.example/?a=1&b=2\">link</a>", "link");
	CHECK_HTML("<span style='color: red'>red</span>", "red");
	CHECK_HTML("<img src=x alt=\"pic\">text", "text");
}

static void
test_br_ends_a_line(void)
{
	CHECK_HTML("one<br>two<br/>three<BR />four", "one\ntwo\nthree\nfour");
}

static void
test_block_ends_end_a_line(void)
{
	CHECK_HTML("<p>one</p><p>two</p>", "one\ntwo");
	CHECK_HTML("<div>one</div><div>two</div>", "one\ntwo");
	CHECK_HTML("<ul><li>one</li><li>two</li></ul>", "one\ntwo");
	CHECK_HTML("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr>"
	    "</table>", "a b\nc");
	CHECK_HTML("<h1>Title</h1>body", "Title\nbody");
	CHECK_HTML("<h6>Small</h6>body", "Small\nbody");
}

static void
test_hr_ends_a_line(void)
{
	CHECK_HTML("above<hr>below", "above\nbelow");
}

static void
test_block_start_breaks_only_a_line_with_text(void)
{
	CHECK_HTML("before<p>inside</p>", "before\ninside");
	CHECK_HTML("<p>first", "first");
}

static void
test_script_style_and_title_content_is_skipped(void)
{
	CHECK_HTML("a<script>var x = '<p>no</p>';</script>b", "ab");
	CHECK_HTML("a<style type=\"text/css\">p { color: red }</style>b", "ab");
	CHECK_HTML("a<SCRIPT>x</Script >b", "ab");
	CHECK_HTML("<title>Subject line</title>Hello", "Hello");
	/* "</scripts" does not end a script. */
	CHECK_HTML("<script>a</scripts>b</script>c", "c");
	CHECK_HTML("a<script>never closed", "a");
}

static void
test_head_content_is_skipped(void)
{
	CHECK_HTML("<html><head><meta charset=\"utf-8\"><title>t</title>"
	    "<style>x</style></head><body><p>Hi Alice</p></body></html>",
	    "Hi Alice");
	/* A body tag, or a tag that has no place in a head, ends it. */
	CHECK_HTML("<head><meta x=y><body>Hello", "Hello");
	CHECK_HTML("<head><title>t</title><p>Hello", "Hello");
	CHECK_HTML("<head><title>t</title>Hello", "Hello");
}

static void
test_comments_are_skipped(void)
{
	CHECK_HTML("a<!-- hidden <p>text</p> -->b", "ab");
	CHECK_HTML("a<!--[if mso]><p>x</p><![endif]-->b", "ab");
	CHECK_HTML("a<!---->b<!-->c<!--->d", "abcd");
	CHECK_HTML("a<!-- never closed", "a");
	CHECK_HTML("<!DOCTYPE html><?xml version=\"1.0\"?>text", "text");
}

static void
test_named_entities_are_decoded(void)
{
	CHECK_HTML("&amp; &lt; &gt; &quot; &#39; &apos;", "& < > \" ' '");
	CHECK_HTML("fish&nbsp;&amp;&nbsp;chips", "fish & chips");
	CHECK_HTML("it&rsquo;s &pound;5 &hellip;", "it\xe2\x80\x99s \xc2\xa3" "5 "
	    "\xe2\x80\xa6");
}

static void
test_numeric_entities_are_decoded_into_utf8(void)
{
	CHECK_HTML("&#65;&#x42;&#X43;", "ABC");
	CHECK_HTML("&#233;", "\xc3\xa9");
	CHECK_HTML("&#x20AC;", "\xe2\x82\xac");
	CHECK_HTML("&#128512;", "\xf0\x9f\x98\x80");
	CHECK_HTML("&#0000065;", "A");
}

static void
test_invalid_code_points_become_the_replacement_character(void)
{
	CHECK_HTML("&#0;", "\xef\xbf\xbd");
	CHECK_HTML("&#xD800;", "\xef\xbf\xbd");
	CHECK_HTML("&#x110000;", "\xef\xbf\xbd");
	CHECK_HTML("&#99999999999999999999999;", "\xef\xbf\xbd");
}

static void
test_numeric_128_to_159_are_windows_1252(void)
{
	CHECK_HTML("it&#146;s", "it\xe2\x80\x99s");
	CHECK_HTML("&#128;", "\xe2\x82\xac");
}

static void
test_unknown_entities_are_kept_literally(void)
{
	CHECK_HTML("&bogus; &amp &#; &#x; &#12 &", "&bogus; &amp &#; &#x; &#12 &");
	CHECK_HTML("AT&T", "AT&T");
	CHECK_HTML("&averyveryverylongname;", "&averyveryverylongname;");
}

static void
test_runs_of_spaces_collapse(void)
{
	CHECK_HTML("a   b\t\tc\r\n\r\nd", "a b c d");
	CHECK_HTML("<p>  padded  </p>", "padded");
	CHECK_HTML("a <br> b", "a\nb");
}

static void
test_at_most_two_line_breaks_in_a_row(void)
{
	CHECK_HTML("a<br><br><br><br>b", "a\n\nb");
	CHECK_HTML("<div><div><div>a</div></div></div>b", "a\n\nb");
}

static void
test_result_is_trimmed(void)
{
	CHECK_HTML("  <br><p> </p> text <br><br> ", "text");
	CHECK_HTML("", "");
	CHECK_HTML("<p></p><br>", "");
}

static void
test_pre_keeps_line_breaks(void)
{
	CHECK_HTML("<pre>\nline one\nline two</pre>after",
	    "line one\nline two\nafter");
}

static void
test_lone_angle_bracket_is_text(void)
{
	CHECK_HTML("1 < 2 and 3 > 2", "1 < 2 and 3 > 2");
	CHECK_HTML("x<", "x<");
	CHECK_HTML("a </ b", "a");
}

static void
test_quoted_attribute_may_hold_a_greater_than(void)
{
	CHECK_HTML("<a title=\"a > b\">x</a>", "x");
	CHECK_HTML("<a title='a > b'>x</a>", "x");
	CHECK_HTML("<a title=\"never closed>x", "");
}

static void
test_control_characters_are_dropped(void)
{
	char	in[] = "a\x01" "b\x1b[31mc\x7f" "d&#7;e";

	CHECK_HTML(in, "ab[31mcde");
}

static void
test_utf8_passes_through(void)
{
	CHECK_HTML("<p>caf\xc3\xa9 \xf0\x9f\x98\x80</p>",
	    "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

static void
test_length_not_nul_bounds_the_input(void)
{
	const char	 in[] = "<b>ab</b>cd\0<p>hidden</p>";
	size_t		 n;
	char		*t;

	t = html_to_text(in, 9, &n);	/* "<b>ab</b>" */
	CHECK(t != NULL);
	CHECK_STR(t, "ab");
	CHECK_INT(n, 2);
	free(t);
	t = html_to_text(in, 3, &n);	/* "<b>" */
	CHECK_STR(t, "");
	free(t);
	t = html_to_text("<b", 2, &n);
	CHECK_STR(t, "");
	free(t);
	t = html_to_text(NULL, 0, &n);
	CHECK_STR(t, "");
	CHECK_INT(n, 0);
	free(t);
}

static void
test_nul_in_the_input_is_dropped(void)
{
	const char	 in[] = "a\0b";
	size_t		 n;
	char		*t;

	t = html_to_text(in, 3, &n);
	CHECK_INT(n, 2);
	CHECK_STR(t, "ab");
	free(t);
}

static void
test_output_is_never_longer_than_input(void)
{
	static const char *const inputs[] = {
		"&#0;", "x &#0;", "&#128;", "&#x80;", "a<td>b", "&euro;",
		"<p>a</p>", "a b c", "&#65536;", "&#x10000;",
	};
	size_t	i, n;
	char	*t;

	for (i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		t = html_to_text(inputs[i], strlen(inputs[i]), &n);
		CHECK(t != NULL);
		CHECK(n <= strlen(inputs[i]));
		free(t);
	}
}

static void
test_gmail_style_body(void)
{
	CHECK_HTML("<div dir=\"ltr\"><div>Hi Alice,</div><div><br></div>"
	    "<div>Can you call me?</div><div><br></div><div>Thanks</div>"
	    "</div>\r\n", "Hi Alice,\n\nCan you call me?\n\nThanks");
}

static void
test_outlook_style_body(void)
{
	CHECK_HTML("<html xmlns:o=\"urn:schemas-microsoft-com:office:office\">"
	    "<head><meta http-equiv=Content-Type content=\"text/html; "
	    "charset=utf-8\"><style><!--\np.MsoNormal {margin:0cm}\n--></style>"
	    "</head><body lang=EN-GB><div class=WordSection1>"
	    "<p class=MsoNormal>Hello<o:p></o:p></p>"
	    "<p class=MsoNormal>I&#8217;m OK<o:p></o:p></p></div></body></html>",
	    "Hello\nI\xe2\x80\x99m OK");
}

static const struct check_test tests[] = {
	TEST(test_tags_are_dropped),
	TEST(test_br_ends_a_line),
	TEST(test_block_ends_end_a_line),
	TEST(test_hr_ends_a_line),
	TEST(test_block_start_breaks_only_a_line_with_text),
	TEST(test_script_style_and_title_content_is_skipped),
	TEST(test_head_content_is_skipped),
	TEST(test_comments_are_skipped),
	TEST(test_named_entities_are_decoded),
	TEST(test_numeric_entities_are_decoded_into_utf8),
	TEST(test_invalid_code_points_become_the_replacement_character),
	TEST(test_numeric_128_to_159_are_windows_1252),
	TEST(test_unknown_entities_are_kept_literally),
	TEST(test_runs_of_spaces_collapse),
	TEST(test_at_most_two_line_breaks_in_a_row),
	TEST(test_result_is_trimmed),
	TEST(test_pre_keeps_line_breaks),
	TEST(test_lone_angle_bracket_is_text),
	TEST(test_quoted_attribute_may_hold_a_greater_than),
	TEST(test_control_characters_are_dropped),
	TEST(test_utf8_passes_through),
	TEST(test_length_not_nul_bounds_the_input),
	TEST(test_nul_in_the_input_is_dropped),
	TEST(test_output_is_never_longer_than_input),
	TEST(test_gmail_style_body),
	TEST(test_outlook_style_body),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("html", tests, argc, argv);
}
