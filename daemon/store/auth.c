/*
 * auth.c: see auth.h.  Every key here is outside the partitions and sits
 * in a slot of its own: a session, a ticket or a counter is one key, and
 * a binding is two (subject -> person, person -> subject) written one
 * after the other, the person's first, so that two subjects racing for
 * one person cannot both win.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "io/db.h"
#include "store/auth.h"
#include "store/internal.h"
#include "store/keys.h"
#include "store/store.h"

/* The longest a busy session's "seen" goes unwritten. */
#define STORE_SESSION_REFRESH_MS	60000

/* One request: its callback and argument, and what a chain needs. */
struct auth_req {
	union {
		store_auth_done_cb	 done;
		store_session_cb	 session;
		store_ticket_cb		 ticket;
		store_rate_cb		 rate;
		store_subject_cb	 subject;
		store_bind_cb		 bind;
		store_lines_cb		 lines;
	} cb;
	void	*arg;
	char	 person[256];
	char	 subject[41];
};

/* A request with its argument; NULL when out of memory. */
static struct auth_req *
auth_req_new(void *arg)
{
	struct auth_req	*a;

	if ((a = calloc(1, sizeof *a)) != NULL)
		a->arg = arg;
	return a;
}

/* A key named by the hash of a secret. */
static void
auth_key(char *buf, size_t len, const char *fmt, const char *secret)
{
	char	h[41];

	store_hash(secret, strlen(secret), h);
	snprintf(buf, len, fmt, h);
}

/* The hash naming an issuer's subject. */
static void
auth_subject_hash(const char *issuer, const char *subject, char out[41])
{
	char	*s;

	if (asprintf(&s, "%s\n%s", issuer, subject) == -1) {
		/* Out of memory: a hash nobody is bound to. */
		store_hash("", 0, out);
		return;
	}
	store_hash(s, strlen(s), out);
	free(s);
}

/* Whether a reply is an error (or missing). */
static int
auth_failed(const redisReply *r)
{
	return r == NULL || r->type == REDIS_REPLY_ERROR;
}

/* A reply that only needs a status check. */
static void
auth_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct auth_req	*a = arg;

	a->cb.done(auth_failed(r) || (r->type == REDIS_REPLY_STRING &&
	    strcmp(r->str, "ok") != 0), a->arg);
	free(a);
}

/* Start a session. */
int
store_session_new(struct db *db, const char *cookie, const char *person,
    const char *who, const char *csrf, const char *via, int64_t idle_ms,
    store_auth_done_cb cb, void *arg)
{
	struct auth_req	*a;
	char		 key[128], idle[24];
	const char	*argv[6];

	if ((a = auth_req_new(arg)) == NULL)
		return -1;
	a->cb.done = cb;
	auth_key(key, sizeof key, KEY_SESSION, cookie);
	snprintf(idle, sizeof idle, "%lld", (long long)idle_ms);
	argv[0] = key;
	argv[1] = person;
	argv[2] = who != NULL ? who : "";
	argv[3] = csrf;
	argv[4] = via;
	argv[5] = idle;
	if (store_run(db, "session-new", auth_done, a, 6, argv, NULL) == -1) {
		free(a);
		return -1;
	}
	return 0;
}

/* The touch script answered. */
static void
auth_touched(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct auth_req		*a = arg;
	struct store_session	 s;

	if (auth_failed(r))
		a->cb.session(NULL, 1, a->arg);
	else if (r->type != REDIS_REPLY_ARRAY || r->elements != 5)
		a->cb.session(NULL, 0, a->arg);
	else {
		s.person = store_str(r->element[0]);
		s.who = store_str(r->element[1]);
		s.csrf = store_str(r->element[2]);
		s.created_ms = strtoll(store_str(r->element[3]), NULL, 10);
		s.via = store_str(r->element[4]);
		a->cb.session(s.person[0] != '\0' ? &s : NULL, 0, a->arg);
	}
	free(a);
}

