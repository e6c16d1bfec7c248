/*
 * esc.c: see esc.h.  The stream commands (XGROUP, XREADGROUP, XAUTOCLAIM,
 * XCLAIM) are plain commands; everything that changes a conversation or a
 * due set is a script in store/scripts, with every key in its KEYS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "io/db.h"
#include "store/esc.h"
#include "store/internal.h"
#include "store/keys.h"
#include "store/store.h"

/* A request's callback and its argument. */
struct esc_req {
	union {
		store_esc_done_cb	 done;
		store_esc_claim_cb	 claim;
		store_esc_batch_cb	 batch;
		store_esc_advance_cb	 advance;
		store_esc_defer_cb	 defer;
		store_esc_rota_cb	 rota;
	} cb;
	void	*arg;
	int	 p;
};

/* A new request, or NULL. */
static struct esc_req *
esc_req_new(void *arg, int p)
{
	struct esc_req	*rq;

	if ((rq = calloc(1, sizeof *rq)) != NULL) {
		rq->arg = arg;
		rq->p = p;
	}
	return rq;
}

/* What went wrong with a reply, or NULL when it is not an error. */
static const char *
esc_error(const redisReply *r, const char *err)
{
	if (r == NULL)
		return err != NULL ? err : "no answer";
	if (r->type == REDIS_REPLY_ERROR)
		return r->str != NULL ? r->str : "error";
	return NULL;
}

/* Copy a string into a fixed buffer (NULL is ""). */
static void
esc_copy(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s != NULL ? s : "");
}

/* A plain command's answer: only whether it failed. */
static void
esc_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_req	*rq = arg;

	rq->cb.done(esc_error(r, err), rq->arg);
	free(rq);
}

/* XGROUP CREATE answered: BUSYGROUP means it exists already. */
static void
esc_group_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_req	*rq = arg;
	const char	*e = esc_error(r, err);

	if (e != NULL && strncmp(e, "BUSYGROUP", 9) == 0)
		e = NULL;
	rq->cb.done(e, rq->arg);
	free(rq);
}

/* Create partition p's stream and consumer group. */
int
store_esc_group(struct db *db, int p, store_esc_done_cb cb, void *arg)
{
	struct esc_req	*rq;
	char		 key[32];

	if ((rq = esc_req_new(arg, p)) == NULL)
		return -1;
	rq->cb.done = cb;
	snprintf(key, sizeof key, KEY_ESC, p);
	if (db_command(db, esc_group_done, rq, "XGROUP CREATE %s "
	    STORE_ESC_GROUP " 0 MKSTREAM", key) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}

/* claim-4 answered: {claimed, next due or '-1'}. */
static void
esc_claim_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_req	*rq = arg;
	const char	*e = esc_error(r, err);

	if (e == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements != 2))
		e = "unexpected reply to the claim script";
	if (e != NULL)
		rq->cb.claim(rq->p, 0, -1, e, rq->arg);
	else
		rq->cb.claim(rq->p, (int)store_num(r->element[0]),
		    r->element[1]->str != NULL ? store_num(r->element[1]) : -1,
		    NULL, rq->arg);
	free(rq);
}

/* Move partition p's due items to its stream. */
int
store_esc_claim(struct db *db, int p, int limit, store_esc_claim_cb cb,
    void *arg)
{
	struct esc_req	*rq;
	char		 due[32], stream[32], aw[32], stats[32], lim[16];
	const char	*argv[5];

	if ((rq = esc_req_new(arg, p)) == NULL)
		return -1;
	rq->cb.claim = cb;
	snprintf(due, sizeof due, KEY_DUE, p);
	snprintf(stream, sizeof stream, KEY_ESC, p);
	snprintf(aw, sizeof aw, KEY_AWAITING, p);
	snprintf(stats, sizeof stats, KEY_STATS, p);
	snprintf(lim, sizeof lim, "%d", limit);
	argv[0] = due;
	argv[1] = stream;
	argv[2] = aw;
	argv[3] = stats;
	argv[4] = lim;
	if (store_run(db, "claim", esc_claim_done, rq, 5, argv, NULL) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}

/*
 * One stream entry ([id, [field, value, ...]]) of partition p; -1 when it
 * has no id at all.  An entry without its fields (deleted), or whose
 * conversation is not of this partition, gets an empty conv.
 */
static int
esc_entry_parse(const redisReply *r, int p, int taken_over,
    struct store_esc_entry *out)
{
	const redisReply	*f;
	const char		*id, *kind, *due, *claimed;

	memset(out, 0, sizeof *out);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->str == NULL)
		return -1;
	out->p = p;
	out->taken_over = taken_over;
	esc_copy(out->entry, sizeof out->entry, r->element[0]->str);
	f = r->element[1];
	id = store_field(f, "id");
	kind = store_field(f, "kind");
	due = store_field(f, "due");
	claimed = store_field(f, "claimed");
	if (id == NULL || kind == NULL || store_id_partition(id) != p ||
	    strlen(id) >= sizeof out->conv || strlen(kind) >= sizeof out->kind)
		return 0;
	esc_copy(out->conv, sizeof out->conv, id);
	esc_copy(out->kind, sizeof out->kind, kind);
	out->due_ms = due != NULL ? strtoll(due, NULL, 10) : 0;
	out->claimed_ms = claimed != NULL ? strtoll(claimed, NULL, 10) :
	    out->due_ms;
	return 0;
}

