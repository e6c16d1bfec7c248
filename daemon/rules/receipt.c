/*
 * receipt.c: see receipt.h.  Times follow the GOV.UK style guide: "5:30pm",
 * "9am", "midday", "midnight"; dates as "Tuesday 26 May".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/receipt.h"
#include "base/timeutil.h"

#define RECEIPT_YEAR_AFTER_DAYS	180

static const char *const receipt_weekdays[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};

static const char *const receipt_months[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* Days since 1970-01-01 of a local time's date. */
static int64_t
receipt_day(const struct tm *tm)
{
	return timeutil_days_from_civil((int64_t)tm->tm_year + 1900,
	    tm->tm_mon + 1, tm->tm_mday);
}

/* A minute of the day (0..1439, not 0) as "4:55pm", "9am" or "midday". */
static void
receipt_clock(int minute, char *buf, size_t len)
{
	int	h = minute / 60, m = minute % 60;

	if (minute == 12 * 60)
		snprintf(buf, len, "midday");
	else if (m == 0)
		snprintf(buf, len, "%d%s", h % 12 ? h % 12 : 12,
		    h < 12 ? "am" : "pm");
	else
		snprintf(buf, len, "%d:%02d%s", h % 12 ? h % 12 : 12, m,
		    h < 12 ? "am" : "pm");
}

/* The deadline in words; see receipt.h. */
int
receipt_deadline_words(const struct tm *deadline, const struct tm *now,
    char *buf, size_t len)
{
	int64_t	day, today, y;
	int	minute, mon, mday, n;
	char	clock[16];

	day = receipt_day(deadline);
	today = receipt_day(now);
	/* Round up to the minute: never promise earlier than the deadline. */
	minute = deadline->tm_hour * 60 + deadline->tm_min +
	    (deadline->tm_sec > 0);
	if (minute >= 24 * 60) {
		minute -= 24 * 60;
		day++;
	}
	if (minute == 0) {
		/* 00:00 is the end of the day before: "midnight tonight". */
		day--;
		snprintf(clock, sizeof clock, "midnight");
	} else
		receipt_clock(minute, clock, sizeof clock);

	if (day == today)
		n = snprintf(buf, len, "%s %s", clock, minute == 0 ? "tonight" :
		    "today");
	else if (day == today + 1)
		n = snprintf(buf, len, "%s tomorrow", clock);
	else {
		timeutil_civil_from_days(day, &y, &mon, &mday);
		if (day - today >= RECEIPT_YEAR_AFTER_DAYS)
			n = snprintf(buf, len, "%s on %s %d %s %lld", clock,
			    receipt_weekdays[timeutil_weekday(day)], mday,
			    receipt_months[mon - 1], (long long)y);
		else
			n = snprintf(buf, len, "%s on %s %d %s", clock,
			    receipt_weekdays[timeutil_weekday(day)], mday,
			    receipt_months[mon - 1]);
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The receipt: the template filled in, plus the out-of-hours text. */
char *
receipt_text(const char *tmpl, const char *words, const char *out_of_hours)
{
	static const char	 key[] = "{deadline}";
	const char		*p, *q;
	char			*out = NULL;
	size_t			 len = 0;
	FILE			*f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	for (p = tmpl; (q = strstr(p, key)) != NULL; p = q + sizeof key - 1) {
		fwrite(p, 1, (size_t)(q - p), f);
		fputs(words, f);
	}
	fputs(p, f);
	if (out_of_hours != NULL && out_of_hours[0] != '\0') {
		/* One space between the sentences, unless the template ends
		 * with white space of its own. */
		if (*tmpl != '\0' && strchr(" \n", tmpl[strlen(tmpl) - 1]) ==
		    NULL)
			fputc(' ', f);
		fputs(out_of_hours, f);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
