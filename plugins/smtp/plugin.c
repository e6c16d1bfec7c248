/*
 * smtp: email through an SMTP server with TLS required (implicit TLS for
 * smtps://, STARTTLS for smtp://; fetch.c refuses to send without it).
 * Outbound only.  The message is built by smtp-message.c; this file reads
 * the configuration and maps the server's answer to an outcome: 2xx sent,
 * 4xx try again, 5xx refused for good, no answer try again.
 *
 * Configuration: "url" (required), "from" (required, an address),
 * "from_name", "username", "password" (a secret), "ca_file" (an extra CA
 * bundle, absolute path; for private CAs and tests), "timeout_ms",
 * "reply_to" (the inbound address that brings a young person's answer
 * back to replyd: the Reply-To of replies and receipts).  Replies and
 * receipts are threaded to the young person's message (In-Reply-To,
 * References) when the host gives its Message-ID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "replyd-plugin.h"
#include "smtp-message.h"


REPLYD_EXPORT const unsigned replyd_plugin_abi = REPLYD_PLUGIN_ABI;

struct smtp {
	const struct replyd_host_api	*api;
	struct replyd_host		*host;
	const char			*url;
	const char			*from;
	const char			*from_name;
	const char			*username;
	const char			*password;
	const char			*ca_file;
	const char			*reply_to;
	int				 timeout_ms;
};

struct smtp_send {
	replyd_send_done	 done;
	void			*arg;
};

/* The server answered (or did not). */
static void
smtp_sent(void *arg, const struct replyd_http_response *resp)
{
	struct smtp_send	*s = arg;
	struct replyd_result	 r;

	memset(&r, 0, sizeof r);
	r.size = sizeof r;
	r.status = resp->status;
	r.retry_after = -1;
	if (resp->error == NULL && resp->status >= 200 && resp->status < 400) {
		r.outcome = REPLYD_SENT;
		r.detail = "accepted";
	} else if (resp->status >= 500 && resp->status < 600) {
		r.outcome = REPLYD_PERMANENT;
		r.detail = "refused by the mail server";
	} else if (resp->status >= 400 && resp->status < 500) {
		r.outcome = REPLYD_RETRY;
		r.detail = "mail server busy";
	} else {
		r.outcome = REPLYD_RETRY;
		r.detail = resp->error ? resp->error : "no answer";
	}
	s->done(s->arg, &r);
	free(s);
}

/* Send one email. */
static void
smtp_send(void *state, const struct replyd_send *msg, replyd_send_done done,
    void *arg)
{
	struct smtp			*sm = state;
	struct smtp_message		 m;
	struct replyd_smtp_request	 req;
	struct replyd_result		 r;
	struct smtp_send		*s;
	char				*text = NULL;
	size_t				 len;
	const char			*why = NULL;

	memset(&r, 0, sizeof r);
	r.size = sizeof r;
	r.outcome = REPLYD_PERMANENT;
	r.retry_after = -1;
	if (msg->to == NULL || !smtp_message_address_ok(msg->to)) {
		r.detail = "no email address";
		done(arg, &r);
		return;
	}
	memset(&m, 0, sizeof m);
	m.from = sm->from;
	m.from_name = sm->from_name;
	m.to = msg->to;
	m.subject = msg->subject;
	m.text = msg->text ? msg->text : "";
	m.date = sm->api->now(sm->host);
	m.auto_submitted = msg->purpose == REPLYD_SEND_RECEIPT ?
	    "auto-replied" : msg->purpose == REPLYD_SEND_ALERT ?
	    "auto-generated" : NULL;
	/* To a young person: in their thread, answers back to replyd. */
	if (msg->purpose != REPLYD_SEND_ALERT) {
		m.reply_to = sm->reply_to;
		if (REPLYD_HAS(msg, replyd_send, references)) {
			m.in_reply_to = msg->in_reply_to;
			m.references = msg->references;
		}
	}
	if (RAND_bytes(m.random, sizeof m.random) != 1) {
		r.outcome = REPLYD_RETRY;
		r.detail = "no random bytes for the Message-ID";
		done(arg, &r);
		return;
	}
	if (smtp_message_build(&m, &text, &len, &why) == -1) {
		r.detail = why;
		done(arg, &r);
		return;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		free(text);
		r.outcome = REPLYD_RETRY;
		r.detail = "out of memory";
		done(arg, &r);
		return;
	}
	memset(&req, 0, sizeof req);
	req.size = sizeof req;
	req.url = sm->url;
	req.user = sm->username;
	req.password = sm->password;
	req.from = sm->from;
	req.to = msg->to;
	req.message = text;
	req.message_len = len;
	req.ca_file = sm->ca_file;
	req.timeout_ms = sm->timeout_ms;
	s->done = done;
	s->arg = arg;
	if (sm->api->smtp(sm->host, &req, smtp_sent, s) == -1) {
		free(s);
		r.outcome = REPLYD_RETRY;
		r.detail = "cannot start the transfer";
		done(arg, &r);
	}
	free(text);
}

