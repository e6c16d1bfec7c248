/*
 * fuzz-feed.c: arbitrary bytes as a bank-holiday feed fetched from
 * bank_holidays.url (outside input: whoever answers that URL writes it).
 * Parsing must never crash or leak; a feed it accepts must list at least
 * one date, in increasing order, each with a title; checking it against
 * the shipped feed and giving it to a calendar must work, and deadlines on
 * that calendar must keep the rule's invariants.  Run from the repository
 * root (the calendar reads config/calendars/uk-bank-holidays.json).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/calendar.h"
#include "base/jsonc.h"

#define FUZZ_FEED_CALENDAR						\
	"{\"office\": {\"hours\": {\"mon\": [\"09:00-17:00\"], "	\
	"\"fri\": [\"09:00-12:00\", \"13:00-17:00\"]}, \"bank_holidays\": " \
	"{\"file\": \"config/calendars/uk-bank-holidays.json\", "	\
	"\"division\": \"scotland\"}}}"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The calendar the accepted feeds are given to, parsed once. */
static struct calendar *
fuzz_feed_calendar(void)
{
	static struct calendars	*cals;
	struct jerrs		 errs;
	struct jv		*root;

	if (cals != NULL)
		return calendars_get(cals, "office");
	memset(&errs, 0, sizeof errs);
	root = jv_parse("fuzz", FUZZ_FEED_CALENDAR,
	    strlen(FUZZ_FEED_CALENDAR), &errs);
	if (root == NULL || calendars_parse(root, ".", &cals, &errs) == -1)
		abort();
	jv_free(root);
	jerrs_clear(&errs);
	return calendars_get(cals, "office");
}

/* Check an accepted feed's promises. */
static void
fuzz_feed_check(const struct calendar_feed *f)
{
	const char	*title;
	int32_t		 day, prev = INT32_MIN;
	size_t		 i;

	if (calendar_feed_count(f) == 0)
		abort();
	for (i = 0; i < calendar_feed_count(f); i++) {
		if ((title = calendar_feed_at(f, i, &day)) == NULL ||
		    day <= prev)
			abort();
		prev = day;
	}
	if (calendar_feed_last(f) != prev)
		abort();
}

/* Parse one input for each division; use what is accepted. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const divisions[] = { "england-and-wales",
	    "scotland", "northern-ireland" };
	static const int64_t	 arrivals[] = { 1773225000, 1798115400,
	    4102444799 };
	struct calendar		*cal = fuzz_feed_calendar();
	const struct calendar_feed *in_use;
	struct calendar_feed	*f;
	char			 err[512];
	int64_t			 d;
	size_t			 i, j;

	for (i = 0; i < 3; i++) {
		f = NULL;
		if (calendar_feed_parse("feed", (const char *)data, size,
		    divisions[i], &f, err, sizeof err) == -1) {
			if (f != NULL || err[0] == '\0')
				abort();
			continue;
		}
		fuzz_feed_check(f);
		in_use = calendar_holidays(cal);
		calendar_feed_check(f, in_use, err, sizeof err);
		if (i == 1) {
			if (calendar_update(cal, NULL, 0, f) == -1)
				abort();
			for (j = 0; j < 3; j++) {
				d = calendar_deadline(cal, arrivals[j], 8 * 3600,
				    CALENDAR_EXACT);
				if (d != CALENDAR_NEVER && (d < arrivals[j] ||
				    calendar_elapsed(cal, arrivals[j], d) !=
				    8 * 3600))
					abort();
			}
			if (calendar_update(cal, NULL, 0, NULL) == -1)
				abort();
		}
		calendar_feed_free(f);
	}
	return 0;
}
