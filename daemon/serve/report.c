/*
 * report.c: GET /v1/report, the promise report: rows from every partition,
 * response times in working hours on the team's calendar, summarised by
 * rules/summary.c overall and per team.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "serve/api.h"
#include "rules/calendar.h"
#include "conf/config.h"
#include "io/db.h"
#include "io/http.h"
#include "rules/summary.h"
#include "serve/report.h"
#include "serve/server.h"
#include "store/store.h"
#include "base/timeutil.h"

struct report_req {
	struct api_call		*c;
	struct server		*srv;
	struct http_req		*req;
	struct summary_row	*rows;
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
	const struct config	*cfg = r->c->cfg;
	struct summary_row	*sub;
	cJSON			*j, *teams;
	size_t			 i, k, ns;

	if (r->failed) {
		http_unavailable(r->req, "storage unavailable");
		goto out;
	}
	j = summary_report(r->rows, r->n, server_time_ms(r->srv), 0);
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
		    summary_report(sub, ns, server_time_ms(r->srv), 1));
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
			struct summary_row	*row;
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
			    report_working(r->c->cfg, row->team,
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
report_get(struct api_call *c)
{
	struct http_req		*req = c->req;
	struct server		*srv = c->srv;
	const struct config	*cfg = c->cfg;
	struct report_req	*r;
	const char		*from = http_req_query_param(req, "from");
	const char		*to = http_req_query_param(req, "to");
	const char		*team = http_req_query_param(req, "team");
	int64_t			 f, t;
	int			 p;

	if (report_day(cfg->promise.calendar, from, 0, &f) == -1 ||
	    report_day(cfg->promise.calendar, to, 1, &t) == -1 ||
	    t <= f) {
		http_error(req, 400, "bad request", "give from=YYYY-MM-DD and "
		    "to=YYYY-MM-DD (inclusive), from not after to");
		return;
	}
	if (team != NULL && config_team(cfg, team) == NULL) {
		http_error(req, 400, "bad request", "no team \"%s\"", team);
		return;
	}
	if ((r = calloc(1, sizeof *r)) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	r->c = c;
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

static const struct api_route report_routes[] = {
	{ HTTP_GET, "/v1/report", ROLE_MANAGER, API_DB, report_get },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module report_api = {
	.name = "report",
	.routes = report_routes,
};
