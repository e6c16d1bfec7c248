/*
 * signin.c: signing staff in with a link, and what a session can do with
 * itself (SPEC §15).
 *
 *   GET  /signin          the form asking for a work email
 *   POST /signin          send a link through the person's alert email
 *                         (or, with no email, SMS) channel; the answer is
 *                         the same whether or not the address is known
 *   GET  /signin/link     the page a link opens: a "Sign in" button (mail
 *                         scanners fetch every link, so GET uses nothing)
 *   POST /signin/link     use the link's token once: the session starts
 *   POST /signout         end the session
 *   GET  /v1/me           who the caller is, their teams and role, and a
 *                         session's CSRF token
 *   POST /v1/signin-links an admin's API token makes a link for a person
 *                         (replyctl signin-link)
 *   DELETE /v1/people/{p}/oidc-binding  forget an OpenID Connect binding
 *
 * Link tokens carry 256 random bits; Redis keeps only their hash, for
 * auth.link_ttl (at most 15 minutes), and taking one deletes it.  With
 * auth.oidc configured, links sign in administrators only (break-glass for
 * when the identity provider is down).  Attempts are counted per address
 * and per client address.  Nothing here logs a token, a link or an
 * unmasked address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "base/address.h"
#include "base/log.h"
#include "base/template.h"
#include "base/mask.h"
#include "base/metrics.h"
#include "base/phone.h"
#include "conf/config.h"
#include "io/http.h"
#include "io/plugin.h"
#include "serve/api.h"
#include "serve/gen.h"
#include "serve/pages.h"
#include "serve/send.h"
#include "serve/server.h"
#include "serve/session.h"
#include "serve/signin.h"
#include "serve/web.h"
#include "store/auth.h"

#define SIGNIN_MAX_INPUT	320
#define SIGNIN_SEND_ATTEMPTS	3

/* A sign-in attempt being counted. */
struct signin_try {
	struct api_call	*c;
	char		 input[SIGNIN_MAX_INPUT + 1];	/* as typed, trimmed */
	char		 key[SIGNIN_MAX_INPUT + 1];	/* normalised */
	char		 ret[520];
};

/* A link being made for a person, after the answer has gone. */
struct signin_link {
	struct server		*srv;
	struct gen		*gen;		/* pinned until the send starts */
	struct api_call		*c;		/* POST /v1/signin-links only */
	const struct config_person *person;	/* in gen's configuration */
	struct replyd_host	*host;		/* NULL for the API */
	const char		*to;
	char			 token[SESSION_TOKEN_LEN];
};

/* Free a link job, forgetting its token. */
static void
signin_link_free(struct signin_link *l)
{
	OPENSSL_cleanse(l->token, sizeof l->token);
	gen_unref(l->gen);
	free(l);
}

/* The link a token makes: public_url + /signin/link?token=T. */
static char *
signin_url(const struct config *cfg, const char *token)
{
	char	*url;

	if (asprintf(&url, "%s/signin/link?token=%s", cfg->public_url,
	    token) == -1)
		return NULL;
	return url;
}

/* Masked address for the log. */
static const char *
signin_mask(const char *addr, char *buf, size_t len)
{
	return strchr(addr, '@') != NULL ? mask_email(addr, buf, len) :
	    mask_phone(addr, buf, len);
}

/* The link's send finished. */
static void
signin_sent(const struct send_outcome *o, void *arg)
{
	const char	*person = arg;

	if (o->outcome == REPLYD_SENT) {
		metrics_inc("replyd_signin_links_total", "outcome=\"sent\"");
		log_info("signin: a link for %s was sent (%d attempts)",
		    person, o->attempts);
	} else {
		metrics_inc("replyd_signin_links_total", "outcome=\"failed\"");
		log_warnx("signin: the link for %s could not be sent: %s",
		    person, o->detail ? o->detail : "no detail");
	}
}

