/*
 * calendar.h: working-day calendars and the deadline rule of the promise
 * (SPEC section 4).  A calendar is a time zone, weekly working windows in
 * local wall time, bank holidays from the gov.uk feed for one division,
 * extra closures and special hours.  Parsing reads the zone and the feed
 * once; after that every query is pure arithmetic on precomputed data and
 * never does I/O, so it is safe and cheap on the event loop.
 */
#ifndef CALENDAR_H
#define CALENDAR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/duration.h"
#include "base/jsonc.h"

struct calendar;
struct calendars;

enum calendar_mode {
	CALENDAR_EXACT,
	CALENDAR_CLOSE_OF_BUSINESS
};

/* What calendar_deadline returns when no deadline exists before the
 * calendar's horizon (the start of the year 2500). */
#define CALENDAR_NEVER	INT64_MAX

/* The promise: respond within a working duration on a calendar. */
struct promise {
	const struct calendar	*calendar;
	struct duration		 within;
	enum calendar_mode	 mode;
};

/*
 * Parse the value of the top-level "calendars" key (an object of name ->
 * calendar); bank-holiday files are relative to basedir unless absolute.
 * Every error is added to errs as FILE:LINE:COL; on any error -1 and *out
 * is NULL.
 */
int		 calendars_parse(struct jv *calendars_obj, const char *basedir,
		    struct calendars **out, struct jerrs *errs);
/* A calendar by name, or NULL. */
struct calendar	*calendars_get(const struct calendars *, const char *name);
/* Number of calendars, and the i-th in the order of the file. */
size_t		 calendars_count(const struct calendars *);
struct calendar	*calendars_at(const struct calendars *, size_t i);
/* Free every calendar. */
void		 calendars_free(struct calendars *);

/* Parse the "promise" object; -1 with errors added on failure. */
int		 calendar_promise_parse(struct jv *promise_obj,
		    const struct calendars *, struct promise *out,
		    struct jerrs *errs);
/* The promise's respond_within in working seconds on its calendar. */
int64_t		 promise_seconds(const struct promise *);

/* The calendar's name. */
const char	*calendar_name(const struct calendar *);
/* The name of the calendar's time zone. */
const char	*calendar_timezone(const struct calendar *);
/* Seconds in one working day of this calendar. */
int64_t		 calendar_working_day(const struct calendar *);
/* A hash of the calendar's effective data; changes when deadlines may. */
uint64_t	 calendar_version(const struct calendar *);

/*
 * The deadline (unix seconds) of a message arriving at `arrival` with
 * working_seconds of working time to respond: the instant at which the
 * in-hours time since the first in-hours instant at or after arrival
 * reaches working_seconds; close-of-business rounds it up to the close of
 * its window.  CALENDAR_NEVER if that lies beyond the horizon.
 */
int64_t		 calendar_deadline(const struct calendar *, int64_t arrival,
		    int64_t working_seconds, enum calendar_mode);
/* Working seconds in [from, to). */
int64_t		 calendar_elapsed(const struct calendar *, int64_t from,
		    int64_t to);
/* Whether instant t is in working hours. */
int		 calendar_is_open(const struct calendar *, int64_t t);
/* Write t as RFC 3339 in the calendar's zone; -1 if it does not fit. */
int		 calendar_format(const struct calendar *, int64_t t, char *buf,
		    size_t len);
/* Local time of t in the calendar's zone (tm_gmtoff set, tm_zone NULL). */
int		 calendar_local(const struct calendar *, int64_t t,
		    struct tm *tm);

/* Last day (days since 1970) the bank-holiday feed covers; -1 if no feed. */
int32_t		 calendar_data_end(const struct calendar *);
/* Whether the feed runs out within 90 days of now (or already has). */
int		 calendar_data_expiring(const struct calendar *, int64_t now);

#endif
