/*
 * timeline.c: see timeline.h.  One function per kind of event; what an
 * event does not say is left out of its sentence rather than guessed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base/timeutil.h"
#include "rules/calendar.h"
#include "serve/timeline.h"

/* A string member, or NULL. */
static const char *
timeline_str(const cJSON *ev, const char *key)
{
	const char	*s;

	s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, key));
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* A number member, or def. */
static double
timeline_num(const cJSON *ev, const char *key, double def)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(ev, key);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* Append to buf (always NUL-terminated, cut short when full). */
static void
timeline_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t	used = strlen(buf);
	va_list	ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

const char *
timeline_channel(const char *channel)
{
	if (channel == NULL)
		return "an unknown channel";
	if (strcmp(channel, "sms") == 0)
		return "text";
	if (strcmp(channel, "whatsapp") == 0)
		return "WhatsApp";
	if (strcmp(channel, "email") == 0)
		return "email";
	return channel;
}

void
timeline_when(const struct calendar *cal, int64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	if (cal == NULL || calendar_local(cal, (int64_t)t, &tm) == -1)
		gmtime_r(&t, &tm);
	strftime(buf, len, "%a %-d %b, %H:%M", &tm);
}

/* A person's name from an id (the id itself when not a person). */
static const char *
timeline_person(const struct timeline_names *n, const char *id)
{
	const char	*name;

	if (id == NULL)
		return "someone";
	if (n != NULL && n->person != NULL &&
	    (name = n->person(id, n->arg)) != NULL)
		return name;
	return id;
}

/* Who a masked address in a send is: a person's name, or the address. */
static void
timeline_to(const struct timeline_names *n, const char *masked, char *buf,
    size_t len)
{
	const char	*name = NULL;

	if (masked == NULL) {
		snprintf(buf, len, "someone");
		return;
	}
	if (n != NULL && n->address != NULL)
		name = n->address(masked, n->arg);
	if (name != NULL)
		snprintf(buf, len, "%s (%s)", name, masked);
	else
		snprintf(buf, len, "%s", masked);
}

/* What an alert was, from its "event". */
static const char *
timeline_alert_kind(const char *event)
{
	if (event == NULL)
		return "Alert";
	if (strcmp(event, "waiting") == 0)
		return "Waiting notice";
	if (strcmp(event, "urgent") == 0)
		return "Urgent alert";
	return "Overdue alert";
}

/* The provider's answer to one attempt. */
static void
timeline_answer(const cJSON *ev, char *buf, size_t len)
{
	const char	*outcome = timeline_str(ev, "outcome");
	const char	*detail = timeline_str(ev, "detail");
	int		 status = (int)timeline_num(ev, "status", 0);

	if (outcome != NULL && strcmp(outcome, "sent") == 0) {
		timeline_add(buf, len, "accepted");
		if (status > 0)
			timeline_add(buf, len, " (%d)", status);
		return;
	}
	if (outcome != NULL && strcmp(outcome, "throttled") == 0) {
		timeline_add(buf, len, "not sent: the limit of texts to this "
		    "phone this hour was reached");
		return;
	}
	if (status > 0)
		timeline_add(buf, len, "%s %d", outcome != NULL &&
		    strcmp(outcome, "retry") == 0 ? "not accepted yet," :
		    "refused,", status);
	else
		timeline_add(buf, len, "no answer");
	if (detail != NULL)
		timeline_add(buf, len, " (%s)", detail);
	if (outcome != NULL && strcmp(outcome, "retry") == 0)
		timeline_add(buf, len, "; trying again");
}

/* One attempt to send: a receipt, an alert or a reply. */
static void
timeline_send(const cJSON *ev, const struct timeline_names *n, char *buf,
    size_t len)
{
	const char	*purpose = timeline_str(ev, "purpose");
	const char	*via = timeline_str(ev, "channel");
	char		 who[256];
	int		 attempt = (int)timeline_num(ev, "attempt", 1);

	if (purpose != NULL && strcmp(purpose, "alert") == 0) {
		timeline_to(n, timeline_str(ev, "to"), who, sizeof who);
		timeline_add(buf, len, "%s to %s",
		    timeline_alert_kind(timeline_str(ev, "event")), who);
	} else if (purpose != NULL && strcmp(purpose, "receipt") == 0)
		timeline_add(buf, len, "Receipt to the young person");
	else
		timeline_add(buf, len, "Reply to the young person");
	if (via != NULL)
		timeline_add(buf, len, " through %s", via);
	if (attempt > 1)
		timeline_add(buf, len, " (attempt %d)", attempt);
	timeline_add(buf, len, ": ");
	timeline_answer(ev, buf, len);
}

