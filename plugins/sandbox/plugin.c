/*
 * sandbox: a channel for training and for trying replyd (SPEC §16), both
 * inbound and outbound, that reaches nobody.  Its page /sandbox lets a
 * person write as a young person from a chosen number; the message enters
 * replyd through the same intake as a provider's delivery (api->submit:
 * checks, deduplication on the message id, routing, receipt, escalation).
 * Everything replyd sends through the sandbox (receipts, replies, alerts
 * to staff when "alerts" names it) is kept and shown on the page, newest
 * first, instead of being sent.
 *
 * The page needs no sign-in, so anyone who can reach replyd can read it:
 * the host logs a warning at start and at each reload while the sandbox is
 * on, and the page says it is never for real young people.
 *
 * The messages are kept in this plugin's memory, shared by the
 * configuration generations alive at once (so a reload keeps them; the
 * library stays loaded while a generation uses it); a restart empties it,
 * and each replyd instance has its own.  That suits one developer's
 * machine or a training room, which is all the sandbox is for.
 *
 * Configuration: "number" (the council's number young people write to,
 * default "+447700900000"), "keep" (messages kept, default 200).  The page
 * is "/" and the channel's name: /sandbox for "channels": {"sandbox": {}}.
 */
#include <sys/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replyd-plugin.h"
#include "sandbox-log.h"
#include "sandbox-page.h"

REPLYD_EXPORT const unsigned replyd_plugin_abi = REPLYD_PLUGIN_ABI;

#define SANDBOX_SHOWN		100	/* messages on the page */
#define SANDBOX_DEFAULT_FROM	"07700 900123"

struct sandbox {
	const struct replyd_host_api	*api;
	struct replyd_host		*host;
	const char			*number;
	char				 path[72];	/* "/" + name */
	char				 warning[512];
	unsigned long			 sent;	/* provider ids */
};

/* One log for every generation's instance (see the top). */
static struct sandbox_log	*sandbox_log;
static int			 sandbox_users;

/* A page request waiting for replyd to store its message. */
struct sandbox_post {
	struct sandbox			*sb;
	struct replyd_page_request	*pr;
	char				*from;
	char				*text;
};

/* A new random message id (hex), so a form sent twice is stored once. */
static void
sandbox_new_id(char *out, size_t len)
{
	unsigned char	r[12];
	size_t		i;

	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		/* No entropy yet: an id from the clock, unique enough here. */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(out, len, "%016llx%08lx", (unsigned long long)
		    ts.tv_sec, (unsigned long)ts.tv_nsec);
		return;
	}
	for (i = 0; i < sizeof r && 2 * i + 2 < len; i++)
		snprintf(out + 2 * i, len - 2 * i, "%02x", r[i]);
}

/* Draw the page. */
static void
sandbox_show(struct sandbox *sb, struct replyd_page_request *pr, int status,
    const struct sandbox_view *v)
{
	struct replyd_page_reply	 r;
	char				*data;

	data = sandbox_page_data(v, sandbox_log, SANDBOX_SHOWN);
	memset(&r, 0, sizeof r);
	r.size = sizeof r;
	r.status = data != NULL ? status : 503;
	r.title = v->from_error != NULL || v->text_error != NULL ?
	    "Error: Sandbox" : "Sandbox";
	r.template = sandbox_page_template;
	r.data_json = data;
	r.personal = 1;
	sb->api->page_reply(pr, &r);
	free(data);
}

/* GET /sandbox[?from=NUMBER&sent=1]. */
static void
sandbox_get(struct sandbox *sb, struct replyd_page_request *pr)
{
	struct sandbox_view	 v;
	const char		*from = sb->api->page_query(pr, "from");
	const char		*sent = sb->api->page_query(pr, "sent");
	char			 id[SANDBOX_ID_MAX + 1];

	sandbox_new_id(id, sizeof id);
	memset(&v, 0, sizeof v);
	v.from = from != NULL && from[0] != '\0' && strlen(from) < 64 ? from :
	    SANDBOX_DEFAULT_FROM;
	v.message_id = id;
	v.sent = sent != NULL && strcmp(sent, "1") == 0;
	v.number = sb->number;
	v.path = sb->path;
	sandbox_show(sb, pr, 200, &v);
}

/* Free a waiting post. */
static void
sandbox_post_free(struct sandbox_post *p)
{
	free(p->from);
	free(p->text);
	free(p);
}

