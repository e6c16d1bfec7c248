/*
 * test-sendgrid.c: SendGrid Inbound Parse rules (sendgrid-inbound.h):
 * Basic auth, the raw header block, attachment-info and character sets.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "http-auth.h"
#include "sendgrid-inbound.h"

/* "inbound:s3cret pass" in base64. */
#define GOOD_B64	"aW5ib3VuZDpzM2NyZXQgcGFzcw=="

#define HEADERS	"Received: by mx.sendgrid.net with SMTP id abc\r\n"	\
		"\tSat, 14 Mar 2026 10:30:00 +0000 (UTC)\r\n"		\
		"From: Young Person <yp@example.org>\r\n"		\
		"message-id:\r\n <CAF=abc123@mail.gmail.com>\r\n"	\
		"In-Reply-To: <conv-1@replyd.test>\r\n"			\
		"Subject: help\r\n"					\
		"Message-ID: <second@mail.gmail.com>\r\n"

/* Look a header up and compare it (want NULL: absent). */
static void
header_is(const char *block, const char *name, const char *want, int line)
{
	char	*v = sendgrid_inbound_header(block, strlen(block), name);

	if (want == NULL) {
		if (v != NULL) {
			free(v);
			check_fail(__FILE__, line, "%s: should be absent", name);
		}
		return;
	}
	if (v == NULL)
		check_fail(__FILE__, line, "%s: absent", name);
	if (strcmp(v, want) != 0) {
		char copy[256];

		strncpy(copy, v, sizeof copy - 1);
		copy[sizeof copy - 1] = '\0';
		free(v);
		check_fail(__FILE__, line, "%s: \"%s\", want \"%s\"", name,
		    copy, want);
	}
	free(v);
}

#define HEADER_IS(b, n, w)	header_is((b), (n), (w), __LINE__)

static void
test_basic_credentials_are_accepted(void)
{
	CHECK_INT(http_auth_basic("Basic " GOOD_B64, "inbound",
	    "s3cret pass"), 0);
}

static void
test_basic_scheme_is_case_insensitive(void)
{
	CHECK_INT(http_auth_basic("basic " GOOD_B64, "inbound",
	    "s3cret pass"), 0);
	CHECK_INT(http_auth_basic("  BASIC\t" GOOD_B64 " ", "inbound",
	    "s3cret pass"), 0);
}

static void
test_wrong_user_or_password_is_refused(void)
{
	/* "inbound:wrong", "other:s3cret pass", "inbound:s3cret pas". */
	CHECK_INT(http_auth_basic("Basic aW5ib3VuZDp3cm9uZw==",
	    "inbound", "s3cret pass"), -1);
	CHECK_INT(http_auth_basic("Basic b3RoZXI6czNjcmV0IHBhc3M=",
	    "inbound", "s3cret pass"), -1);
	CHECK_INT(http_auth_basic("Basic aW5ib3VuZDpzM2NyZXQgcGFz",
	    "inbound", "s3cret pass"), -1);
}

static void
test_missing_or_other_scheme_is_refused(void)
{
	CHECK_INT(http_auth_basic(NULL, "inbound", "s3cret pass"), -1);
	CHECK_INT(http_auth_basic("", "inbound", "s3cret pass"), -1);
	CHECK_INT(http_auth_basic("Bearer " GOOD_B64, "inbound",
	    "s3cret pass"), -1);
	CHECK_INT(http_auth_basic("Basic", "inbound", "s3cret pass"), -1);
	CHECK_INT(http_auth_basic("Basic ", "inbound", "s3cret pass"), -1);
	CHECK_INT(http_auth_basic("Basic" GOOD_B64, "inbound",
	    "s3cret pass"), -1);
}

static void
test_malformed_base64_is_refused(void)
{
	CHECK_INT(http_auth_basic("Basic aW5ib3VuZDpzM2NyZXQgcGFzcw",
	    "inbound", "s3cret pass"), -1);
	CHECK_INT(http_auth_basic("Basic aW5ib3VuZDpzM2Ny ZXQgcGFzcw==",
	    "inbound", "s3cret pass"), -1);
	CHECK_INT(http_auth_basic("Basic aW5ib3VuZDpzM2NyZXQgcGFzcw=!",
	    "inbound", "s3cret pass"), -1);
	CHECK_INT(http_auth_basic("Basic ====", "inbound", ""), -1);
	/* Non-canonical: "aW5ib3VuZDpzM2NyZXQgcGFzcx==" has stray low bits. */
	CHECK_INT(http_auth_basic("Basic aW5ib3VuZDpzM2NyZXQgcGFzcx==",
	    "inbound", "s3cret pass"), -1);
}