/* An escalation step, waiting notice or urgent alert, done. */
static void
timeline_step(const cJSON *ev, const char *type, char *buf, size_t len)
{
	const char	*event = timeline_str(ev, "event");
	int		 step = (int)timeline_num(ev, "step", 0);
	int		 ok = (int)timeline_num(ev, "delivered", 0);
	int		 bad = (int)timeline_num(ev, "failed", 0);

	if (strcmp(type, "step_failed") == 0) {
		if (event != NULL && strcmp(event, "escalation") == 0 &&
		    step > 0)
			timeline_add(buf, len, "Escalation step %d failed: ",
			    step);
		else
			timeline_add(buf, len, "%s failed: ",
			    timeline_alert_kind(event));
		timeline_add(buf, len, "nobody could be alerted");
		return;
	}
	if (strcmp(type, "escalation") == 0 && step > 0)
		timeline_add(buf, len, "Escalation step %d: ", step);
	else
		timeline_add(buf, len, "%s: ", timeline_alert_kind(type));
	timeline_add(buf, len, "%d of %d alerted", ok, ok + bad);
}

/* An alert the network did not deliver, sent again another way. */
static void
timeline_resent(const cJSON *ev, const struct timeline_names *n, char *buf,
    size_t len)
{
	const char	*detail = timeline_str(ev, "detail");
	const char	*failed = timeline_str(ev, "failed_channel");

	timeline_add(buf, len, "The %s to %s was not delivered",
	    timeline_str(ev, "event") != NULL &&
	    strcmp(timeline_str(ev, "event"), "escalation") != 0 ?
	    "notice" : "alert", timeline_person(n, timeline_str(ev, "to")));
	if (failed != NULL)
		timeline_add(buf, len, " by %s", failed);
	if (detail != NULL)
		timeline_add(buf, len, " (%s)", detail);
	timeline_add(buf, len, ": sent again on another channel");
}

/* A delivery receipt from the provider. */
static void
timeline_delivery(const cJSON *ev, const struct timeline_names *n,
    char *buf, size_t len)
{
	const char	*purpose = timeline_str(ev, "purpose");
	const char	*delivery = timeline_str(ev, "delivery");
	const char	*status = timeline_str(ev, "status");
	const char	*error = timeline_str(ev, "error");
	const char	*to = timeline_str(ev, "to");

	timeline_add(buf, len, "Delivery receipt");
	if (timeline_str(ev, "channel") != NULL)
		timeline_add(buf, len, " from %s", timeline_str(ev, "channel"));
	timeline_add(buf, len, ": the ");
	if (purpose != NULL && strcmp(purpose, "receipt") == 0)
		timeline_add(buf, len, "receipt to the young person");
	else if (purpose != NULL && strcmp(purpose, "reply") == 0)
		timeline_add(buf, len, "reply to the young person");
	else
		timeline_add(buf, len, "alert to %s", to != NULL ?
		    timeline_person(n, to) : "staff");
	if (delivery != NULL && strcmp(delivery, "delivered") == 0)
		timeline_add(buf, len, " was delivered");
	else if (delivery != NULL && strcmp(delivery, "failed") == 0)
		timeline_add(buf, len, " was not delivered");
	else
		timeline_add(buf, len, " is on its way");
	if (status != NULL || error != NULL)
		timeline_add(buf, len, " (%s%s%s)", status ? status : "",
		    status && error ? " " : "", error ? error : "");
}

