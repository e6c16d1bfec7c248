/*
 * test-template.c: the page templates escape by default.  What a young
 * person wrote is data, and data never becomes markup: not in text, not in
 * an attribute, not as a javascript: link; and a template that would put
 * data where no escaping is safe does not compile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/template.h"

static char	err[256];

/* Compile src, or fail the test. */
static struct template *
compile(const char *src)
{
	struct template	*t;

	t = template_compile("t", src, strlen(src), err, sizeof err);
	if (t == NULL)
		check_fail(__FILE__, __LINE__, "compile: %s", err);
	return t;
}

/* Whether src fails to compile with a message containing want. */
static int
refused(const char *src, const char *want)
{
	struct template	*t;

	t = template_compile("t", src, strlen(src), err, sizeof err);
	if (t != NULL) {
		template_free(t);
		return 0;
	}
	return want == NULL || strstr(err, want) != NULL;
}

/* Render src with one string value x; the result is static. */
static const char *
render_x(const char *src, const char *x)
{
	static char		 buf[4096];
	struct template		*t = compile(src);
	struct template_data	*d = template_data_new();
	struct template_html	*h;

	template_set(template_root(d), "x", x);
	h = template_render(t, d, err, sizeof err);
	if (h == NULL)
		check_fail(__FILE__, __LINE__, "render: %s", err);
	snprintf(buf, sizeof buf, "%s", template_html_text(h, NULL));
	template_html_free(h);
	template_data_free(d);
	template_free(t);
	return buf;
}

static void
test_text_is_escaped(void)
{
	CHECK_STR(render_x("<p>{{x}}</p>", "<script>alert(\"hi\")</script>"),
	    "<p>&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt;</p>");
	CHECK_STR(render_x("<p>{{x}}</p>", "Tom & Jerry's `tick`"),
	    "<p>Tom &amp; Jerry&#39;s &#96;tick&#96;</p>");
}

static void
test_an_img_onerror_in_text_stays_text(void)
{
	CHECK_STR(render_x("<p>{{ x }}</p>", "<img src=x onerror=alert(1)>"),
	    "<p>&lt;img src=x onerror=alert(1)&gt;</p>");
}

static void
test_double_quoted_attribute_cannot_be_broken_out_of(void)
{
	CHECK_STR(render_x("<input value=\"{{x}}\">", "\" autofocus "
	    "onfocus=\"alert(1)"), "<input value=\"&quot; autofocus "
	    "onfocus=&quot;alert(1)\">");
}

static void
test_single_quoted_attribute_cannot_be_broken_out_of(void)
{
	CHECK_STR(render_x("<input value='{{x}}'>", "' onfocus='alert(1)"),
	    "<input value='&#39; onfocus=&#39;alert(1)'>");
}

static void
test_textarea_and_title_are_escaped_as_text(void)
{
	CHECK_STR(render_x("<textarea>{{x}}</textarea>",
	    "</textarea><script>x</script>"), "<textarea>&lt;/textarea&gt;"
	    "&lt;script&gt;x&lt;/script&gt;</textarea>");
	CHECK_STR(render_x("<title>{{x}}</title>", "</title><b>"),
	    "<title>&lt;/title&gt;&lt;b&gt;</title>");
}

static void
test_a_nul_in_a_value_becomes_a_replacement_character(void)
{
	struct template		*t = compile("<p>{{x}}</p>");
	struct template_data	*d = template_data_new();
	struct template_html	*h;
	size_t			 len;

	template_setn(template_root(d), "x", "a\0<b>", 5);
	h = template_render(t, d, err, sizeof err);
	CHECK(h != NULL);
	CHECK_STR(template_html_text(h, &len),
	    "<p>a\xef\xbf\xbd&lt;b&gt;</p>");
	CHECK_INT(len, strlen("<p>a\xef\xbf\xbd&lt;b&gt;</p>"));
	template_html_free(h);
	template_data_free(d);
	template_free(t);
}

