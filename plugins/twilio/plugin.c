/*
 * twilio: SMS through Twilio Messaging.  Inbound: POST /webhooks/twilio,
 * authenticated by X-Twilio-Signature over public_url + path + query and
 * the form fields (twilio-signature.c), deduplicated on MessageSid and
 * answered with an empty TwiML <Response/>; MMS media are passed on as
 * links.  Delivery receipts: POST /webhooks/twilio/status, signed the
 * same way (twilio-status.c).  Outbound: the Messages REST API with Basic
 * auth and a form body, with StatusCallback on every message (its query
 * is the send's delivery tag) and From the send's own number when it has
 * one (alerts.sms_from).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replyd-plugin.h"
#include <cjson/cJSON.h>

#include "twilio-inbound.h"
#include "twilio-signature.h"
#include "twilio-status.h"

#define TWILIO_MAX_PARAMS	1000
#define TWILIO_MAX_MEDIA	10	/* Twilio sends at most 10 */
#define TWILIO_WHATSAPP		"whatsapp:"
#define TWILIO_STATUS_PATH	"/webhooks/twilio/status"

REPLYD_EXPORT const unsigned replyd_plugin_abi = REPLYD_PLUGIN_ABI;

struct twilio {
	const struct replyd_host_api	*api;
	struct replyd_host		*host;
	const char			*auth_token;
	const char			*account_sid;
	const char			*from;
	const char			*whatsapp_from;	/* E.164, or NULL */
	const char			*api_base;
	int				 timeout_ms;
};

/*
 * Refuse (400, naming the field) a signed request that Twilio could not
 * have sent: a message id of the wrong form, or a parameter name Twilio
 * never sends (a re-split request).  Logs what was refused, never a value.
 * 0 when it may go on.
 */
static int
twilio_check_fields(struct twilio *tw, struct replyd_request *req,
    struct replyd_form *form)
{
	static const char *const sids[] = { "MessageSid", "SmsSid",
	    "SmsMessageSid" };
	const struct replyd_host_api *api = tw->api;
	const char	*name, *value, *why, *base, *first = NULL;
	char		 field[48], detail[160];
	size_t		 i, j, n, name_len, value_len, first_len = 0;

	n = api->form_count(form);
	for (i = 0; i < n; i++) {
		if (api->form_field(form, i, &name, &name_len, &value,
		    &value_len, NULL) == -1)
			continue;
		if (twilio_inbound_name_ok(name, name_len, &why, &base))
			continue;
		if (base != NULL)
			snprintf(field, sizeof field, "%s", base);
		else
			snprintf(field, sizeof field, "parameter %zu", i + 1);
		snprintf(detail, sizeof detail, "parameter %zu of %zu (a name "
		    "of %zu bytes) %s", i + 1, n, name_len, why);
		api->log(tw->host, REPLYD_LOG_WARNING, "refusing a signed "
		    "request: %s", detail);
		api->refuse(req, 400, "malformed", field, detail);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (api->form_field(form, i, &name, &name_len, &value,
		    &value_len, NULL) == -1)
			continue;
		for (j = 0; j < sizeof sids / sizeof sids[0]; j++) {
			if (name_len != strlen(sids[j]) ||
			    memcmp(name, sids[j], name_len) != 0)
				continue;
			if (!twilio_inbound_sid_ok(value, value_len)) {
				api->log(tw->host, REPLYD_LOG_WARNING,
				    "refusing a signed request: %s is not SM or "
				    "MM and 32 hex digits (%zu bytes)", sids[j],
				    value_len);
				api->refuse(req, 400, "malformed", sids[j],
				    "must be SM or MM followed by 32 hex "
				    "digits");
				return -1;
			}
			if (first != NULL && (value_len != first_len ||
			    memcmp(value, first, first_len) != 0)) {
				api->log(tw->host, REPLYD_LOG_WARNING,
				    "refusing a signed request: %s differs "
				    "from the message id before it", sids[j]);
				api->refuse(req, 400, "malformed", sids[j],
				    "differs from the other message id");
				return -1;
			}
			first = value;
			first_len = value_len;
		}
	}
	return 0;
}

