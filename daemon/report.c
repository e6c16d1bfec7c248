/*
 * report.c: the promise report.  "In time" means a response recorded at or
 * before the deadline; "late" a response after it; "still open" no
 * response yet (an open conversation past its deadline is also counted in
 * "overdue").  Response times are in working hours on the team's calendar.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "api.h"
#include "calendar.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "report.h"
#include "server.h"
#include "store.h"
#include "timeutil.h"

/* Compare int64 values for qsort. */
static int
report_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (nearest rank) of sorted values. */
static int64_t
report_quantile(const int64_t *v, size_t n, double q)
{
	size_t	rank;

	rank = (size_t)(q * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

/* A count, or "<5" when it must be suppressed. */
static void
report_count(cJSON *j, const char *key, long n, int suppress)
{
	if (suppress && n > 0 && n < REPORT_SUPPRESS_BELOW)
		cJSON_AddStringToObject(j, key, "<5");
	else
		cJSON_AddNumberToObject(j, key, (double)n);
}

/* Summarise rows. */
cJSON *
report_summarise(const struct report_row *rows, size_t n, int64_t now_ms,
    int suppress)
{
	cJSON		*j, *esc, *urg;
	int64_t		*times, *utimes;
	size_t		 i, nt = 0, nu = 0;
	long		 in_time = 0, late = 0, open = 0, overdue = 0;
	long		 urgent = 0, unknown = 0, steps[16] = { 0 };
	int		 k, maxstep = 0;
	char		 key[8];

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	times = calloc(n + 1, sizeof *times);
	utimes = calloc(n + 1, sizeof *utimes);
	for (i = 0; i < n; i++) {
		const struct report_row *r = &rows[i];

		if (r->responded_ms > 0) {
			if (r->responded_ms <= r->deadline_ms)
				in_time++;
			else
				late++;
			if (times != NULL && r->response_working_s >= 0)
				times[nt++] = r->response_working_s;
			if (r->urgent && utimes != NULL)
				utimes[nu++] = (r->responded_ms -
				    r->received_ms) / 1000;
		} else {
			open++;
			if (r->deadline_ms <= now_ms)
				overdue++;
		}
		urgent += r->urgent != 0;
		unknown += r->unknown_sender != 0;
		for (k = 1; k <= r->steps && k < 16; k++)
			steps[k]++;
		if (r->steps > maxstep)
			maxstep = r->steps < 15 ? r->steps : 15;
	}
	report_count(j, "received", (long)n, suppress);
	report_count(j, "responded_in_time", in_time, suppress);
	/* A percentage of a suppressed count would reveal it. */
	if (n > 0 && !(suppress && n < REPORT_SUPPRESS_BELOW))
		cJSON_AddNumberToObject(j, "responded_in_time_percent",
		    (double)(in_time * 1000 / (long)n) / 10.0);
	else
		cJSON_AddNullToObject(j, "responded_in_time_percent");
	report_count(j, "late", late, suppress);
	report_count(j, "still_open", open, suppress);
	report_count(j, "overdue_now", overdue, suppress);
	if (nt > 0 && !(suppress && nt < REPORT_SUPPRESS_BELOW)) {
		qsort(times, nt, sizeof *times, report_cmp);
		cJSON_AddNumberToObject(j, "median_response_working_hours",
		    (double)(report_quantile(times, nt, 0.5) / 36) / 100.0);
		cJSON_AddNumberToObject(j, "p90_response_working_hours",
		    (double)(report_quantile(times, nt, 0.9) / 36) / 100.0);
	} else {
		cJSON_AddNullToObject(j, "median_response_working_hours");
		cJSON_AddNullToObject(j, "p90_response_working_hours");
	}
	esc = cJSON_AddObjectToObject(j, "escalations");
	for (k = 1; k <= maxstep; k++) {
		snprintf(key, sizeof key, "%d", k);
		report_count(esc, key, steps[k], suppress);
	}
	urg = cJSON_AddObjectToObject(j, "urgent");
	report_count(urg, "count", urgent, suppress);
	if (nu > 0 && !(suppress && nu < REPORT_SUPPRESS_BELOW)) {
		qsort(utimes, nu, sizeof *utimes, report_cmp);
		cJSON_AddNumberToObject(urg, "median_response_minutes",
		    (double)(report_quantile(utimes, nu, 0.5) / 6) / 10.0);
	} else
		cJSON_AddNullToObject(urg, "median_response_minutes");
	report_count(j, "unknown_sender", unknown, suppress);
	free(times);
	free(utimes);
	return j;
}

struct report_req {
	struct server		*srv;
	struct http_req		*req;
	struct report_row	*rows;
	char			**teams;	/* owned copies of team ids */
	size_t			 n, cap;
	int			 pending;
	int			 failed;
	char			 team[128];
	char			 from[16], to[16];
};

/* Working seconds from receipt to response on the team's calendar. */
static int64_t
report_working(const struct config *cfg, const char *team, int64_t from_ms,
    int64_t to_ms)
{
	const struct config_team	*t = config_team(cfg, team);
	const struct calendar		*cal = t && t->calendar ? t->calendar :
					    cfg->promise.calendar;

	return calendar_elapsed(cal, from_ms / 1000, to_ms / 1000);
}

/* Every partition answered: summarise overall and per team. */
static void
report_finish(struct report_req *r)
{
	const struct config	*cfg = r->srv->cfg;
	struct report_row	*sub;
	cJSON			*j, *teams;
	size_t			 i, k, ns;

	if (r->failed) {
		http_unavailable(r->req, "storage unavailable");
		goto out;
	}
	j = report_summarise(r->rows, r->n, server_time_ms(r->srv), 0);
	cJSON_AddStringToObject(j, "from", r->from);
	cJSON_AddStringToObject(j, "to", r->to);
	if (r->team[0] != '\0')
		cJSON_AddStringToObject(j, "team", r->team);
	teams = cJSON_AddObjectToObject(j, "teams");
	sub = calloc(r->n + 1, sizeof *sub);
	for (k = 0; sub != NULL && k < cfg->nteams; k++) {
		if (r->team[0] != '\0' && strcmp(cfg->teams[k].id, r->team))
			continue;
		for (i = ns = 0; i < r->n; i++)
			if (strcmp(r->rows[i].team, cfg->teams[k].id) == 0)
				sub[ns++] = r->rows[i];
		cJSON_AddItemToObject(teams, cfg->teams[k].id,
		    report_summarise(sub, ns, server_time_ms(r->srv), 1));
	}
	free(sub);
	http_reply_json(r->req, 200, j);
out:
	for (i = 0; i < r->n; i++)
		free(r->teams[i]);
	free(r->teams);
	free(r->rows);
	free(r);
}

/* One answer (or the starting guard) is in: finish after the last. */
static void
report_release(struct report_req *r)
{
	if (--r->pending == 0)
		report_finish(r);
}

/* One partition's rows. */
static void
report_part(struct redisReply *reply, const char *err, void *arg)
{
	struct report_req	*r = arg;
	size_t			 i;

	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
		r->failed = 1;
	else
		for (i = 0; i < reply->elements; i++) {
			const redisReply	*f = reply->element[i];
			struct report_row	*row;
			void			*nr, *nt;

			if (f->type != REDIS_REPLY_ARRAY || f->elements != 7 ||
			    f->element[0]->str == NULL)
				continue;
			if (r->team[0] != '\0' &&
			    strcmp(f->element[0]->str, r->team) != 0)
				continue;
			if (r->n == r->cap) {
				r->cap = r->cap ? r->cap * 2 : 256;
				nr = realloc(r->rows, r->cap * sizeof *r->rows);
				nt = realloc(r->teams, r->cap *
				    sizeof *r->teams);
				if (nr != NULL)
					r->rows = nr;
				if (nt != NULL)
					r->teams = nt;
				if (nr == NULL || nt == NULL) {
					r->failed = 1;
					break;
				}
			}
			row = &r->rows[r->n];
			memset(row, 0, sizeof *row);
			r->teams[r->n] = strdup(f->element[0]->str);
			row->team = r->teams[r->n];
			row->received_ms = f->element[1]->str ?
			    strtoll(f->element[1]->str, NULL, 10) : 0;
			row->deadline_ms = f->element[2]->str ?
			    strtoll(f->element[2]->str, NULL, 10) : 0;
			row->responded_ms = f->element[3]->str ?
			    strtoll(f->element[3]->str, NULL, 10) : 0;
			row->response_working_s = row->responded_ms > 0 ?
			    report_working(r->srv->cfg, row->team,
			    row->received_ms, row->responded_ms) : -1;
			row->steps = f->element[4]->str ?
			    atoi(f->element[4]->str) : 0;
			row->urgent = f->element[5]->str != NULL &&
			    strcmp(f->element[5]->str, "1") == 0;
			row->unknown_sender = f->element[6]->str == NULL ||
			    f->element[6]->str[0] == '\0';
			r->n++;
		}
	report_release(r);
}

/* A date (YYYY-MM-DD) as the start of that local day, in ms. */
static int
report_day(const struct calendar *cal, const char *s, int plus, int64_t *ms)
{
	int32_t		days;
	int64_t		t;
	struct tm	tm;

	if (s == NULL || strlen(s) != 10 || timeutil_parse_date(s, &days) == -1)
		return -1;
	t = (int64_t)(days + plus) * 86400;
	/* Midnight local: correct by the offset in force around then. */
	if (calendar_local(cal, t, &tm) == 0)
		t -= tm.tm_gmtoff;
	*ms = t * 1000;
	return 0;
}

/* GET /v1/report?from=DATE&to=DATE[&team=T] (both dates inclusive). */
static void
report_get(struct http_req *req, void *arg)
{
	struct server		*srv = arg;
	struct report_req	*r;
	const char		*from = http_req_query_param(req, "from");
	const char		*to = http_req_query_param(req, "to");
	const char		*team = http_req_query_param(req, "team");
	int64_t			 f, t;
	int			 p;

	if (api_auth(req, srv, ROLE_MANAGER) == NULL)
		return;
	if (report_day(srv->cfg->promise.calendar, from, 0, &f) == -1 ||
	    report_day(srv->cfg->promise.calendar, to, 1, &t) == -1 ||
	    t <= f) {
		http_error(req, 400, "bad request", "give from=YYYY-MM-DD and "
		    "to=YYYY-MM-DD (inclusive), from not after to");
		return;
	}
	if (team != NULL && config_team(srv->cfg, team) == NULL) {
		http_error(req, 400, "bad request", "no team \"%s\"", team);
		return;
	}
	if (api_need_db(req, srv) == -1)
		return;
	if ((r = calloc(1, sizeof *r)) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	r->srv = srv;
	r->req = req;
	snprintf(r->team, sizeof r->team, "%s", team ? team : "");
	snprintf(r->from, sizeof r->from, "%s", from);
	snprintf(r->to, sizeof r->to, "%s", to);
	r->pending = STORE_PARTITIONS + 1;
	for (p = 0; p < STORE_PARTITIONS; p++)
		if (store_report(srv->db, p, f, t, report_part, r) == -1) {
			r->failed = 1;
			r->pending--;
		}
	report_release(r);	/* drop the guard */
}

/* Register GET /v1/report. */
void
report_routes(struct server *srv)
{
	http_route(srv->http, HTTP_GET, "/v1/report", 0, 0, report_get, srv);
}
