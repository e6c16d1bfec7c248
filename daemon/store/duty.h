/*
 * duty.h: the people side of escalation in Redis (docs/data-model.md):
 * acknowledging a conversation, dated duty-rota overrides per team and
 * absences per person.  Every instance reads the same rota from here.
 *
 * What comes back is plain C, valid for the callback only.  This module
 * never computes a time (the caller works out an acknowledgement's pause
 * and an absence's range with the calendar) and never answers HTTP.
 */
#ifndef STORE_DUTY_H
#define STORE_DUTY_H

#include <stddef.h>
#include <stdint.h>

struct db;

enum store_ack_result {
	STORE_ACK_OK,		/* recorded: escalation pauses until then */
	STORE_ACK_ALREADY,	/* the conversation already has a response */
	STORE_ACK_MISSING,	/* no such conversation */
	STORE_ACK_FAILED,	/* Redis failed */
	STORE_ACK_HELD		/* store_ack_text: another person has it */
};

/* A team's rota overrides for one date: NULL where there is none. */
struct store_duty {
	const char	*worker;
	const char	*manager;
};

/* One absence of a person: [from_ms, to_ms). */
struct store_absence {
	const char	*person;
	int64_t		 id;
	int64_t		 from_ms;
	int64_t		 to_ms;
};

enum store_absence_result {
	STORE_ABSENCE_REMOVED,
	STORE_ABSENCE_ENDED,	/* store_absence_end: it ends sooner now */
	STORE_ABSENCE_MISSING,	/* no such absence of that person */
	STORE_ABSENCE_FAILED	/* Redis failed */
};

typedef void (*store_ack_cb)(enum store_ack_result, void *arg);
/* STORE_ACK_HELD: by whom and until when (ms); else holder is NULL. */
typedef void (*store_ack_held_cb)(enum store_ack_result, const char *holder,
    int64_t until_ms, void *arg);
/* absent: 1 when the person is away at that instant, 0 when not, -1 when
 * Redis failed. */
typedef void (*store_absent_cb)(int absent, void *arg);
/* duty is NULL when Redis failed. */
typedef void (*store_duty_cb)(const struct store_duty *, void *arg);
typedef void (*store_duty_done_cb)(int failed, void *arg);
/* duty[0..n): each date's overrides, as asked; NULL when Redis failed. */
typedef void (*store_duty_days_cb)(const struct store_duty *duty, size_t n,
    void *arg);
/* id is the new absence's; failed when Redis failed. */
typedef void (*store_absence_added_cb)(int64_t id, int failed, void *arg);
/* Every absence, person by person; failed when Redis failed. */
typedef void (*store_absences_cb)(const struct store_absence *, size_t n,
    int failed, void *arg);
typedef void (*store_absence_del_cb)(enum store_absence_result, void *arg);

/* Acknowledge an awaiting conversation: by whom, and until when (ms)
 * escalation pauses.  Appends an "ack" event to its audit trail. */
int	 store_ack(struct db *, const char *id, const char *by,
	    int64_t until_ms, store_ack_cb, void *);
/* The same taken by text (the event says "via": "sms"), but only if no
 * other person holds it now: then STORE_ACK_HELD says who, and nothing
 * changes. */
int	 store_ack_text(struct db *, const char *id, const char *by,
	    int64_t until_ms, store_ack_held_cb, void *);

/* A team's overrides for a date (YYYY-MM-DD). */
int	 store_duty_get(struct db *, const char *team, const char *date,
	    store_duty_cb, void *);
/* Set a team's overrides for a date; a NULL worker or manager leaves that
 * one as it is. */
int	 store_duty_set(struct db *, const char *team, const char *date,
	    const char *worker, const char *manager, store_duty_done_cb,
	    void *);
/* A team's overrides for n dates at once (at most STORE_DUTY_DAYS). */
#define STORE_DUTY_DAYS	62
int	 store_duty_days(struct db *, const char *team,
	    const char *const *dates, size_t n, store_duty_days_cb, void *);
/* Set both of a team's overrides for a date in one step: a NULL worker or
 * manager goes back to the weekly pattern (duty-put-1). */
int	 store_duty_put(struct db *, const char *team, const char *date,
	    const char *worker, const char *manager, store_duty_done_cb,
	    void *);
/* Remove both of a team's overrides for a date. */
int	 store_duty_clear(struct db *, const char *team, const char *date,
	    store_duty_done_cb, void *);

/* Add an absence [from_ms, to_ms) of a person; the callback gets its id. */
int	 store_absence_add(struct db *, const char *person, int64_t from_ms,
	    int64_t to_ms, store_absence_added_cb, void *);
/* Every absence of every person. */
int	 store_absences(struct db *, store_absences_cb, void *);
/* Remove one absence of a person by id. */
int	 store_absence_del(struct db *, const char *person, int64_t id,
	    store_absence_del_cb, void *);
/* End one absence of a person at to_ms if that is sooner; one that had
 * not begun by then is removed (STORE_ABSENCE_REMOVED). */
int	 store_absence_end(struct db *, const char *person, int64_t id,
	    int64_t to_ms, store_absence_del_cb, void *);
/* Whether a person is away at instant at_ms. */
int	 store_absent(struct db *, const char *person, int64_t at_ms,
	    store_absent_cb, void *);

#endif
