/*
 * test-netaddr.c: trusted proxies and the client's address
 * (base/netaddr.h): X-Forwarded-For counts only behind a proxy that
 * auth.trusted_proxies names.
 */
#include "check.h"
#include "base/netaddr.h"

static struct netaddr	trusted[2];

/* 127.0.0.1 and 10.0.0.0/8 are trusted. */
static void
setup(void)
{
	CHECK(netaddr_parse("127.0.0.1", 1, &trusted[0]) == 0);
	CHECK(netaddr_parse("10.0.0.0/8", 1, &trusted[1]) == 0);
}

static void
test_addresses_and_ranges_parse(void)
{
	struct netaddr	a;

	CHECK(netaddr_parse("192.0.2.1", 0, &a) == 0 && a.family == 4 &&
	    a.prefix == 32);
	CHECK(netaddr_parse("2001:db8::/32", 1, &a) == 0 && a.family == 6 &&
	    a.prefix == 32);
	CHECK(netaddr_parse("::ffff:192.0.2.1", 0, &a) == 0 &&
	    a.family == 4);
	CHECK(netaddr_parse("10.0.0.0/8", 0, &a) == -1);
	CHECK(netaddr_parse("10.0.0.0/33", 1, &a) == -1);
	CHECK(netaddr_parse("10.0.0.0/", 1, &a) == -1);
	CHECK(netaddr_parse("example.org", 1, &a) == -1);
	CHECK(netaddr_parse("", 1, &a) == -1);
}

static void
test_a_range_contains_its_addresses_only(void)
{
	setup();
	CHECK(netaddr_in_any("10.1.2.3", trusted, 2));
	CHECK(netaddr_in_any("127.0.0.1", trusted, 2));
	CHECK(netaddr_in_any("::ffff:10.9.9.9", trusted, 2));
	CHECK(!netaddr_in_any("11.0.0.1", trusted, 2));
	CHECK(!netaddr_in_any("127.0.0.2", trusted, 2));
	CHECK(!netaddr_in_any("::1", trusted, 2));
}

static void
test_forwarded_for_is_ignored_from_an_untrusted_peer(void)
{
	char	out[NETADDR_STRLEN];

	setup();
	CHECK_STR(netaddr_client("198.51.100.7", "203.0.113.9", trusted, 2,
	    out, sizeof out), "198.51.100.7");
	CHECK_STR(netaddr_client("198.51.100.7", "203.0.113.9", NULL, 0,
	    out, sizeof out), "198.51.100.7");
}

static void
test_forwarded_for_names_the_client_behind_a_trusted_proxy(void)
{
	char	out[NETADDR_STRLEN];

	setup();
	CHECK_STR(netaddr_client("127.0.0.1", "203.0.113.9", trusted, 2, out,
	    sizeof out), "203.0.113.9");
	/* Right to left: the first hop no trusted proxy added. */
	CHECK_STR(netaddr_client("127.0.0.1", "1.1.1.1, 203.0.113.9, "
	    "10.0.0.5", trusted, 2, out, sizeof out), "203.0.113.9");
}

static void
test_a_forged_forwarded_for_cannot_hide_behind_garbage(void)
{
	char	out[NETADDR_STRLEN];

	setup();
	CHECK_STR(netaddr_client("127.0.0.1", "203.0.113.9, not-an-address",
	    trusted, 2, out, sizeof out), "127.0.0.1");
	CHECK_STR(netaddr_client("127.0.0.1", "", trusted, 2, out,
	    sizeof out), "127.0.0.1");
}

int
main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(test_addresses_and_ranges_parse),
		TEST(test_a_range_contains_its_addresses_only),
		TEST(test_forwarded_for_is_ignored_from_an_untrusted_peer),
		TEST(test_forwarded_for_names_the_client_behind_a_trusted_proxy),
		TEST(test_a_forged_forwarded_for_cannot_hide_behind_garbage),
		{ NULL, NULL }
	};

	return check_run("netaddr", tests, argc, argv);
}
