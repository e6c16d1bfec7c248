/*
 * test-mailgun.c: Mailgun webhook signature rules (mailgun-signature.h) and
 * reading message-headers (mailgun-inbound.h).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mail-auth.h"
#include "mailgun-inbound.h"
#include "mailgun-signature.h"

#define KEY	"tbsy84uSV1Kt3ZJZELY2TmShPRs91E3yL4tzf96297vBCkDWgL"
#define TS	"1539112500"
#define TOKEN	"7VwW7k6Ak7zcTwoSoNm7aTtbk1g67MKAnsYLfUB7PdszbgR5Xi"
#define SIG	"ef24c5225322217bb065b80bb54eb4f9" \
		"206d764e3e16abab07f0a64d1cf477cc"
#define SIG_UC	"EF24C5225322217BB065B80BB54EB4F9" \
		"206D764E3E16ABAB07F0A64D1CF477CC"

#define L(s)	s, sizeof s - 1

static void
test_signature_of_mailgun_vector(void)
{
	char	out[MAILGUN_SIGNATURE_SIZE];

	CHECK_INT(mailgun_signature_compute(KEY, L(TS), L(TOKEN), out,
	    sizeof out), 0);
	CHECK_STR(out, SIG);
}

static void
test_valid_signature_verifies(void)
{
	CHECK_INT(mailgun_signature_verify(KEY, L(TS), L(TOKEN), SIG), 0);
}

static void
test_upper_case_hex_verifies(void)
{
	char	mixed[] = SIG;

	CHECK_INT(mailgun_signature_verify(KEY, L(TS), L(TOKEN), SIG_UC), 0);
	mixed[0] = 'E';
	mixed[63] = 'C';
	CHECK_INT(mailgun_signature_verify(KEY, L(TS), L(TOKEN), mixed), 0);
}

static void
test_tampered_signature_is_refused(void)
{
	char	bad[] = SIG;

	bad[10] = bad[10] == '0' ? '1' : '0';
	CHECK_INT(mailgun_signature_verify(KEY, L(TS), L(TOKEN), bad), -1);
	/* No byte other than A-F folds onto a hex digit: 0x10 | 0x20 == '0'. */
	memcpy(bad, SIG, sizeof bad);
	bad[6] = '2' & ~0x20;
	CHECK_INT(mailgun_signature_verify(KEY, L(TS), L(TOKEN), bad), -1);
	CHECK_INT(mailgun_signature_verify(KEY, L(TS), L(TOKEN), SIG "0"), -1);
	CHECK_INT(mailgun_signature_verify(KEY, L(TS), L(TOKEN), ""), -1);
	CHECK_INT(mailgun_signature_verify(KEY, L(TS), L(TOKEN), NULL), -1);
}

static void
test_tampered_timestamp_or_token_is_refused(void)
{
	CHECK_INT(mailgun_signature_verify(KEY, L("1539112501"), L(TOKEN), SIG),
	    -1);
	CHECK_INT(mailgun_signature_verify(KEY, L(TS),
	    L("7VwW7k6Ak7zcTwoSoNm7aTtbk1g67MKAnsYLfUB7PdszbgR5Xj"), SIG), -1);
	/* Where timestamp ends and token starts is not signed. */
	CHECK_INT(mailgun_signature_verify(KEY, L("153911250"),
	    L("07VwW7k6Ak7zcTwoSoNm7aTtbk1g67MKAnsYLfUB7PdszbgR5Xi"), SIG), 0);
}

static void
test_lengths_not_nul_bound_the_fields(void)
{
	CHECK_INT(mailgun_signature_verify(KEY, TS "9", 10,
	    TOKEN "\0extra", sizeof TOKEN - 1, SIG), 0);
	CHECK_INT(mailgun_signature_verify(KEY, TS, 10,
	    TOKEN "\0extra", sizeof TOKEN + 5, SIG), -1);
}

static void
test_wrong_key_is_refused(void)
{
	CHECK_INT(mailgun_signature_verify(
	    "tbsy84uSV1Kt3ZJZELY2TmShPRs91E3yL4tzf96297vBCkDWgM", L(TS),
	    L(TOKEN), SIG), -1);
}

