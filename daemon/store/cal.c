/*
 * cal.c: see cal.h.  A calendar's closures and its recompute job share
 * one hash, rd:cal:NAME, so every script here touches one key; a feed is
 * one hash, rd:feed:H.  Recomputing a conversation touches only its own
 * partition's keys (the record, its events, the awaiting index and the
 * due set), one script per conversation, so Redis never runs long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "io/db.h"
#include "store/cal.h"
#include "store/internal.h"
#include "store/keys.h"
#include "store/store.h"

#define CAL_MAX_CLOSURES	1024	/* handed back per calendar */
#define CAL_MAX_STEPS		64

/* The callback of a request, and its argument. */
struct cal_req {
	union {
		store_cal_state_cb	 state;
		store_cal_closures_cb	 closures;
		store_cal_claim_cb	 claim;
		store_cal_renew_cb	 renew;
		store_cal_ids_cb	 ids;
		store_cal_conv_cb	 conv;
		store_cal_recompute_cb	 recompute;
		store_feed_state_cb	 feed;
		store_feed_body_cb	 body;
		store_feed_lock_cb	 lock;
		store_feed_put_cb	 put;
	} cb;
	void	*arg;
	char	 id[32];
	int	 claim_takeover;
	size_t	 count;		/* a page of arrivals: its size */
	long	 offset;	/* and where it starts */
	int	 p;		/* its partition */
	int64_t	 from_ms, to_ms;
};

/* A request with its callback's argument; NULL when out of memory. */
static struct cal_req *
cal_req_new(void *arg)
{
	struct cal_req	*q;

	if ((q = calloc(1, sizeof *q)) != NULL)
		q->arg = arg;
	return q;
}

/* The error of a failed reply, or NULL when r is a usable reply. */
static const char *
cal_error(const redisReply *r, const char *err)
{
	if (r == NULL)
		return err != NULL ? err : "no reply";
	if (r->type == REDIS_REPLY_ERROR)
		return r->str != NULL ? r->str : "error";
	return NULL;
}

/* Copy a reply element's string into a buffer. */
static void
cal_copy(char *dst, size_t len, const redisReply *r)
{
	snprintf(dst, len, "%s", store_str(r));
}

/* The calendar's key. */
static void
cal_key(char *buf, size_t len, const char *calendar)
{
	snprintf(buf, len, KEY_CALENDAR, calendar);
}

/* A feed's key, from its URL. */
static void
cal_feed_key(char *buf, size_t len, const char *url)
{
	char	h[41];

	store_hash(url, strlen(url), h);
	snprintf(buf, len, KEY_FEED, h);
}

/* HMGET of the calendar's state answered. */
static void
cal_state_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req		*q = arg;
	struct store_cal_state	 st;
	const char		*e = cal_error(r, err);

	memset(&st, 0, sizeof st);
	if (e == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements != 9))
		e = "unexpected reply";
	if (e != NULL) {
		q->cb.state(NULL, e, q->arg);
		free(q);
		return;
	}
	st.rev = store_num(r->element[0]);
	cal_copy(st.why, sizeof st.why, r->element[1]);
	cal_copy(st.ver, sizeof st.ver, r->element[2]);
	st.seq = store_num(r->element[3]);
	st.done = store_num(r->element[4]);
	st.started_ms = store_num(r->element[5]);
	st.lease_ms = store_num(r->element[6]);
	cal_copy(st.owner, sizeof st.owner, r->element[7]);
	cal_copy(st.job_why, sizeof st.job_why, r->element[8]);
	q->cb.state(&st, NULL, q->arg);
	free(q);
}