/* Words for how long a link works, for the message. */
static void
signin_minutes(int64_t ms, char *buf, size_t len)
{
	int64_t	s = ms / 1000;

	if (s >= 60 && s % 60 == 0)
		snprintf(buf, len, "%lld minute%s", (long long)(s / 60),
		    s == 60 ? "" : "s");
	else
		snprintf(buf, len, "%lld second%s", (long long)s,
		    s == 1 ? "" : "s");
}

/* s as one query value, percent-encoded with '/' kept (a local path). */
static void
signin_query(const char *s, char *out, size_t len)
{
	size_t	o = 0;

	for (; s != NULL && *s != '\0' && o + 4 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~/", ch) != NULL)
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, len - o, "%%%02X", ch);
	}
	out[o] = '\0';
}

/* Answer with a sign-in page: tmpl with d (freed here) in the layout,
 * without navigation (nobody is signed in to these), never cached. */
static void
signin_page(struct api_call *c, int status, const char *title,
    const char *tmpl, struct template_data *d)
{
	struct page_view	v;

	if (d == NULL) {
		signin_unavailable(c);
		return;
	}
	memset(&v, 0, sizeof v);
	v.status = status;
	v.title = title;
	v.template = tmpl;
	v.data = d;
	v.personal = 1;
	pages_reply(c->req, c->cfg, &v);
	template_data_free(d);
}

void
signin_unavailable(struct api_call *c)
{
	http_add_header(c->req, "Retry-After", "5");
	pages_error(c->req, c->cfg, 503, "Sorry, there is a problem",
	    "You could not be signed in just now. Try again in a minute.");
}

void
signin_message(struct api_call *c, int status, const char *heading,
    const char *message, const char *href, const char *link)
{
	struct template_data	*d;
	struct template_node	*root;

	if ((d = template_data_new()) != NULL) {
		root = template_root(d);
		template_set(root, "heading", heading);
		if (message != NULL)
			template_set(root, "message", message);
		if (href != NULL) {
			template_set(root, "href", href);
			template_set(root, "link", link);
		}
	}
	signin_page(c, status, heading, "signin-message", d);
}

/* The sign-in form: ret to come back to, an error and what was typed. */
static void
signin_form_page(struct api_call *c, int status, const char *ret,
    const char *error, const char *value)
{
	struct template_data	*d;
	struct template_node	*root;
	char			 q[1600], href[1700];

	if ((d = template_data_new()) != NULL) {
		root = template_root(d);
		template_set(root, "ret", ret);
		template_set(root, "value", value != NULL ? value : "");
		if (error != NULL)
			template_set(root, "error", error);
		if (c->cfg->auth.oidc != NULL) {
			signin_query(ret, q, sizeof q);
			snprintf(href, sizeof href, "/auth/oidc?return=%s", q);
			template_set_bool(root, "oidc", 1);
			template_set(root, "oidc_href", href);
		}
	}
	signin_page(c, status, error != NULL ? "Error: Sign in" : "Sign in",
	    "signin", d);
}

/* The token is stored: send the link (POST /signin), or answer with it
 * (POST /v1/signin-links). */
