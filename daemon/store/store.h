/*
 * store.h: the conversation store in Redis, one Lua script per state
 * change so that each is atomic: ingest (dedupe + store + join-or-open +
 * schedule the first escalation step), respond, get, list.
 *
 * Data model (docs/data-model.md).  Conversations live in 16 partitions;
 * every key of partition P carries the hash tag {P}, so each script
 * touches one slot and the model works on Redis Cluster:
 *
 *	rd:{P}:c:ID	hash: the conversation's metadata
 *	rd:{P}:e:ID	list: events (messages' metadata, responses, ...)
 *	rd:{P}:t:ID	hash: message number -> text (expires sooner)
 *	rd:{P}:o:AH	the open conversation of address hash AH
 *	rd:{P}:r:AH	hash: routing for a known contact's address
 *	rd:{P}:d:PROV:H	dedupe: provider message id hash -> conversation
 *	rd:{P}:due	zset: "ID:STEP" by due time (ms)
 *	rd:{P}:aw	zset: awaiting conversations by deadline (ms)
 *	rd:{P}:rs	zset: responded conversations by response time (ms)
 *	rd:{P}:seq	counter for conversation ids "P-N"
 *
 * This module never computes deadlines (the caller does, with calendar.c)
 * and never answers HTTP.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_PARTITIONS	16

struct db;
struct redisReply;

/* A message to ingest, with the deadline of each team precomputed. */
struct store_team_deadline {
	const char	*team;
	int64_t		 deadline_ms;
	int64_t		 due_ms;	/* first escalation step */
};

struct store_message {
	const char	*provider;
	const char	*provider_id;
	const char	*channel;	/* sms, email */
	const char	*address;	/* normalised young person's address */
	const char	*text;
	size_t		 text_len;
	const char	*meta_json;	/* subject, ids, attachments: no text */
	const char	*default_team;
	int64_t		 arrival_ms;
	int		 urgent;
	int64_t		 text_ttl;	/* seconds */
	int64_t		 dedupe_ttl;
	int64_t		 meta_ttl;	/* for an observed response */
	const struct store_team_deadline *teams;
	size_t		 nteams;
	/* An observed staff email: respond instead of storing a message. */
	const char	*response_by;
};

enum store_ingest_result {
	STORE_OPENED,		/* a new conversation */
	STORE_JOINED,		/* joined an awaiting conversation */
	STORE_DUPLICATE,	/* seen before: nothing changed */
	STORE_RESPONDED,	/* a staff email recorded as a response */
	STORE_NO_CONVERSATION,	/* staff email with nothing awaiting */
	STORE_FAILED
};

struct store_ingested {
	enum store_ingest_result result;
	char	 id[32];
	char	 team[128];
	char	 worker[128];
	char	 contact[128];
	int	 receipt;	/* the contact accepts receipts */
	int64_t	 deadline_ms;
	int	 due_now;	/* a waiting notice or urgent alert is due */
	const char *error;
};

typedef void (*store_ingest_cb)(const struct store_ingested *, void *arg);
typedef void (*store_reply_cb)(struct redisReply *, const char *err,
    void *arg);

/* Counts that are facts about every instance (for /metrics). */
struct store_stats {
	double	in_time;	/* responses within the promise */
	double	late;		/* responses after the deadline */
	double	overdue;	/* open conversations past their deadline */
};

typedef void (*store_stats_cb)(const struct store_stats *, void *arg);

/* Initialise the scripts (once per process); -1 if one is missing. */
int	 store_init(void);
/* Gather the stats of every partition; cb gets NULL if Redis failed. */
int	 store_stats(struct db *, int64_t now_ms, store_stats_cb, void *);
/* Partition of an address; its hash (hex, for key names) in ah[41]. */
int	 store_partition(const char *address, char ah[41]);
/* Partition from a conversation id "P-N", or -1. */
int	 store_id_partition(const char *id);
int	 store_ingest(struct db *, const struct store_message *,
	    store_ingest_cb, void *);
/* Record a response; reply: "responded", "already", "missing". */
int	 store_respond(struct db *, const char *id, const char *by,
	    const char *how, const char *note, int64_t meta_ttl,
	    store_reply_cb, void *);
/* A conversation: [hash fields..., events..., texts...] (see store.c). */
int	 store_get(struct db *, const char *id, store_reply_cb, void *);
/* One partition's conversations in a state ("awaiting", "responded"). */
int	 store_list(struct db *, int partition, const char *state,
	    int64_t limit, store_reply_cb, void *);
/* Run a script (from another module) with a plain callback. */
struct db_script;
int	 store_eval(struct db *, const struct db_script *, store_reply_cb,
	    void *, int nkeys, int argc, const char **argv);
/* One partition's conversations that arrived in [from, to): for each,
 * [team, received_at, deadline, responded_at, step, urgent, contact]. */
int	 store_report(struct db *, int partition, int64_t from_ms,
	    int64_t to_ms, store_reply_cb, void *);
/* Append an event (JSON) to a conversation's audit trail. */
int	 store_event(struct db *, const char *id, const char *json,
	    store_reply_cb, void *);

#endif
