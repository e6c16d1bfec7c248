/* test-postmark.c: Postmark inbound rules (postmark-inbound.h). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "http-auth.h"
#include "postmark-inbound.h"

/* "postmark:hunter2 x" in base64. */
#define GOOD_B64	"cG9zdG1hcms6aHVudGVyMiB4"

#define FULL	"{\"FromName\": \"Young Person\", "				\
		"\"MessageStream\": \"inbound\", "				\
		"\"From\": \"yp@example.org\", "				\
		"\"FromFull\": {\"Email\": \"full@example.org\", "		\
		"\"Name\": \"Young Person\", \"MailboxHash\": \"\"}, "		\
		"\"To\": \"\\\"Replyd\\\" <inbound@replyd.test>\", "		\
		"\"ToFull\": [{\"Email\": \"inbound@replyd.test\", "		\
		"\"Name\": \"Replyd\"}], "					\
		"\"Cc\": \"\", \"Subject\": \"Help please\", "			\
		"\"MessageID\": \"22c74902-a0c1-4511-804f-341342852c90\", "	\
		"\"ReplyTo\": \"\", \"Date\": \"Thu, 5 Mar 2026 10:30:00 +0000\", " \
		"\"TextBody\": \"Can you call me?\", "				\
		"\"HtmlBody\": \"<p>Can you call me?</p>\", "			\
		"\"StrippedTextReply\": \"stripped\", \"Tag\": \"\", "		\
		"\"Headers\": [{\"Name\": \"X-Spam-Status\", \"Value\": \"No\"}, " \
		"{\"Name\": \"MESSAGE-ID\", \"Value\": \"<abc@mail.example.org>\"}, " \
		"{\"Name\": \"In-Reply-To\", \"Value\": \"<c1@replyd.test>\"}, " \
		"{\"Name\": \"Message-ID\", \"Value\": \"<second@x>\"}], "	\
		"\"Attachments\": [{\"Name\": \"letter.pdf\", "			\
		"\"Content\": \"JVBERi0=\", \"ContentType\": \"application/pdf\", " \
		"\"ContentLength\": 5}, {\"Name\": \"a,b.txt\", "		\
		"\"Content\": \"\", \"ContentType\": \"text/plain\"}]}"

/* Parse a body that must be accepted. */
static void
parse(const char *body, struct postmark_inbound *in)
{
	const char	*field = NULL;
	char		 err[160] = "";

	if (postmark_inbound_parse(body, strlen(body), in, &field, err,
	    sizeof err) == -1)
		check_fail(__FILE__, __LINE__, "refused: %s", err);
}

/* Parse a body and expect the named field to be refused. */
static void
refused(const char *body, const char *want_field)
{
	struct postmark_inbound	 in;
	const char		*field = NULL;
	char			 err[160] = "";

	CHECK_INT(postmark_inbound_parse(body, strlen(body), &in, &field, err,
	    sizeof err), -1);
	CHECK_STR(field, want_field);
	CHECK(strstr(err, want_field) != NULL);
	CHECK(in.id == NULL && in.json == NULL && in.attachment_names == NULL);
}

static void
test_basic_credentials_are_accepted(void)
{
	CHECK_INT(http_auth_basic("Basic " GOOD_B64, "postmark",
	    "hunter2 x"), 0);
	CHECK_INT(http_auth_basic("basic  " GOOD_B64, "postmark",
	    "hunter2 x"), 0);
}

static void
test_wrong_or_missing_credentials_are_refused(void)
{
	CHECK_INT(http_auth_basic("Basic " GOOD_B64, "postmark",
	    "hunter2"), -1);
	CHECK_INT(http_auth_basic("Basic " GOOD_B64, "Postmark",
	    "hunter2 x"), -1);
	CHECK_INT(http_auth_basic(NULL, "postmark", "hunter2 x"), -1);
	CHECK_INT(http_auth_basic("Bearer " GOOD_B64, "postmark",
	    "hunter2 x"), -1);
	CHECK_INT(http_auth_basic("Basic cG9zdG1hcms6aHVudGVyMiB",
	    "postmark", "hunter2 x"), -1);
	CHECK_INT(http_auth_basic("Basic *G9zdG1hcms6aHVudGVyMiB4",
	    "postmark", "hunter2 x"), -1);
}

