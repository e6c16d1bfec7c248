/*
 * keys.h: every Redis key replyd uses, in one place (docs/data-model.md
 * describes each).  Only store/ includes this header.
 *
 * Conversations live in STORE_PARTITIONS (store.h) partitions; every key of
 * partition P carries the hash tag {P}, so a script touches one slot and
 * the model works on Redis Cluster.  Keys without a tag (contacts, rota
 * overrides, absences, replay tokens, alert codes, staff texts, help
 * texts) each sit in a slot of their own, and a phone's throttle sets
 * share the tag of its hash: a script never touches keys of two slots.
 *
 * Each macro is a printf format; the arguments are listed beside it.
 */
#ifndef STORE_KEYS_H
#define STORE_KEYS_H

/* Partition P's keys (P an int). */
#define KEY_CONV	"rd:{%d}:c:%s"		/* P, id: hash, the record */
#define KEY_EVENTS	"rd:{%d}:e:%s"		/* P, id: list, audit trail */
#define KEY_TEXTS	"rd:{%d}:t:%s"		/* P, id: hash, n -> text (an
						   older release's) */
#define KEY_TEXT_BUCKET	"rd:{%d}:x:%lld:%lld"	/* P, expiry (unix s), the
						   id's number / TEXT_BLOCK:
						   hash, "R:n" -> text, R
						   the number mod TEXT_BLOCK
						   ("ID:n" before) */
#define KEY_TEXT_BUCKET_OLD "rd:{%d}:x:%lld"	/* P, expiry: the release
						   before's, all ids in one */
#define TEXT_BLOCK	32			/* conversations a bucket
						   holds (see below) */
/*
 * The fields of a conversation's record (KEY_CONV) that every record has,
 * under short names since issue 17 (docs/data-model.md); a record the
 * release before wrote has the long names, read when the short one is
 * missing (store_rec_field, store_either).  id, state, deadline and n kept
 * their names.
 */
#define REC_TEAM	"t"
#define REC_WORKER	"w"
#define REC_CONTACT	"c"
#define REC_CHANNEL	"ch"
#define REC_PROVIDER	"p"
#define REC_ADDR	"a"
#define REC_RECEIVED	"r"
/* The same fields' names in a record of the release before. */
#define REC_TEAM_OLD	 "team"
#define REC_WORKER_OLD	 "worker"
#define REC_CONTACT_OLD	 "contact"
#define REC_CHANNEL_OLD	 "channel"
#define REC_PROVIDER_OLD "provider"
#define REC_ADDR_OLD	 "addr"
#define REC_RECEIVED_OLD "received_at"

#define KEY_ADDRESS	"rd:{%d}:r:%s"		/* P, address hash: hash,
						   routing and "o", the open
						   id */
#define KEY_OPEN	"rd:{%d}:o:%s"		/* P, address hash: open id
						   (an older release's; read
						   until answered) */
#define KEY_DEDUPE	"rd:{%d}:d:%s:%s"	/* P, provider, id hash
						   (store_hash_dedupe's
						   short; the release
						   before's, its hex, read
						   for 35 days) */
#define KEY_DUE		"rd:{%d}:due"		/* P: zset, "ID:STEP" by ms */
#define KEY_AWAITING	"rd:{%d}:aw"		/* P: zset, id by deadline */
#define KEY_RESPONDED	"rd:{%d}:rs"		/* P: zset, id by response */
#define KEY_RECEIVED	"rd:{%d}:rx"		/* P: zset, id by arrival (an
						   older release's; migrated
						   into KEY_DAYS) */
#define KEY_DAYS	"rd:{%d}:days"		/* P: hash, day -> "lo:hi",
						   the ids opened that day */
#define KEY_SEQ		"rd:{%d}:seq"		/* P: counter for "P-N" ids */
#define KEY_STATS	"rd:{%d}:stats"		/* P: hash, in_time, late,
						   aw_claimed */
#define KEY_ESC		"rd:{%d}:esc"		/* P: stream of due alerts */
#define KEY_DELIVERY	"rd:{%d}:dl:%s:%s"	/* P, provider, id hash:
						   receipts seen for a send */

