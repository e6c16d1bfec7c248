/*
 * feed.h: the bank-holiday feed that refreshes itself (SPEC section 18).
 * A calendar may name bank_holidays.url (the gov.uk feed); once per
 * bank_holidays.refresh (a day by default) one instance fetches it through
 * the event loop (io/fetch.c), checks it for every calendar that names it
 * (the gov.uk format, the calendar's division present, dates in order, not
 * ending sooner than the data in use) and stores it in Redis for every
 * instance.  A failed or refused fetch keeps the data in use, is logged as
 * a warning and counted in replyd_bank_holiday_fetches_total, and is tried
 * again within the hour.  Who applies a stored feed to the calendars is
 * calsync.c; this module fetches, checks and stores.
 */
#ifndef FEED_H
#define FEED_H

#include <stddef.h>

struct calendar;
struct calendar_feed;
struct server;

enum feed_result {
	FEED_UPDATED,		/* a new feed is stored */
	FEED_UNCHANGED,		/* the stored one was fetched again */
	FEED_REFUSED,		/* failed or invalid: the old data stays */
	FEED_SKIPPED		/* not due, or another instance fetches it */
};

/* sha: the stored feed's (FEED_UPDATED, FEED_UNCHANGED). */
typedef void (*feed_done_cb)(struct server *, const char *url,
    enum feed_result, const char *sha, void *arg);

/* Define the metrics (once). */
void	feed_init(void);
/* Fetch url's feed if it is due, check it and store the outcome; done is
 * called once.  -1 (done never called) when it cannot start. */
int	feed_refresh(struct server *, const char *url, feed_done_cb, void *);
/* A feed body as calendar cal may use it: its division, read strictly,
 * not ending before the file's data.  NULL with err set otherwise. */
struct calendar_feed *feed_for(const struct calendar *cal, const char *body,
	    size_t len, char *err, size_t errlen);

#endif