/* Append partition p's entries of an entry list to a batch array. */
static void
esc_entries_parse(const redisReply *list, int p, int taken_over,
    struct store_esc_entry *out, size_t *n)
{
	size_t	i;

	if (list == NULL || list->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < list->elements; i++)
		if (esc_entry_parse(list->element[i], p, taken_over,
		    &out[*n]) == 0)
			(*n)++;
}

/* Hand a failed batch over. */
static void
esc_batch_fail(struct esc_req *rq, const char *err)
{
	struct store_esc_batch	b;

	memset(&b, 0, sizeof b);
	b.p = rq->p;
	b.err = err;
	b.nogroup = strncmp(err, "NOGROUP", 7) == 0;
	rq->cb.batch(&b, rq->arg);
}

/* One read round: its answers gathered into one batch. */
struct esc_read {
	store_esc_batch_cb	 cb;
	void			*arg;
	struct store_esc_entry	*entries;
	size_t			 n, cap;
	int			 pending;
	char			 err[256];
	int			 nogroup;
};

struct esc_read_part {
	struct esc_read	*rd;
	int		 p;
};

/* One answer is in: hand the batch over after the last. */
static void
esc_read_release(struct esc_read *rd)
{
	struct store_esc_batch	b;

	if (--rd->pending > 0)
		return;
	memset(&b, 0, sizeof b);
	b.p = -1;
	b.entries = rd->entries;
	b.n = rd->n;
	b.err = rd->err[0] != '\0' ? rd->err : NULL;
	b.nogroup = rd->nogroup;
	rd->cb(&b, rd->arg);
	free(rd->entries);
	free(rd);
}

/* Note the first error of a round. */
static void
esc_read_error(struct esc_read *rd, int p, const char *e)
{
	if (strncmp(e, "NOGROUP", 7) == 0)
		rd->nogroup = 1;
	if (rd->err[0] == '\0' && p >= 0)
		snprintf(rd->err, sizeof rd->err, "partition %d: %s", p, e);
	else if (rd->err[0] == '\0')
		snprintf(rd->err, sizeof rd->err, "%s", e);
}

/* One partition's XREADGROUP answered: [[stream key, [entry, ...]]], or
 * nil when nothing is new. */
static void
esc_read_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_read_part	*pt = arg;
	struct esc_read		*rd = pt->rd;
	const char		*e = esc_error(r, err);
	const redisReply	*list;
	struct store_esc_entry	*ne;
	size_t			 need;

	if (e == NULL && r->type != REDIS_REPLY_ARRAY &&
	    r->type != REDIS_REPLY_NIL)
		e = "unexpected reply to XREADGROUP";
	if (e != NULL)
		esc_read_error(rd, pt->p, e);
	else if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements == 2) {
		list = r->element[0]->element[1];
		need = rd->n + (list->type == REDIS_REPLY_ARRAY ?
		    list->elements : 0);
		if (need > rd->cap) {
			if ((ne = realloc(rd->entries, need *
			    sizeof *ne)) == NULL) {
				esc_read_error(rd, pt->p, "out of memory");
				goto out;
			}
			rd->entries = ne;
			rd->cap = need;
		}
		esc_entries_parse(list, pt->p, 0, rd->entries, &rd->n);
	}