/* Use a session. */
int
store_session_touch(struct db *db, const char *cookie, int64_t idle_ms,
    int64_t max_ms, store_session_cb cb, void *arg)
{
	struct auth_req	*a;
	char		 key[128], idle[24], max[24], refresh[24];
	const char	*argv[4];
	int64_t		 every = idle_ms / 10;

	if ((a = auth_req_new(arg)) == NULL)
		return -1;
	a->cb.session = cb;
	auth_key(key, sizeof key, KEY_SESSION, cookie);
	/* A tenth of the idle timeout, at most a minute. */
	if (every > STORE_SESSION_REFRESH_MS)
		every = STORE_SESSION_REFRESH_MS;
	snprintf(idle, sizeof idle, "%lld", (long long)idle_ms);
	snprintf(max, sizeof max, "%lld", (long long)max_ms);
	snprintf(refresh, sizeof refresh, "%lld", (long long)every);
	argv[0] = key;
	argv[1] = idle;
	argv[2] = max;
	argv[3] = refresh;
	if (store_run(db, "session-touch", auth_touched, a, 4, argv,
	    NULL) == -1) {
		free(a);
		return -1;
	}
	return 0;
}

/* End a session. */
int
store_session_end(struct db *db, const char *cookie, store_auth_done_cb cb,
    void *arg)
{
	struct auth_req	*a;
	char		 key[128];

	if ((a = auth_req_new(arg)) == NULL)
		return -1;
	a->cb.done = cb;
	auth_key(key, sizeof key, KEY_SESSION, cookie);
	if (db_command(db, auth_done, a, "DEL %s", key) == -1) {
		free(a);
		return -1;
	}
	return 0;
}

/* The key format of a kind of ticket. */
static const char *
auth_ticket_fmt(enum store_ticket_kind kind)
{
	return kind == STORE_TICKET_LINK ? KEY_SIGNIN : KEY_OIDC_STATE;
}

/* Keep a ticket. */
int
store_ticket_put(struct db *db, enum store_ticket_kind kind,
    const char *secret, const char *value, int64_t ttl_ms,
    store_auth_done_cb cb, void *arg)
{
	struct auth_req	*a;
	char		 key[128];

	if (ttl_ms <= 0 || (a = auth_req_new(arg)) == NULL)
		return -1;
	a->cb.done = cb;
	auth_key(key, sizeof key, auth_ticket_fmt(kind), secret);
	/* NX: a second ticket with the same secret is never in practice. */
	if (db_command(db, auth_done, a, "SET %s %s PX %lld NX", key, value,
	    (long long)ttl_ms) == -1) {
		free(a);
		return -1;
	}
	return 0;
}

/* GETDEL answered: the ticket's value, once. */
static void
auth_taken(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct auth_req	*a = arg;

	if (auth_failed(r))
		a->cb.ticket(NULL, 1, a->arg);
	else
		a->cb.ticket(r->type == REDIS_REPLY_STRING ? r->str : NULL, 0,
		    a->arg);
	free(a);
}

/* Take a ticket. */
int
store_ticket_take(struct db *db, enum store_ticket_kind kind,
    const char *secret, store_ticket_cb cb, void *arg)
{
	struct auth_req	*a;
	char		 key[128];

	if ((a = auth_req_new(arg)) == NULL)
		return -1;
	a->cb.ticket = cb;
	auth_key(key, sizeof key, auth_ticket_fmt(kind), secret);
	if (db_command(db, auth_taken, a, "GETDEL %s", key) == -1) {
		free(a);
		return -1;
	}
	return 0;
}

/* The rate script answered. */
static void
auth_rated(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct auth_req	*a = arg;

	if (auth_failed(r) || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 2)
		a->cb.rate(0, 0, 1, a->arg);
	else
		a->cb.rate(store_num(r->element[0]), store_num(r->element[1]),
		    0, a->arg);
	free(a);
}

/* Count one attempt. */
int
store_rate_hit(struct db *db, const char *kind, const char *key,
    int64_t window_ms, store_rate_cb cb, void *arg)
{
	struct auth_req	*a;
	char		 k[160], h[41], w[24];
	const char	*argv[2];

	if ((a = auth_req_new(arg)) == NULL)
		return -1;
	a->cb.rate = cb;
	store_hash(key, strlen(key), h);
	snprintf(k, sizeof k, KEY_RATE, kind, h);
	snprintf(w, sizeof w, "%lld", (long long)window_ms);
	argv[0] = k;
	argv[1] = w;
	if (store_run(db, "rate", auth_rated, a, 2, argv, NULL) == -1) {
		free(a);
		return -1;
	}
	return 0;
}

