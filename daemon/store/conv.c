/*
 * conv.c: see conv.h.  Scripts take "now" from Redis TIME for everything
 * they decide themselves (response times), so instances with skewed clocks
 * agree.
 *
 * Storing a message takes two steps because a script may touch only the
 * keys it is given, and a conversation's keys carry its id: open-3 finds
 * the sender's open conversation (or allocates an id for a new one), then
 * ingest-12 stores the message with that conversation's keys.  If another
 * instance opened or closed the conversation in between, ingest answers
 * "retry" and both steps run again; nothing was written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "base/log.h"
#include "base/utf8.h"
#include "io/db.h"
#include "store/conv.h"
#include "store/internal.h"
#include "store/keys.h"
#include "store/store.h"

#define CONV_INGEST_TRIES	4
#define CONV_ABSENT_MAX		4096	/* ",a,b," of people away now */
#define CONV_OPEN_SETS		8192	/* the open-id cache: sets of ... */
#define CONV_OPEN_WAYS		4	/* ... this many addresses */

/*
 * The open conversation of recent senders, as this process last stored a
 * message in it: a later message from the same address goes straight to
 * the ingest script (one round trip, no open-3, no absences: those only
 * matter when a conversation opens).  Only a hint: the script checks it
 * against the open pointer and answers "retry" when another instance (or
 * a response) moved it, and the message takes the two steps.
 *
 * 32,768 addresses in sets of four, the least recently used of a set
 * giving way (about 2.4 MB).  One slot per address (as before) lost the
 * hint of about 45% of 10,000 steady senders to collisions, and each of
 * those messages paid a second round trip (bench-ingest).
 */
static struct conv_open_hint {
	char		ah[41];
	char		id[32];
	unsigned	used;		/* conv_open_clock when last used */
} conv_open_cache[CONV_OPEN_SETS][CONV_OPEN_WAYS];
static unsigned conv_open_clock;

/* The set of an address hash in the cache. */
static struct conv_open_hint *
conv_open_set(const char *ah)
{
	return conv_open_cache[strtoul((char[]){ ah[2], ah[3], ah[4], ah[5],
	    ah[6], ah[7], '\0' }, NULL, 16) % CONV_OPEN_SETS];
}

/* The slot holding an address in its set, or NULL. */
static struct conv_open_hint *
conv_open_find(const char *ah)
{
	struct conv_open_hint	*set = conv_open_set(ah);

	for (int i = 0; i < CONV_OPEN_WAYS; i++)
		if (set[i].id[0] != '\0' && strcmp(set[i].ah, ah) == 0)
			return &set[i];
	return NULL;
}

/* The open id this process last saw for an address, or NULL. */
static const char *
conv_open_hint(const char *ah)
{
	struct conv_open_hint	*h = conv_open_find(ah);

	if (h == NULL)
		return NULL;
	h->used = ++conv_open_clock;
	return h->id;
}

/* Remember (id) or forget (NULL) the open conversation of an address. */
static void
conv_open_remember(const char *ah, const char *id)
{
	struct conv_open_hint	*h = conv_open_find(ah), *set;

	if (id == NULL) {
		if (h != NULL)
			h->ah[0] = h->id[0] = '\0';
		return;
	}
	if (h == NULL) {
		/* An empty slot, else the one used longest ago (the clock
		 * wraps: compare ages, not stamps). */
		set = conv_open_set(ah);
		h = &set[0];
		for (int i = 0; i < CONV_OPEN_WAYS && h->id[0] != '\0'; i++)
			if (set[i].id[0] == '\0' || conv_open_clock - set[i].used >
			    conv_open_clock - h->used)
				h = &set[i];
	}
	snprintf(h->ah, sizeof h->ah, "%s", ah);
	snprintf(h->id, sizeof h->id, "%s", id);
	h->used = ++conv_open_clock;
}

/* Copy a string into a fixed buffer (NULL is ""). */
static void
conv_copy(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s != NULL ? s : "");
}

/* A record from an HGETALL reply; -1 when the reply holds none. */
static int
conv_parse(const redisReply *h, struct store_conv *c)
{
	const char	*v;

	memset(c, 0, sizeof *c);
	if (h == NULL || h->type != REDIS_REPLY_ARRAY || h->elements == 0 ||
	    store_field(h, "id") == NULL)
		return -1;
	conv_copy(c->id, sizeof c->id, store_field(h, "id"));
	conv_copy(c->state, sizeof c->state, store_field(h, "state"));
	conv_copy(c->team, sizeof c->team,
	    store_rec_field(h, REC_TEAM, REC_TEAM_OLD));
	conv_copy(c->worker, sizeof c->worker,
	    store_rec_field(h, REC_WORKER, REC_WORKER_OLD));
	conv_copy(c->contact, sizeof c->contact,
	    store_rec_field(h, REC_CONTACT, REC_CONTACT_OLD));
	conv_copy(c->channel, sizeof c->channel,
	    store_rec_field(h, REC_CHANNEL, REC_CHANNEL_OLD));
	conv_copy(c->provider, sizeof c->provider,
	    store_rec_field(h, REC_PROVIDER, REC_PROVIDER_OLD));
	store_addr_unpack(c->addr, sizeof c->addr,
	    store_rec_field(h, REC_ADDR, REC_ADDR_OLD));
	conv_copy(c->responded_by, sizeof c->responded_by,
	    store_field(h, "responded_by"));
	conv_copy(c->how, sizeof c->how, store_field(h, "how"));
	conv_copy(c->ack_by, sizeof c->ack_by, store_field(h, "ack_by"));
	if ((v = store_rec_field(h, REC_RECEIVED, REC_RECEIVED_OLD)) != NULL)
		c->received_ms = strtoll(v, NULL, 10);
	if ((v = store_field(h, "deadline")) != NULL)
		c->deadline_ms = strtoll(v, NULL, 10);
	if ((v = store_field(h, "responded_at")) != NULL)
		c->responded_ms = strtoll(v, NULL, 10);
	if ((v = store_field(h, "ack_until")) != NULL)
		c->ack_until_ms = strtoll(v, NULL, 10);
	if ((v = store_field(h, "ack_at")) != NULL)
		c->ack_at_ms = strtoll(v, NULL, 10);
	if ((v = store_field(h, "step")) != NULL)
		c->step = atoi(v);
	if ((v = store_field(h, "n")) != NULL)
		c->messages = atoi(v);
	v = store_field(h, "urgent");
	c->urgent = v != NULL && strcmp(v, "1") == 0;
	return 0;
}

/* A message being stored, with copies of everything it needs. */
struct conv_ingest {
	struct db		*db;
	store_ingest_cb		 cb;
	void			*arg;
	struct store_message	 m;
	struct store_team_deadline *teams;
	char			*strs[9];
	int			 p;
	char			 ah[41];
	char			 idh[41];	/* the release before's */
	char			 idk[20];	/* dedupe key name */
	int			 tries;
	int			 pending;	/* step one's two answers */
	int			 failed;
	char			 open_id[32];
	char			 new_id[32];
	char			 absent[CONV_ABSENT_MAX];
};

/* Free an ingest. */
static void
conv_ingest_free(struct conv_ingest *in)
{
	size_t	i;

	for (i = 0; i < sizeof in->strs / sizeof in->strs[0]; i++)
		free(in->strs[i]);
	for (i = 0; in->teams != NULL && i < in->m.nteams; i++)
		free((char *)in->teams[i].team);
	free(in->teams);
	free(in);
}