/* replyd stored the message (or did not): redirect, or say why not. */
static void
sandbox_submitted(void *arg, const struct replyd_submitted *s)
{
	struct sandbox_post	*p = arg;
	struct sandbox		*sb = p->sb;
	struct replyd_page_reply r;
	struct sandbox_view	 v;
	char			 loc[320], enc[200], id[SANDBOX_ID_MAX + 1];
	char			 why[256];

	if (s->status == 200) {
		if (!s->duplicate && sandbox_log_add(sandbox_log,
		    sb->api->now(sb->host), SANDBOX_IN, p->from, p->text,
		    NULL, 0) == -1)
			sb->api->log(sb->host, REPLYD_LOG_WARNING, "out of "
			    "memory: a message is missing from the page");
		else if (!s->duplicate && s->conversation != NULL)
			(void)sandbox_log_link(sandbox_log, s->conversation);
		if (sandbox_url_encode(p->from, enc, sizeof enc) == -1)
			enc[0] = '\0';
		snprintf(loc, sizeof loc, "%s?from=%s&sent=1#messages",
		    sb->path, enc);
		memset(&r, 0, sizeof r);
		r.size = sizeof r;
		r.redirect = loc;
		sb->api->page_reply(p->pr, &r);
		sandbox_post_free(p);
		return;
	}
	/* Show the form again with what was written, and why it failed. */
	if (s->status == 503)
		snprintf(why, sizeof why, "replyd could not store the message "
		    "just now (%s). Try again in a minute.", s->detail ?
		    s->detail : "unavailable");
	else
		snprintf(why, sizeof why, "replyd refused the message (%d: %s)."
		    " Nothing was stored.", s->status, s->detail ? s->detail :
		    "refused");
	sandbox_new_id(id, sizeof id);
	memset(&v, 0, sizeof v);
	v.from = p->from;
	v.text = p->text;
	v.message_id = id;
	v.problem = why;
	v.number = sb->number;
	v.path = sb->path;
	sandbox_show(sb, p->pr, s->status == 503 ? 503 : 400, &v);
	sandbox_post_free(p);
}

/* POST /sandbox: check the form, then hand the message to replyd. */
static void
sandbox_post(struct sandbox *sb, struct replyd_page_request *pr)
{
	const struct replyd_host_api	*api = sb->api;
	struct replyd_form		*f;
	struct replyd_message		 m;
	struct sandbox_view		 v;
	struct sandbox_post		*p;
	const char			*body, *from, *text, *pid;
	char				 err[128], id[SANDBOX_ID_MAX + 1];
	char				 provider_id[64];
	size_t				 len, from_len = 0, text_len = 0;

	memset(&v, 0, sizeof v);
	v.number = sb->number;
	v.path = sb->path;
	sandbox_new_id(id, sizeof id);
	v.message_id = id;
	body = api->page_body(pr, &len);
	if ((f = api->form_parse(body, len, err, sizeof err)) == NULL) {
		v.from = SANDBOX_DEFAULT_FROM;
		v.problem = "The form could not be read. Try again.";
		sandbox_show(sb, pr, 400, &v);
		return;
	}
	from = api->form_get(f, "from", &from_len);
	text = api->form_get(f, "text", &text_len);
	pid = api->form_get(f, "message_id", NULL);
	if (sandbox_form_check(from, from_len, text, text_len, &v.from_error,
	    &v.text_error) == -1) {
		v.from = from != NULL ? from : "";
		v.text = text != NULL ? text : "";
		sandbox_show(sb, pr, 400, &v);
		api->form_free(f);
		return;
	}
	/* The id the page was drawn with: a form sent twice is one message. */
	snprintf(provider_id, sizeof provider_id, "sandbox-%s",
	    sandbox_id_ok(pid) ? pid : id);
	if ((p = calloc(1, sizeof *p)) == NULL ||
	    (p->from = strdup(from)) == NULL ||
	    (p->text = strndup(text, text_len)) == NULL) {
		if (p != NULL)
			sandbox_post_free(p);
		api->form_free(f);
		v.from = from;
		v.problem = "replyd is out of memory. Try again later.";
		sandbox_show(sb, pr, 503, &v);
		return;
	}
	p->sb = sb;
	p->pr = pr;
	memset(&m, 0, sizeof m);
	m.size = sizeof m;
	m.channel = "sms";
	m.provider_id = provider_id;
	m.from = p->from;
	m.to = sb->number;
	m.text = p->text;
	m.text_len = text_len;
	if (api->submit(sb->host, &m, sandbox_submitted, p) == -1) {
		v.from = p->from;
		v.text = p->text;
		v.problem = "replyd could not take the message. Try again.";
		sandbox_show(sb, pr, 503, &v);
		sandbox_post_free(p);
	}
	api->form_free(f);
}