/*
 * Say which URL the signature was checked over, public_url + path (the
 * query is left out of the log), so that an operator whose public_url is
 * not the URL Twilio calls sees it at once.  No secret is in it.
 */
static void
twilio_log_mismatch(struct twilio *tw, struct replyd_request *req,
    const char *why)
{
	const struct replyd_host_api *api = tw->api;
	const char	*query = api->req_query(req);

	api->log(tw->host, REPLYD_LOG_WARNING, "X-Twilio-Signature refused "
	    "(%s): replyd checked it over %s%s (public_url + path%s); "
	    "if Twilio calls another URL, set public_url to it", why ? why :
	    "mismatch", api->public_url(tw->host), api->req_path(req),
	    query ? " + query" : "");
}

/*
 * Authenticate one request (the signature over public_url + path + query
 * and the form) and check its fields: the parsed form, or NULL after the
 * request was refused.
 */
static struct replyd_form *
twilio_form(struct twilio *tw, struct replyd_request *req)
{
	const struct replyd_host_api *api = tw->api;
	struct replyd_form	*form = NULL;
	struct twilio_param	*params = NULL;
	const char		*sig, *body, *query, *ctype, *why = NULL;
	char			*url = NULL, err[256];
	size_t			 len, n = 0, i;
	int			 ok;

	sig = api->req_header(req, "X-Twilio-Signature");
	body = api->req_body(req, &len);
	query = api->req_query(req);
	ctype = api->req_header(req, "Content-Type");
	if (sig == NULL) {
		api->refuse(req, 403, "signature", NULL,
		    "no X-Twilio-Signature header");
		return NULL;
	}
	if (asprintf(&url, "%s%s%s%s", api->public_url(tw->host),
	    api->req_path(req), query ? "?" : "", query ? query : "") == -1) {
		api->refuse(req, 503, "unavailable", NULL, "out of memory");
		return NULL;
	}
	if (ctype != NULL && strncmp(ctype, "application/json", 16) == 0) {
		/* JSON bodies: only the URL is signed, bodySHA256 binds it. */
		ok = twilio_signature_verify_json(tw->auth_token, url, body,
		    len, sig, &why) == 0;
		free(url);
		if (!ok) {
			twilio_log_mismatch(tw, req, why);
			api->refuse(req, 403, "signature", NULL, why);
		}
		else
			api->refuse(req, 400, "malformed", "Content-Type",
			    "Twilio's webhooks must be form-encoded");
		return NULL;
	}
	if ((form = api->form_parse(body, len, err, sizeof err)) == NULL) {
		free(url);
		/* Unparseable means it cannot carry a valid signature. */
		api->refuse(req, 403, "signature", NULL, err);
		return NULL;
	}
	n = api->form_count(form);
	if ((params = calloc(n + 1, sizeof *params)) == NULL) {
		free(url);
		api->form_free(form);
		api->refuse(req, 503, "unavailable", NULL, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++)
		api->form_field(form, i, &params[i].key, &params[i].key_len,
		    &params[i].value, &params[i].value_len, NULL);
	ok = twilio_signature_verify(tw->auth_token, url, params, n, sig,
	    &why) == 0;
	free(params);
	free(url);
	if (!ok) {
		twilio_log_mismatch(tw, req, why);
		api->form_free(form);
		api->refuse(req, 403, "signature", NULL, why);
		return NULL;
	}
	/* Signed, but re-split?  (twilio-inbound.h) */
	if (twilio_check_fields(tw, req, form) == -1) {
		api->form_free(form);
		return NULL;
	}
	return form;
}

/* Authenticate and parse one inbound SMS (or MMS, or WhatsApp). */
static void
twilio_inbound(void *state, struct replyd_request *req)
{
	struct twilio		*tw = state;
	const struct replyd_host_api *api = tw->api;
	struct replyd_form	*form;
	struct replyd_message	 m;
	const char		*sid, *from, *text, *nmedia;
	const char		*urls[TWILIO_MAX_MEDIA], *types[TWILIO_MAX_MEDIA];
	char			 key[32];
	size_t			 text_len = 0, i, nurls = 0;
	int			 count;

	if ((form = twilio_form(tw, req)) == NULL)
		return;
	sid = api->form_get(form, "MessageSid", NULL);
	if (sid == NULL)
		sid = api->form_get(form, "SmsSid", NULL);
	from = api->form_get(form, "From", NULL);
	text = api->form_get(form, "Body", &text_len);
	nmedia = api->form_get(form, "NumMedia", NULL);
	if (sid == NULL || sid[0] == '\0') {
		api->form_free(form);
		api->refuse(req, 400, "malformed", "MessageSid",
		    "MessageSid is missing");
		return;
	}
	if (from == NULL || from[0] == '\0') {
		api->form_free(form);
		api->refuse(req, 400, "malformed", "From", "From is missing");
		return;
	}
	/* MMS: the links to the media (MediaUrl0..), never the media. */
	count = nmedia ? atoi(nmedia) : 0;
	for (i = 0; count > 0 && i < (size_t)count && i < TWILIO_MAX_MEDIA;
	    i++) {
		snprintf(key, sizeof key, "MediaUrl%zu", i);
		if ((urls[nurls] = api->form_get(form, key, NULL)) == NULL)
			continue;
		snprintf(key, sizeof key, "MediaContentType%zu", i);
		types[nurls++] = api->form_get(form, key, NULL);
	}
	memset(&m, 0, sizeof m);
	m.size = sizeof m;
	/* WhatsApp (SPEC section 5): From=whatsapp:+44... */
	m.channel = strncmp(from, TWILIO_WHATSAPP, strlen(TWILIO_WHATSAPP)) ==
	    0 ? "whatsapp" : "sms";
	m.provider_id = sid;
	m.from = from;
	m.to = api->form_get(form, "To", NULL);
	m.text = text ? text : "";
	m.text_len = text ? text_len : 0;
	m.attachments = count > 0 ? count : 0;
	m.media_urls = urls;
	m.media_types = types;
	m.nmedia = nurls;
	api->accept(req, &m);
	api->form_free(form);
}

/* Authenticate and record one status callback of a message sent. */
static void
twilio_status(void *state, struct replyd_request *req)
{
	struct twilio		*tw = state;
	const struct replyd_host_api *api = tw->api;
	struct replyd_form	*form;
	struct replyd_receipt	 rc;
	struct twilio_status	 st;
	const char		*sid, *status, *error, *why = NULL;
	size_t			 slen = 0, elen = 0;

	if ((form = twilio_form(tw, req)) == NULL)
		return;
	if ((sid = api->form_get(form, "MessageSid", NULL)) == NULL)
		sid = api->form_get(form, "SmsSid", NULL);
	if ((status = api->form_get(form, "MessageStatus", &slen)) == NULL)
		status = api->form_get(form, "SmsStatus", &slen);
	error = api->form_get(form, "ErrorCode", &elen);
	if (sid == NULL || sid[0] == '\0') {
		api->form_free(form);
		api->refuse(req, 400, "malformed", "MessageSid",
		    "MessageSid is missing");
		return;
	}
	if (twilio_status_parse(status, slen, error, elen, &st, &why) == -1) {
		api->form_free(form);
		api->refuse(req, 400, "malformed", "MessageStatus", why);
		return;
	}
	memset(&rc, 0, sizeof rc);
	rc.size = sizeof rc;
	rc.provider_id = sid;
	/* The tag is the query replyd put on the StatusCallback URL. */
	rc.tag = api->req_query(req);
	rc.status = st.status;
	rc.delivery = st.delivery;
	rc.error_code = st.error[0] != '\0' ? st.error : NULL;
	rc.channel = "sms";
	api->receipt(req, &rc);
	api->form_free(form);
}

/* Append s to a form body, percent-encoded. */
static void
twilio_encode(FILE *f, const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '~')
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

struct twilio_send {
	replyd_send_done	 done;
	void			*arg;
};

/* The message's sid from the Messages API's answer, into buf (or ""). */
static const char *
twilio_sid(const struct replyd_http_response *resp, char *buf, size_t len)
{
	cJSON		*j;
	const char	*sid;

	buf[0] = '\0';
	if (resp->body == NULL || resp->body_len == 0 ||
	    (j = cJSON_ParseWithLength(resp->body, resp->body_len)) == NULL)
		return NULL;
	sid = cJSON_GetStringValue(cJSON_GetObjectItem(j, "sid"));
	if (sid != NULL && twilio_inbound_sid_ok(sid, strlen(sid)))
		snprintf(buf, len, "%s", sid);
	cJSON_Delete(j);
	return buf[0] != '\0' ? buf : NULL;
}

/* The Messages API answered. */
static void
twilio_sent(void *arg, const struct replyd_http_response *resp)
{
	struct twilio_send	*s = arg;
	struct replyd_result	 r;
	char			 sid[40];

	memset(&r, 0, sizeof r);
	r.size = sizeof r;
	r.status = resp->status;
	r.retry_after = resp->retry_after;
	if (resp->status >= 200 && resp->status < 300) {
		r.outcome = REPLYD_SENT;
		r.detail = "accepted";
		r.provider_id = twilio_sid(resp, sid, sizeof sid);
	} else if (resp->status == 0 || resp->status == 408 ||
	    resp->status == 429 || resp->status >= 500) {
		r.outcome = REPLYD_RETRY;
		r.detail = resp->error ? resp->error : "provider busy";
	} else {
		r.outcome = REPLYD_PERMANENT;
		r.detail = "refused by Twilio";
	}
	s->done(s->arg, &r);
	free(s);
}

/* Send one SMS with the Messages API. */
static void
twilio_send(void *state, const struct replyd_send *msg,
    replyd_send_done done, void *arg)
{
	struct twilio			*tw = state;
	struct replyd_http_request	 req;
	struct replyd_header		 hdr = { "Content-Type",
					    "application/x-www-form-urlencoded" };
	struct replyd_result		 r;
	struct twilio_send		*s;
	char				*body = NULL, *url = NULL;
	const char			*number, *from, *tag;
	size_t				 len = 0;
	int				 whatsapp;
	FILE				*f;

	memset(&r, 0, sizeof r);
	r.size = sizeof r;
	r.outcome = REPLYD_PERMANENT;
	r.retry_after = -1;
	whatsapp = msg->to != NULL && strncmp(msg->to, TWILIO_WHATSAPP,
	    strlen(TWILIO_WHATSAPP)) == 0;
	number = whatsapp ? msg->to + strlen(TWILIO_WHATSAPP) : msg->to;
	from = tw->from;
	if (!whatsapp && REPLYD_HAS(msg, replyd_send, from) &&
	    msg->from != NULL && msg->from[0] == '+')
		from = msg->from;	/* alerts from their own number */
	tag = REPLYD_HAS(msg, replyd_send, tag) ? msg->tag : NULL;
	if (number == NULL || number[0] != '+' ||
	    (whatsapp ? tw->whatsapp_from : from) == NULL) {
		r.detail = number == NULL || number[0] != '+' ?
		    "no phone number" : whatsapp ? "no \"whatsapp_from\" "
		    "configured" : "no \"from\" configured";
		done(arg, &r);
		return;
	}
	if ((f = open_memstream(&body, &len)) == NULL ||
	    (s = calloc(1, sizeof *s)) == NULL) {
		if (f != NULL)
			fclose(f);
		free(body);
		r.outcome = REPLYD_RETRY;
		r.detail = "out of memory";
		done(arg, &r);
		return;
	}
	fputs("To=", f);
	twilio_encode(f, msg->to);
	fputs("&From=", f);
	if (whatsapp) {
		/* WhatsApp: from whatsapp: + channels.twilio.whatsapp_from. */
		twilio_encode(f, TWILIO_WHATSAPP);
		twilio_encode(f, tw->whatsapp_from);
	} else
		twilio_encode(f, from);
	fputs("&Body=", f);
	twilio_encode(f, msg->text ? msg->text : "");
	/* Every message: Twilio posts its delivery status back. */
	fputs("&StatusCallback=", f);
	twilio_encode(f, tw->api->public_url(tw->host));
	twilio_encode(f, TWILIO_STATUS_PATH);
	if (tag != NULL && tag[0] != '\0') {
		twilio_encode(f, "?");
		twilio_encode(f, tag);
	}
	fclose(f);
	if (asprintf(&url, "%s/2010-04-01/Accounts/%s/Messages.json",
	    tw->api_base, tw->account_sid) == -1)
		url = NULL;
	memset(&req, 0, sizeof req);
	req.size = sizeof req;
	req.method = "POST";
	req.url = url;
	req.headers = &hdr;
	req.nheaders = 1;
	req.body = body;
	req.body_len = len;
	req.basic_user = tw->account_sid;
	req.basic_password = tw->auth_token;
	req.timeout_ms = tw->timeout_ms;
	s->done = done;
	s->arg = arg;
	if (url == NULL || tw->api->http(tw->host, &req, twilio_sent, s) == -1) {
		free(s);
		r.outcome = REPLYD_RETRY;
		r.detail = "cannot start the request";
		done(arg, &r);
	}
	free(url);
	free(body);
}

/* Free the plugin's state. */
static void
twilio_free(void *state)
{
	free(state);
}

/* Read the configuration and register the webhook and the sender. */
REPLYD_EXPORT int
replyd_plugin_init(const struct replyd_host_api *api, struct replyd_host *host)
{
	struct replyd_config	*cfg = api->config(host);
	struct twilio		*tw;
	struct replyd_webhook	 wh;
	struct replyd_sender	 snd;

	if (api->abi != REPLYD_PLUGIN_ABI ||
	    api->size < sizeof(struct replyd_host_api))
		return -1;
	if ((tw = calloc(1, sizeof *tw)) == NULL)
		return -1;
	tw->api = api;
	tw->host = host;
	tw->auth_token = api->config_string(cfg, "auth_token", 1, 1);
	tw->account_sid = api->config_string(cfg, "account_sid", 0, 0);
	tw->from = api->config_string(cfg, "from", 0, 0);
	tw->whatsapp_from = api->config_string(cfg, "whatsapp_from", 0, 0);
	tw->api_base = api->config_string(cfg, "api_base", 0, 0);
	tw->timeout_ms = (int)api->config_int(cfg, "timeout_ms", 10000, 100,
	    120000);
	if (tw->api_base == NULL)
		tw->api_base = "https://api.twilio.com";
	if (tw->from != NULL && tw->from[0] != '+')
		api->config_error(cfg, "from", "expected an E.164 number such "
		    "as \"+447700900000\"");
	if (tw->whatsapp_from != NULL && tw->whatsapp_from[0] != '+')
		api->config_error(cfg, "whatsapp_from", "expected the E.164 "
		    "number of the WhatsApp sender, such as \"+447700900000\" "
		    "(without \"whatsapp:\")");
	if (tw->auth_token == NULL) {
		free(tw);
		return -1;
	}

	memset(&wh, 0, sizeof wh);
	wh.size = sizeof wh;
	wh.path = "/webhooks/twilio";
	wh.email = 0;
	wh.too_large = 413;
	wh.ok_status = 200;
	wh.ok_type = "text/xml";
	wh.ok_body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";
	wh.handle = twilio_inbound;
	wh.state = tw;
	if (api->register_webhook(host, &wh) == -1) {
		free(tw);
		return -1;
	}
	/* Delivery receipts, signed like every Twilio webhook. */
	wh.path = TWILIO_STATUS_PATH;
	wh.handle = twilio_status;
	if (REPLYD_API_HAS(api, receipt) &&
	    api->register_webhook(host, &wh) == -1) {
		free(tw);
		return -1;
	}
	memset(&snd, 0, sizeof snd);
	snd.size = sizeof snd;
	snd.name = "twilio";
	snd.sms = 1;
	snd.whatsapp = tw->whatsapp_from != NULL && tw->account_sid != NULL;
	snd.send = twilio_send;
	snd.free = twilio_free;
	snd.state = tw;
	if (tw->account_sid == NULL || tw->from == NULL) {
		/* Inbound only: nothing to send SMS with. */
		snd.send = twilio_send;
		snd.sms = 0;
	}
	return api->register_sender(host, &snd);
}