/* Answer the caller with a failure and free the ingest. */
static void
conv_ingest_fail(struct conv_ingest *in, const char *why)
{
	struct store_ingested	out;

	memset(&out, 0, sizeof out);
	out.result = STORE_FAILED;
	out.error = why;
	in->cb(&out, in->arg);
	conv_ingest_free(in);
}

/* Keep a copy of a string in the ingest (slot i); -1 on failure. */
static int
conv_keep(struct conv_ingest *in, int i, const char *s, size_t len,
    const char **out)
{
	if (s == NULL) {
		*out = NULL;
		return 0;
	}
	if ((in->strs[i] = malloc(len + 1)) == NULL)
		return -1;
	memcpy(in->strs[i], s, len);
	in->strs[i][len] = '\0';
	*out = in->strs[i];
	return 0;
}

static void	conv_ingest_step1(struct conv_ingest *);

/* The number N of id P-N, 0 for a malformed id. */
static long long
conv_id_number(const char *id)
{
	const char	*dash = strchr(id, '-');

	return dash != NULL ? strtoll(dash + 1, NULL, 10) : 0;
}

/* The block of conversation numbers whose texts share a bucket (keys.h):
 * N over TEXT_BLOCK. */
static long long
conv_text_block(const char *id)
{
	return conv_id_number(id) / TEXT_BLOCK;
}

/* What its texts' field names in the block's bucket start with: N modulo
 * TEXT_BLOCK (keys.h). */
static int
conv_text_slot(const char *id)
{
	return (int)(conv_id_number(id) % TEXT_BLOCK);
}

/*
 * When a text stored at arrival_ms with retention ttl (seconds) expires:
 * the end of its bucket (unix seconds).  Texts are kept in one hash per
 * partition and expiry time, rounded up to a bucket of a 720th of the
 * retention (an hour for the default 30 days, a second at least), so a
 * text is kept at least as long as configured and at most 0.14% longer,
 * and a whole bucket expires at once.
 */
static int64_t
conv_text_expiry(int64_t arrival_ms, int64_t ttl)
{
	int64_t	span = ttl / 720, at;

	if (span < 1)
		span = 1;
	if (span > 3600)
		span = 3600;
	at = (arrival_ms + 999) / 1000 + (ttl > 0 ? ttl : 1);
	return (at + span - 1) / span * span;
}

/* The ingest script answered. */
static void
conv_ingest_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_ingest	*in = arg;
	struct store_ingested	 out;
	const char		*status;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->str == NULL) {
		conv_ingest_fail(in, err ? err : r != NULL &&
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		return;
	}
	status = r->element[0]->str;
	if (strcmp(status, "retry") == 0) {
		conv_open_remember(in->ah, NULL);
		if (++in->tries >= CONV_INGEST_TRIES) {
			conv_ingest_fail(in, "the conversation kept changing "
			    "while the message was stored");
			return;
		}
		conv_ingest_step1(in);
		return;
	}
	memset(&out, 0, sizeof out);
	out.result = STORE_FAILED;
	if (r->elements >= 2)
		conv_copy(out.id, sizeof out.id, store_str(r->element[1]));
	if (strcmp(status, "duplicate") == 0)
		out.result = STORE_DUPLICATE;
	else if (strcmp(status, "responded") == 0) {
		conv_open_remember(in->ah, NULL);
		out.result = STORE_RESPONDED;
		if (r->elements >= 4) {
			conv_copy(out.team, sizeof out.team,
			    store_str(r->element[2]));
			out.step = (int)store_num(r->element[3]);
		}
	} else if (strcmp(status, "none") == 0)
		out.result = STORE_NO_CONVERSATION;
	else if (strcmp(status, "unverified") == 0)
		out.result = STORE_UNVERIFIED;
	else if (r->elements >= 8) {
		out.result = strcmp(status, "opened") == 0 ? STORE_OPENED :
		    STORE_JOINED;
		conv_copy(out.team, sizeof out.team, store_str(r->element[2]));
		conv_copy(out.worker, sizeof out.worker,
		    store_str(r->element[3]));
		conv_copy(out.contact, sizeof out.contact,
		    store_str(r->element[4]));
		out.receipt = strcmp(store_str(r->element[5]), "0") != 0;
		out.deadline_ms = store_num(r->element[6]);
		out.due_now = strcmp(store_str(r->element[7]), "1") == 0;
		conv_open_remember(in->ah, out.id);
	} else
		out.error = "unexpected reply";
	in->cb(&out, in->arg);
	conv_ingest_free(in);
}

/* Both answers of step one are in: run the ingest script. */
static void
conv_ingest_step2(struct conv_ingest *in)
{
	const struct store_message *m = &in->m;
	const char	*argv[12 + 20 + 3 * 64];
	size_t		 lens[12 + 20 + 3 * 64];
	char		 k[12][160], nums[4][24], ttl[3][24], nteams[16];
	char		 tnums[64][2][24], slot[8];
	const char	*conv = in->open_id[0] != '\0' ? in->open_id :
			    in->new_id;
	size_t		 i, nt = m->nteams < 64 ? m->nteams : 64;
	int		 argc = 0;

	snprintf(k[0], sizeof k[0], KEY_CONV, in->p, conv);
	snprintf(k[1], sizeof k[1], KEY_EVENTS, in->p, conv);
	snprintf(k[2], sizeof k[2], KEY_OPEN, in->p, in->ah);
	snprintf(k[3], sizeof k[3], KEY_AWAITING, in->p);
	snprintf(k[4], sizeof k[4], KEY_DUE, in->p);
	snprintf(k[5], sizeof k[5], KEY_RESPONDED, in->p);
	snprintf(k[6], sizeof k[6], KEY_STATS, in->p);
	snprintf(k[7], sizeof k[7], KEY_ADDRESS, in->p, in->ah);
	snprintf(k[8], sizeof k[8], KEY_DEDUPE, in->p, m->provider, in->idk);
	snprintf(k[9], sizeof k[9], KEY_TEXT_BUCKET, in->p,
	    (long long)conv_text_expiry(m->arrival_ms, m->text_ttl),
	    conv_text_block(conv));
	snprintf(k[10], sizeof k[10], KEY_DAYS, in->p);
	snprintf(k[11], sizeof k[11], KEY_DEDUPE, in->p, m->provider, in->idh);
	snprintf(nums[0], sizeof nums[0], "%lld", (long long)m->arrival_ms);
	snprintf(nums[1], sizeof nums[1], "%d", m->urgent ? 1 : 0);
	snprintf(ttl[0], sizeof ttl[0], "%lld",
	    (long long)conv_text_expiry(m->arrival_ms, m->text_ttl));
	snprintf(ttl[1], sizeof ttl[1], "%lld", (long long)m->dedupe_ttl);
	snprintf(ttl[2], sizeof ttl[2], "%lld", (long long)m->meta_ttl);
	snprintf(nteams, sizeof nteams, "%zu", nt);
	snprintf(slot, sizeof slot, "%d", conv_text_slot(conv));
#define ARG(s) do { argv[argc] = (s); lens[argc] = strlen(argv[argc]); \
	argc++; } while (0)
	for (i = 0; i < 12; i++)
		ARG(k[i]);
	ARG(in->open_id);
	ARG(in->new_id);
	ARG(nums[0]);
	ARG(m->channel);
	ARG(m->provider);
	ARG(store_addr_pack(m->address));
	ARG(in->ah);
	argv[argc] = m->text ? m->text : "";
	lens[argc++] = m->text ? m->text_len : 0;
	ARG(m->meta_json ? m->meta_json : "{}");
	ARG(m->default_team);
	ARG(nums[1]);
	ARG(ttl[0]);
	ARG(ttl[1]);
	ARG(m->response_by ? m->response_by : "");
	ARG(ttl[2]);
	ARG(in->absent);
	ARG(m->unverified ? "1" : "0");
	ARG(m->media_json ? m->media_json : "");
	ARG(nteams);
	ARG(slot);
	for (i = 0; i < nt; i++) {
		snprintf(tnums[i][0], 24, "%lld",
		    (long long)in->teams[i].deadline_ms);
		snprintf(tnums[i][1], 24, "%lld",
		    (long long)in->teams[i].due_ms);
		ARG(in->teams[i].team);
		ARG(tnums[i][0]);
		ARG(tnums[i][1]);
	}
