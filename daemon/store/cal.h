/*
 * cal.h: calendars that change, in Redis (docs/data-model.md, SPEC
 * section 18): each calendar's unplanned closures and the recompute job
 * that moves its open conversations to new calendar data (one hash per
 * calendar, rd:cal:NAME), the bank-holiday feed fetched from a URL (one
 * hash per URL, rd:feed:H), and walking and recomputing open
 * conversations.
 *
 * What comes back is plain C, valid for the callback only.  This module
 * never computes a deadline (the caller does, with the calendar) and
 * never answers HTTP.  Every function returns -1 (and calls nothing
 * back) when the command could not be sent; otherwise its callback runs
 * exactly once, with err NULL on success.
 */
#ifndef STORE_CAL_H
#define STORE_CAL_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* An unplanned closure of a calendar. */
struct store_cal_closure {
	char	 date[16];		/* YYYY-MM-DD */
	char	 reason[512];
	char	 by[128];
	int64_t	 at_ms;			/* when it was added */
};

/* A calendar's shared state: the closures' revision and the recompute
 * job (see calclaim-1.lua). */
struct store_cal_state {
	int64_t	 rev;			/* bumped by every closure change */
	char	 why[256];		/* of the last closure change */
	char	 ver[40];		/* the version open conversations
					   are moved to; "" when none */
	int64_t	 seq;			/* the current job */
	int64_t	 done;			/* the last job finished */
	int64_t	 started_ms;
	int64_t	 lease_ms;		/* the owner renews it */
	char	 owner[128];
	char	 job_why[256];
};

enum store_cal_closure_result {
	STORE_CAL_ADDED,
	STORE_CAL_REPLACED,
	STORE_CAL_DELETED,
	STORE_CAL_MISSING,		/* no such closure to delete */
	STORE_CAL_CLOSURE_FAILED
};

enum store_cal_claim_result {
	STORE_CAL_CURRENT,		/* that version is already recorded */
	STORE_CAL_RECORDED,		/* first version: recorded, no job */
	STORE_CAL_ABSENT,		/* none recorded, none written */
	STORE_CAL_MINE,			/* the job is the caller's */
	STORE_CAL_NOT_MINE,		/* a takeover was not possible */
	STORE_CAL_CLAIM_FAILED
};

/* What an open conversation looks like to a recompute. */
struct store_cal_conv {
	char	 id[32];
	int	 found;			/* 0: no such record */
	char	 state[16];
	char	 team[128];
	int64_t	 received_ms;
	char	 deadline[24];		/* as stored, to pass back */
	int64_t	 deadline_ms;
	int	 step;
	char	 cal[192];		/* NAME:SEQ of the last recompute */
};

/* One conversation to move to new calendar data (recompute-5). */
struct store_cal_recompute {
	const char	 *id;
	const char	 *calendar;
	int64_t		  seq;
	const char	 *read_deadline;	/* as store_cal_conv had it */
	int64_t		  deadline_ms;		/* the new one */
	const char	 *old_text;		/* both as RFC 3339 */
	const char	 *new_text;
	const char	 *why;
	const char	 *team;
	size_t		  nsteps;
	const int64_t	 *due_ms;		/* each step's new due time */
	const char *const *due_text;
};

enum store_cal_recompute_result {
	STORE_CAL_RC_CLOSED,		/* no longer awaiting */
	STORE_CAL_RC_CURRENT,		/* this job or a later one was here */
	STORE_CAL_RC_MOVED,		/* not as read: read it again */
	STORE_CAL_RC_SAME,		/* nothing moved */
	STORE_CAL_RC_CHANGED,		/* moved, with a deadline_changed event */
	STORE_CAL_RC_FAILED
};

/* A fetched feed's shared state (rd:feed:H). */
struct store_feed_state {
	char	 sha[72];		/* of the stored body; "" when none */
	int64_t	 rev;
	int64_t	 fetched_ms;		/* last fetched and valid */
	int64_t	 next_ms;		/* the next fetch falls due */
	int64_t	 failed_ms;		/* last failed or refused */
	char	 error[512];		/* why, "" after a success */
};

enum store_feed_lock_result {
	STORE_FEED_LOCKED,		/* fetch it now */
	STORE_FEED_NOT_DUE,
	STORE_FEED_BUSY,		/* another instance is fetching */
	STORE_FEED_LOCK_FAILED
};

typedef void (*store_cal_state_cb)(const struct store_cal_state *,
    const char *err, void *arg);
/* closures[0..n) after the change (or as they are); rev is their
 * revision. */
typedef void (*store_cal_closures_cb)(enum store_cal_closure_result,
    int64_t rev, const struct store_cal_closure *closures, size_t n,
    const char *err, void *arg);
/* seq, started_ms and why describe the current job. */
typedef void (*store_cal_claim_cb)(enum store_cal_claim_result, int64_t seq,
    int64_t started_ms, const char *why, const char *err, void *arg);
