/*
 * webhook-payload.c: see webhook-payload.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "webhook-payload.h"

/* A preset by name. */
int
webhook_preset_parse(const char *name, enum webhook_preset *out)
{
	if (name == NULL || strcmp(name, "generic") == 0)
		*out = WEBHOOK_GENERIC;
	else if (strcmp(name, "slack") == 0)
		*out = WEBHOOK_SLACK;
	else if (strcmp(name, "teams") == 0)
		*out = WEBHOOK_TEAMS;
	else
		return -1;
	return 0;
}

/* s, or "" for NULL. */
static const char *
webhook_str(const char *s)
{
	return s != NULL ? s : "";
}

/* Whether the alert names a worker. */
static int
webhook_has_worker(const struct replyd_send *m)
{
	return m->worker != NULL && m->worker[0] != '\0';
}

/* How overdue, in words: "2h 05m". */
static void
webhook_overdue(const struct replyd_send *m, char *buf, size_t len)
{
	long long	s = m->overdue_seconds > 0 ? (long long)m->overdue_seconds :
			    0;

	snprintf(buf, len, "%lldh %02lldm", s / 3600, s / 60 % 60);
}

/* A title for the alert: "Overdue: conversation 3-17". */
static void
webhook_title(const struct replyd_send *m, char *buf, size_t len)
{
	const char	*kind = "Alert";

	if (strcmp(m->event, "escalation") == 0)
		kind = "Overdue";
	else if (strcmp(m->event, "urgent") == 0)
		kind = "Urgent message";
	else if (strcmp(m->event, "waiting") == 0)
		kind = "Waiting";
	snprintf(buf, len, "%s: conversation %s", kind,
	    webhook_str(m->conversation));
}

/* One sentence saying what happened and what to do. */
static void
webhook_sentence(const struct replyd_send *m, char *buf, size_t len)
{
	char	over[32], who[160];

	snprintf(who, sizeof who, "team %s%s%s", webhook_str(m->team),
	    webhook_has_worker(m) ? ", worker " : "",
	    webhook_has_worker(m) ? m->worker : "");
	if (strcmp(m->event, "escalation") == 0) {
		webhook_overdue(m, over, sizeof over);
		snprintf(buf, len, "Escalation step %d: a young person's "
		    "message (ref %s, %s) has had no reply and is %s past its "
		    "deadline%s%s%s. Please respond or acknowledge.", m->step,
		    webhook_str(m->conversation), who, over,
		    m->due_at ? " (" : "", m->due_at ? m->due_at : "",
		    m->due_at ? ")" : "");
	} else if (strcmp(m->event, "urgent") == 0)
		snprintf(buf, len, "Urgent: a young person's message (ref %s, "
		    "%s) may need action now. Please read it and respond.",
		    webhook_str(m->conversation), who);
	else if (strcmp(m->event, "waiting") == 0)
		snprintf(buf, len, "Waiting: a young person's message (ref %s, "
		    "%s) has no available worker. Please pick it up.",
		    webhook_str(m->conversation), who);
	else
		snprintf(buf, len, "%s: conversation %s (%s).", m->event,
		    webhook_str(m->conversation), who);
}

/* The contract payload of SPEC §8. */
static cJSON *
webhook_generic(const struct replyd_send *m)
{
	cJSON	*j;

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(j, "event", m->event);
	cJSON_AddStringToObject(j, "conversation", webhook_str(m->conversation));
	cJSON_AddStringToObject(j, "team", webhook_str(m->team));
	if (webhook_has_worker(m))
		cJSON_AddStringToObject(j, "worker", m->worker);
	else
		cJSON_AddNullToObject(j, "worker");
	cJSON_AddNumberToObject(j, "step", m->step);
	if (m->due_at != NULL && m->due_at[0] != '\0')
		cJSON_AddStringToObject(j, "due_at", m->due_at);
	else
		cJSON_AddNullToObject(j, "due_at");
	cJSON_AddNumberToObject(j, "overdue_seconds",
	    (double)(m->overdue_seconds > 0 ? m->overdue_seconds : 0));
	if (m->link != NULL && m->link[0] != '\0')
		cJSON_AddStringToObject(j, "link", m->link);
	else
		cJSON_AddNullToObject(j, "link");
	return j;
}

/* Slack's {"text"}: &, < and > escaped, the link in Slack's own form. */
static cJSON *
webhook_slack(const struct replyd_send *m)
{
	cJSON		*j;
	char		 sentence[512], *out = NULL;
	const char	*p;
	size_t		 len = 0;
	FILE		*f;

	webhook_sentence(m, sentence, sizeof sentence);
	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	for (p = sentence; *p != '\0'; p++) {
		if (*p == '&')
			fputs("&amp;", f);
		else if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else
			fputc(*p, f);
	}
	if (m->link != NULL && m->link[0] != '\0' &&
	    strpbrk(m->link, "<>| ") == NULL)
		fprintf(f, " <%s|Open in replyd>", m->link);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	j = cJSON_CreateObject();
	if (j != NULL)
		cJSON_AddStringToObject(j, "text", out);
	free(out);
	return j;
}

/* Add a fact to a FactSet. */
static void
webhook_fact(cJSON *facts, const char *title, const char *value)
{
	cJSON	*f = cJSON_CreateObject();

	cJSON_AddStringToObject(f, "title", title);
	cJSON_AddStringToObject(f, "value", value);
	cJSON_AddItemToArray(facts, f);
}

