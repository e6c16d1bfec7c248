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

/*
 * Calendars that change (SPEC section 18).  A calendar parsed from the
 * configuration can later be given unplanned closures and a bank-holiday
 * feed fetched from bank_holidays.url; calendar_update rebuilds its table
 * and version in place (the calendar's address stays valid), so whoever
 * holds a pointer to it sees the new data at once.
 */

/* Bank holidays of one division (or unplanned closures), by day. */
struct calendar_feed;

/* One dated name: a bank holiday, or an unplanned closure's reason. */
struct calendar_holiday {
	int32_t		 day;		/* days since 1970-01-01 */
	const char	*title;
};

/* Why a day has the windows it has. */
enum calendar_day_kind {
	CALENDAR_WEEKLY,	/* the weekly hours (none: not a working day) */
	CALENDAR_SPECIAL,	/* special hours for the date (maybe none) */
	CALENDAR_BANK_HOLIDAY,	/* closed: a bank holiday (reason: its name) */
	CALENDAR_CLOSURE,	/* closed: a closure in the configuration */
	CALENDAR_UNPLANNED	/* closed: an unplanned closure (its reason) */
};

#define CALENDAR_DAY_WINDOWS	32

/* One local day as replyd sees it. */
struct calendar_day {
	enum calendar_day_kind	 kind;
	const char		*reason;	/* valid while the calendar is
						   unchanged; NULL if none */
	size_t			 n;		/* working intervals */
	int64_t			 start[CALENDAR_DAY_WINDOWS];
	int64_t			 end[CALENDAR_DAY_WINDOWS];
};

/*
 * Parse a fetched gov.uk feed (name labels errors) for one division,
 * strictly: the division present, every event a valid date with a title,
 * the dates in increasing order.  -1 with err set when it is not valid.
 */
int		 calendar_feed_parse(const char *name, const char *text,
		    size_t len, const char *division,
		    struct calendar_feed **out, char *err, size_t errlen);
/* Whether next may replace current (NULL: nothing yet): it must not end
 * before it.  -1 with err set when it would shrink into the past. */
int		 calendar_feed_check(const struct calendar_feed *next,
		    const struct calendar_feed *current, char *err,
		    size_t errlen);
/* A feed from a list (copied, sorted by day); NULL when out of memory. */
struct calendar_feed *calendar_feed_new(const struct calendar_holiday *,
		    size_t n);
void		 calendar_feed_free(struct calendar_feed *);
size_t		 calendar_feed_count(const struct calendar_feed *);
/* Entry i: its title, and its day in *day; NULL past the end. */
const char	*calendar_feed_at(const struct calendar_feed *, size_t i,
		    int32_t *day);
/* The latest day listed; INT32_MIN when empty. */
int32_t		 calendar_feed_last(const struct calendar_feed *);

/*
 * Give the calendar these unplanned closures (days closed whatever else
 * they hold; title = reason) and this fetched feed (NULL: the file's), all
 * copied, and rebuild its table and version.  -1 (and the calendar as it
 * was) when out of memory.
 */
int		 calendar_update(struct calendar *,
		    const struct calendar_holiday *unplanned, size_t n,
		    const struct calendar_feed *live);
/* The bank holidays in use (fetched, else the file's), or NULL. */
const struct calendar_feed *calendar_holidays(const struct calendar *);
/* The bank holidays of bank_holidays.file, or NULL. */
const struct calendar_feed *calendar_holidays_file(const struct calendar *);
/* Whether the fetched feed is in use. */
int		 calendar_holidays_fetched(const struct calendar *);
/* The unplanned closures in use, or NULL. */
const struct calendar_feed *calendar_unplanned(const struct calendar *);
/* The division of its bank holidays, or NULL when it has none. */
const char	*calendar_division(const struct calendar *);
/* bank_holidays.url, or NULL; and how often to fetch it (seconds). */
const char	*calendar_feed_url(const struct calendar *);
int64_t		 calendar_feed_refresh(const struct calendar *);
/* The local day (days since 1970) of an instant. */
int32_t		 calendar_day_of(const struct calendar *, int64_t t);
/* A local day's kind, reason and working intervals; -1 outside the years
 * a calendar can answer for. */
int		 calendar_day_info(const struct calendar *, int32_t day,
		    struct calendar_day *out);

/* Last day (days since 1970) the bank-holiday feed covers; -1 if no feed. */
int32_t		 calendar_data_end(const struct calendar *);
/* Whether the feed runs out within 90 days of now (or already has). */
int		 calendar_data_expiring(const struct calendar *, int64_t now);

#endif
