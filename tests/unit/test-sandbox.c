/*
 * test-sandbox.c: the sandbox channel's page and log (plugins/sandbox):
 * its template obeys replyd's escaping rules, what a young person writes
 * is shown as text, the form says what to fix, and the log shows the
 * newest first.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/template.h"
#include "serve/pages.h"
#include "sandbox-log.h"
#include "sandbox-page.h"

static char	err[256];

/* The sandbox page's content for a view and log (static, rendered). */
static const char *
render(const struct sandbox_view *v, const struct sandbox_log *l)
{
	static char		*out;
	struct template		*t;
	struct template_data	*d;
	struct template_html	*h;
	char			*json;

	free(out);
	out = NULL;
	t = template_compile("sandbox", sandbox_page_template,
	    strlen(sandbox_page_template), err, sizeof err);
	if (t == NULL)
		check_fail(__FILE__, __LINE__, "compile: %s", err);
	json = sandbox_page_data(v, l, 100);
	CHECK(json != NULL);
	d = pages_json(json);
	CHECK(d != NULL);
	h = template_render(t, d, err, sizeof err);
	if (h == NULL)
		check_fail(__FILE__, __LINE__, "render: %s", err);
	out = strdup(template_html_text(h, NULL));
	template_html_free(h);
	template_data_free(d);
	template_free(t);
	free(json);
	return out;
}

static void
test_the_page_compiles_under_replyds_escaping_rules(void)
{
	struct template	*t;

	t = template_compile("sandbox", sandbox_page_template,
	    strlen(sandbox_page_template), err, sizeof err);
	if (t == NULL)
		check_fail(__FILE__, __LINE__, "%s", err);
	template_free(t);
}

static void
test_a_young_persons_script_is_shown_as_text(void)
{
	struct sandbox_log	*l = sandbox_log_new(10);
	struct sandbox_view	 v = { .from = "07700 900123", .number = "+44",
	    .message_id = "00112233445566778899" };
	const char		*html;

	sandbox_log_add(l, 1000, SANDBOX_IN, "07700\"><b>",
	    "<script>alert(1)</script><img src=x onerror=alert(2)>", NULL, 0);
	html = render(&v, l);
	CHECK(strstr(html, "<script>") == NULL);
	CHECK(strstr(html, "<img") == NULL);
	CHECK(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img "
	    "src=x onerror=alert(2)&gt;") != NULL);
	CHECK(strstr(html, "From 07700&quot;&gt;&lt;b&gt;") != NULL);
	sandbox_log_free(l);
}

static void
test_a_number_in_the_form_cannot_leave_its_attribute_or_link(void)
{
	struct sandbox_view	 v = { .from = "\" onfocus=\"alert(1)",
	    .number = "+44", .message_id = "00112233445566778899" };
	const char		*html = render(&v, NULL);

	CHECK(strstr(html, "value=\"&quot; onfocus=&quot;alert(1)\"") != NULL);
	CHECK(strstr(html, "?from=%22%20onfocus%3D%22alert%281%29#messages")
	    != NULL);
}

static void
test_errors_are_summarised_and_shown_at_their_fields(void)
{
	struct sandbox_view	 v = { .from = "", .text = "<b>",
	    .number = "+44", .message_id = "00112233445566778899" };
	const char		*html;

	CHECK_INT(sandbox_form_check("", 0, "", 0, &v.from_error,
	    &v.text_error), -1);
	html = render(&v, NULL);
	CHECK(strstr(html, "There is a problem") != NULL);
	CHECK(strstr(html, "<a href=\"#from\">Enter the phone number you are "
	    "writing from</a>") != NULL);
	CHECK(strstr(html, "<a href=\"#text\">Enter a message</a>") != NULL);
	CHECK(strstr(html, "govuk-input--error") != NULL);
	CHECK(strstr(html, "aria-describedby=\"from-hint from-error\"") !=
	    NULL);
	CHECK(strstr(html, ">&lt;b&gt;</textarea>") != NULL);
}

static void
test_the_form_wants_a_number_and_a_message(void)
{
	const char	*fe, *te;
	char		 long_text[1602];

	CHECK_INT(sandbox_form_check("07700 900123", 12, "hi", 2, &fe, &te), 0);
	CHECK_INT(sandbox_form_check("+44 (7700) 900-123", 18, "hi", 2, &fe,
	    &te), 0);
	CHECK_INT(sandbox_form_check("   ", 3, "hi", 2, &fe, &te), -1);
	CHECK_STR(fe, "Enter the phone number you are writing from");
	CHECK_INT(sandbox_form_check("call me", 7, "hi", 2, &fe, &te), -1);
	CHECK_STR(fe, "Enter a phone number, like 07700 900123 or "
	    "+44 7700 900123");
	CHECK_INT(sandbox_form_check("12345", 5, "hi", 2, &fe, &te), -1);
	CHECK_INT(sandbox_form_check("07700 900123", 12, " \n ", 3, &fe, &te),
	    -1);
	CHECK(fe == NULL);
	CHECK_STR(te, "Enter a message");
	memset(long_text, 'a', 1601);
	long_text[1601] = '\0';
	CHECK_INT(sandbox_form_check("07700 900123", 12, long_text, 1601, &fe,
	    &te), -1);
	CHECK_STR(te, "Message must be 1,600 characters or fewer");
	CHECK_INT(sandbox_form_check("07700 900123", 12, long_text, 1600, &fe,
	    &te), 0);
}