static void
test_inbound_fields_are_read(void)
{
	struct postmark_inbound	in;

	parse(FULL, &in);
	CHECK_STR(in.id, "22c74902-a0c1-4511-804f-341342852c90");
	CHECK_STR(in.from, "yp@example.org");
	CHECK_STR(in.to, "\"Replyd\" <inbound@replyd.test>");
	CHECK_STR(in.subject, "Help please");
	CHECK_STR(in.text, "Can you call me?");
	CHECK_INT(in.text_len, strlen("Can you call me?"));
	CHECK_STR(in.html, "<p>Can you call me?</p>");
	CHECK_INT(in.html_len, strlen("<p>Can you call me?</p>"));
	postmark_inbound_free(&in);
	CHECK(in.json == NULL);
}

static void
test_message_id_and_in_reply_to_come_from_headers(void)
{
	struct postmark_inbound	in;

	parse(FULL, &in);
	/* Names compare in any case; the first Message-ID wins. */
	CHECK_STR(in.message_id, "<abc@mail.example.org>");
	CHECK_STR(in.in_reply_to, "<c1@replyd.test>");
	postmark_inbound_free(&in);
}

static void
test_attachments_are_counted_and_named(void)
{
	struct postmark_inbound	in;

	parse(FULL, &in);
	CHECK_INT(in.attachments, 2);
	CHECK_STR(in.attachment_names, "letter.pdf,a_b.txt");
	postmark_inbound_free(&in);
}

static void
test_full_addresses_stand_in_for_missing_from_and_to(void)
{
	struct postmark_inbound	in;

	parse("{\"MessageID\": \"m\", \"From\": \"\", \"FromFull\": "
	    "{\"Email\": \"yp@example.org\"}, \"ToFull\": [{\"Email\": "
	    "\"first@replyd.test\"}, {\"Email\": \"second@replyd.test\"}]}",
	    &in);
	CHECK_STR(in.from, "yp@example.org");
	CHECK_STR(in.to, "first@replyd.test");
	postmark_inbound_free(&in);
}

static void
test_optional_fields_may_be_absent_or_null(void)
{
	struct postmark_inbound	in;

	parse("{\"MessageID\": \"m\", \"From\": \"a@b\", \"To\": null, "
	    "\"Subject\": null, \"Headers\": null, \"Attachments\": []}", &in);
	CHECK(in.to == NULL && in.subject == NULL && in.text == NULL &&
	    in.html == NULL && in.message_id == NULL &&
	    in.in_reply_to == NULL && in.attachment_names == NULL);
	CHECK_INT(in.attachments, 0);
	CHECK_INT(in.text_len, 0);
	postmark_inbound_free(&in);
}

static void
test_malformed_header_and_attachment_entries_are_skipped(void)
{
	struct postmark_inbound	in;

	parse("{\"MessageID\": \"m\", \"From\": \"a@b\", \"Headers\": [1, "
	    "{\"Name\": \"Message-ID\"}, {\"Name\": \"Message-ID\", "
	    "\"Value\": 5}, {\"Name\": \"Message-ID\", \"Value\": \"<ok@x>\"}],"
	    " \"Attachments\": [\"x\", {\"ContentType\": \"text/plain\"}, "
	    "{\"Name\": \"n.txt\"}]}", &in);
	CHECK_STR(in.message_id, "<ok@x>");
	CHECK_INT(in.attachments, 2);
	CHECK_STR(in.attachment_names, "n.txt");
	postmark_inbound_free(&in);
}