out:
	free(pt);
	esc_read_release(rd);
}

/* One XREADGROUP over every stream answered: [[stream key, [entry, ...]],
 * ...], or nil when it blocked to the end with nothing new. */
static void
esc_read_all_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_read		*rd = arg;
	const char		*e = esc_error(r, err);
	const redisReply	*s;
	struct store_esc_entry	*ne;
	char			 key[32];
	size_t			 i, total = 0;
	int			 p;

	if (e == NULL && r->type != REDIS_REPLY_ARRAY &&
	    r->type != REDIS_REPLY_NIL)
		e = "unexpected reply to XREADGROUP";
	if (e == NULL && r->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i < r->elements; i++)
			if (r->element[i]->type == REDIS_REPLY_ARRAY &&
			    r->element[i]->elements == 2 &&
			    r->element[i]->element[1]->type ==
			    REDIS_REPLY_ARRAY)
				total += r->element[i]->element[1]->elements;
		if (total > 0) {
			if ((ne = calloc(total, sizeof *ne)) == NULL)
				e = "out of memory";
			else {
				rd->entries = ne;
				rd->cap = total;
			}
		}
	}
	if (e != NULL)
		esc_read_error(rd, -1, e);
	for (i = 0; e == NULL && r->type == REDIS_REPLY_ARRAY &&
	    i < r->elements; i++) {
		s = r->element[i];
		if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
		    s->element[0]->str == NULL)
			continue;
		/* Which partition's stream: compare with the key names. */
		for (p = 0; p < STORE_PARTITIONS; p++) {
			snprintf(key, sizeof key, KEY_ESC, p);
			if (strcmp(key, s->element[0]->str) == 0)
				break;
		}
		if (p < STORE_PARTITIONS)
			esc_entries_parse(s->element[1], p, 0, rd->entries,
			    &rd->n);
	}
	esc_read_release(rd);
}

/*
 * Read new entries of every partition's stream.  On one Redis (or behind
 * Sentinel) one XREADGROUP blocks on all the streams, and Redis hands what
 * arrives to the blocked instances in turn; a Redis Cluster node refuses a
 * command across slots, so there each stream is read on its own, without
 * blocking.
 */
int
store_esc_read(struct db *db, const char *consumer, int count, int block_ms,
    store_esc_batch_cb cb, void *arg)
{
	struct esc_read		*rd;
	struct esc_read_part	*pt;
	const char		*argv[9 + 2 * STORE_PARTITIONS];
	char			 key[32], keys[STORE_PARTITIONS][32];
	char			 cnt[16], block[16];
	int			 p, argc = 0;

	if ((rd = calloc(1, sizeof *rd)) == NULL)
		return -1;
	rd->cb = cb;
	rd->arg = arg;
	snprintf(cnt, sizeof cnt, "%d", count);
	if (!db_cluster(db)) {
		rd->pending = 1;
		snprintf(block, sizeof block, "%d", block_ms);
		argv[argc++] = "XREADGROUP";
		argv[argc++] = "GROUP";
		argv[argc++] = STORE_ESC_GROUP;
		argv[argc++] = consumer;
		argv[argc++] = "COUNT";
		argv[argc++] = cnt;
		argv[argc++] = "BLOCK";
		argv[argc++] = block;
		argv[argc++] = "STREAMS";
		for (p = 0; p < STORE_PARTITIONS; p++) {
			snprintf(keys[p], sizeof keys[p], KEY_ESC, p);
			argv[argc++] = keys[p];
		}
		for (p = 0; p < STORE_PARTITIONS; p++)
			argv[argc++] = ">";
		if (db_commandv(db, esc_read_all_done, rd, argc, argv,
		    NULL) == -1) {
			free(rd);
			return -1;
		}
		return 0;
	}
	rd->pending = 1;
	for (p = 0; p < STORE_PARTITIONS; p++) {
		snprintf(key, sizeof key, KEY_ESC, p);
		if ((pt = calloc(1, sizeof *pt)) == NULL) {
			esc_read_error(rd, p, "out of memory");
			continue;
		}
		pt->rd = rd;
		pt->p = p;
		if (db_command(db, esc_read_done, pt, "XREADGROUP GROUP %s %s "
		    "COUNT %s STREAMS %s >", STORE_ESC_GROUP, consumer, cnt,
		    key) == 0)
			rd->pending++;
		else {
			esc_read_error(rd, p, "not connected");
			free(pt);
		}
	}
	if (rd->pending == 1 && rd->err[0] != '\0') {
		/* Nothing could be sent: say so without calling back. */
		free(rd);
		return -1;
	}
	esc_read_release(rd);	/* drop the guard */
	return 0;
}