static void
test_message_ids_are_16_to_32_hex_digits(void)
{
	CHECK(sandbox_id_ok("0123456789abcdef"));
	CHECK(sandbox_id_ok("0123456789abcdef0123456789ABCDEF"));
	CHECK(!sandbox_id_ok("0123456789abcde"));
	CHECK(!sandbox_id_ok("0123456789abcdef0123456789abcdef0"));
	CHECK(!sandbox_id_ok("0123456789abcdeg"));
	CHECK(!sandbox_id_ok(NULL));
}

static void
test_the_log_keeps_the_newest_and_shows_them_first(void)
{
	struct sandbox_log	*l = sandbox_log_new(3);
	char			 t[8];
	int			 i;

	for (i = 1; i <= 5; i++) {
		t[0] = (char)('0' + i);
		t[1] = '\0';
		CHECK_INT(sandbox_log_add(l, i, SANDBOX_RECEIPT, "+44", t, NULL,
		    0), 0);
	}
	CHECK_STR(sandbox_log_at(l, 0)->text, "5");
	CHECK_STR(sandbox_log_at(l, 1)->text, "4");
	CHECK_STR(sandbox_log_at(l, 2)->text, "3");
	CHECK(sandbox_log_at(l, 3) == NULL);
	sandbox_log_free(l);
}

static void
test_long_texts_are_cut_on_a_character_boundary(void)
{
	struct sandbox_log	*l = sandbox_log_new(1);
	char			*big = malloc(SANDBOX_TEXT_MAX + 3);
	size_t			 i;

	/* "é" is two bytes: the cut must not split one. */
	for (i = 0; i + 1 < SANDBOX_TEXT_MAX + 2; i += 2) {
		big[i] = '\xc3';
		big[i + 1] = '\xa9';
	}
	big[0] = 'x';
	big[SANDBOX_TEXT_MAX + 2] = '\0';
	CHECK_INT(sandbox_log_add(l, 1, SANDBOX_IN, "+44", big, NULL, 0), 0);
	CHECK(strlen(sandbox_log_at(l, 0)->text) <= SANDBOX_TEXT_MAX);
	CHECK(((unsigned char)sandbox_log_at(l, 0)->text[strlen(
	    sandbox_log_at(l, 0)->text) - 1] & 0xc0) == 0x80);
	sandbox_log_free(l);
	free(big);
}

static void
test_alerts_say_why_and_which_step(void)
{
	struct sandbox_log	*l = sandbox_log_new(4);
	struct sandbox_view	 v = { .from = "07700 900123", .number = "+44",
	    .message_id = "00112233445566778899" };
	const char		*html;

	sandbox_log_add(l, 1, SANDBOX_ALERT, "+447700900102", "overdue",
	    "escalation", 2);
	html = render(&v, l);
	CHECK(strstr(html, "Alert to staff</strong> To +447700900102, "
	    "overdue, step 2 at") != NULL);
	CHECK(strstr(html, "No messages yet") == NULL);
	sandbox_log_free(l);
	html = render(&v, NULL);
	CHECK(strstr(html, "No messages yet") != NULL);
}

static void
test_a_message_links_to_its_conversation_page(void)
{
	struct sandbox_log	*l = sandbox_log_new(4);
	struct sandbox_view	 v = { .from = "07700 900123", .number = "+44",
	    .message_id = "00112233445566778899" };
	const char		*html;

	CHECK_INT(sandbox_log_link(l, "1-1"), -1);	/* nothing to tie */
	sandbox_log_add(l, 1, SANDBOX_IN, "+44", "hello", NULL, 0);
	CHECK_INT(sandbox_log_link(l, "1-2"), 0);
	sandbox_log_add(l, 2, SANDBOX_ALERT, "+447700900102", "Sign-in link",
	    "signin", 0);
	html = render(&v, l);
	CHECK(strstr(html, "href=\"/c/1-2\">Open the conversation as "
	    "staff</a>") != NULL);
	/* Only the message with a conversation has the link. */
	CHECK(strstr(strstr(html, "/c/1-2") + 6, "/c/") == NULL);
	sandbox_log_free(l);
}

static void
test_numbers_are_percent_encoded_for_the_redirect(void)
{
	char	out[64];

	CHECK_INT(sandbox_url_encode("+44 7700&x", out, sizeof out), 0);
	CHECK_STR(out, "%2B44%207700%26x");
	CHECK_INT(sandbox_url_encode("+44 7700&x", out, 8), -1);
}

static const struct check_test tests[] = {
	TEST(test_the_page_compiles_under_replyds_escaping_rules),
	TEST(test_a_young_persons_script_is_shown_as_text),
	TEST(test_a_number_in_the_form_cannot_leave_its_attribute_or_link),
	TEST(test_errors_are_summarised_and_shown_at_their_fields),
	TEST(test_the_form_wants_a_number_and_a_message),
	TEST(test_message_ids_are_16_to_32_hex_digits),
	TEST(test_the_log_keeps_the_newest_and_shows_them_first),
	TEST(test_long_texts_are_cut_on_a_character_boundary),
	TEST(test_alerts_say_why_and_which_step),
	TEST(test_a_message_links_to_its_conversation_page),
	TEST(test_numbers_are_percent_encoded_for_the_redirect),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("sandbox", tests, argc, argv);
}