/* Every request for /sandbox. */
static void
sandbox_page(void *state, struct replyd_page_request *pr)
{
	struct sandbox	*sb = state;

	if (strcmp(sb->api->page_method(pr), "POST") == 0)
		sandbox_post(sb, pr);
	else
		sandbox_get(sb, pr);
}

/* "Send" a message: keep it for the page. */
static void
sandbox_send(void *state, const struct replyd_send *msg,
    replyd_send_done done, void *arg)
{
	struct sandbox		*sb = state;
	struct replyd_result	 r;
	enum sandbox_kind	 kind;
	char			 pid[32], *text = NULL;
	const char		*to = msg->to;

	kind = msg->purpose == REPLYD_SEND_RECEIPT ? SANDBOX_RECEIPT :
	    msg->purpose == REPLYD_SEND_REPLY ? SANDBOX_REPLY : SANDBOX_ALERT;
	if (to == NULL)
		to = sb->api->name(sb->host);	/* as a notifier */
	/* An email's subject is part of what its reader sees (a text's is
	 * not sent at all). */
	if (msg->subject != NULL && msg->text != NULL && msg->to != NULL &&
	    strchr(msg->to, '@') != NULL &&
	    asprintf(&text, "Subject: %s\n\n%s", msg->subject,
	    msg->text) == -1)
		text = NULL;
	memset(&r, 0, sizeof r);
	r.size = sizeof r;
	r.retry_after = -1;
	if (sandbox_log_add(sandbox_log, sb->api->now(sb->host), kind, to,
	    text != NULL ? text : msg->text, msg->event, msg->step) == -1) {
		r.outcome = REPLYD_RETRY;
		r.detail = "out of memory";
	} else {
		if (msg->conversation != NULL)
			(void)sandbox_log_link(sandbox_log, msg->conversation);
		snprintf(pid, sizeof pid, "SB%06lu", ++sb->sent);
		r.outcome = REPLYD_SENT;
		r.status = 200;
		r.provider_id = pid;
		r.detail = "shown on /sandbox";
	}
	free(text);
	done(arg, &r);
}

/* Free one instance; the last frees the shared log. */
static void
sandbox_free(void *state)
{
	free(state);
	if (--sandbox_users == 0) {
		sandbox_log_free(sandbox_log);
		sandbox_log = NULL;
	}
}

/* Read the configuration; register the page and the sender. */
REPLYD_EXPORT int
replyd_plugin_init(const struct replyd_host_api *api, struct replyd_host *host)
{
	struct replyd_config	*cfg;
	struct sandbox		*sb;
	struct replyd_sender	 snd;
	struct replyd_page	 pg;
	long long		 keep;

	if (api->abi != REPLYD_PLUGIN_ABI ||
	    api->size < sizeof(struct replyd_host_api) ||
	    !REPLYD_API_HAS(api, register_page) ||
	    !REPLYD_API_HAS(api, submit))
		return -1;
	cfg = api->config(host);
	if ((sb = calloc(1, sizeof *sb)) == NULL)
		return -1;
	sb->api = api;
	sb->host = host;
	sb->number = api->config_string(cfg, "number", 0, 0);
	if (sb->number == NULL)
		sb->number = "+447700900000";
	keep = api->config_int(cfg, "keep", 200, 10, 100000);
	if (sandbox_log == NULL &&
	    (sandbox_log = sandbox_log_new((size_t)keep)) == NULL) {
		free(sb);
		return -1;
	}
	sandbox_users++;
	snprintf(sb->path, sizeof sb->path, "/%s", api->name(host));
	snprintf(sb->warning, sizeof sb->warning, "the sandbox channel is on: "
	    "anyone who can open %s%s can write as a young person and read "
	    "every message replyd sends through it. It is for training and "
	    "trying replyd, never for real young people; remove it from the "
	    "configuration before going live", api->public_url(host),
	    sb->path);

	memset(&pg, 0, sizeof pg);
	pg.size = sizeof pg;
	pg.path = sb->path;
	pg.post = 1;
	pg.max_body = 16 * 1024;
	pg.handle = sandbox_page;
	pg.state = sb;
	pg.warning = sb->warning;
	memset(&snd, 0, sizeof snd);
	snd.size = sizeof snd;
	snd.name = "sandbox";
	snd.sms = 1;
	snd.email = 1;
	snd.notifier = 1;
	snd.send = sandbox_send;
	snd.free = sandbox_free;
	snd.state = sb;
	if (api->register_page(host, &pg) == -1 ||
	    api->register_sender(host, &snd) == -1) {
		sandbox_free(sb);
		return -1;
	}
	return 0;
}
