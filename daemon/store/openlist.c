/*
 * openlist.c: see openlist.h.  One ZRANGE of each partition's awaiting
 * index, then one HMGET of the listed fields per conversation, all sent
 * at once (hiredis pipelines them on the one connection).  An index entry
 * whose record is gone or answered is skipped: the scripts that change a
 * conversation keep the index, and a list is only a view.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "io/db.h"
#include "store/internal.h"
#include "store/keys.h"
#include "store/openlist.h"
#include "store/store.h"

/* The fields read, in the HMGET's order. */
#define OPENLIST_FIELDS	"state " REC_TEAM " " REC_WORKER " " REC_CHANNEL " " \
			REC_RECEIVED " deadline ack_by ack_until urgent " \
			REC_TEAM_OLD " " REC_WORKER_OLD " " REC_CHANNEL_OLD " " \
			REC_RECEIVED_OLD
#define OPENLIST_NFIELDS	13
/* Where the release before's names of fields 1 to 4 are. */
#define OPENLIST_OLD	8

/* HMGETs in flight at once: few enough that one read event of the
 * connection handles a bounded number of replies, so pages and webhooks
 * are answered between batches instead of after the whole walk. */
#define OPENLIST_WINDOW	256

/* An id from an index, waiting for its record to be read. */
struct openlist_id {
	struct openlist_read	*r;
	int			 p;
	char			 id[32];
};

/* A read in progress. */
struct openlist_read {
	struct db		*db;
	store_openlist_cb	 cb;
	void			*arg;
	int			 indexes;	/* index reads in flight */
	size_t			 inflight;	/* HMGETs in flight */
	int			 failed;
	struct store_openlist	*list;
	size_t			 cap;
	/* Where each row's strings start in the pool, until the end. */
	size_t			(*offs)[3];
	struct openlist_id	*ids;		/* every partition's */
	size_t			 nids, idcap, next;
};

/* One partition's index, or one record, being read. */
struct openlist_item {
	struct openlist_read	*r;
	int			 p;
	char			 id[32];
};

/* Copy s into the pool; its offset, or (size_t)-1 when out of memory. */
static size_t
openlist_pool_add(struct store_openlist *l, const char *s)
{
	size_t	 len = strlen(s) + 1, off, cap;
	char	*np;

	if (l->pool_len + len > l->pool_cap) {
		cap = l->pool_cap ? l->pool_cap * 2 : 4096;
		while (cap < l->pool_len + len)
			cap *= 2;
		if ((np = realloc(l->pool, cap)) == NULL)
			return (size_t)-1;
		l->pool = np;
		l->pool_cap = cap;
	}
	off = l->pool_len;
	memcpy(l->pool + off, s, len);
	l->pool_len += len;
	return off;
}

void
store_openlist_free(struct store_openlist *l)
{
	if (l == NULL)
		return;
	free(l->rows);
	free(l->pool);
	free(l);
}