/* Keys outside the partitions. */
#define KEY_CONTACT	"rd:contact:%s"		/* contact id: hash */
#define KEY_DUTY	"rd:duty:%s"		/* team: hash, rota overrides */
#define KEY_ABSENCES	"rd:absences"		/* hash, person -> ranges */
#define KEY_ABSENCE_SEQ	"rd:absences:seq"	/* counter for absence ids */
#define KEY_REPLAY	"rd:replay:%s:%s"	/* provider, token hash */
#define KEY_CODES	"rd:codes:%s"		/* person: hash, code -> id */
#define KEY_STAFF_SEEN	"rd:staffmsg:%s:%s"	/* provider, id hash: a staff
						   text handled */
#define KEY_HELP	"rd:help:%s"		/* phone hash: help text sent */
/* A phone's texts in the last hour, all and per text (one slot each
 * phone, so the throttle is one script). */
#define KEY_SMS_ALL	"rd:sms:{%s}"		/* phone hash: zset */
#define KEY_SMS_SAME	"rd:sms:{%s}:%s"	/* phone hash, text hash */
#define KEY_CONTACT_READS "rd:contact:%s:reads"	/* contact id: list */

/*
 * Staff identity (store/auth.h).  Secrets (session cookies, sign-in link
 * tokens, OIDC states) name their keys only by hash: the values are never
 * stored.  Email addresses and client addresses likewise.
 */
#define KEY_SESSION	"rd:session:%s"		/* cookie hash: hash */
#define KEY_SIGNIN	"rd:signin:%s"		/* link token hash: string */
#define KEY_OIDC_STATE	"rd:oidc:state:%s"	/* state hash: string */
#define KEY_RATE	"rd:rate:%s:%s"		/* kind, hash: counter */
#define KEY_OIDC_SUB	"rd:oidc:sub:%s"	/* issuer+subject hash */
#define KEY_OIDC_PERSON	"rd:oidc:person:%s"	/* person: hash */
#define KEY_CALENDAR	"rd:cal:%s"		/* calendar name: hash, its
						   unplanned closures and
						   recompute job */
#define KEY_FEED	"rd:feed:%s"		/* URL hash: the fetched
						   bank-holiday feed */

/* The consumer group that delivers escalations. */
#define STORE_ESC_GROUP	"replyd"

/*
 * KEY_DUE members are "ID:KIND", KIND a step number (0 is the first step),
 * "w" (the waiting notice) or "uN" (the urgent alert of message N), scored
 * by when they fall due (ms).  claim-4 moves them to KEY_ESC as entries
 * with the fields id, kind, due (ms) and claimed (ms, Redis TIME), and with
 * them, as kind "d" (due: the deadline), the KEY_AWAITING members whose
 * deadline passed since KEY_STATS's "aw_claimed": a first step that falls
 * due at the deadline has no KEY_DUE member.
 *
 * KEY_TEXT_BUCKET fields: "ID:N" the text of message N of conversation
 * ID, "ID:mN" the media URLs of message N (JSON), "ID:r" the text of an
 * observed staff email response.  The bucket's name is when it expires
 * and which TEXT_BLOCK of conversation numbers it holds: a few dozen
 * short texts stay one listpack (about 20 bytes a one-character text,
 * where one hash of a partition's hour held each in a dict entry and two
 * strings, 66).  A conversation's record names the buckets of its first
 * message (x1) and response (xr), each later message's event its own
 * ("x"); the release before kept them in KEY_TEXT_BUCKET_OLD.
 * KEY_TEXTS (the release before) had "N", "mN" and "r".
 *
 * KEY_CODES fields: "N" (an alert code) -> the conversation it takes, and
 * "last" -> the code of the person's latest alert.
 *
 * KEY_CALENDAR's fields: "c:YYYY-MM-DD" -> an unplanned closure as JSON
 * {reason, by, at}; rev (bumped by every closure change) and why (of the
 * last one); ver, seq, owner, lease, started, done, job_why: the
 * recompute job (calclaim-1).  A conversation's record holds "cal" =
 * NAME:SEQ, the last job that recomputed it.  KEY_FEED's fields: url,
 * body, sha, rev, fetched_at, next_at, error, failed_at, lock_until,
 * lock_owner.
 */

#endif
