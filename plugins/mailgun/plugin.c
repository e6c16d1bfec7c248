/*
 * mailgun: inbound email through a Mailgun route.  POST /webhooks/mailgun
 * with a form-urlencoded or multipart body, authenticated by the hex
 * HMAC-SHA256 of timestamp + token with the webhook signing key and a
 * timestamp within timestamp_window of now (mailgun-signature.c); a token
 * already used by another message is refused by the host (replay_token).
 * Deduplicated on the Message-Id header, else the token.  An oversized
 * body gets 406, the one status that stops Mailgun retrying.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail-auth.h"
#include "attachments.h"
#include "mailgun-inbound.h"
#include "mailgun-signature.h"
#include "replyd-plugin.h"

#define MAILGUN_WINDOW_MAX	1000000000LL	/* ~31 years: ttl fits int */

REPLYD_EXPORT const unsigned replyd_plugin_abi = REPLYD_PLUGIN_ABI;

struct mailgun {
	const struct replyd_host_api	*api;
	struct replyd_host		*host;
	const char			*signing_key;
	long				 window;	/* seconds */
};

/* The first field of that exact name with a non-empty value, or NULL. */
static const char *
mailgun_get(const struct mailgun *mg, const struct replyd_form *form,
    const char *name, size_t *len)
{
	const char	*v;
	size_t		 n = 0;

	v = mg->api->form_get(form, name, &n);
	if (v == NULL || n == 0)
		return NULL;
	if (len != NULL)
		*len = n;
	return v;
}

/* The first non-empty field of that name in any case (a MIME header). */
static const char *
mailgun_header(const struct mailgun *mg, const struct replyd_form *form,
    const char *name)
{
	const char	*k, *v;
	size_t		 i, n, klen, vlen;

	if ((v = mailgun_get(mg, form, name, NULL)) != NULL)
		return v;
	n = mg->api->form_count(form);
	for (i = 0; i < n; i++) {
		if (mg->api->form_field(form, i, &k, &klen, &v, &vlen,
		    NULL) == -1)
			continue;
		if (klen == strlen(name) && strncasecmp(k, name, klen) == 0 &&
		    vlen > 0)
			return v;
	}
	return NULL;
}

/* A header from its field, else from message-headers (malloc'd), or NULL. */
static char *
mailgun_mime_header(const struct mailgun *mg, const struct replyd_form *form,
    const char *name)
{
	const char	*v, *json;
	size_t		 len;

	if ((v = mailgun_header(mg, form, name)) != NULL)
		return strdup(v);
	if ((json = mailgun_get(mg, form, "message-headers", &len)) == NULL)
		return NULL;
	return mailgun_inbound_header(json, len, name);
}

/*
 * Mailgun's SPF and DKIM verdicts: from message-headers (the whole header
 * block, in order), else from the form fields of those names.
 */
static void
mailgun_auth(const struct mailgun *mg, const struct replyd_form *form,
    const char *sender, struct mail_auth *out)
{
	const char	*json, *k, *v, **names, **values;
	size_t		 len, i, n, m = 0, klen, vlen;

	memset(out, 0, sizeof *out);
	if ((json = mailgun_get(mg, form, "message-headers", &len)) != NULL &&
	    mailgun_inbound_auth_json(json, len, sender, out) == 0)
		return;
	n = mg->api->form_count(form);
	names = calloc(n + 1, sizeof *names);
	values = calloc(n + 1, sizeof *values);
	for (i = 0; names != NULL && values != NULL && i < n; i++)
		if (mg->api->form_field(form, i, &k, &klen, &v, &vlen,
		    NULL) == 0 && strlen(k) == klen && strlen(v) == vlen) {
			names[m] = k;
			values[m++] = v;
		}
	if (names != NULL && values != NULL)
		mailgun_inbound_auth(names, values, m, sender, out);
	free(names);
	free(values);
}

/* Is the body multipart (by its Content-Type value)? */
static int
mailgun_is_multipart(const char *ctype)
{
	if (ctype == NULL)
		return 0;
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	return strncasecmp(ctype, "multipart/", 10) == 0;
}