/* GET of a subject's person answered. */
static void
auth_subject_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct auth_req	*a = arg;

	if (auth_failed(r))
		a->cb.subject(NULL, 1, a->arg);
	else
		a->cb.subject(r->type == REDIS_REPLY_STRING ? r->str : NULL, 0,
		    a->arg);
	free(a);
}

/* The person a subject is bound to. */
int
store_subject_person(struct db *db, const char *issuer, const char *subject,
    store_subject_cb cb, void *arg)
{
	struct auth_req	*a;
	char		 key[128], h[41];

	if ((a = auth_req_new(arg)) == NULL)
		return -1;
	a->cb.subject = cb;
	auth_subject_hash(issuer, subject, h);
	snprintf(key, sizeof key, KEY_OIDC_SUB, h);
	if (db_command(db, auth_subject_done, a, "GET %s", key) == -1) {
		free(a);
		return -1;
	}
	return 0;
}

/* The subject's own key is written: the binding is complete. */
static void
auth_bound(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct auth_req	*a = arg;

	a->cb.bind(auth_failed(r) ? STORE_BIND_FAILED : STORE_BIND_OK, a->arg);
	free(a);
}

/* The person's binding is decided: write the subject's key too. */
static void
auth_bind_person(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct auth_req	*a = arg;
	char		 key[128];

	if (auth_failed(r) || r->type != REDIS_REPLY_STRING) {
		a->cb.bind(STORE_BIND_FAILED, a->arg);
		free(a);
		return;
	}
	if (strcmp(r->str, "ok") != 0) {
		a->cb.bind(STORE_BIND_OTHER, a->arg);
		free(a);
		return;
	}
	snprintf(key, sizeof key, KEY_OIDC_SUB, a->subject);
	if (db_command(db, auth_bound, a, "SET %s %s", key, a->person) == -1) {
		a->cb.bind(STORE_BIND_FAILED, a->arg);
		free(a);
	}
}

/* Bind a person to a subject. */
int
store_bind(struct db *db, const char *person, const char *issuer,
    const char *subject, store_bind_cb cb, void *arg)
{
	struct auth_req	*a;
	char		 key[320];
	const char	*argv[2];

	if (strlen(person) >= sizeof a->person || (a = auth_req_new(arg)) ==
	    NULL)
		return -1;
	a->cb.bind = cb;
	snprintf(a->person, sizeof a->person, "%s", person);
	auth_subject_hash(issuer, subject, a->subject);
	snprintf(key, sizeof key, KEY_OIDC_PERSON, person);
	argv[0] = key;
	argv[1] = a->subject;
	if (store_run(db, "bind", auth_bind_person, a, 2, argv, NULL) == -1) {
		free(a);
		return -1;
	}
	return 0;
}

/* Both keys of a binding are gone. */
static void
auth_unbound(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct auth_req	*a = arg;

	if (auth_failed(r))
		a->cb.bind(STORE_BIND_FAILED, a->arg);
	else
		a->cb.bind(r->integer > 0 ? STORE_BIND_OK : STORE_BIND_OTHER,
		    a->arg);
	free(a);
}

/* The person's subject is known: delete the subject's key, then theirs. */
static void
auth_unbind_subject(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct auth_req	*a = arg;
	char		 key[320];
	int		 rc;

	if (auth_failed(r)) {
		a->cb.bind(STORE_BIND_FAILED, a->arg);
		free(a);
		return;
	}
	if (r->type == REDIS_REPLY_STRING) {
		snprintf(key, sizeof key, KEY_OIDC_SUB, r->str);
		/* The person's key is deleted last: repeating finishes. */
		if (db_command(db, NULL, NULL, "DEL %s", key) == -1) {
			a->cb.bind(STORE_BIND_FAILED, a->arg);
			free(a);
			return;
		}
	}
	snprintf(key, sizeof key, KEY_OIDC_PERSON, a->person);
	rc = db_command(db, auth_unbound, a, "DEL %s", key);
	if (rc == -1) {
		a->cb.bind(STORE_BIND_FAILED, a->arg);
		free(a);
	}
}