#undef ARG
	if (store_run(in->db, "ingest", conv_ingest_done, in, argc, argv,
	    lens) == -1)
		conv_ingest_fail(in, "storage unavailable");
}

/* One answer of step one is in; go on after both. */
static void
conv_ingest_release(struct conv_ingest *in)
{
	if (--in->pending > 0)
		return;
	if (in->failed) {
		conv_ingest_fail(in, "storage unavailable");
		return;
	}
	conv_ingest_step2(in);
}

/* open-3 answered: the open conversation, or a new id. */
static void
conv_ingest_opened(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_ingest	*in = arg;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
		in->failed = 1;
	else {
		conv_copy(in->open_id, sizeof in->open_id,
		    store_str(r->element[0]));
		conv_copy(in->new_id, sizeof in->new_id,
		    store_str(r->element[1]));
	}
	conv_ingest_release(in);
}

/* The absences answered: who is away at the message's arrival. */
static void
conv_ingest_absences(struct db *db, redisReply *r, const char *err,
    void *arg)
{
	struct conv_ingest	*in = arg;
	cJSON			*ranges, *e;
	size_t			 i, off = 1;
	int			 away;

	in->absent[0] = ',';
	in->absent[1] = '\0';
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		in->failed = 1;
		conv_ingest_release(in);
		return;
	}
	for (i = 0; i + 1 < r->elements; i += 2) {
		if (r->element[i]->str == NULL || (ranges =
		    cJSON_Parse(store_str(r->element[i + 1]))) == NULL)
			continue;
		away = 0;
		cJSON_ArrayForEach(e, ranges) {
			double from = cJSON_GetNumberValue(
			    cJSON_GetArrayItem(e, 1));
			double to = cJSON_GetNumberValue(
			    cJSON_GetArrayItem(e, 2));

			if ((double)in->m.arrival_ms >= from &&
			    (double)in->m.arrival_ms < to)
				away = 1;
		}
		cJSON_Delete(ranges);
		if (away && off + strlen(r->element[i]->str) + 2 <
		    sizeof in->absent)
			off += (size_t)snprintf(in->absent + off,
			    sizeof in->absent - off, "%s,",
			    r->element[i]->str);
	}
	conv_ingest_release(in);
}

/* Step one: the open conversation and who is away, in one round trip. */
static void
conv_ingest_step1(struct conv_ingest *in)
{
	char		 ka[160], ks[48], ko[160], pn[8];
	const char	*argv[5];

	snprintf(ka, sizeof ka, KEY_ADDRESS, in->p, in->ah);
	snprintf(ks, sizeof ks, KEY_SEQ, in->p);
	snprintf(ko, sizeof ko, KEY_OPEN, in->p, in->ah);
	snprintf(pn, sizeof pn, "%d", in->p);
	argv[0] = ka;
	argv[1] = ks;
	argv[2] = ko;
	argv[3] = pn;
	/* An observed staff email never opens a conversation. */
	argv[4] = in->m.response_by != NULL ? "0" : "1";
	in->open_id[0] = in->new_id[0] = '\0';
	in->failed = 0;
	in->pending = 3;
	if (store_run(in->db, "open", conv_ingest_opened, in, 5, argv,
	    NULL) == -1)
		in->failed = 1, in->pending--;
	if (db_command(in->db, conv_ingest_absences, in, "HGETALL "
	    KEY_ABSENCES) == -1)
		in->failed = 1, in->pending--;
	conv_ingest_release(in);	/* drop the guard */
}

/* Store one inbound message (or an observed staff response). */
int
store_ingest(struct db *db, const struct store_message *m,
    store_ingest_cb cb, void *arg)
{
	struct conv_ingest	*in;
	const char		*hint;
	size_t			 i;
	int			 fail = 0;

	if (!db_ready(db) || (in = calloc(1, sizeof *in)) == NULL)
		return -1;
	in->db = db;
	in->cb = cb;
	in->arg = arg;
	in->m = *m;
	fail |= conv_keep(in, 0, m->provider, strlen(m->provider),
	    &in->m.provider);
	fail |= conv_keep(in, 1, m->provider_id, strlen(m->provider_id),
	    &in->m.provider_id);
	fail |= conv_keep(in, 2, m->channel, strlen(m->channel),
	    &in->m.channel);
	fail |= conv_keep(in, 3, m->address, strlen(m->address),
	    &in->m.address);
	fail |= conv_keep(in, 4, m->text, m->text ? m->text_len : 0,
	    &in->m.text);
	fail |= conv_keep(in, 5, m->meta_json, m->meta_json ?
	    strlen(m->meta_json) : 0, &in->m.meta_json);
	fail |= conv_keep(in, 6, m->default_team, strlen(m->default_team),
	    &in->m.default_team);
	fail |= conv_keep(in, 7, m->response_by, m->response_by ?
	    strlen(m->response_by) : 0, &in->m.response_by);
	fail |= conv_keep(in, 8, m->media_json, m->media_json ?
	    strlen(m->media_json) : 0, &in->m.media_json);
	if ((in->teams = calloc(m->nteams + 1, sizeof *in->teams)) == NULL)
		fail = -1;
	for (i = 0; in->teams != NULL && i < m->nteams; i++) {
		in->teams[i] = m->teams[i];
		if ((in->teams[i].team = strdup(m->teams[i].team)) == NULL)
			fail = -1;
	}
	in->m.teams = in->teams;
	if (fail) {
		conv_ingest_free(in);
		return -1;
	}
	in->p = store_partition(m->address, in->ah);
	store_hash_dedupe(m->provider_id, strlen(m->provider_id), in->idh,
	    in->idk);
	/* A sender whose open conversation we know: one step (a staff email
	 * takes both, as it never opens one). */
	if (m->response_by == NULL && (hint = conv_open_hint(in->ah)) != NULL) {
		conv_copy(in->open_id, sizeof in->open_id, hint);
		in->new_id[0] = '\0';
		snprintf(in->absent, sizeof in->absent, ",");
		conv_ingest_step2(in);
		return 0;
	}
	conv_ingest_step1(in);
	return 0;
}

