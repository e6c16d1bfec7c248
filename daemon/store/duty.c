/*
 * duty.c: see duty.h.  The keys are outside the partitions (keys.h): a
 * team's overrides are one hash, rd:duty:TEAM, with fields DATE:worker and
 * DATE:manager; the absences are one hash, rd:absences, person -> JSON
 * array of [id, from ms, to ms], with ids from the counter
 * rd:absences:seq.  Every script touches keys of one slot only: an
 * acknowledgement the conversation's record and audit trail (its
 * partition's), the absence scripts the absences hash alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "io/db.h"
#include "store/duty.h"
#include "store/internal.h"
#include "store/keys.h"
#include "store/store.h"

/* The callback of a request, and its argument. */
struct duty_req {
	union {
		store_ack_cb		 ack;
		store_duty_cb		 get;
		store_duty_done_cb	 done;
		store_absences_cb	 list;
		store_absence_del_cb	 del;
		store_ack_held_cb	 held;
		store_absent_cb		 absent;
		store_duty_days_cb	 days;
	} cb;
	void	*arg;
	int64_t	 at_ms;
};

/* A request with its callback; NULL when out of memory. */
static struct duty_req *
duty_req_new(void *arg)
{
	struct duty_req	*d;

	if ((d = calloc(1, sizeof *d)) != NULL)
		d->arg = arg;
	return d;
}

/* A script's or command's reply is a plain string or status. */
static int
duty_is_str(const redisReply *r)
{
	return r != NULL && r->str != NULL && (r->type == REDIS_REPLY_STRING ||
	    r->type == REDIS_REPLY_STATUS);
}

/* The ack script answered. */
static void
duty_ack_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct duty_req		*d = arg;
	enum store_ack_result	 res = STORE_ACK_FAILED;

	if (duty_is_str(r)) {
		if (strcmp(r->str, "ok") == 0)
			res = STORE_ACK_OK;
		else if (strcmp(r->str, "already") == 0)
			res = STORE_ACK_ALREADY;
		else if (strcmp(r->str, "missing") == 0)
			res = STORE_ACK_MISSING;
	}
	d->cb.ack(res, d->arg);
	free(d);
}

/* Acknowledge an awaiting conversation. */
int
store_ack(struct db *db, const char *id, const char *by, int64_t until_ms,
    store_ack_cb cb, void *arg)
{
	struct duty_req	*d;
	char		 kc[160], ke[160], until[24];
	const char	*argv[4];
	int		 p;

	if ((p = store_id_partition(id)) == -1 || (d = duty_req_new(arg)) ==
	    NULL)
		return -1;
	d->cb.ack = cb;
	snprintf(kc, sizeof kc, KEY_CONV, p, id);
	snprintf(ke, sizeof ke, KEY_EVENTS, p, id);
	snprintf(until, sizeof until, "%lld", (long long)until_ms);
	argv[0] = kc;
	argv[1] = ke;
	argv[2] = by;
	argv[3] = until;
	if (store_run(db, "ack", duty_ack_done, d, 4, argv, NULL) == -1) {
		free(d);
		return -1;
	}
	return 0;
}

/* The ack script answered a take by text. */
static void
duty_ack_text_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct duty_req		*d = arg;
	enum store_ack_result	 res = STORE_ACK_FAILED;

	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
	    strcmp(store_str(r->element[0]), "held") == 0) {
		d->cb.held(STORE_ACK_HELD, store_str(r->element[1]),
		    store_num(r->element[2]), d->arg);
		free(d);
		return;
	}
	if (duty_is_str(r)) {
		if (strcmp(r->str, "ok") == 0)
			res = STORE_ACK_OK;
		else if (strcmp(r->str, "already") == 0)
			res = STORE_ACK_ALREADY;
		else if (strcmp(r->str, "missing") == 0)
			res = STORE_ACK_MISSING;
	}
	d->cb.held(res, NULL, 0, d->arg);
	free(d);
}

/* Take a conversation by text, unless another person holds it. */
int
store_ack_text(struct db *db, const char *id, const char *by,
    int64_t until_ms, store_ack_held_cb cb, void *arg)
{
	struct duty_req	*d;
	char		 kc[160], ke[160], until[24];
	const char	*argv[6];
	int		 p;

	if ((p = store_id_partition(id)) == -1 || (d = duty_req_new(arg)) ==
	    NULL)
		return -1;
	d->cb.held = cb;
	snprintf(kc, sizeof kc, KEY_CONV, p, id);
	snprintf(ke, sizeof ke, KEY_EVENTS, p, id);
	snprintf(until, sizeof until, "%lld", (long long)until_ms);
	argv[0] = kc;
	argv[1] = ke;
	argv[2] = by;
	argv[3] = until;
	argv[4] = "1";
	argv[5] = "sms";
	if (store_run(db, "ack", duty_ack_text_done, d, 6, argv, NULL) == -1) {
		free(d);
		return -1;
	}
	return 0;
}