static void
test_empty_key_signs_nothing(void)
{
	char	out[MAILGUN_SIGNATURE_SIZE];

	CHECK_INT(mailgun_signature_compute("", L(TS), L(TOKEN), out,
	    sizeof out), -1);
	CHECK_INT(mailgun_signature_verify("", L(TS), L(TOKEN), SIG), -1);
	CHECK_INT(mailgun_signature_verify(NULL, L(TS), L(TOKEN), SIG), -1);
	CHECK_INT(mailgun_signature_compute(KEY, L(TS), L(TOKEN), out,
	    MAILGUN_SIGNATURE_SIZE - 1), -1);
}

static void
test_timestamp_within_the_window_is_fresh(void)
{
	CHECK_INT(mailgun_signature_fresh(L(TS), 1539112500,
	    MAILGUN_WINDOW_DEFAULT), 0);
	/* Mailgun retries for 8 hours: its last retry is still fresh. */
	CHECK_INT(mailgun_signature_fresh(L(TS), 1539112500 + 8 * 3600,
	    MAILGUN_WINDOW_DEFAULT), 0);
	CHECK_INT(mailgun_signature_fresh(L(TS), 1539112500 + 43200,
	    MAILGUN_WINDOW_DEFAULT), 0);
}

static void
test_timestamp_too_far_in_the_past_is_refused(void)
{
	CHECK_INT(mailgun_signature_fresh(L(TS), 1539112500 + 43201,
	    MAILGUN_WINDOW_DEFAULT), -1);
	CHECK_INT(mailgun_signature_fresh(L(TS), 1539112500 + 301, 300), -1);
	CHECK_INT(mailgun_signature_fresh(L("0"), 1539112500,
	    MAILGUN_WINDOW_DEFAULT), -1);
}

static void
test_timestamp_too_far_in_the_future_is_refused(void)
{
	CHECK_INT(mailgun_signature_fresh(L(TS), 1539112500 - 43201,
	    MAILGUN_WINDOW_DEFAULT), -1);
	CHECK_INT(mailgun_signature_fresh(L("999999999999999"), 1539112500,
	    MAILGUN_WINDOW_DEFAULT), -1);
}

/* Issue 11: ahead of our clock only by clock skew, whatever the window. */
static void
test_timestamp_ahead_only_by_clock_skew_is_fresh(void)
{
	CHECK_INT(mailgun_signature_fresh(L(TS), 1539112500 - 300,
	    MAILGUN_WINDOW_DEFAULT), 0);
	CHECK_INT(mailgun_signature_fresh(L(TS), 1539112500 - 301,
	    MAILGUN_WINDOW_DEFAULT), -1);
	/* One hour ahead was accepted before: no longer. */
	CHECK_INT(mailgun_signature_fresh(L(TS), 1539112500 - 3600,
	    MAILGUN_WINDOW_DEFAULT), -1);
	CHECK_INT(mailgun_signature_fresh(L(TS), 1539112500 - 3600,
	    1000000000L), -1);
	/* A window shorter than the skew bounds both sides. */
	CHECK_INT(mailgun_signature_fresh(L(TS), 1539112500 - 60, 30), -1);
	CHECK_INT(mailgun_signature_fresh(L(TS), 1539112500 - 30, 30), 0);
}

static void
test_non_numeric_timestamp_is_refused(void)
{
	const time_t	now = 1539112500;

	CHECK_INT(mailgun_signature_fresh(L(""), now, 43200), -1);
	CHECK_INT(mailgun_signature_fresh(L("1539112500.5"), now, 43200), -1);
	CHECK_INT(mailgun_signature_fresh(L("-1539112500"), now, 43200), -1);
	CHECK_INT(mailgun_signature_fresh(L("+1539112500"), now, 43200), -1);
	CHECK_INT(mailgun_signature_fresh(L(" 1539112500"), now, 43200), -1);
	CHECK_INT(mailgun_signature_fresh(L("1539112500 "), now, 43200), -1);
	CHECK_INT(mailgun_signature_fresh(L("0x5bbc8534"), now, 43200), -1);
	CHECK_INT(mailgun_signature_fresh(L("15391125OO"), now, 43200), -1);
	CHECK_INT(mailgun_signature_fresh("1539112500\0", 11, now, 43200), -1);
	CHECK_INT(mailgun_signature_fresh(NULL, 0, now, 43200), -1);
	CHECK_INT(mailgun_signature_fresh(L("15391125000000000000000"), now,
	    43200), -1);
}

