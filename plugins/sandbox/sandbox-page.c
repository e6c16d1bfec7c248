/* sandbox-page.c: see sandbox-page.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "sandbox-page.h"

/*
 * GOV.UK Design System patterns: a warning text saying what this page is
 * for, an error summary and inline errors for the form, a success banner
 * after sending, tags for what each message was.
 */
const char sandbox_page_template[] =
"<div class=\"govuk-grid-row\">\n"
"<div class=\"govuk-grid-column-two-thirds\">\n"
"{{#has_errors}}\n"
"<div class=\"govuk-error-summary\" data-module=\"govuk-error-summary\">\n"
"  <div role=\"alert\">\n"
"    <h2 class=\"govuk-error-summary__title\">There is a problem</h2>\n"
"    <div class=\"govuk-error-summary__body\">\n"
"      <ul class=\"govuk-list govuk-error-summary__list\">\n"
"        {{#errors}}<li><a href=\"#{{field}}\">{{text}}</a></li>{{/errors}}\n"
"      </ul>\n"
"    </div>\n"
"  </div>\n"
"</div>\n"
"{{/has_errors}}\n"
"{{#problem}}\n"
"<div class=\"govuk-error-summary\" data-module=\"govuk-error-summary\">\n"
"  <div role=\"alert\">\n"
"    <h2 class=\"govuk-error-summary__title\">The message was not sent</h2>\n"
"    <div class=\"govuk-error-summary__body\">\n"
"      <p class=\"govuk-body\">{{problem}}</p>\n"
"    </div>\n"
"  </div>\n"
"</div>\n"
"{{/problem}}\n"
"{{#sent}}\n"
"<div class=\"govuk-notification-banner govuk-notification-banner--success\""
" role=\"alert\" aria-labelledby=\"sent-title\""
" data-module=\"govuk-notification-banner\">\n"
"  <div class=\"govuk-notification-banner__header\">\n"
"    <h2 class=\"govuk-notification-banner__title\" id=\"sent-title\">"
"Success</h2>\n"
"  </div>\n"
"  <div class=\"govuk-notification-banner__content\">\n"
"    <p class=\"govuk-notification-banner__heading\">Message sent to "
"replyd</p>\n"
"    <p class=\"govuk-body\">Its receipt, and any alerts to staff, appear "
"under Messages. Alerts come when the promise is due: "
"<a class=\"govuk-notification-banner__link\" href=\"{{path}}?from="
"{{from}}#messages\">check for new messages</a>.</p>\n"
"  </div>\n"
"</div>\n"
"{{/sent}}\n"
"<span class=\"govuk-caption-l\">Sandbox</span>\n"
"<h1 class=\"govuk-heading-l\">Write as a young person</h1>\n"
"<div class=\"govuk-warning-text\">\n"
"  <span class=\"govuk-warning-text__icon\" aria-hidden=\"true\">!</span>\n"
"  <strong class=\"govuk-warning-text__text\">\n"
"    <span class=\"govuk-visually-hidden\">Warning</span>\n"
"    This is a sandbox for training and for trying replyd. Never use it "
"for real young people: anyone who can open this page can read what is "
"written here.\n"
"  </strong>\n"
"</div>\n"
"<p class=\"govuk-body\">A message you send here reaches replyd the way a "
"text from a young person's phone to {{number}} does. Below the form is "
"every message replyd sent through the sandbox: receipts to young people, "
"alerts to staff and replies.</p>\n"
"<form method=\"post\" action=\"{{path}}\" novalidate>\n"
"  <input type=\"hidden\" name=\"message_id\" value=\"{{message_id}}\">\n"
"  <div class=\"govuk-form-group{{#from_error}} govuk-form-group--error"
"{{/from_error}}\">\n"
"    <label class=\"govuk-label govuk-label--s\" for=\"from\">"
"Your phone number</label>\n"
"    <div id=\"from-hint\" class=\"govuk-hint\">Any number, for example "
"07700 900123. Use the same number to keep writing in one conversation."
"</div>\n"
"    {{#from_error}}<p id=\"from-error\" class=\"govuk-error-message\">"
"<span class=\"govuk-visually-hidden\">Error:</span> {{from_error}}</p>"
"{{/from_error}}\n"
"    <input class=\"govuk-input govuk-input--width-20{{#from_error}} "
"govuk-input--error{{/from_error}}\" id=\"from\" name=\"from\" type=\"tel\""
" autocomplete=\"off\" spellcheck=\"false\" value=\"{{from}}\""
" aria-describedby=\"from-hint{{#from_error}} from-error{{/from_error}}\">\n"
"  </div>\n"
"  <div class=\"govuk-form-group{{#text_error}} govuk-form-group--error"
"{{/text_error}}\">\n"
"    <label class=\"govuk-label govuk-label--s\" for=\"text\">Message"
"</label>\n"
"    {{#text_error}}<p id=\"text-error\" class=\"govuk-error-message\">"
"<span class=\"govuk-visually-hidden\">Error:</span> {{text_error}}</p>"
"{{/text_error}}\n"
"    <textarea class=\"govuk-textarea{{#text_error}} govuk-textarea--error"
"{{/text_error}}\" id=\"text\" name=\"text\" rows=\"4\""
"{{#text_error}} aria-describedby=\"text-error\"{{/text_error}}>{{text}}"
"</textarea>\n"
"  </div>\n"
"  <button type=\"submit\" class=\"govuk-button\" data-module=\"govuk-button\">"
"Send message</button>\n"
"</form>\n"
"</div>\n"
"</div>\n"
"<h2 class=\"govuk-heading-m\" id=\"messages\">Messages, newest first</h2>\n"
"<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"{{path}}?from="
"{{from}}#messages\">Check for new messages</a></p>\n"
"{{#messages}}\n"
"<ul class=\"govuk-list replyd-messages\">\n"
"{{#items}}\n"
"  <li class=\"replyd-message{{#in}} replyd-message--in{{/in}}\">\n"
"    <p class=\"replyd-message__meta\"><strong class=\"govuk-tag "
"govuk-tag--{{colour}}\">{{kind}}</strong> {{peer}}{{#about}}, {{about}}"
"{{/about}} at <time datetime=\"{{at_iso}}\">{{at}}</time></p>\n"
"    <p class=\"replyd-message__text\">{{text}}</p>\n"
"    {{#conversation}}<p class=\"govuk-body-s govuk-!-margin-top-2 govuk-!-margin-bottom-0\">"
"<a class=\"govuk-link\" href=\"/c/{{conversation}}\">Open the "
"conversation as staff</a></p>{{/conversation}}\n"
"  </li>\n"
"{{/items}}\n"
"</ul>\n"
"{{/messages}}\n"
"{{^messages}}\n"
"<p class=\"govuk-body\">No messages yet. Send one with the form above.</p>\n"
"{{/messages}}\n";

