/*
 * sendgrid: inbound email through SendGrid Inbound Parse.  POST
 * /webhooks/sendgrid with a multipart/form-data body, authenticated by
 * HTTP Basic credentials (sendgrid-inbound.c), deduplicated on the
 * Message-ID found in the "headers" field.  Attachments are counted and
 * named, never stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "replyd-plugin.h"
#include "http-auth.h"
#include "mail-auth.h"
#include "attachments.h"
#include "sendgrid-inbound.h"


REPLYD_EXPORT const unsigned replyd_plugin_abi = REPLYD_PLUGIN_ABI;

struct sendgrid {
	const struct replyd_host_api	*api;
	struct replyd_host		*host;
	const char			*username;
	const char			*password;
};

/* The first field of that name with a non-empty value, or NULL. */
static const char *
sendgrid_get(const struct sendgrid *sg, const struct replyd_form *form,
    const char *name, size_t *len)
{
	const char	*v;
	size_t		 n = 0;

	v = sg->api->form_get(form, name, &n);
	if (v == NULL || n == 0)
		return NULL;
	if (len != NULL)
		*len = n;
	return v;
}

/* Is the body multipart (by its Content-Type value)? */
static int
sendgrid_is_multipart(const char *ctype)
{
	if (ctype == NULL)
		return 0;
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	return strncasecmp(ctype, "multipart/", 10) == 0;
}

/* Authenticate and parse one parsed email. */
static void
sendgrid_inbound(void *state, struct replyd_request *req)
{
	struct sendgrid		*sg = state;
	const struct replyd_host_api *api = sg->api;
	struct replyd_form	*form;
	struct replyd_message	 m;
	const char		*auth, *ctype, *body, *headers, *html, *info;
	const char		*charsets;
	char			 err[256], *text = NULL, *names = NULL;
	char			*message_id = NULL, *in_reply_to = NULL;
	char			*utf8 = NULL, *subject = NULL;
	char			*envelope_from = NULL;
	const char		*v;
	struct mail_auth	 ma;
	size_t			 len, hlen = 0, clen = 0, n = 0;
	int			 counted;

	auth = api->req_header(req, "Authorization");
	if (http_auth_basic(auth, sg->username, sg->password) == -1) {
		api->refuse(req, 403, "credentials", NULL, auth == NULL ?
		    "no Authorization header" : "wrong credentials");
		return;
	}
	ctype = api->req_header(req, "Content-Type");
	body = api->req_body(req, &len);
	form = sendgrid_is_multipart(ctype) ?
	    api->multipart_parse(ctype, body, len, err, sizeof err) :
	    api->form_parse(body, len, err, sizeof err);
	if (form == NULL) {
		api->refuse(req, 400, "malformed", "body", err);
		return;
	}
	headers = sendgrid_get(sg, form, "headers", &hlen);
	if (headers == NULL || (message_id = sendgrid_inbound_header(headers,
	    hlen, "Message-ID")) == NULL || message_id[0] == '\0') {
		free(message_id);
		api->form_free(form);
		api->refuse(req, 400, "malformed", "Message-ID", headers ==
		    NULL ? "no headers field" : "no Message-ID header");
		return;
	}
	memset(&m, 0, sizeof m);
	m.size = sizeof m;
	m.channel = "email";
	m.provider_id = message_id;
	m.message_id = message_id;
	in_reply_to = sendgrid_inbound_header(headers, hlen, "In-Reply-To");
	m.in_reply_to = in_reply_to;
	if ((m.from = sendgrid_get(sg, form, "from", NULL)) == NULL) {
		free(message_id);
		free(in_reply_to);
		api->form_free(form);
		api->refuse(req, 400, "malformed", "from", "no from field");
		return;
	}
	m.to = sendgrid_get(sg, form, "to", NULL);
	/*
	 * SendGrid's own verdicts: "SPF" ("pass", "fail", "softfail", ...)
	 * for the envelope sender, "dkim" ("{@b.example : pass}").
	 */
	memset(&ma, 0, sizeof auth);
	if ((v = sendgrid_get(sg, form, "SPF", NULL)) != NULL &&
	    mail_auth_result(v, ma.spf, sizeof ma.spf) == 0 &&
	    (v = sendgrid_get(sg, form, "envelope", &n)) != NULL &&
	    (envelope_from = sendgrid_inbound_envelope_from(v, n)) != NULL)
		mail_auth_domain(envelope_from, strlen(envelope_from),
		    ma.spf_domain, sizeof ma.spf_domain);
	mail_auth_sendgrid_dkim(&ma, sendgrid_get(sg, form, "dkim", NULL));
	free(envelope_from);
	m.auth_spf = ma.spf[0] ? ma.spf : NULL;
	m.auth_spf_domain = ma.spf_domain[0] ? ma.spf_domain : NULL;
	m.auth_dkim_pass = ma.dkim[0] ? ma.dkim : NULL;
	charsets = sendgrid_get(sg, form, "charsets", &clen);
	if ((m.subject = sendgrid_get(sg, form, "subject", &n)) != NULL &&
	    (subject = sendgrid_inbound_utf8(charsets, clen, "subject",
	    m.subject, n, &n)) != NULL)
		m.subject = subject;
	m.subject_len = m.subject != NULL ? n : 0;
	if ((m.text = sendgrid_get(sg, form, "text", &n)) != NULL &&
	    (utf8 = sendgrid_inbound_utf8(charsets, clen, "text", m.text, n,
	    &n)) != NULL)
		m.text = utf8;
	if (m.text == NULL) {
		if ((html = sendgrid_get(sg, form, "html", &n)) != NULL &&
		    (utf8 = sendgrid_inbound_utf8(charsets, clen, "html", html,
		    n, &n)) != NULL)
			html = utf8;
		if (html != NULL &&
		    (text = api->html_to_text(html, n, &n)) == NULL) {
			free(utf8);
			free(subject);
			free(message_id);
			free(in_reply_to);
			api->form_free(form);
			api->refuse(req, 503, "unavailable", NULL,
			    "out of memory");
			return;
		}
		m.text = text ? text : "";
		n = text ? n : 0;
	}
	m.text_len = n;
	names = attachments_named(sg->api, form, &m.attachments);
	if (m.attachments == 0) {
		m.attachments = attachments_count(sendgrid_get(sg, form,
		    "attachments", NULL));
		if ((info = sendgrid_get(sg, form, "attachment-info",
		    &n)) != NULL) {
			names = sendgrid_inbound_attachment_names(info, n,
			    &counted);
			if (m.attachments == 0)
				m.attachments = counted;
		}
	}
	m.attachment_names = names;
	api->accept(req, &m);
	free(utf8);
	free(subject);
	free(text);
	free(names);
	free(message_id);
	free(in_reply_to);
	api->form_free(form);
}