static void
test_colon_in_password_is_part_of_the_password(void)
{
	/* "u:p:q" */
	CHECK_INT(http_auth_basic("Basic dTpwOnE=", "u", "p:q"), 0);
	CHECK_INT(http_auth_basic("Basic dTpwOnE=", "u", "p"), -1);
}

static void
test_nul_in_credentials_does_not_cut_them_short(void)
{
	/* "inbound:s3cret pass\0x" */
	CHECK_INT(http_auth_basic("Basic aW5ib3VuZDpzM2NyZXQgcGFzcwB4",
	    "inbound", "s3cret pass"), -1);
}

static void
test_header_is_found_by_any_case_of_its_name(void)
{
	HEADER_IS(HEADERS, "In-Reply-To", "<conv-1@replyd.test>");
	HEADER_IS(HEADERS, "in-reply-to", "<conv-1@replyd.test>");
	HEADER_IS(HEADERS, "SUBJECT", "help");
}

static void
test_folded_header_is_unfolded_and_trimmed(void)
{
	HEADER_IS(HEADERS, "Message-ID", "<CAF=abc123@mail.gmail.com>");
	HEADER_IS(HEADERS, "Received", "by mx.sendgrid.net with SMTP id abc"
	    "\tSat, 14 Mar 2026 10:30:00 +0000 (UTC)");
}

static void
test_first_of_a_repeated_header_wins(void)
{
	HEADER_IS("Message-ID: <a@b>\nMessage-ID: <c@d>\n", "Message-ID",
	    "<a@b>");
}

static void
test_absent_header_is_null(void)
{
	HEADER_IS(HEADERS, "References", NULL);
	HEADER_IS("", "Message-ID", NULL);
	/* A prefix of a name is not the name. */
	HEADER_IS("Message-IDX: <a@b>\n", "Message-ID", NULL);
	HEADER_IS("Message: <a@b>\n", "Message-ID", NULL);
	/* A folded line is not a header of its own. */
	HEADER_IS("X-Note: a\n Message-ID: <a@b>\n", "Message-ID", NULL);
}

static void
test_blank_line_ends_the_header_block(void)
{
	HEADER_IS("From: a@b\r\n\r\nMessage-ID: <body@x>\r\n", "Message-ID",
	    NULL);
}

static void
test_space_before_the_colon_is_allowed(void)
{
	HEADER_IS("Message-ID : <a@b>", "Message-ID", "<a@b>");
}

static void
test_lf_line_ends_and_last_line_without_one(void)
{
	HEADER_IS("A: 1\nIn-Reply-To: <x@y>", "In-Reply-To", "<x@y>");
	HEADER_IS("In-Reply-To:", "In-Reply-To", "");
}

static void
test_header_length_not_nul_bounds_the_block(void)
{
	const char	 block[] = "Message-ID: <a@b>\nIn-Reply-To: <c@d>";
	char		*v;

	v = sendgrid_inbound_header(block, 18, "Message-ID");
	CHECK(v != NULL);
	CHECK_STR(v, "<a@b>");
	free(v);
	CHECK(sendgrid_inbound_header(block, 18, "In-Reply-To") == NULL);
	v = sendgrid_inbound_header(block, 14, "Message-ID");
	CHECK_STR(v, "<a");
	free(v);
}

static void
test_header_value_ends_at_a_nul(void)
{
	const char	 block[] = "Message-ID: <a@b> \t\0 x\n";
	char		*v;

	v = sendgrid_inbound_header(block, sizeof block - 1, "Message-ID");
	CHECK(v != NULL);
	CHECK_STR(v, "<a@b>");
	free(v);
}

static void
test_attachment_info_gives_count_and_names(void)
{
	const char	*json = "{\"attachment1\": {\"filename\": \"a.pdf\", "
			    "\"name\": \"x\", \"type\": \"application/pdf\"}, "
			    "\"attachment2\": {\"name\": \"photo.jpg\", "
			    "\"type\": \"image/jpeg\"}, "
			    "\"attachment3\": {\"type\": \"text/plain\"}}";
	char		*names;
	int		 n = -1;

	names = sendgrid_inbound_attachment_names(json, strlen(json), &n);
	CHECK_INT(n, 3);
	CHECK_STR(names, "a.pdf,photo.jpg");
	free(names);
}

static void
test_commas_in_attachment_names_are_replaced(void)
{
	const char	*json = "{\"a\": {\"filename\": \"x,y\\n.txt\"}}";
	char		*names;
	int		 n;

	names = sendgrid_inbound_attachment_names(json, strlen(json), &n);
	CHECK_INT(n, 1);
	CHECK_STR(names, "x_y_.txt");
	free(names);
}