static void
signin_stored(int failed, void *arg)
{
	struct signin_link	*l = arg;
	const struct config	*cfg = l->gen->cfg;
	struct replyd_send	 msg;
	char			*url, *text = NULL, ttl[32];
	cJSON			*j;

	if (l->srv->closing) {
		signin_link_free(l);
		return;
	}
	if (failed || (url = signin_url(cfg, l->token)) == NULL) {
		log_warnx("signin: the link for %s could not be stored",
		    l->person->id);
		if (l->c != NULL)
			http_unavailable(l->c->req, "storage unavailable");
		signin_link_free(l);
		return;
	}
	if (l->c != NULL) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "person", l->person->id);
		cJSON_AddStringToObject(j, "link", url);
		cJSON_AddNumberToObject(j, "expires_in",
		    (double)(cfg->auth.link_ttl_ms / 1000));
		http_reply_json(l->c->req, 201, j);
		OPENSSL_cleanse(url, strlen(url));
		free(url);
		signin_link_free(l);
		return;
	}
	signin_minutes(cfg->auth.link_ttl_ms, ttl, sizeof ttl);
	memset(&msg, 0, sizeof msg);
	msg.size = sizeof msg;
	msg.purpose = REPLYD_SEND_ALERT;
	msg.to = l->to;
	msg.subject = "Your replyd sign-in link";
	if (strchr(l->to, '@') != NULL)
		failed = asprintf(&text, "Use this link to sign in to "
		    "replyd:\n\n%s\n\nIt works once, within %s. If you did "
		    "not ask to sign in, you can ignore this email.\n", url,
		    ttl) == -1;
	else
		failed = asprintf(&text, "replyd sign-in link (works once, "
		    "within %s): %s", ttl, url) == -1;
	msg.text = failed ? NULL : text;
	msg.event = "signin";
	msg.link = url;
	if (failed || send_start(l->srv, l->gen, l->host, &msg, NULL,
	    SIGNIN_SEND_ATTEMPTS, signin_sent, l->person->id) == -1) {
		metrics_inc("replyd_signin_links_total", "outcome=\"failed\"");
		log_warnx("signin: the link for %s could not be sent",
		    l->person->id);
	}
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	OPENSSL_cleanse(url, strlen(url));
	free(url);
	signin_link_free(l);
}

