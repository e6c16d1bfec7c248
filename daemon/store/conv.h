/*
 * conv.h: conversations in Redis (docs/data-model.md): storing a message
 * (ingest), recording a response, reading one conversation or lists of
 * them, the rows of the report and the audit trail.  Every state change is
 * one script, so it is atomic; every key a script touches is in its KEYS.
 *
 * What comes back is plain C: a struct store_conv (fixed buffers, valid
 * for the callback only) and arrays of them.  This module never computes a
 * deadline (the caller does, with the calendar) and never answers HTTP.
 */
#ifndef STORE_CONV_H
#define STORE_CONV_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* A conversation's record. */
struct store_conv {
	char	 id[32];
	char	 state[16];		/* "awaiting", "responded" */
	char	 team[128];
	char	 worker[128];		/* "" when none */
	char	 contact[128];		/* "" for an unknown sender */
	char	 channel[16];		/* "sms", "email" */
	char	 provider[64];		/* the plugin that delivered it */
	char	 addr[320];		/* the young person's address */
	int64_t	 received_ms;
	int64_t	 deadline_ms;
	int64_t	 responded_ms;		/* 0 while awaiting */
	char	 responded_by[128];
	char	 how[16];		/* "reply", "phone", "email", ... */
	int	 step;			/* the next escalation step */
	int	 urgent;
	int	 messages;		/* how many messages it holds */
	int64_t	 ack_until_ms;		/* 0 when not acknowledged */
	char	 ack_by[128];
	int64_t	 ack_at_ms;		/* when it was taken, or 0 */
};

/* What a stored text is. */
enum store_text_kind {
	STORE_TEXT_MESSAGE,	/* message n's text */
	STORE_TEXT_MEDIA,	/* message n's media: JSON [{"url", "type"}] */
	STORE_TEXT_RESPONSE	/* an observed staff email response (n 0) */
};

/* One message's text (it expires before the record). */
struct store_text {
	int			 n;	/* message number, from 1 */
	enum store_text_kind	 kind;
	const char		*text;
	size_t			 len;
};

/* A conversation with its audit trail and the texts still kept. */
struct store_conv_full {
	struct store_conv	 conv;
	const char		**events;	/* JSON, oldest first */
	size_t			  nevents;
	struct store_text	 *texts;
	size_t			  ntexts;
};

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
	const char	*media_json;	/* MMS: [{"url", "type"}], or NULL */
	const struct store_team_deadline *teams;
	size_t		 nteams;
	/* An observed staff email: respond instead of storing a message. */
	const char	*response_by;
	/*
	 * With response_by: the provider did not authenticate the sender, so
	 * it is only an "unverified_staff_email" event in the open
	 * conversation (meta_json says what was seen); the clock runs on.
	 */
	int		 unverified;
};

enum store_ingest_result {
	STORE_OPENED,		/* a new conversation */
	STORE_JOINED,		/* joined an awaiting conversation */
	STORE_DUPLICATE,	/* seen before: nothing changed */
	STORE_RESPONDED,	/* a staff email recorded as a response */
	STORE_NO_CONVERSATION,	/* staff email with nothing awaiting */
	STORE_UNVERIFIED,	/* unverified staff email: an event only */
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
	int	 step;		/* STORE_RESPONDED: the step it had reached */
	const char *error;
};

enum store_respond_result {
	STORE_RESPOND_OK,	/* recorded */
	STORE_RESPOND_ALREADY,	/* it already had a response */
	STORE_RESPOND_MISSING,	/* no such conversation */
	STORE_RESPOND_FAILED	/* Redis failed */
};

/* What a recorded response was about (for the log); valid in the
 * callback only. */
struct store_responded {
	const char	*team;
	int		 step;		/* the escalation step it had reached */
};

typedef void (*store_ingest_cb)(const struct store_ingested *, void *arg);
/* info is NULL unless the result is STORE_RESPOND_OK. */
typedef void (*store_respond_cb)(enum store_respond_result,
    const struct store_responded *info, void *arg);
/* conv is NULL when there is no such conversation; failed when Redis
 * failed. */
typedef void (*store_conv_cb)(const struct store_conv *, int failed,
    void *arg);
typedef void (*store_full_cb)(const struct store_conv_full *, int failed,
    void *arg);
/* convs[0..n); failed when any partition could not be read. */
typedef void (*store_list_cb)(const struct store_conv *convs, size_t n,
    int failed, void *arg);
typedef void (*store_done_cb)(int failed, void *arg);

/* Store one inbound message (or an observed staff response). */
int	 store_ingest(struct db *, const struct store_message *,
	    store_ingest_cb, void *);
/* Record a response (by whom, how, an optional note: repaired to valid
 * UTF-8 before it is stored). */
int	 store_respond(struct db *, const char *id, const char *by,
	    const char *how, const char *note, int64_t meta_ttl,
	    store_respond_cb, void *);
/* A conversation's record. */
int	 store_conv_load(struct db *, const char *id, store_conv_cb, void *);
/* A conversation with its events and texts. */
int	 store_conv_get(struct db *, const char *id, store_full_cb, void *);
/* Conversations in a state, newest first, from every partition: "open"
 * (awaiting, overdue included) or "responded"; at most limit from each,
 * so not every one when a partition has more: a list that must be whole
 * pages with store_conv_page. */
int	 store_conv_list(struct db *, const char *state, size_t limit,
	    store_list_cb, void *);
/* Where a page of a list starts: after the entry with this sort key (ms)
 * and id. */
struct store_page_after {
	int64_t	 key;
	char	 id[32];
};
/* A page of a list: convs[0..n) in order, then where the next page starts
 * (NULL at the end); failed when any partition could not be read. */
typedef void (*store_page_cb)(const struct store_conv *convs, size_t n,
    const struct store_page_after *next, int failed, void *arg);
/*
 * One page of conversations from every partition, newest first by their
 * list's sort key and then id: "open" (awaiting, overdue included) by
 * deadline, or "responded" by response time; only keys in [min_ms, max_ms];
 * at most limit, after the entry `after` names (NULL: from the top).
 */
int	 store_conv_page(struct db *, const char *list, int64_t min_ms,
	    int64_t max_ms, const struct store_page_after *after, size_t limit,
	    store_page_cb, void *);
/* Conversations that arrived in [from, to), from every partition. */
int	 store_conv_arrived(struct db *, int64_t from_ms, int64_t to_ms,
	    store_list_cb, void *);
/* folded: arrivals moved into the day ranges; left: still in the older
 * index (0: the partition is migrated); -1 with err on failure. */
typedef void (*store_migrate_cb)(int p, long folded, long left,
    const char *err, void *arg);
/* Migration from the release before: fold up to batch entries of
 * partition p's arrival index into its day ranges (migrate-rx-2). */
int	 store_migrate_arrivals(struct db *, int p, int batch,
	    store_migrate_cb, void *);
/* Append an event (JSON) to a conversation's audit trail. */
int	 store_event(struct db *, const char *id, const char *json,
	    store_done_cb, void *);

/* What store_delivery did: recorded (a status not seen before for that
 * message), first_failure (the first report that it failed); failed when
 * Redis failed. */
typedef void (*store_delivery_cb)(int recorded, int first_failure,
    int failed, void *arg);
/*
 * Record a delivery receipt of message provider_id (sent by provider) as
 * event json in conversation id's notification log, once per status;
 * is_failure: the status says it will never arrive (delivery-2).
 */
int	 store_delivery(struct db *, const char *id, const char *provider,
	    const char *provider_id, const char *status, int is_failure,
	    const char *json, store_delivery_cb, void *);

#endif