/* Soonest deadline first; the id breaks ties, so the order is stable. */
static int
openlist_cmp(const void *a, const void *b)
{
	const struct store_open	*x = a, *y = b;

	if (x->deadline_ms != y->deadline_ms)
		return x->deadline_ms < y->deadline_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Every answer is in: hand the list over. */
static void
openlist_finish(struct openlist_read *r)
{
	struct store_openlist	*l = r->list;
	size_t			 i;

	if (r->failed) {
		store_openlist_free(l);
		l = NULL;
	} else {
		/* The pool no longer moves: offsets become pointers. */
		for (i = 0; i < l->n; i++) {
			l->rows[i].team = l->pool + r->offs[i][0];
			l->rows[i].worker = l->pool + r->offs[i][1];
			l->rows[i].ack_by = l->pool + r->offs[i][2];
		}
		if (l->n > 0)
			qsort(l->rows, l->n, sizeof *l->rows, openlist_cmp);
	}
	free(r->offs);
	free(r->ids);
	r->cb(l, r->arg);
	free(r);
}

static void	openlist_record_done(struct db *, redisReply *, const char *,
		    void *);

/* Keep up to OPENLIST_WINDOW records being read; finish after the last. */
static void
openlist_pump(struct openlist_read *r)
{
	struct openlist_id	*id;
	char			 key[160];

	while (!r->failed && r->inflight < OPENLIST_WINDOW &&
	    r->next < r->nids) {
		id = &r->ids[r->next++];
		snprintf(key, sizeof key, KEY_CONV, id->p, id->id);
		if (db_command(r->db, openlist_record_done, id,
		    "HMGET %s " OPENLIST_FIELDS, key) == -1)
			r->failed = 1;
		else
			r->inflight++;
	}
	if (r->inflight == 0)
		openlist_finish(r);
}

/* Room for one more row; -1 when out of memory. */
static int
openlist_grow(struct openlist_read *r)
{
	struct store_openlist	*l = r->list;
	struct store_open	*nr;
	size_t			(*no)[3];
	size_t			 cap;

	if (l->n < r->cap)
		return 0;
	cap = r->cap ? r->cap * 2 : 256;
	if ((nr = realloc(l->rows, cap * sizeof *nr)) == NULL)
		return -1;
	l->rows = nr;
	if ((no = realloc(r->offs, cap * sizeof *no)) == NULL)
		return -1;
	r->offs = no;
	r->cap = cap;
	return 0;
}

/* A string field of the HMGET reply, or "". */
static const char *
openlist_str(const redisReply *r, size_t i)
{
	return r->element[i]->type == REDIS_REPLY_STRING ?
	    r->element[i]->str : "";
}

/* Field i (1 to 4) of the reply by its name or the release before's. */
static const redisReply *
openlist_rec(const redisReply *r, size_t i)
{
	return store_either(r, i, OPENLIST_OLD + i);
}

/* One record answered: keep it if it is still awaiting. */
static void
openlist_record_done(struct db *db, redisReply *reply, const char *err,
    void *arg)
{
	struct openlist_id	*id = arg;
	struct openlist_read	*r = id->r;
	struct store_open	*o;
	size_t			 k, *off;

	r->inflight--;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != OPENLIST_NFIELDS)
		r->failed = 1;
	else if (!r->failed && strcmp(openlist_str(reply, 0),
	    "awaiting") == 0) {
		if (openlist_grow(r) == -1) {
			r->failed = 1;
			goto out;
		}
		o = &r->list->rows[r->list->n];
		off = r->offs[r->list->n];
		memset(o, 0, sizeof *o);
		snprintf(o->id, sizeof o->id, "%s", id->id);
		snprintf(o->channel, sizeof o->channel, "%s",
		    store_str(openlist_rec(reply, 3)));
		o->received_ms = store_num(openlist_rec(reply, 4));
		o->deadline_ms = store_num(reply->element[5]);
		o->ack_until_ms = store_num(reply->element[7]);
		o->urgent = store_num(reply->element[8]) != 0;
		off[0] = openlist_pool_add(r->list,
		    store_str(openlist_rec(reply, 1)));
		off[1] = openlist_pool_add(r->list,
		    store_str(openlist_rec(reply, 2)));
		off[2] = openlist_pool_add(r->list, openlist_str(reply, 6));
		for (k = 0; k < 3; k++)
			if (off[k] == (size_t)-1)
				r->failed = 1;
		r->list->n++;
	}
out:
	openlist_pump(r);
}

/* One partition's index answered: note its ids; after the last index,
 * read the records. */
static void
openlist_index_done(struct db *db, redisReply *reply, const char *err,
    void *arg)
{
	struct openlist_item	*pt = arg;
	struct openlist_read	*r = pt->r;
	struct openlist_id	*nids;
	const redisReply	*e;
	size_t			 i, cap;

	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
		r->failed = 1;
	else
		for (i = 0; i < reply->elements && !r->failed; i++) {
			e = reply->element[i];
			if (e->type != REDIS_REPLY_STRING ||
			    e->len >= sizeof nids->id)
				continue;
			if (r->nids == r->idcap) {
				cap = r->idcap ? r->idcap * 2 : 1024;
				if ((nids = realloc(r->ids, cap *
				    sizeof *nids)) == NULL) {
					r->failed = 1;
					break;
				}
				r->ids = nids;
				r->idcap = cap;
			}
			r->ids[r->nids].r = r;
			r->ids[r->nids].p = pt->p;
			memcpy(r->ids[r->nids].id, e->str, e->len);
			r->ids[r->nids].id[e->len] = '\0';
			r->nids++;
		}
	free(pt);
	if (--r->indexes == 0)
		openlist_pump(r);
}

int
store_openlist_read(struct db *db, store_openlist_cb cb, void *arg)
{
	struct openlist_read	*r;
	struct openlist_item	*pt;
	char			 key[48];
	int			 p;

	if (!db_ready(db) || (r = calloc(1, sizeof *r)) == NULL)
		return -1;
	if ((r->list = calloc(1, sizeof *r->list)) == NULL) {
		free(r);
		return -1;
	}
	r->db = db;
	r->cb = cb;
	r->arg = arg;
	r->indexes = 1;		/* a guard while the reads start */
	for (p = 0; p < STORE_PARTITIONS; p++) {
		if ((pt = calloc(1, sizeof *pt)) == NULL) {
			r->failed = 1;
			continue;
		}
		pt->r = r;
		pt->p = p;
		snprintf(key, sizeof key, KEY_AWAITING, p);
		if (db_command(db, openlist_index_done, pt, "ZRANGE %s 0 -1",
		    key) == 0)
			r->indexes++;
		else {
			r->failed = 1;
			free(pt);
		}
	}
	if (--r->indexes == 0)
		openlist_pump(r);
	return 0;
}