/* ok: 1 renewed (or finished), 0 the job is no longer the caller's. */
typedef void (*store_cal_renew_cb)(int ok, const char *err, void *arg);
/* ids[0..n); next is the cursor to go on with, "" at the end. */
typedef void (*store_cal_ids_cb)(const char *const *ids, size_t n,
    const char *next, const char *err, void *arg);
typedef void (*store_cal_conv_cb)(const struct store_cal_conv *,
    const char *err, void *arg);
typedef void (*store_cal_recompute_cb)(enum store_cal_recompute_result,
    const char *err, void *arg);
typedef void (*store_feed_state_cb)(const struct store_feed_state *,
    const char *err, void *arg);
typedef void (*store_feed_body_cb)(const char *body, size_t len,
    const char *sha, const char *err, void *arg);
typedef void (*store_feed_lock_cb)(enum store_feed_lock_result,
    const char *err, void *arg);
enum store_feed_put_result {
	STORE_FEED_UPDATED,		/* a new feed, stored for every instance */
	STORE_FEED_UNCHANGED,
	STORE_FEED_FAILED_KEPT,		/* the failure recorded, old data kept */
	STORE_FEED_PUT_FAILED		/* Redis failed */
};
/* sha identifies the stored body ("" when none). */
typedef void (*store_feed_put_cb)(enum store_feed_put_result, int64_t rev,
    const char *sha, const char *err, void *arg);

/* The calendar's shared state. */
int	 store_cal_state(struct db *, const char *calendar,
	    store_cal_state_cb, void *);
/* Its unplanned closures and their revision. */
int	 store_cal_closures(struct db *, const char *calendar,
	    store_cal_closures_cb, void *);
/* Add or replace the closure of date (closure-add-1); why is what the
 * recompute this change starts will say. */
int	 store_cal_closure_add(struct db *, const char *calendar,
	    const struct store_cal_closure *, const char *why,
	    store_cal_closures_cb, void *);
/* Remove the closure of date (closure-del-1). */
int	 store_cal_closure_del(struct db *, const char *calendar,
	    const char *date, const char *why, store_cal_closures_cb, void *);
/* How a claim treats a calendar with no version recorded yet. */
enum store_cal_first {
	STORE_CAL_FIRST_CLAIM,		/* a change: claim the job */
	STORE_CAL_FIRST_RECORD,		/* record it, no job */
	STORE_CAL_FIRST_PEEK		/* write nothing: answer ABSENT */
};

/* Claim the recompute of calendar to version ver (calclaim-1). */
int	 store_cal_claim(struct db *, const char *calendar, const char *ver,
	    const char *why, const char *owner, int64_t lease_ms,
	    enum store_cal_first, store_cal_claim_cb, void *);
/* Whether any partition holds an open conversation: n is 0 or more, -1
 * when Redis failed. */
int	 store_cal_any_open(struct db *, void (*cb)(int n, void *arg),
	    void *);
/* Take over job seq for version ver after its lease ran out. */
int	 store_cal_takeover(struct db *, const char *calendar, int64_t seq,
	    const char *ver, const char *owner, int64_t lease_ms,
	    store_cal_claim_cb, void *);
/* Renew the lease of job seq, or mark it finished. */
int	 store_cal_renew(struct db *, const char *calendar, int64_t seq,
	    const char *owner, int64_t lease_ms, int finished,
	    store_cal_renew_cb, void *);

/* Walk partition p's awaiting index from cursor ("0" to begin), about
 * count ids at a time (ZSCAN: an id present throughout is seen). */
int	 store_cal_awaiting(struct db *, int p, const char *cursor,
	    size_t count, store_cal_ids_cb, void *);
/* Ids of partition p that arrived in [from_ms, to_ms], from offset (a
 * decimal cursor; "0" to begin), count at a time. */
int	 store_cal_arrived(struct db *, int p, int64_t from_ms, int64_t to_ms,
	    const char *cursor, size_t count, store_cal_ids_cb, void *);
/* What a recompute needs of a conversation's record. */
int	 store_cal_conv(struct db *, const char *id, store_cal_conv_cb,
	    void *);
/* Move a conversation to new calendar data (recompute-5). */
int	 store_cal_recompute(struct db *, const struct store_cal_recompute *,
	    store_cal_recompute_cb, void *);

/* A feed's shared state, by URL. */
int	 store_feed_state(struct db *, const char *url, store_feed_state_cb,
	    void *);
/* The stored body of a feed. */
int	 store_feed_body(struct db *, const char *url, store_feed_body_cb,
	    void *);
/* Take the right to fetch a feed that is due (feed-lock-1). */
int	 store_feed_lock(struct db *, const char *url, const char *owner,
	    int64_t lock_ms, store_feed_lock_cb, void *);
/* Record a fetch (feed-put-1): valid (body given: stored unless it is
 * the stored one) or not (the error given); the next is due in next_ms. */
int	 store_feed_put(struct db *, const char *url, int valid,
	    const char *body_or_error, size_t len, int64_t next_ms,
	    store_feed_put_cb, void *);

#endif