static void
test_body_that_is_not_a_json_object_names_the_body(void)
{
	refused("", "body");
	refused("[]", "body");
	refused("{\"MessageID\": \"m\"", "body");
	refused("{\"MessageID\": \"m\", \"From\": \"a@b\"} x", "body");
}

static void
test_missing_message_id_names_message_id(void)
{
	refused("{\"From\": \"a@b\"}", "MessageID");
	refused("{\"MessageID\": \"\", \"From\": \"a@b\"}", "MessageID");
	refused("{\"MessageID\": 7, \"From\": \"a@b\"}", "MessageID");
}

static void
test_missing_sender_names_from(void)
{
	refused("{\"MessageID\": \"m\"}", "From");
	refused("{\"MessageID\": \"m\", \"From\": 1}", "From");
	refused("{\"MessageID\": \"m\", \"FromFull\": {\"Name\": \"x\"}}",
	    "From");
	refused("{\"MessageID\": \"m\", \"FromFull\": \"a@b\"}", "FromFull");
}

static void
test_field_of_the_wrong_type_is_named(void)
{
	refused("{\"MessageID\": \"m\", \"From\": \"a@b\", \"To\": []}", "To");
	refused("{\"MessageID\": \"m\", \"From\": \"a@b\", \"ToFull\": {}}",
	    "ToFull");
	refused("{\"MessageID\": \"m\", \"From\": \"a@b\", \"Subject\": 1}",
	    "Subject");
	refused("{\"MessageID\": \"m\", \"From\": \"a@b\", \"TextBody\": "
	    "true}", "TextBody");
	refused("{\"MessageID\": \"m\", \"From\": \"a@b\", \"HtmlBody\": {}}",
	    "HtmlBody");
	refused("{\"MessageID\": \"m\", \"From\": \"a@b\", \"Headers\": {}}",
	    "Headers");
	refused("{\"MessageID\": \"m\", \"From\": \"a@b\", \"Attachments\": "
	    "{\"Name\": \"x\"}}", "Attachments");
}

static void
test_length_not_nul_bounds_the_body(void)
{
	struct postmark_inbound	 in;
	const char		*field = NULL;
	const char		 body[] = "{\"MessageID\": \"m\", \"From\": "
				    "\"a@b\"}{\"x\": 1}";
	char			 err[160];

	CHECK_INT(postmark_inbound_parse(body, sizeof body - 1 - 8, &in,
	    &field, err, sizeof err), 0);
	postmark_inbound_free(&in);
	CHECK_INT(postmark_inbound_parse(body, sizeof body - 1, &in, &field,
	    err, sizeof err), -1);
}


#define AUTH_BODY(headers)						\
	"{\"MessageID\": \"m-1\", \"From\": \"alice@example.gov.uk\", "	\
	"\"To\": \"yp@example.org\", \"TextBody\": \"hi\", "		\
	"\"Headers\": [" headers "]}"
#define SPF_PASS "{\"Name\": \"Received-SPF\", \"Value\": \"Pass (sender " \
	"SPF authorized) identity=mailfrom; client-ip=192.0.2.1; helo=mx; "	\
	"envelope-from=alice@example.gov.uk; receiver=x@inbound.postmarkapp.com\"}"
#define SPF_FAIL "{\"Name\": \"Received-SPF\", \"Value\": \"Fail (sender " \
	"not authorized) identity=mailfrom; client-ip=203.0.113.9; helo=x; "	\
	"envelope-from=alice@example.gov.uk; receiver=x@inbound.postmarkapp.com\"}"

static void
test_postmark_received_spf_pass_is_reported(void)
{
	struct postmark_inbound	in;

	parse(AUTH_BODY("{\"Name\": \"X-Spam-Status\", \"Value\": \"No\"}, "
	    SPF_PASS), &in);
	CHECK_STR(in.auth.spf, "pass");
	CHECK_STR(in.auth.spf_domain, "example.gov.uk");
	postmark_inbound_free(&in);
}

