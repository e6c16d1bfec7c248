/*
 * replyd-plugin.h: the channel plugin ABI.  This header is all a plugin
 * sees of replyd: no libevent, hiredis, curl or cJSON types, only opaque
 * handles for what the host owns and a table of host functions.
 *
 * A plugin is build/plugins/NAME.so exporting two symbols, marked with
 * REPLYD_EXPORT (plugins are built with -fvisibility=hidden, so nothing
 * else leaks out, and replyd exports nothing a plugin could call: a plugin
 * reaches the host only through the api table):
 *
 *	REPLYD_EXPORT const unsigned replyd_plugin_abi = REPLYD_PLUGIN_ABI;
 *	REPLYD_EXPORT int replyd_plugin_init(const struct replyd_host_api *api,
 *	    struct replyd_host *host);
 *
 * The api table grows at its end; api->size says how much of it this host
 * has.  A plugin that uses a call added after the first version checks it
 * first: REPLYD_API_HAS(api, http) is true when the host has api->http.
 *
 * The loader refuses a plugin whose replyd_plugin_abi differs from its
 * own.  replyd_plugin_init reads the plugin's configuration through the
 * api (reporting errors there) and registers what it provides with
 * api->register_webhook, api->register_sender and (a page people open in
 * a browser, such as the sandbox's) api->register_page; it returns 0, or -1
 * after reporting why and freeing whatever it made (the host then calls no
 * free() it was given).  Every struct a plugin fills starts with a size
 * field (set it to sizeof the struct) so fields can be added at the end.
 *
 * Everything runs on replyd's event loop: a plugin must never block.
 * Outbound HTTP and SMTP go through api->http and api->smtp, which call
 * back when the transfer is done.  Plugins must never log message text,
 * secrets, or unmasked phone numbers and email addresses (api->mask_*).
 */
#ifndef REPLYD_PLUGIN_H
#define REPLYD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define REPLYD_PLUGIN_ABI	1

/* Marks the two symbols a plugin exports. */
#define REPLYD_EXPORT	__attribute__((visibility("default")))

/* Whether the host's api table has member m (it grows at its end). */
#define REPLYD_API_HAS(api, m)						\
	((api)->size >= offsetof(struct replyd_host_api, m) +		\
	    sizeof((api)->m) && (api)->m != NULL)

/*
 * Whether a struct that starts with a size field (s points to one of type
 * T) is long enough to hold member m: a host or plugin built before m was
 * added hands over a shorter struct.  REPLYD_HAS(msg, replyd_send, tag).
 */
#define REPLYD_HAS(s, T, m)						\
	((s)->size >= offsetof(struct T, m) + sizeof((s)->m))

struct replyd_host;		/* one loaded plugin's handle on the host */
struct replyd_config;		/* a plugin's configuration section */
struct replyd_request;		/* an inbound webhook request */
struct replyd_form;		/* parsed form or multipart body */
struct replyd_page_request;	/* a request for a plugin's own page */

enum replyd_log {
	REPLYD_LOG_ERR = 3,
	REPLYD_LOG_WARNING = 4,
	REPLYD_LOG_INFO = 6,
	REPLYD_LOG_DEBUG = 7
};

