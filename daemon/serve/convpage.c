/*
 * convpage.c: the conversation page, GET /c/{id} (SPEC §16), where every
 * alert's link lands: the young person, the state and when it is due in
 * words, the messages, what has happened (serve/timeline), and three
 * forms that post to paths under the page and come back to it (post,
 * redirect, get): a reply (serve/reply's reply_send, so it is recorded
 * only once the provider accepted it), a contact made another way
 * (conversations_record) and "I'll take it" (duty_take): the very
 * functions behind the /v1 routes.
 *
 * Every showing of the page is a "viewed" event, stored before the page
 * is sent (conversations_viewed).  Another team's conversation answers the
 * same 404 page as a missing one.  A failed form is drawn again at once
 * with the error (its typed text kept, never put in a URL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/log.h"
#include "base/mask.h"
#include "base/template.h"
#include "conf/config.h"
#include "io/http.h"
#include "rules/calendar.h"
#include "rules/duewords.h"
#include "serve/api.h"
#include "serve/assets.h"
#include "serve/conversations.h"
#include "serve/convpage.h"
#include "serve/openset.h"
#include "serve/duty.h"
#include "serve/reply.h"
#include "serve/server.h"
#include "serve/timeline.h"
#include "serve/web.h"
#include "store/contacts.h"
#include "store/conv.h"
#include "store/store.h"

#define CONVPAGE_NOTE_MAX	2000

/* One showing of the page, after a GET or a failed form. */
struct convpage {
	struct api_call		*c;
	struct template_data	*d;
	char			 id[32];
	char			 contact[128];
	int			 status;	/* 0: 200 */
	/* A failed form: its errors and what was typed. */
	const char		*field;		/* "reply", "how", "note" */
	char			 error[512];
	char			*reply_text;
	char			*note_text;
	char			 how[16];
};

static void	convpage_show(struct convpage *);

/* Free a showing. */
static void
convpage_free(struct convpage *p)
{
	template_data_free(p->d);
	free(p->reply_text);
	free(p->note_text);
	free(p);
}

/* The same answer for a missing conversation and another team's. */
static void
convpage_missing(struct api_call *c)
{
	web_error(c, 404, "Page not found", "There is no conversation at "
	    "this address that you can see. Check the link in the alert, or "
	    "go to the start page to see your conversations.");
}

