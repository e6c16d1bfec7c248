/*
 * notify: GOV.UK Notify.  Inbound: POST /webhooks/notify, Notify's
 * received text message callback, authenticated by its bearer callback
 * token (notify-inbound.c), deduplicated on "id" and answered with "{}".
 * Delivery receipts: POST /webhooks/notify/status, Notify's delivery
 * receipt callback with the same bearer token (notify-receipt.c).
 * Outbound (SMS and email through templates, notify-send.c) and the
 * backfill of received texts are registered when "api_key" is set.
 */
#include <stdlib.h>
#include <string.h>

#include "http-auth.h"
#include "notify-inbound.h"
#include "notify-receipt.h"
#include "notify-send.h"
#include "replyd-plugin.h"


REPLYD_EXPORT const unsigned replyd_plugin_abi = REPLYD_PLUGIN_ABI;

struct notify {
	const struct replyd_host_api	*api;
	struct replyd_host		*host;
	const char			*callback_token;
};

/* Authenticate and parse one received text message. */
static void
notify_inbound(void *state, struct replyd_request *req)
{
	struct notify		*nt = state;
	const struct replyd_host_api *api = nt->api;
	struct notify_inbound	 in;
	struct replyd_message	 m;
	const char		*auth, *body, *field = NULL;
	char			 err[160];
	size_t			 len;

	auth = api->req_header(req, "Authorization");
	if (http_auth_bearer(auth, nt->callback_token) == -1) {
		api->refuse(req, 403, "credentials", NULL, auth == NULL ?
		    "no Authorization header" : "wrong bearer token");
		return;
	}
	body = api->req_body(req, &len);
	if (notify_inbound_parse(body, len, &in, &field, err,
	    sizeof err) == -1) {
		api->refuse(req, 400, "malformed", field, err);
		return;
	}
	memset(&m, 0, sizeof m);
	m.size = sizeof m;
	m.channel = "sms";
	m.provider_id = in.id;
	m.from = in.source_number;
	m.to = in.destination_number;
	m.text = in.message;
	m.text_len = in.message_len;
	api->accept(req, &m);
	notify_inbound_free(&in);
}

/* Authenticate and record one delivery receipt. */
static void
notify_receipt(void *state, struct replyd_request *req)
{
	struct notify		*nt = state;
	const struct replyd_host_api *api = nt->api;
	struct notify_receipt	 in;
	struct replyd_receipt	 rc;
	const char		*auth, *body, *field = NULL;
	char			 err[160];
	size_t			 len;

	auth = api->req_header(req, "Authorization");
	if (http_auth_bearer(auth, nt->callback_token) == -1) {
		api->refuse(req, 403, "credentials", NULL, auth == NULL ?
		    "no Authorization header" : "wrong bearer token");
		return;
	}
	body = api->req_body(req, &len);
	if (notify_receipt_parse(body, len, &in, &field, err,
	    sizeof err) == -1) {
		api->refuse(req, 400, "malformed", field, err);
		return;
	}
	memset(&rc, 0, sizeof rc);
	rc.size = sizeof rc;
	rc.provider_id = in.id;
	rc.tag = in.reference;
	rc.status = in.status;
	rc.delivery = in.delivery;
	rc.channel = in.type != NULL && strcmp(in.type, "email") == 0 ?
	    "email" : "sms";
	api->receipt(req, &rc);
	notify_receipt_free(&in);
}

/* Free the plugin's state. */
static void
notify_free(void *state)
{
	free(state);
}

/* Read the configuration and register the webhook. */
REPLYD_EXPORT int
replyd_plugin_init(const struct replyd_host_api *api, struct replyd_host *host)
{
	struct replyd_config	*cfg;
	struct notify		*nt;
	struct replyd_webhook	 wh;

	if (api->abi != REPLYD_PLUGIN_ABI ||
	    api->size < sizeof(struct replyd_host_api))
		return -1;
	cfg = api->config(host);
	if ((nt = calloc(1, sizeof *nt)) == NULL)
		return -1;
	nt->api = api;
	nt->host = host;
	nt->callback_token = api->config_string(cfg, "callback_token", 1, 1);
	if (nt->callback_token == NULL) {
		free(nt);
		return -1;
	}

	memset(&wh, 0, sizeof wh);
	wh.size = sizeof wh;
	wh.path = "/webhooks/notify";
	wh.email = 0;
	wh.too_large = 413;
	wh.ok_status = 200;
	wh.ok_type = "application/json";
	wh.ok_body = "{}";
	wh.handle = notify_inbound;
	wh.state = nt;
	wh.free = notify_free;
	if (api->register_webhook(host, &wh) == -1) {
		free(nt);
		return -1;
	}
	/* Delivery receipts: the same token, a path of their own. */
	wh.path = "/webhooks/notify/status";
	wh.handle = notify_receipt;
	wh.free = NULL;		/* the first webhook frees nt */
	if (REPLYD_API_HAS(api, receipt) &&
	    api->register_webhook(host, &wh) == -1) {
		free(nt);
		return -1;
	}
	/* The sender, when api_key is set, has state of its own. */
	if (notify_send_init(api, host, cfg) == -1) {
		free(nt);
		return -1;
	}
	return 0;
}