/* Make a link token for a person and store it; then signin_stored. */
static int
signin_make(struct signin_link *l, const char *ret)
{
	cJSON	*j;
	char	*value;
	int	 rc;

	if (session_random(l->token, sizeof l->token, 32) == -1 ||
	    (j = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddStringToObject(j, "person", l->person->id);
	cJSON_AddStringToObject(j, "return", ret);
	value = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (value == NULL)
		return -1;
	rc = store_ticket_put(l->srv->db, STORE_TICKET_LINK, l->token, value,
	    l->gen->cfg->auth.link_ttl_ms, signin_stored, l);
	free(value);
	return rc;
}

/* Whether links sign this person in (only admins while OIDC is on). */
static int
signin_link_allowed(const struct config *cfg, const struct config_person *p)
{
	return cfg->auth.oidc == NULL || p->admin;
}

/* After the answer: find the person, and send them a link if they may. */
static void
signin_dispatch(struct server *srv, struct gen *gen, const char *key,
    const char *ret)
{
	const struct config		*cfg = gen->cfg;
	const struct config_person	*p;
	struct replyd_host		*email, *sms;
	struct signin_link		*l;
	char				 m[MASK_BUFSIZE];

	p = strchr(key, '@') != NULL ? config_person_by_email(cfg, key) :
	    config_person_by_phone(cfg, key);
	if (p == NULL) {
		metrics_inc("replyd_signin_links_total", "outcome=\"unknown\"");
		log_info("signin: a link was asked for %s, which is no one's",
		    signin_mask(key, m, sizeof m));
		return;
	}
	if (!signin_link_allowed(cfg, p)) {
		metrics_inc("replyd_signin_links_total", "outcome=\"refused\"");
		log_warnx("signin: %s asked for a link, but with auth.oidc "
		    "configured links are for admins only", p->id);
		return;
	}
	email = cfg->alert_email ? plugins_find(&gen->plugins,
	    cfg->alert_email) : NULL;
	sms = cfg->alert_sms ? plugins_find(&gen->plugins, cfg->alert_sms) :
	    NULL;
	if ((l = calloc(1, sizeof *l)) == NULL)
		return;
	l->srv = srv;
	l->gen = gen_ref(gen);
	l->person = p;
	if (p->email != NULL && email != NULL && email->has_sender) {
		l->host = email;
		l->to = p->email;
	} else if (p->phone != NULL && sms != NULL && sms->has_sender) {
		l->host = sms;
		l->to = p->phone;
	} else {
		metrics_inc("replyd_signin_links_total",
		    "outcome=\"no_channel\"");
		log_warnx("signin: %s asked for a link, but no alerts channel "
		    "reaches them (alerts.email, alerts.sms)", p->id);
		signin_link_free(l);
		return;
	}
	if (signin_make(l, ret) == -1) {
		log_warnx("signin: the link for %s could not be made", p->id);
		signin_link_free(l);
	}
}

/* GET /signin */
static void
signin_form(struct api_call *c)
{
	signin_form_page(c, 200, session_return(http_req_query_param(c->req,
	    "return")), NULL, NULL);
}

/* Whether a request to a sign-in page comes from our own pages, else a
 * 403 page. */
static int
signin_origin(struct api_call *c)
{
	if (session_same_origin(c->req, c->cfg))
		return 1;
	metrics_inc("replyd_api_rejections_total", "reason=\"origin\"");
	signin_message(c, 403, "You cannot do that here", "This form was "
	    "not sent from this service's own pages. Nothing was done.",
	    "/signin", "Go to sign in");
	return 0;
}

/* Answer a counted attempt that went over a limit. */
static void
signin_limited(struct signin_try *t, int64_t retry_ms)
{
	char	retry[24], wait[32], text[160];
	int64_t	s = (retry_ms + 999) / 1000;

	metrics_inc("replyd_signin_links_total", "outcome=\"rate_limited\"");
	snprintf(retry, sizeof retry, "%lld", (long long)s);
	http_add_header(t->c->req, "Retry-After", retry);
	/* In whole minutes past one: "wait 599 seconds" reads badly. */
	signin_minutes(s < 1 ? 1000 : s >= 60 ? (s + 59) / 60 * 60000 :
	    s * 1000, wait, sizeof wait);
	snprintf(text, sizeof text, "There have been too many sign-in "
	    "attempts. Wait %s, then try again.", wait);
	signin_message(t->c, 429, "Too many attempts", text, NULL, NULL);
	free(t);
}

/* After asking for a link: the same page for every address. */
static void
signin_sent_page(struct api_call *c, const char *ret)
{
	struct template_data	*d;
	struct template_node	*root;
	char			 ttl[32], q[1600], again[1700];

	if ((d = template_data_new()) != NULL) {
		root = template_root(d);
		signin_minutes(c->cfg->auth.link_ttl_ms, ttl, sizeof ttl);
		template_set(root, "ttl", ttl);
		signin_query(ret, q, sizeof q);
		snprintf(again, sizeof again, "/signin?return=%s", q);
		template_set(root, "again", again);
	}
	signin_page(c, 200, "Check your email", "signin-sent", d);
}

/* The address was counted too: answer, then send a link if one is due. */
static void
signin_counted_address(long long n, int64_t retry_ms, int failed, void *arg)
{
	struct signin_try	*t = arg;
	struct api_call		*c = t->c;
	struct server		*srv = c->srv;
	struct gen		*gen;

	if (failed) {
		signin_unavailable(c);
		free(t);
		return;
	}
	if (n > c->cfg->auth.rate_per_address) {
		signin_limited(t, retry_ms);
		return;
	}
	/* The same answer for every address, before anything is looked
	 * up, so neither the page nor its timing says who is staff.  The
	 * answer frees the call: keep what comes after. */
	gen = gen_ref(c->gen);
	signin_sent_page(c, t->ret);
	signin_dispatch(srv, gen, t->key, t->ret);
	gen_unref(gen);
	free(t);
}

/* The client was counted: count the address. */
static void
signin_counted_ip(long long n, int64_t retry_ms, int failed, void *arg)
{
	struct signin_try	*t = arg;
	struct api_call		*c = t->c;

	if (failed) {
		signin_unavailable(c);
		free(t);
		return;
	}
	if (n > c->cfg->auth.rate_per_ip) {
		signin_limited(t, retry_ms);
		return;
	}
	if (store_rate_hit(c->srv->db, "address", t->key,
	    c->cfg->auth.rate_window_ms, signin_counted_address, t) == -1) {
		signin_unavailable(c);
		free(t);
	}
}

/* Trim spaces from both ends into out. */
static void
signin_trim(const char *s, char *out, size_t len)
{
	size_t	n;

	while (*s == ' ' || *s == '\t')
		s++;
	snprintf(out, len, "%s", s);
	n = strlen(out);
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t' ||
	    out[n - 1] == '\r' || out[n - 1] == '\n'))
		out[--n] = '\0';
}