/* What a webhook extracted from one provider delivery. */
struct replyd_message {
	uint32_t	 size;
	const char	*channel;	/* "sms", "whatsapp" or "email" */
	const char	*provider_id;	/* the dedupe key */
	const char	*from;		/* phone (any form) or email address */
	const char	*to;
	const char	*text;		/* plain text body (UTF-8) */
	size_t		 text_len;
	const char	*subject;	/* email: or NULL */
	const char	*message_id;	/* email Message-Id, or NULL */
	const char	*in_reply_to;	/* email In-Reply-To, or NULL */
	int		 attachments;	/* count; never stored */
	const char	*attachment_names; /* comma-separated, or NULL */
	/*
	 * A token that must never be used by two different messages
	 * (Mailgun's signing token), or NULL.  The host refuses the delivery
	 * with 403 if another message already used it within ttl seconds.
	 */
	const char	*replay_token;
	int		 replay_ttl;
	/*
	 * The fields below came after the first layout.  The host reads one
	 * only when size covers it; a shorter struct has none of them (its
	 * subject ends at its first NUL, and a staff email it carries never
	 * counts as a response).
	 *
	 * subject_len: the subject's length in bytes, so a NUL in it cannot
	 * hide what follows (0: up to its first NUL).
	 */
	size_t		 subject_len;
	/*
	 * Sender authentication (email), as the provider reported it: what
	 * the plugin saw, never a decision.  The host decides: a staff From
	 * counts as a response only when SPF passed for a domain aligned with
	 * the From address's domain (the same domain or a subdomain of it),
	 * or a DKIM signature of such a domain passed.  Anything else is an
	 * "unverified_staff_email" event and the clock runs on.
	 *
	 * auth_spf: the SPF result in lower case ("pass", "fail", "softfail",
	 * "neutral", "none", "temperror", "permerror"), NULL if not reported.
	 * auth_spf_domain: the domain SPF checked (the envelope sender's, or
	 * smtp.mailfrom), NULL if not known.  auth_dkim_pass: the domains
	 * whose DKIM signature passed, comma-separated, NULL if none.
	 */
	const char	*auth_spf;
	const char	*auth_spf_domain;
	const char	*auth_dkim_pass;
	/*
	 * MMS: the provider's URLs of the message's media (Twilio's
	 * MediaUrl0..N), with their content types (or NULL), nmedia of each.
	 * replyd keeps the URLs, never the media, so staff can open them
	 * from the conversation; `attachments` still gives the count.
	 */
	const char *const *media_urls;
	const char *const *media_types;
	size_t		 nmedia;
	/*
	 * When the provider received the message (unix seconds), or 0 for
	 * now.  Set by a backfill, whose messages arrived while replyd could
	 * not take them: the deadline runs from when the young person wrote.
	 */
	int64_t		 received_at;
};

/* A webhook path and how it answers. */
struct replyd_webhook {
	uint32_t	 size;
	const char	*path;		/* e.g. "/webhooks/twilio" */
	int		 email;		/* 1: email body limit, 0: SMS limit */
	int		 too_large;	/* status for an oversized body */
	int		 ok_status;	/* success answer */
	const char	*ok_type;
	const char	*ok_body;
	/*
	 * Authenticate and parse one request, then call exactly one of
	 * api->accept or api->refuse (now or later).
	 */
	void		(*handle)(void *state, struct replyd_request *);
	void		*state;
	/*
	 * Called once when replyd stops, after the path stops being served;
	 * may be NULL.  Not called for a state that an earlier webhook or
	 * the plugin's sender frees.  (Added after the first layout: the
	 * host treats a shorter struct as having none.)
	 */
	void		(*free)(void *state);
};

/* Why something is sent. */
enum replyd_purpose {
	REPLYD_SEND_REPLY,	/* a worker's reply to a young person */
	REPLYD_SEND_RECEIPT,	/* acknowledgement to a young person */
	REPLYD_SEND_ALERT	/* escalation, urgent or waiting notice */
};

/* One message to send (alerts carry the fields after "text"). */
struct replyd_send {
	uint32_t		 size;
	enum replyd_purpose	 purpose;
	/* E.164 phone, email, or NULL (notifier); "whatsapp:" + E.164 for a
	 * WhatsApp reply (only to a sender with whatsapp set). */
	const char		*to;
	const char		*subject;
	const char		*text;
	const char		*event;	/* "escalation", "urgent", "waiting" */
	const char		*conversation;
	const char		*team;
	const char		*worker;
	int			 step;
	const char		*due_at;	/* RFC 3339 */
	int64_t			 overdue_seconds;
	const char		*link;
	/*
	 * The fields below came after the first layout: read them only when
	 * REPLYD_HAS(msg, replyd_send, field).
	 *
	 * from: the E.164 number to send an SMS from (alerts.sms_from), or
	 * NULL for the channel's own number.
	 */
	const char		*from;
	/*
	 * The delivery tag: a short string of URL query characters that the
	 * plugin hands back, unchanged, with every delivery receipt for this
	 * message (Twilio: the query of the StatusCallback URL; Notify: the
	 * reference).  NULL: none.
	 */
	const char		*tag;
	/*
	 * Email threading: the Message-ID ("<...>") this one answers, and
	 * the References list (Message-IDs separated by spaces); or NULL.
	 */
	const char		*in_reply_to;
	const char		*references;
};

