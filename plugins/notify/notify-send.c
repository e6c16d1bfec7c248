/*
 * notify-send.c: see notify-send.h.  Answers: 201 (any 2xx) sent; 400 and
 * 403 refused for good (bad request, bad key or template); 429, 5xx, 408
 * and no answer tried again; any other 4xx refused for good.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "notify-receipt.h"
#include "notify-send.h"

#define NOTIFY_SEND_API_BASE	"https://api.notifications.service.gov.uk"
#define NOTIFY_CURSOR_MAX	128

struct notify_send {
	const struct replyd_host_api	*api;
	struct replyd_host		*host;
	struct notify_key		 key;
	char				*api_base;	/* no trailing '/' */
	const char			*sms_template_id;
	const char			*email_template_id;
	int				 timeout_ms;
};

struct notify_send_req {
	replyd_send_done	 done;
	void			*arg;
};

/* Whether s[0..len) is a UUID in 8-4-4-4-12 hex form. */
int
notify_send_uuid_ok(const char *s, size_t len)
{
	size_t	i;

	if (s == NULL || len != NOTIFY_SEND_UUID)
		return 0;
	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* Split an API key into its service id and secret. */
int
notify_send_parse_key(const char *k, struct notify_key *out)
{
	size_t	len;

	memset(out, 0, sizeof *out);
	if (k == NULL)
		return -1;
	len = strlen(k);
	/* At least one character of name, then "-" service "-" secret. */
	if (len < 2 * (NOTIFY_SEND_UUID + 1) + 1 ||
	    k[len - NOTIFY_SEND_UUID - 1] != '-' ||
	    k[len - 2 * (NOTIFY_SEND_UUID + 1)] != '-' ||
	    !notify_send_uuid_ok(k + len - NOTIFY_SEND_UUID, NOTIFY_SEND_UUID) ||
	    !notify_send_uuid_ok(k + len - 2 * NOTIFY_SEND_UUID - 1,
	    NOTIFY_SEND_UUID))
		return -1;
	memcpy(out->service_id, k + len - 2 * NOTIFY_SEND_UUID - 1,
	    NOTIFY_SEND_UUID);
	memcpy(out->secret, k + len - NOTIFY_SEND_UUID, NOTIFY_SEND_UUID);
	return 0;
}

/* Append len bytes of s to buf at *off as base64url without padding. */
static int
notify_send_b64url(const unsigned char *s, size_t len, char *buf,
    size_t size, size_t *off)
{
	static const char	 tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t			 i, need = (len * 4 + 2) / 3;
	unsigned int		 v;
	char			*o;

	if (*off + need + 1 > size)
		return -1;
	o = buf + *off;
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned int)s[i] << 16 | (unsigned int)s[i + 1] << 8 |
		    s[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (len - i == 1) {
		v = (unsigned int)s[i] << 16;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (unsigned int)s[i] << 16 | (unsigned int)s[i + 1] << 8;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
	}
	*o = '\0';
	*off = (size_t)(o - buf);
	return 0;
}

/* The JWT: base64url(header) "." base64url(claims) "." HS256 signature. */
int
notify_send_jwt(const struct notify_key *key, int64_t iat, char *buf,
    size_t len)
{
	static const char	 header[] = "{\"typ\":\"JWT\",\"alg\":\"HS256\"}";
	char			 claims[128];
	unsigned char		 mac[EVP_MAX_MD_SIZE];
	unsigned int		 maclen = 0;
	size_t			 off = 0;
	int			 n;

	n = snprintf(claims, sizeof claims, "{\"iss\":\"%s\",\"iat\":%lld}",
	    key->service_id, (long long)iat);
	if (n < 0 || (size_t)n >= sizeof claims)
		return -1;
	if (notify_send_b64url((const unsigned char *)header, sizeof header - 1,
	    buf, len, &off) == -1 || off + 1 >= len)
		return -1;
	buf[off++] = '.';
	if (notify_send_b64url((const unsigned char *)claims, (size_t)n, buf,
	    len, &off) == -1)
		return -1;
	if (HMAC(EVP_sha256(), key->secret, (int)strlen(key->secret),
	    (const unsigned char *)buf, off, mac, &maclen) == NULL ||
	    off + 1 >= len)
		return -1;
	buf[off++] = '.';
	return notify_send_b64url(mac, maclen, buf, len, &off);
}

/* The request body. */
char *
notify_send_body(const struct replyd_send *msg, int email,
    const char *template_id)
{
	cJSON	*j, *p;
	char	*s;

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(j, email ? "email_address" : "phone_number",
	    msg->to ? msg->to : "");
	cJSON_AddStringToObject(j, "template_id", template_id);
	p = cJSON_AddObjectToObject(j, "personalisation");
	if (p != NULL)
		cJSON_AddStringToObject(p, "message", msg->text ? msg->text :
		    "");
	/* The reference comes back in delivery receipts: the tag. */
	if (REPLYD_HAS(msg, replyd_send, tag) && msg->tag != NULL &&
	    msg->tag[0] != '\0')
		cJSON_AddStringToObject(j, "reference", msg->tag);
	else if (msg->conversation != NULL && msg->conversation[0] != '\0')
		cJSON_AddStringToObject(j, "reference", msg->conversation);
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

/* Notify answered (or did not). */
static void
notify_send_done(void *arg, const struct replyd_http_response *resp)
{
	struct notify_send_req	*s = arg;
	struct replyd_result	 r;
	cJSON			*j = NULL, *e;
	const char		*v;
	char			 detail[128];

	memset(&r, 0, sizeof r);
	r.size = sizeof r;
	r.status = resp->status;
	r.retry_after = resp->retry_after;
	if (resp->body_len > 0)
		j = cJSON_ParseWithLength(resp->body, resp->body_len);
	if (resp->error == NULL && resp->status >= 200 && resp->status < 300) {
		r.outcome = REPLYD_SENT;
		r.detail = "accepted";
		r.provider_id = cJSON_GetStringValue(cJSON_GetObjectItem(j,
		    "id"));
	} else if (resp->status == 0 || resp->status == 408 ||
	    resp->status == 429 || resp->status >= 500) {
		r.outcome = REPLYD_RETRY;
		r.detail = resp->error ? resp->error : "Notify busy";
	} else {
		r.outcome = REPLYD_PERMANENT;
		/*
		 * Only the error's class: Notify's message may repeat what
		 * was sent.
		 */
		e = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "errors"), 0);
		v = cJSON_GetStringValue(cJSON_GetObjectItem(e, "error"));
		snprintf(detail, sizeof detail, "refused by Notify%s%.64s%s",
		    v ? " (" : "", v ? v : "", v ? ")" : "");
		r.detail = detail;
	}
	s->done(s->arg, &r);
	cJSON_Delete(j);
	free(s);
}