/* XAUTOCLAIM answered: [next cursor, [entry, ...], (deleted ids)]. */
static void
esc_autoclaim_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_req		*rq = arg;
	struct store_esc_batch	 b;
	struct store_esc_entry	*out = NULL;
	const char		*e = esc_error(r, err);
	size_t			 n = 0;

	if (e == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    r->element[1]->type != REDIS_REPLY_ARRAY))
		e = "unexpected reply to XAUTOCLAIM";
	if (e == NULL && r->element[1]->elements > 0 &&
	    (out = calloc(r->element[1]->elements, sizeof *out)) == NULL)
		e = "out of memory";
	if (e != NULL) {
		esc_batch_fail(rq, e);
		free(rq);
		return;
	}
	esc_entries_parse(r->element[1], rq->p, 1, out, &n);
	memset(&b, 0, sizeof b);
	b.p = rq->p;
	b.entries = out;
	b.n = n;
	rq->cb.batch(&b, rq->arg);
	free(out);
	free(rq);
}

/* Take over entries of partition p that were left pending. */
int
store_esc_autoclaim(struct db *db, int p, const char *consumer,
    int64_t idle_ms, int count, store_esc_batch_cb cb, void *arg)
{
	struct esc_req	*rq;
	char		 key[32];

	if ((rq = esc_req_new(arg, p)) == NULL)
		return -1;
	rq->cb.batch = cb;
	snprintf(key, sizeof key, KEY_ESC, p);
	if (db_command(db, esc_autoclaim_done, rq, "XAUTOCLAIM %s "
	    STORE_ESC_GROUP " %s %lld 0-0 COUNT %d", key, consumer,
	    (long long)idle_ms, count) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}

/* Reset an entry's idle time. */
int
store_esc_refresh(struct db *db, int p, const char *consumer,
    const char *entry, store_esc_done_cb cb, void *arg)
{
	struct esc_req	*rq;
	char		 key[32];

	if ((rq = esc_req_new(arg, p)) == NULL)
		return -1;
	rq->cb.done = cb;
	snprintf(key, sizeof key, KEY_ESC, p);
	if (db_command(db, esc_done, rq, "XCLAIM %s " STORE_ESC_GROUP
	    " %s 0 %s JUSTID", key, consumer, entry) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}

/* advance-2 answered: 1 or 0. */
static void
esc_advance_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_req	*rq = arg;
	const char	*e = esc_error(r, err);

	if (e == NULL && r->type != REDIS_REPLY_INTEGER)
		e = "unexpected reply to the advance script";
	if (e != NULL)
		rq->cb.advance(-1, e, rq->arg);
	else
		rq->cb.advance(r->integer == 2 ? 2 : r->integer != 0, NULL,
		    rq->arg);
	free(rq);
}

/* Move a conversation to its next step. */
int
store_esc_advance(struct db *db, const char *id, int step,
    int64_t next_due_ms, int64_t deadline_ms, store_esc_advance_cb cb,
    void *arg)
{
	struct esc_req	*rq;
	char		 kc[64], kd[32], st[16], next[24], dl[24];
	const char	*argv[6];
	int		 p;

	if ((p = store_id_partition(id)) == -1 ||
	    (rq = esc_req_new(arg, p)) == NULL)
		return -1;
	rq->cb.advance = cb;
	snprintf(kc, sizeof kc, KEY_CONV, p, id);
	snprintf(kd, sizeof kd, KEY_DUE, p);
	snprintf(st, sizeof st, "%d", step);
	snprintf(next, sizeof next, "%lld", next_due_ms < 0 ? -1LL :
	    (long long)next_due_ms);
	argv[0] = kc;
	argv[1] = kd;
	argv[2] = id;
	argv[3] = st;
	argv[4] = next;
	snprintf(dl, sizeof dl, "%lld", (long long)deadline_ms);
	argv[5] = dl;
	if (store_run(db, "advance", esc_advance_done, rq, 6, argv,
	    NULL) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}

/* defer-2 answered: {'deferred', until}, {'due'} or {'gone'}. */
static void
esc_defer_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_req	*rq = arg;
	const char	*e = esc_error(r, err), *what = NULL;

	if (e == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    (what = r->element[0]->str) == NULL))
		e = "unexpected reply to the defer script";
	if (e == NULL && strcmp(what, "deferred") == 0 && r->elements == 2)
		rq->cb.defer(STORE_ESC_DEFERRED, store_num(r->element[1]), NULL,
		    rq->arg);
	else if (e == NULL && strcmp(what, "due") == 0)
		rq->cb.defer(STORE_ESC_DUE, 0, NULL, rq->arg);
	else if (e == NULL && strcmp(what, "gone") == 0)
		rq->cb.defer(STORE_ESC_GONE, 0, NULL, rq->arg);
	else
		rq->cb.defer(STORE_ESC_DEFER_FAILED, 0, e != NULL ? e :
		    "unexpected reply to the defer script", rq->arg);
	free(rq);
}