/* HMGET of a date's overrides answered. */
static void
duty_get_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct duty_req		*d = arg;
	struct store_duty	 duty;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
		d->cb.get(NULL, d->arg);
	else {
		duty.worker = r->element[0]->str;
		duty.manager = r->element[1]->str;
		d->cb.get(&duty, d->arg);
	}
	free(d);
}

/* A team's overrides for a date. */
int
store_duty_get(struct db *db, const char *team, const char *date,
    store_duty_cb cb, void *arg)
{
	struct duty_req	*d;

	if ((d = duty_req_new(arg)) == NULL)
		return -1;
	d->cb.get = cb;
	if (db_command(db, duty_get_done, d, "HMGET " KEY_DUTY " %s:worker "
	    "%s:manager", team, date, date) == -1) {
		free(d);
		return -1;
	}
	return 0;
}

/* HMGET of several dates' overrides answered. */
static void
duty_days_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct duty_req		*d = arg;
	struct store_duty	 duty[STORE_DUTY_DAYS];
	size_t			 i, n;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements % 2 ||
	    (n = r->elements / 2) > STORE_DUTY_DAYS)
		d->cb.days(NULL, 0, d->arg);
	else {
		for (i = 0; i < n; i++) {
			duty[i].worker = r->element[2 * i]->str;
			duty[i].manager = r->element[2 * i + 1]->str;
		}
		d->cb.days(duty, n, d->arg);
	}
	free(d);
}

/* A team's overrides for several dates: one HMGET. */
int
store_duty_days(struct db *db, const char *team, const char *const *dates,
    size_t n, store_duty_days_cb cb, void *arg)
{
	struct duty_req	*d;
	const char	*argv[2 + 2 * STORE_DUTY_DAYS];
	char		 key[192], fields[2 * STORE_DUTY_DAYS][32];
	size_t		 i;

	if (n == 0 || n > STORE_DUTY_DAYS || (d = duty_req_new(arg)) == NULL)
		return -1;
	d->cb.days = cb;
	snprintf(key, sizeof key, KEY_DUTY, team);
	argv[0] = "HMGET";
	argv[1] = key;
	for (i = 0; i < n; i++) {
		snprintf(fields[2 * i], sizeof fields[0], "%s:worker",
		    dates[i]);
		snprintf(fields[2 * i + 1], sizeof fields[0], "%s:manager",
		    dates[i]);
		argv[2 + 2 * i] = fields[2 * i];
		argv[3 + 2 * i] = fields[2 * i + 1];
	}
	if (db_commandv(db, duty_days_done, d, (int)(2 + 2 * n), argv,
	    NULL) == -1) {
		free(d);
		return -1;
	}
	return 0;
}

/* A write that only needs a status check answered. */
static void
duty_written(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct duty_req	*d = arg;

	d->cb.done(r == NULL || r->type == REDIS_REPLY_ERROR, d->arg);
	free(d);
}

/* Set a team's overrides for a date. */
int
store_duty_set(struct db *db, const char *team, const char *date,
    const char *worker, const char *manager, store_duty_done_cb cb,
    void *arg)
{
	struct duty_req	*d;
	int		 rc;

	if ((worker == NULL && manager == NULL) ||
	    (d = duty_req_new(arg)) == NULL)
		return -1;
	d->cb.done = cb;
	if (worker != NULL && manager != NULL)
		rc = db_command(db, duty_written, d, "HSET " KEY_DUTY
		    " %s:worker %s %s:manager %s", team, date, worker, date,
		    manager);
	else
		rc = db_command(db, duty_written, d, "HSET " KEY_DUTY " %s:%s "
		    "%s", team, date, worker != NULL ? "worker" : "manager",
		    worker != NULL ? worker : manager);
	if (rc == -1) {
		free(d);
		return -1;
	}
	return 0;
}

/* Set both of a team's overrides for a date in one step. */
int
store_duty_put(struct db *db, const char *team, const char *date,
    const char *worker, const char *manager, store_duty_done_cb cb,
    void *arg)
{
	struct duty_req	*d;
	char		 key[192];
	const char	*argv[4];

	if ((d = duty_req_new(arg)) == NULL)
		return -1;
	d->cb.done = cb;
	snprintf(key, sizeof key, KEY_DUTY, team);
	argv[0] = key;
	argv[1] = date;
	argv[2] = worker != NULL ? worker : "";
	argv[3] = manager != NULL ? manager : "";
	if (store_run(db, "duty-put", duty_written, d, 4, argv, NULL) == -1) {
		free(d);
		return -1;
	}
	return 0;
}