static void
test_javascript_url_at_the_start_of_href_is_replaced(void)
{
	CHECK_STR(render_x("<a href=\"{{x}}\">a</a>", "javascript:alert(1)"),
	    "<a href=\"about:invalid#replyd-unsafe-url\">a</a>");
	CHECK_STR(render_x("<a href='{{x}}'>a</a>", " JaVa\tScRipt:alert(1)"),
	    "<a href='about:invalid#replyd-unsafe-url'>a</a>");
	CHECK_STR(render_x("<img src=\"{{x}}\" alt=\"\">",
	    "data:text/html,<script>"),
	    "<img src=\"about:invalid#replyd-unsafe-url\" alt=\"\">");
	CHECK_STR(render_x("<form action=\"{{x}}\"></form>", "vbscript:x"),
	    "<form action=\"about:invalid#replyd-unsafe-url\"></form>");
}

static void
test_safe_urls_at_the_start_of_href_are_kept_and_escaped(void)
{
	CHECK_STR(render_x("<a href=\"{{x}}\">a</a>",
	    "https://example.org/?a=1&b=\"2\""),
	    "<a href=\"https://example.org/?a=1&amp;b=&quot;2&quot;\">a</a>");
	CHECK_STR(render_x("<a href=\"{{x}}\">a</a>", "/c/abc#top"),
	    "<a href=\"/c/abc#top\">a</a>");
	CHECK_STR(render_x("<a href=\"{{x}}\">a</a>", "mailto:a@example.org"),
	    "<a href=\"mailto:a@example.org\">a</a>");
	CHECK_STR(render_x("<a href=\"{{x}}\">a</a>", "tel:+447700900001"),
	    "<a href=\"tel:+447700900001\">a</a>");
	/* An entity-encoded colon is no scheme once '&' is escaped. */
	CHECK_STR(render_x("<a href=\"{{x}}\">a</a>", "javascript&colon;x"),
	    "<a href=\"javascript&amp;colon;x\">a</a>");
}

static void
test_values_later_in_a_url_are_percent_encoded(void)
{
	CHECK_STR(render_x("<a href=\"/c/{{x}}\">a</a>", "../v1?x=\"1\"#y"),
	    "<a href=\"/c/..%2Fv1%3Fx%3D%221%22%23y\">a</a>");
	CHECK_STR(render_x("<a href=\"/sandbox?from={{x}}\">a</a>",
	    "+44 7700"), "<a href=\"/sandbox?from=%2B44%207700\">a</a>");
	/* After a literal, not even "javascript:" can make a scheme. */
	CHECK_STR(render_x("<a href=\"/{{x}}\">a</a>", "javascript:x"),
	    "<a href=\"/javascript%3Ax\">a</a>");
}

static void
test_raw_output_does_not_compile(void)
{
	CHECK(refused("<p>{{{x}}}</p>", "raw output"));
	CHECK(refused("<p>{{&x}}</p>", "raw output"));
	CHECK(refused("<p>{{>partial}}</p>", "partials"));
	CHECK(refused("<p>{{=<% %>=}}</p>", "delimiter"));
}

static void
test_values_where_no_escaping_is_safe_do_not_compile(void)
{
	CHECK(refused("<a {{x}}>a</a>", "inside a tag"));
	CHECK(refused("<{{x}}>", "inside a tag"));
	CHECK(refused("</{{x}}>", "inside a tag"));
	CHECK(refused("<a href={{x}}>a</a>", "unquoted"));
	CHECK(refused("<a title=x{{x}}>a</a>", "unquoted"));
	CHECK(refused("<a onclick=\"{{x}}\">a</a>", "event handler"));
	CHECK(refused("<a OnMouseOver='{{x}}'>a</a>", "event handler"));
	CHECK(refused("<p style=\"{{x}}\">a</p>", "style"));
	CHECK(refused("<img srcset=\"{{x}}\" alt=\"\">", "srcset"));
	CHECK(refused("<iframe srcdoc=\"{{x}}\"></iframe>", "srcdoc"));
	CHECK(refused("<script>var a = \"{{x}}\";</script>", "script"));
	CHECK(refused("<style>p { color: {{x}} }</style>", "script, style"));
	CHECK(refused("<!-- {{x}} -->", "comment"));
}

