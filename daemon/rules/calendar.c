/*
 * calendar.c: the working-day rule.
 *
 * At parse time every local day from CALENDAR_FIRST_YEAR to
 * CALENDAR_LAST_YEAR is turned into its working intervals as UTC instants
 * (half-open, in time order, empty ones dropped), with a running total of
 * working seconds before each interval.  A deadline is then a binary search
 * for the interval the arrival falls in or before, and another for the
 * interval in which the running total reaches the target.  Because the
 * intervals are real instants, a window spanning a clock change is as long
 * as it really is.
 *
 * Outside the precomputed years the same intervals are generated one day at
 * a time from the weekly hours (slower, still exact).  Arrivals before
 * CALENDAR_EARLIEST_YEAR are treated as arriving at its start; a deadline
 * beyond CALENDAR_HORIZON_YEAR is CALENDAR_NEVER.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/calendar.h"
#include "base/timeutil.h"
#include "base/tz.h"

#define CALENDAR_MAX_WINDOWS	32	/* per day */
#define CALENDAR_FIRST_YEAR	2000	/* precomputed, inclusive */
#define CALENDAR_LAST_YEAR	2100
#define CALENDAR_EARLIEST_YEAR	1900	/* earlier arrivals are clamped */
#define CALENDAR_HORIZON_YEAR	2500	/* no deadline from here on */
#define CALENDAR_EXPIRY_DAYS	90
#define CALENDAR_DEFAULT_TZ	"Europe/London"

#define CALENDAR_DAY_WEEKLY	(-1)
#define CALENDAR_DAY_CLOSED	(-2)	/* a closure in the configuration */
#define CALENDAR_DAY_BANK	(-3)	/* a bank holiday from the feed */
#define CALENDAR_DAY_UNPLANNED	(-4)	/* an unplanned closure */
#define CALENDAR_FEED_MAX	10000	/* events per division */
#define CALENDAR_REFRESH	86400	/* default feed refresh, seconds */

/* A window in local wall time, seconds after midnight, end exclusive. */
struct calendar_window {
	int32_t	start, end;
};

struct calendar_special {
	int32_t			day;
	size_t			n;
	struct calendar_window	w[CALENDAR_MAX_WINDOWS];
};

/* Dated entries with a name: a division's bank holidays, or unplanned
 * closures with their reasons; sorted by day. */
struct calendar_feed {
	size_t		  n;
	int32_t		 *day;
	char		**title;
	int32_t		  last;		/* the latest day listed */
};

struct calendar {
	char			*name;
	struct tz		*tz;
	struct calendar_window	 week[7][CALENDAR_MAX_WINDOWS];	/* Sun = 0 */
	size_t			 nweek[7];
	int32_t			 first_day, last_day;	/* precomputed range */
	int32_t			*dayinfo;	/* per day: special index, or
						   CALENDAR_DAY_* */
	struct calendar_special	*special;
	size_t			 nspecial;
	int32_t			*closures;	/* configured closure days */
	size_t			 nclosures;
	char			*division;	/* NULL: no bank holidays */
	char			*feed_url;	/* bank_holidays.url, or NULL */
	int64_t			 feed_refresh;	/* seconds */
	struct calendar_feed	*file_feed;	/* bank_holidays.file */
	struct calendar_feed	*live_feed;	/* a fetched feed in use */
	struct calendar_feed	*unplanned;	/* unplanned closures */
	int32_t			 data_end;
	int64_t			 working_day;
	uint64_t		 version;

	/* Working intervals of the precomputed range, in time order. */
	int64_t			*start, *end;
	int64_t			*cum;	/* cum[i]: working seconds before i */
	size_t			 niv;
	int64_t			 t0, t1; /* the instants the range covers */
};

struct calendars {
	struct calendar	**cal;
	size_t		  n;
};

/* Walks working intervals in time order, inside and outside the table. */
struct calendar_walk {
	const struct calendar	*cal;
	int64_t			 after;	/* skip intervals ending by then */
	int			 intable;
	size_t			 ti;
	int64_t			 day;	/* next day to generate */
	int64_t			 prev_end;
	int64_t			 s[CALENDAR_MAX_WINDOWS];
	int64_t			 e[CALENDAR_MAX_WINDOWS];
	size_t			 n, bi;
};

/* Converts local times to instants quickly away from clock changes. */
struct calendar_conv {
	const struct tz	*tz;
	int32_t		 off;
	int64_t		 next;
	int		 has_next;
};

static int	calendar_feed_cmp(const void *, const void *);
static struct calendar_feed *calendar_feed_read(struct jv *, const char *,
		    const struct jv *, int, struct jerrs *);