static void
test_postmark_received_spf_fail_is_reported(void)
{
	struct postmark_inbound	in;

	parse(AUTH_BODY(SPF_FAIL), &in);
	CHECK_STR(in.auth.spf, "fail");
	CHECK_STR(in.auth.dkim, "");
	postmark_inbound_free(&in);
}

static void
test_postmark_authentication_results_above_its_spf_give_dkim(void)
{
	struct postmark_inbound	in;

	parse(AUTH_BODY("{\"Name\": \"Authentication-Results\", \"Value\": "
	    "\"inbound.postmarkapp.com; dkim=pass header.d=example.gov.uk\"}, "
	    SPF_FAIL), &in);
	CHECK_STR(in.auth.spf, "fail");
	CHECK_STR(in.auth.dkim, "example.gov.uk");
	postmark_inbound_free(&in);
}

static void
test_postmark_headers_below_its_spf_are_never_trusted(void)
{
	struct postmark_inbound	in;

	/* The forger's message carried its own "pass" headers. */
	parse(AUTH_BODY(SPF_FAIL ", " SPF_PASS ", {\"Name\": "
	    "\"Authentication-Results\", \"Value\": \"mx; dkim=pass "
	    "header.d=example.gov.uk\"}"), &in);
	CHECK_STR(in.auth.spf, "fail");
	CHECK_STR(in.auth.dkim, "");
	postmark_inbound_free(&in);
	/* No Received-SPF at all: nothing is Postmark's, nothing trusted. */
	parse(AUTH_BODY("{\"Name\": \"Authentication-Results\", \"Value\": "
	    "\"mx; dkim=pass header.d=example.gov.uk; spf=pass "
	    "smtp.mailfrom=example.gov.uk\"}"), &in);
	CHECK_STR(in.auth.spf, "");
	CHECK_STR(in.auth.dkim, "");
	postmark_inbound_free(&in);
}

static void
test_postmark_nul_escape_hides_nothing(void)
{
	struct postmark_inbound	in;

	parse("{\"MessageID\": \"m\\u0000-1\", \"From\": \"yp@example.org\", "
	    "\"Subject\": \"a\\u0000b\", \"TextBody\": \"nul\\u0000inside "
	    "unsafe\"}", &in);
	CHECK_STR(in.text, "nul\xef\xbf\xbdinside unsafe");
	CHECK_INT(in.text_len, strlen("nul\xef\xbf\xbdinside unsafe"));
	CHECK_STR(in.subject, "a\xef\xbf\xbd" "b");
	CHECK_STR(in.id, "m\xef\xbf\xbd-1");
	postmark_inbound_free(&in);
}

static const struct check_test tests[] = {
	TEST(test_basic_credentials_are_accepted),
	TEST(test_wrong_or_missing_credentials_are_refused),
	TEST(test_inbound_fields_are_read),
	TEST(test_message_id_and_in_reply_to_come_from_headers),
	TEST(test_attachments_are_counted_and_named),
	TEST(test_full_addresses_stand_in_for_missing_from_and_to),
	TEST(test_optional_fields_may_be_absent_or_null),
	TEST(test_malformed_header_and_attachment_entries_are_skipped),
	TEST(test_body_that_is_not_a_json_object_names_the_body),
	TEST(test_missing_message_id_names_message_id),
	TEST(test_missing_sender_names_from),
	TEST(test_field_of_the_wrong_type_is_named),
	TEST(test_length_not_nul_bounds_the_body),
	TEST(test_postmark_received_spf_pass_is_reported),
	TEST(test_postmark_received_spf_fail_is_reported),
	TEST(test_postmark_authentication_results_above_its_spf_give_dkim),
	TEST(test_postmark_headers_below_its_spf_are_never_trusted),
	TEST(test_postmark_nul_escape_hides_nothing),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("postmark", tests, argc, argv);
}