/* A response being recorded. */
struct conv_respond {
	struct db		*db;
	store_respond_cb	 cb;
	void			*arg;
	int			 p;
	char			 id[32];
	char			*by, *how, *note;
	char			 ttl[24];
};

/* Free a respond request. */
static void
conv_respond_free(struct conv_respond *rq)
{
	free(rq->by);
	free(rq->how);
	free(rq->note);
	free(rq);
}

/* The respond script answered. */
static void
conv_respond_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_respond		*rq = arg;
	enum store_respond_result	 res = STORE_RESPOND_FAILED;
	struct store_responded		 info;

	memset(&info, 0, sizeof info);
	info.team = "";
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
	    strcmp(store_str(r->element[0]), "responded") == 0) {
		res = STORE_RESPOND_OK;
		info.team = store_str(r->element[1]);
		info.step = (int)store_num(r->element[2]);
	} else if (r != NULL && (r->type == REDIS_REPLY_STRING ||
	    r->type == REDIS_REPLY_STATUS)) {
		if (strcmp(r->str, "already") == 0)
			res = STORE_RESPOND_ALREADY;
		else if (strcmp(r->str, "missing") == 0)
			res = STORE_RESPOND_MISSING;
	} else if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_warnx("store: respond %s: %s", rq->id, r->str);
	rq->cb(res, res == STORE_RESPOND_OK ? &info : NULL, rq->arg);
	conv_respond_free(rq);
}

/* The conversation's address is known: run the script. */
static void
conv_respond_ah(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_respond	*rq = arg;
	char			 k[8][160], ah[41], whole[320];
	const char		*argv[13];
	const redisReply	*addr;
	int			 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
		rq->cb(STORE_RESPOND_FAILED, NULL, rq->arg);
		conv_respond_free(rq);
		return;
	}
	if ((addr = store_either(r, 0, 1))->type != REDIS_REPLY_STRING) {
		rq->cb(STORE_RESPOND_MISSING, NULL, rq->arg);
		conv_respond_free(rq);
		return;
	}
	snprintf(k[0], sizeof k[0], KEY_CONV, rq->p, rq->id);
	snprintf(k[1], sizeof k[1], KEY_EVENTS, rq->p, rq->id);
	store_addr_unpack(whole, sizeof whole, addr->str);
	(void)store_partition(whole, ah);
	snprintf(k[2], sizeof k[2], KEY_OPEN, rq->p, ah);
	snprintf(k[3], sizeof k[3], KEY_AWAITING, rq->p);
	snprintf(k[4], sizeof k[4], KEY_DUE, rq->p);
	snprintf(k[5], sizeof k[5], KEY_RESPONDED, rq->p);
	snprintf(k[6], sizeof k[6], KEY_STATS, rq->p);
	snprintf(k[7], sizeof k[7], KEY_ADDRESS, rq->p, ah);
	for (i = 0; i < 8; i++)
		argv[i] = k[i];
	argv[8] = rq->id;
	argv[9] = rq->by;
	argv[10] = rq->how;
	argv[11] = rq->note;
	argv[12] = rq->ttl;
	if (store_run(rq->db, "respond", conv_respond_done, rq, 13, argv,
	    NULL) == -1) {
		rq->cb(STORE_RESPOND_FAILED, NULL, rq->arg);
		conv_respond_free(rq);
	}
}

/* Record a response. */
int
store_respond(struct db *db, const char *id, const char *by, const char *how,
    const char *note, int64_t meta_ttl, store_respond_cb cb, void *arg)
{
	struct conv_respond	*rq;
	char			 kc[160];
	int			 p;

	if ((p = store_id_partition(id)) == -1 ||
	    (rq = calloc(1, sizeof *rq)) == NULL)
		return -1;
	rq->db = db;
	rq->cb = cb;
	rq->arg = arg;
	rq->p = p;
	conv_copy(rq->id, sizeof rq->id, id);
	rq->by = strdup(by);
	rq->how = strdup(how);
	/* A note is text like any other: whole and valid (SPEC section 5). */
	rq->note = utf8_repair(note ? note : "", note ? strlen(note) : 0,
	    NULL);
	snprintf(rq->ttl, sizeof rq->ttl, "%lld", (long long)meta_ttl);
	snprintf(kc, sizeof kc, KEY_CONV, p, id);
	if (rq->by == NULL || rq->how == NULL || rq->note == NULL ||
	    db_command(db, conv_respond_ah, rq, "HMGET %s " REC_ADDR " " REC_ADDR_OLD,
	    kc) == -1) {
		conv_respond_free(rq);
		return -1;
	}
	return 0;
}

struct conv_load {
	store_conv_cb	 cb;
	store_full_cb	 full;
	void		*arg;
};

/* HGETALL of a record answered. */
static void
conv_load_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_load	*l = arg;
	struct store_conv	 c;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		l->cb(NULL, 1, l->arg);
	else if (conv_parse(r, &c) == -1)
		l->cb(NULL, 0, l->arg);
	else
		l->cb(&c, 0, l->arg);
	free(l);
}

/* A conversation's record. */
int
store_conv_load(struct db *db, const char *id, store_conv_cb cb, void *arg)
{
	struct conv_load	*l;
	char			 kc[160];
	int			 p;

	if ((p = store_id_partition(id)) == -1 ||
	    (l = calloc(1, sizeof *l)) == NULL)
		return -1;
	l->cb = cb;
	l->arg = arg;
	snprintf(kc, sizeof kc, KEY_CONV, p, id);
	if (db_command(db, conv_load_done, l, "HGETALL %s", kc) == -1) {
		free(l);
		return -1;
	}
	return 0;
}

/*
 * The event of a conversation's first message, kept in its record (x1 says
 * so; e1m, e1u) rather than in its audit trail, as JSON; NULL when the
 * record is of the older layout, whose trail holds it.  The caller frees
 * it.
 */
