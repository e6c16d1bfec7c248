/*
 * duration.c: "N working day(s)|hour(s)|minute(s)|second(s)" for working
 * time and "Ns|Nm|Nh|Nd" for real time.  Amounts are whole numbers: a
 * fraction is refused with a hint to use a smaller unit, so a duration is
 * always an exact number of seconds.  "2 days" is refused as ambiguous, since
 * whether a day means working time is exactly what a reader must not guess.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/duration.h"

static const struct duration_name {
	const char		*one, *many;
	enum duration_unit	 unit;
} duration_names[] = {
	{ "second", "seconds", DURATION_SECONDS },
	{ "minute", "minutes", DURATION_MINUTES },
	{ "hour", "hours", DURATION_HOURS },
	{ "day", "days", DURATION_DAYS },
};
#define DURATION_NNAMES	(sizeof duration_names / sizeof duration_names[0])

/* Copy text for a message: at most 64 characters, control bytes as '?'. */
static void
duration_quote(const char *text, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; text[i] != '\0' && i < 64 && i + 1 < len; i++)
		buf[i] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ?
		    '?' : text[i];
	if (text[i] != '\0' && i + 4 < len) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	if (len > 0)
		buf[i < len ? i : len - 1] = '\0';
}

/* Seconds in one unit (a day is a real day here). */
static int64_t
duration_unit_seconds(enum duration_unit unit, int64_t working_day)
{
	switch (unit) {
	case DURATION_SECONDS:
		return 1;
	case DURATION_MINUTES:
		return 60;
	case DURATION_HOURS:
		return 3600;
	case DURATION_DAYS:
		return working_day;
	}
	return 1;
}

/* Length of the word (letters only) at s. */
static size_t
duration_word(const char *s)
{
	size_t	n = 0;

	while (isalpha((unsigned char)s[n]))
		n++;
	return n;
}

/* Find a long unit name ("day", "hours") of n bytes; -1 if none. */
static int
duration_long_unit(const char *s, size_t n, enum duration_unit *unit)
{
	size_t	i;

	for (i = 0; i < DURATION_NNAMES; i++) {
		if ((strlen(duration_names[i].one) == n &&
		    strncasecmp(s, duration_names[i].one, n) == 0) ||
		    (strlen(duration_names[i].many) == n &&
		    strncasecmp(s, duration_names[i].many, n) == 0)) {
			*unit = duration_names[i].unit;
			return 0;
		}
	}
	return -1;
}

/* Parse a duration. */
int
duration_parse(const char *text, struct duration *out, char *err,
    size_t errlen)
{
	const char		*s = text, *w;
	char			 q[80], word[40];
	int64_t			 amount = 0;
	enum duration_unit	 unit;
	size_t			 n;
	int			 working = 0, toolong = 0;

	duration_quote(text, q, sizeof q);
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0') {
		snprintf(err, errlen, "empty duration: expected e.g. "
		    "\"1 working day\" or \"30m\"");
		return -1;
	}
	if (*s == '-') {
		snprintf(err, errlen, "negative duration \"%s\"", q);
		return -1;
	}
	if (*s < '0' || *s > '9') {
		snprintf(err, errlen, "expected a number at the start of "
		    "\"%s\"", q);
		return -1;
	}
	while (*s >= '0' && *s <= '9') {
		if (amount > DURATION_MAX_SECONDS)
			toolong = 1;
		else
			amount = amount * 10 + (*s - '0');
		s++;
	}
	if (*s == '.' || *s == ',') {
		snprintf(err, errlen, "fraction in \"%s\": use a whole number "
		    "of a smaller unit, e.g. \"450 working minutes\" for 7.5 "
		    "working hours", q);
		return -1;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0') {
		snprintf(err, errlen, "missing unit in \"%s\": e.g. \"%s "
		    "working hours\" or \"%sm\"", q, "4", "30");
		return -1;
	}
	w = s;
	n = duration_word(w);
	duration_quote(w, word, sizeof word);
	if (n > 0 && n < strlen(word))
		word[n] = '\0';
	if (n == 7 && strncasecmp(w, "working", 7) == 0) {
		working = 1;
		s = w + n;
		if (*s != ' ' && *s != '\t') {
			snprintf(err, errlen, "missing unit after \"working\" "
			    "in \"%s\": day, hour, minute or second", q);
			return -1;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		w = s;
		n = duration_word(w);
		duration_quote(w, word, sizeof word);
		if (n > 0 && n < strlen(word))
			word[n] = '\0';
		if (n == 0 || duration_long_unit(w, n, &unit) == -1) {
			snprintf(err, errlen, "unknown unit \"%s\" in \"%s\": "
			    "expected working days, hours, minutes or seconds",
			    word, q);
			return -1;
		}
	} else if (n == 1 && strchr("smhd", w[0]) != NULL) {
		unit = w[0] == 's' ? DURATION_SECONDS :
		    w[0] == 'm' ? DURATION_MINUTES :
		    w[0] == 'h' ? DURATION_HOURS : DURATION_DAYS;
	} else if (n > 0 && duration_long_unit(w, n, &unit) == 0) {
		snprintf(err, errlen, "ambiguous unit \"%s\" in \"%s\": write "
		    "\"working %s\" for working time or a plain unit (s, m, h, "
		    "d) for real time", word, q, word);
		return -1;
	} else {
		snprintf(err, errlen, "unknown unit \"%s\" in \"%s\"",
		    word, q);
		return -1;
	}
	s = w + n;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '\0') {
		duration_quote(s, word, sizeof word);
		snprintf(err, errlen, "unexpected \"%s\" after the unit in "
		    "\"%s\"", word, q);
		return -1;
	}
	/* A working day is at most a real day, so this bounds both. */
	if (toolong || amount > DURATION_MAX_SECONDS /
	    duration_unit_seconds(unit, 86400)) {
		snprintf(err, errlen, "duration \"%s\" is too long (at most "
		    "100 years)", q);
		return -1;
	}
	out->amount = amount;
	out->unit = unit;
	out->working = working;
	return 0;
}

/* Seconds in a duration. */
int64_t
duration_seconds(const struct duration *d, int64_t working_day_seconds)
{
	int64_t	day = d->working ? working_day_seconds : 86400, unit;

	unit = duration_unit_seconds(d->unit, day);
	if (d->amount < 0 || unit < 0)
		return 0;
	if (unit > 0 && d->amount > INT64_MAX / unit)
		return INT64_MAX;	/* never reached: amounts are bounded */
	return d->amount * unit;
}

/* Whether a duration is working time. */
int
duration_is_working(const struct duration *d)
{
	return d->working;
}

/* Write a duration back as text. */
int
duration_format(const struct duration *d, char *buf, size_t len)
{
	const struct duration_name	*nm = NULL;
	size_t				 i;
	int				 n;

	for (i = 0; i < DURATION_NNAMES; i++)
		if (duration_names[i].unit == d->unit)
			nm = &duration_names[i];
	if (nm == NULL)
		return -1;
	if (d->working)
		n = snprintf(buf, len, "%lld working %s", (long long)d->amount,
		    d->amount == 1 ? nm->one : nm->many);
	else
		n = snprintf(buf, len, "%lld%c", (long long)d->amount,
		    nm->one[0]);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