static const char *const calendar_daynames[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

static const char *const calendar_divisions[] = {
	"england-and-wales", "scotland", "northern-ireland"
};

/* First instant of a year, as if UTC (close enough for clamping). */
static int64_t
calendar_year_start(int year)
{
	return timeutil_days_from_civil(year, 1, 1) * 86400;
}

/* The local day an instant falls on. */
static int64_t
calendar_local_day(const struct calendar *cal, int64_t t)
{
	return timeutil_day_of(t + tz_offset(cal->tz, t));
}

/* The windows of a local day: weekly, special or none. */
static void
calendar_day(const struct calendar *cal, int64_t day,
    const struct calendar_window **w, size_t *n)
{
	int32_t	info;
	int	wd;

	if (day >= cal->first_day && day <= cal->last_day &&
	    cal->dayinfo != NULL) {
		info = cal->dayinfo[day - cal->first_day];
		if (info < CALENDAR_DAY_WEEKLY) {
			*w = NULL;
			*n = 0;
			return;
		}
		if (info >= 0) {
			*w = cal->special[info].w;
			*n = cal->special[info].n;
			return;
		}
	}
	wd = timeutil_weekday(day);
	*w = cal->week[wd];
	*n = cal->nweek[wd];
}

/* Start converting local times from around instant t. */
static void
calendar_conv_init(struct calendar_conv *c, const struct tz *tz, int64_t t)
{
	c->tz = tz;
	c->off = tz_offset(tz, t);
	c->has_next = tz_next_transition(tz, t, &c->next) == 0;
}

/* The instant of local time `local` on local day `day` (days ascending). */
static int64_t
calendar_conv_local(struct calendar_conv *c, int64_t day, int64_t local)
{
	int64_t	lim = day * 86400 - 2 * 86400;

	while (c->has_next && c->next <= lim) {
		c->off = tz_offset(c->tz, c->next);
		c->has_next = tz_next_transition(c->tz, c->next,
		    &c->next) == 0;
	}
	/* No clock change within two days either side: one offset. */
	if (!c->has_next || c->next > day * 86400 + 3 * 86400)
		return local - c->off;
	return tz_from_local(c->tz, local);
}

/* Build the day-by-day table of working intervals. */
static int
calendar_build(struct calendar *cal)
{
	const struct calendar_window	*w;
	struct calendar_conv		 conv;
	int64_t				 day, s, e, prev = INT64_MIN;
	size_t				 n, i, cap = 0;

	for (day = cal->first_day; day <= cal->last_day; day++) {
		calendar_day(cal, day, &w, &n);
		cap += n;
	}
	if ((cal->start = calloc(cap + 1, sizeof *cal->start)) == NULL ||
	    (cal->end = calloc(cap + 1, sizeof *cal->end)) == NULL ||
	    (cal->cum = calloc(cap + 1, sizeof *cal->cum)) == NULL)
		return -1;
	calendar_conv_init(&conv, cal->tz,
	    (int64_t)cal->first_day * 86400 - 3 * 86400);
	cal->t0 = tz_from_local(cal->tz, (int64_t)cal->first_day * 86400);
	cal->t1 = tz_from_local(cal->tz, ((int64_t)cal->last_day + 1) * 86400);
	cal->niv = 0;
	for (day = cal->first_day; day <= cal->last_day; day++) {
		calendar_day(cal, day, &w, &n);
		for (i = 0; i < n; i++) {
			s = calendar_conv_local(&conv, day,
			    day * 86400 + w[i].start);
			e = calendar_conv_local(&conv, day,
			    day * 86400 + w[i].end);
			/* A window inside a gap is empty; keep time order. */
			if (s < prev)
				s = prev;
			if (e <= s)
				continue;
			cal->start[cal->niv] = s;
			cal->end[cal->niv] = e;
			cal->cum[cal->niv + 1] = cal->cum[cal->niv] + (e - s);
			cal->niv++;
			prev = e;
		}
	}
	return 0;
}

/* Begin a walk at the first interval ending after t. */
static void
calendar_walk_init(struct calendar_walk *wk, const struct calendar *cal,
    int64_t t)
{
	size_t	lo = 0, hi = cal->niv, mid;

	memset(wk, 0, sizeof *wk);
	wk->cal = cal;
	wk->after = t;
	wk->prev_end = INT64_MIN;
	if (cal->niv > 0 && t >= cal->t0 && t < cal->t1) {
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (cal->end[mid] <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		wk->intable = 1;
		wk->ti = lo;
		return;
	}
	wk->day = calendar_local_day(cal, t) - 1;
	if (t >= cal->t1 && wk->day <= cal->last_day)
		wk->day = (int64_t)cal->last_day + 1;
}

/* The next working interval [*s, *e); -1 at the horizon. */
static int
calendar_walk_next(struct calendar_walk *wk, int64_t *s, int64_t *e)
{
	const struct calendar		*cal = wk->cal;
	const struct calendar_window	*w;
	int64_t				 horizon, a, b;
	size_t				 n, i;

	horizon = timeutil_days_from_civil(CALENDAR_HORIZON_YEAR, 1, 1);
	for (;;) {
		if (wk->intable && wk->ti < cal->niv) {
			*s = cal->start[wk->ti];
			*e = cal->end[wk->ti];
			wk->ti++;
			wk->prev_end = *e;
			if (*e <= wk->after)
				continue;
			return 0;
		}
		if (wk->intable) {
			wk->intable = 0;
			wk->day = (int64_t)cal->last_day + 1;
			wk->n = wk->bi = 0;
		}
		if (wk->bi < wk->n) {
			*s = wk->s[wk->bi];
			*e = wk->e[wk->bi];
			wk->bi++;
			if (*e <= wk->after)
				continue;
			return 0;
		}
		if (wk->day >= cal->first_day && wk->day <= cal->last_day &&
		    cal->niv > 0) {
			wk->intable = 1;
			wk->ti = 0;
			continue;
		}
		if (wk->day >= horizon)
			return -1;
		calendar_day(cal, wk->day, &w, &n);
		wk->n = wk->bi = 0;
		for (i = 0; i < n; i++) {
			a = tz_from_local(cal->tz,
			    wk->day * 86400 + w[i].start);
			b = tz_from_local(cal->tz, wk->day * 86400 + w[i].end);
			if (a < wk->prev_end)
				a = wk->prev_end;
			if (b <= a)
				continue;
			wk->s[wk->n] = a;
			wk->e[wk->n] = b;
			wk->n++;
			wk->prev_end = b;
		}
		wk->day++;
	}
}

/* Index of the first interval ending after t (niv if none). */
static size_t
calendar_find_end(const struct calendar *cal, int64_t t)
{
	const int64_t	*a = cal->end;
	size_t		 lo = 0, n = cal->niv, half;

	/* Branch-light lower bound: the loop shape compiles to cmov. */
	while (n > 0) {
		half = n / 2;
		if (a[lo + half] <= t) {
			lo += half + 1;
			n -= half + 1;
		} else
			n = half;
	}
	return lo;
}

/* Index j of the first interval whose running total reaches c. */
static size_t
calendar_find_cum(const struct calendar *cal, int64_t c)
{
	const int64_t	*a = cal->cum + 1;	/* a[j]: total through j */
	size_t		 lo = 0, n = cal->niv, half;

	while (n > 0) {
		half = n / 2;
		if (a[lo + half] < c) {
			lo += half + 1;
			n -= half + 1;
		} else
			n = half;
	}
	return lo;
}

/* The deadline of an arrival with working_seconds to respond. */
int64_t
calendar_deadline(const struct calendar *cal, int64_t arrival,
    int64_t working_seconds, enum calendar_mode mode)
{
	struct calendar_walk	 wk;
	int64_t			 w = working_seconds, s, e, c;
	size_t			 i, j;

	if (w < 0)
		w = 0;
	if (arrival < calendar_year_start(CALENDAR_EARLIEST_YEAR))
		arrival = calendar_year_start(CALENDAR_EARLIEST_YEAR);
	if (arrival >= calendar_year_start(CALENDAR_HORIZON_YEAR))
		return CALENDAR_NEVER;

	if (arrival >= cal->t0 && arrival < cal->t1 &&
	    (i = calendar_find_end(cal, arrival)) < cal->niv) {
		s = arrival > cal->start[i] ? arrival : cal->start[i];
		if (w == 0)
			return mode == CALENDAR_CLOSE_OF_BUSINESS ?
			    cal->end[i] : s;
		c = cal->cum[i] + (s - cal->start[i]) + w;
		if (c <= cal->cum[cal->niv]) {
			j = calendar_find_cum(cal, c);
			if (mode == CALENDAR_CLOSE_OF_BUSINESS)
				return cal->end[j];
			return cal->start[j] + (c - cal->cum[j]);
		}
	}

	/* Outside the table, or running past its end: walk. */
	calendar_walk_init(&wk, cal, arrival);
	if (calendar_walk_next(&wk, &s, &e) == -1)
		return CALENDAR_NEVER;
	if (s < arrival)
		s = arrival;
	if (w == 0)
		return mode == CALENDAR_CLOSE_OF_BUSINESS ? e : s;
	for (;;) {
		if (w <= e - s)
			return mode == CALENDAR_CLOSE_OF_BUSINESS ? e : s + w;
		w -= e - s;
		if (calendar_walk_next(&wk, &s, &e) == -1)
			return CALENDAR_NEVER;
	}
}

/* Working seconds before t within the table (t0 <= t <= t1). */
static int64_t
calendar_worked(const struct calendar *cal, int64_t t)
{
	size_t	i = calendar_find_end(cal, t);

	if (i == cal->niv)
		return cal->cum[cal->niv];
	return cal->cum[i] + (t > cal->start[i] ? t - cal->start[i] : 0);
}

/* Working seconds in [from, to). */
int64_t
calendar_elapsed(const struct calendar *cal, int64_t from, int64_t to)
{
	struct calendar_walk	wk;
	int64_t			lo, hi, s, e, sum = 0;

	lo = calendar_year_start(CALENDAR_EARLIEST_YEAR);
	hi = calendar_year_start(CALENDAR_HORIZON_YEAR);
	if (from < lo)
		from = lo;
	if (to > hi)
		to = hi;
	if (from >= to)
		return 0;
	if (cal->niv > 0 && from >= cal->t0 && to <= cal->t1)
		return calendar_worked(cal, to) - calendar_worked(cal, from);
	calendar_walk_init(&wk, cal, from);
	while (calendar_walk_next(&wk, &s, &e) == 0 && s < to) {
		if (s < from)
			s = from;
		sum += (e < to ? e : to) - s;
		if (e >= to)
			break;
	}
	return sum;
}

/* Whether t is in working hours. */
int
calendar_is_open(const struct calendar *cal, int64_t t)
{
	struct calendar_walk	wk;
	int64_t			s, e;
	size_t			i;

	if (cal->niv > 0 && t >= cal->t0 && t < cal->t1) {
		i = calendar_find_end(cal, t);
		return i < cal->niv && cal->start[i] <= t;
	}
	if (t < calendar_year_start(CALENDAR_EARLIEST_YEAR) ||
	    t >= calendar_year_start(CALENDAR_HORIZON_YEAR))
		return 0;
	calendar_walk_init(&wk, cal, t);
	return calendar_walk_next(&wk, &s, &e) == 0 && s <= t;
}

/* Write t as RFC 3339 with the zone's offset. */
int
calendar_format(const struct calendar *cal, int64_t t, char *buf,
    size_t len)
{
	int64_t	local, days, secs, y;
	int32_t	off;
	int	m, d, n, a;

	if (t < INT64_MIN / 2 || t > INT64_MAX / 2)
		return -1;
	off = tz_offset(cal->tz, t);
	if (off % 60 != 0)
		off = 0;	/* RFC 3339 offsets have no seconds: use UTC */
	local = t + off;
	days = timeutil_day_of(local);
	secs = local - days * 86400;
	timeutil_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return -1;
	a = off < 0 ? -off : off;
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    (int)y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
	    (int)(secs % 60), off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Local broken-down time of t. */
int
calendar_local(const struct calendar *cal, int64_t t, struct tm *tm)
{
	int64_t	local, days, secs, y;
	int32_t	off;
	int	m, d;

	if (t < INT64_MIN / 2 || t > INT64_MAX / 2)
		return -1;
	off = tz_offset(cal->tz, t);
	local = t + off;
	days = timeutil_day_of(local);
	secs = local - days * 86400;
	timeutil_civil_from_days(days, &y, &m, &d);
	if (y - 1900 < -2000000000 || y - 1900 > 2000000000)
		return -1;
	memset(tm, 0, sizeof *tm);
	tm->tm_year = (int)(y - 1900);
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_sec = (int)(secs % 60);
	tm->tm_wday = timeutil_weekday(days);
	tm->tm_yday = (int)(days - timeutil_days_from_civil(y, 1, 1));
	tm->tm_isdst = -1;	/* not tracked; the offset is exact */
	tm->tm_gmtoff = off;
	tm->tm_zone = NULL;
	return 0;
}

/* The calendar's name. */
const char *
calendar_name(const struct calendar *cal)
{
	return cal->name;
}

/* The calendar's time zone name. */
const char *
calendar_timezone(const struct calendar *cal)
{
	return tz_name(cal->tz);
}

/* Seconds in one working day. */
int64_t
calendar_working_day(const struct calendar *cal)
{
	return cal->working_day;
}

/* A hash of the effective data. */
uint64_t
calendar_version(const struct calendar *cal)
{
	return cal->version;
}

/* Last day covered by the bank-holiday feed. */
int32_t
calendar_data_end(const struct calendar *cal)
{
	return cal->data_end;
}

/* Whether the feed runs out within CALENDAR_EXPIRY_DAYS of now. */
int
calendar_data_expiring(const struct calendar *cal, int64_t now)
{
	if (cal->data_end < 0)
		return 0;
	return calendar_local_day(cal, now) >=
	    (int64_t)cal->data_end + 1 - CALENDAR_EXPIRY_DAYS;
}

/* Mix one 64-bit word into an FNV-1a style hash. */
static uint64_t
calendar_hash(uint64_t h, uint64_t v)
{
	int	i;

	for (i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Hash what decides deadlines: zone, hours, table, working day, feed end. */
static uint64_t
calendar_hash_all(const struct calendar *cal)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	const char	*s;
	size_t		 i, d;

	for (s = tz_name(cal->tz); *s != '\0'; s++)
		h = calendar_hash(h, (unsigned char)*s);
	for (d = 0; d < 7; d++) {
		h = calendar_hash(h, cal->nweek[d]);
		for (i = 0; i < cal->nweek[d]; i++)
			h = calendar_hash(h, (uint64_t)cal->week[d][i].start <<
			    32 | (uint32_t)cal->week[d][i].end);
	}
	h = calendar_hash(h, (uint64_t)cal->working_day);
	h = calendar_hash(h, (uint64_t)(int64_t)cal->data_end);
	h = calendar_hash(h, cal->niv);
	for (i = 0; i < cal->niv; i++) {
		h = calendar_hash(h, (uint64_t)cal->start[i]);
		h = calendar_hash(h, (uint64_t)cal->end[i]);
	}
	return h;
}

/* The bank holidays in use: a fetched feed, else the file's. */
static const struct calendar_feed *
calendar_feed_in_use(const struct calendar *cal)
{
	return cal->live_feed != NULL ? cal->live_feed : cal->file_feed;
}

/*
 * Mark every day from the configuration (closures, special hours), the
 * bank holidays in use and the unplanned closures, then rebuild the table
 * and the version.  Unplanned closures beat everything; special hours beat
 * a bank holiday.  On failure (out of memory) the calendar is unchanged.
 */
static int
calendar_apply(struct calendar *cal)
{
	const struct calendar_feed	*feed = calendar_feed_in_use(cal);
	int32_t				*info, *old_info = cal->dayinfo, day;
	int64_t				*os = cal->start, *oe = cal->end;
	int64_t				*oc = cal->cum, ot0 = cal->t0;
	int64_t				 ot1 = cal->t1, y;
	size_t				 ndays, i, oniv = cal->niv;
	int				 m, d;

	ndays = (size_t)(cal->last_day - cal->first_day + 1);
	if ((info = malloc(ndays * sizeof *info)) == NULL)
		return -1;
	for (i = 0; i < ndays; i++)
		info[i] = CALENDAR_DAY_WEEKLY;
	for (i = 0; i < cal->nclosures; i++)
		info[cal->closures[i] - cal->first_day] = CALENDAR_DAY_CLOSED;
	for (i = 0; i < cal->nspecial; i++)
		info[cal->special[i].day - cal->first_day] = (int32_t)i;
	for (i = 0; feed != NULL && i < feed->n; i++) {
		day = feed->day[i];
		/* Dates outside the covered years cannot matter. */
		if (day >= cal->first_day && day <= cal->last_day &&
		    info[day - cal->first_day] == CALENDAR_DAY_WEEKLY)
			info[day - cal->first_day] = CALENDAR_DAY_BANK;
	}
	for (i = 0; cal->unplanned != NULL && i < cal->unplanned->n; i++) {
		day = cal->unplanned->day[i];
		if (day >= cal->first_day && day <= cal->last_day)
			info[day - cal->first_day] = CALENDAR_DAY_UNPLANNED;
	}
	cal->dayinfo = info;
	cal->start = cal->end = cal->cum = NULL;
	if (calendar_build(cal) == -1) {
		free(cal->start);
		free(cal->end);
		free(cal->cum);
		free(info);
		cal->dayinfo = old_info;
		cal->start = os;
		cal->end = oe;
		cal->cum = oc;
		cal->niv = oniv;
		cal->t0 = ot0;
		cal->t1 = ot1;
		return -1;
	}
	free(old_info);
	free(os);
	free(oe);
	free(oc);
	cal->data_end = -1;
	if (feed != NULL) {
		timeutil_civil_from_days(feed->last, &y, &m, &d);
		cal->data_end = (int32_t)timeutil_days_from_civil(y, 12, 31);
	}
	cal->version = calendar_hash_all(cal);
	return 0;
}

/* Dated names from a list (copied and sorted); NULL when out of memory. */
struct calendar_feed *
calendar_feed_new(const struct calendar_holiday *h, size_t n)
{
	struct calendar_feed	*f;
	struct calendar_holiday	*tmp;
	size_t			 i;

	if ((tmp = calloc(n + 1, sizeof *tmp)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(tmp, h, n * sizeof *tmp);
	qsort(tmp, n, sizeof *tmp, calendar_feed_cmp);
	if ((f = calloc(1, sizeof *f)) == NULL ||
	    (f->day = calloc(n + 1, sizeof *f->day)) == NULL ||
	    (f->title = calloc(n + 1, sizeof *f->title)) == NULL) {
		free(tmp);
		calendar_feed_free(f);
		return NULL;
	}
	f->last = INT32_MIN;
	for (i = 0; i < n; i++) {
		f->day[i] = tmp[i].day;
		if ((f->title[i] = strdup(tmp[i].title != NULL ?
		    tmp[i].title : "")) == NULL) {
			free(tmp);
			calendar_feed_free(f);
			return NULL;
		}
		f->n++;
		if (tmp[i].day > f->last)
			f->last = tmp[i].day;
	}
	free(tmp);
	return f;
}

/* A copy of a feed; NULL when out of memory. */
static struct calendar_feed *
calendar_feed_copy(const struct calendar_feed *f)
{
	struct calendar_holiday	*h;
	struct calendar_feed	*out;
	size_t			 i;

	if ((h = calloc(f->n + 1, sizeof *h)) == NULL)
		return NULL;
	for (i = 0; i < f->n; i++) {
		h[i].day = f->day[i];
		h[i].title = f->title[i];
	}
	out = calendar_feed_new(h, f->n);
	free(h);
	return out;
}

/* Free a feed. */
void
calendar_feed_free(struct calendar_feed *f)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		free(f->title[i]);
	free(f->title);
	free(f->day);
	free(f);
}

/* Parse a fetched gov.uk feed strictly for one division. */
int
calendar_feed_parse(const char *name, const char *text, size_t len,
    const char *division, struct calendar_feed **out, char *err,
    size_t errlen)
{
	struct jerrs	 errs;
	struct jv	*root;

	*out = NULL;
	memset(&errs, 0, sizeof errs);
	if ((root = jv_parse(name, text, len, &errs)) != NULL) {
		*out = calendar_feed_read(root, division, NULL, 1, &errs);
		jv_free(root);
	}
	if (*out == NULL || errs.n > 0) {
		snprintf(err, errlen, "%s", errs.n > 0 ? errs.msg[0] :
		    "out of memory");
		calendar_feed_free(*out);
		*out = NULL;
		jerrs_clear(&errs);
		return -1;
	}
	jerrs_clear(&errs);
	return 0;
}

/* Whether a new feed may replace the one in use: it must not end sooner. */
int
calendar_feed_check(const struct calendar_feed *next,
    const struct calendar_feed *current, char *err, size_t errlen)
{
	char	a[16], b[16];

	if (current == NULL || next->last >= current->last)
		return 0;
	timeutil_format_date(next->last, a, sizeof a);
	timeutil_format_date(current->last, b, sizeof b);
	snprintf(err, errlen, "its last date for the division is %s, before "
	    "%s in the data in use: a feed that shrinks into the past is "
	    "refused", a, b);
	return -1;
}

/* Number of entries in a feed. */
size_t
calendar_feed_count(const struct calendar_feed *f)
{
	return f != NULL ? f->n : 0;
}

/* Entry i of a feed: its day, and its title (the return value). */
const char *
calendar_feed_at(const struct calendar_feed *f, size_t i, int32_t *day)
{
	if (f == NULL || i >= f->n)
		return NULL;
	*day = f->day[i];
	return f->title[i];
}

/* The latest day a feed lists (INT32_MIN when empty). */
int32_t
calendar_feed_last(const struct calendar_feed *f)
{
	return f != NULL ? f->last : INT32_MIN;
}

/* The title a feed gives a day, or NULL. */
static const char *
calendar_feed_title(const struct calendar_feed *f, int32_t day)
{
	size_t	lo = 0, hi, mid;

	if (f == NULL)
		return NULL;
	hi = f->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (f->day[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->n && f->day[lo] == day ? f->title[lo] : NULL;
}

/* Replace the unplanned closures and the fetched feed, and rebuild. */
int
calendar_update(struct calendar *cal, const struct calendar_holiday *unplanned,
    size_t n, const struct calendar_feed *live)
{
	struct calendar_feed	*u = NULL, *l = NULL;
	struct calendar_feed	*ou = cal->unplanned, *ol = cal->live_feed;

	if ((n > 0 && (u = calendar_feed_new(unplanned, n)) == NULL) ||
	    (live != NULL && (l = calendar_feed_copy(live)) == NULL)) {
		calendar_feed_free(u);
		return -1;
	}
	cal->unplanned = u;
	cal->live_feed = l;
	if (calendar_apply(cal) == -1) {
		cal->unplanned = ou;
		cal->live_feed = ol;
		calendar_feed_free(u);
		calendar_feed_free(l);
		return -1;
	}
	calendar_feed_free(ou);
	calendar_feed_free(ol);
	return 0;
}

/* The local day of an instant. */
int32_t
calendar_day_of(const struct calendar *cal, int64_t t)
{
	return (int32_t)calendar_local_day(cal, t);
}

/* What a local day holds and why: its kind, reason and intervals. */
int
calendar_day_info(const struct calendar *cal, int32_t day,
    struct calendar_day *out)
{
	struct calendar_walk	wk;
	int64_t			from, to, s, e;
	int32_t			info = CALENDAR_DAY_WEEKLY;

	memset(out, 0, sizeof *out);
	if (day < timeutil_days_from_civil(CALENDAR_EARLIEST_YEAR, 1, 1) ||
	    day >= timeutil_days_from_civil(CALENDAR_HORIZON_YEAR, 1, 1) - 1)
		return -1;
	if (day >= cal->first_day && day <= cal->last_day)
		info = cal->dayinfo[day - cal->first_day];
	switch (info) {
	case CALENDAR_DAY_WEEKLY:
		out->kind = CALENDAR_WEEKLY;
		break;
	case CALENDAR_DAY_CLOSED:
		out->kind = CALENDAR_CLOSURE;
		break;
	case CALENDAR_DAY_BANK:
		out->kind = CALENDAR_BANK_HOLIDAY;
		out->reason = calendar_feed_title(calendar_feed_in_use(cal),
		    day);
		break;
	case CALENDAR_DAY_UNPLANNED:
		out->kind = CALENDAR_UNPLANNED;
		out->reason = calendar_feed_title(cal->unplanned, day);
		break;
	default:
		out->kind = CALENDAR_SPECIAL;
		break;
	}
	from = tz_from_local(cal->tz, (int64_t)day * 86400);
	to = tz_from_local(cal->tz, ((int64_t)day + 1) * 86400);
	calendar_walk_init(&wk, cal, from);
	while (out->n < CALENDAR_DAY_WINDOWS &&
	    calendar_walk_next(&wk, &s, &e) == 0 && s < to) {
		out->start[out->n] = s < from ? from : s;
		out->end[out->n] = e > to ? to : e;
		out->n++;
	}
	return 0;
}

/* The division whose bank holidays apply, or NULL. */
const char *
calendar_division(const struct calendar *cal)
{
	return cal->division;
}

/* The feed to fetch (bank_holidays.url), or NULL. */
const char *
calendar_feed_url(const struct calendar *cal)
{
	return cal->feed_url;
}

/* How often to fetch it, in seconds. */
int64_t
calendar_feed_refresh(const struct calendar *cal)
{
	return cal->feed_refresh > 0 ? cal->feed_refresh : CALENDAR_REFRESH;
}

/* The bank holidays in use, or NULL. */
const struct calendar_feed *
calendar_holidays(const struct calendar *cal)
{
	return calendar_feed_in_use(cal);
}

/* The bank holidays of bank_holidays.file, or NULL. */
const struct calendar_feed *
calendar_holidays_file(const struct calendar *cal)
{
	return cal->file_feed;
}

/* Whether a fetched feed is in use (else the file's). */
int
calendar_holidays_fetched(const struct calendar *cal)
{
	return cal->live_feed != NULL;
}

/* The unplanned closures in use (reasons as titles), or NULL. */
const struct calendar_feed *
calendar_unplanned(const struct calendar *cal)
{
	return cal->unplanned;
}

/* Free one calendar. */
static void
calendar_free(struct calendar *cal)
{
	if (cal == NULL)
		return;
	free(cal->name);
	tz_free(cal->tz);
	free(cal->dayinfo);
	free(cal->special);
	free(cal->closures);
	free(cal->division);
	free(cal->feed_url);
	calendar_feed_free(cal->file_feed);
	calendar_feed_free(cal->live_feed);
	calendar_feed_free(cal->unplanned);
	free(cal->start);
	free(cal->end);
	free(cal->cum);
	free(cal);
}

/* Read "HH:MM" at s into seconds; -1 if malformed or out of range. */
static int
calendar_hhmm(const char *s, int allow24, int32_t *out)
{
	int	h, m;

	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[2] != ':' || s[3] < '0' || s[3] > '5' || s[4] < '0' ||
	    s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 24 || (h == 24 && (!allow24 || m != 0)))
		return -1;
	*out = (h * 60 + m) * 60;
	return 0;
}

/* Parse a list of "HH:MM-HH:MM" windows, reporting every bad one. */
static int
calendar_windows(struct jv *list, struct calendar_window *out, size_t *np,
    struct jerrs *errs)
{
	struct jv		*e, *prev = NULL;
	struct calendar_window	 w;
	size_t			 before = errs->n;

	*np = 0;
	if (jv_expect(errs, list, JV_ARRAY) == -1)
		return -1;
	for (e = list->child; e != NULL; e = e->next) {
		if (jv_expect(errs, e, JV_STRING) == -1)
			continue;
		if (e->len != 11 || strlen(e->str) != 11 ||
		    calendar_hhmm(e->str, 0, &w.start) == -1 ||
		    e->str[5] != '-' ||
		    calendar_hhmm(e->str + 6, 1, &w.end) == -1) {
			jerr_at(errs, e, "%s: bad window \"%.40s\": expected "
			    "\"HH:MM-HH:MM\" such as \"09:00-17:00\"",
			    jv_path(e), e->str);
			continue;
		}
		if (w.end <= w.start) {
			jerr_at(errs, e, "%s: window \"%s\" ends before it "
			    "starts; a window cannot cross midnight, so split "
			    "it at 24:00 (\"22:00-24:00\" and the next day's "
			    "\"00:00-06:00\")", jv_path(e), e->str);
			continue;
		}
		if (prev != NULL && w.start < out[*np - 1].end) {
			if (w.end <= out[*np - 1].start)
				jerr_at(errs, e, "%s: window \"%s\" comes "
				    "before \"%s\": list windows in time order",
				    jv_path(e), e->str, prev->str);
			else
				jerr_at(errs, e, "%s: window \"%s\" overlaps "
				    "\"%s\"", jv_path(e), e->str, prev->str);
			continue;
		}
		if (*np == CALENDAR_MAX_WINDOWS) {
			jerr_at(errs, e, "%s: more than %d windows in a day",
			    jv_path(e), CALENDAR_MAX_WINDOWS);
			break;
		}
		out[(*np)++] = w;
		prev = e;
	}
	return errs->n > before ? -1 : 0;
}

/* Parse a date value that must lie in the precomputed range. */
static int
calendar_date(const struct calendar *cal, const struct jv *v,
    const char *text, int32_t *day, struct jerrs *errs)
{
	char	msg[256];

	if (timeutil_parse_date(text, day) == -1)
		snprintf(msg, sizeof msg, "bad date \"%.40s\": expected "
		    "YYYY-MM-DD", text);
	else if (*day < cal->first_day || *day > cal->last_day)
		snprintf(msg, sizeof msg, "date %s is outside "
		    "%d-01-01..%d-12-31, the years a calendar covers", text,
		    CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR);
	else
		return 0;
	/* A date given as a key is reported at the key. */
	if (text == v->key)
		jerr_key(errs, v, "%s: %s", jv_path(v), msg);
	else
		jerr_at(errs, v, "%s: %s", jv_path(v), msg);
	return -1;
}

/* Parse "hours": weekday name -> list of windows. */
static void
calendar_hours(struct calendar *cal, struct jv *v, struct jerrs *errs)
{
	struct jv	*d;
	size_t		 before = errs->n, total = 0;
	int		 i;

	if (jv_expect(errs, v, JV_OBJECT) == -1)
		return;
	for (i = 0; i < 7; i++) {
		if ((d = jv_get(v, calendar_daynames[i])) == NULL)
			continue;
		calendar_windows(d, cal->week[i], &cal->nweek[i], errs);
		total += cal->nweek[i];
	}
	jv_unknown_keys(v, errs);
	if (errs->n == before && total == 0)
		jerr_at(errs, v, "%s: no working hours in the week: give "
		    "windows for at least one day, e.g. \"mon\": "
		    "[\"09:00-17:00\"]", jv_path(v));
}

/* Join a path to the configuration's folder unless it is absolute. */
static char *
calendar_path(const char *basedir, const char *path)
{
	char	*p;

	if (path[0] == '/' || basedir == NULL || basedir[0] == '\0')
		return strdup(path);
	if (asprintf(&p, "%s/%s", basedir, path) == -1)
		return NULL;
	return p;
}

/* Order feed entries by day. */
static int
calendar_feed_cmp(const void *a, const void *b)
{
	const int32_t	*x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/*
 * Read the events of one division of a gov.uk feed into a feed.  strict
 * (a fetched feed) also wants every title, the dates in order and each
 * date once; the file keeps its old leniency.  Errors go to errs, pointing
 * into the feed (at divv when the division is missing, if given).
 */
static struct calendar_feed *
calendar_feed_read(struct jv *feed, const char *division,
    const struct jv *divv, int strict, struct jerrs *errs)
{
	struct calendar_feed	*f;
	struct jv		*div, *events, *ev, *date, *title, *dn;
	struct {
		int32_t		 day;
		const char	*title;
	}			*tmp;
	int32_t			 day, prev = INT32_MIN;
	size_t			 before = errs->n, n = 0, i;

	if (jv_expect(errs, feed, JV_OBJECT) == -1)
		return NULL;
	if ((div = jv_get(feed, division)) == NULL) {
		if (divv != NULL)
			jerr_at(errs, divv, "%s: the bank-holiday feed %s has "
			    "no division \"%s\"", jv_path(divv), feed->file,
			    division);
		else
			jerr_at(errs, feed, "the feed has no division \"%s\"",
			    division);
		return NULL;
	}
	if (jv_expect(errs, div, JV_OBJECT) == -1)
		return NULL;
	if (strict && (dn = jv_get(div, "division")) != NULL &&
	    (dn->type != JV_STRING || strcmp(dn->str, division) != 0)) {
		jerr_at(errs, dn, "%s: says it is not \"%s\"", jv_path(dn),
		    division);
		return NULL;
	}
	if ((events = jv_get(div, "events")) == NULL) {
		jerr_key(errs, div, "%s: missing key \"events\"",
		    jv_path(div));
		return NULL;
	}
	if (jv_expect(errs, events, JV_ARRAY) == -1)
		return NULL;
	if (jv_count(events) > CALENDAR_FEED_MAX) {
		jerr_at(errs, events, "%s: more than %d events",
		    jv_path(events), CALENDAR_FEED_MAX);
		return NULL;
	}
	if ((tmp = calloc(jv_count(events) + 1, sizeof *tmp)) == NULL) {
		jerr_at(errs, events, "%s: out of memory", jv_path(events));
		return NULL;
	}
	for (ev = events->child; ev != NULL; ev = ev->next) {
		if (jv_expect(errs, ev, JV_OBJECT) == -1)
			continue;
		if ((date = jv_get(ev, "date")) == NULL) {
			jerr_at(errs, ev, "%s: missing key \"date\"",
			    jv_path(ev));
			continue;
		}
		if (jv_expect(errs, date, JV_STRING) == -1)
			continue;
		if (timeutil_parse_date(date->str, &day) == -1) {
			jerr_at(errs, date, "%s: bad date \"%.40s\": expected "
			    "YYYY-MM-DD", jv_path(date), date->str);
			continue;
		}
		title = jv_get(ev, "title");
		if (strict && (title == NULL || title->type != JV_STRING)) {
			jerr_at(errs, ev, "%s: expected a \"title\" string",
			    jv_path(ev));
			continue;
		}
		if (strict && day <= prev) {
			jerr_at(errs, date, "%s: %s is not after the date "
			    "before it: the feed must list dates in order",
			    jv_path(date), date->str);
			continue;
		}
		prev = day;
		tmp[n].day = day;
		tmp[n].title = title != NULL && title->type == JV_STRING ?
		    title->str : "bank holiday";
		n++;
	}
	if (errs->n == before && n == 0)
		jerr_at(errs, events, "%s: no bank holidays for \"%s\"",
		    jv_path(events), division);
	if (errs->n > before) {
		free(tmp);
		return NULL;
	}
	/* The day comes first in each entry, so it sorts by day. */
	qsort(tmp, n, sizeof *tmp, calendar_feed_cmp);
	if ((f = calloc(1, sizeof *f)) == NULL ||
	    (f->day = calloc(n, sizeof *f->day)) == NULL ||
	    (f->title = calloc(n, sizeof *f->title)) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		f->day[i] = tmp[i].day;
		if ((f->title[i] = strdup(tmp[i].title)) == NULL)
			goto oom;
		f->n++;
	}
	f->last = f->day[n - 1];
	free(tmp);
	return f;
oom:
	free(tmp);
	calendar_feed_free(f);
	jerr_at(errs, events, "%s: out of memory", jv_path(events));
	return NULL;
}

/* Parse "url" (the feed to fetch: http or https) and "refresh". */
static void
calendar_feed_source(struct calendar *cal, struct jv *v, struct jerrs *errs)
{
	struct jv	*url, *refresh;
	struct duration	 d;
	char		 err[256];
	int64_t		 secs;

	cal->feed_refresh = CALENDAR_REFRESH;
	if ((url = jv_get(v, "url")) != NULL &&
	    jv_expect(errs, url, JV_STRING) == 0) {
		if ((strncmp(url->str, "https://", 8) != 0 &&
		    strncmp(url->str, "http://", 7) != 0) ||
		    strlen(url->str) != url->len || url->len > 2000 ||
		    strpbrk(url->str, " \t\r\n") != NULL)
			jerr_at(errs, url, "%s: expected an https:// (or, for "
			    "tests, http://) URL such as \"https://www.gov.uk/"
			    "bank-holidays.json\"", jv_path(url));
		else if ((cal->feed_url = strdup(url->str)) == NULL)
			jerr_at(errs, url, "%s: out of memory", jv_path(url));
	}
	if ((refresh = jv_get(v, "refresh")) == NULL ||
	    jv_expect(errs, refresh, JV_STRING) == -1)
		return;
	if (url == NULL) {
		jerr_key(errs, refresh, "%s: there is no \"url\" to refresh",
		    jv_path(refresh));
		return;
	}
	if (duration_parse(refresh->str, &d, err, sizeof err) == -1) {
		jerr_at(errs, refresh, "%s: %s", jv_path(refresh), err);
		return;
	}
	secs = duration_seconds(&d, 86400);
	if (duration_is_working(&d) || secs < 1) {
		jerr_at(errs, refresh, "%s: expected real time of at least a "
		    "second, such as \"1d\" or \"6h\"", jv_path(refresh));
		return;
	}
	cal->feed_refresh = secs;
}

/* Parse "bank_holidays": {"file": PATH, "division": NAME, "url": URL,
 * "refresh": DURATION}. */
static void
calendar_bank_holidays(struct calendar *cal, struct jv *v,
    const char *basedir, struct jerrs *errs)
{
	struct jv	*file, *divv, *feed;
	struct stat	 st;
	char		*path;
	size_t		 i, before = errs->n;

	if (jv_expect(errs, v, JV_OBJECT) == -1)
		return;
	if ((file = jv_get(v, "file")) == NULL)
		jerr_at(errs, v, "%s: missing key \"file\": the gov.uk "
		    "bank-holiday feed, e.g. \"calendars/uk-bank-holidays."
		    "json\"", jv_path(v));
	else
		jv_expect(errs, file, JV_STRING);
	if ((divv = jv_get(v, "division")) == NULL)
		jerr_at(errs, v, "%s: missing key \"division\": "
		    "\"england-and-wales\", \"scotland\" or "
		    "\"northern-ireland\"", jv_path(v));
	else if (jv_expect(errs, divv, JV_STRING) == 0) {
		for (i = 0; i < 3; i++)
			if (strcmp(divv->str, calendar_divisions[i]) == 0)
				break;
		if (i == 3)
			jerr_at(errs, divv, "%s: unknown division \"%.40s\": "
			    "expected \"england-and-wales\", \"scotland\" or "
			    "\"northern-ireland\"", jv_path(divv), divv->str);
	}
	calendar_feed_source(cal, v, errs);
	jv_unknown_keys(v, errs);
	if (errs->n > before)
		return;
	if ((path = calendar_path(basedir, file->str)) == NULL) {
		jerr_at(errs, file, "%s: out of memory", jv_path(file));
		return;
	}
	if (stat(path, &st) == -1) {
		jerr_at(errs, file, "%s: cannot read \"%s\": %s",
		    jv_path(file), path, strerror(errno));
		free(path);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		jerr_at(errs, file, "%s: \"%s\" is not a file", jv_path(file),
		    path);
		free(path);
		return;
	}
	/* Errors in the feed itself point into the feed. */
	if ((feed = jv_load(path, errs)) != NULL) {
		cal->file_feed = calendar_feed_read(feed, divv->str, divv, 0,
		    errs);
		jv_free(feed);
	}
	free(path);
	if ((cal->division = strdup(divv->str)) == NULL)
		jerr_at(errs, divv, "%s: out of memory", jv_path(divv));
}

/* Parse "closures": a list of dates. */
static void
calendar_closures(struct calendar *cal, struct jv *v, struct jerrs *errs)
{
	struct jv	*e;
	int32_t		 day;

	if (jv_expect(errs, v, JV_ARRAY) == -1)
		return;
	if ((cal->closures = calloc(jv_count(v) + 1,
	    sizeof *cal->closures)) == NULL) {
		jerr_at(errs, v, "%s: out of memory", jv_path(v));
		return;
	}
	for (e = v->child; e != NULL; e = e->next) {
		if (jv_expect(errs, e, JV_STRING) == -1 ||
		    calendar_date(cal, e, e->str, &day, errs) == -1)
			continue;
		cal->dayinfo[day - cal->first_day] = CALENDAR_DAY_CLOSED;
		cal->closures[cal->nclosures++] = day;
	}
}

/* Parse "special_hours": date -> list of windows ([] closed). */
static void
calendar_special(struct calendar *cal, struct jv *v, struct jerrs *errs)
{
	struct jv		*e;
	struct calendar_special	*sp;
	int32_t			 day;

	if (jv_expect(errs, v, JV_OBJECT) == -1)
		return;
	if ((cal->special = calloc(jv_count(v) + 1,
	    sizeof *cal->special)) == NULL) {
		jerr_at(errs, v, "%s: out of memory", jv_path(v));
		return;
	}
	for (e = v->child; e != NULL; e = e->next) {
		e->seen = 1;
		if (calendar_date(cal, e, e->key, &day, errs) == -1)
			continue;
		if (cal->dayinfo[day - cal->first_day] ==
		    CALENDAR_DAY_CLOSED) {
			jerr_key(errs, e, "%s: %s is listed in \"closures\" "
			    "too: keep one", jv_path(e), e->key);
			continue;
		}
		sp = &cal->special[cal->nspecial];
		if (calendar_windows(e, sp->w, &sp->n, errs) == -1)
			continue;
		sp->day = day;
		cal->dayinfo[day - cal->first_day] = (int32_t)cal->nspecial;
		cal->nspecial++;
	}
}

/* The default working day: the most common non-zero daily total. */
static int64_t
calendar_default_day(const struct calendar *cal)
{
	int64_t	total[7], best = 0;
	int	i, j, count, bestcount = 0;
	size_t	k;

	for (i = 0; i < 7; i++) {
		total[i] = 0;
		for (k = 0; k < cal->nweek[i]; k++)
			total[i] += cal->week[i][k].end - cal->week[i][k].start;
	}
	for (i = 0; i < 7; i++) {
		if (total[i] == 0)
			continue;
		for (count = 0, j = 0; j < 7; j++)
			count += total[j] == total[i];
		if (count > bestcount ||
		    (count == bestcount && total[i] > best)) {
			bestcount = count;
			best = total[i];
		}
	}
	return best;
}

/* Parse "working_day": a duration of at most a day. */
static void
calendar_working(struct calendar *cal, struct jv *v, struct jerrs *errs)
{
	struct duration	d;
	char		err[256];
	int64_t		secs;

	if (jv_expect(errs, v, JV_STRING) == -1)
		return;
	if (duration_parse(v->str, &d, err, sizeof err) == -1) {
		jerr_at(errs, v, "%s: %s", jv_path(v), err);
		return;
	}
	if (d.working && d.unit == DURATION_DAYS) {
		jerr_at(errs, v, "%s: a working day cannot be measured in "
		    "working days: give hours or minutes, e.g. \"450m\"",
		    jv_path(v));
		return;
	}
	secs = duration_seconds(&d, 86400);
	if (secs <= 0 || secs > 86400) {
		jerr_at(errs, v, "%s: \"%s\" is not between 1 second and 24 "
		    "hours", jv_path(v), v->str);
		return;
	}
	cal->working_day = secs;
}

/* Parse one calendar; NULL with errors added on failure. */
static struct calendar *
calendar_parse(struct jv *obj, const char *basedir, struct jerrs *errs)
{
	struct calendar	*cal;
	struct jv	*v;
	char		 err[512];
	size_t		 before = errs->n, i, ndays;

	if (jv_expect(errs, obj, JV_OBJECT) == -1)
		return NULL;
	if ((cal = calloc(1, sizeof *cal)) == NULL ||
	    (cal->name = strdup(obj->key)) == NULL)
		goto oom;
	cal->data_end = -1;
	cal->first_day = (int32_t)timeutil_days_from_civil(CALENDAR_FIRST_YEAR,
	    1, 1);
	cal->last_day = (int32_t)timeutil_days_from_civil(CALENDAR_LAST_YEAR,
	    12, 31);
	ndays = (size_t)(cal->last_day - cal->first_day + 1);
	if ((cal->dayinfo = malloc(ndays * sizeof *cal->dayinfo)) == NULL)
		goto oom;
	for (i = 0; i < ndays; i++)
		cal->dayinfo[i] = CALENDAR_DAY_WEEKLY;

	if ((v = jv_get(obj, "timezone")) == NULL) {
		if ((cal->tz = tz_load(CALENDAR_DEFAULT_TZ, NULL, err,
		    sizeof err)) == NULL)
			jerr_key(errs, obj, "%s: default time zone: %s",
			    jv_path(obj), err);
	} else if (jv_expect(errs, v, JV_STRING) == 0 &&
	    (cal->tz = tz_load(v->str, NULL, err, sizeof err)) == NULL)
		jerr_at(errs, v, "%s: %s", jv_path(v), err);

	if ((v = jv_get(obj, "hours")) == NULL)
		jerr_key(errs, obj, "%s: missing key \"hours\": working "
		    "windows per weekday, e.g. \"mon\": [\"09:00-17:00\"]",
		    jv_path(obj));
	else
		calendar_hours(cal, v, errs);
	if ((v = jv_get(obj, "closures")) != NULL)
		calendar_closures(cal, v, errs);
	if ((v = jv_get(obj, "special_hours")) != NULL)
		calendar_special(cal, v, errs);
	/* After the others: a bank holiday does not clash with them. */
	if ((v = jv_get(obj, "bank_holidays")) != NULL)
		calendar_bank_holidays(cal, v, basedir, errs);
	cal->working_day = calendar_default_day(cal);
	if ((v = jv_get(obj, "working_day")) != NULL)
		calendar_working(cal, v, errs);
	jv_unknown_keys(obj, errs);
	if (errs->n > before) {
		calendar_free(cal);
		return NULL;
	}
	if (calendar_apply(cal) == -1)
		goto oom;
	return cal;
oom:
	jerr_key(errs, obj, "%s: out of memory", jv_path(obj));
	calendar_free(cal);
	return NULL;
}

/* Parse every calendar. */
int
calendars_parse(struct jv *obj, const char *basedir, struct calendars **out,
    struct jerrs *errs)
{
	struct calendars	*cals;
	struct calendar		*cal;
	struct jv		*m;
	size_t			 before = errs->n;

	*out = NULL;
	if (obj == NULL || jv_expect(errs, obj, JV_OBJECT) == -1)
		return -1;
	if (jv_count(obj) == 0) {
		jerr_at(errs, obj, "%s: define at least one calendar",
		    obj->key != NULL ? jv_path(obj) : "calendars");
		return -1;
	}
	if ((cals = calloc(1, sizeof *cals)) == NULL ||
	    (cals->cal = calloc(jv_count(obj), sizeof *cals->cal)) == NULL) {
		free(cals);
		jerr_at(errs, obj, "calendars: out of memory");
		return -1;
	}
	for (m = obj->child; m != NULL; m = m->next) {
		m->seen = 1;
		if ((cal = calendar_parse(m, basedir, errs)) != NULL)
			cals->cal[cals->n++] = cal;
	}
	if (errs->n > before) {
		calendars_free(cals);
		return -1;
	}
	*out = cals;
	return 0;
}

/* A calendar by name. */
struct calendar *
calendars_get(const struct calendars *cals, const char *name)
{
	size_t	i;

	if (cals == NULL || name == NULL)
		return NULL;
	for (i = 0; i < cals->n; i++)
		if (strcmp(cals->cal[i]->name, name) == 0)
			return cals->cal[i];
	return NULL;
}

/* Number of calendars. */
size_t
calendars_count(const struct calendars *cals)
{
	return cals == NULL ? 0 : cals->n;
}

/* The i-th calendar. */
struct calendar *
calendars_at(const struct calendars *cals, size_t i)
{
	return cals == NULL || i >= cals->n ? NULL : cals->cal[i];
}

/* Free every calendar. */
void
calendars_free(struct calendars *cals)
{
	size_t	i;

	if (cals == NULL)
		return;
	for (i = 0; i < cals->n; i++)
		calendar_free(cals->cal[i]);
	free(cals->cal);
	free(cals);
}

/* Parse the "promise" object. */
int
calendar_promise_parse(struct jv *obj, const struct calendars *cals,
    struct promise *out, struct jerrs *errs)
{
	struct jv	*v;
	char		 err[256];
	size_t		 before = errs->n;

	memset(out, 0, sizeof *out);
	out->within.amount = 1;
	out->within.unit = DURATION_DAYS;
	out->within.working = 1;
	out->mode = CALENDAR_EXACT;
	if (obj == NULL || jv_expect(errs, obj, JV_OBJECT) == -1)
		return -1;
	if ((v = jv_get(obj, "respond_within")) != NULL &&
	    jv_expect(errs, v, JV_STRING) == 0) {
		if (duration_parse(v->str, &out->within, err,
		    sizeof err) == -1)
			jerr_at(errs, v, "%s: %s", jv_path(v), err);
		else if (!duration_is_working(&out->within))
			jerr_at(errs, v, "%s: expected working time such as "
			    "\"1 working day\" or \"4 working hours\", not "
			    "real time \"%s\"", jv_path(v), v->str);
		else if (out->within.amount == 0)
			jerr_at(errs, v, "%s: must be more than zero",
			    jv_path(v));
	}
	if ((v = jv_get(obj, "calendar")) != NULL) {
		if (jv_expect(errs, v, JV_STRING) == 0 &&
		    (out->calendar = calendars_get(cals, v->str)) == NULL)
			jerr_at(errs, v, "%s: no calendar \"%.64s\" in "
			    "\"calendars\"", jv_path(v), v->str);
	} else if (calendars_count(cals) == 1)
		out->calendar = calendars_at(cals, 0);
	else
		jerr_at(errs, obj, "promise: missing key \"calendar\": there "
		    "are %zu calendars, so name the one the promise uses",
		    calendars_count(cals));
	if ((v = jv_get(obj, "deadline")) != NULL &&
	    jv_expect(errs, v, JV_STRING) == 0) {
		if (strcmp(v->str, "exact") == 0)
			out->mode = CALENDAR_EXACT;
		else if (strcmp(v->str, "close-of-business") == 0)
			out->mode = CALENDAR_CLOSE_OF_BUSINESS;
		else
			jerr_at(errs, v, "%s: expected \"exact\" or "
			    "\"close-of-business\", not \"%.40s\"",
			    jv_path(v), v->str);
	}
	jv_unknown_keys(obj, errs);
	return errs->n > before ? -1 : 0;
}

/* The promise's respond_within in working seconds. */
int64_t
promise_seconds(const struct promise *p)
{
	if (p->calendar == NULL)
		return 0;
	return duration_seconds(&p->within,
	    calendar_working_day(p->calendar));
}