#define HEADERS	"[[\"Received\", \"by mx\"], "				\
		"[\"Message-Id\", \"<abc@mail.example.org>\"], "		\
		"[\"In-Reply-To\", \"<reply@replyd.test>\"], "		\
		"[\"Message-Id\", \"<second@mail.example.org>\"]]"

/* Look up a header and compare it (want NULL: absent). */
static void
header_is(const char *json, const char *name, const char *want)
{
	char	*v = mailgun_inbound_header(json, strlen(json), name);

	if (want == NULL) {
		CHECK(v == NULL);
		return;
	}
	if (v == NULL)
		check_fail(__FILE__, __LINE__, "%s: absent", name);
	if (strcmp(v, want) != 0) {
		free(v);
		check_fail(__FILE__, __LINE__, "%s: wrong value", name);
	}
	free(v);
}

static void
test_message_headers_give_a_header_value(void)
{
	header_is(HEADERS, "In-Reply-To", "<reply@replyd.test>");
}

static void
test_message_header_names_are_case_insensitive(void)
{
	header_is(HEADERS, "message-id", "<abc@mail.example.org>");
	header_is(HEADERS, "MESSAGE-ID", "<abc@mail.example.org>");
}

static void
test_first_of_a_repeated_message_header_wins(void)
{
	header_is(HEADERS, "Message-Id", "<abc@mail.example.org>");
}

static void
test_absent_message_header_is_null(void)
{
	header_is(HEADERS, "References", NULL);
	header_is("[]", "Message-Id", NULL);
}

static void
test_malformed_message_headers_give_nothing(void)
{
	header_is("", "Message-Id", NULL);
	header_is("{\"Message-Id\": \"<x@y>\"}", "Message-Id", NULL);
	header_is("[[\"Message-Id\"", "Message-Id", NULL);
	header_is("[[\"Message-Id\", 1], [\"Message-Id\"], "
	    "[\"Message-Id\", \"<a@b>\", \"x\"], \"Message-Id\", "
	    "[\"Message-Id\", \"<ok@b>\"]]", "Message-Id", "<ok@b>");
	CHECK(mailgun_inbound_header(NULL, 0, "Message-Id") == NULL);
}

static void
test_message_headers_length_not_nul_bounds_the_json(void)
{
	const char	 json[] = "[[\"To\", \"a@b\"]]garbage";
	char		*v;

	v = mailgun_inbound_header(json, sizeof json - 1 - 7, "To");
	CHECK(v != NULL);
	CHECK_STR(v, "a@b");
	free(v);
	CHECK(mailgun_inbound_header(json, sizeof json - 1, "To") == NULL);
}

/* Mailgun's verdicts from message-headers (issue 11, item 1). */
static void
auth_of(const char *json, const char *sender, struct mail_auth *a)
{
	CHECK_INT(mailgun_inbound_auth_json(json, strlen(json), sender, a), 0);
}

static void
test_mailgun_spf_pass_is_reported_for_the_envelope_domain(void)
{
	struct mail_auth a;

	auth_of("[[\"X-Mailgun-Spf\", \"Pass\"], [\"X-Mailgun-Dkim-Check-"
	    "Result\", \"Fail\"], [\"From\", \"alice@example.gov.uk\"]]",
	    "bounce@Mail.Example.gov.uk", &a);
	CHECK_STR(a.spf, "pass");
	CHECK_STR(a.spf_domain, "mail.example.gov.uk");
	CHECK_STR(a.dkim, "");
}

static void
test_mailgun_spf_fail_is_reported_as_fail(void)
{
	struct mail_auth a;

	auth_of("[[\"X-Mailgun-Spf\", \"Fail\"]]", "alice@example.gov.uk",
	    &a);
	CHECK_STR(a.spf, "fail");
	auth_of("[[\"X-Mailgun-Spf\", \"SoftFail\"]]", "a@example.gov.uk",
	    &a);
	CHECK_STR(a.spf, "softfail");
}

