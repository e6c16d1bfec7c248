/* test-abi.c: the plugin ABI grows at its ends without breaking plugins. */
#include <stddef.h>
#include <string.h>

#include "check.h"
#include "replyd-plugin.h"

static void
dummy_smtp(void)
{
}

static void
test_api_has_is_true_for_calls_inside_the_hosts_table(void)
{
	struct replyd_host_api	api;

	memset(&api, 0, sizeof api);
	api.size = sizeof api;
	*(void **)&api.smtp = (void *)dummy_smtp;
	CHECK(REPLYD_API_HAS(&api, smtp));
}

static void
test_api_has_is_false_past_the_end_of_an_older_hosts_table(void)
{
	struct replyd_host_api	api;

	memset(&api, 0, sizeof api);
	*(void **)&api.smtp = (void *)dummy_smtp;
	/* An older host whose table ended before smtp. */
	api.size = (uint32_t)offsetof(struct replyd_host_api, smtp);
	CHECK(!REPLYD_API_HAS(&api, smtp));
}

static void
test_api_has_is_false_for_a_call_the_host_left_empty(void)
{
	struct replyd_host_api	api;

	memset(&api, 0, sizeof api);
	api.size = sizeof api;
	CHECK(!REPLYD_API_HAS(&api, smtp));
}

static void
test_a_send_field_past_an_older_hosts_struct_is_absent(void)
{
	struct replyd_send	msg;

	memset(&msg, 0, sizeof msg);
	msg.size = sizeof msg;
	CHECK(REPLYD_HAS(&msg, replyd_send, tag));
	/* A host built before tag and from were added. */
	msg.size = (uint32_t)offsetof(struct replyd_send, from);
	CHECK(!REPLYD_HAS(&msg, replyd_send, tag));
	CHECK(REPLYD_HAS(&msg, replyd_send, link));
}

static const struct check_test tests[] = {
	TEST(test_a_send_field_past_an_older_hosts_struct_is_absent),
	TEST(test_api_has_is_true_for_calls_inside_the_hosts_table),
	TEST(test_api_has_is_false_past_the_end_of_an_older_hosts_table),
	TEST(test_api_has_is_false_for_a_call_the_host_left_empty),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("abi", tests, argc, argv);
}