/* POST /signin: email=ADDRESS&return=PATH */
static void
signin_post(struct api_call *c)
{
	struct signin_try	*t;
	const char		*in = api_field(c, "email");
	char			 client[NETADDR_STRLEN + 1], phone[PHONE_BUFSIZE];

	if (!signin_origin(c))
		return;
	if ((t = calloc(1, sizeof *t)) == NULL) {
		signin_unavailable(c);
		return;
	}
	t->c = c;
	snprintf(t->ret, sizeof t->ret, "%s",
	    session_return(api_field(c, "return")));
	if (in != NULL && strlen(in) <= SIGNIN_MAX_INPUT)
		signin_trim(in, t->input, sizeof t->input);
	if (t->input[0] == '\0' ||
	    (strchr(t->input, '@') != NULL ? address_email(t->input, t->key,
	    sizeof t->key) : phone_normalise(t->input, "44", phone,
	    sizeof phone)) == -1) {
		signin_form_page(c, 400, t->ret, t->input[0] == '\0' ?
		    "Enter your work email address" : "Enter a work email "
		    "address, like name@example.gov.uk, or a mobile number",
		    t->input);
		free(t);
		return;
	}
	if (strchr(t->input, '@') == NULL)
		snprintf(t->key, sizeof t->key, "%s", phone);
	if (store_rate_hit(c->srv->db, "ip", session_client(c->req, c->cfg,
	    client, sizeof client), c->cfg->auth.rate_window_ms,
	    signin_counted_ip, t) == -1) {
		signin_unavailable(c);
		free(t);
	}
}

/* Whether a token is what session_random makes (never a key otherwise). */
static int
signin_token_ok(const char *t)
{
	size_t	i, n = t != NULL ? strlen(t) : 0;

	if (n < 22 || n >= SESSION_TOKEN_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') ||
		    (t[i] >= 'A' && t[i] <= 'Z') ||
		    (t[i] >= '0' && t[i] <= '9') || t[i] == '-' || t[i] == '_'))
			return 0;
	return 1;
}

/* GET /signin/link?token=T: a button, so that only a person signs in. */
static void
signin_link_page(struct api_call *c)
{
	const char		*token = http_req_query_param(c->req, "token");
	struct template_data	*d;

	if (!signin_token_ok(token)) {
		pages_redirect(c->req, "/signin");
		return;
	}
	if ((d = template_data_new()) != NULL)
		template_set(template_root(d), "token", token);
	signin_page(c, 200, "Sign in", "signin-link", d);
}

/* A link that cannot be used: the same answer whatever the reason. */
static void
signin_refused(struct api_call *c)
{
	metrics_inc("replyd_signin_total", "via=\"link\",outcome=\"refused\"");
	signin_message(c, 400, "This sign-in link cannot be used", "It has "
	    "expired or has already been used. Sign-in links work once, for "
	    "a short time.", "/signin", "Ask for a new link");
}

/* A link being used, while its session starts. */
struct signin_use {
	struct api_call	*c;
	char		 ret[520];
};

/* A link's person is signed in: go where they were going. */
static void
signin_begun(int failed, void *arg)
{
	struct signin_use	*u = arg;

	if (failed)
		signin_message(u->c, 503, "Sorry, there is a problem", "You "
		    "could not be signed in. Try again in a minute.", "/signin",
		    "Ask for a new link");
	else {
		metrics_inc("replyd_signin_total",
		    "via=\"link\",outcome=\"ok\"");
		pages_redirect(u->c->req, u->ret);
	}
	free(u);
}