/* Forget a person's binding; STORE_BIND_OTHER when there was none. */
int
store_unbind(struct db *db, const char *person, store_bind_cb cb, void *arg)
{
	struct auth_req	*a;
	char		 key[320];

	if (strlen(person) >= sizeof a->person || (a = auth_req_new(arg)) ==
	    NULL)
		return -1;
	a->cb.bind = cb;
	snprintf(a->person, sizeof a->person, "%s", person);
	snprintf(key, sizeof key, KEY_OIDC_PERSON, person);
	if (db_command(db, auth_unbind_subject, a, "HGET %s subject",
	    key) == -1) {
		free(a);
		return -1;
	}
	return 0;
}

/* event-2 answered: recorded only if the conversation is there. */
static void
auth_viewed(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct auth_req	*a = arg;

	a->cb.done(auth_failed(r) || r->type != REDIS_REPLY_INTEGER ||
	    r->integer == 0, a->arg);
	free(a);
}

/* Append a "viewed" event. */
int
store_viewed(struct db *db, const char *id, const char *json,
    store_auth_done_cb cb, void *arg)
{
	struct auth_req	*a;
	char		 kc[160], ke[160];
	const char	*argv[3];
	int		 p;

	if ((p = store_id_partition(id)) == -1 ||
	    (a = auth_req_new(arg)) == NULL)
		return -1;
	a->cb.done = cb;
	snprintf(kc, sizeof kc, KEY_CONV, p, id);
	snprintf(ke, sizeof ke, KEY_EVENTS, p, id);
	argv[0] = kc;
	argv[1] = ke;
	argv[2] = json;
	/* Never an immortal trail for an expired record (event-2). */
	if (store_run(db, "event", auth_viewed, a, 3, argv, NULL) == -1) {
		free(a);
		return -1;
	}
	return 0;
}

/* A script answered with a count. */
static void
auth_counted(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct auth_req	*a = arg;

	a->cb.done(auth_failed(r) || r->type != REDIS_REPLY_INTEGER, a->arg);
	free(a);
}

/* Record a read of a contact's details. */
int
store_contact_read(struct db *db, const char *contact, const char *json,
    int64_t ttl, store_auth_done_cb cb, void *arg)
{
	struct auth_req	*a;
	char		 key[160], t[24];
	const char	*argv[3];

	if ((a = auth_req_new(arg)) == NULL)
		return -1;
	a->cb.done = cb;
	snprintf(key, sizeof key, KEY_CONTACT_READS, contact);
	snprintf(t, sizeof t, "%lld", (long long)(ttl > 0 ? ttl : 1));
	argv[0] = key;
	argv[1] = json;
	argv[2] = t;
	if (store_run(db, "contact-read", auth_counted, a, 3, argv,
	    NULL) == -1) {
		free(a);
		return -1;
	}
	return 0;
}

/* LRANGE of a read trail answered. */
static void
auth_lines(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct auth_req	*a = arg;
	const char	**lines;
	size_t		  i, n = 0;

	if (auth_failed(r) || r->type != REDIS_REPLY_ARRAY) {
		a->cb.lines(NULL, 0, 1, a->arg);
		free(a);
		return;
	}
	if ((lines = calloc(r->elements + 1, sizeof *lines)) == NULL) {
		a->cb.lines(NULL, 0, 1, a->arg);
		free(a);
		return;
	}
	for (i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			lines[n++] = r->element[i]->str;
	a->cb.lines(lines, n, 0, a->arg);
	free(lines);
	free(a);
}

/* A contact's read trail. */
int
store_contact_reads(struct db *db, const char *contact, store_lines_cb cb,
    void *arg)
{
	struct auth_req	*a;
	char		 key[160];

	if ((a = auth_req_new(arg)) == NULL)
		return -1;
	a->cb.lines = cb;
	snprintf(key, sizeof key, KEY_CONTACT_READS, contact);
	if (db_command(db, auth_lines, a, "LRANGE %s 0 -1", key) == -1) {
		free(a);
		return -1;
	}
	return 0;
}
