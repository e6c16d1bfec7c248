/*
 * report.c: GET /v1/report, the promise report: rows from every partition,
 * response times in working hours on the team's calendar, summarised by
 * rules/summary.c overall and per team.  A manager's report covers the
 * teams they manage (SPEC §15): another team's answers 404, and without a
 * team the overall figures are those of their own teams.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "serve/api.h"
#include "rules/calendar.h"
#include "conf/config.h"
#include "io/http.h"
#include "rules/summary.h"
#include "serve/report.h"
#include "serve/server.h"
#include "store/conv.h"
#include "store/store.h"
#include "base/timeutil.h"

struct report_req {
	struct api_call		*c;
	char			 team[128];
	report_cb		 done;
	void			*arg;
};

/* What GET /v1/report answers with. */
struct report_api {
	char			 from[16], to[16];
};

/* Working seconds from receipt to response on the team's calendar. */
static int64_t
report_working(const struct config *cfg, const char *team, int64_t from_ms,
    int64_t to_ms)
{
	return calendar_elapsed(config_team_calendar(cfg, config_team(cfg,
	    team)), from_ms / 1000, to_ms / 1000);
}

/* Every partition answered: summarise overall and per team. */
static void
report_done(const struct store_conv *convs, size_t n, int failed, void *arg)
{
	struct report_req	*r = arg;
	const struct config	*cfg = r->c->cfg;
	struct summary_row	*rows, *sub;
	int64_t			 now = api_now_ms(r->c);
	cJSON			*j, *teams;
	size_t			 i, k, nr = 0, ns;

	rows = calloc(n + 1, sizeof *rows);
	sub = calloc(n + 1, sizeof *sub);
	if (failed || rows == NULL || sub == NULL) {
		r->done(r->c, NULL, failed ? "storage unavailable" :
		    "out of memory", r->arg);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct store_conv	*c = &convs[i];
		struct summary_row	*row = &rows[nr];

		if (r->team[0] != '\0' && strcmp(c->team, r->team) != 0)
			continue;
		if (!api_manages(r->c, c->team))
			continue;
		row->team = c->team;
		row->received_ms = c->received_ms;
		row->deadline_ms = c->deadline_ms;
		row->responded_ms = c->responded_ms;
		row->response_working_s = c->responded_ms > 0 ?
		    report_working(cfg, c->team, c->received_ms,
		    c->responded_ms) : -1;
		row->steps = c->step;
		row->urgent = c->urgent;
		row->unknown_sender = c->contact[0] == '\0';
		nr++;
	}
	j = summary_report(rows, nr, now, 0);
	if (r->team[0] != '\0')
		cJSON_AddStringToObject(j, "team", r->team);
	teams = cJSON_AddObjectToObject(j, "teams");
	for (k = 0; k < cfg->nteams; k++) {
		if (r->team[0] != '\0' && strcmp(cfg->teams[k].id, r->team))
			continue;
		if (!api_manages(r->c, cfg->teams[k].id))
			continue;
		for (i = ns = 0; i < nr; i++)
			if (strcmp(rows[i].team, cfg->teams[k].id) == 0)
				sub[ns++] = rows[i];
		cJSON_AddItemToObject(teams, cfg->teams[k].id,
		    summary_report(sub, ns, now, 1));
	}
	r->done(r->c, j, NULL, r->arg);
out:
	free(rows);
	free(sub);
	free(r);
}

int
report_gather(struct api_call *c, const char *team, int64_t from_ms,
    int64_t to_ms, report_cb done, void *arg)
{
	struct report_req	*r;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return -1;
	r->c = c;
	snprintf(r->team, sizeof r->team, "%s", team ? team : "");
	r->done = done;
	r->arg = arg;
	if (store_conv_arrived(c->srv->db, from_ms, to_ms, report_done,
	    r) == -1) {
		free(r);
		return -1;
	}
	return 0;
}

/* The report is made: answer GET /v1/report with it. */
static void
report_answer(struct api_call *c, cJSON *j, const char *error, void *arg)
{
	struct report_api	*a = arg;

	if (j == NULL)
		http_unavailable(c->req, error);
	else {
		cJSON_AddStringToObject(j, "from", a->from);
		cJSON_AddStringToObject(j, "to", a->to);
		http_reply_json(c->req, 200, j);
	}
	free(a);
}

int
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
	const struct config	*cfg = c->cfg;
	struct report_api	*a;
	const char		*from = http_req_query_param(req, "from");
	const char		*to = http_req_query_param(req, "to");
	const char		*team = http_req_query_param(req, "team");
	int64_t			 f, t;

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
	if (team != NULL && !api_manage(c, team, "no such team"))
		return;
	if ((a = calloc(1, sizeof *a)) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	snprintf(a->from, sizeof a->from, "%s", from);
	snprintf(a->to, sizeof a->to, "%s", to);
	if (report_gather(c, team, f, t, report_answer, a) == -1) {
		free(a);
		http_unavailable(req, "storage unavailable");
	}
}

static const struct api_route report_routes[] = {
	{ HTTP_GET, "/v1/report", ROLE_MANAGER, API_DB, report_get },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module report_api = {
	.name = "report",
	.routes = report_routes,
};
