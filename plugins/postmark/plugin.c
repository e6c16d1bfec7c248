/*
 * postmark: inbound email through Postmark.  POST /webhooks/postmark with
 * Postmark's JSON, authenticated by HTTP Basic credentials, deduplicated
 * on Postmark's MessageID (postmark-inbound.c).  An oversized body gets
 * 403, the status that stops Postmark retrying.
 */
#include <stdlib.h>
#include <string.h>

#include "http-auth.h"
#include "postmark-inbound.h"
#include "replyd-plugin.h"


REPLYD_EXPORT const unsigned replyd_plugin_abi = REPLYD_PLUGIN_ABI;

struct postmark {
	const struct replyd_host_api	*api;
	struct replyd_host		*host;
	const char			*username;
	const char			*password;
};

/* Authenticate and parse one inbound email. */
static void
postmark_inbound(void *state, struct replyd_request *req)
{
	struct postmark		*pm = state;
	const struct replyd_host_api *api = pm->api;
	struct postmark_inbound	 in;
	struct replyd_message	 m;
	const char		*auth, *body, *field = NULL;
	char			 err[160], *text = NULL;
	size_t			 len, n = 0;

	auth = api->req_header(req, "Authorization");
	if (http_auth_basic(auth, pm->username, pm->password) == -1) {
		api->refuse(req, 403, "credentials", NULL, auth == NULL ?
		    "no Authorization header" : "wrong credentials");
		return;
	}
	body = api->req_body(req, &len);
	if (postmark_inbound_parse(body, len, &in, &field, err,
	    sizeof err) == -1) {
		api->refuse(req, 400, "malformed", field, err);
		return;
	}
	memset(&m, 0, sizeof m);
	m.size = sizeof m;
	m.channel = "email";
	m.provider_id = in.id;
	m.from = in.from;
	m.to = in.to;
	m.subject = in.subject;
	m.message_id = in.message_id;
	m.in_reply_to = in.in_reply_to;
	m.attachments = in.attachments;
	m.auth_spf = in.auth.spf[0] ? in.auth.spf : NULL;
	m.auth_spf_domain = in.auth.spf_domain[0] ? in.auth.spf_domain : NULL;
	m.auth_dkim_pass = in.auth.dkim[0] ? in.auth.dkim : NULL;
	m.attachment_names = in.attachment_names;
	if (in.text != NULL && in.text_len > 0) {
		m.text = in.text;
		n = in.text_len;
	} else if (in.html != NULL && in.html_len > 0) {
		if ((text = api->html_to_text(in.html, in.html_len,
		    &n)) == NULL) {
			postmark_inbound_free(&in);
			api->refuse(req, 503, "unavailable", NULL,
			    "out of memory");
			return;
		}
		m.text = text;
	} else
		m.text = "";
	m.text_len = n;
	api->accept(req, &m);
	free(text);
	postmark_inbound_free(&in);
}

/* Free the plugin's state. */
static void
postmark_free(void *state)
{
	free(state);
}

/* Read the configuration and register the webhook. */
REPLYD_EXPORT int
replyd_plugin_init(const struct replyd_host_api *api, struct replyd_host *host)
{
	struct replyd_config	*cfg;
	struct postmark		*pm;
	struct replyd_webhook	 wh;

	if (api->abi != REPLYD_PLUGIN_ABI ||
	    api->size < sizeof(struct replyd_host_api))
		return -1;
	cfg = api->config(host);
	if ((pm = calloc(1, sizeof *pm)) == NULL)
		return -1;
	pm->api = api;
	pm->host = host;
	pm->username = api->config_string(cfg, "username", 1, 0);
	pm->password = api->config_string(cfg, "password", 1, 1);
	if (pm->username != NULL && strchr(pm->username, ':') != NULL) {
		/* RFC 7617: the user-id cannot hold a colon. */
		api->config_error(cfg, "username", "must not contain ':'");
		pm->username = NULL;
	}
	if (pm->username == NULL || pm->password == NULL) {
		free(pm);
		return -1;
	}

	memset(&wh, 0, sizeof wh);
	wh.size = sizeof wh;
	wh.path = "/webhooks/postmark";
	wh.email = 1;
	wh.too_large = 403;
	wh.ok_status = 200;
	wh.ok_type = "application/json";
	wh.ok_body = "{}";
	wh.handle = postmark_inbound;
	wh.state = pm;
	wh.free = postmark_free;
	if (api->register_webhook(host, &wh) == -1) {
		free(pm);
		return -1;
	}
	return 0;
}
