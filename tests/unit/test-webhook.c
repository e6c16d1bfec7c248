/* test-webhook.c: the webhook notifier's payloads (webhook-payload.h). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "webhook-payload.h"

static char	*payload;

/* An escalation alert as escalate.c makes one. */
static struct replyd_send
alert(const char *event, const char *worker)
{
	struct replyd_send	m;

	memset(&m, 0, sizeof m);
	m.size = sizeof m;
	m.purpose = REPLYD_SEND_ALERT;
	m.subject = "replyd: conversation 3-17 is overdue";
	m.text = "SECRET message text that must never be posted";
	m.event = event;
	m.conversation = "3-17";
	m.team = "leaving-care";
	m.worker = worker;
	m.step = 2;
	m.due_at = "2026-05-26T16:55:00+01:00";
	m.overdue_seconds = 7500;
	m.link = "https://replyd.example.gov.uk/c/3-17";
	return m;
}

/* The payload for m with preset p, parsed (freed by the caller). */
static cJSON *
build(enum webhook_preset p, const struct replyd_send *m)
{
	const char	*why = NULL;
	cJSON		*j;

	free(payload);
	payload = webhook_payload(p, m, &why);
	CHECK(payload != NULL);
	CHECK(strstr(payload, "SECRET") == NULL);
	j = cJSON_Parse(payload);
	CHECK(j != NULL);
	return j;
}

static void
test_generic_payload_is_the_contract_exactly(void)
{
	struct replyd_send	m = alert("escalation", "alice");
	cJSON			*j = build(WEBHOOK_GENERIC, &m);

	cJSON_Delete(j);
	CHECK_STR(payload, "{\"event\":\"escalation\",\"conversation\":\"3-17\","
	    "\"team\":\"leaving-care\",\"worker\":\"alice\",\"step\":2,"
	    "\"due_at\":\"2026-05-26T16:55:00+01:00\",\"overdue_seconds\":7500,"
	    "\"link\":\"https://replyd.example.gov.uk/c/3-17\"}");
}

static void
test_generic_worker_is_null_when_there_is_none(void)
{
	struct replyd_send	 m = alert("waiting", "");
	cJSON			*j = build(WEBHOOK_GENERIC, &m);

	CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "worker")));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "event")),
	    "waiting");
	cJSON_Delete(j);
	m.worker = NULL;
	j = build(WEBHOOK_GENERIC, &m);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "worker")));
	cJSON_Delete(j);
}

static void
test_generic_large_overdue_seconds_stay_whole(void)
{
	struct replyd_send	 m = alert("escalation", "alice");
	cJSON			*j;

	m.overdue_seconds = 40LL * 86400 * 365;
	j = build(WEBHOOK_GENERIC, &m);
	CHECK(strstr(payload, "\"overdue_seconds\":1261440000") != NULL);
	cJSON_Delete(j);
}

static void
test_slack_payload_is_text_with_the_link(void)
{
	struct replyd_send	 m = alert("escalation", "alice");
	cJSON			*j = build(WEBHOOK_SLACK, &m);
	const char		*t = cJSON_GetStringValue(cJSON_GetObjectItem(j,
				    "text"));

	CHECK(cJSON_GetArraySize(j) == 1);
	CHECK(t != NULL);
	CHECK(strstr(t, "Escalation step 2") != NULL);
	CHECK(strstr(t, "ref 3-17, team leaving-care, worker alice") != NULL);
	CHECK(strstr(t, "2h 05m past its deadline") != NULL);
	CHECK(strstr(t, "<https://replyd.example.gov.uk/c/3-17|Open in "
	    "replyd>") != NULL);
	cJSON_Delete(j);
}

static void
test_slack_control_characters_are_escaped(void)
{
	struct replyd_send	 m = alert("urgent", "");
	cJSON			*j;
	const char		*t;

	m.team = "a<b>&c";
	j = build(WEBHOOK_SLACK, &m);
	t = cJSON_GetStringValue(cJSON_GetObjectItem(j, "text"));
	CHECK(strstr(t, "team a&lt;b&gt;&amp;c") != NULL);
	CHECK(strstr(t, "Urgent") != NULL);
	cJSON_Delete(j);
}

