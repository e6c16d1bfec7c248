/*
 * esc.h: escalation's state in Redis (docs/data-model.md).  Each partition
 * has a due set (escalation steps, urgent alerts and waiting notices of
 * its conversations, by when they fall due) and an escalation stream that
 * one consumer group reads, so each entry goes to one instance.
 *
 * The life of an item: claim-4 moves what is due (by Redis TIME) from the
 * due set to the stream, and the awaiting conversations whose deadline
 * passed (kind "d": their first step, when it falls due at the deadline,
 * has no member in the due set); store_esc_read (or, for entries an instance left
 * pending, store_esc_autoclaim) hands the entries over as C structs; the
 * caller loads the conversation (store/conv.h), then advances it to its
 * next step (advance-2), puts a step paused by an acknowledgement back in
 * the due set (defer-2), and finally acknowledges and deletes the entry
 * (settle-1).  While delivering, store_esc_refresh keeps an entry from
 * looking abandoned.
 *
 * Every function returns -1 (and calls nothing back) when the command
 * could not be sent; otherwise its callback runs exactly once.  `err` in a
 * callback is NULL on success, else Redis's error text or the connection's
 * ("timeout", "connection lost").
 */
#ifndef STORE_ESC_H
#define STORE_ESC_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* One entry of a partition's escalation stream. */
struct store_esc_entry {
	int	 p;			/* partition */
	char	 entry[64];		/* stream entry id */
	char	 conv[32];		/* "" when malformed: drop it */
	char	 kind[16];		/* step number, "w", "uN", or "d" */
	int64_t	 due_ms;		/* when it fell due */
	int64_t	 claimed_ms;		/* when claim-4 moved it (Redis TIME) */
	int	 taken_over;		/* from store_esc_autoclaim: it was
					   delivered before, maybe in part */
};

/* Entries handed over by a read or an autoclaim. */
struct store_esc_batch {
	const struct store_esc_entry *entries;
	size_t		 n;
	int		 p;		/* autoclaim: its partition; read: -1 */
	const char	*err;		/* NULL when the command succeeded */
	int		 nogroup;	/* a consumer group is missing */
};

/* What defer-2 did. */
enum store_esc_defer_result {
	STORE_ESC_DEFERRED,	/* back in the due set at the pause's end */
	STORE_ESC_DUE,		/* the pause has ended by Redis TIME: alert */
	STORE_ESC_GONE,		/* no longer awaiting, or at another step */
	STORE_ESC_DEFER_FAILED
};

/* Today's duty-rota overrides of a team ("" where there is none). */
struct store_esc_rota {
	char	 worker[128];
	char	 manager[128];
};

typedef void (*store_esc_done_cb)(const char *err, void *arg);
/* claimed: how many moved; next_due_ms: the earliest left, or -1. */
typedef void (*store_esc_claim_cb)(int p, int claimed, int64_t next_due_ms,
    const char *err, void *arg);
typedef void (*store_esc_batch_cb)(const struct store_esc_batch *,
    void *arg);
/* advanced: 1 when the step moved on, 0 when it had already (or the
 * conversation is no longer awaiting), 2 when its deadline moved (a
 * calendar changed: work the next due time out again); -1 with err on
 * failure. */
typedef void (*store_esc_advance_cb)(int advanced, const char *err,
    void *arg);
/* until_ms: the pause's end when deferred. */
typedef void (*store_esc_defer_cb)(enum store_esc_defer_result,
    int64_t until_ms, const char *err, void *arg);
/* rota is NULL (and err set) when it could not be read. */
typedef void (*store_esc_rota_cb)(const struct store_esc_rota *,
    const char *err, void *arg);

/* Create partition p's stream and consumer group (existing is fine). */
int	 store_esc_group(struct db *, int p, store_esc_done_cb, void *);
/* Move up to limit due items of partition p to its stream (claim-4). */
int	 store_esc_claim(struct db *, int p, int limit, store_esc_claim_cb,
	    void *);
/* Read new entries of every partition's stream as consumer, at most
 * count per stream: blocking up to block_ms on one Redis (a connection of
 * its own), without blocking on a Redis Cluster node (one command per
 * stream: they live in different slots). */
int	 store_esc_read(struct db *, const char *consumer, int count,
	    int block_ms, store_esc_batch_cb, void *);
/* Take over up to count entries of partition p pending for longer than
 * idle_ms with another consumer (or with this one, left unfinished). */
int	 store_esc_autoclaim(struct db *, int p, const char *consumer,
	    int64_t idle_ms, int count, store_esc_batch_cb, void *);
/* Reset an entry's idle time: it is still being delivered. */
int	 store_esc_refresh(struct db *, int p, const char *consumer,
	    const char *entry, store_esc_done_cb, void *);
/* Move conversation id from step to step + 1 and schedule that at
 * next_due_ms (-1: it has no next step), unless it already moved
 * (advance-2). */
int	 store_esc_advance(struct db *, const char *id, int step,
	    int64_t next_due_ms, int64_t deadline_ms, store_esc_advance_cb,
	    void *);
/* An acknowledgement pauses step of conversation id: put it back in the
 * due set at the pause's end, if it is still paused, awaiting and at that
 * step (defer-2). */
int	 store_esc_defer(struct db *, const char *id, int step,
	    store_esc_defer_cb, void *);
/* Put step of conversation id in the due set at due_ms, unless it is
 * there already (a plain ZADD NX: delivery checks the conversation). */
int	 store_esc_schedule(struct db *, const char *id, int step,
	    int64_t due_ms, store_esc_done_cb, void *);
/* Done with an entry: acknowledge and delete it (settle-1). */
int	 store_esc_ack(struct db *, int p, const char *entry,
	    store_esc_done_cb, void *);
/* Team's duty-rota overrides for date (YYYY-MM-DD). */
int	 store_esc_rota(struct db *, const char *team, const char *date,
	    store_esc_rota_cb, void *);

#endif