/* Remove both of a team's overrides for a date. */
int
store_duty_clear(struct db *db, const char *team, const char *date,
    store_duty_done_cb cb, void *arg)
{
	struct duty_req	*d;

	if ((d = duty_req_new(arg)) == NULL)
		return -1;
	d->cb.done = cb;
	if (db_command(db, duty_written, d, "HDEL " KEY_DUTY " %s:worker "
	    "%s:manager", team, date, date) == -1) {
		free(d);
		return -1;
	}
	return 0;
}

/* An absence being added. */
struct duty_absence_req {
	struct db		*db;
	store_absence_added_cb	 cb;
	void			*arg;
	char			*person;
	int64_t			 from_ms, to_ms;
};

/* Free an absence being added. */
static void
duty_absence_req_free(struct duty_absence_req *a)
{
	free(a->person);
	free(a);
}

/* The absence-add script answered with the id. */
static void
duty_absence_added(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct duty_absence_req	*a = arg;

	if (r == NULL || r->type != REDIS_REPLY_INTEGER)
		a->cb(0, 1, a->arg);
	else
		a->cb(r->integer, 0, a->arg);
	duty_absence_req_free(a);
}

/* The new id is taken: store the range under it.  Should this fail, the
 * id is never used, which is all that happens. */
static void
duty_absence_id(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct duty_absence_req	*a = arg;
	char			 id[24], f[24], t[24];
	const char		*argv[5];

	if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
		a->cb(0, 1, a->arg);
		duty_absence_req_free(a);
		return;
	}
	snprintf(id, sizeof id, "%lld", (long long)r->integer);
	snprintf(f, sizeof f, "%lld", (long long)a->from_ms);
	snprintf(t, sizeof t, "%lld", (long long)a->to_ms);
	argv[0] = KEY_ABSENCES;
	argv[1] = a->person;
	argv[2] = id;
	argv[3] = f;
	argv[4] = t;
	if (store_run(a->db, "absence-add", duty_absence_added, a, 5, argv,
	    NULL) == -1) {
		a->cb(0, 1, a->arg);
		duty_absence_req_free(a);
	}
}

/* Add an absence of a person: take an id, then store the range.  The
 * counter and the hash are in different slots, so they are two steps. */
int
store_absence_add(struct db *db, const char *person, int64_t from_ms,
    int64_t to_ms, store_absence_added_cb cb, void *arg)
{
	struct duty_absence_req	*a;

	if ((a = calloc(1, sizeof *a)) == NULL)
		return -1;
	a->db = db;
	a->cb = cb;
	a->arg = arg;
	a->from_ms = from_ms;
	a->to_ms = to_ms;
	if ((a->person = strdup(person)) == NULL ||
	    db_command(db, duty_absence_id, a, "INCR " KEY_ABSENCE_SEQ) == -1) {
		duty_absence_req_free(a);
		return -1;
	}
	return 0;
}

/* A number of a stored range as an int64 (0 when it is not one). */
static int64_t
duty_range_num(const cJSON *n)
{
	double	v;

	if (!cJSON_IsNumber(n))
		return 0;
	v = n->valuedouble;
	/* Far beyond any calendar, and no undefined conversion. */
	if (!(v > -9.0e15 && v < 9.0e15))
		return 0;
	return (int64_t)v;
}

/* HGETALL of the absences answered: every range, person by person. */
static void
duty_absences_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct duty_req		*d = arg;
	struct store_absence	*out = NULL, *na;
	cJSON			*ranges, *e;
	size_t			 i, n = 0, cap = 0;
	int			 failed = 0;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		d->cb.list(NULL, 0, 1, d->arg);
		free(d);
		return;
	}
	for (i = 0; !failed && i + 1 < r->elements; i += 2) {
		if (r->element[i]->str == NULL || r->element[i + 1]->str ==
		    NULL || (ranges = cJSON_Parse(r->element[i + 1]->str)) ==
		    NULL)
			continue;
		cJSON_ArrayForEach(e, ranges) {
			if (!cJSON_IsArray(e))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				if ((na = realloc(out, cap * sizeof *na)) ==
				    NULL) {
					failed = 1;
					break;
				}
				out = na;
			}
			out[n].person = r->element[i]->str;
			out[n].id = duty_range_num(cJSON_GetArrayItem(e, 0));
			out[n].from_ms = duty_range_num(cJSON_GetArrayItem(e,
			    1));
			out[n].to_ms = duty_range_num(cJSON_GetArrayItem(e, 2));
			n++;
		}
		cJSON_Delete(ranges);
	}
	d->cb.list(failed ? NULL : out, failed ? 0 : n, failed, d->arg);
	free(out);
	free(d);
}

