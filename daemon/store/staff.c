/*
 * staff.c: see staff.h.  The codes of a person are one hash,
 * rd:codes:PERSON (code -> conversation, "last" -> the latest code); an
 * alert code is given by code-1, after this file has read which of the
 * person's alerts are closed (their records are in the conversations'
 * partitions, which a script on the codes hash may not touch).  The
 * throttle is throttle-4 on the sets of one phone, which share a slot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "io/db.h"
#include "store/internal.h"
#include "store/keys.h"
#include "store/staff.h"
#include "store/store.h"

#define STAFF_CODES_TTL		(14 * 86400)	/* older alerts are stale */
#define STAFF_MAX_CODES		256		/* read at most this many */
/*
 * Whether an alert is closed is checked for the lowest codes only, so a
 * person with hundreds of open alerts costs a bounded number of reads per
 * alert; past these, codes are not reused until the hash expires (a
 * number a little larger than the smallest free one: still unique).
 */
#define STAFF_CHECK_CODES	32
#define STAFF_SMS_WINDOW_MS	"3600000"

/* A code being given. */
struct staff_code {
	struct db	*db;
	store_code_cb	 cb;
	void		*arg;
	char		*person;
	char		 conv[32];
	int64_t		 now_ms;
	int		 pending;
	int		 failed;
	size_t		 n;
	struct {
		char	 code[16];
		char	 conv[32];
		int	 closed;
	} open[STAFF_MAX_CODES];
};

/* Free a code request. */
static void
staff_code_free(struct staff_code *sc)
{
	free(sc->person);
	free(sc);
}

/* code-1 answered with the code. */
static void
staff_code_given(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct staff_code	*sc = arg;

	sc->cb(r != NULL && r->type == REDIS_REPLY_INTEGER ?
	    (int)r->integer : -1, sc->arg);
	staff_code_free(sc);
}

/* Every open alert is checked: free the closed ones, give the code. */
static void
staff_code_release(struct staff_code *sc)
{
	const char	*argv[3 + 2 * STAFF_MAX_CODES];
	char		 key[192], ttl[16];
	size_t		 i;
	int		 argc = 0;

	if (--sc->pending > 0)
		return;
	if (sc->failed) {
		sc->cb(-1, sc->arg);
		staff_code_free(sc);
		return;
	}
	snprintf(key, sizeof key, KEY_CODES, sc->person);
	snprintf(ttl, sizeof ttl, "%d", STAFF_CODES_TTL);
	argv[argc++] = key;
	argv[argc++] = sc->conv;
	argv[argc++] = ttl;
	for (i = 0; i < sc->n; i++)
		if (sc->open[i].closed) {
			argv[argc++] = sc->open[i].code;
			argv[argc++] = sc->open[i].conv;
		}
	if (store_run(sc->db, "code", staff_code_given, sc, argc, argv,
	    NULL) == -1) {
		sc->cb(-1, sc->arg);
		staff_code_free(sc);
	}
}

/* One alert's conversation answered: closed when it is no longer
 * awaiting (or gone) or someone has it now. */
struct staff_code_item {
	struct staff_code	*sc;
	size_t			 i;
};

static void
staff_code_checked(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct staff_code_item	*ci = arg;
	struct staff_code	*sc = ci->sc;
	const char		*state;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
		sc->failed = 1;
	else {
		state = r->element[0]->str;
		sc->open[ci->i].closed = state == NULL ||
		    strcmp(state, "awaiting") != 0 ||
		    store_num(r->element[1]) > sc->now_ms;
	}
	free(ci);
	staff_code_release(sc);
}

/* Order alerts by code, lowest first. */
static int
staff_code_cmp(const void *a, const void *b)
{
	const char	*ca = a, *cb = b;	/* each starts with its code */
	long		 na = atol(ca), nb = atol(cb);

	return na < nb ? -1 : na > nb;
}

