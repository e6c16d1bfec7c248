/*
 * test-notifysend.c: GOV.UK Notify outbound (notify-send.h): the API key's
 * halves, the JWT and the request body.  The Makefile links the pure files
 * of plugins/notify/ only into test-notify, so this file compiles the
 * module it tests itself.
 */
#include "../../plugins/notify/notify-receipt.c"
#include "../../plugins/notify/notify-send.c"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"

#define SERVICE	"26785a09-ab16-4eb0-8407-a37497a57506"
#define SECRET	"3d844edf-8d35-48ac-975b-e847b4f122b0"
#define KEY	"test_key-" SERVICE "-" SECRET

/* Computed independently (Python's hmac and base64) for iat 1700000000. */
#define JWT	"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." \
		"eyJpc3MiOiIyNjc4NWEwOS1hYjE2LTRlYjAtODQwNy1hMzc0OTdhNTc1MDYi" \
		"LCJpYXQiOjE3MDAwMDAwMDB9." \
		"q1v0ZBAPOtT5-Ng39fZDm8ojJu-wrEQD-OrsVHHKnIM"

static void
test_key_splits_into_service_id_and_secret(void)
{
	struct notify_key	k;

	CHECK_INT(notify_send_parse_key(KEY, &k), 0);
	CHECK_STR(k.service_id, SERVICE);
	CHECK_STR(k.secret, SECRET);
}

static void
test_key_name_may_contain_hyphens(void)
{
	struct notify_key	k;

	CHECK_INT(notify_send_parse_key("my-live-key-" SERVICE "-" SECRET, &k),
	    0);
	CHECK_STR(k.service_id, SERVICE);
	CHECK_STR(k.secret, SECRET);
}

static void
test_malformed_keys_are_refused(void)
{
	struct notify_key	k;

	CHECK_INT(notify_send_parse_key(NULL, &k), -1);
	CHECK_INT(notify_send_parse_key("", &k), -1);
	CHECK_INT(notify_send_parse_key(SERVICE "-" SECRET, &k), -1);
	CHECK_INT(notify_send_parse_key("k-" SERVICE SECRET, &k), -1);
	CHECK_INT(notify_send_parse_key("k-" SERVICE "-" SECRET "x", &k), -1);
	CHECK_INT(notify_send_parse_key("k-26785a09-ab16-4eb0-8407-a37497a5750z-"
	    SECRET, &k), -1);
}

static void
test_jwt_matches_an_independent_hs256(void)
{
	struct notify_key	k;
	char			buf[512];

	CHECK_INT(notify_send_parse_key(KEY, &k), 0);
	CHECK_INT(notify_send_jwt(&k, 1700000000, buf, sizeof buf), 0);
	CHECK_STR(buf, JWT);
}

static void
test_jwt_has_no_padding_and_url_safe_characters(void)
{
	struct notify_key	k;
	char			buf[512];
	int64_t			iat;

	CHECK_INT(notify_send_parse_key(KEY, &k), 0);
	for (iat = 1700000000; iat < 1700000040; iat++) {
		CHECK_INT(notify_send_jwt(&k, iat, buf, sizeof buf), 0);
		CHECK(strpbrk(buf, "=+/") == NULL);
	}
}

static void
test_jwt_that_does_not_fit_fails(void)
{
	struct notify_key	k;
	char			buf[100];

	CHECK_INT(notify_send_parse_key(KEY, &k), 0);
	CHECK_INT(notify_send_jwt(&k, 1700000000, buf, sizeof buf), -1);
	CHECK_INT(notify_send_jwt(&k, 1700000000, buf, 40), -1);
}

static void
test_sms_body_has_number_template_and_message(void)
{
	struct replyd_send	 m;
	char			*s;
	cJSON			*j;

	memset(&m, 0, sizeof m);
	m.to = "+447700900123";
	m.text = "Hello \"Sam\"\nsee you at 3";
	m.conversation = "3-17";
	s = notify_send_body(&m, 0, "f33517ff-2a88-4f6e-b855-c550268ce08a");
	CHECK(s != NULL);
	j = cJSON_Parse(s);
	free(s);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "phone_number")),
	    "+447700900123");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "template_id")),
	    "f33517ff-2a88-4f6e-b855-c550268ce08a");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    j, "personalisation"), "message")), "Hello \"Sam\"\nsee you at 3");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "reference")),
	    "3-17");
	CHECK(cJSON_GetObjectItem(j, "email_address") == NULL);
	cJSON_Delete(j);
}

static void
test_email_body_has_address_instead_of_number(void)
{
	struct replyd_send	 m;
	char			*s;
	cJSON			*j;

	memset(&m, 0, sizeof m);
	m.to = "sam@example.org";
	m.text = "Hello";
	s = notify_send_body(&m, 1, "f33517ff-2a88-4f6e-b855-c550268ce08a");
	j = cJSON_Parse(s);
	free(s);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "email_address")),
	    "sam@example.org");
	CHECK(cJSON_GetObjectItem(j, "phone_number") == NULL);
	CHECK(cJSON_GetObjectItem(j, "reference") == NULL);
	cJSON_Delete(j);
}

static void
test_uuids_are_checked(void)
{
	CHECK(notify_send_uuid_ok(SERVICE, strlen(SERVICE)));
	CHECK(!notify_send_uuid_ok("26785a09ab164eb08407a37497a57506", 32));
	CHECK(!notify_send_uuid_ok("26785a09-ab16-4eb0-8407_a37497a57506", 36));
}

static const struct check_test tests[] = {
	TEST(test_key_splits_into_service_id_and_secret),
	TEST(test_key_name_may_contain_hyphens),
	TEST(test_malformed_keys_are_refused),
	TEST(test_jwt_matches_an_independent_hs256),
	TEST(test_jwt_has_no_padding_and_url_safe_characters),
	TEST(test_jwt_that_does_not_fit_fails),
	TEST(test_sms_body_has_number_template_and_message),
	TEST(test_email_body_has_address_instead_of_number),
	TEST(test_uuids_are_checked),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("notifysend", tests, argc, argv);
}