/* A Teams message with one Adaptive Card. */
static cJSON *
webhook_teams(const struct replyd_send *m)
{
	cJSON	*j, *att, *a, *card, *body, *b, *facts, *actions, *act;
	char	 title[160], sentence[512], buf[64];

	webhook_title(m, title, sizeof title);
	webhook_sentence(m, sentence, sizeof sentence);
	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(j, "type", "message");
	att = cJSON_AddArrayToObject(j, "attachments");
	a = cJSON_CreateObject();
	cJSON_AddItemToArray(att, a);
	cJSON_AddStringToObject(a, "contentType",
	    "application/vnd.microsoft.card.adaptive");
	card = cJSON_AddObjectToObject(a, "content");
	cJSON_AddStringToObject(card, "$schema",
	    "http://adaptivecards.io/schemas/adaptive-card.json");
	cJSON_AddStringToObject(card, "type", "AdaptiveCard");
	cJSON_AddStringToObject(card, "version", "1.4");
	body = cJSON_AddArrayToObject(card, "body");

	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "TextBlock");
	cJSON_AddStringToObject(b, "text", title);
	cJSON_AddStringToObject(b, "weight", "Bolder");
	cJSON_AddStringToObject(b, "size", "Medium");
	cJSON_AddBoolToObject(b, "wrap", 1);
	cJSON_AddItemToArray(body, b);

	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "TextBlock");
	cJSON_AddStringToObject(b, "text", sentence);
	cJSON_AddBoolToObject(b, "wrap", 1);
	cJSON_AddItemToArray(body, b);

	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "FactSet");
	facts = cJSON_AddArrayToObject(b, "facts");
	webhook_fact(facts, "Conversation", webhook_str(m->conversation));
	webhook_fact(facts, "Team", webhook_str(m->team));
	webhook_fact(facts, "Worker", webhook_has_worker(m) ? m->worker :
	    "none");
	if (strcmp(m->event, "escalation") == 0) {
		snprintf(buf, sizeof buf, "%d", m->step);
		webhook_fact(facts, "Step", buf);
		webhook_overdue(m, buf, sizeof buf);
		webhook_fact(facts, "Overdue", buf);
	}
	if (m->due_at != NULL && m->due_at[0] != '\0')
		webhook_fact(facts, "Due", m->due_at);
	cJSON_AddItemToArray(body, b);

	actions = cJSON_AddArrayToObject(card, "actions");
	if (m->link != NULL && m->link[0] != '\0') {
		act = cJSON_CreateObject();
		cJSON_AddStringToObject(act, "type", "Action.OpenUrl");
		cJSON_AddStringToObject(act, "title", "Open");
		cJSON_AddStringToObject(act, "url", m->link);
		cJSON_AddItemToArray(actions, act);
	}
	return j;
}

/* The body for an alert. */
char *
webhook_payload(enum webhook_preset preset, const struct replyd_send *m,
    const char **why)
{
	cJSON	*j;
	char	*s;

	if (m->purpose != REPLYD_SEND_ALERT) {
		*why = "a webhook carries alerts to staff, never messages to "
		    "young people";
		return NULL;
	}
	if (m->event == NULL || m->event[0] == '\0') {
		*why = "the alert has no event";
		return NULL;
	}
	switch (preset) {
	case WEBHOOK_SLACK:
		j = webhook_slack(m);
		break;
	case WEBHOOK_TEAMS:
		j = webhook_teams(m);
		break;
	default:
		j = webhook_generic(m);
		break;
	}
	if (j == NULL || (s = cJSON_PrintUnformatted(j)) == NULL) {
		cJSON_Delete(j);
		*why = "out of memory";
		return NULL;
	}
	cJSON_Delete(j);
	return s;
}

/* Whether c may appear in an HTTP header name (RFC 9110 token). */
static int
webhook_tchar(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Parse "Name: value" lines into a header list. */
int
webhook_headers_parse(const char *text, struct webhook_headers *h,
    const char **why)
{
	static const char *const reserved[] = { "Host", "Content-Length",
	    "Content-Type", "Transfer-Encoding", NULL };
	char	*line, *next, *colon, *name, *value, *e;
	size_t	 max, i;

	memset(h, 0, sizeof *h);
	if (text == NULL)
		return 0;
	if ((h->buf = strdup(text)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	for (max = 1, line = h->buf; *line != '\0'; line++)
		max += *line == '\n';
	if ((h->list = calloc(max, sizeof *h->list)) == NULL) {
		*why = "out of memory";
		goto fail;
	}
	for (line = h->buf; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		e = line + strlen(line);
		if (e > line && e[-1] == '\r')
			*--e = '\0';
		if (strspn(line, " \t") == strlen(line))
			continue;
		if ((colon = strchr(line, ':')) == NULL || colon == line) {
			*why = "expected \"Name: value\" on each line";
			goto fail;
		}
		*colon = '\0';
		name = line;
		for (i = 0; name[i] != '\0'; i++)
			if (!webhook_tchar((unsigned char)name[i])) {
				*why = "a header name has a character HTTP "
				    "does not allow";
				goto fail;
			}
		for (i = 0; reserved[i] != NULL; i++)
			if (strcasecmp(name, reserved[i]) == 0) {
				*why = "Host, Content-Length, Content-Type and "
				    "Transfer-Encoding are set by replyd";
				goto fail;
			}
		value = colon + 1;
		value += strspn(value, " \t");
		e = value + strlen(value);
		while (e > value && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		for (i = 0; value[i] != '\0'; i++)
			if ((unsigned char)value[i] < 0x20 &&
			    value[i] != '\t') {
				*why = "a header value has a control character";
				goto fail;
			}
		h->list[h->n].name = name;
		h->list[h->n].value = value;
		h->n++;
	}
	return 0;
fail:
	webhook_headers_free(h);
	return -1;
}

/* Free a header list. */
void
webhook_headers_free(struct webhook_headers *h)
{
	free(h->list);
	free(h->buf);
	memset(h, 0, sizeof *h);
}
