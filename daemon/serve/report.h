/*
 * report.h: GET /v1/report, how often the promise was kept (SPEC §9).
 */
#ifndef SERVE_REPORT_H
#define SERVE_REPORT_H

#include <stdint.h>

#include "serve/api.h"

struct calendar;
struct cJSON;

extern const struct api_module report_api;

/*
 * The report gathered: j is GET /v1/report's object (without from and to)
 * which the callback owns, or NULL with error saying why (storage).
 */
typedef void (*report_cb)(struct api_call *, struct cJSON *j,
    const char *error, void *arg);

/*
 * The promise report of the conversations received in [from_ms, to_ms),
 * of one team (team, which the caller must manage) or of every team the
 * caller manages (NULL): overall, unsuppressed, and per team with small
 * numbers suppressed (rules/summary.h).  Later, done; -1 at once when
 * the storage cannot be asked (done is then never called).
 */
int	report_gather(struct api_call *, const char *team, int64_t from_ms,
	    int64_t to_ms, report_cb done, void *arg);

/* A date (YYYY-MM-DD) plus plus days as the start of that local day on
 * cal, in ms; -1 when it is not a date. */
int	report_day(const struct calendar *cal, const char *s, int plus,
	    int64_t *ms);

#endif