/* The calendar's shared state. */
int
store_cal_state(struct db *db, const char *calendar, store_cal_state_cb cb,
    void *arg)
{
	struct cal_req	*q;
	char		 key[320];

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.state = cb;
	cal_key(key, sizeof key, calendar);
	if (db_command(db, cal_state_done, q, "HMGET %s rev why ver seq done "
	    "started lease owner job_why", key) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* Read "c:DATE" -> JSON pairs from elements [from, n) into closures. */
static size_t
cal_parse_closures(const redisReply *r, size_t from,
    struct store_cal_closure *out, size_t max)
{
	const redisReply	*k, *v;
	cJSON			*j;
	size_t			 i, n = 0;

	for (i = from; i + 1 < r->elements && n < max; i += 2) {
		k = r->element[i];
		v = r->element[i + 1];
		if (k->str == NULL || v->str == NULL ||
		    strncmp(k->str, "c:", 2) != 0 || strlen(k->str) != 12)
			continue;
		memset(&out[n], 0, sizeof out[n]);
		snprintf(out[n].date, sizeof out[n].date, "%s", k->str + 2);
		if ((j = cJSON_Parse(v->str)) != NULL) {
			snprintf(out[n].reason, sizeof out[n].reason, "%s",
			    cJSON_GetStringValue(cJSON_GetObjectItem(j,
			    "reason")) ? cJSON_GetStringValue(
			    cJSON_GetObjectItem(j, "reason")) : "");
			snprintf(out[n].by, sizeof out[n].by, "%s",
			    cJSON_GetStringValue(cJSON_GetObjectItem(j,
			    "by")) ? cJSON_GetStringValue(
			    cJSON_GetObjectItem(j, "by")) : "");
			out[n].at_ms = (int64_t)cJSON_GetNumberValue(
			    cJSON_GetObjectItem(j, "at"));
			if (out[n].at_ms < 0)
				out[n].at_ms = 0;
			cJSON_Delete(j);
		}
		n++;
	}
	return n;
}

/* HGETALL of the calendar answered: its closures and revision. */
static void
cal_closures_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req			*q = arg;
	struct store_cal_closure	*c;
	const char			*e = cal_error(r, err);
	int64_t				 rev = 0;
	size_t				 i, n;

	if (e == NULL && r->type != REDIS_REPLY_ARRAY)
		e = "unexpected reply";
	if (e != NULL || (c = calloc(CAL_MAX_CLOSURES, sizeof *c)) == NULL) {
		q->cb.closures(STORE_CAL_CLOSURE_FAILED, 0, NULL, 0, e ? e :
		    "out of memory", q->arg);
		free(q);
		return;
	}
	for (i = 0; i + 1 < r->elements; i += 2)
		if (r->element[i]->str != NULL &&
		    strcmp(r->element[i]->str, "rev") == 0)
			rev = store_num(r->element[i + 1]);
	n = cal_parse_closures(r, 0, c, CAL_MAX_CLOSURES);
	q->cb.closures(STORE_CAL_ADDED, rev, c, n, NULL, q->arg);
	free(c);
	free(q);
}

/* The calendar's unplanned closures. */
int
store_cal_closures(struct db *db, const char *calendar,
    store_cal_closures_cb cb, void *arg)
{
	struct cal_req	*q;
	char		 key[320];

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.closures = cb;
	cal_key(key, sizeof key, calendar);
	if (db_command(db, cal_closures_done, q, "HGETALL %s", key) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* A closure script answered: what it did, and the closures now. */
static void
cal_closure_changed(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req			*q = arg;
	struct store_cal_closure	*c = NULL;
	enum store_cal_closure_result	 res = STORE_CAL_CLOSURE_FAILED;
	const char			*e = cal_error(r, err), *s;
	size_t				 n = 0;

	if (e == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    (s = r->element[0]->str) == NULL))
		e = "unexpected reply";
	if (e == NULL) {
		if (strcmp(s, "added") == 0)
			res = STORE_CAL_ADDED;
		else if (strcmp(s, "replaced") == 0)
			res = STORE_CAL_REPLACED;
		else if (strcmp(s, "deleted") == 0)
			res = STORE_CAL_DELETED;
		else if (strcmp(s, "missing") == 0)
			res = STORE_CAL_MISSING;
		else
			e = "unexpected reply";
	}
	if (e == NULL && (c = calloc(CAL_MAX_CLOSURES, sizeof *c)) == NULL)
		e = "out of memory";
	if (e != NULL) {
		q->cb.closures(STORE_CAL_CLOSURE_FAILED, 0, NULL, 0, e, q->arg);
		free(q);
		return;
	}
	n = cal_parse_closures(r, 2, c, CAL_MAX_CLOSURES);
	q->cb.closures(res, store_num(r->element[1]), c, n, NULL, q->arg);
	free(c);
	free(q);
}

/* Add or replace an unplanned closure. */
int
store_cal_closure_add(struct db *db, const char *calendar,
    const struct store_cal_closure *c, const char *why,
    store_cal_closures_cb cb, void *arg)
{
	struct cal_req	*q;
	cJSON		*j;
	char		 key[320], *json;
	const char	*argv[4];
	int		 rc;

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.closures = cb;
	if ((j = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(j, "reason", c->reason) == NULL ||
	    cJSON_AddStringToObject(j, "by", c->by) == NULL ||
	    cJSON_AddNumberToObject(j, "at", (double)c->at_ms) == NULL ||
	    (json = cJSON_PrintUnformatted(j)) == NULL) {
		cJSON_Delete(j);
		free(q);
		return -1;
	}
	cJSON_Delete(j);
	cal_key(key, sizeof key, calendar);
	argv[0] = key;
	argv[1] = c->date;
	argv[2] = json;
	argv[3] = why;
	rc = store_run(db, "closure-add", cal_closure_changed, q, 4, argv,
	    NULL);
	free(json);
	if (rc == -1)
		free(q);
	return rc;
}

/* Remove an unplanned closure. */
int
store_cal_closure_del(struct db *db, const char *calendar, const char *date,
    const char *why, store_cal_closures_cb cb, void *arg)
{
	struct cal_req	*q;
	char		 key[320];
	const char	*argv[3];

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.closures = cb;
	cal_key(key, sizeof key, calendar);
	argv[0] = key;
	argv[1] = date;
	argv[2] = why;
	if (store_run(db, "closure-del", cal_closure_changed, q, 3, argv,
	    NULL) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* calclaim-1 or caltake-1 answered. */
static void
cal_claim_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req			*q = arg;
	enum store_cal_claim_result	 res = STORE_CAL_CLAIM_FAILED;
	const char			*e = cal_error(r, err), *s, *why = "";
	int64_t				 seq = 0, started = 0;

	if (e == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    (s = r->element[0]->str) == NULL))
		e = "unexpected reply";
	if (e == NULL) {
		if (q->claim_takeover) {
			/* {'mine', started, why} or {'no'} */
			if (strcmp(s, "mine") == 0 && r->elements == 3) {
				res = STORE_CAL_MINE;
				started = store_num(r->element[1]);
				why = store_str(r->element[2]);
			} else
				res = STORE_CAL_NOT_MINE;
		} else if (strcmp(s, "current") == 0 && r->elements == 5) {
			res = STORE_CAL_CURRENT;
			seq = store_num(r->element[1]);
			started = store_num(r->element[2]);
			why = store_str(r->element[4]);
		} else if (strcmp(s, "absent") == 0) {
			res = STORE_CAL_ABSENT;
		} else if (strcmp(s, "recorded") == 0 && r->elements == 2) {
			res = STORE_CAL_RECORDED;
			seq = store_num(r->element[1]);
		} else if (strcmp(s, "mine") == 0 && r->elements == 3) {
			res = STORE_CAL_MINE;
			seq = store_num(r->element[1]);
			started = store_num(r->element[2]);
		} else
			e = "unexpected reply";
	}
	q->cb.claim(res, seq, started, why, e, q->arg);
	free(q);
}

/* Claim the recompute of a calendar to a version. */
int
store_cal_claim(struct db *db, const char *calendar, const char *ver,
    const char *why, const char *owner, int64_t lease_ms,
    enum store_cal_first first, store_cal_claim_cb cb, void *arg)
{
	struct cal_req	*q;
	char		 key[320], lease[24];
	const char	*argv[6];

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.claim = cb;
	cal_key(key, sizeof key, calendar);
	snprintf(lease, sizeof lease, "%lld", (long long)lease_ms);
	argv[0] = key;
	argv[1] = ver;
	argv[2] = why;
	argv[3] = owner;
	argv[4] = lease;
	argv[5] = first == STORE_CAL_FIRST_PEEK ? "2" :
	    first == STORE_CAL_FIRST_RECORD ? "1" : "0";
	if (store_run(db, "calclaim", cal_claim_done, q, 6, argv,
	    NULL) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* The open conversations counted, partition by partition. */
struct cal_count {
	void	(*cb)(int, void *);
	void	 *arg;
	int	  pending;
	int	  n;
	int	  failed;
};

/* One ZCARD answered; after the last, hand the sum over. */
static void
cal_count_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_count	*c = arg;

	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		c->n += r->integer > 0;
	else if (r != NULL || err != NULL)
		c->failed = 1;
	if (--c->pending > 0)
		return;
	c->cb(c->failed ? -1 : c->n, c->arg);
	free(c);
}

/* Whether any partition holds an open conversation. */
int
store_cal_any_open(struct db *db, void (*cb)(int, void *), void *arg)
{
	struct cal_count	*c;
	char			 key[48];
	int			 p;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return -1;
	c->cb = cb;
	c->arg = arg;
	c->pending = 1;
	for (p = 0; p < STORE_PARTITIONS; p++) {
		snprintf(key, sizeof key, KEY_AWAITING, p);
		if (db_command(db, cal_count_done, c, "ZCARD %s", key) == 0)
			c->pending++;
		else
			c->failed = 1;
	}
	cal_count_done(db, NULL, NULL, c);	/* drop the guard */
	return 0;
}

/* Take over an abandoned job. */
int
store_cal_takeover(struct db *db, const char *calendar, int64_t seq,
    const char *ver, const char *owner, int64_t lease_ms,
    store_cal_claim_cb cb, void *arg)
{
	struct cal_req	*q;
	char		 key[320], lease[24], sq[24];
	const char	*argv[5];

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.claim = cb;
	q->claim_takeover = 1;
	cal_key(key, sizeof key, calendar);
	snprintf(sq, sizeof sq, "%lld", (long long)seq);
	snprintf(lease, sizeof lease, "%lld", (long long)lease_ms);
	argv[0] = key;
	argv[1] = sq;
	argv[2] = ver;
	argv[3] = owner;
	argv[4] = lease;
	if (store_run(db, "caltake", cal_claim_done, q, 5, argv,
	    NULL) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* calrenew-1 answered. */
static void
cal_renew_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req	*q = arg;
	const char	*e = cal_error(r, err);

	if (e == NULL && r->str == NULL)
		e = "unexpected reply";
	if (e != NULL)
		q->cb.renew(-1, e, q->arg);
	else
		q->cb.renew(strcmp(r->str, "ok") == 0, NULL, q->arg);
	free(q);
}

/* Renew a job's lease, or mark it finished. */
int
store_cal_renew(struct db *db, const char *calendar, int64_t seq,
    const char *owner, int64_t lease_ms, int finished,
    store_cal_renew_cb cb, void *arg)
{
	struct cal_req	*q;
	char		 key[320], lease[24], sq[24];
	const char	*argv[5];

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.renew = cb;
	cal_key(key, sizeof key, calendar);
	snprintf(sq, sizeof sq, "%lld", (long long)seq);
	snprintf(lease, sizeof lease, "%lld", (long long)lease_ms);
	argv[0] = key;
	argv[1] = sq;
	argv[2] = owner;
	argv[3] = lease;
	argv[4] = finished ? "1" : "0";
	if (store_run(db, "calrenew", cal_renew_done, q, 5, argv,
	    NULL) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* ZSCAN of an awaiting index answered: {cursor, [member, score, ...]}. */
static void
cal_scan_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req		*q = arg;
	const redisReply	*items;
	const char		*e = cal_error(r, err), **ids;
	const char		*next;
	size_t			 i, n = 0;

	if (e == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->str == NULL ||
	    r->element[1]->type != REDIS_REPLY_ARRAY))
		e = "unexpected reply";
	if (e != NULL || (ids = calloc(r->element[1]->elements / 2 + 1,
	    sizeof *ids)) == NULL) {
		q->cb.ids(NULL, 0, "", e ? e : "out of memory", q->arg);
		free(q);
		return;
	}
	items = r->element[1];
	for (i = 0; i + 1 < items->elements; i += 2)
		if (items->element[i]->str != NULL)
			ids[n++] = items->element[i]->str;
	next = strcmp(r->element[0]->str, "0") == 0 ? "" : r->element[0]->str;
	q->cb.ids(ids, n, next, NULL, q->arg);
	free(ids);
	free(q);
}

/* Walk a partition's awaiting index. */
int
store_cal_awaiting(struct db *db, int p, const char *cursor, size_t count,
    store_cal_ids_cb cb, void *arg)
{
	struct cal_req	*q;
	char		 key[48];

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.ids = cb;
	snprintf(key, sizeof key, KEY_AWAITING, p);
	/* hiredis's format knows no %zu. */
	if (db_command(db, cal_scan_done, q, "ZSCAN %s %s COUNT %lld", key,
	    cursor[0] != '\0' ? cursor : "0", (long long)count) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* ZRANGEBYSCORE of an older release's arrival index answered. */
static void
cal_arrived_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req	*q = arg;
	const char	*e = cal_error(r, err), **ids;
	char		 next[24];
	size_t		 i, n = 0;

	if (e == NULL && r->type != REDIS_REPLY_ARRAY)
		e = "unexpected reply";
	if (e != NULL || (ids = calloc(r->elements + 1,
	    sizeof *ids)) == NULL) {
		q->cb.ids(NULL, 0, "", e ? e : "out of memory", q->arg);
		free(q);
		return;
	}
	for (i = 0; i < r->elements; i++)
		if (r->element[i]->str != NULL)
			ids[n++] = r->element[i]->str;
	/* A full page may have more after it; after the last, the day
	 * ranges (from their first id). */
	snprintf(next, sizeof next, "d0");
	if (r->elements > 0 && r->elements == q->count)
		snprintf(next, sizeof next, "%ld", q->offset +
		    (long)r->elements);
	q->cb.ids(ids, n, next, NULL, q->arg);
	free(ids);
	free(q);
}

/* HGETALL of a partition's day ranges answered: a page of the ids they
 * give, from the one the cursor names. */
static void
cal_days_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req	*q = arg;
	const char	*e = cal_error(r, err), **ids = NULL;
	char		 next[24], (*buf)[32] = NULL;
	int64_t		 lo, hi, n, at;
	size_t		 k = 0;

	if (e == NULL && r->type != REDIS_REPLY_ARRAY)
		e = "unexpected reply";
	next[0] = '\0';
	if (e == NULL && store_days_range(r, q->from_ms, q->to_ms + 1, &lo,
	    &hi) == 0) {
		at = q->offset > lo ? q->offset : lo;
		if ((ids = calloc(q->count + 1, sizeof *ids)) == NULL ||
		    (buf = calloc(q->count + 1, sizeof *buf)) == NULL)
			e = "out of memory";
		for (n = at; e == NULL && n <= hi && k < q->count; n++) {
			snprintf(buf[k], sizeof buf[k], "%d-%lld", q->p,
			    (long long)n);
			ids[k] = buf[k];
			k++;
		}
		if (e == NULL && n <= hi)
			snprintf(next, sizeof next, "d%lld", (long long)n);
	}
	q->cb.ids(ids, k, next, e, q->arg);
	free(ids);
	free(buf);
	free(q);
}

/*
 * Ids that arrived in [from_ms, to_ms], a page at a time: first from the
 * arrival index an older release kept (cursor an offset, "0" to start),
 * then from the day ranges (cursor "dN": from id N on).  Ids from the day
 * ranges may name records that never were or arrived a little outside
 * the range: the caller reads each record.
 */
int
store_cal_arrived(struct db *db, int p, int64_t from_ms, int64_t to_ms,
    const char *cursor, size_t count, store_cal_ids_cb cb, void *arg)
{
	struct cal_req	*q;
	char		 key[48];
	long		 off = atol(cursor[0] == 'd' ? cursor + 1 : cursor);

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.ids = cb;
	q->count = count;
	q->offset = off;
	q->p = p;
	q->from_ms = from_ms;
	q->to_ms = to_ms;
	if (cursor[0] == 'd') {
		snprintf(key, sizeof key, KEY_DAYS, p);
		if (db_command(db, cal_days_done, q, "HGETALL %s", key) == -1) {
			free(q);
			return -1;
		}
		return 0;
	}
	snprintf(key, sizeof key, KEY_RECEIVED, p);
	if (db_command(db, cal_arrived_done, q, "ZRANGEBYSCORE %s %lld %lld "
	    "LIMIT %lld %lld", key, (long long)from_ms, (long long)to_ms,
	    (long long)off, (long long)count) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* HMGET of a record answered. */
static void
cal_conv_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req		*q = arg;
	struct store_cal_conv	 c;
	const char		*e = cal_error(r, err);

	memset(&c, 0, sizeof c);
	snprintf(c.id, sizeof c.id, "%s", q->id);
	if (e == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements != 8))
		e = "unexpected reply";
	if (e != NULL) {
		q->cb.conv(NULL, e, q->arg);
		free(q);
		return;
	}
	c.found = r->element[0]->str != NULL;
	cal_copy(c.state, sizeof c.state, r->element[0]);
	cal_copy(c.team, sizeof c.team, store_either(r, 1, 6));
	c.received_ms = store_num(store_either(r, 2, 7));
	cal_copy(c.deadline, sizeof c.deadline, r->element[3]);
	c.deadline_ms = store_num(r->element[3]);
	c.step = (int)store_num(r->element[4]);
	cal_copy(c.cal, sizeof c.cal, r->element[5]);
	q->cb.conv(&c, NULL, q->arg);
	free(q);
}

/* What a recompute needs of one record. */
int
store_cal_conv(struct db *db, const char *id, store_cal_conv_cb cb,
    void *arg)
{
	struct cal_req	*q;
	char		 key[160];
	int		 p;

	if ((p = store_id_partition(id)) == -1 ||
	    (q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.conv = cb;
	snprintf(q->id, sizeof q->id, "%s", id);
	snprintf(key, sizeof key, KEY_CONV, p, id);
	if (db_command(db, cal_conv_done, q, "HMGET %s state " REC_TEAM " "
	    REC_RECEIVED " deadline step cal " REC_TEAM_OLD " " REC_RECEIVED_OLD,
	    key) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* recompute-5 answered. */
static void
cal_recompute_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req			*q = arg;
	enum store_cal_recompute_result	 res = STORE_CAL_RC_FAILED;
	const char			*e = cal_error(r, err);

	if (e == NULL && r->str == NULL)
		e = "unexpected reply";
	if (e == NULL) {
		if (strcmp(r->str, "closed") == 0)
			res = STORE_CAL_RC_CLOSED;
		else if (strcmp(r->str, "current") == 0)
			res = STORE_CAL_RC_CURRENT;
		else if (strcmp(r->str, "moved") == 0)
			res = STORE_CAL_RC_MOVED;
		else if (strcmp(r->str, "same") == 0)
			res = STORE_CAL_RC_SAME;
		else if (strcmp(r->str, "changed") == 0)
			res = STORE_CAL_RC_CHANGED;
		else
			e = "unexpected reply";
	}
	q->cb.recompute(res, e, q->arg);
	free(q);
}

/* Move a conversation to new calendar data. */
int
store_cal_recompute(struct db *db, const struct store_cal_recompute *rc,
    store_cal_recompute_cb cb, void *arg)
{
	struct cal_req	*q;
	const char	*argv[5 + 10 + 2 * CAL_MAX_STEPS];
	char		 k[5][160], seq[24], dl[24], nsteps[16];
	char		 due[CAL_MAX_STEPS][24];
	size_t		 i, ns = rc->nsteps < CAL_MAX_STEPS ? rc->nsteps :
			    CAL_MAX_STEPS;
	int		 p, argc = 0;

	if ((p = store_id_partition(rc->id)) == -1 ||
	    (q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.recompute = cb;
	snprintf(k[0], sizeof k[0], KEY_CONV, p, rc->id);
	snprintf(k[1], sizeof k[1], KEY_EVENTS, p, rc->id);
	snprintf(k[2], sizeof k[2], KEY_AWAITING, p);
	snprintf(k[3], sizeof k[3], KEY_DUE, p);
	snprintf(k[4], sizeof k[4], KEY_STATS, p);
	snprintf(seq, sizeof seq, "%lld", (long long)rc->seq);
	snprintf(dl, sizeof dl, "%lld", (long long)rc->deadline_ms);
	snprintf(nsteps, sizeof nsteps, "%zu", ns);
	for (i = 0; i < 5; i++)
		argv[argc++] = k[i];
	argv[argc++] = rc->id;
	argv[argc++] = rc->calendar;
	argv[argc++] = seq;
	argv[argc++] = rc->read_deadline;
	argv[argc++] = dl;
	argv[argc++] = rc->old_text;
	argv[argc++] = rc->new_text;
	argv[argc++] = rc->why;
	argv[argc++] = rc->team;
	argv[argc++] = nsteps;
	for (i = 0; i < ns; i++) {
		snprintf(due[i], sizeof due[i], "%lld",
		    (long long)rc->due_ms[i]);
		argv[argc++] = due[i];
		argv[argc++] = rc->due_text[i];
	}
	if (store_run(db, "recompute", cal_recompute_done, q, argc, argv,
	    NULL) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* HMGET of a feed's state answered. */
static void
cal_feed_state_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req		*q = arg;
	struct store_feed_state	 st;
	const char		*e = cal_error(r, err);

	memset(&st, 0, sizeof st);
	if (e == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements != 6))
		e = "unexpected reply";
	if (e != NULL) {
		q->cb.feed(NULL, e, q->arg);
		free(q);
		return;
	}
	cal_copy(st.sha, sizeof st.sha, r->element[0]);
	st.rev = store_num(r->element[1]);
	st.fetched_ms = store_num(r->element[2]);
	st.next_ms = store_num(r->element[3]);
	st.failed_ms = store_num(r->element[4]);
	cal_copy(st.error, sizeof st.error, r->element[5]);
	q->cb.feed(&st, NULL, q->arg);
	free(q);
}

/* A feed's shared state. */
int
store_feed_state(struct db *db, const char *url, store_feed_state_cb cb,
    void *arg)
{
	struct cal_req	*q;
	char		 key[64];

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.feed = cb;
	cal_feed_key(key, sizeof key, url);
	if (db_command(db, cal_feed_state_done, q, "HMGET %s sha rev "
	    "fetched_at next_at failed_at error", key) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* HMGET of a feed's body answered. */
static void
cal_feed_body_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req	*q = arg;
	const char	*e = cal_error(r, err);

	if (e == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements != 2))
		e = "unexpected reply";
	if (e != NULL)
		q->cb.body(NULL, 0, "", e, q->arg);
	else
		q->cb.body(r->element[0]->str, r->element[0]->str != NULL ?
		    r->element[0]->len : 0, store_str(r->element[1]), NULL,
		    q->arg);
	free(q);
}

/* The stored body of a feed (NULL in the callback when there is none). */
int
store_feed_body(struct db *db, const char *url, store_feed_body_cb cb,
    void *arg)
{
	struct cal_req	*q;
	char		 key[64];

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.body = cb;
	cal_feed_key(key, sizeof key, url);
	if (db_command(db, cal_feed_body_done, q, "HMGET %s body sha",
	    key) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* feed-lock-1 answered. */
static void
cal_feed_lock_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req			*q = arg;
	enum store_feed_lock_result	 res = STORE_FEED_LOCK_FAILED;
	const char			*e = cal_error(r, err);

	if (e == NULL && r->str == NULL)
		e = "unexpected reply";
	if (e == NULL) {
		if (strcmp(r->str, "ok") == 0)
			res = STORE_FEED_LOCKED;
		else if (strcmp(r->str, "notdue") == 0)
			res = STORE_FEED_NOT_DUE;
		else if (strcmp(r->str, "busy") == 0)
			res = STORE_FEED_BUSY;
		else
			e = "unexpected reply";
	}
	q->cb.lock(res, e, q->arg);
	free(q);
}

/* Take the right to fetch a feed that is due. */
int
store_feed_lock(struct db *db, const char *url, const char *owner,
    int64_t lock_ms, store_feed_lock_cb cb, void *arg)
{
	struct cal_req	*q;
	char		 key[64], ms[24];
	const char	*argv[3];

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.lock = cb;
	cal_feed_key(key, sizeof key, url);
	snprintf(ms, sizeof ms, "%lld", (long long)lock_ms);
	argv[0] = key;
	argv[1] = owner;
	argv[2] = ms;
	if (store_run(db, "feed-lock", cal_feed_lock_done, q, 3, argv,
	    NULL) == -1) {
		free(q);
		return -1;
	}
	return 0;
}

/* feed-put-1 answered. */
static void
cal_feed_put_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct cal_req			*q = arg;
	enum store_feed_put_result	 res = STORE_FEED_PUT_FAILED;
	const char			*e = cal_error(r, err), *s;

	if (e == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    (s = r->element[0]->str) == NULL))
		e = "unexpected reply";
	if (e == NULL) {
		if (strcmp(s, "updated") == 0)
			res = STORE_FEED_UPDATED;
		else if (strcmp(s, "unchanged") == 0)
			res = STORE_FEED_UNCHANGED;
		else if (strcmp(s, "failed") == 0)
			res = STORE_FEED_FAILED_KEPT;
		else
			e = "unexpected reply";
	}
	q->cb.put(res, e == NULL ? store_num(r->element[1]) : 0,
	    e == NULL ? store_str(r->element[2]) : "", e, q->arg);
	free(q);
}

/* Record a fetch's outcome. */
int
store_feed_put(struct db *db, const char *url, int valid,
    const char *body_or_error, size_t len, int64_t next_ms,
    store_feed_put_cb cb, void *arg)
{
	struct cal_req	*q;
	char		 key[64], ms[24];
	const char	*argv[5];
	size_t		 lens[5];
	int		 i;

	if ((q = cal_req_new(arg)) == NULL)
		return -1;
	q->cb.put = cb;
	cal_feed_key(key, sizeof key, url);
	snprintf(ms, sizeof ms, "%lld", (long long)next_ms);
	argv[0] = key;
	argv[1] = valid ? "valid" : "failed";
	argv[2] = url;
	argv[3] = ms;
	argv[4] = body_or_error != NULL ? body_or_error : "";
	for (i = 0; i < 4; i++)
		lens[i] = strlen(argv[i]);
	lens[4] = body_or_error != NULL ? len : 0;
	if (store_run(db, "feed-put", cal_feed_put_done, q, 5, argv,
	    lens) == -1) {
		free(q);
		return -1;
	}
	return 0;
}