static void
test_values_after_a_script_element_ends_are_text_again(void)
{
	CHECK_STR(render_x("<script src=\"/a.js\"></script><p>{{x}}</p>",
	    "<b>"), "<script src=\"/a.js\"></script><p>&lt;b&gt;</p>");
	CHECK_STR(render_x("<!-- note --><p>{{x}}</p>", "<b>"),
	    "<!-- note --><p>&lt;b&gt;</p>");
	CHECK_STR(render_x("<!DOCTYPE html><p>{{x}}</p>", "<b>"),
	    "<!DOCTYPE html><p>&lt;b&gt;</p>");
}

static void
test_a_missing_value_is_a_render_error_not_an_empty_string(void)
{
	struct template		*t = compile("<p>{{nmae}}</p>");
	struct template_data	*d = template_data_new();

	template_set(template_root(d), "name", "Ann");
	CHECK(template_render(t, d, err, sizeof err) == NULL);
	CHECK(strstr(err, "t:1: no value named \"nmae\"") != NULL);
	template_data_free(d);
	template_free(t);
}

static void
test_sections_repeat_lists_and_look_names_up_outwards(void)
{
	struct template		*t = compile("<ul>{{#items}}<li>{{text}} "
	    "({{team}})</li>{{/items}}</ul>{{^items}}none{{/items}}");
	struct template_data	*d = template_data_new();
	struct template_node	*list, *it;
	struct template_html	*h;

	template_set(template_root(d), "team", "demo");
	list = template_set_list(template_root(d), "items");
	it = template_append_object(list);
	template_set(it, "text", "<one>");
	it = template_append_object(list);
	template_set(it, "text", "two");
	template_set(it, "team", "other");
	h = template_render(t, d, err, sizeof err);
	CHECK(h != NULL);
	CHECK_STR(template_html_text(h, NULL), "<ul><li>&lt;one&gt; (demo)"
	    "</li><li>two (other)</li></ul>");
	template_html_free(h);
	template_data_free(d);
	template_free(t);
}

static void
test_an_empty_list_runs_the_inverted_section(void)
{
	struct template		*t = compile("{{#items}}x{{/items}}"
	    "{{^items}}<p>No messages yet</p>{{/items}}");
	struct template_data	*d = template_data_new();
	struct template_html	*h;

	template_set_list(template_root(d), "items");
	h = template_render(t, d, err, sizeof err);
	CHECK(h != NULL);
	CHECK_STR(template_html_text(h, NULL), "<p>No messages yet</p>");
	template_html_free(h);
	template_data_free(d);
	template_free(t);
}

static void
test_string_lists_render_with_dot(void)
{
	struct template		*t = compile("{{#errors}}<li>{{.}}</li>"
	    "{{/errors}}");
	struct template_data	*d = template_data_new();
	struct template_node	*l;
	struct template_html	*h;

	l = template_set_list(template_root(d), "errors");
	template_append(l, "Enter a number");
	template_append(l, "<Enter> a message");
	h = template_render(t, d, err, sizeof err);
	CHECK(h != NULL);
	CHECK_STR(template_html_text(h, NULL), "<li>Enter a number</li>"
	    "<li>&lt;Enter&gt; a message</li>");
	template_html_free(h);
	template_data_free(d);
	template_free(t);
}

static void
test_booleans_objects_and_dotted_names(void)
{
	struct template		*t = compile("{{#a}}A{{/a}}{{#b}}B{{/b}}"
	    "{{#p}}{{name}}{{/p}}/{{p.name}}{{#s}}[{{.}}]{{/s}}");
	struct template_data	*d = template_data_new();
	struct template_html	*h;

	template_set_bool(template_root(d), "a", 1);
	template_set_bool(template_root(d), "b", 0);
	template_set(template_set_object(template_root(d), "p"), "name",
	    "Sam");
	template_set(template_root(d), "s", "x<");
	h = template_render(t, d, err, sizeof err);
	CHECK(h != NULL);
	CHECK_STR(template_html_text(h, NULL), "ASam/Sam[x&lt;]");
	template_html_free(h);
	template_data_free(d);
	template_free(t);
}

