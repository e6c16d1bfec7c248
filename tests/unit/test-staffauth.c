/*
 * test-staffauth.c: a staff email counts as a response only when the
 * provider authenticated the From domain (rules/staffauth.h, SPEC section 5,
 * issue 11 item 1).
 */
#include "check.h"
#include "rules/staffauth.h"

#define FROM	"alice@example.gov.uk"

static void
test_spf_pass_for_the_from_domain_verifies(void)
{
	CHECK(staffauth_verified(FROM, "pass", "example.gov.uk", NULL));
	CHECK(staffauth_verified(FROM, "pass", "Example.GOV.uk", NULL));
}

static void
test_spf_pass_for_a_subdomain_of_the_from_domain_verifies(void)
{
	CHECK(staffauth_verified(FROM, "pass", "bounce.example.gov.uk", NULL));
}

static void
test_spf_pass_for_another_domain_does_not_verify(void)
{
	CHECK(!staffauth_verified(FROM, "pass", "forger.example", NULL));
	CHECK(!staffauth_verified(FROM, "pass", "badexample.gov.uk", NULL));
	CHECK(!staffauth_verified(FROM, "pass", "gov.uk", NULL));
	CHECK(!staffauth_verified(FROM, "pass", NULL, NULL));
}

static void
test_spf_other_than_pass_does_not_verify(void)
{
	CHECK(!staffauth_verified(FROM, "fail", "example.gov.uk", NULL));
	CHECK(!staffauth_verified(FROM, "softfail", "example.gov.uk", NULL));
	CHECK(!staffauth_verified(FROM, "neutral", "example.gov.uk", NULL));
	CHECK(!staffauth_verified(FROM, NULL, "example.gov.uk", NULL));
}

static void
test_dkim_pass_for_the_from_domain_verifies(void)
{
	CHECK(staffauth_verified(FROM, "fail", NULL, "example.gov.uk"));
	CHECK(staffauth_verified(FROM, NULL, NULL,
	    "sendgrid.net, mail.example.gov.uk"));
}

static void
test_dkim_pass_for_another_domain_does_not_verify(void)
{
	CHECK(!staffauth_verified(FROM, "fail", NULL, "forger.example"));
	CHECK(!staffauth_verified(FROM, NULL, NULL, "sendgrid.net,gov.uk"));
	CHECK(!staffauth_verified(FROM, NULL, NULL, ""));
}

static void
test_nothing_reported_does_not_verify(void)
{
	CHECK(!staffauth_verified(FROM, NULL, NULL, NULL));
	CHECK(!staffauth_verified("no-domain", "pass", "no-domain", NULL));
	CHECK(!staffauth_verified(NULL, "pass", "example.gov.uk", NULL));
}

static const struct check_test tests[] = {
	TEST(test_spf_pass_for_the_from_domain_verifies),
	TEST(test_spf_pass_for_a_subdomain_of_the_from_domain_verifies),
	TEST(test_spf_pass_for_another_domain_does_not_verify),
	TEST(test_spf_other_than_pass_does_not_verify),
	TEST(test_dkim_pass_for_the_from_domain_verifies),
	TEST(test_dkim_pass_for_another_domain_does_not_verify),
	TEST(test_nothing_reported_does_not_verify),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("staffauth", tests, argc, argv);
}
