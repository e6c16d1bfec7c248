/*
 * auth.h: staff identity in Redis (docs/data-model.md, SPEC section 15):
 * sessions, single-use tickets (sign-in links, OpenID Connect states),
 * sign-in rate counters, the binding of people to their identity
 * provider's subject, and the audit of reading (who opened a
 * conversation, who read a contact's details).
 *
 * Secrets are passed in as they are and hashed here: only the hash names
 * a key, so nothing read out of Redis can be replayed as a cookie or a
 * link.  Every instance sees the same sessions, so any instance serves
 * any request.  What comes back is plain C, valid for the callback only.
 * This module never answers HTTP and never logs a secret.
 */
#ifndef STORE_AUTH_H
#define STORE_AUTH_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* A live session. */
struct store_session {
	const char	*person;
	const char	*who;		/* email or phone at sign-in */
	const char	*csrf;
	const char	*via;		/* "link", "oidc" */
	int64_t		 created_ms;
};

enum store_ticket_kind {
	STORE_TICKET_LINK,	/* a sign-in link's token */
	STORE_TICKET_OIDC	/* an OpenID Connect state */
};

enum store_bind_result {
	STORE_BIND_OK,		/* bound now, or already to this subject */
	STORE_BIND_OTHER,	/* the person is bound to another subject */
	STORE_BIND_FAILED
};

typedef void (*store_auth_done_cb)(int failed, void *arg);
/* session is NULL when there is none (or it timed out: it is gone). */
typedef void (*store_session_cb)(const struct store_session *, int failed,
    void *arg);
/* value is NULL when there is no such ticket (used, expired, never). */
typedef void (*store_ticket_cb)(const char *value, int failed, void *arg);
/* attempts in the current window, and ms until it ends. */
typedef void (*store_rate_cb)(long long attempts, int64_t retry_ms,
    int failed, void *arg);
/* person is NULL when the subject is bound to no one. */
typedef void (*store_subject_cb)(const char *person, int failed, void *arg);
typedef void (*store_bind_cb)(enum store_bind_result, void *arg);
/* Lines (JSON) oldest first. */
typedef void (*store_lines_cb)(const char **lines, size_t n, int failed,
    void *arg);

/* Start a session named by cookie (the secret the browser holds). */
int	 store_session_new(struct db *, const char *cookie, const char *person,
	    const char *who, const char *csrf, const char *via,
	    int64_t idle_ms, store_auth_done_cb, void *);
/* Use a session: NULL when it does not exist or has timed out.  Its
 * "seen" is written at most every tenth of the idle timeout (a minute at
 * most), so an idle session may end up to that much early. */
int	 store_session_touch(struct db *, const char *cookie, int64_t idle_ms,
	    int64_t max_ms, store_session_cb, void *);
/* End a session (sign-out, or a person no longer configured). */
int	 store_session_end(struct db *, const char *cookie,
	    store_auth_done_cb, void *);

/* Keep value under a single-use secret for ttl_ms. */
int	 store_ticket_put(struct db *, enum store_ticket_kind,
	    const char *secret, const char *value, int64_t ttl_ms,
	    store_auth_done_cb, void *);
/* Take a ticket: its value once, then it is gone. */
int	 store_ticket_take(struct db *, enum store_ticket_kind,
	    const char *secret, store_ticket_cb, void *);

/* Count one sign-in attempt by kind ("address", "ip") and key (hashed
 * here) in a window of window_ms. */
int	 store_rate_hit(struct db *, const char *kind, const char *key,
	    int64_t window_ms, store_rate_cb, void *);

/* The person an issuer's subject is bound to. */
int	 store_subject_person(struct db *, const char *issuer,
	    const char *subject, store_subject_cb, void *);
/* Bind a person to an issuer's subject (first sign-in). */
int	 store_bind(struct db *, const char *person, const char *issuer,
	    const char *subject, store_bind_cb, void *);
/* Forget a person's binding (an account recreated at the provider). */
int	 store_unbind(struct db *, const char *person, store_bind_cb, void *);

/* Append a "viewed" event (JSON) to a conversation's audit trail; failed
 * when it could not be recorded. */
int	 store_viewed(struct db *, const char *id, const char *json,
	    store_auth_done_cb, void *);
/* Record a read of a contact's details (JSON), kept for ttl seconds. */
int	 store_contact_read(struct db *, const char *contact,
	    const char *json, int64_t ttl, store_auth_done_cb, void *);
/* A contact's read trail, oldest first. */
int	 store_contact_reads(struct db *, const char *contact, store_lines_cb,
	    void *);

#endif
