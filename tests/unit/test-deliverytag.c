/* test-deliverytag.c: the tag a send carries to its delivery receipts. */
#include <string.h>

#include "check.h"
#include "rules/deliverytag.h"

static void
test_an_alerts_tag_names_conversation_purpose_kind_and_person(void)
{
	struct deliverytag	t, back;
	char			buf[DELIVERYTAG_SIZE];

	memset(&t, 0, sizeof t);
	strcpy(t.conv, "3-17");
	strcpy(t.purpose, "alert");
	strcpy(t.kind, "1");
	strcpy(t.person, "alice");
	CHECK_INT(deliverytag_make(&t, buf, sizeof buf), 0);
	CHECK_STR(buf, "c=3-17&u=alert&k=1&p=alice");
	CHECK_INT(deliverytag_parse(buf, strlen(buf), &back), 0);
	CHECK_STR(back.conv, "3-17");
	CHECK_STR(back.purpose, "alert");
	CHECK_STR(back.kind, "1");
	CHECK_STR(back.person, "alice");
	CHECK_INT(back.failover, 0);
}

static void
test_a_person_id_is_percent_encoded_and_comes_back_whole(void)
{
	struct deliverytag	t, back;
	char			buf[DELIVERYTAG_SIZE];

	memset(&t, 0, sizeof t);
	strcpy(t.conv, "12-9");
	strcpy(t.purpose, "alert");
	strcpy(t.kind, "u3");
	strcpy(t.person, "o'neil&co=1 z\xc3\xab");
	t.failover = 1;
	CHECK_INT(deliverytag_make(&t, buf, sizeof buf), 0);
	CHECK(strchr(buf, '\'') == NULL);
	CHECK_INT(deliverytag_parse(buf, strlen(buf), &back), 0);
	CHECK_STR(back.person, "o'neil&co=1 z\xc3\xab");
	CHECK_STR(back.kind, "u3");
	CHECK_INT(back.failover, 1);
}

static void
test_unknown_keys_are_ignored(void)
{
	struct deliverytag	back;
	const char		*s = "c=1-2&u=reply&later=x";

	CHECK_INT(deliverytag_parse(s, strlen(s), &back), 0);
	CHECK_STR(back.conv, "1-2");
	CHECK_STR(back.purpose, "reply");
}

static void
test_a_tag_replyd_could_not_have_made_is_refused(void)
{
	static const char *const bad[] = { "c=x-1", "c=1-2&u=spam",
	    "c=1-2&k=step", "c=1-2%", "c=1-2%4", "p=a%00b", "c=1-2&p=a%01b",
	    "=1", "c" };
	struct deliverytag	back;
	size_t			i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(deliverytag_parse(bad[i], strlen(bad[i]), &back), -1);
		CHECK_STR(back.conv, "");
	}
}

static void
test_a_tag_that_does_not_fit_is_not_made(void)
{
	struct deliverytag	t;
	char			buf[16];

	memset(&t, 0, sizeof t);
	strcpy(t.conv, "3-17");
	strcpy(t.purpose, "alert");
	strcpy(t.person, "someone-with-a-long-id");
	CHECK_INT(deliverytag_make(&t, buf, sizeof buf), -1);
	CHECK_STR(buf, "");
}

static const struct check_test tests[] = {
	TEST(test_an_alerts_tag_names_conversation_purpose_kind_and_person),
	TEST(test_a_person_id_is_percent_encoded_and_comes_back_whole),
	TEST(test_unknown_keys_are_ignored),
	TEST(test_a_tag_replyd_could_not_have_made_is_refused),
	TEST(test_a_tag_that_does_not_fit_is_not_made),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("deliverytag", tests, argc, argv);
}
