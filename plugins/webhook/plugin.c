/*
 * webhook: alerts as a JSON POST to a URL, for a notifier that needs no
 * address (a Teams or Slack channel, an incident tool).  The payload is
 * one of the presets of webhook-payload.c and never carries message text.
 * 2xx is delivered; no answer, 408, 429 and 5xx are tried again; any other
 * answer (other 4xx, or a redirect, which is never followed) is refused
 * for good.
 *
 * Configuration: "url" (required, https:// or http://), "preset"
 * ("generic", "slack" or "teams"; default "generic"), "headers" (extra
 * request headers, one "Name: value" per line; may be a secret
 * {"file": PATH} since such headers often carry a token), "timeout_ms".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replyd-plugin.h"
#include "webhook-payload.h"


REPLYD_EXPORT const unsigned replyd_plugin_abi = REPLYD_PLUGIN_ABI;

struct webhook {
	const struct replyd_host_api	*api;
	struct replyd_host		*host;
	const char			*url;
	enum webhook_preset		 preset;
	struct webhook_headers		 headers;
	int				 timeout_ms;
};

struct webhook_send {
	replyd_send_done	 done;
	void			*arg;
};

/* The endpoint answered (or did not). */
static void
webhook_sent(void *arg, const struct replyd_http_response *resp)
{
	struct webhook_send	*s = arg;
	struct replyd_result	 r;

	memset(&r, 0, sizeof r);
	r.size = sizeof r;
	r.status = resp->status;
	r.retry_after = resp->retry_after;
	if (resp->error == NULL && resp->status >= 200 && resp->status < 300) {
		r.outcome = REPLYD_SENT;
		r.detail = "accepted";
	} else if (resp->status == 0 || resp->status == 408 ||
	    resp->status == 429 || resp->status >= 500) {
		r.outcome = REPLYD_RETRY;
		r.detail = resp->error ? resp->error : "endpoint busy";
	} else {
		r.outcome = REPLYD_PERMANENT;
		r.detail = resp->status >= 300 && resp->status < 400 ?
		    "redirected (never followed): check the url" :
		    "refused by the endpoint";
	}
	s->done(s->arg, &r);
	free(s);
}

/* Post one alert. */
static void
webhook_send(void *state, const struct replyd_send *msg,
    replyd_send_done done, void *arg)
{
	struct webhook			*wh = state;
	struct replyd_http_request	 req;
	struct replyd_header		*hdrs;
	struct replyd_result		 r;
	struct webhook_send		*s = NULL;
	const char			*why = NULL;
	char				*body;

	memset(&r, 0, sizeof r);
	r.size = sizeof r;
	r.outcome = REPLYD_PERMANENT;
	r.retry_after = -1;
	if ((body = webhook_payload(wh->preset, msg, &why)) == NULL) {
		r.detail = why;
		done(arg, &r);
		return;
	}
	hdrs = calloc(wh->headers.n + 1, sizeof *hdrs);
	if (hdrs == NULL || (s = calloc(1, sizeof *s)) == NULL) {
		free(hdrs);
		free(body);
		r.outcome = REPLYD_RETRY;
		r.detail = "out of memory";
		done(arg, &r);
		return;
	}
	hdrs[0].name = "Content-Type";
	hdrs[0].value = "application/json";
	if (wh->headers.n > 0)
		memcpy(hdrs + 1, wh->headers.list,
		    wh->headers.n * sizeof *hdrs);
	memset(&req, 0, sizeof req);
	req.size = sizeof req;
	req.method = "POST";
	req.url = wh->url;
	req.headers = hdrs;
	req.nheaders = wh->headers.n + 1;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_ms = wh->timeout_ms;
	s->done = done;
	s->arg = arg;
	if (wh->api->http(wh->host, &req, webhook_sent, s) == -1) {
		free(s);
		r.outcome = REPLYD_RETRY;
		r.detail = "cannot start the request";
		done(arg, &r);
	}
	free(hdrs);
	free(body);
}

/* Free the plugin's state. */
static void
webhook_free(void *state)
{
	struct webhook	*wh = state;

	webhook_headers_free(&wh->headers);
	free(wh);
}

/* Read the configuration and register the sender. */
REPLYD_EXPORT int
replyd_plugin_init(const struct replyd_host_api *api, struct replyd_host *host)
{
	struct replyd_config	*cfg;
	struct webhook		*wh;
	struct replyd_sender	 snd;
	const char		*preset, *headers, *why = NULL;
	int			 bad = 0;

	if (api->abi != REPLYD_PLUGIN_ABI ||
	    api->size < sizeof(struct replyd_host_api))
		return -1;
	cfg = api->config(host);
	if ((wh = calloc(1, sizeof *wh)) == NULL)
		return -1;
	wh->api = api;
	wh->host = host;
	wh->url = api->config_string(cfg, "url", 1, 0);
	preset = api->config_string(cfg, "preset", 0, 0);
	headers = api->config_string(cfg, "headers", 0, 1);
	wh->timeout_ms = (int)api->config_int(cfg, "timeout_ms", 10000, 100,
	    120000);
	if (wh->url == NULL)
		bad = 1;
	else if (strncmp(wh->url, "https://", 8) != 0 &&
	    strncmp(wh->url, "http://", 7) != 0) {
		api->config_error(cfg, "url", "expected an https:// URL");
		bad = 1;
	}
	if (webhook_preset_parse(preset, &wh->preset) == -1) {
		api->config_error(cfg, "preset", "expected \"generic\", "
		    "\"slack\" or \"teams\"");
		bad = 1;
	}
	if (webhook_headers_parse(headers, &wh->headers, &why) == -1) {
		/* Never quote the value: it may be a secret. */
		api->config_error(cfg, "headers", "%s", why);
		bad = 1;
	}
	if (bad) {
		webhook_free(wh);
		return -1;
	}
	memset(&snd, 0, sizeof snd);
	snd.size = sizeof snd;
	snd.name = "webhook";
	snd.notifier = 1;
	snd.send = webhook_send;
	snd.free = webhook_free;
	snd.state = wh;
	if (api->register_sender(host, &snd) == -1) {
		webhook_free(wh);
		return -1;
	}
	return 0;
}