/* Free the plugin's state. */
static void
sendgrid_free(void *state)
{
	free(state);
}

/* Read the configuration and register the webhook. */
REPLYD_EXPORT int
replyd_plugin_init(const struct replyd_host_api *api, struct replyd_host *host)
{
	struct replyd_config	*cfg;
	struct sendgrid		*sg;
	struct replyd_webhook	 wh;

	if (api->abi != REPLYD_PLUGIN_ABI ||
	    api->size < sizeof(struct replyd_host_api))
		return -1;
	cfg = api->config(host);
	if ((sg = calloc(1, sizeof *sg)) == NULL)
		return -1;
	sg->api = api;
	sg->host = host;
	sg->username = api->config_string(cfg, "username", 1, 0);
	sg->password = api->config_string(cfg, "password", 1, 1);
	if (sg->username != NULL && strchr(sg->username, ':') != NULL) {
		/* RFC 7617: the user-id cannot hold a colon. */
		api->config_error(cfg, "username", "must not contain ':'");
		sg->username = NULL;
	}
	if (sg->username == NULL || sg->password == NULL) {
		free(sg);
		return -1;
	}

	memset(&wh, 0, sizeof wh);
	wh.size = sizeof wh;
	wh.path = "/webhooks/sendgrid";
	wh.email = 1;
	wh.too_large = 413;
	wh.ok_status = 200;
	wh.ok_type = "application/json";
	wh.ok_body = "{}";
	wh.handle = sendgrid_inbound;
	wh.state = sg;
	wh.free = sendgrid_free;
	if (api->register_webhook(host, &wh) == -1) {
		free(sg);
		return -1;
	}
	return 0;
}