/* Authenticate and parse one routed email. */
static void
mailgun_inbound(void *state, struct replyd_request *req)
{
	struct mailgun		*mg = state;
	const struct replyd_host_api *api = mg->api;
	struct replyd_form	*form;
	struct replyd_message	 m;
	const char		*ctype, *body, *ts, *token, *sig, *from, *html;
	const char		*sender;
	struct mail_auth	 auth;
	char			 err[256], *text = NULL, *names = NULL;
	char			*message_id = NULL, *in_reply_to = NULL;
	size_t			 len, ts_len = 0, token_len = 0, n = 0;

	ctype = api->req_header(req, "Content-Type");
	body = api->req_body(req, &len);
	form = mailgun_is_multipart(ctype) ?
	    api->multipart_parse(ctype, body, len, err, sizeof err) :
	    api->form_parse(body, len, err, sizeof err);
	if (form == NULL) {
		/* Unparseable means it cannot carry a valid signature. */
		api->refuse(req, 403, "signature", NULL, err);
		return;
	}
	ts = mailgun_get(mg, form, "timestamp", &ts_len);
	token = mailgun_get(mg, form, "token", &token_len);
	sig = mailgun_get(mg, form, "signature", NULL);
	if (ts == NULL || token == NULL || sig == NULL) {
		api->form_free(form);
		api->refuse(req, 403, "signature", NULL,
		    "timestamp, token and signature are required");
		return;
	}
	if (strlen(token) != token_len || mailgun_signature_verify(
	    mg->signing_key, ts, ts_len, token, token_len, sig) == -1) {
		api->form_free(form);
		api->refuse(req, 403, "signature", NULL,
		    "the signature does not match");
		return;
	}
	if (mailgun_signature_fresh(ts, ts_len, (time_t)api->now(mg->host),
	    mg->window) == -1) {
		api->form_free(form);
		api->refuse(req, 403, "stale", NULL, "the timestamp is outside "
		    "timestamp_window");
		return;
	}

	/*
	 * The From header (the "from" field), whose domain SPF or DKIM must
	 * cover for a staff email to count; the envelope sender only when
	 * there is none.
	 */
	sender = mailgun_get(mg, form, "sender", NULL);
	if ((from = mailgun_get(mg, form, "from", NULL)) == NULL &&
	    (from = mailgun_header(mg, form, "From")) == NULL &&
	    (from = sender) == NULL) {
		api->form_free(form);
		api->refuse(req, 400, "malformed", "sender",
		    "neither sender nor from is given");
		return;
	}
	memset(&m, 0, sizeof m);
	m.size = sizeof m;
	m.channel = "email";
	m.from = from;
	mailgun_auth(mg, form, sender, &auth);
	m.auth_spf = auth.spf[0] ? auth.spf : NULL;
	m.auth_spf_domain = auth.spf_domain[0] ? auth.spf_domain : NULL;
	m.auth_dkim_pass = auth.dkim[0] ? auth.dkim : NULL;
	/*
	 * The To header, not the envelope recipient: a worker's reply copied
	 * to replyd has replyd as recipient and the young person in To.
	 */
	if ((m.to = mailgun_header(mg, form, "To")) == NULL)
		m.to = mailgun_get(mg, form, "recipient", NULL);
	if ((m.subject = mailgun_get(mg, form, "subject",
	    &m.subject_len)) == NULL) {
		m.subject = mailgun_header(mg, form, "Subject");
		m.subject_len = 0;
	}
	if ((m.text = mailgun_get(mg, form, "body-plain", &n)) == NULL &&
	    (m.text = mailgun_get(mg, form, "stripped-text", &n)) == NULL) {
		if ((html = mailgun_get(mg, form, "body-html", &n)) != NULL ||
		    (html = mailgun_get(mg, form, "stripped-html", &n)) != NULL)
			text = api->html_to_text(html, n, &n);
		if (html != NULL && text == NULL) {
			api->form_free(form);
			api->refuse(req, 503, "unavailable", NULL,
			    "out of memory");
			return;
		}
		m.text = text ? text : "";
		n = text ? n : 0;
	}
	m.text_len = n;
	message_id = mailgun_mime_header(mg, form, "Message-Id");
	in_reply_to = mailgun_mime_header(mg, form, "In-Reply-To");
	m.message_id = message_id;
	m.in_reply_to = in_reply_to;
	m.provider_id = message_id ? message_id : token;
	names = attachments_named(mg->api, form, &m.attachments);
	m.attachment_names = names;
	if (m.attachments == 0)
		m.attachments = attachments_count(mailgun_get(mg, form,
		    "attachment-count", NULL));
	m.replay_token = token;
	m.replay_ttl = (int)(mg->window * 2);
	api->accept(req, &m);
	free(text);
	free(names);
	free(message_id);
	free(in_reply_to);
	api->form_free(form);
}

/* Free the plugin's state. */
static void
mailgun_free(void *state)
{
	free(state);
}

/* Read the configuration and register the webhook. */
REPLYD_EXPORT int
replyd_plugin_init(const struct replyd_host_api *api, struct replyd_host *host)
{
	struct replyd_config	*cfg;
	struct mailgun		*mg;
	struct replyd_webhook	 wh;

	if (api->abi != REPLYD_PLUGIN_ABI ||
	    api->size < sizeof(struct replyd_host_api))
		return -1;
	cfg = api->config(host);
	if ((mg = calloc(1, sizeof *mg)) == NULL)
		return -1;
	mg->api = api;
	mg->host = host;
	mg->signing_key = api->config_string(cfg, "signing_key", 1, 1);
	mg->window = (long)api->config_int(cfg, "timestamp_window",
	    MAILGUN_WINDOW_DEFAULT, 1, MAILGUN_WINDOW_MAX);
	if (mg->signing_key == NULL) {
		free(mg);
		return -1;
	}

	memset(&wh, 0, sizeof wh);
	wh.size = sizeof wh;
	wh.path = "/webhooks/mailgun";
	wh.email = 1;
	wh.too_large = 406;
	wh.ok_status = 200;
	wh.ok_type = "application/json";
	wh.ok_body = "{}";
	wh.handle = mailgun_inbound;
	wh.state = mg;
	wh.free = mailgun_free;
	if (api->register_webhook(host, &wh) == -1) {
		free(mg);
		return -1;
	}
	return 0;
}
