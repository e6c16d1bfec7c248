/* test-notify.c: GOV.UK Notify callbacks, the rules of notify-inbound.h. */
#include <string.h>

#include "check.h"
#include "http-auth.h"
#include "notify-inbound.h"

#define TOKEN	"notify-callback-token-0123456789"
#define GOOD	"{\"id\": \"3d1ce039-5476-414c-99b2-fac1e6add62c\", "	\
		"\"source_number\": \"447700900123\", "			\
		"\"destination_number\": \"07700900000\", "		\
		"\"message\": \"Hello, can you call me?\", "		\
		"\"date_received\": \"2026-03-11 10:30:00.000000\"}"

/* Parse a string and expect the named field to be refused. */
static void
refused(const char *body, const char *want_field)
{
	struct notify_inbound	 in;
	const char		*field = NULL;
	char			 err[160] = "";

	CHECK_INT(notify_inbound_parse(body, strlen(body), &in, &field, err,
	    sizeof err), -1);
	CHECK_STR(field, want_field);
	CHECK(strstr(err, want_field) != NULL);
	CHECK(in.id == NULL && in.json == NULL);
}

static void
test_bearer_token_is_accepted(void)
{
	CHECK_INT(http_auth_bearer("Bearer " TOKEN, TOKEN), 0);
}

static void
test_bearer_scheme_is_case_insensitive_and_spaces_are_allowed(void)
{
	CHECK_INT(http_auth_bearer("bearer " TOKEN, TOKEN), 0);
	CHECK_INT(http_auth_bearer("  BEARER \t " TOKEN "  ", TOKEN), 0);
}

static void
test_wrong_or_missing_token_is_refused(void)
{
	CHECK_INT(http_auth_bearer("Bearer wrong", TOKEN), -1);
	CHECK_INT(http_auth_bearer("Bearer " TOKEN "x", TOKEN), -1);
	CHECK_INT(http_auth_bearer("Bearer notify-callback-token", TOKEN), -1);
	CHECK_INT(http_auth_bearer("Bearer ", TOKEN), -1);
	CHECK_INT(http_auth_bearer("Bearer", TOKEN), -1);
	CHECK_INT(http_auth_bearer("", TOKEN), -1);
	CHECK_INT(http_auth_bearer(NULL, TOKEN), -1);
}

static void
test_other_schemes_are_refused(void)
{
	CHECK_INT(http_auth_bearer(TOKEN, TOKEN), -1);
	CHECK_INT(http_auth_bearer("Basic " TOKEN, TOKEN), -1);
	CHECK_INT(http_auth_bearer("Bearer" TOKEN, TOKEN), -1);
}

static void
test_empty_configured_token_accepts_nothing(void)
{
	CHECK_INT(http_auth_bearer("Bearer ", ""), -1);
	CHECK_INT(http_auth_bearer("Bearer x", ""), -1);
	CHECK_INT(http_auth_bearer("Bearer x", NULL), -1);
}

static void
test_callback_fields_are_read(void)
{
	struct notify_inbound	 in;
	const char		*field = NULL;
	char			 err[160];

	CHECK_INT(notify_inbound_parse(GOOD, strlen(GOOD), &in, &field, err,
	    sizeof err), 0);
	CHECK_STR(in.id, "3d1ce039-5476-414c-99b2-fac1e6add62c");
	CHECK_STR(in.source_number, "447700900123");
	CHECK_STR(in.destination_number, "07700900000");
	CHECK_STR(in.message, "Hello, can you call me?");
	CHECK_INT(in.message_len, strlen("Hello, can you call me?"));
	CHECK_STR(in.date_received, "2026-03-11 10:30:00.000000");
	notify_inbound_free(&in);
	CHECK(in.json == NULL);
}

static void
test_length_not_nul_bounds_the_body(void)
{
	struct notify_inbound	 in;
	const char		*field = NULL;
	char			 err[160], body[] = GOOD "trailing";

	CHECK_INT(notify_inbound_parse(body, strlen(GOOD), &in, &field, err,
	    sizeof err), 0);
	notify_inbound_free(&in);
	CHECK_INT(notify_inbound_parse(body, strlen(GOOD) - 1, &in, &field,
	    err, sizeof err), -1);
	CHECK_STR(field, "body");
}

static void
test_anything_after_the_object_is_refused(void)
{
	refused(GOOD "x", "body");
	refused(GOOD "{}", "body");
}

static void
test_spaces_after_the_object_are_allowed(void)
{
	struct notify_inbound	 in;
	const char		*field = NULL;
	char			 err[160];

	CHECK_INT(notify_inbound_parse(GOOD " \r\n", strlen(GOOD) + 3, &in,
	    &field, err, sizeof err), 0);
	notify_inbound_free(&in);
}

static void
test_optional_fields_may_be_absent_or_null(void)
{
	struct notify_inbound	 in;
	const char		*field = NULL;
	const char		*body = "{\"id\": \"x\", \"source_number\": "
				    "\"+44 7700 900123\", \"message\": \"\", "
				    "\"destination_number\": null}";
	char			 err[160];

	CHECK_INT(notify_inbound_parse(body, strlen(body), &in, &field, err,
	    sizeof err), 0);
	CHECK(in.destination_number == NULL && in.date_received == NULL);
	CHECK_STR(in.message, "");
	CHECK_INT(in.message_len, 0);
	notify_inbound_free(&in);
}

