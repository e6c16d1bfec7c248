/*
 * store.h: replyd's state in Redis, the system of record.  store/ is the
 * only code that names a Redis key, runs a script or reads a redisReply:
 * the rest of the daemon calls the functions of store/conv.h, duty.h,
 * contacts.h, esc.h and staff.h and gets C structs back.  The key schema is
 * store/keys.h; the scripts are store/scripts/NAME-NKEYS.lua, embedded at
 * build time; docs/data-model.md describes every key.
 *
 * This header holds what every part shares: partitions and conversation
 * ids, loading the scripts, and the small commands of inbound delivery.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_PARTITIONS	16
#define STORE_DAY_MS		86400000LL	/* KEY_DAYS's days, UTC */

struct db;

/* Counts that are facts about every instance (for /metrics). */
struct store_stats {
	double	in_time;	/* responses within the promise */
	double	late;		/* responses after the deadline */
	double	overdue;	/* open conversations past their deadline */
};

typedef void (*store_stats_cb)(const struct store_stats *, void *arg);

enum store_claim_result {
	STORE_CLAIM_OURS,	/* first use, or used by the same message */
	STORE_CLAIM_TAKEN,	/* used by another message */
	STORE_CLAIM_FAILED	/* Redis failed */
};

typedef void (*store_claim_cb)(enum store_claim_result, void *arg);
/* replicas: how many acknowledged the write; -1 when Redis failed. */
typedef void (*store_wait_cb)(int replicas, void *arg);

/* Prepare the scripts (once per process); -1 with a log line if one is
 * missing from the build. */
int	 store_init(void);
/* Partition of an address; its hash (hex, for key names) in ah[41]. */
int	 store_partition(const char *address, char ah[41]);
/* Partition from a conversation id "P-N", or -1. */
int	 store_id_partition(const char *id);
/* Gather the stats of every partition; cb gets NULL if Redis failed. */
int	 store_stats(struct db *, int64_t now_ms, store_stats_cb, void *);
/* Claim a single-use token (Mailgun's) of provider for message id, for
 * ttl seconds. */
int	 store_claim_token(struct db *, const char *provider,
	    const char *token, const char *message_id, int ttl,
	    store_claim_cb, void *);
/* Wait until replicas have the writes so far (Redis WAIT). */
int	 store_wait(struct db *, int replicas, int timeout_ms, store_wait_cb,
	    void *);

#endif