/* Free the plugin's state. */
static void
smtp_free(void *state)
{
	free(state);
}

/* Read the configuration and register the sender. */
REPLYD_EXPORT int
replyd_plugin_init(const struct replyd_host_api *api, struct replyd_host *host)
{
	struct replyd_config	*cfg;
	struct smtp		*sm;
	struct replyd_sender	 snd;
	int			 bad = 0;

	if (api->abi != REPLYD_PLUGIN_ABI ||
	    api->size < sizeof(struct replyd_host_api))
		return -1;
	cfg = api->config(host);
	if ((sm = calloc(1, sizeof *sm)) == NULL)
		return -1;
	sm->api = api;
	sm->host = host;
	sm->url = api->config_string(cfg, "url", 1, 0);
	sm->from = api->config_string(cfg, "from", 1, 0);
	sm->from_name = api->config_string(cfg, "from_name", 0, 0);
	sm->username = api->config_string(cfg, "username", 0, 0);
	sm->password = api->config_string(cfg, "password", 0, 1);
	sm->ca_file = api->config_string(cfg, "ca_file", 0, 0);
	sm->reply_to = api->config_string(cfg, "reply_to", 0, 0);
	sm->timeout_ms = (int)api->config_int(cfg, "timeout_ms", 15000, 100,
	    300000);
	if (sm->url == NULL || sm->from == NULL)
		bad = 1;
	if (sm->url != NULL && strncmp(sm->url, "smtp://", 7) != 0 &&
	    strncmp(sm->url, "smtps://", 8) != 0) {
		api->config_error(cfg, "url", "expected smtps://HOST[:PORT] "
		    "(implicit TLS) or smtp://HOST[:PORT] (STARTTLS)");
		bad = 1;
	}
	if (sm->from != NULL && !smtp_message_address_ok(sm->from)) {
		api->config_error(cfg, "from", "expected a plain email "
		    "address such as \"replyd@example.gov.uk\"");
		bad = 1;
	}
	if (sm->from_name != NULL && (strchr(sm->from_name, '\r') != NULL ||
	    strchr(sm->from_name, '\n') != NULL)) {
		api->config_error(cfg, "from_name", "must be one line");
		bad = 1;
	}
	if (sm->password != NULL && sm->username == NULL) {
		api->config_error(cfg, "password", "needs \"username\"");
		bad = 1;
	}
	if (sm->reply_to != NULL && !smtp_message_address_ok(sm->reply_to)) {
		api->config_error(cfg, "reply_to", "expected a plain email "
		    "address: replyd's inbound address, such as "
		    "\"replies@inbound.example.gov.uk\"");
		bad = 1;
	}
	if (sm->ca_file != NULL && sm->ca_file[0] != '/') {
		api->config_error(cfg, "ca_file", "must be an absolute path");
		bad = 1;
	}
	if (bad) {
		free(sm);
		return -1;
	}
	memset(&snd, 0, sizeof snd);
	snd.size = sizeof snd;
	snd.name = "smtp";
	snd.email = 1;
	snd.send = smtp_send;
	snd.free = smtp_free;
	snd.state = sm;
	if (api->register_sender(host, &snd) == -1) {
		free(sm);
		return -1;
	}
	return 0;
}