/* The outcome of a send. */
enum replyd_outcome {
	REPLYD_SENT,		/* the provider accepted it */
	REPLYD_RETRY,		/* try again later (5xx, 408, 429, timeout) */
	REPLYD_PERMANENT	/* refused for good (other 4xx, bad config) */
};

struct replyd_result {
	uint32_t		 size;
	enum replyd_outcome	 outcome;
	int			 status;	/* HTTP or SMTP status, or 0 */
	int			 retry_after;	/* seconds, or -1 */
	const char		*provider_id;	/* or NULL */
	const char		*detail;	/* short, no secrets */
};

typedef void (*replyd_send_done)(void *arg, const struct replyd_result *);

/* An outbound channel. */
struct replyd_sender {
	uint32_t	 size;
	const char	*name;		/* usually the plugin's name */
	int		 sms;		/* can reach a phone */
	int		 email;		/* can reach an email address */
	int		 notifier;	/* needs no address (webhook) */
	/* Start a send; call done exactly once, later or now. */
	void		(*send)(void *state, const struct replyd_send *,
			    replyd_send_done done, void *arg);
	void		(*free)(void *state);
	void		*state;
	/* Can reach a WhatsApp user ("whatsapp:+44..."); added after the
	 * first layout. */
	int		 whatsapp;
};

struct replyd_header {
	const char	*name;
	const char	*value;
};

/* What a delivery receipt says happened to a message sent earlier. */
enum replyd_delivery {
	REPLYD_DELIVERY_PENDING,	/* queued, sending, sent: not yet known */
	REPLYD_DELIVERY_DELIVERED,	/* the network says it reached the phone */
	REPLYD_DELIVERY_FAILED		/* undelivered or failed: it never will */
};

/*
 * A delivery receipt (Twilio status callback, Notify delivery receipt),
 * handed to api->receipt after the plugin authenticated and parsed it.
 */
struct replyd_receipt {
	uint32_t		 size;
	const char		*provider_id;	/* the provider's message id */
	const char		*tag;		/* the send's tag, or NULL */
	const char		*status;	/* the provider's word: "delivered",
						   "undelivered", "permanent-failure" */
	enum replyd_delivery	 delivery;
	const char		*error_code;	/* e.g. Twilio's "30003", or NULL */
	const char		*channel;	/* "sms" or "email" (NULL: sms) */
};

/*
 * A page of messages a provider kept while replyd could not take them
 * (Notify's received text messages), newest first.  next is the cursor of
 * the page of older ones, NULL at the end; error is set (and n is 0) when
 * the page could not be had.
 */
struct replyd_backfill_page {
	uint32_t			 size;
	const struct replyd_message	*messages;
	size_t				 n;
	const char			*next;
	const char			*error;
};

typedef void (*replyd_backfill_done)(void *arg, const struct replyd_backfill_page *);

/*
 * Backfill: a plugin whose provider keeps received messages lets the host
 * page through them after replyd was down or could not store (a restart,
 * a Redis outage), so that messages whose webhook failed are still stored.
 * fetch starts reading the page at cursor (NULL: the newest) and calls
 * done exactly once, later or now; the strings of the page live until
 * done returns.  The host stores each message as if it had come by the
 * webhook (deduplicated on its id) and decides when to stop.
 */
struct replyd_backfill {
	uint32_t	 size;
	void		(*fetch)(void *state, const char *cursor,
			    replyd_backfill_done done, void *arg);
	void		*state;
};

/* An outbound HTTP request. */
struct replyd_http_request {
	uint32_t			 size;
	const char			*method;	/* "POST" */
	const char			*url;
	const struct replyd_header	*headers;
	size_t				 nheaders;
	const char			*body;
	size_t				 body_len;
	const char			*basic_user;	/* or NULL */
	const char			*basic_password;
	int				 timeout_ms;	/* 0: default */
};

struct replyd_http_response {
	uint32_t	 size;
	int		 status;	/* 0 when no answer (see error) */
	const char	*error;		/* transport error, or NULL */
	const char	*body;
	size_t		 body_len;
	int		 retry_after;	/* seconds from Retry-After, or -1 */
};

typedef void (*replyd_http_done)(void *arg,
    const struct replyd_http_response *);