/* Put a paused step back in the due set at the pause's end. */
int
store_esc_defer(struct db *db, const char *id, int step,
    store_esc_defer_cb cb, void *arg)
{
	struct esc_req	*rq;
	char		 kc[64], kd[32], st[16];
	const char	*argv[4];
	int		 p;

	if ((p = store_id_partition(id)) == -1 ||
	    (rq = esc_req_new(arg, p)) == NULL)
		return -1;
	rq->cb.defer = cb;
	snprintf(kc, sizeof kc, KEY_CONV, p, id);
	snprintf(kd, sizeof kd, KEY_DUE, p);
	snprintf(st, sizeof st, "%d", step);
	argv[0] = kc;
	argv[1] = kd;
	argv[2] = id;
	argv[3] = st;
	if (store_run(db, "defer", esc_defer_done, rq, 4, argv, NULL) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}

/* Put a step in the due set unless it is there. */
int
store_esc_schedule(struct db *db, const char *id, int step, int64_t due_ms,
    store_esc_done_cb cb, void *arg)
{
	struct esc_req	*rq;
	char		 kd[32];
	int		 p;

	if ((p = store_id_partition(id)) == -1 ||
	    (rq = esc_req_new(arg, p)) == NULL)
		return -1;
	rq->cb.done = cb;
	snprintf(kd, sizeof kd, KEY_DUE, p);
	if (db_command(db, esc_done, rq, "ZADD %s NX %lld %s:%d", kd,
	    (long long)due_ms, id, step) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}

/* Acknowledge and delete an entry. */
int
store_esc_ack(struct db *db, int p, const char *entry, store_esc_done_cb cb,
    void *arg)
{
	struct esc_req	*rq;
	char		 key[32];
	const char	*argv[3];

	if ((rq = esc_req_new(arg, p)) == NULL)
		return -1;
	rq->cb.done = cb;
	snprintf(key, sizeof key, KEY_ESC, p);
	argv[0] = key;
	argv[1] = STORE_ESC_GROUP;
	argv[2] = entry;
	if (store_run(db, "settle", esc_done, rq, 3, argv, NULL) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}

/* HMGET of the overrides answered: [worker or nil, manager or nil]. */
static void
esc_rota_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_req		*rq = arg;
	struct store_esc_rota	 rota;
	const char		*e = esc_error(r, err);

	if (e == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements != 2))
		e = "unexpected reply to HMGET";
	if (e != NULL)
		rq->cb.rota(NULL, e, rq->arg);
	else {
		memset(&rota, 0, sizeof rota);
		esc_copy(rota.worker, sizeof rota.worker, r->element[0]->str);
		esc_copy(rota.manager, sizeof rota.manager,
		    r->element[1]->str);
		rq->cb.rota(&rota, NULL, rq->arg);
	}
	free(rq);
}

/* A team's duty-rota overrides for a date. */
int
store_esc_rota(struct db *db, const char *team, const char *date,
    store_esc_rota_cb cb, void *arg)
{
	struct esc_req	*rq;
	char		 key[192];

	if ((rq = esc_req_new(arg, -1)) == NULL)
		return -1;
	rq->cb.rota = cb;
	snprintf(key, sizeof key, KEY_DUTY, team);
	if (db_command(db, esc_rota_done, rq, "HMGET %s %s:worker %s:manager",
	    key, date, date) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}