/* Whether a number is one a person might type: digits, spaces, brackets
 * and dashes, an optional leading '+', 7 to 15 digits. */
static int
sandbox_number_ok(const char *s, size_t len)
{
	size_t	i, digits = 0;

	for (i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i]))
			digits++;
		else if (s[i] == '+' && digits == 0 && i == 0)
			continue;
		else if (s[i] != ' ' && s[i] != '-' && s[i] != '(' &&
		    s[i] != ')')
			return 0;
	}
	return digits >= 7 && digits <= 15;
}

/* Characters (not bytes) in UTF-8 text. */
static size_t
sandbox_chars(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* Whether len bytes hold only spaces, tabs and line breaks. */
static int
sandbox_blank(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Check a posted form. */
int
sandbox_form_check(const char *from, size_t from_len, const char *text,
    size_t text_len, const char **from_error, const char **text_error)
{
	*from_error = *text_error = NULL;
	if (from == NULL || sandbox_blank(from, from_len))
		*from_error = "Enter the phone number you are writing from";
	else if (!sandbox_number_ok(from, from_len))
		*from_error = "Enter a phone number, like 07700 900123 or "
		    "+44 7700 900123";
	if (text == NULL || sandbox_blank(text, text_len))
		*text_error = "Enter a message";
	else if (sandbox_chars(text, text_len) > SANDBOX_TEXT_CHARS)
		*text_error = "Message must be 1,600 characters or fewer";
	return *from_error != NULL || *text_error != NULL ? -1 : 0;
}

/* Whether a posted message id is one we made. */
int
sandbox_id_ok(const char *id)
{
	size_t	n;

	if (id == NULL)
		return 0;
	for (n = 0; id[n] != '\0'; n++)
		if (!isxdigit((unsigned char)id[n]))
			return 0;
	return n >= 16 && n <= SANDBOX_ID_MAX;
}

/* The words for an alert's reason. */
static const char *
sandbox_event(const char *event)
{
	if (event == NULL)
		return NULL;
	if (strcmp(event, "escalation") == 0)
		return "overdue";
	if (strcmp(event, "urgent") == 0)
		return "urgent";
	if (strcmp(event, "waiting") == 0)
		return "waiting for a worker";
	return event;
}

/* One entry as a list item. */
static void
sandbox_item(cJSON *items, const struct sandbox_entry *e)
{
	static const struct {
		const char	*kind, *colour, *dir;
	} k[] = {
		[SANDBOX_IN] = { "Young person", "turquoise", "From" },
		[SANDBOX_RECEIPT] = { "Receipt", "green", "To" },
		[SANDBOX_REPLY] = { "Reply", "purple", "To" },
		[SANDBOX_ALERT] = { "Alert to staff", "red", "To" },
	};
	cJSON		*it;
	struct tm	 tm;
	time_t		 t = (time_t)e->at;
	char		 buf[64];

	if ((it = cJSON_CreateObject()) == NULL)
		return;
	cJSON_AddBoolToObject(it, "in", e->kind == SANDBOX_IN);
	cJSON_AddStringToObject(it, "kind", k[e->kind].kind);
	cJSON_AddStringToObject(it, "colour", k[e->kind].colour);
	snprintf(buf, sizeof buf, "%s %s", k[e->kind].dir, e->peer);
	cJSON_AddStringToObject(it, "peer", buf);
	if (e->kind == SANDBOX_ALERT && e->event != NULL) {
		if (e->step > 0 && strcmp(e->event, "escalation") == 0)
			snprintf(buf, sizeof buf, "%s, step %d",
			    sandbox_event(e->event), e->step);
		else
			snprintf(buf, sizeof buf, "%s",
			    sandbox_event(e->event));
		cJSON_AddStringToObject(it, "about", buf);
	}
	localtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%H:%M:%S", &tm);
	cJSON_AddStringToObject(it, "at", buf);
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(it, "at_iso", buf);
	cJSON_AddStringToObject(it, "text", e->text);
	if (e->conversation != NULL)
		cJSON_AddStringToObject(it, "conversation", e->conversation);
	cJSON_AddItemToArray(items, it);
}

/* A form error, for the summary. */
static void
sandbox_error(cJSON *errors, const char *field, const char *text)
{
	cJSON	*e;

	if (text == NULL || (e = cJSON_CreateObject()) == NULL)
		return;
	cJSON_AddStringToObject(e, "field", field);
	cJSON_AddStringToObject(e, "text", text);
	cJSON_AddItemToArray(errors, e);
}

/* The page's data. */
char *
sandbox_page_data(const struct sandbox_view *v, const struct sandbox_log *l,
    size_t max)
{
	const struct sandbox_entry	*e;
	cJSON				*j, *errors, *msgs, *items;
	char				*s;
	size_t				 i;

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(j, "from", v->from ? v->from : "");
	cJSON_AddStringToObject(j, "text", v->text ? v->text : "");
	cJSON_AddStringToObject(j, "message_id", v->message_id ?
	    v->message_id : "");
	cJSON_AddStringToObject(j, "number", v->number ? v->number : "");
	cJSON_AddStringToObject(j, "path", v->path ? v->path : "/sandbox");
	cJSON_AddBoolToObject(j, "sent", v->sent);
	if (v->problem != NULL)
		cJSON_AddStringToObject(j, "problem", v->problem);
	if (v->from_error != NULL)
		cJSON_AddStringToObject(j, "from_error", v->from_error);
	if (v->text_error != NULL)
		cJSON_AddStringToObject(j, "text_error", v->text_error);
	cJSON_AddBoolToObject(j, "has_errors", v->from_error != NULL ||
	    v->text_error != NULL);
	errors = cJSON_AddArrayToObject(j, "errors");
	if (errors != NULL) {
		sandbox_error(errors, "from", v->from_error);
		sandbox_error(errors, "text", v->text_error);
	}
	if (sandbox_log_at(l, 0) != NULL &&
	    (msgs = cJSON_AddObjectToObject(j, "messages")) != NULL &&
	    (items = cJSON_AddArrayToObject(msgs, "items")) != NULL)
		for (i = 0; i < max && (e = sandbox_log_at(l, i)) != NULL; i++)
			sandbox_item(items, e);
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

/* Percent-encode for a query string value. */
int
sandbox_url_encode(const char *s, char *out, size_t len)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			o = 0;
	unsigned char		c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (o + 4 > len)
			return -1;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~')
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o >= len)
		return -1;
	out[o] = '\0';
	return 0;
}