static char *
conv_first_event(const redisReply *h)
{
	const char	*u = store_field(h, "e1u"), *m = store_field(h, "e1m");
	const char	*v;
	cJSON		*e, *meta;
	char		*s;

	if (store_field(h, "x1") == NULL && u == NULL)
		return NULL;
	/* Urgent unless a later message made the conversation so (e1u). */
	if (u == NULL && (u = store_field(h, "urgent")) == NULL)
		u = "0";
	if ((e = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(e, "type", "message");
	v = store_rec_field(h, REC_RECEIVED, REC_RECEIVED_OLD);
	cJSON_AddNumberToObject(e, "at", v ? strtod(v, NULL) : 0);
	cJSON_AddNumberToObject(e, "n", 1);
	v = store_rec_field(h, REC_CHANNEL, REC_CHANNEL_OLD);
	cJSON_AddStringToObject(e, "channel", v ? v : "");
	v = store_rec_field(h, REC_PROVIDER, REC_PROVIDER_OLD);
	cJSON_AddStringToObject(e, "provider", v ? v : "");
	cJSON_AddBoolToObject(e, "urgent", strcmp(u, "1") == 0);
	if (m == NULL || (meta = cJSON_Parse(m)) == NULL)
		meta = cJSON_CreateObject();
	cJSON_AddItemToObject(e, "meta", meta);
	s = cJSON_PrintUnformatted(e);
	cJSON_Delete(e);
	return s;
}

/* A conversation read, while its texts are fetched from their buckets:
 * everything the callback gets, owned. */
struct conv_got {
	struct conv_load	*l;
	struct db		*db;
	struct store_conv_full	 f;
	char			**events;
	size_t			  nevents;
	struct store_text	 *texts;
	size_t			  ntexts, cap;
	int			  pending;
	int			  failed;
	int			  p;
};

/* A text fetched for a conversation being read. */
struct conv_got_text {
	struct conv_got		*g;
	int			 n;
	enum store_text_kind	 kind;	/* of the first field asked for */
	long long		 when;	/* the bucket's expiry */
	int			 old;	/* asking the release before's */
};

static int	conv_got_send(struct conv_got_text *);

/* Keep a copy of a text; -1 when out of memory. */
static int
conv_got_add(struct conv_got *g, enum store_text_kind kind, int n,
    const char *text, size_t len)
{
	struct store_text	*nt;
	char			*copy;
	size_t			 cap;

	if (g->ntexts == g->cap) {
		cap = g->cap ? g->cap * 2 : 8;
		if ((nt = realloc(g->texts, cap * sizeof *nt)) == NULL)
			return -1;
		g->texts = nt;
		g->cap = cap;
	}
	if ((copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	g->texts[g->ntexts].kind = kind;
	g->texts[g->ntexts].n = n;
	g->texts[g->ntexts].text = copy;
	g->texts[g->ntexts].len = len;
	g->ntexts++;
	return 0;
}

/* Every text is in: hand the conversation over and free it. */
static void
conv_got_release(struct conv_got *g)
{
	size_t	i;

	if (--g->pending > 0)
		return;
	g->f.events = (const char **)g->events;
	g->f.nevents = g->nevents;
	g->f.texts = g->texts;
	g->f.ntexts = g->ntexts;
	if (g->failed)
		g->l->full(NULL, 1, g->l->arg);
	else
		g->l->full(&g->f, 0, g->l->arg);
	for (i = 0; i < g->nevents; i++)
		free(g->events[i]);
	for (i = 0; i < g->ntexts; i++)
		free((char *)g->texts[i].text);
	free(g->events);
	free(g->texts);
	free(g->l);
	free(g);
}

/* HMGET of a text bucket answered: {text, media} or {response} by the
 * slot's names, then the same by the id's (conv_got_send). */
static void
conv_got_text_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_got_text	*t = arg;
	struct conv_got		*g = t->g;
	const redisReply	*v;
	size_t			 i, half;

	for (i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			break;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		g->failed = 1;
	else if (i == r->elements && !t->old) {
		/* None in the block's bucket: the release before's? */
		t->old = 1;
		if (conv_got_send(t) == 0) {
			conv_got_release(g);
			return;
		}
		g->failed = 1;
	} else
		for (half = r->elements / 2, i = 0; i < half && i < 2; i++) {
			v = r->element[i]->type == REDIS_REPLY_STRING ?
			    r->element[i] : r->element[i + half];
			if (v->type != REDIS_REPLY_STRING)
				continue;
			if (conv_got_add(g, i == 0 ? t->kind : STORE_TEXT_MEDIA,
			    t->n, v->str, v->len) == -1)
				g->failed = 1;
		}
	free(t);
	conv_got_release(g);
}

/* Fetch message n's text (and media), or the response's (n 0), from the
 * bucket of texts that expire at `at` (unix seconds, as the record or
 * the message's event says). */
static void
conv_got_fetch(struct conv_got *g, const char *at, int n,
    enum store_text_kind kind)
{
	struct conv_got_text	*t;
	long long		 when;

	if (at == NULL || (when = strtoll(at, NULL, 10)) <= 0)
		return;
	if ((t = calloc(1, sizeof *t)) == NULL) {
		g->failed = 1;
		return;
	}
	t->g = g;
	t->n = n;
	t->kind = kind;
	t->when = when;
	if (conv_got_send(t) == -1) {
		g->failed = 1;
		free(t);
	}
}

/* Ask the bucket t names for its fields; -1 when it could not be sent. */
static int
conv_got_send(struct conv_got_text *t)
{
	struct conv_got	*g = t->g;
	const char	*id = g->f.conv.id;
	char		 key[80];
	int		 rc, slot = t->old ? -1 : conv_text_slot(id);

	if (t->old)
		snprintf(key, sizeof key, KEY_TEXT_BUCKET_OLD, g->p, t->when);
	else
		snprintf(key, sizeof key, KEY_TEXT_BUCKET, g->p, t->when,
		    conv_text_block(id));
	/* A block's bucket names a text by the conversation's slot in the
	 * block; the first release with blocks named it by the id, as the
	 * release before's bucket does (slot -1 is asked for nothing). */
	if (t->kind == STORE_TEXT_RESPONSE)
		rc = db_command(g->db, conv_got_text_done, t, "HMGET %s %d:r "
		    "%s:r", key, slot, id);
	else
		rc = db_command(g->db, conv_got_text_done, t, "HMGET %s %d:%d "
		    "%d:m%d %s:%d %s:m%d", key, slot, t->n, slot, t->n, id,
		    t->n, id, t->n);
	if (rc == 0)
		g->pending++;
	return rc == 0 ? 0 : -1;
}

/* The get script answered. */
static void
conv_get_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_load	*l = arg;
	struct conv_got		*g;
	const redisReply	*ev, *tx;
	char			*first, xs[24];
	cJSON			*e, *x, *n;
	size_t			 i;

	if (r == NULL || (r->type != REDIS_REPLY_ARRAY &&
	    r->type != REDIS_REPLY_NIL)) {
		l->full(NULL, 1, l->arg);
		free(l);
		return;
	}
	if ((g = calloc(1, sizeof *g)) == NULL) {
		l->full(NULL, 1, l->arg);
		free(l);
		return;
	}
	g->l = l;
	g->db = db;
	g->pending = 1;
	if (r->type == REDIS_REPLY_NIL || r->elements != 3 ||
	    conv_parse(r->element[0], &g->f.conv) == -1) {
		free(g);
		l->full(NULL, 0, l->arg);
		free(l);
		return;
	}
	g->p = store_id_partition(g->f.conv.id);
	ev = r->element[1];
	tx = r->element[2];
	first = conv_first_event(r->element[0]);
	if ((g->events = calloc(ev->elements + 2, sizeof *g->events)) == NULL)
		g->failed = 1;
	if (first != NULL && g->events != NULL)
		g->events[g->nevents++] = first;
	else
		free(first);
	for (i = 0; g->events != NULL && i < ev->elements; i++)
		if (ev->element[i]->str != NULL &&
		    (g->events[g->nevents++] = strdup(ev->element[i]->str)) ==
		    NULL)
			g->failed = 1;
	/* Texts of the older layout: one hash per conversation. */
	for (i = 0; i + 1 < tx->elements; i += 2) {
		const char		*field = tx->element[i]->str;
		enum store_text_kind	 kind = STORE_TEXT_MESSAGE;

		if (field == NULL || tx->element[i + 1]->str == NULL)
			continue;
		if (field[0] == 'm') {
			kind = STORE_TEXT_MEDIA;
			field++;
		} else if (field[0] == 'r')
			kind = STORE_TEXT_RESPONSE;
		if (conv_got_add(g, kind, atoi(field), tx->element[i + 1]->str,
		    tx->element[i + 1]->len) == -1)
			g->failed = 1;
	}
	/* Texts in buckets: where the record and each message's event say. */
	conv_got_fetch(g, store_field(r->element[0], "x1"), 1,
	    STORE_TEXT_MESSAGE);
	conv_got_fetch(g, store_field(r->element[0], "xr"), 0,
	    STORE_TEXT_RESPONSE);
	for (i = 0; g->events != NULL && i < g->nevents; i++) {
		if (strstr(g->events[i], "\"x\":") == NULL ||
		    (e = cJSON_Parse(g->events[i])) == NULL)
			continue;
		x = cJSON_GetObjectItemCaseSensitive(e, "x");
		n = cJSON_GetObjectItemCaseSensitive(e, "n");
		if (cJSON_IsNumber(x) && cJSON_IsNumber(n) && strcmp(
		    cJSON_GetStringValue(cJSON_GetObjectItem(e, "type")) ?
		    cJSON_GetStringValue(cJSON_GetObjectItem(e, "type")) : "",
		    "message") == 0) {
			snprintf(xs, sizeof xs, "%.0f", x->valuedouble);
			conv_got_fetch(g, xs, n->valueint, STORE_TEXT_MESSAGE);
		}
		cJSON_Delete(e);
	}
	conv_got_release(g);
}

/* A conversation with its events and texts. */
int
store_conv_get(struct db *db, const char *id, store_full_cb cb, void *arg)
{
	struct conv_load	*l;
	char			 k[3][160];
	const char		*argv[3];
	int			 p;

	if ((p = store_id_partition(id)) == -1 ||
	    (l = calloc(1, sizeof *l)) == NULL)
		return -1;
	l->full = cb;
	l->arg = arg;
	snprintf(k[0], sizeof k[0], KEY_CONV, p, id);
	snprintf(k[1], sizeof k[1], KEY_EVENTS, p, id);
	snprintf(k[2], sizeof k[2], KEY_TEXTS, p, id);
	argv[0] = k[0];
	argv[1] = k[1];
	argv[2] = k[2];
	if (store_run(db, "get", conv_get_done, l, 3, argv, NULL) == -1) {
		free(l);
		return -1;
	}
	return 0;
}

/* Records gathered from every partition for one list. */
struct conv_list {
	struct db		*db;
	store_list_cb		 cb;
	void			*arg;
	struct store_conv	*convs;
	size_t			 n, cap;
	int			 pending;
	int			 failed;
	int			 prune;		/* drop expired ids from index */
	int			 arrived;	/* only those in [from, to) */
	int64_t			 from_ms, to_ms;
	char			 index[STORE_PARTITIONS][48];
};

/* One record being read for a list. */
struct conv_item {
	struct conv_list	*l;
	int			 p;
	int			 prune;		/* named by an index to prune */
	char			 id[32];
};

/* Order records by id. */
static int
conv_id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_conv *)a)->id,
	    ((const struct store_conv *)b)->id);
}