static void
test_a_section_may_hold_whole_attributes_inside_a_tag(void)
{
	struct template		*t = compile("<input name=\"a\"{{#on}} checked"
	    "{{/on}}><option value=\"{{v}}\"{{#sel}} selected{{/sel}}>");
	struct template_data	*d = template_data_new();
	struct template_html	*h;

	template_set_bool(template_root(d), "on", 1);
	template_set(template_root(d), "v", "\"x");
	h = template_render(t, d, err, sizeof err);
	CHECK(h != NULL);
	CHECK_STR(template_html_text(h, NULL), "<input name=\"a\" checked>"
	    "<option value=\"&quot;x\">");
	/* Right after a tag's name, data could lengthen the name. */
	CHECK(refused("<option{{#s}} selected{{/s}}>", "another place"));
	template_html_free(h);
	template_data_free(d);
	template_free(t);
}

static void
test_a_section_in_a_class_attribute_stays_in_it(void)
{
	CHECK_STR(render_x("<p class=\"tag{{#x}} tag--red{{/x}}\">a</p>",
	    "yes"), "<p class=\"tag tag--red\">a</p>");
}

static void
test_a_section_holding_links_ends_where_it_began(void)
{
	CHECK_STR(render_x("{{#x}}<a href=\"#{{x}}\">{{x}}</a>{{/x}}<p>{{x}}"
	    "</p>", "a b"), "<a href=\"#a%20b\">a b</a><p>a b</p>");
}

static void
test_a_section_that_ends_in_another_place_does_not_compile(void)
{
	CHECK(refused("{{#a}}<p class=\"{{/a}}\">", "another place"));
	CHECK(refused("<p>{{#a}}<b{{/a}}>", "another place"));
	CHECK(refused("<input {{#a}}checked{{/a}}=\"x\">", "another place"));
	CHECK(refused("<script>{{#a}}</script>{{/a}}", "another place"));
	CHECK(refused("<a class=\"{{#a}}x\" href=\"{{/a}}\">", "another place"));
}

static void
test_unbalanced_and_unclosed_tags_do_not_compile(void)
{
	CHECK(refused("{{#a}}x", "never closed"));
	CHECK(refused("{{/a}}", "closes no section"));
	CHECK(refused("{{#a}}{{#b}}{{/a}}{{/b}}", "another section"));
	CHECK(refused("<p>{{x</p>", "without its"));
	CHECK(refused("<p>{{x y}}</p>", "a name is"));
	CHECK(refused("<p class=\"a", "ends inside"));
	CHECK(refused("<textarea>", "ends inside"));
}

static void
test_errors_name_the_line(void)
{
	CHECK(refused("<p>\n\n<a href={{x}}>", "t:3: "));
}

static void
test_rendered_html_goes_into_text_unescaped_and_nowhere_else(void)
{
	struct template		*inner = compile("<p>{{x}}</p>");
	struct template		*outer = compile("<main>{{body}}</main>");
	struct template		*attr = compile("<a title=\"{{body}}\">a</a>");
	struct template_data	*d = template_data_new();
	struct template_data	*d2 = template_data_new();
	struct template_html	*body, *h;

	template_set(template_root(d), "x", "<i>");
	body = template_render(inner, d, err, sizeof err);
	CHECK(body != NULL);
	template_set_html(template_root(d2), "body", body);
	h = template_render(outer, d2, err, sizeof err);
	CHECK(h != NULL);
	CHECK_STR(template_html_text(h, NULL), "<main><p>&lt;i&gt;</p></main>");
	template_html_free(h);
	CHECK(template_render(attr, d2, err, sizeof err) == NULL);
	CHECK(strstr(err, "only in text") != NULL);
	/* The same markup as a plain string is escaped like any data. */
	template_set(template_root(d2), "body", "<p>&lt;i&gt;</p>");
	h = template_render(outer, d2, err, sizeof err);
	CHECK(h != NULL);
	CHECK_STR(template_html_text(h, NULL),
	    "<main>&lt;p&gt;&amp;lt;i&amp;gt;&lt;/p&gt;</main>");
	template_html_free(h);
	template_html_free(body);
	template_data_free(d);
	template_data_free(d2);
	template_free(inner);
	template_free(outer);
	template_free(attr);
}

