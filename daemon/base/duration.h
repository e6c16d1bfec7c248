/*
 * duration.h: the one parser for durations in the configuration and on the
 * command line.  Working time ("2 working days", "4 working hours") is
 * measured on a calendar; plain time ("30m", "2h", "1d") is real time.
 * This module only reads text; it knows nothing of calendars.
 */
#ifndef DURATION_H
#define DURATION_H

#include <stddef.h>
#include <stdint.h>

enum duration_unit {
	DURATION_SECONDS,
	DURATION_MINUTES,
	DURATION_HOURS,
	DURATION_DAYS
};

struct duration {
	int64_t			amount;
	enum duration_unit	unit;
	int			working;	/* working, not real, time */
};

/* The longest duration accepted: 100 years of real time, in seconds. */
#define DURATION_MAX_SECONDS	(INT64_C(100) * 366 * 86400)

/* Parse text; on failure -1 and err says what is wrong. */
int	duration_parse(const char *text, struct duration *out, char *err,
	    size_t errlen);
/* Seconds in d; a day is working_day_seconds when working, else 86400. */
int64_t	duration_seconds(const struct duration *d,
	    int64_t working_day_seconds);
/* Whether d is working time. */
int	duration_is_working(const struct duration *d);
/* Write d back as text ("2 working days", "30m"); -1 if it does not fit. */
int	duration_format(const struct duration *d, char *buf, size_t len);

#endif