/* The link's token was taken (once): start the session. */
static void
signin_taken(const char *value, int failed, void *arg)
{
	struct api_call			*c = arg;
	const struct config_person	*p = NULL;
	struct signin_use		*u;
	cJSON				*j = NULL, *person, *ret = NULL;

	if (failed) {
		signin_unavailable(c);
		return;
	}
	if (value == NULL) {
		log_info("signin: a link that was used, expired or never made "
		    "was refused");
		signin_refused(c);
		return;
	}
	if ((u = calloc(1, sizeof *u)) == NULL) {
		signin_unavailable(c);
		return;
	}
	u->c = c;
	if ((j = cJSON_Parse(value)) != NULL) {
		person = cJSON_GetObjectItemCaseSensitive(j, "person");
		ret = cJSON_GetObjectItemCaseSensitive(j, "return");
		if (cJSON_IsString(person))
			p = config_person(c->cfg, person->valuestring);
	}
	snprintf(u->ret, sizeof u->ret, "%s", session_return(
	    cJSON_IsString(ret) ? ret->valuestring : NULL));
	cJSON_Delete(j);
	if (p == NULL || !signin_link_allowed(c->cfg, p)) {
		log_warnx("signin: a link for %s was refused: %s",
		    p ? p->id : "someone no longer configured", p ? "with "
		    "auth.oidc configured links are for admins only" :
		    "no such person");
		free(u);
		signin_refused(c);
		return;
	}
	if (session_begin(c->srv, c->cfg, c->req, p, "link", signin_begun,
	    u) == -1) {
		free(u);
		signin_unavailable(c);
		return;
	}
	log_info("signin: %s signed in with a link", p->id);
}

/* POST /signin/link: token=T */
static void
signin_link_post(struct api_call *c)
{
	const char	*token = api_field(c, "token");

	if (!signin_origin(c))
		return;
	if (!signin_token_ok(token)) {
		signin_refused(c);
		return;
	}
	if (store_ticket_take(c->srv->db, STORE_TICKET_LINK, token,
	    signin_taken, c) == -1)
		signin_unavailable(c);
}

/* The page after signing out. */
static void
signin_signed_out(struct api_call *c)
{
	signin_message(c, 200, "You have signed out", "If other people use "
	    "this device, close the browser too.", "/signin",
	    "Sign in again");
}

/* The session is ended: clear the cookie. */
static void
signin_out_done(int failed, void *arg)
{
	struct api_call	*c = arg;

	if (failed) {
		signin_unavailable(c);
		return;
	}
	session_clear(c->req, c->cfg);
	signin_signed_out(c);
}

/* POST /signout (csrf=T) */
static void
signin_out(struct api_call *c)
{
	/* Signed out already (a second press, a reload): the same page. */
	if (!c->signed_in || c->session == NULL) {
		signin_signed_out(c);
		return;
	}
	log_info("%s signed out", c->person->id);
	if (store_session_end(c->srv->db, c->session, signin_out_done,
	    c) == -1)
		signin_unavailable(c);
}

/* GET /v1/me */
static void
signin_me(struct api_call *c)
{
	cJSON	*j, *teams;
	size_t	 i;

	j = cJSON_CreateObject();
	if (c->person != NULL) {
		cJSON_AddStringToObject(j, "person", c->person->id);
		if (c->person->name != NULL)
			cJSON_AddStringToObject(j, "name", c->person->name);
	} else
		cJSON_AddStringToObject(j, "service", c->who.id);
	cJSON_AddStringToObject(j, "role", access_role_name(c->who.role));
	cJSON_AddBoolToObject(j, "admin", c->who.admin);
	teams = cJSON_AddObjectToObject(j, "teams");
	for (i = 0; i < c->cfg->nteams; i++) {
		size_t k = config_team_index(c->cfg, c->cfg->teams[i].id);

		if (c->who.service || c->who.admin)
			cJSON_AddStringToObject(teams, c->cfg->teams[i].id,
			    access_manage(&c->who, k) == ACCESS_ALLOW ?
			    "manager" : "worker");
		else if (access_sees(&c->who, k))
			cJSON_AddStringToObject(teams, c->cfg->teams[i].id,
			    c->who.teams[k] == ACCESS_MANAGES ? "manager" :
			    "worker");
	}
	if (c->session != NULL && c->csrf != NULL)
		cJSON_AddStringToObject(j, "csrf", c->csrf);
	http_reply_json(c->req, 200, j);
}