/* Send one SMS or email through a Notify template. */
static void
notify_send_send(void *state, const struct replyd_send *msg,
    replyd_send_done done, void *arg)
{
	struct notify_send		*ns = state;
	struct replyd_http_request	 req;
	struct replyd_header		 hdrs[2];
	struct replyd_result		 r;
	struct notify_send_req		*s;
	const char			*tid;
	char				 jwt[512], auth[520], url[1024];
	char				*body;
	int				 email;

	memset(&r, 0, sizeof r);
	r.size = sizeof r;
	r.outcome = REPLYD_PERMANENT;
	r.retry_after = -1;
	email = msg->to != NULL && strchr(msg->to, '@') != NULL;
	tid = email ? ns->email_template_id : ns->sms_template_id;
	if (msg->to == NULL || (!email && msg->to[0] != '+')) {
		r.detail = "no phone number or email address";
		done(arg, &r);
		return;
	}
	if (tid == NULL) {
		r.detail = email ? "no email_template_id configured" :
		    "no sms_template_id configured";
		done(arg, &r);
		return;
	}
	if (notify_send_jwt(&ns->key, ns->api->now(ns->host), jwt,
	    sizeof jwt) == -1 ||
	    snprintf(url, sizeof url, "%s/v2/notifications/%s", ns->api_base,
	    email ? "email" : "sms") >= (int)sizeof url) {
		r.detail = "cannot make the request";
		done(arg, &r);
		return;
	}
	snprintf(auth, sizeof auth, "Bearer %s", jwt);
	if ((body = notify_send_body(msg, email, tid)) == NULL ||
	    (s = calloc(1, sizeof *s)) == NULL) {
		free(body);
		r.outcome = REPLYD_RETRY;
		r.detail = "out of memory";
		done(arg, &r);
		return;
	}
	hdrs[0].name = "Content-Type";
	hdrs[0].value = "application/json";
	hdrs[1].name = "Authorization";
	hdrs[1].value = auth;
	memset(&req, 0, sizeof req);
	req.size = sizeof req;
	req.method = "POST";
	req.url = url;
	req.headers = hdrs;
	req.nheaders = 2;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_ms = ns->timeout_ms;
	s->done = done;
	s->arg = arg;
	if (ns->api->http(ns->host, &req, notify_send_done, s) == -1) {
		free(s);
		r.outcome = REPLYD_RETRY;
		r.detail = "cannot start the request";
		done(arg, &r);
	}
	free(body);
	/* The token is a credential for a while: leave no copy behind. */
	explicit_bzero(jwt, sizeof jwt);
	explicit_bzero(auth, sizeof auth);
}