static void
test_objects_and_lists_are_not_text(void)
{
	struct template		*t = compile("<p>{{o}}</p>");
	struct template_data	*d = template_data_new();

	template_set_object(template_root(d), "o");
	CHECK(template_render(t, d, err, sizeof err) == NULL);
	CHECK(strstr(err, "is not text") != NULL);
	template_data_free(d);
	template_free(t);
}

static void
test_setting_a_key_twice_replaces_its_value(void)
{
	struct template		*t = compile("{{x}}");
	struct template_data	*d = template_data_new();
	struct template_html	*h;

	template_set(template_root(d), "x", "one");
	template_setf(template_root(d), "x", "%d", 2);
	h = template_render(t, d, err, sizeof err);
	CHECK(h != NULL);
	CHECK_STR(template_html_text(h, NULL), "2");
	template_html_free(h);
	template_data_free(d);
	template_free(t);
}

static void
test_comments_render_nothing(void)
{
	CHECK_STR(render_x("a{{! a note }}b{{x}}", "c"), "abc");
}

static void
test_large_values_render_whole(void)
{
	struct template		*t = compile("<p>{{x}}</p>");
	struct template_data	*d = template_data_new();
	struct template_html	*h;
	char			*big = malloc(100001);
	size_t			 len;

	memset(big, '<', 100000);
	big[100000] = '\0';
	template_set(template_root(d), "x", big);
	h = template_render(t, d, err, sizeof err);
	CHECK(h != NULL);
	template_html_text(h, &len);
	CHECK_INT(len, 100000 * 4 + 7);
	template_html_free(h);
	template_data_free(d);
	template_free(t);
	free(big);
}

static const struct check_test tests[] = {
	TEST(test_text_is_escaped),
	TEST(test_an_img_onerror_in_text_stays_text),
	TEST(test_double_quoted_attribute_cannot_be_broken_out_of),
	TEST(test_single_quoted_attribute_cannot_be_broken_out_of),
	TEST(test_textarea_and_title_are_escaped_as_text),
	TEST(test_a_nul_in_a_value_becomes_a_replacement_character),
	TEST(test_javascript_url_at_the_start_of_href_is_replaced),
	TEST(test_safe_urls_at_the_start_of_href_are_kept_and_escaped),
	TEST(test_values_later_in_a_url_are_percent_encoded),
	TEST(test_raw_output_does_not_compile),
	TEST(test_values_where_no_escaping_is_safe_do_not_compile),
	TEST(test_values_after_a_script_element_ends_are_text_again),
	TEST(test_a_missing_value_is_a_render_error_not_an_empty_string),
	TEST(test_sections_repeat_lists_and_look_names_up_outwards),
	TEST(test_an_empty_list_runs_the_inverted_section),
	TEST(test_string_lists_render_with_dot),
	TEST(test_booleans_objects_and_dotted_names),
	TEST(test_a_section_may_hold_whole_attributes_inside_a_tag),
	TEST(test_a_section_in_a_class_attribute_stays_in_it),
	TEST(test_a_section_holding_links_ends_where_it_began),
	TEST(test_a_section_that_ends_in_another_place_does_not_compile),
	TEST(test_unbalanced_and_unclosed_tags_do_not_compile),
	TEST(test_errors_name_the_line),
	TEST(test_rendered_html_goes_into_text_unescaped_and_nowhere_else),
	TEST(test_objects_and_lists_are_not_text),
	TEST(test_setting_a_key_twice_replaces_its_value),
	TEST(test_comments_render_nothing),
	TEST(test_large_values_render_whole),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("template", tests, argc, argv);
}