static void
test_unicode_escapes_become_utf8(void)
{
	struct notify_inbound	 in;
	const char		*field = NULL;
	const char		*body = "{\"id\": \"x\", \"source_number\": "
				    "\"447700900123\", \"message\": "
				    "\"I\\u2019m ok \\ud83d\\ude00\"}";
	char			 err[160];

	CHECK_INT(notify_inbound_parse(body, strlen(body), &in, &field, err,
	    sizeof err), 0);
	CHECK_STR(in.message, "I\xe2\x80\x99m ok \xf0\x9f\x98\x80");
	notify_inbound_free(&in);
}

static void
test_body_that_is_not_a_json_object_names_the_body(void)
{
	refused("", "body");
	refused("not json", "body");
	refused("[1, 2]", "body");
	refused("\"id\"", "body");
	refused("{\"id\": \"x\"", "body");
}

static void
test_missing_or_empty_id_names_id(void)
{
	refused("{\"source_number\": \"447700900123\", \"message\": \"m\"}",
	    "id");
	refused("{\"id\": \"\", \"source_number\": \"447700900123\", "
	    "\"message\": \"m\"}", "id");
	refused("{\"id\": 42, \"source_number\": \"447700900123\", "
	    "\"message\": \"m\"}", "id");
	refused("{\"id\": null, \"source_number\": \"447700900123\", "
	    "\"message\": \"m\"}", "id");
}

static void
test_missing_or_bad_source_number_names_source_number(void)
{
	refused("{\"id\": \"x\", \"message\": \"m\"}", "source_number");
	refused("{\"id\": \"x\", \"source_number\": 447700900123, "
	    "\"message\": \"m\"}", "source_number");
	refused("{\"id\": \"x\", \"source_number\": \"\", \"message\": \"m\"}",
	    "source_number");
	refused("{\"id\": \"x\", \"source_number\": \"ACME\", "
	    "\"message\": \"m\"}", "source_number");
	refused("{\"id\": \"x\", \"source_number\": \"123456\", "
	    "\"message\": \"m\"}", "source_number");
	refused("{\"id\": \"x\", \"source_number\": \"1234567890123456\", "
	    "\"message\": \"m\"}", "source_number");
	refused("{\"id\": \"x\", \"source_number\": \"44+7700900123\", "
	    "\"message\": \"m\"}", "source_number");
}

static void
test_missing_message_names_message(void)
{
	refused("{\"id\": \"x\", \"source_number\": \"447700900123\"}",
	    "message");
	refused("{\"id\": \"x\", \"source_number\": \"447700900123\", "
	    "\"message\": [\"m\"]}", "message");
}

static void
test_optional_field_of_the_wrong_type_is_named(void)
{
	refused("{\"id\": \"x\", \"source_number\": \"447700900123\", "
	    "\"message\": \"m\", \"destination_number\": 7700}",
	    "destination_number");
	refused("{\"id\": \"x\", \"source_number\": \"447700900123\", "
	    "\"message\": \"m\", \"date_received\": {}}", "date_received");
}


static void
test_notify_nul_escape_hides_nothing(void)
{
	const char		 body[] = "{\"id\": \"3d1ce039\\u0000x\", "
				    "\"source_number\": \"447700900123\", "
				    "\"message\": \"nul\\u0000inside unsafe\"}";
	struct notify_inbound	 in;
	const char		*field = NULL;
	char			 err[160];

	CHECK_INT(notify_inbound_parse(body, sizeof body - 1, &in, &field, err,
	    sizeof err), 0);
	CHECK_STR(in.message, "nul\xef\xbf\xbdinside unsafe");
	CHECK_INT(in.message_len, strlen("nul\xef\xbf\xbdinside unsafe"));
	CHECK_STR(in.id, "3d1ce039\xef\xbf\xbdx");
	notify_inbound_free(&in);
}

static void
test_notify_lone_surrogate_is_not_a_refusal(void)
{
	const char		 body[] = "{\"id\": \"a1\", \"source_number\": "
				    "\"447700900123\", \"message\": \"x\\ud83dy\"}";
	struct notify_inbound	 in;
	const char		*field = NULL;
	char			 err[160];

	CHECK_INT(notify_inbound_parse(body, sizeof body - 1, &in, &field, err,
	    sizeof err), 0);
	CHECK_STR(in.message, "x\xef\xbf\xbdy");
	notify_inbound_free(&in);
}

static const struct check_test tests[] = {
	TEST(test_bearer_token_is_accepted),
	TEST(test_bearer_scheme_is_case_insensitive_and_spaces_are_allowed),
	TEST(test_wrong_or_missing_token_is_refused),
	TEST(test_other_schemes_are_refused),
	TEST(test_empty_configured_token_accepts_nothing),
	TEST(test_callback_fields_are_read),
	TEST(test_length_not_nul_bounds_the_body),
	TEST(test_anything_after_the_object_is_refused),
	TEST(test_spaces_after_the_object_are_allowed),
	TEST(test_optional_fields_may_be_absent_or_null),
	TEST(test_unicode_escapes_become_utf8),
	TEST(test_body_that_is_not_a_json_object_names_the_body),
	TEST(test_missing_or_empty_id_names_id),
	TEST(test_missing_or_bad_source_number_names_source_number),
	TEST(test_missing_message_names_message),
	TEST(test_optional_field_of_the_wrong_type_is_named),
	TEST(test_notify_nul_escape_hides_nothing),
	TEST(test_notify_lone_surrogate_is_not_a_refusal),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("notify", tests, argc, argv);
}