/* A backfill page being fetched. */
struct notify_fetch {
	replyd_backfill_done	 done;
	void			*arg;
};

/* The received-text-messages page answered: hand its messages over. */
static void
notify_fetched(void *arg, const struct replyd_http_response *resp)
{
	struct notify_fetch	*nf = arg;
	struct replyd_backfill_page	 pg;
	struct replyd_message	*msgs = NULL;
	struct notify_page	 np;
	char			 err[160];
	size_t			 i;

	memset(&pg, 0, sizeof pg);
	pg.size = sizeof pg;
	if (resp->error != NULL || resp->status != 200) {
		snprintf(err, sizeof err, "Notify answered %d%s%s",
		    resp->status, resp->error ? ": " : "",
		    resp->error ? resp->error : "");
		pg.error = err;
		nf->done(nf->arg, &pg);
		free(nf);
		return;
	}
	if (notify_page_parse(resp->body, resp->body_len, &np, err,
	    sizeof err) == -1) {
		pg.error = err;
		nf->done(nf->arg, &pg);
		free(nf);
		return;
	}
	if (np.n > 0 && (msgs = calloc(np.n, sizeof *msgs)) == NULL) {
		notify_page_free(&np);
		pg.error = "out of memory";
		nf->done(nf->arg, &pg);
		free(nf);
		return;
	}
	for (i = 0; i < np.n; i++) {
		msgs[i].size = sizeof msgs[i];
		msgs[i].channel = "sms";
		msgs[i].provider_id = np.messages[i].id;
		msgs[i].from = np.messages[i].user_number;
		msgs[i].to = np.messages[i].notify_number;
		msgs[i].text = np.messages[i].content;
		msgs[i].text_len = np.messages[i].content_len;
		msgs[i].received_at = np.messages[i].created_at;
	}
	pg.messages = msgs;
	pg.n = np.n;
	pg.next = np.older_than;
	nf->done(nf->arg, &pg);
	free(msgs);
	notify_page_free(&np);
	free(nf);
}

/* Append s to buf percent-encoded for a query; -1 when it does not fit. */
static int
notify_query_encode(char *buf, size_t len, const char *s)
{
	size_t	off = strlen(buf);

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (off + 4 >= len)
			return -1;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			buf[off++] = (char)c;
		else
			off += (size_t)snprintf(buf + off, len - off, "%%%02X",
			    c);
	}
	buf[off] = '\0';
	return 0;
}

/* Backfill: GET /v2/received-text-messages[?older_than=ID]. */
static void
notify_backfill_fetch(void *state, const char *cursor, replyd_backfill_done done,
    void *arg)
{
	struct notify_send		*ns = state;
	struct replyd_http_request	 req;
	struct replyd_header		 hdrs[1];
	struct replyd_backfill_page		 pg;
	struct notify_fetch		*nf;
	char				 jwt[512], auth[520], url[1024];

	memset(&pg, 0, sizeof pg);
	pg.size = sizeof pg;
	snprintf(url, sizeof url, "%s/v2/received-text-messages%s",
	    ns->api_base, cursor != NULL ? "?older_than=" : "");
	if ((cursor != NULL && (strlen(cursor) > NOTIFY_CURSOR_MAX ||
	    notify_query_encode(url, sizeof url, cursor) == -1)) ||
	    notify_send_jwt(&ns->key, ns->api->now(ns->host), jwt,
	    sizeof jwt) == -1 || (nf = calloc(1, sizeof *nf)) == NULL) {
		pg.error = "cannot make the request";
		done(arg, &pg);
		return;
	}
	snprintf(auth, sizeof auth, "Bearer %s", jwt);
	hdrs[0].name = "Authorization";
	hdrs[0].value = auth;
	memset(&req, 0, sizeof req);
	req.size = sizeof req;
	req.method = "GET";
	req.url = url;
	req.headers = hdrs;
	req.nheaders = 1;
	req.timeout_ms = ns->timeout_ms;
	nf->done = done;
	nf->arg = arg;
	if (ns->api->http(ns->host, &req, notify_fetched, nf) == -1) {
		free(nf);
		pg.error = "cannot start the request";
		done(arg, &pg);
	}
	explicit_bzero(jwt, sizeof jwt);
	explicit_bzero(auth, sizeof auth);
}

