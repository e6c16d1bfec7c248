/*
 * pagetext.c: see pagetext.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/template.h"
#include "base/timeutil.h"
#include "conf/config.h"
#include "rules/calendar.h"
#include "serve/api.h"
#include "serve/pagetext.h"

/* A field of the date, trimmed into buf (at most len - 1 bytes). */
static const char *
pagetext_value(const struct api_call *c, const char *prefix,
    const char *part, char *buf, size_t len)
{
	const char	*v;
	char		 key[96];
	size_t		 n;

	snprintf(key, sizeof key, "%s-%s", prefix, part);
	buf[0] = '\0';
	if (c->form == NULL || (v = api_field(c, key)) == NULL)
		return buf;
	while (*v == ' ' || *v == '\t')
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

/* Read a date from the form. */
enum pagetext_date_result
pagetext_date(const struct api_call *c, const char *prefix, int32_t *day)
{
	char	d[16], m[16], y[16];

	pagetext_value(c, prefix, "day", d, sizeof d);
	pagetext_value(c, prefix, "month", m, sizeof m);
	pagetext_value(c, prefix, "year", y, sizeof y);
	if (d[0] == '\0' && m[0] == '\0' && y[0] == '\0')
		return PAGETEXT_DATE_EMPTY;
	/* Strict (fuzz-timeutil): the years a calendar covers. */
	if (timeutil_parse_dmy(d, m, y, day) == -1)
		return PAGETEXT_DATE_INVALID;
	return PAGETEXT_DATE_OK;
}

/* A date input for a template. */
struct template_node *
pagetext_date_field(struct template_node *list, const struct api_call *c,
    const char *prefix, const char *legend, const char *hint,
    const char *error)
{
	struct template_node	*f;
	char			 buf[16];

	if ((f = template_append_object(list)) == NULL)
		return NULL;
	template_set(f, "id", prefix);
	template_set(f, "legend", legend);
	template_set(f, "hint", hint);
	template_set(f, "error", error);
	template_set(f, "day", pagetext_value(c, prefix, "day", buf,
	    sizeof buf));
	template_set(f, "month", pagetext_value(c, prefix, "month", buf,
	    sizeof buf));
	template_set(f, "year", pagetext_value(c, prefix, "year", buf,
	    sizeof buf));
	return f;
}

/* A day in words. */
void
pagetext_day(int32_t day, int32_t today, int brief, char *buf, size_t len)
{
	static const char *const wd[7] = { "Sunday", "Monday", "Tuesday",
	    "Wednesday", "Thursday", "Friday", "Saturday" };
	static const char *const mon[12] = { "January", "February", "March",
	    "April", "May", "June", "July", "August", "September", "October",
	    "November", "December" };
	int64_t	y, ty;
	int	m, d, tm, td;

	timeutil_civil_from_days(day, &y, &m, &d);
	timeutil_civil_from_days(today, &ty, &tm, &td);
	if (brief)
		snprintf(buf, len, "%.3s %d %.3s", wd[timeutil_weekday(day)], d,
		    mon[m - 1]);
	else
		snprintf(buf, len, "%s %d %s", wd[timeutil_weekday(day)], d,
		    mon[m - 1]);
	if (y != ty) {
		size_t	n = strlen(buf);

		snprintf(buf + n, len > n ? len - n : 0, " %lld",
		    (long long)y);
	}
}

/* Local midnight of a day. */
int64_t
pagetext_midnight(const struct calendar *cal, int32_t day)
{
	struct tm	tm;
	int64_t		t = (int64_t)day * 86400;

	/* Start at 00:00 UTC, correct by the zone's offset there; then once
	 * more, in case the offset changed in between (clocks changing). */
	if (cal != NULL && calendar_local(cal, t, &tm) == 0) {
		t -= tm.tm_gmtoff;
		if (calendar_local(cal, t, &tm) == 0 && (tm.tm_hour != 0 ||
		    tm.tm_min != 0))
			t = (int64_t)day * 86400 - tm.tm_gmtoff;
	}
	return t;
}

/* A person's name as staff know it (their id when no longer configured). */
const char *
pagetext_name(const struct config *cfg, const char *id)
{
	const struct config_person	*p = config_person(cfg, id);

	return p != NULL && p->name != NULL ? p->name : id;
}

/* Percent-encode s for a path segment or a query value. */
void
pagetext_encode(const char *s, char *buf, size_t len)
{
	size_t	o = 0;

	for (; s != NULL && *s != '\0' && o + 4 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL)
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, len - o, "%%%02X", ch);
	}
	if (len > 0)
		buf[o < len ? o : len - 1] = '\0';
}