/* The person's codes answered: check the lowest alerts' conversations. */
static void
staff_code_read(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct staff_code	*sc = arg;
	struct staff_code_item	*ci;
	const char		*code, *conv;
	char			 kc[160];
	size_t			 i;
	int			 p;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		sc->failed = 1;
		staff_code_release(sc);
		return;
	}
	for (i = 0; i + 1 < r->elements && sc->n < STAFF_MAX_CODES; i += 2) {
		code = r->element[i]->str;
		conv = r->element[i + 1]->str;
		if (code == NULL || conv == NULL || strcmp(code, "last") == 0 ||
		    strlen(code) >= sizeof sc->open[0].code ||
		    strlen(conv) >= sizeof sc->open[0].conv ||
		    strcmp(conv, sc->conv) == 0)
			continue;
		snprintf(sc->open[sc->n].code, sizeof sc->open[0].code, "%s",
		    code);
		snprintf(sc->open[sc->n].conv, sizeof sc->open[0].conv, "%s",
		    conv);
		sc->open[sc->n].closed = 0;
		sc->n++;
	}
	/* The lowest codes first: those are the ones worth freeing. */
	qsort(sc->open, sc->n, sizeof sc->open[0], staff_code_cmp);
	for (i = 0; i < sc->n && i < STAFF_CHECK_CODES; i++) {
		if ((p = store_id_partition(sc->open[i].conv)) == -1) {
			sc->open[i].closed = 1;
			continue;
		}
		if ((ci = calloc(1, sizeof *ci)) == NULL) {
			sc->failed = 1;
			break;
		}
		ci->sc = sc;
		ci->i = i;
		snprintf(kc, sizeof kc, KEY_CONV, p, sc->open[i].conv);
		if (db_command(sc->db, staff_code_checked, ci, "HMGET %s state "
		    "ack_until", kc) == -1) {
			free(ci);
			sc->failed = 1;
			break;
		}
		sc->pending++;
	}
	staff_code_release(sc);
}

/* Give person's alert about conv its code. */
int
store_staff_code(struct db *db, const char *person, const char *conv,
    int64_t now_ms, store_code_cb cb, void *arg)
{
	struct staff_code	*sc;
	char			 key[192];

	if (strlen(conv) >= sizeof sc->conv ||
	    (sc = calloc(1, sizeof *sc)) == NULL)
		return -1;
	if ((sc->person = strdup(person)) == NULL) {
		free(sc);
		return -1;
	}
	sc->db = db;
	sc->cb = cb;
	sc->arg = arg;
	sc->now_ms = now_ms;
	sc->pending = 1;
	snprintf(sc->conv, sizeof sc->conv, "%s", conv);
	snprintf(key, sizeof key, KEY_CODES, person);
	if (db_command(db, staff_code_read, sc, "HGETALL %s", key) == -1) {
		staff_code_free(sc);
		return -1;
	}
	return 0;
}

/* A request with one callback. */
struct staff_req {
	union {
		store_code_find_cb	 find;
		store_flag_cb		 flag;
		store_throttle_cb	 throttle;
	} cb;
	void	*arg;
	int	 code;
};

/* code-find-1 answered: {conversation or '', code}. */
static void
staff_find_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct staff_req	*rq = arg;
	const char		*conv;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
		rq->cb.find(NULL, 0, 1, rq->arg);
	else {
		conv = store_str(r->element[0]);
		rq->cb.find(conv[0] != '\0' ? conv : NULL,
		    (int)store_num(r->element[1]), 0, rq->arg);
	}
	free(rq);
}

/* The conversation of an alert code. */
int
store_staff_code_find(struct db *db, const char *person, int code,
    store_code_find_cb cb, void *arg)
{
	struct staff_req	*rq;
	char			 key[192], c[16];
	const char		*argv[2];

	if ((rq = calloc(1, sizeof *rq)) == NULL)
		return -1;
	rq->cb.find = cb;
	rq->arg = arg;
	snprintf(key, sizeof key, KEY_CODES, person);
	snprintf(c, sizeof c, "%d", code > 0 ? code : 0);
	argv[0] = key;
	argv[1] = c;
	if (store_run(db, "code-find", staff_find_done, rq, 2, argv,
	    NULL) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}

/* A yes/no command answered (EXISTS, SET NX). */
static void
staff_flag_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct staff_req	*rq = arg;
	int			 answer = -1;

	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		answer = r->integer > 0;		/* EXISTS */
	else if (r != NULL && r->type == REDIS_REPLY_STATUS)
		answer = 1;				/* SET NX: OK */
	else if (r != NULL && r->type == REDIS_REPLY_NIL)
		answer = 0;				/* SET NX: was set */
	rq->cb.flag(answer, rq->arg);
	free(rq);
}

