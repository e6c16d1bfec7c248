/*
 * feed.c: see feed.h.  The fetch lock and the time of the next fetch live
 * in the feed's hash in Redis (feed-lock-1), so however many instances
 * run, one fetches when it falls due and the others read what it stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/metrics.h"
#include "conf/config.h"
#include "io/fetch.h"
#include "rules/calendar.h"
#include "store/cal.h"
#include "serve/feed.h"
#include "serve/recompute.h"
#include "serve/server.h"

#define FEED_MAX_BODY		(1024 * 1024)
#define FEED_TIMEOUT_MS		30000
#define FEED_LOCK_MS		(2 * FEED_TIMEOUT_MS)
#define FEED_RETRY_MAX_MS	(3600 * 1000)	/* after a failure, at most */
#define FEED_FETCHES		"replyd_bank_holiday_fetches_total"

/* One refresh under way. */
struct feed_req {
	struct server	*srv;
	char		*url;
	feed_done_cb	 done;
	void		*arg;
	int64_t		 next_ms;	/* after a success */
	enum feed_result result;	/* when the outcome is stored */
	const char	*outcome;	/* for the metric */
};

/* Define the metrics. */
void
feed_init(void)
{
	metrics_define(FEED_FETCHES, METRICS_COUNTER,
	    "Fetches of bank_holidays.url, by outcome: updated, unchanged, "
	    "failed (no answer or not 200) and invalid (refused).");
}

/* The URL without its query, for the log. */
static void
feed_label(const char *url, char *buf, size_t len)
{
	size_t	n = strcspn(url, "?#");

	snprintf(buf, len, "%.*s", (int)(n < 300 ? n : 300), url);
}

/* Answer the caller and free the request. */
static void
feed_finish(struct feed_req *fr, enum feed_result res, const char *sha)
{
	if (!fr->srv->closing)
		fr->done(fr->srv, fr->url, res, sha, fr->arg);
	free(fr->url);
	free(fr);
}

/* The outcome is stored. */
static void
feed_stored(enum store_feed_put_result res, int64_t rev, const char *sha,
    const char *err, void *arg)
{
	struct feed_req	*fr = arg;
	char		 label[320];

	feed_label(fr->url, label, sizeof label);
	if (res == STORE_FEED_PUT_FAILED) {
		log_warnx("bank-holiday feed %s: storing it: %s", label,
		    err != NULL ? err : "Redis failed");
		feed_finish(fr, FEED_REFUSED, "");
		return;
	}
	if (res == STORE_FEED_UPDATED) {
		metrics_inc(FEED_FETCHES, "outcome=\"updated\"");
		log_info("bank-holiday feed %s: a new feed is stored for every "
		    "instance", label);
		feed_finish(fr, FEED_UPDATED, sha);
	} else if (res == STORE_FEED_UNCHANGED) {
		metrics_inc(FEED_FETCHES, "outcome=\"unchanged\"");
		log_debug("bank-holiday feed %s: unchanged", label);
		feed_finish(fr, FEED_UNCHANGED, sha);
	} else
		feed_finish(fr, FEED_REFUSED, sha);
}

/* The fetch failed or was refused: keep the data, say so, try again. */
static void
feed_refuse(struct feed_req *fr, const char *outcome, const char *why)
{
	char	label[320], labels[64];
	int64_t	retry = fr->next_ms < FEED_RETRY_MAX_MS ? fr->next_ms :
		    FEED_RETRY_MAX_MS;

	feed_label(fr->url, label, sizeof label);
	snprintf(labels, sizeof labels, "outcome=\"%s\"", outcome);
	metrics_inc(FEED_FETCHES, labels);
	log_warnx("bank-holiday feed %s: %s; keeping the bank-holiday data in "
	    "use", label, why);
	if (store_feed_put(fr->srv->db, fr->url, 0, why, strlen(why), retry,
	    feed_stored, fr) == -1)
		feed_finish(fr, FEED_REFUSED, "");
}

/* A feed body as cal may use it. */
struct calendar_feed *
feed_for(const struct calendar *cal, const char *body, size_t len, char *err,
    size_t errlen)
{
	struct calendar_feed	*f;
	char			 why[400];

	if (calendar_division(cal) == NULL) {
		snprintf(err, errlen, "calendar \"%s\" has no division",
		    calendar_name(cal));
		return NULL;
	}
	if (calendar_feed_parse("bank_holidays.url", body, len,
	    calendar_division(cal), &f, err, errlen) == -1)
		return NULL;
	if (calendar_feed_check(f, calendar_holidays_file(cal), why,
	    sizeof why) == -1) {
		snprintf(err, errlen, "against bank_holidays.file: %s", why);
		calendar_feed_free(f);
		return NULL;
	}
	return f;
}