/* POST /v1/signin-links {"person": P} */
static void
signin_links_post(struct api_call *c)
{
	const struct config_person	*p;
	struct signin_link		*l;
	const char			*person;
	int				 failed = 0;

	if (!api_admin(c))
		return;
	person = api_string(c, "person", 1, &failed);
	if (failed)
		return;
	if ((p = config_person(c->cfg, person)) == NULL) {
		http_error(c->req, 400, "bad request", "field \"person\": no "
		    "person \"%s\"", person);
		return;
	}
	if (!signin_link_allowed(c->cfg, p)) {
		http_error(c->req, 409, "conflict", "%s is not an admin: with "
		    "auth.oidc configured, sign-in links are for admins only",
		    p->id);
		return;
	}
	if ((l = calloc(1, sizeof *l)) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	l->srv = c->srv;
	l->gen = gen_ref(c->gen);
	l->c = c;
	l->person = p;
	log_info("signin: a link for %s was made by %s", p->id, c->who.id);
	if (signin_make(l, "/") == -1) {
		signin_link_free(l);
		http_unavailable(c->req, "storage unavailable");
	}
}

/* The binding was forgotten (or there was none). */
static void
signin_unbound(enum store_bind_result res, void *arg)
{
	struct api_call	*c = arg;

	if (res == STORE_BIND_FAILED)
		http_unavailable(c->req, "storage unavailable");
	else if (res == STORE_BIND_OTHER)
		http_error(c->req, 404, "not found", "%s is bound to no "
		    "identity", api_param(c, 0));
	else {
		log_info("signin: %s's OpenID Connect binding was removed by "
		    "%s", api_param(c, 0), c->who.id);
		http_reply(c->req, 204, NULL, NULL, 0);
	}
}

/* DELETE /v1/people/{person}/oidc-binding */
static void
signin_unbind(struct api_call *c)
{
	const char	*person = api_param(c, 0);

	if (!api_admin(c))
		return;
	if (person == NULL || config_person(c->cfg, person) == NULL) {
		http_error(c->req, 404, "not found", "no such person");
		return;
	}
	if (store_unbind(c->srv->db, person, signin_unbound, c) == -1)
		http_unavailable(c->req, "storage unavailable");
}

/* Define the metrics of signing in. */
static void
signin_init(void)
{
	metrics_define("replyd_signin_links_total", METRICS_COUNTER,
	    "Sign-in links asked for, by outcome.");
	metrics_define("replyd_signin_total", METRICS_COUNTER,
	    "Sign-ins, by how and outcome.");
}

static const struct api_route signin_routes[] = {
	{ HTTP_GET, "/signin", ROLE_WORKER, API_ANON, signin_form },
	{ HTTP_POST, "/signin", ROLE_WORKER, API_ANON | API_FORM | API_DB,
	    signin_post },
	{ HTTP_GET, "/signin/link", ROLE_WORKER, API_ANON, signin_link_page },
	{ HTTP_POST, "/signin/link", ROLE_WORKER,
	    API_ANON | API_FORM | API_DB, signin_link_post },
	{ HTTP_POST, "/signout", ROLE_WORKER, API_PAGE | API_FORM | API_DB,
	    signin_out },
	{ HTTP_GET, "/v1/me", ROLE_WORKER, 0, signin_me },
	{ HTTP_POST, "/v1/signin-links", ROLE_ADMIN,
	    API_BODY | API_DB | API_TOKEN, signin_links_post },
	{ HTTP_DELETE, "/v1/people/*/oidc-binding", ROLE_ADMIN,
	    API_DB, signin_unbind },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module signin_api = {
	.name = "signin",
	.init = signin_init,
	.routes = signin_routes,
};