/* One answer is in: hand over the list after the last. */
static void
conv_list_release(struct conv_list *l)
{
	size_t	i, n = 0;

	if (--l->pending > 0)
		return;
	if (l->arrived && l->n > 0) {
		/* Read from the day ranges and the older arrival index: each
		 * once, and only those that arrived in the range. */
		qsort(l->convs, l->n, sizeof *l->convs, conv_id_cmp);
		for (i = 0; i < l->n; i++) {
			if (l->convs[i].received_ms < l->from_ms ||
			    l->convs[i].received_ms >= l->to_ms)
				continue;
			if (n > 0 && strcmp(l->convs[n - 1].id,
			    l->convs[i].id) == 0)
				continue;
			l->convs[n++] = l->convs[i];
		}
		l->n = n;
	}
	l->cb(l->convs, l->n, l->failed, l->arg);
	free(l->convs);
	free(l);
}

/* Ignore a reply. */
static void
conv_ignore(struct db *db, redisReply *r, const char *err, void *arg)
{
}

/* Grow the list to hold one more record; -1 when out of memory. */
static int
conv_list_grow(struct conv_list *l)
{
	struct store_conv	*nc;
	size_t			 cap;

	if (l->n < l->cap)
		return 0;
	cap = l->cap ? l->cap * 2 : 64;
	if ((nc = realloc(l->convs, cap * sizeof *nc)) == NULL)
		return -1;
	l->convs = nc;
	l->cap = cap;
	return 0;
}

/* One record answered: keep it, or prune the id of an expired one. */
static void
conv_item_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_item	*it = arg;
	struct conv_list	*l = it->l;
	struct store_conv	 c;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		l->failed = 1;
	else if (conv_parse(r, &c) == 0) {
		if (conv_list_grow(l) == -1)
			l->failed = 1;
		else
			l->convs[l->n++] = c;
	} else if (it->prune && r->elements == 0)
		/* Records expire before their index entries. */
		db_command(l->db, conv_ignore, NULL, "ZREM %s %s",
		    l->index[it->p], it->id);
	free(it);
	conv_list_release(l);
}

/* One partition's index answered: read every record it names. */
static void
conv_index_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_item	*pt = arg;
	struct conv_list	*l = pt->l;
	struct conv_item	*it;
	char			 kc[160];
	size_t			 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		l->failed = 1;
	else
		for (i = 0; i < r->elements; i++) {
			if (r->element[i]->str == NULL ||
			    (it = calloc(1, sizeof *it)) == NULL)
				continue;
			it->l = l;
			it->p = pt->p;
			it->prune = l->prune;
			conv_copy(it->id, sizeof it->id, r->element[i]->str);
			snprintf(kc, sizeof kc, KEY_CONV, pt->p, it->id);
			if (db_command(l->db, conv_item_done, it, "HGETALL %s",
			    kc) == 0)
				l->pending++;
			else {
				l->failed = 1;
				free(it);
			}
		}
	free(pt);
	conv_list_release(l);
}

/* Start a list: one index read per partition (fmt: the index command). */
static int
conv_list_start(struct db *db, const char *index_key, int prune,
    const char *min, const char *max, int reverse, size_t limit,
    store_list_cb cb, void *arg)
{
	struct conv_list	*l;
	struct conv_item	*pt;
	char			 lim[24];
	int			 p, rc;

	if (!db_ready(db) || (l = calloc(1, sizeof *l)) == NULL)
		return -1;
	l->db = db;
	l->cb = cb;
	l->arg = arg;
	l->prune = prune;
	l->pending = 1;
	snprintf(lim, sizeof lim, "%zu", limit);
	for (p = 0; p < STORE_PARTITIONS; p++) {
		snprintf(l->index[p], sizeof l->index[p], index_key, p);
		if ((pt = calloc(1, sizeof *pt)) == NULL) {
			l->failed = 1;
			continue;
		}
		pt->l = l;
		pt->p = p;
		if (reverse)
			rc = db_command(db, conv_index_done, pt, "ZREVRANGEBYSCORE"
			    " %s %s %s LIMIT 0 %s", l->index[p], max, min, lim);
		else
			rc = db_command(db, conv_index_done, pt, "ZRANGEBYSCORE"
			    " %s %s %s LIMIT 0 %s", l->index[p], min, max, lim);
		if (rc == 0)
			l->pending++;
		else {
			l->failed = 1;
			free(pt);
		}
	}
	conv_list_release(l);	/* drop the guard */
	return 0;
}