/* An outbound email through SMTP (TLS required). */
struct replyd_smtp_request {
	uint32_t	 size;
	const char	*url;		/* smtps://host:465 or smtp://host:587 */
	const char	*user;		/* or NULL */
	const char	*password;
	const char	*from;
	const char	*to;
	const char	*message;	/* complete RFC 5322 text with CRLF */
	size_t		 message_len;
	const char	*ca_file;	/* extra CA bundle, or NULL */
	int		 timeout_ms;
};

/*
 * A page a plugin serves to people in a browser (added after the first
 * layout: check REPLYD_API_HAS(api, register_page)).  Its path is "/" and
 * the channel's name ("/sandbox"), or below it ("/sandbox/NAME"); replyd's
 * own routes come first.  The host does what every page needs: it sends
 * the pages' security headers (SPEC section 16), refuses a POST that comes
 * from another site (by Origin, or Sec-Fetch-Site) before the plugin sees
 * it, and draws what the plugin answers inside replyd's page layout with
 * replyd's escaping templates (docs/pages.md), so a plugin never writes
 * HTML by hand.
 */
struct replyd_page {
	uint32_t	 size;
	const char	*path;
	int		 post;		/* also takes a POSTed form */
	size_t		 max_body;	/* a form's bytes; 0: 64 KiB */
	/* Answer with exactly one api->page_reply, now or later. */
	void		(*handle)(void *state, struct replyd_page_request *);
	void		*state;
	/* As a webhook's free (may be NULL). */
	void		(*free)(void *state);
	/*
	 * A warning the host logs each time it starts serving this page (at
	 * start and at each reload, never for replyd -n), for a page that
	 * must not be open in production; or NULL.
	 */
	const char	*warning;
};

/* What a plugin's page answers. */
struct replyd_page_reply {
	uint32_t	 size;
	int		 status;	/* 200; 400 for a form with errors */
	const char	*title;		/* the page's <title> (plain text) */
	/*
	 * The page's content, what goes inside <main>: a template (the
	 * plugin's own text, never built from input) and the data it renders
	 * as a JSON object.  Every value is escaped where it lands; see
	 * docs/pages.md for the syntax.
	 */
	const char	*template;
	const char	*data_json;
	int		 personal;	/* holds personal data: no-store */
	/* Instead of a page: 303 See Other to this path on this site, as
	 * forms answer (post/redirect/get). */
	const char	*redirect;
};

/* What became of a message a plugin submitted (api->submit). */
struct replyd_submitted {
	uint32_t	 size;
	/* 200 stored (or a repeat, already stored); 400 malformed (the
	 * field is named in detail); 403 refused; 503 try again later. */
	int		 status;
	int		 duplicate;	/* a repeat: nothing changed */
	const char	*conversation;	/* its conversation's id, or NULL */
	const char	*detail;	/* why not stored, or NULL */
};

typedef void (*replyd_submit_done)(void *arg,
    const struct replyd_submitted *);

/* The host's functions, handed to replyd_plugin_init. */
struct replyd_host_api {
	uint32_t	 abi;
	uint32_t	 size;

	void		(*log)(struct replyd_host *, enum replyd_log,
			    const char *fmt, ...)
			    __attribute__((format(printf, 3, 4)));
	const char	*(*mask_phone)(const char *, char *, size_t);
	const char	*(*mask_email)(const char *, char *, size_t);

	/* Configuration: the plugin's own section. */
	struct replyd_config *(*config)(struct replyd_host *);
	/* A string key (secrets may be {"file": PATH}); NULL if absent. */
	const char	*(*config_string)(struct replyd_config *,
			    const char *key, int required, int secret);
	/* An integer key, or def when absent. */
	long long	 (*config_int)(struct replyd_config *, const char *key,
			    long long def, long long min, long long max);
	/* A boolean key, or def when absent. */
	int		 (*config_bool)(struct replyd_config *, const char *key,
			    int def);
	/* Report an error at a key (or the section when key is NULL). */
	void		 (*config_error)(struct replyd_config *,
			    const char *key, const char *fmt, ...)
			    __attribute__((format(printf, 3, 4)));
	const char	*(*public_url)(struct replyd_host *);
	const char	*(*name)(struct replyd_host *);	/* channel name */

	/* Registration. */
	int		 (*register_webhook)(struct replyd_host *,
			    const struct replyd_webhook *);
	int		 (*register_sender)(struct replyd_host *,
			    const struct replyd_sender *);