/* How a response was made, in words. */
static void
timeline_response(const cJSON *ev, const struct timeline_names *n,
    char *buf, size_t len)
{
	const char	*how = timeline_str(ev, "how");
	const char	*by = timeline_person(n, timeline_str(ev, "by"));

	if (how == NULL)
		timeline_add(buf, len, "Response recorded by %s", by);
	else if (strcmp(how, "reply") == 0)
		timeline_add(buf, len, "Response recorded: %s's reply", by);
	else if (strcmp(how, "phone") == 0)
		timeline_add(buf, len, "%s recorded a phone call", by);
	else if (strcmp(how, "in-person") == 0)
		timeline_add(buf, len, "%s recorded a contact in person", by);
	else if (strcmp(how, "email") == 0)
		timeline_add(buf, len, "%s replied by email (seen by replyd)",
		    by);
	else if (strcmp(how, "other") == 0)
		timeline_add(buf, len, "%s recorded a contact another way",
		    by);
	else
		timeline_add(buf, len, "Response recorded by %s (%s)", by, how);
}

/* An RFC 3339 time in an event as people read it, else as it is. */
static void
timeline_text_time(const struct calendar *cal, const char *s, char *buf,
    size_t len)
{
	int64_t	t;

	if (s != NULL && timeutil_parse_rfc3339(s, &t) == 0)
		timeline_when(cal, t * 1000, buf, len);
	else
		snprintf(buf, len, "%s", s != NULL ? s : "an unknown time");
}

int64_t
timeline_describe(const cJSON *ev, const struct calendar *cal,
    const struct timeline_names *n, char *buf, size_t len,
    const char **note)
{
	const char	*type, *s;
	char		 t1[64], t2[64];
	int64_t		 at;

	*note = NULL;
	if (len == 0)
		return -1;
	buf[0] = '\0';
	if (!cJSON_IsObject(ev) || (type = timeline_str(ev, "type")) == NULL)
		return -1;
	at = (int64_t)timeline_num(ev, "at", 0);
	if (strcmp(type, "message") == 0) {
		timeline_add(buf, len, "Message %d received by %s",
		    (int)timeline_num(ev, "n", 1),
		    timeline_channel(timeline_str(ev, "channel")));
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev,
		    "urgent")))
			timeline_add(buf, len, ", marked urgent");
	} else if (strcmp(type, "send") == 0)
		timeline_send(ev, n, buf, len);
	else if (strcmp(type, "escalation") == 0 ||
	    strcmp(type, "waiting") == 0 || strcmp(type, "urgent") == 0 ||
	    strcmp(type, "step_failed") == 0)
		timeline_step(ev, type, buf, len);
	else if (strcmp(type, "resent") == 0)
		timeline_resent(ev, n, buf, len);
	else if (strcmp(type, "delivery") == 0)
		timeline_delivery(ev, n, buf, len);
	else if (strcmp(type, "ack") == 0) {
		timeline_when(cal, (int64_t)timeline_num(ev, "until_ms", 0),
		    t1, sizeof t1);
		timeline_add(buf, len, "Taken by %s until %s",
		    timeline_person(n, timeline_str(ev, "by")), t1);
		if ((s = timeline_str(ev, "via")) != NULL &&
		    strcmp(s, "sms") == 0)
			timeline_add(buf, len, " (by text)");
	} else if (strcmp(type, "viewed") == 0)
		timeline_add(buf, len, "Opened by %s",
		    timeline_person(n, timeline_str(ev, "by")));
	else if (strcmp(type, "reply") == 0) {
		timeline_add(buf, len, "%s sent a reply by %s",
		    timeline_person(n, timeline_str(ev, "by")),
		    timeline_channel(timeline_str(ev, "channel")));
		if (timeline_num(ev, "chars", 0) > 0)
			timeline_add(buf, len, " (%d characters)",
			    (int)timeline_num(ev, "chars", 0));
	} else if (strcmp(type, "response") == 0) {
		timeline_response(ev, n, buf, len);
		*note = timeline_str(ev, "note");
	} else if (strcmp(type, "deadline_changed") == 0) {
		timeline_text_time(cal, timeline_str(ev, "old"), t1,
		    sizeof t1);
		timeline_text_time(cal, timeline_str(ev, "new"), t2,
		    sizeof t2);
		timeline_add(buf, len, "Deadline moved from %s to %s", t1, t2);
		if ((s = timeline_str(ev, "why")) != NULL)
			timeline_add(buf, len, ": %s", s);
	} else if (strcmp(type, "unverified_staff_email") == 0)
		timeline_add(buf, len, "An email that says it is from staff "
		    "was not verified by the provider: it did not count as a "
		    "response");
	else
		timeline_add(buf, len, "Event: %s", type);
	return at;
}