/* Conversations in a state, newest first, from every partition. */
int
store_conv_list(struct db *db, const char *state, size_t limit,
    store_list_cb cb, void *arg)
{
	return conv_list_start(db, strcmp(state, "responded") == 0 ?
	    KEY_RESPONDED : KEY_AWAITING, 0, "-inf", "+inf", 1, limit, cb,
	    arg);
}

/* An entry of a sorted set read for a page. */
struct conv_entry {
	int64_t	 key;
	char	 id[32];
};

/* A page being read: every partition's entries, then their records. */
struct conv_page {
	struct db		*db;
	store_page_cb		 cb;
	void			*arg;
	size_t			 limit;
	int			 pending;
	int			 failed;
	struct conv_entry	*entries;
	size_t			 nentries, cap;
	struct store_conv	*convs;		/* in page order */
	int			*have;		/* convs[i] was read */
	size_t			 ntake;
	int			 more;
	char			 index[STORE_PARTITIONS][48];
};

/* One record of a page being read. */
struct conv_page_item {
	struct conv_page	*pg;
	size_t			 i;
};

/* Descending by key, then by id, as ZREVRANGE orders one set. */
static int
conv_entry_cmp(const void *a, const void *b)
{
	const struct conv_entry	*x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return -strcmp(x->id, y->id);
}

/* Free a page. */
static void
conv_page_free(struct conv_page *pg)
{
	free(pg->entries);
	free(pg->convs);
	free(pg->have);
	free(pg);
}

/* Every record is in: hand over the page. */
static void
conv_page_release(struct conv_page *pg)
{
	struct store_page_after	 next;
	size_t			 i, n = 0;

	if (--pg->pending > 0)
		return;
	if (pg->failed) {
		pg->cb(NULL, 0, NULL, 1, pg->arg);
		conv_page_free(pg);
		return;
	}
	/* A record gone since its index was read (answered and expired) is
	 * left out; the cursor still moves past it. */
	for (i = 0; i < pg->ntake; i++)
		if (pg->have[i])
			pg->convs[n++] = pg->convs[i];
	if (pg->more && pg->ntake > 0) {
		next.key = pg->entries[pg->ntake - 1].key;
		conv_copy(next.id, sizeof next.id,
		    pg->entries[pg->ntake - 1].id);
	}
	pg->cb(pg->convs, n, pg->more && pg->ntake > 0 ? &next : NULL, 0,
	    pg->arg);
	conv_page_free(pg);
}

/* A record of the page answered. */
static void
conv_page_item_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_page_item	*it = arg;
	struct conv_page	*pg = it->pg;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		pg->failed = 1;
	else if (conv_parse(r, &pg->convs[it->i]) == 0)
		pg->have[it->i] = 1;
	free(it);
	conv_page_release(pg);
}

/* Every partition's entries are in: take the first limit, read them. */
static void
conv_page_read(struct conv_page *pg)
{
	struct conv_page_item	*it;
	char			 kc[160];
	size_t			 i;

	if (pg->nentries > 0)
		qsort(pg->entries, pg->nentries, sizeof *pg->entries,
		    conv_entry_cmp);
	pg->ntake = pg->nentries < pg->limit ? pg->nentries : pg->limit;
	/* Each partition gave one more than the page holds, so anything
	 * left over says there is a next page. */
	pg->more = pg->nentries > pg->ntake;
	pg->pending = 1;
	if ((pg->convs = calloc(pg->ntake + 1, sizeof *pg->convs)) == NULL ||
	    (pg->have = calloc(pg->ntake + 1, sizeof *pg->have)) == NULL)
		pg->failed = 1;
	for (i = 0; !pg->failed && i < pg->ntake; i++) {
		if ((it = calloc(1, sizeof *it)) == NULL) {
			pg->failed = 1;
			break;
		}
		it->pg = pg;
		it->i = i;
		snprintf(kc, sizeof kc, KEY_CONV,
		    store_id_partition(pg->entries[i].id), pg->entries[i].id);
		if (db_command(pg->db, conv_page_item_done, it, "HGETALL %s",
		    kc) == 0)
			pg->pending++;
		else {
			pg->failed = 1;
			free(it);
		}
	}
	conv_page_release(pg);
}

/* One partition's entries are in; read the records after the last. */
static void
conv_page_index_release(struct conv_page *pg)
{
	if (--pg->pending > 0)
		return;
	if (pg->failed) {
		pg->pending = 1;
		conv_page_release(pg);
		return;
	}
	conv_page_read(pg);
}

/* One partition's entries answered. */
static void
conv_page_index_done(struct db *db, redisReply *r, const char *err,
    void *arg)
{
	struct conv_page	*pg = arg;
	struct conv_entry	*ne;
	size_t			 i, cap;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		pg->failed = 1;
	else
		for (i = 0; i + 1 < r->elements; i += 2) {
			if (r->element[i]->str == NULL ||
			    store_id_partition(r->element[i]->str) == -1)
				continue;
			if (pg->nentries == pg->cap) {
				cap = pg->cap ? pg->cap * 2 : 64;
				if ((ne = realloc(pg->entries,
				    cap * sizeof *ne)) == NULL) {
					pg->failed = 1;
					break;
				}
				pg->entries = ne;
				pg->cap = cap;
			}
			ne = &pg->entries[pg->nentries++];
			conv_copy(ne->id, sizeof ne->id, r->element[i]->str);
			ne->key = (int64_t)strtod(store_str(r->element[i + 1]),
			    NULL);
		}
	conv_page_index_release(pg);
}

/* One page of a list, from every partition. */
int
store_conv_page(struct db *db, const char *list, int64_t min_ms,
    int64_t max_ms, const struct store_page_after *after, size_t limit,
    store_page_cb cb, void *arg)
{
	struct conv_page	*pg;
	const char		*argv[6];
	char			 hi[24], lo[24], key[24], n[24];
	int			 p;

	if (!db_ready(db) || limit == 0 || (pg = calloc(1, sizeof *pg)) == NULL)
		return -1;
	pg->db = db;
	pg->cb = cb;
	pg->arg = arg;
	pg->limit = limit;
	pg->pending = 1;
	snprintf(hi, sizeof hi, "%lld", (long long)max_ms);
	snprintf(lo, sizeof lo, "%lld", (long long)min_ms);
	snprintf(key, sizeof key, "%lld", after ? (long long)after->key : 0LL);
	snprintf(n, sizeof n, "%zu", limit + 1);
	for (p = 0; p < STORE_PARTITIONS; p++) {
		snprintf(pg->index[p], sizeof pg->index[p], strcmp(list,
		    "responded") == 0 ? KEY_RESPONDED : KEY_AWAITING, p);
		argv[0] = pg->index[p];
		argv[1] = hi;
		argv[2] = lo;
		argv[3] = after != NULL ? key : "";
		argv[4] = after != NULL ? after->id : "";
		argv[5] = n;
		if (store_run(db, "page", conv_page_index_done, pg, 6, argv,
		    NULL) == 0)
			pg->pending++;
		else
			pg->failed = 1;
	}
	conv_page_index_release(pg);	/* drop the guard */
	return 0;
}

