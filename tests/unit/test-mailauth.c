/*
 * test-mailauth.c: reading the providers' sender-authentication fields
 * (plugins/shared/mail-auth.h), in the forms the providers send them.
 */
#include <string.h>

#include "check.h"
#include "mail-auth.h"

static void
test_postmark_received_spf_pass_gives_the_envelope_domain(void)
{
	struct mail_auth a;

	memset(&a, 0, sizeof a);
	mail_auth_received_spf(&a, "Pass (sender SPF authorized) "
	    "identity=mailfrom; client-ip=17.172.204.238; helo=mx.example; "
	    "envelope-from=Alice@Example.gov.uk; "
	    "receiver=0488857a2c@inbound.postmarkapp.com");
	CHECK_STR(a.spf, "pass");
	CHECK_STR(a.spf_domain, "example.gov.uk");
}

static void
test_postmark_received_spf_fail_and_softfail_are_read(void)
{
	struct mail_auth a;

	memset(&a, 0, sizeof a);
	mail_auth_received_spf(&a, "Fail (sender not authorized) "
	    "identity=mailfrom; client-ip=203.0.113.9; helo=x; "
	    "envelope-from=alice@example.gov.uk; receiver=r@p");
	CHECK_STR(a.spf, "fail");
	memset(&a, 0, sizeof a);
	mail_auth_received_spf(&a, "SoftFail (domain owner discourages use) "
	    "identity=mailfrom; envelope-from=\"alice@example.gov.uk\"");
	CHECK_STR(a.spf, "softfail");
	CHECK_STR(a.spf_domain, "example.gov.uk");
}

static void
test_received_spf_for_helo_gives_no_domain(void)
{
	struct mail_auth a;

	memset(&a, 0, sizeof a);
	mail_auth_received_spf(&a, "Pass (sender SPF authorized) "
	    "identity=helo; helo=example.gov.uk; envelope-from=a@example.gov.uk");
	CHECK_STR(a.spf, "pass");
	CHECK_STR(a.spf_domain, "");
	memset(&a, 0, sizeof a);
	mail_auth_received_spf(&a, "pass (google.com: domain of a@b.example "
	    "designates 1.2.3.4 as permitted sender) client-ip=1.2.3.4;");
	CHECK_STR(a.spf_domain, "");
}

static void
test_authentication_results_dkim_pass_gives_header_d(void)
{
	struct mail_auth a;

	memset(&a, 0, sizeof a);
	mail_auth_results(&a, "mx.example; dkim=pass (2048-bit key; "
	    "unprotected) header.d=Example.gov.uk header.s=s1 header.b=abc; "
	    "dkim=pass header.i=@sendgrid.info; dkim=fail header.d=bad.example;"
	    " spf=pass smtp.mailfrom=bounce@mail.example.gov.uk");
	CHECK_STR(a.dkim, "example.gov.uk,sendgrid.info");
	CHECK_STR(a.spf, "pass");
	CHECK_STR(a.spf_domain, "mail.example.gov.uk");
}

static void
test_authentication_results_quotes_and_comments_hide_nothing(void)
{
	struct mail_auth a;

	memset(&a, 0, sizeof a);
	/* A reason with ';' inside quotes and a comment holding "dkim=pass". */
	mail_auth_results(&a, "mx.example; dkim=fail reason=\"bad; dkim=pass "
	    "header.d=example.gov.uk\" header.d=forger.example (dkim=pass "
	    "header.d=example.gov.uk); none");
	CHECK_STR(a.dkim, "");
	memset(&a, 0, sizeof a);
	mail_auth_results(&a, "mx.example; dkim=pass header.d=\"example.gov.uk\"");
	CHECK_STR(a.dkim, "example.gov.uk");
}

static void
test_sendgrid_dkim_field_gives_the_passing_domains(void)
{
	struct mail_auth a;

	memset(&a, 0, sizeof a);
	mail_auth_sendgrid_dkim(&a, "{@example.gov.uk : pass}");
	CHECK_STR(a.dkim, "example.gov.uk");
	memset(&a, 0, sizeof a);
	mail_auth_sendgrid_dkim(&a, "{@forger.example : pass, @example.gov.uk "
	    ": fail}");
	CHECK_STR(a.dkim, "forger.example");
	memset(&a, 0, sizeof a);
	mail_auth_sendgrid_dkim(&a, "none");
	CHECK_STR(a.dkim, "");
	mail_auth_sendgrid_dkim(&a, "{@example.gov.uk : passed}");
	CHECK_STR(a.dkim, "");
}

static void
test_dkim_signature_d_tag_is_read(void)
{
	char	d[MAIL_AUTH_DOMAIN];

	CHECK_INT(mail_auth_dkim_signature_d("v=1; a=rsa-sha256; c=relaxed/"
	    "relaxed;\r\n d=Example.gov.uk ; s=20230601; h=from:to; bh=x=; b=y",
	    d, sizeof d), 0);
	CHECK_STR(d, "example.gov.uk");
	CHECK_INT(mail_auth_dkim_signature_d("v=1; s=x; bh=d=evil.example", d,
	    sizeof d), -1);
}

static void
test_a_domain_with_a_comma_or_space_is_no_domain(void)
{
	char	d[MAIL_AUTH_DOMAIN];

	CHECK_INT(mail_auth_domain("a@ex,ample.gov.uk", 17, d, sizeof d), -1);
	CHECK_INT(mail_auth_domain("a@ex ample.gov.uk", 17, d, sizeof d), -1);
	CHECK_INT(mail_auth_domain("a@localhost", 11, d, sizeof d), -1);
	CHECK_INT(mail_auth_domain("Alice <a@Example.gov.uk>", 24, d,
	    sizeof d), 0);
	CHECK_STR(d, "example.gov.uk");
}

static const struct check_test tests[] = {
	TEST(test_postmark_received_spf_pass_gives_the_envelope_domain),
	TEST(test_postmark_received_spf_fail_and_softfail_are_read),
	TEST(test_received_spf_for_helo_gives_no_domain),
	TEST(test_authentication_results_dkim_pass_gives_header_d),
	TEST(test_authentication_results_quotes_and_comments_hide_nothing),
	TEST(test_sendgrid_dkim_field_gives_the_passing_domains),
	TEST(test_dkim_signature_d_tag_is_read),
	TEST(test_a_domain_with_a_comma_or_space_is_no_domain),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("mailauth", tests, argc, argv);
}