	/* Inbound requests. */
	const char	*(*req_header)(struct replyd_request *, const char *);
	const char	*(*req_body)(struct replyd_request *, size_t *len);
	const char	*(*req_path)(struct replyd_request *);
	const char	*(*req_query)(struct replyd_request *);	/* raw */
	/* Store the message, then answer the provider with ok_*. */
	void		 (*accept)(struct replyd_request *,
			    const struct replyd_message *);
	/*
	 * Answer without storing: status 403 for failed authentication, 400
	 * for malformed input naming the field, 200 for something that is
	 * deliberately ignored.  reason is a metric label.
	 */
	void		 (*refuse)(struct replyd_request *, int status,
			    const char *reason, const char *field,
			    const char *detail);
	/* The time now (seconds since the epoch). */
	int64_t		 (*now)(struct replyd_host *);

	/* Body parsers: form-urlencoded (raw keys and values kept exactly). */
	struct replyd_form *(*form_parse)(const char *, size_t, char *err,
			    size_t errlen);
	/* multipart/form-data given the Content-Type header value. */
	struct replyd_form *(*multipart_parse)(const char *ctype,
			    const char *, size_t, char *err, size_t errlen);
	size_t		 (*form_count)(const struct replyd_form *);
	/* The ith field: name, value and lengths; filename for files. */
	int		 (*form_field)(const struct replyd_form *, size_t i,
			    const char **name, size_t *name_len,
			    const char **value, size_t *value_len,
			    const char **filename);
	/* The first field of that name (value, NUL-terminated), or NULL. */
	const char	*(*form_get)(const struct replyd_form *,
			    const char *name, size_t *len);
	void		 (*form_free)(struct replyd_form *);
	/* Plain text from an HTML body (malloc'd, free with free(3)). */
	char		*(*html_to_text)(const char *html, size_t len,
			    size_t *out_len);

	/* Outbound transfers; -1 if the request cannot even start. */
	int		 (*http)(struct replyd_host *,
			    const struct replyd_http_request *,
			    replyd_http_done, void *);
	int		 (*smtp)(struct replyd_host *,
			    const struct replyd_smtp_request *,
			    replyd_http_done, void *);

	/*
	 * Added after the first layout: check with REPLYD_API_HAS.
	 *
	 * receipt: instead of accept or refuse, for a delivery receipt: the
	 * host records it in the notification log of the message's
	 * conversation (and acts on a failure), then answers with ok_*.
	 */
	void		 (*receipt)(struct replyd_request *,
			    const struct replyd_receipt *);
	/* Offer a backfill of received messages (see struct replyd_backfill);
	 * at most one per plugin. */
	int		 (*register_backfill)(struct replyd_host *,
			    const struct replyd_backfill *);
	/*
	 * Pages (added after the first layout: REPLYD_API_HAS(api,
	 * register_page), and the same for submit).  register_page may be
	 * called in replyd_plugin_init only; -1 for a path outside the
	 * channel's name.
	 */
	int		 (*register_page)(struct replyd_host *,
			    const struct replyd_page *);
	/* The request: "GET" (or HEAD) or "POST", its path, a decoded query
	 * parameter (or NULL), a header, the body of a POST. */
	const char	*(*page_method)(struct replyd_page_request *);
	const char	*(*page_path)(struct replyd_page_request *);
	const char	*(*page_query)(struct replyd_page_request *,
			    const char *name);
	const char	*(*page_header)(struct replyd_page_request *,
			    const char *name);
	const char	*(*page_body)(struct replyd_page_request *,
			    size_t *len);
	/* Answer a page request; the request is gone afterwards. */
	void		 (*page_reply)(struct replyd_page_request *,
			    const struct replyd_page_reply *);
	/*
	 * Store a message the plugin received other than as a webhook
	 * request (a form on its page) through the same intake as accept:
	 * the same checks, deduplication on provider_id, routing, receipt
	 * and escalation.  done is called exactly once, later (never from
	 * inside submit); -1 if it cannot even start (done is not called).
	 */
	int		 (*submit)(struct replyd_host *,
			    const struct replyd_message *,
			    replyd_submit_done done, void *arg);
};

/* The plugin's exported symbols. */
extern const unsigned	replyd_plugin_abi;
int	replyd_plugin_init(const struct replyd_host_api *,
	    struct replyd_host *);

#endif