/* The answer arrived: check it for every calendar that names the URL. */
static void
feed_fetched(void *arg, const struct replyd_http_response *resp)
{
	struct feed_req		*fr = arg;
	const struct config	*cfg;
	const struct calendar	*cal;
	struct calendar_feed	*f;
	char			 err[600], why[700];
	size_t			 i, n = 0;

	if (fr->srv->closing) {
		feed_finish(fr, FEED_REFUSED, "");
		return;
	}
	cfg = fr->srv->cfg;
	if (resp->error != NULL || resp->status != 200) {
		if (resp->error != NULL)
			snprintf(why, sizeof why, "fetch failed: %s",
			    resp->error);
		else
			snprintf(why, sizeof why, "fetch failed: HTTP status "
			    "%d", resp->status);
		feed_refuse(fr, "failed", why);
		return;
	}
	for (i = 0; i < calendars_count(cfg->calendars); i++) {
		cal = calendars_at(cfg->calendars, i);
		if (calendar_feed_url(cal) == NULL ||
		    strcmp(calendar_feed_url(cal), fr->url) != 0)
			continue;
		n++;
		if ((f = feed_for(cal, resp->body, resp->body_len, err,
		    sizeof err)) == NULL) {
			snprintf(why, sizeof why, "refused for calendar "
			    "\"%s\": %s", calendar_name(cal), err);
			feed_refuse(fr, "invalid", why);
			return;
		}
		if (calendar_feed_check(f, calendar_holidays(cal), err,
		    sizeof err) == -1) {
			calendar_feed_free(f);
			snprintf(why, sizeof why, "refused for calendar "
			    "\"%s\": %s", calendar_name(cal), err);
			feed_refuse(fr, "invalid", why);
			return;
		}
		calendar_feed_free(f);
	}
	if (n == 0) {
		/* A reload dropped the URL meanwhile. */
		feed_finish(fr, FEED_SKIPPED, "");
		return;
	}
	if (store_feed_put(fr->srv->db, fr->url, 1, resp->body,
	    resp->body_len, fr->next_ms, feed_stored, fr) == -1)
		feed_finish(fr, FEED_REFUSED, "");
}

/* The fetch lock answered: fetch, or leave it to another instance. */
static void
feed_locked(enum store_feed_lock_result res, const char *err, void *arg)
{
	struct feed_req			*fr = arg;
	struct replyd_http_request	 req;

	if (fr->srv->closing || res != STORE_FEED_LOCKED) {
		if (res == STORE_FEED_LOCK_FAILED && !fr->srv->closing)
			log_warnx("bank-holiday feed: taking the fetch lock: "
			    "%s", err != NULL ? err : "Redis failed");
		feed_finish(fr, FEED_SKIPPED, "");
		return;
	}
	memset(&req, 0, sizeof req);
	req.size = sizeof req;
	req.method = "GET";
	req.url = fr->url;
	req.timeout_ms = FEED_TIMEOUT_MS;
	if (fetch_http_limit(fr->srv->fetch, &req, FEED_MAX_BODY,
	    feed_fetched, fr) == -1)
		feed_refuse(fr, "failed", "the request could not be made");
}

/* Fetch url's feed if it is due. */
int
feed_refresh(struct server *srv, const char *url, feed_done_cb done,
    void *arg)
{
	const struct config	*cfg = srv->cfg;
	const struct calendar	*cal;
	struct feed_req		*fr;
	int64_t			 refresh = -1, r;
	size_t			 i;

	for (i = 0; i < calendars_count(cfg->calendars); i++) {
		cal = calendars_at(cfg->calendars, i);
		if (calendar_feed_url(cal) == NULL ||
		    strcmp(calendar_feed_url(cal), url) != 0)
			continue;
		r = calendar_feed_refresh(cal);
		if (refresh == -1 || r < refresh)
			refresh = r;
	}
	if (refresh == -1 || (fr = calloc(1, sizeof *fr)) == NULL)
		return -1;
	if ((fr->url = strdup(url)) == NULL) {
		free(fr);
		return -1;
	}
	fr->srv = srv;
	fr->done = done;
	fr->arg = arg;
	fr->next_ms = refresh * 1000;
	if (store_feed_lock(srv->db, url, recompute_owner(srv), FEED_LOCK_MS,
	    feed_locked, fr) == -1) {
		free(fr->url);
		free(fr);
		return -1;
	}
	return 0;
}