static void
test_mailgun_dkim_pass_counts_for_the_signing_domain(void)
{
	struct mail_auth a;

	auth_of("[[\"X-Mailgun-Dkim-Check-Result\", \"Pass\"], "
	    "[\"DKIM-Signature\", \"v=1; a=rsa-sha256; c=relaxed/relaxed; "
	    "d=Example.gov.uk; s=s1; h=from:to; bh=x; b=y\"]]", NULL, &a);
	CHECK_STR(a.dkim, "example.gov.uk");
	CHECK_STR(a.spf, "");
}

static void
test_mailgun_dkim_fail_reports_no_domain(void)
{
	struct mail_auth a;

	auth_of("[[\"X-Mailgun-Dkim-Check-Result\", \"Fail\"], "
	    "[\"DKIM-Signature\", \"v=1; d=example.gov.uk; s=s1\"]]", NULL, &a);
	CHECK_STR(a.dkim, "");
}

static void
test_mailgun_dkim_pass_with_signatures_of_two_domains_reports_none(void)
{
	struct mail_auth a;

	/* Which one passed?  A forger's own domain may be the one. */
	auth_of("[[\"X-Mailgun-Dkim-Check-Result\", \"Pass\"], "
	    "[\"DKIM-Signature\", \"v=1; d=example.gov.uk; s=s1\"], "
	    "[\"DKIM-Signature\", \"v=1; d=forger.example; s=s1\"]]", NULL,
	    &a);
	CHECK_STR(a.dkim, "");
	auth_of("[[\"X-Mailgun-Dkim-Check-Result\", \"Pass\"]]", NULL, &a);
	CHECK_STR(a.dkim, "");
}

static void
test_mailgun_repeated_verdict_header_is_no_verdict(void)
{
	struct mail_auth a;

	/* The message brought its own "X-Mailgun-Spf: Pass". */
	auth_of("[[\"X-Mailgun-Spf\", \"Fail\"], [\"X-Mailgun-Spf\", "
	    "\"Pass\"], [\"X-Mailgun-Dkim-Check-Result\", \"Fail\"], "
	    "[\"X-Mailgun-Dkim-Check-Result\", \"Pass\"], "
	    "[\"DKIM-Signature\", \"d=example.gov.uk\"]]",
	    "alice@example.gov.uk", &a);
	CHECK_STR(a.spf, "");
	CHECK_STR(a.dkim, "");
}

static const struct check_test tests[] = {
	TEST(test_signature_of_mailgun_vector),
	TEST(test_valid_signature_verifies),
	TEST(test_upper_case_hex_verifies),
	TEST(test_tampered_signature_is_refused),
	TEST(test_tampered_timestamp_or_token_is_refused),
	TEST(test_lengths_not_nul_bound_the_fields),
	TEST(test_wrong_key_is_refused),
	TEST(test_empty_key_signs_nothing),
	TEST(test_timestamp_within_the_window_is_fresh),
	TEST(test_timestamp_too_far_in_the_past_is_refused),
	TEST(test_timestamp_too_far_in_the_future_is_refused),
	TEST(test_timestamp_ahead_only_by_clock_skew_is_fresh),
	TEST(test_mailgun_spf_pass_is_reported_for_the_envelope_domain),
	TEST(test_mailgun_spf_fail_is_reported_as_fail),
	TEST(test_mailgun_dkim_pass_counts_for_the_signing_domain),
	TEST(test_mailgun_dkim_fail_reports_no_domain),
	TEST(test_mailgun_dkim_pass_with_signatures_of_two_domains_reports_none),
	TEST(test_mailgun_repeated_verdict_header_is_no_verdict),
	TEST(test_non_numeric_timestamp_is_refused),
	TEST(test_message_headers_give_a_header_value),
	TEST(test_message_header_names_are_case_insensitive),
	TEST(test_first_of_a_repeated_message_header_wins),
	TEST(test_absent_message_header_is_null),
	TEST(test_malformed_message_headers_give_nothing),
	TEST(test_message_headers_length_not_nul_bounds_the_json),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("mailgun", tests, argc, argv);
}