/* Every absence of every person. */
int
store_absences(struct db *db, store_absences_cb cb, void *arg)
{
	struct duty_req	*d;

	if ((d = duty_req_new(arg)) == NULL)
		return -1;
	d->cb.list = cb;
	if (db_command(db, duty_absences_done, d, "HGETALL "
	    KEY_ABSENCES) == -1) {
		free(d);
		return -1;
	}
	return 0;
}

/* The absence-del script answered. */
static void
duty_absence_deleted(struct db *db, redisReply *r, const char *err,
    void *arg)
{
	struct duty_req	*d = arg;

	if (r == NULL || r->type != REDIS_REPLY_INTEGER)
		d->cb.del(STORE_ABSENCE_FAILED, d->arg);
	else
		d->cb.del(r->integer == 0 ? STORE_ABSENCE_MISSING :
		    STORE_ABSENCE_REMOVED, d->arg);
	free(d);
}

/* Remove one absence of a person. */
int
store_absence_del(struct db *db, const char *person, int64_t id,
    store_absence_del_cb cb, void *arg)
{
	struct duty_req	*d;
	char		 ids[24];
	const char	*argv[3];

	if ((d = duty_req_new(arg)) == NULL)
		return -1;
	d->cb.del = cb;
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	argv[0] = KEY_ABSENCES;
	argv[1] = person;
	argv[2] = ids;
	if (store_run(db, "absence-del", duty_absence_deleted, d, 3, argv,
	    NULL) == -1) {
		free(d);
		return -1;
	}
	return 0;
}

/* The absence-end script answered. */
static void
duty_absence_ended(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct duty_req	*d = arg;

	if (r == NULL || r->type != REDIS_REPLY_INTEGER)
		d->cb.del(STORE_ABSENCE_FAILED, d->arg);
	else
		d->cb.del(r->integer == 0 ? STORE_ABSENCE_MISSING :
		    r->integer == 2 ? STORE_ABSENCE_REMOVED :
		    STORE_ABSENCE_ENDED, d->arg);
	free(d);
}

/* End one absence of a person early. */
int
store_absence_end(struct db *db, const char *person, int64_t id,
    int64_t to_ms, store_absence_del_cb cb, void *arg)
{
	struct duty_req	*d;
	char		 ids[24], to[24];
	const char	*argv[4];

	if ((d = duty_req_new(arg)) == NULL)
		return -1;
	d->cb.del = cb;
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	snprintf(to, sizeof to, "%lld", (long long)to_ms);
	argv[0] = KEY_ABSENCES;
	argv[1] = person;
	argv[2] = ids;
	argv[3] = to;
	if (store_run(db, "absence-end", duty_absence_ended, d, 4, argv,
	    NULL) == -1) {
		free(d);
		return -1;
	}
	return 0;
}

/* HGET of a person's absences answered: is one of them now? */
static void
duty_absent_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct duty_req	*d = arg;
	cJSON		*ranges, *e;
	int		 away = 0;

	if (r == NULL || (r->type != REDIS_REPLY_STRING &&
	    r->type != REDIS_REPLY_NIL)) {
		d->cb.absent(-1, d->arg);
		free(d);
		return;
	}
	if (r->type == REDIS_REPLY_STRING &&
	    (ranges = cJSON_Parse(r->str)) != NULL) {
		cJSON_ArrayForEach(e, ranges) {
			if (cJSON_IsArray(e) && d->at_ms >=
			    duty_range_num(cJSON_GetArrayItem(e, 1)) &&
			    d->at_ms < duty_range_num(cJSON_GetArrayItem(e, 2)))
				away = 1;
		}
		cJSON_Delete(ranges);
	}
	d->cb.absent(away, d->arg);
	free(d);
}

/* Whether a person is away at an instant. */
int
store_absent(struct db *db, const char *person, int64_t at_ms,
    store_absent_cb cb, void *arg)
{
	struct duty_req	*d;

	if ((d = duty_req_new(arg)) == NULL)
		return -1;
	d->cb.absent = cb;
	d->at_ms = at_ms;
	if (db_command(db, duty_absent_done, d, "HGET " KEY_ABSENCES " %s",
	    person) == -1) {
		free(d);
		return -1;
	}
	return 0;
}