static void
test_teams_payload_is_an_adaptive_card_message(void)
{
	struct replyd_send	 m = alert("escalation", "alice");
	cJSON			*j = build(WEBHOOK_TEAMS, &m), *a, *c, *act;

	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "type")),
	    "message");
	a = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "attachments"), 0);
	CHECK(a != NULL);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(a, "contentType")),
	    "application/vnd.microsoft.card.adaptive");
	c = cJSON_GetObjectItem(a, "content");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c, "type")),
	    "AdaptiveCard");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c, "version")),
	    "1.4");
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(c, "body")) >= 2);
	act = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "actions"), 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(act, "type")),
	    "Action.OpenUrl");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(act, "title")),
	    "Open");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(act, "url")),
	    "https://replyd.example.gov.uk/c/3-17");
	CHECK(strstr(payload, "Overdue: conversation 3-17") != NULL);
	cJSON_Delete(j);
}

static void
test_messages_to_young_people_are_refused(void)
{
	struct replyd_send	 m = alert("escalation", "alice");
	const char		*why = NULL;

	m.purpose = REPLYD_SEND_REPLY;
	CHECK(webhook_payload(WEBHOOK_GENERIC, &m, &why) == NULL);
	CHECK(why != NULL);
	m.purpose = REPLYD_SEND_RECEIPT;
	CHECK(webhook_payload(WEBHOOK_TEAMS, &m, &why) == NULL);
	m.purpose = REPLYD_SEND_ALERT;
	m.event = NULL;
	CHECK(webhook_payload(WEBHOOK_SLACK, &m, &why) == NULL);
}

static void
test_presets_by_name(void)
{
	enum webhook_preset	p;

	CHECK_INT(webhook_preset_parse(NULL, &p), 0);
	CHECK_INT(p, WEBHOOK_GENERIC);
	CHECK_INT(webhook_preset_parse("slack", &p), 0);
	CHECK_INT(p, WEBHOOK_SLACK);
	CHECK_INT(webhook_preset_parse("teams", &p), 0);
	CHECK_INT(p, WEBHOOK_TEAMS);
	CHECK_INT(webhook_preset_parse("Teams", &p), -1);
}

static void
test_extra_headers_are_parsed_one_per_line(void)
{
	struct webhook_headers	h;
	const char		*why = NULL;

	CHECK_INT(webhook_headers_parse("Authorization: Bearer abc\r\n\n"
	    "X-Tag:  replyd \n", &h, &why), 0);
	CHECK_INT(h.n, 2);
	CHECK_STR(h.list[0].name, "Authorization");
	CHECK_STR(h.list[0].value, "Bearer abc");
	CHECK_STR(h.list[1].name, "X-Tag");
	CHECK_STR(h.list[1].value, "replyd");
	webhook_headers_free(&h);
	CHECK_INT(webhook_headers_parse(NULL, &h, &why), 0);
	CHECK_INT(h.n, 0);
}

static void
test_bad_or_reserved_headers_are_refused(void)
{
	struct webhook_headers	h;
	const char		*why = NULL;

	CHECK_INT(webhook_headers_parse("no colon here", &h, &why), -1);
	CHECK_INT(webhook_headers_parse(": empty name", &h, &why), -1);
	CHECK_INT(webhook_headers_parse("Bad Name: x", &h, &why), -1);
	CHECK_INT(webhook_headers_parse("Content-Type: text/plain", &h, &why),
	    -1);
	CHECK_INT(webhook_headers_parse("host: evil", &h, &why), -1);
	CHECK_INT(webhook_headers_parse("X-A: a\rInjected: yes", &h, &why), -1);
	CHECK(why != NULL);
}

static const struct check_test tests[] = {
	TEST(test_generic_payload_is_the_contract_exactly),
	TEST(test_generic_worker_is_null_when_there_is_none),
	TEST(test_generic_large_overdue_seconds_stay_whole),
	TEST(test_slack_payload_is_text_with_the_link),
	TEST(test_slack_control_characters_are_escaped),
	TEST(test_teams_payload_is_an_adaptive_card_message),
	TEST(test_messages_to_young_people_are_refused),
	TEST(test_presets_by_name),
	TEST(test_extra_headers_are_parsed_one_per_line),
	TEST(test_bad_or_reserved_headers_are_refused),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	int	rc = check_run("webhook", tests, argc, argv);

	free(payload);
	return rc;
}