/* A partition's day ranges answered: read every id they give for the
 * days of [from, to) (a few more: each day's range is the lowest and
 * highest id that opened on it; the records say when they arrived). */
static void
conv_days_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_item	*pt = arg;
	struct conv_list	*l = pt->l;
	struct conv_item	*it;
	int64_t			 lo, hi, n;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		l->failed = 1;
	else if (store_days_range(r, l->from_ms, l->to_ms, &lo, &hi) == 0)
		for (n = lo; n <= hi; n++) {
			if ((it = calloc(1, sizeof *it)) == NULL) {
				l->failed = 1;
				break;
			}
			it->l = l;
			it->p = pt->p;
			snprintf(it->id, sizeof it->id, "%d-%lld", pt->p,
			    (long long)n);
			if (db_command(l->db, conv_item_done, it, "HGETALL "
			    KEY_CONV, pt->p, it->id) == 0)
				l->pending++;
			else {
				l->failed = 1;
				free(it);
				break;
			}
		}
	free(pt);
	conv_list_release(l);
}

/* Conversations that arrived in [from, to): from each partition's day
 * ranges, and from the arrival index an older release kept (rx, until
 * the migration has folded it into the day ranges). */
int
store_conv_arrived(struct db *db, int64_t from_ms, int64_t to_ms,
    store_list_cb cb, void *arg)
{
	struct conv_list	*l;
	struct conv_item	*pt;
	char			 from[24], to[24], key[48];
	int			 p;

	if (!db_ready(db) || (l = calloc(1, sizeof *l)) == NULL)
		return -1;
	l->db = db;
	l->cb = cb;
	l->arg = arg;
	l->prune = 1;
	l->arrived = 1;
	l->from_ms = from_ms;
	l->to_ms = to_ms;
	l->pending = 1;
	snprintf(from, sizeof from, "%lld", (long long)from_ms);
	snprintf(to, sizeof to, "(%lld", (long long)to_ms);
	for (p = 0; p < STORE_PARTITIONS; p++) {
		snprintf(l->index[p], sizeof l->index[p], KEY_RECEIVED, p);
		snprintf(key, sizeof key, KEY_DAYS, p);
		if ((pt = calloc(1, sizeof *pt)) == NULL) {
			l->failed = 1;
			continue;
		}
		pt->l = l;
		pt->p = p;
		if (db_command(db, conv_index_done, pt, "ZRANGEBYSCORE %s %s %s",
		    l->index[p], from, to) == 0)
			l->pending++;
		else {
			l->failed = 1;
			free(pt);
		}
		if ((pt = calloc(1, sizeof *pt)) == NULL) {
			l->failed = 1;
			continue;
		}
		pt->l = l;
		pt->p = p;
		if (db_command(db, conv_days_done, pt, "HGETALL %s", key) == 0)
			l->pending++;
		else {
			l->failed = 1;
			free(pt);
		}
	}
	conv_list_release(l);	/* drop the guard */
	return 0;
}

/* A batch of the migration. */
struct conv_migrate {
	store_migrate_cb	 cb;
	void			*arg;
	int			 p;
};

/* migrate-rx-2 answered. */
static void
conv_migrate_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_migrate	*m = arg;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
		m->cb(m->p, -1, -1, err != NULL ? err : r != NULL &&
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply",
		    m->arg);
	else
		m->cb(m->p, (long)store_num(r->element[0]),
		    (long)store_num(r->element[1]), NULL, m->arg);
	free(m);
}

/* Fold a batch of partition p's older arrival index into its days. */
int
store_migrate_arrivals(struct db *db, int p, int batch, store_migrate_cb cb,
    void *arg)
{
	struct conv_migrate	*m;
	char			 krx[48], kd[48], n[16];
	const char		*argv[3];

	if (!db_ready(db) || (m = calloc(1, sizeof *m)) == NULL)
		return -1;
	m->cb = cb;
	m->arg = arg;
	m->p = p;
	snprintf(krx, sizeof krx, KEY_RECEIVED, p);
	snprintf(kd, sizeof kd, KEY_DAYS, p);
	snprintf(n, sizeof n, "%d", batch);
	argv[0] = krx;
	argv[1] = kd;
	argv[2] = n;
	if (store_run(db, "migrate-rx", conv_migrate_done, m, 3, argv,
	    NULL) == -1) {
		free(m);
		return -1;
	}
	return 0;
}

struct conv_event {
	store_done_cb	 cb;
	void		*arg;
};

/* event-2 answered (0: the conversation has expired, nothing kept). */
static void
conv_event_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_event	*ce = arg;

	if (ce->cb != NULL)
		ce->cb(r == NULL || r->type == REDIS_REPLY_ERROR, ce->arg);
	free(ce);
}

/* Append an event to a conversation's audit trail. */
int
store_event(struct db *db, const char *id, const char *json,
    store_done_cb cb, void *arg)
{
	struct conv_event	*ce;
	char			 kc[160], ke[160];
	const char		*argv[3];
	int			 p;

	if ((p = store_id_partition(id)) == -1 ||
	    (ce = calloc(1, sizeof *ce)) == NULL)
		return -1;
	snprintf(kc, sizeof kc, KEY_CONV, p, id);
	snprintf(ke, sizeof ke, KEY_EVENTS, p, id);
	argv[0] = kc;
	argv[1] = ke;
	argv[2] = json;
	ce->cb = cb;
	ce->arg = arg;
	if (store_run(db, "event", conv_event_done, ce, 3, argv, NULL) == -1) {
		free(ce);
		return -1;
	}
	return 0;
}

/* A delivery receipt being recorded. */
struct conv_delivery {
	store_delivery_cb	 cb;
	void			*arg;
};

/* delivery-2 answered: {recorded, first failure}. */
static void
conv_delivery_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct conv_delivery	*cd = arg;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
		cd->cb(0, 0, 1, cd->arg);
	else
		cd->cb(store_num(r->element[0]) == 1,
		    store_num(r->element[1]) == 1, 0, cd->arg);
	free(cd);
}

/* Record a delivery receipt in a conversation's notification log. */
int
store_delivery(struct db *db, const char *id, const char *provider,
    const char *provider_id, const char *status, int is_failure,
    const char *json, store_delivery_cb cb, void *arg)
{
	struct conv_delivery	*cd;
	char			 kc[160], ke[160], kd[256], h[41];
	const char		*argv[7];
	int			 p;

	if ((p = store_id_partition(id)) == -1 ||
	    (cd = calloc(1, sizeof *cd)) == NULL)
		return -1;
	cd->cb = cb;
	cd->arg = arg;
	store_hash(provider_id, strlen(provider_id), h);
	snprintf(kc, sizeof kc, KEY_CONV, p, id);
	snprintf(ke, sizeof ke, KEY_EVENTS, p, id);
	snprintf(kd, sizeof kd, KEY_DELIVERY, p, provider, h);
	argv[0] = kc;
	argv[1] = ke;
	argv[2] = kd;
	argv[3] = status;
	argv[4] = json;
	argv[5] = is_failure ? "1" : "0";
	argv[6] = "604800";	/* a week: providers report within hours */
	if (store_run(db, "delivery", conv_delivery_done, cd, 7, argv,
	    NULL) == -1) {
		free(cd);
		return -1;
	}
	return 0;
}