/* A flag request. */
static struct staff_req *
staff_flag_req(store_flag_cb cb, void *arg)
{
	struct staff_req	*rq;

	if ((rq = calloc(1, sizeof *rq)) != NULL) {
		rq->cb.flag = cb;
		rq->arg = arg;
	}
	return rq;
}

/* Whether a staff text was handled already. */
int
store_staff_seen(struct db *db, const char *provider, const char *id,
    store_flag_cb cb, void *arg)
{
	struct staff_req	*rq;
	char			 h[41], key[192];

	if ((rq = staff_flag_req(cb, arg)) == NULL)
		return -1;
	store_hash(id, strlen(id), h);
	snprintf(key, sizeof key, KEY_STAFF_SEEN, provider, h);
	if (db_command(db, staff_flag_done, rq, "EXISTS %s", key) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}

/* Note a staff text as handled. */
int
store_staff_mark(struct db *db, const char *provider, const char *id,
    int ttl, store_flag_cb cb, void *arg)
{
	struct staff_req	*rq;
	char			 h[41], key[192];

	if ((rq = staff_flag_req(cb, arg)) == NULL)
		return -1;
	store_hash(id, strlen(id), h);
	snprintf(key, sizeof key, KEY_STAFF_SEEN, provider, h);
	if (db_command(db, staff_flag_done, rq, "SET %s 1 NX EX %d", key,
	    ttl) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}

/* Whether a help text may go to phone now. */
int
store_staff_help(struct db *db, const char *phone, int ttl, store_flag_cb cb,
    void *arg)
{
	struct staff_req	*rq;
	char			 h[41], key[96];

	if ((rq = staff_flag_req(cb, arg)) == NULL)
		return -1;
	store_hash(phone, strlen(phone), h);
	snprintf(key, sizeof key, KEY_HELP, h);
	if (db_command(db, staff_flag_done, rq, "SET %s 1 NX EX %d", key,
	    ttl) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}

/* throttle-4 answered: {wording, count} or {0, why}. */
static void
staff_throttle_done(struct db *db, redisReply *r, const char *err,
    void *arg)
{
	struct staff_req	*rq = arg;
	int64_t			 w;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
		rq->cb.throttle(-2, "storage failed", rq->arg);
	else if ((w = store_num(r->element[0])) >= 1 &&
	    w <= STORE_SMS_WORDINGS)
		rq->cb.throttle((int)w - 1, NULL, rq->arg);
	else
		rq->cb.throttle(-1, strcmp(store_str(r->element[1]),
		    "identical") == 0 ? "identical" : "hour", rq->arg);
	free(rq);
}

/* Whether one more text may go to phone, and in which wording. */
int
store_sms_throttle(struct db *db, const char *phone,
    const char *const texts[STORE_SMS_WORDINGS], int max_hour, int max_same,
    store_throttle_cb cb, void *arg)
{
	struct staff_req	*rq;
	char			 ph[41], th[41], keys[1 + STORE_SMS_WORDINGS][96];
	char			 mh[16], ms[16];
	const char		*argv[1 + STORE_SMS_WORDINGS + 3];
	int			 i;

	if ((rq = calloc(1, sizeof *rq)) == NULL)
		return -1;
	rq->cb.throttle = cb;
	rq->arg = arg;
	store_hash(phone, strlen(phone), ph);
	snprintf(keys[0], sizeof keys[0], KEY_SMS_ALL, ph);
	argv[0] = keys[0];
	for (i = 0; i < STORE_SMS_WORDINGS; i++) {
		store_hash(texts[i], strlen(texts[i]), th);
		snprintf(keys[i + 1], sizeof keys[i + 1], KEY_SMS_SAME, ph, th);
		argv[i + 1] = keys[i + 1];
	}
	snprintf(mh, sizeof mh, "%d", max_hour);
	snprintf(ms, sizeof ms, "%d", max_same);
	argv[1 + STORE_SMS_WORDINGS] = mh;
	argv[2 + STORE_SMS_WORDINGS] = ms;
	argv[3 + STORE_SMS_WORDINGS] = STAFF_SMS_WINDOW_MS;
	if (store_run(db, "throttle", staff_throttle_done, rq,
	    4 + STORE_SMS_WORDINGS, argv, NULL) == -1) {
		free(rq);
		return -1;
	}
	return 0;
}