/* A new showing of conversation id for c. */
static struct convpage *
convpage_new(struct api_call *c, const char *id)
{
	struct convpage	*p;

	if ((p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	p->c = c;
	snprintf(p->id, sizeof p->id, "%s", id);
	return p;
}

/* A person's name from an id, for the timeline. */
static const char *
convpage_person(const char *id, void *arg)
{
	const struct config		*cfg = arg;
	const struct config_person	*p = config_person(cfg, id);

	return p != NULL ? (p->name != NULL ? p->name : p->id) : NULL;
}

/* The one person whose phone or email masks to masked, or NULL. */
static const char *
convpage_address(const char *masked, void *arg)
{
	const struct config		*cfg = arg;
	const struct config_person	*p, *found = NULL;
	char				 buf[MASK_BUFSIZE];
	size_t				 i;

	for (i = 0; i < cfg->npeople; i++) {
		p = &cfg->people[i];
		if ((p->phone != NULL && strcmp(mask_phone(p->phone, buf,
		    sizeof buf), masked) == 0) || (p->email != NULL &&
		    strcmp(mask_email(p->email, buf, sizeof buf),
		    masked) == 0)) {
			if (found != NULL)
				return NULL;	/* two people: say neither */
			found = p;
		}
	}
	return found != NULL ? (found->name ? found->name : found->id) : NULL;
}

/* A person's name, or what to say when there is none. */
static const char *
convpage_name(const struct config *cfg, const char *id, const char *none)
{
	const char	*name;

	if (id == NULL || id[0] == '\0')
		return none;
	return (name = convpage_person(id, (void *)cfg)) != NULL ? name : id;
}

/* A stored text of message n, or NULL. */
static const struct store_text *
convpage_text(const struct store_conv_full *f, enum store_text_kind k, int n)
{
	size_t	i;

	for (i = 0; i < f->ntexts; i++)
		if (f->texts[i].kind == k && f->texts[i].n == n)
			return &f->texts[i];
	return NULL;
}

/* A message's attachments ("2 attachments: a.pdf, b.jpg"), or nothing. */
static void
convpage_attachments(struct template_node *m, const cJSON *meta)
{
	const cJSON	*n = cJSON_GetObjectItemCaseSensitive(meta,
	    "attachments");
	const char	*names = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(meta, "attachment_names"));
	int		 count;

	if (!cJSON_IsNumber(n) || (count = n->valueint) <= 0)
		return;
	if (names != NULL && names[0] != '\0')
		template_setf(m, "attachments", "%d attachment%s (not kept): "
		    "%s", count, count == 1 ? "" : "s", names);
	else
		template_setf(m, "attachments", "%d attachment%s (not kept)",
		    count, count == 1 ? "" : "s");
}

/* An MMS message's media: the provider's links, while they are kept. */
static void
convpage_media(struct template_node *m, const struct store_text *t)
{
	struct template_node	*media, *list, *o;
	cJSON			*j, *it;
	const char		*url, *type;
	int			 n = 0;

	if (t == NULL || (j = cJSON_ParseWithLength(t->text, t->len)) == NULL)
		return;
	if (cJSON_IsArray(j) && cJSON_GetArraySize(j) > 0) {
		media = template_set_object(m, "media");
		list = template_set_list(media, "list");
		cJSON_ArrayForEach(it, j) {
			url = cJSON_GetStringValue(cJSON_GetObjectItem(it,
			    "url"));
			type = cJSON_GetStringValue(cJSON_GetObjectItem(it,
			    "type"));
			if (url == NULL)
				continue;
			o = template_append_object(list);
			template_set(o, "url", url);
			template_setf(o, "label", "%s %d%s%s",
			    type != NULL && strncmp(type, "image/", 6) == 0 ?
			    "Picture" : "File", ++n, type ? ", " : "",
			    type ? type : "");
		}
	}
	cJSON_Delete(j);
}

/* The messages of a conversation, oldest first. */
static void
convpage_messages(struct template_node *root, const struct store_conv_full *f,
    const struct calendar *cal)
{
	struct template_node	*list = NULL, *m;
	const struct store_text	*t;
	const char		*type;
	cJSON			*e, *n;
	size_t			 i;

	for (i = 0; i < f->nevents; i++) {
		if ((e = cJSON_Parse(f->events[i])) == NULL)
			continue;
		type = cJSON_GetStringValue(cJSON_GetObjectItem(e, "type"));
		n = cJSON_GetObjectItem(e, "n");
		if (type == NULL || strcmp(type, "message") != 0 ||
		    !cJSON_IsNumber(n)) {
			cJSON_Delete(e);
			continue;
		}
		if (list == NULL)
			list = template_set_list(template_set_object(root,
			    "messages"), "list");
		m = template_append_object(list);
		template_setf(m, "n", "%d", n->valueint);
		template_set(m, "channel", timeline_channel(
		    cJSON_GetStringValue(cJSON_GetObjectItem(e, "channel"))));
		template_set_bool(m, "urgent", cJSON_IsTrue(
		    cJSON_GetObjectItem(e, "urgent")));
		web_when(m, "at", cal, (int64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItem(e, "at")));
		t = convpage_text(f, STORE_TEXT_MESSAGE, n->valueint);
		template_set_bool(m, "kept", t != NULL);
		if (t != NULL)
			template_setn(m, "text", t->text, t->len);
		/* An MMS's media are its attachments, as links. */
		if ((t = convpage_text(f, STORE_TEXT_MEDIA,
		    n->valueint)) != NULL)
			convpage_media(m, t);
		else
			convpage_attachments(m, cJSON_GetObjectItem(e,
			    "meta"));
		cJSON_Delete(e);
	}
}

/* Add one line to the timeline. */
static struct template_node *
convpage_line(struct template_node *list, const struct calendar *cal,
    int64_t at, const char *text, const char *note)
{
	struct template_node	*o = template_append_object(list);

	template_set(o, "text", text);
	if (note != NULL && note[0] != '\0')
		template_set(o, "note", note);
	web_when(o, "at", cal, at);
	return o;
}

/*
 * What has happened, oldest first, ending with this view.  Views of one
 * person in a row are one line ("Opened by Alice, 3 times"), so reloading
 * the page does not bury what matters.
 */
static void
convpage_timeline(struct convpage *p, struct template_node *root,
    const struct store_conv_full *f, const struct calendar *cal, int64_t now)
{
	const struct config	*cfg = p->c->cfg;
	struct timeline_names	 names = { convpage_person, convpage_address,
	    (void *)cfg };
	struct template_node	*list, *last = NULL;
	const struct store_text	*t;
	const char		*note, *type, *by, *me;
	char			 text[768], lastby[128] = "";
	int64_t			 at;
	int			 views = 0, service;
	size_t			 i;
	cJSON			*e;

	list = template_set_list(root, "timeline");
	for (i = 0; i < f->nevents; i++) {
		if ((e = cJSON_Parse(f->events[i])) == NULL)
			continue;
		if ((at = timeline_describe(e, cal, &names, text, sizeof text,
		    &note)) == -1) {
			cJSON_Delete(e);
			continue;
		}
		type = cJSON_GetStringValue(cJSON_GetObjectItem(e, "type"));
		by = cJSON_GetStringValue(cJSON_GetObjectItem(e, "by"));
		if (strcmp(type, "viewed") == 0 && by != NULL && last != NULL &&
		    views > 0 && strcmp(lastby, by) == 0) {
			views++;
			template_setf(last, "text", "%s, %d times", text,
			    views);
			web_when(last, "at", cal, at);
			cJSON_Delete(e);
			continue;
		}
		/* An observed staff email's words, while they are kept. */
		if (strcmp(type, "response") == 0 && (note == NULL ||
		    note[0] == '\0') && (t = convpage_text(f,
		    STORE_TEXT_RESPONSE, 0)) != NULL)
			note = t->text;
		last = convpage_line(list, cal, at, text, note);
		views = strcmp(type, "viewed") == 0 && by != NULL;
		snprintf(lastby, sizeof lastby, "%s", views ? by : "");
		cJSON_Delete(e);
	}
	/* This view, stored before the page is sent. */
	me = api_actor(p->c, &service);
	snprintf(text, sizeof text, "Opened by %s (you)",
	    convpage_name(cfg, me, me));
	convpage_line(list, cal, now, text, NULL);
}

/* The young person's address as the page shows it: masked. */
static void
convpage_masked(const struct store_conv *conv, char *buf, size_t len)
{
	char	tmp[MASK_BUFSIZE];

	snprintf(buf, len, "%s", strcmp(conv->channel, "email") == 0 ?
	    mask_email(conv->addr, tmp, sizeof tmp) :
	    mask_phone(conv->addr, tmp, sizeof tmp));
}

/* The state, the deadline and who has it. */
static void
convpage_state(struct convpage *p, struct template_node *root,
    const struct store_conv *conv, const struct calendar *cal, int64_t now)
{
	const struct config	*cfg = p->c->cfg;
	const char		*state = conversations_state(conv, now);
	char			 when[64];

	template_set(root, "due_key", "Due");
	if (strcmp(state, "responded") == 0) {
		template_set(root, "state_tag", "Responded");
		template_set(root, "state_class", "govuk-tag--green");
		timeline_when(cal, conv->responded_ms, when, sizeof when);
		template_setf(root, "state_detail", "%s by %s, %s.",
		    strcmp(conv->how, "reply") == 0 ? "Replied" :
		    strcmp(conv->how, "phone") == 0 ? "Phoned" :
		    strcmp(conv->how, "in-person") == 0 ? "Seen in person" :
		    strcmp(conv->how, "email") == 0 ? "Replied by email" :
		    "Contacted", convpage_name(cfg, conv->responded_by,
		    "someone"), when);
		template_set(root, "due_key", "Was due");
		template_set(root, "due_words", conv->responded_ms <=
		    conv->deadline_ms ? "Responded in time" :
		    "Responded late");
	} else {
		if (strcmp(state, "acknowledged") == 0) {
			template_set(root, "state_tag", "Taken");
			template_set(root, "state_class",
			    "govuk-tag--yellow");
			timeline_when(cal, conv->ack_until_ms, when,
			    sizeof when);
			if (strcmp(conv->ack_by, p->c->person->id) == 0)
				template_setf(root, "state_detail", "You have "
				    "it until %s.", when);
			else
				template_setf(root, "state_detail", "%s has it "
				    "until %s.", convpage_name(cfg,
				    conv->ack_by, "Someone"), when);
		} else if (strcmp(state, "overdue") == 0) {
			template_set(root, "state_tag", "Overdue");
			template_set(root, "state_class", "govuk-tag--red");
			template_set(root, "state_detail", "Nobody has "
			    "responded or taken it.");
		} else {
			template_set(root, "state_tag", "Waiting");
			template_set(root, "state_class", "govuk-tag--blue");
			template_set(root, "state_detail", "Nobody has "
			    "responded yet.");
		}
		/* A sentence of its own: "Overdue by 1 day". */
		due_words(cal, now / 1000, conv->deadline_ms / 1000, when,
		    sizeof when);
		if (when[0] >= 'a' && when[0] <= 'z')
			when[0] = (char)(when[0] - 'a' + 'A');
		template_set(root, "due_words", when);
	}
	web_when(root, "deadline", cal, conv->deadline_ms);
	template_set_bool(root, "open", strcmp(state, "responded") != 0);
}

/* The reply form: where it goes, the counter's mode, the hint. */
static void
convpage_reply_form(struct convpage *p, struct template_node *root,
    const struct store_conv *conv)
{
	char	masked[MASK_BUFSIZE];

	convpage_masked(conv, masked, sizeof masked);
	template_setf(root, "send_by", "Sent by %s to %s",
	    timeline_channel(conv->channel), masked);
	if (strcmp(conv->channel, "sms") == 0) {
		template_set(root, "count_mode", "sms");
		template_set(root, "reply_hint", "Up to 1600 characters; a "
		    "text longer than 160 characters is sent in parts.");
	} else {
		template_set(root, "count_mode", "plain");
		template_set(root, "reply_hint", "Up to 1600 characters.");
	}
	template_set(root, "reply_text", p->reply_text != NULL ?
	    p->reply_text : "");
	template_set(root, "note_text", p->note_text != NULL ?
	    p->note_text : "");
	template_set_bool(root, "how_phone", strcmp(p->how, "phone") == 0);
	template_set_bool(root, "how_in_person",
	    strcmp(p->how, "in-person") == 0);
	template_set_bool(root, "how_other", strcmp(p->how, "other") == 0);
}

/* "I'll take it": until when, and who has it now. */
static void
convpage_take_form(struct convpage *p, struct template_node *root,
    const struct store_conv *conv, const struct calendar *cal, int64_t now)
{
	const struct config	*cfg = p->c->cfg;
	char			 until[64], held[64];

	timeline_when(cal, duty_until(cfg, conv->team, now), until,
	    sizeof until);
	if (!conversations_taken(conv, now)) {
		template_setf(root, "take_hint", "Taking it tells the team "
		    "you are dealing with it: alerts pause until %s.", until);
		return;
	}
	timeline_when(cal, conv->ack_until_ms, held, sizeof held);
	if (strcmp(conv->ack_by, p->c->person->id) == 0 &&
	    strcmp(held, until) == 0)
		template_setf(root, "take_hint", "You have it until %s.", held);
	else if (strcmp(conv->ack_by, p->c->person->id) == 0)
		template_setf(root, "take_hint", "You have it until %s. "
		    "Take it again to keep it until %s.", held, until);
	else
		template_setf(root, "take_hint", "%s has it until %s. If you "
		    "take it, alerts pause until %s and the team sees it is "
		    "yours.", convpage_name(cfg, conv->ack_by, "Someone"), held,
		    until);
}

/* What the banner says after a form did what it asked (?done=...). */
static void
convpage_done(struct convpage *p, struct template_node *root,
    const struct store_conv *conv, const struct calendar *cal)
{
	const char		*done = http_req_query_param(p->c->req, "done");
	struct template_node	*b;
	char			 when[64];

	if (done == NULL || p->field != NULL || p->error[0] != '\0')
		return;
	if (strcmp(done, "sent") == 0) {
		b = template_set_object(root, "done");
		template_setf(b, "heading", "Reply sent to the young person "
		    "by %s", timeline_channel(conv->channel));
		template_set(b, "detail", "It is recorded as their response.");
	} else if (strcmp(done, "recorded") == 0) {
		b = template_set_object(root, "done");
		template_setf(b, "heading", "Contact recorded: %s",
		    strcmp(conv->how, "phone") == 0 ? "a phone call" :
		    strcmp(conv->how, "in-person") == 0 ? "in person" :
		    "another way");
		template_set(b, "detail", "It is recorded as their response.");
	} else if (strcmp(done, "taken") == 0 &&
	    conversations_taken(conv, api_now_ms(p->c))) {
		b = template_set_object(root, "done");
		timeline_when(cal, conv->ack_until_ms, when, sizeof when);
		template_setf(b, "heading", "%s until %s",
		    strcmp(conv->ack_by, p->c->person->id) == 0 ?
		    "You have taken it" : "Taken", when);
		template_set(b, "detail", "Alerts pause until then. Reply or "
		    "record a contact before it runs out.");
	}
}

/* A failed form's error summary and inline message. */
static void
convpage_errors(struct convpage *p, struct template_node *root)
{
	struct template_node	*list, *o;
	char			 key[32];

	if (p->error[0] == '\0')
		return;
	list = template_set_list(template_set_object(root, "errors"), "list");
	o = template_append_object(list);
	template_set(o, "field", p->field != NULL ? p->field : "reply");
	template_set(o, "text", p->error);
	snprintf(key, sizeof key, "%s_error", p->field != NULL ? p->field :
	    "reply");
	template_set(root, key, p->error);
}

/* The view is stored: send the page (or say why not). */
static void
convpage_viewed(int failed, void *arg)
{
	struct convpage	*p = arg;
	struct api_call	*c = p->c;
	char		 title[64];

	if (failed) {
		log_warnx("conversation %s: the view could not be recorded; "
		    "the page was not shown", p->id);
		web_error(c, 503, "Sorry, there is a problem", "replyd could "
		    "not record that you opened this conversation, so it is "
		    "not shown. Try again in a few minutes.");
	} else {
		snprintf(title, sizeof title, "Conversation %s", p->id);
		web_page(c, p->status, title, WEB_NONE, "conversation", p->d);
	}
	convpage_free(p);
}

/* Record the view, then send the page. */
static void
convpage_view(struct convpage *p)
{
	if (conversations_viewed(p->c, p->id, convpage_viewed, p) == -1) {
		web_error(p->c, 503, "Sorry, there is a problem", "Storage is "
		    "unavailable. Try again in a few minutes.");
		convpage_free(p);
	}
}

/* The contact is loaded: their name heads the page. */
static void
convpage_contact(const struct store_contact *ct, int failed, void *arg)
{
	struct convpage	*p = arg;

	if (ct != NULL && ct->name[0] != '\0')
		template_set(template_root(p->d), "who", ct->name);
	convpage_view(p);
}

/* The conversation is loaded: build the page's data. */
static void
convpage_loaded(const struct store_conv_full *f, int failed, void *arg)
{
	struct convpage		*p = arg;
	struct api_call		*c = p->c;
	const struct calendar	*cal;
	struct template_node	*root;
	char			 masked[MASK_BUFSIZE];
	int64_t			 now = api_now_ms(c);

	if (failed) {
		web_error(c, 503, "Sorry, there is a problem", "Storage is "
		    "unavailable. Try again in a few minutes.");
		convpage_free(p);
		return;
	}
	if (f == NULL || !api_sees(c, f->conv.team)) {
		convpage_missing(c);
		convpage_free(p);
		return;
	}
	if ((p->d = template_data_new()) == NULL) {
		web_error(c, 503, "Sorry, there is a problem", "Out of memory.");
		convpage_free(p);
		return;
	}
	cal = config_team_calendar(c->cfg, config_team(c->cfg, f->conv.team));
	root = template_root(p->d);
	template_set(root, "id", f->conv.id);
	template_set(root, "assets", assets_prefix());
	convpage_masked(&f->conv, masked, sizeof masked);
	/* Until the contact's name is known: never their address whole. */
	if (f->conv.contact[0] != '\0')
		template_setf(root, "who", "Young person %s", f->conv.contact);
	else
		template_setf(root, "who", "Unknown sender %s", masked);
	template_set(root, "team", f->conv.team);
	template_set(root, "worker", convpage_name(c->cfg, f->conv.worker,
	    "No allocated worker"));
	web_when(root, "received", cal, f->conv.received_ms);
	template_set(root, "channel_words", timeline_channel(f->conv.channel));
	convpage_state(p, root, &f->conv, cal, now);
	convpage_messages(root, f, cal);
	convpage_timeline(p, root, f, cal, now);
	convpage_reply_form(p, root, &f->conv);
	convpage_take_form(p, root, &f->conv, cal, now);
	convpage_done(p, root, &f->conv, cal);
	convpage_errors(p, root);
	snprintf(p->contact, sizeof p->contact, "%s", f->conv.contact);
	if (p->contact[0] == '\0' || store_contact_get(c->srv->db, p->contact,
	    convpage_contact, p) == -1)
		convpage_view(p);
}

/* Show the page (again, after a failed form). */
static void
convpage_show(struct convpage *p)
{
	if (store_id_partition(p->id) == -1) {
		convpage_missing(p->c);
		convpage_free(p);
		return;
	}
	if (store_conv_get(p->c->srv->db, p->id, convpage_loaded, p) == -1) {
		web_error(p->c, 503, "Sorry, there is a problem", "Storage is "
		    "unavailable. Try again in a few minutes.");
		convpage_free(p);
	}
}

/* Show the page again with a form's error. */
static void
convpage_failed(struct convpage *p, int status, const char *field,
    const char *error)
{
	p->status = status;
	p->field = field;
	snprintf(p->error, sizeof p->error, "%s", error);
	convpage_show(p);
}

/* GET /c/{id} */
static void
convpage_get(struct api_call *c)
{
	struct convpage	*p;

	if (!web_person(c))
		return;
	if ((p = convpage_new(c, api_param(c, 0))) == NULL) {
		web_error(c, 503, "Sorry, there is a problem", "Out of memory.");
		return;
	}
	convpage_show(p);
}

/*
 * Whether a form's sender is signed in; if not, to sign-in and back to
 * the page (not to the form's path, which only takes a POST).
 */
static int
convpage_signed_in(struct api_call *c)
{
	char	loc[128];

	if (c->signed_in && c->person != NULL)
		return 1;
	if (store_id_partition(api_param(c, 0)) == -1)
		web_done(c, "/signin?return=%2F");
	else {
		snprintf(loc, sizeof loc, "/signin?return=%%2Fc%%2F%s",
		    api_param(c, 0));
		web_done(c, loc);
	}
	return 0;
}

/* After a form did what it asked: back to the page, saying so. */
static void
convpage_back(struct convpage *p, const char *done)
{
	char	path[96];

	snprintf(path, sizeof path, "/c/%s?done=%s", p->id, done);
	/* The home page and the board show the change at once. */
	openset_forget();
	web_done(p->c, path);
	convpage_free(p);
}

/* The reply went (or did not). */
static void
convpage_replied(const struct reply_outcome *o, void *arg)
{
	struct convpage	*p = arg;
	char		 msg[512];

	switch (o->result) {
	case REPLY_RECORDED:
	case REPLY_ALREADY:
		free(p->reply_text);
		p->reply_text = NULL;
		convpage_back(p, "sent");
		return;
	case REPLY_REFUSED:
		snprintf(msg, sizeof msg, "%s refused the message (%d): "
		    "nothing was sent or recorded. Check the reply and try "
		    "again, or phone them and record the call.", o->via,
		    o->status);
		convpage_failed(p, 502, "reply", msg);
		return;
	case REPLY_UNAVAILABLE:
		snprintf(msg, sizeof msg, "%s did not accept the message%s: "
		    "nothing was sent or recorded. Try again in a few minutes, "
		    "or phone them and record the call.", o->via,
		    o->status == 0 ? " (no answer)" : "");
		convpage_failed(p, 502, "reply", msg);
		return;
	case REPLY_UNRECORDED:
		free(p->reply_text);
		p->reply_text = NULL;
		convpage_failed(p, 500, "reply", "The reply was sent, but "
		    "replyd could not record it as their response. Record a "
		    "contact (choose Other) so that the clock stops.");
		return;
	case REPLY_NO_ADDRESS:
		convpage_failed(p, 409, "reply", "There is no address to reply "
		    "to: contact them another way and record it.");
		return;
	case REPLY_NO_SENDER:
		snprintf(msg, sizeof msg, "replyd cannot send by %s: nothing "
		    "was sent. Contact them another way and record it, and "
		    "tell whoever runs replyd.", timeline_channel(o->channel));
		convpage_failed(p, 409, "reply", msg);
		return;
	case REPLY_MISSING:
	case REPLY_GONE:
		convpage_missing(p->c);
		break;
	default:
		web_error(p->c, 503, "Sorry, there is a problem", "Nothing was "
		    "sent: storage is unavailable. Try again in a few minutes.");
		break;
	}
	convpage_free(p);
}

/* POST /c/{id}/reply: text */
static void
convpage_reply(struct api_call *c)
{
	struct convpage	*p;
	const char	*text, *why = NULL;
	size_t		 chars;

	if (!convpage_signed_in(c))
		return;
	text = api_field(c, "text");
	if ((p = convpage_new(c, api_param(c, 0))) == NULL ||
	    (p->reply_text = strdup(text != NULL ? text : "")) == NULL) {
		free(p);
		web_error(c, 503, "Sorry, there is a problem", "Out of memory.");
		return;
	}
	if (text == NULL || (chars = reply_check_text(text, &why)) == 0) {
		convpage_failed(p, 400, "reply", why == NULL ||
		    strcmp(why, "must not be empty") == 0 ? "Enter a reply" :
		    strcmp(why, "is longer than 1600 characters") == 0 ?
		    "Reply must be 1600 characters or fewer" :
		    "Reply must be plain text, with no control characters");
		return;
	}
	if (store_id_partition(p->id) == -1) {
		convpage_missing(c);
		convpage_free(p);
		return;
	}
	if (reply_send(c, p->id, c->person->id, text, chars,
	    convpage_replied, p) == -1) {
		web_error(c, 503, "Sorry, there is a problem", "Nothing was "
		    "sent: storage is unavailable. Try again in a few minutes.");
		convpage_free(p);
	}
}

/* The contact was recorded (or not). */
static void
convpage_recorded(enum store_respond_result res,
    const struct store_responded *info, void *arg)
{
	struct convpage	*p = arg;

	if (res == STORE_RESPOND_OK) {
		convpage_back(p, "recorded");
		return;
	}
	if (res == STORE_RESPOND_ALREADY) {
		convpage_failed(p, 409, "how", "This conversation already has "
		    "a response, so the contact was not recorded.");
		return;
	}
	if (res == STORE_RESPOND_MISSING)
		convpage_missing(p->c);
	else
		web_error(p->c, 503, "Sorry, there is a problem", "The contact "
		    "was not recorded: storage is unavailable. Try again in a "
		    "few minutes.");
	convpage_free(p);
}

/* POST /c/{id}/contact: how, note */
static void
convpage_contacted(struct api_call *c)
{
	struct convpage	*p;
	const char	*how, *note;

	if (!convpage_signed_in(c))
		return;
	how = api_field(c, "how");
	note = api_field(c, "note");
	if ((p = convpage_new(c, api_param(c, 0))) == NULL ||
	    (p->note_text = strdup(note != NULL ? note : "")) == NULL) {
		free(p);
		web_error(c, 503, "Sorry, there is a problem", "Out of memory.");
		return;
	}
	if (how != NULL)
		snprintf(p->how, sizeof p->how, "%s", how);
	if (how == NULL || (strcmp(how, "phone") != 0 &&
	    strcmp(how, "in-person") != 0 && strcmp(how, "other") != 0)) {
		convpage_failed(p, 400, "how", "Select how you contacted them");
		return;
	}
	if (strlen(p->note_text) > CONVPAGE_NOTE_MAX) {
		convpage_failed(p, 400, "note", "Note must be 2000 characters "
		    "or fewer");
		return;
	}
	if (store_id_partition(p->id) == -1) {
		convpage_missing(c);
		convpage_free(p);
		return;
	}
	if (conversations_record(c, p->id, c->person->id, how, p->note_text,
	    convpage_recorded, p) == -1) {
		web_error(c, 503, "Sorry, there is a problem", "The contact "
		    "was not recorded: storage is unavailable. Try again in a "
		    "few minutes.");
		convpage_free(p);
	}
}

/* The conversation was taken (or not). */
static void
convpage_taken(const struct duty_taken *t, void *arg)
{
	struct convpage	*p = arg;

	if (t->result == STORE_ACK_OK) {
		convpage_back(p, "taken");
		return;
	}
	if (t->result == STORE_ACK_ALREADY) {
		convpage_failed(p, 409, "take", "This conversation already has "
		    "a response, so nobody needs to take it.");
		return;
	}
	if (t->result == STORE_ACK_MISSING)
		convpage_missing(p->c);
	else
		web_error(p->c, 503, "Sorry, there is a problem", "It was not "
		    "taken: storage is unavailable. Try again in a few "
		    "minutes.");
	convpage_free(p);
}

/* POST /c/{id}/take */
static void
convpage_take(struct api_call *c)
{
	struct convpage	*p;

	if (!convpage_signed_in(c))
		return;
	if ((p = convpage_new(c, api_param(c, 0))) == NULL) {
		web_error(c, 503, "Sorry, there is a problem", "Out of memory.");
		return;
	}
	if (store_id_partition(p->id) == -1) {
		convpage_missing(c);
		convpage_free(p);
		return;
	}
	if (duty_take(c, p->id, c->person->id, convpage_taken, p) == -1) {
		web_error(c, 503, "Sorry, there is a problem", "It was not "
		    "taken: storage is unavailable. Try again in a few "
		    "minutes.");
		convpage_free(p);
	}
}

static const struct api_route convpage_routes[] = {
	{ HTTP_GET, "/c/*", ROLE_WORKER, API_PAGE | API_DB, convpage_get },
	{ HTTP_POST, "/c/*/reply", ROLE_WORKER, API_PAGE | API_DB | API_FORM,
	    convpage_reply },
	{ HTTP_POST, "/c/*/contact", ROLE_WORKER,
	    API_PAGE | API_DB | API_FORM, convpage_contacted },
	{ HTTP_POST, "/c/*/take", ROLE_WORKER, API_PAGE | API_DB | API_FORM,
	    convpage_take },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module convpage_pages = {
	.name = "conversation page",
	.init = NULL,
	.routes = convpage_routes,
};