/* Free the sender's state. */
static void
notify_send_free(void *state)
{
	struct notify_send	*ns = state;

	explicit_bzero(&ns->key, sizeof ns->key);
	free(ns->api_base);
	free(ns);
}

/* Read the outbound configuration and register the sender. */
int
notify_send_init(const struct replyd_host_api *api, struct replyd_host *host,
    struct replyd_config *cfg)
{
	struct notify_send	*ns;
	struct replyd_sender	 snd;
	struct replyd_backfill	 bf;
	const char		*key, *base;
	size_t			 n;
	int			 bad = 0;

	key = api->config_string(cfg, "api_key", 0, 1);
	base = api->config_string(cfg, "api_base", 0, 0);
	if ((ns = calloc(1, sizeof *ns)) == NULL)
		return -1;
	ns->api = api;
	ns->host = host;
	ns->sms_template_id = api->config_string(cfg, "sms_template_id", 0, 0);
	ns->email_template_id = api->config_string(cfg, "email_template_id",
	    0, 0);
	ns->timeout_ms = (int)api->config_int(cfg, "timeout_ms", 10000, 100,
	    120000);
	if (ns->sms_template_id != NULL && !notify_send_uuid_ok(
	    ns->sms_template_id, strlen(ns->sms_template_id))) {
		api->config_error(cfg, "sms_template_id", "expected a template "
		    "id (a UUID) from Notify");
		bad = 1;
	}
	if (ns->email_template_id != NULL && !notify_send_uuid_ok(
	    ns->email_template_id, strlen(ns->email_template_id))) {
		api->config_error(cfg, "email_template_id", "expected a "
		    "template id (a UUID) from Notify");
		bad = 1;
	}
	if (base != NULL && strncmp(base, "https://", 8) != 0 &&
	    strncmp(base, "http://", 7) != 0) {
		api->config_error(cfg, "api_base", "expected an https:// URL");
		bad = 1;
	}
	if (key == NULL) {
		/* Inbound only: nothing to send with. */
		free(ns);
		return bad ? -1 : 0;
	}
	if (notify_send_parse_key(key, &ns->key) == -1) {
		/* Never quote the key: it is a secret. */
		api->config_error(cfg, "api_key", "expected the API key as "
		    "Notify shows it: {key name}-{service id}-{secret key}");
		bad = 1;
	}
	if (ns->sms_template_id == NULL && ns->email_template_id == NULL) {
		api->config_error(cfg, "api_key", "set sms_template_id and/or "
		    "email_template_id: Notify sends only through templates");
		bad = 1;
	}
	if (!bad && (ns->api_base = strdup(base ? base :
	    NOTIFY_SEND_API_BASE)) == NULL)
		bad = 1;
	if (bad) {
		explicit_bzero(&ns->key, sizeof ns->key);
		free(ns->api_base);
		free(ns);
		return -1;
	}
	n = strlen(ns->api_base);
	while (n > 0 && ns->api_base[n - 1] == '/')
		ns->api_base[--n] = '\0';

	memset(&snd, 0, sizeof snd);
	snd.size = sizeof snd;
	snd.name = "notify";
	snd.sms = ns->sms_template_id != NULL;
	snd.email = ns->email_template_id != NULL;
	snd.send = notify_send_send;
	snd.free = notify_send_free;
	snd.state = ns;
	if (api->register_sender(host, &snd) == -1) {
		explicit_bzero(&ns->key, sizeof ns->key);
		free(ns->api_base);
		free(ns);
		return -1;
	}
	/* Texts whose callback failed are kept by Notify: offer to page
	 * through them (the sender's state; freed with it). */
	memset(&bf, 0, sizeof bf);
	bf.size = sizeof bf;
	bf.fetch = notify_backfill_fetch;
	bf.state = ns;
	if (REPLYD_API_HAS(api, register_backfill) &&
	    api->register_backfill(host, &bf) == -1) {
		/* A failed init frees its own: the host forgets the sender. */
		notify_send_free(ns);
		return -1;
	}
	return 1;
}