static void
test_malformed_attachment_info_gives_nothing(void)
{
	int	n = -1;

	CHECK(sendgrid_inbound_attachment_names("[]", 2, &n) == NULL);
	CHECK_INT(n, 0);
	CHECK(sendgrid_inbound_attachment_names("{", 1, &n) == NULL);
	CHECK(sendgrid_inbound_attachment_names("{}", 2, &n) == NULL);
	CHECK(sendgrid_inbound_attachment_names("{\"a\": 1}", 8, &n) == NULL);
	CHECK_INT(n, 0);
	CHECK(sendgrid_inbound_attachment_names(NULL, 0, &n) == NULL);
}

static void
test_latin1_text_becomes_utf8(void)
{
	const char	*cs = "{\"text\": \"iso-8859-1\", \"subject\": "
			    "\"UTF-8\"}";
	size_t		 n;
	char		*t;

	t = sendgrid_inbound_utf8(cs, strlen(cs), "text", "caf\xe9 \xa3" "5",
	    7, &n);
	CHECK(t != NULL);
	CHECK_STR(t, "caf\xc3\xa9 \xc2\xa3" "5");
	CHECK_INT(n, 9);
	free(t);
}

static void
test_windows_1252_quotes_become_utf8(void)
{
	const char	*cs = "{\"text\": \"Windows-1252\"}";
	size_t		 n;
	char		*t;

	t = sendgrid_inbound_utf8(cs, strlen(cs), "text", "I\x92m \x80", 5,
	    &n);
	CHECK_STR(t, "I\xe2\x80\x99m \xe2\x82\xac");
	free(t);
}

static void
test_utf8_and_unknown_charsets_are_kept(void)
{
	const char	*cs = "{\"text\": \"UTF-8\", \"html\": \"koi8-r\"}";
	size_t		 n = 99;

	CHECK(sendgrid_inbound_utf8(cs, strlen(cs), "text", "x", 1, &n) ==
	    NULL);
	CHECK(sendgrid_inbound_utf8(cs, strlen(cs), "html", "x", 1, &n) ==
	    NULL);
	CHECK(sendgrid_inbound_utf8(cs, strlen(cs), "subject", "x", 1, &n) ==
	    NULL);
	CHECK(sendgrid_inbound_utf8(NULL, 0, "text", "x", 1, &n) == NULL);
	CHECK(sendgrid_inbound_utf8("{", 1, "text", "x", 1, &n) == NULL);
	CHECK_INT(n, 99);
}


static void
test_sendgrid_envelope_from_is_what_spf_checked(void)
{
	const char	 env[] = "{\"to\":[\"inbound@replyd.test\"],"
			    "\"from\":\"bounce@example.gov.uk\"}";
	char		*from = sendgrid_inbound_envelope_from(env,
			    sizeof env - 1);

	CHECK(from != NULL);
	CHECK_STR(from, "bounce@example.gov.uk");
	free(from);
	CHECK(sendgrid_inbound_envelope_from("{\"to\":[]}", 9) == NULL);
	CHECK(sendgrid_inbound_envelope_from("not json", 8) == NULL);
}

static const struct check_test tests[] = {
	TEST(test_basic_credentials_are_accepted),
	TEST(test_basic_scheme_is_case_insensitive),
	TEST(test_wrong_user_or_password_is_refused),
	TEST(test_missing_or_other_scheme_is_refused),
	TEST(test_malformed_base64_is_refused),
	TEST(test_colon_in_password_is_part_of_the_password),
	TEST(test_nul_in_credentials_does_not_cut_them_short),
	TEST(test_header_is_found_by_any_case_of_its_name),
	TEST(test_folded_header_is_unfolded_and_trimmed),
	TEST(test_first_of_a_repeated_header_wins),
	TEST(test_absent_header_is_null),
	TEST(test_blank_line_ends_the_header_block),
	TEST(test_space_before_the_colon_is_allowed),
	TEST(test_lf_line_ends_and_last_line_without_one),
	TEST(test_header_length_not_nul_bounds_the_block),
	TEST(test_header_value_ends_at_a_nul),
	TEST(test_attachment_info_gives_count_and_names),
	TEST(test_commas_in_attachment_names_are_replaced),
	TEST(test_malformed_attachment_info_gives_nothing),
	TEST(test_latin1_text_becomes_utf8),
	TEST(test_windows_1252_quotes_become_utf8),
	TEST(test_utf8_and_unknown_charsets_are_kept),
	TEST(test_sendgrid_envelope_from_is_what_spf_checked),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("sendgrid", tests, argc, argv);
}
