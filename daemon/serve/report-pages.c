/*
 * report-pages.c: the monthly promise report for managers (SPEC §16):
 * GET /report?month=YYYY-MM[&team=T], with a chart drawn here as SVG, and
 * GET /report.csv, the same figures to download.  The figures are GET
 * /v1/report's team breakdowns (serve/report.h, rules/summary.h), small
 * numbers suppressed there; this file only shows them.  It never shows
 * the unsuppressed overall figures: for a manager of one team they would
 * be that team's, and beside the other teams' they would give a small
 * team's away as the total minus the rest.  The chart is drawn from the
 * same suppressed figures, so a hidden count has no bar to measure.
 *
 * Like the API, the report is for the managers of a team (its manager or
 * duty manager) and admins; another team's answers 404.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base/template.h"
#include "base/timeutil.h"
#include "conf/config.h"
#include "io/http.h"
#include "rules/calendar.h"
#include "rules/summary.h"
#include "serve/api.h"
#include "serve/pages.h"
#include "serve/report-pages.h"
#include "serve/report.h"
#include "serve/web.h"

#define REPORT_PAGES_CHART_W	320	/* the chart's viewBox width */
#define REPORT_PAGES_ROW_H	64	/* one team's label and bar */
#define REPORT_PAGES_TOP	36	/* the legend above the bars */

static const char *const report_pages_months[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* What a request asked for, kept until the figures come back. */
struct report_pages_req {
	int	year, month;		/* the month shown */
	int	csv;			/* /report.csv */
	char	team[128];		/* "" for every team managed */
};

/* The month now, on the promise's calendar. */
static void
report_pages_now(const struct api_call *c, int *y, int *m)
{
	struct tm	tm;
	time_t		t = (time_t)(api_now_ms(c) / 1000);

	if (calendar_local(c->cfg->promise.calendar, (int64_t)t, &tm) == -1)
		gmtime_r(&t, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
}

/* Parse YYYY-MM (strict: fuzz-timeutil); -1 when it is not a month. */
static int
report_pages_month(const char *s, int *y, int *m)
{
	return s == NULL ? -1 : timeutil_parse_month(s, y, m);
}

/* Step a month forwards or back. */
static void
report_pages_step(int *y, int *m, int by)
{
	*m += by;
	if (*m < 1) {
		*m = 12;
		(*y)--;
	} else if (*m > 12) {
		*m = 1;
		(*y)++;
	}
}

/* The path of the report (or its CSV) for a month and team. */
static void
report_pages_href(char *buf, size_t len, const char *base, int y, int m,
    const char *team)
{
	size_t	o;
	int	n;

	n = snprintf(buf, len, "%s?month=%04d-%02d", base, y, m);
	o = n > 0 ? (size_t)n : 0;
	if (team[0] == '\0' || o >= len)
		return;
	o += (size_t)snprintf(buf + o, len - o, "&team=");
	for (; *team != '\0' && o + 4 < len; team++) {
		unsigned char ch = (unsigned char)*team;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL)
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, len - o, "%%%02X", ch);
	}
	buf[o < len ? o : len - 1] = '\0';
}

/* A figure of the report: a number, "<5", "suppressed" or null. */
enum report_pages_kind {
	REPORT_NUMBER,
	REPORT_SMALL,		/* "<5" */
	REPORT_HIDDEN,		/* "suppressed" */
	REPORT_NONE		/* null: nothing to measure, or hidden */
};

static enum report_pages_kind
report_pages_kind(const cJSON *v, double *n)
{
	*n = 0;
	if (cJSON_IsNumber(v)) {
		*n = v->valuedouble;
		return REPORT_NUMBER;
	}
	if (cJSON_IsString(v))
		return strcmp(v->valuestring, "<5") == 0 ? REPORT_SMALL :
		    REPORT_HIDDEN;
	return REPORT_NONE;
}

/* A figure in words for the page. */
static void
report_pages_words(const cJSON *v, const char *unit, const char *none,
    char *buf, size_t len)
{
	double	n;

	switch (report_pages_kind(v, &n)) {
	case REPORT_NUMBER:
		if (unit == NULL)
			snprintf(buf, len, "%.10g", n);
		else if (strcmp(unit, "%") == 0)
			snprintf(buf, len, "%g%%", n);
		else
			snprintf(buf, len, "%g %s%s", n, unit, n == 1 ? "" :
			    "s");
		break;
	case REPORT_SMALL:
		snprintf(buf, len, "Fewer than 5");
		break;
	case REPORT_HIDDEN:
		snprintf(buf, len, "Not shown");
		break;
	case REPORT_NONE:
		snprintf(buf, len, "%s", none);
		break;
	}
}

/* One row of a team's summary list; whether its figure is not shown. */
static int
report_pages_row(struct template_node *list, const char *label,
    const cJSON *v, const char *unit, const char *none)
{
	struct template_node	*r = template_append_object(list);
	char			 buf[64];

	report_pages_words(v, unit, none, buf, sizeof buf);
	template_set(r, "label", label);
	template_set(r, "value", buf);
	return strcmp(buf, "Not shown") == 0 ||
	    strcmp(buf, "Fewer than 5") == 0;
}

/* A team's figures as rows of a summary list; whether any is hidden. */
static int
report_pages_team(struct template_node *list, const char *id,
    const cJSON *t)
{
	struct template_node	*o = template_append_object(list);
	struct template_node	*rows = template_set_list(o, "rows");
	const cJSON		*v, *esc;
	double			 n, it, late;
	char			 label[64];
	int			 none, unanswered, hides = 0;

	none = report_pages_kind(cJSON_GetObjectItem(t, "received"), &n) ==
	    REPORT_NUMBER && n == 0;
	/* Nothing answered (shown as such): no times to measure. */
	unanswered = none || (report_pages_kind(cJSON_GetObjectItem(t,
	    "responded_in_time"), &it) == REPORT_NUMBER &&
	    report_pages_kind(cJSON_GetObjectItem(t, "late"), &late) ==
	    REPORT_NUMBER && it + late == 0);
	template_set(o, "id", id);
	hides |= report_pages_row(rows, "Messages received",
	    cJSON_GetObjectItem(t, "received"), NULL, "");
	hides |= report_pages_row(rows, "Promise kept (responded within the deadline)",
	    cJSON_GetObjectItem(t, "responded_in_time_percent"), "%",
	    none ? "No messages" : "Not shown");
	hides |= report_pages_row(rows, "Responded in time",
	    cJSON_GetObjectItem(t, "responded_in_time"), NULL, "");
	hides |= report_pages_row(rows, "Responded late",
	    cJSON_GetObjectItem(t, "late"), NULL, "");
	hides |= report_pages_row(rows, "Still open",
	    cJSON_GetObjectItem(t, "still_open"), NULL, "");
	hides |= report_pages_row(rows, "Still open and overdue now",
	    cJSON_GetObjectItem(t, "overdue_now"), NULL, "");
	hides |= report_pages_row(rows, "Median response time",
	    cJSON_GetObjectItem(t, "median_response_working_hours"),
	    "working hour", unanswered ? "No responses" : "Not shown");
	hides |= report_pages_row(rows, "90th percentile response time",
	    cJSON_GetObjectItem(t, "p90_response_working_hours"),
	    "working hour", unanswered ? "No responses" : "Not shown");
	esc = cJSON_GetObjectItem(t, "escalations");
	if (cJSON_GetArraySize(esc) == 0)
		hides |= report_pages_row(rows, "Escalations", NULL, NULL, "None");
	cJSON_ArrayForEach(v, esc) {
		snprintf(label, sizeof label, "Escalated to step %s",
		    v->string);
		hides |= report_pages_row(rows, label, v, NULL, "");
	}
	hides |= report_pages_row(rows, "Urgent messages", cJSON_GetObjectItem(
	    cJSON_GetObjectItem(t, "urgent"), "count"), NULL, "");
	return hides;
}

/* A segment of a team's bar: part of received, as wide as its share. */
static void
report_pages_segment(struct template_node *segs, int *x, double part,
    double total, const char *fill, int last)
{
	struct template_node	*s;
	int			 w;

	if (part <= 0)
		return;
	w = last ? REPORT_PAGES_CHART_W - *x :
	    (int)(part * REPORT_PAGES_CHART_W / total + 0.5);
	s = template_append_object(segs);
	template_setf(s, "x", "%d", *x);
	template_setf(s, "w", "%d", w);
	template_set(s, "fill", fill);
	*x += w;
}

/*
 * The chart: for each team a bar of received, split into responded in
 * time, late and still open.  A team whose parts are hidden gets no bar,
 * only words, so nothing about a small count can be measured off it.
 */
static void
report_pages_chart(struct template_node *root, const cJSON *teams)
{
	struct template_node	*chart, *bars, *b, *segs;
	const cJSON		*t;
	double			 rx, it, late, open;
	char			 desc[4096], kept[64], caption[256];
	size_t			 o = 0;
	int			 i = 0, x, y, ok, empty;

	chart = template_set_object(root, "chart");
	bars = template_set_list(chart, "bars");
	desc[0] = '\0';
	cJSON_ArrayForEach(t, teams) {
		b = template_append_object(bars);
		y = REPORT_PAGES_TOP + i * REPORT_PAGES_ROW_H;
		template_setf(b, "label_y", "%d", y + 18);
		template_setf(b, "bar_y", "%d", y + 26);
		template_setf(b, "text_y", "%d", y + 44);
		template_set(b, "team", t->string);
		empty = report_pages_kind(cJSON_GetObjectItem(t,
		    "received"), &rx) == REPORT_NUMBER && rx == 0;
		ok = !empty && rx > 0 &&
		    report_pages_kind(cJSON_GetObjectItem(t,
		    "responded_in_time"), &it) == REPORT_NUMBER &&
		    report_pages_kind(cJSON_GetObjectItem(t, "late"),
		    &late) == REPORT_NUMBER &&
		    report_pages_kind(cJSON_GetObjectItem(t, "still_open"),
		    &open) == REPORT_NUMBER;
		report_pages_words(cJSON_GetObjectItem(t,
		    "responded_in_time_percent"), "%", "", kept, sizeof kept);
		if (ok) {
			snprintf(caption, sizeof caption, "%s: promise kept %s",
			    t->string, kept);
			segs = template_set_list(b, "segments");
			x = 0;
			report_pages_segment(segs, &x, it, rx, "#00703c",
			    late <= 0 && open <= 0);
			report_pages_segment(segs, &x, late, rx, "#d4351c",
			    open <= 0);
			report_pages_segment(segs, &x, open, rx, "#505a5f", 1);
			o += (size_t)snprintf(desc + o, sizeof desc - o,
			    "%s: %g received, %g responded in time, %g late, "
			    "%g still open. ", t->string, rx, it, late, open);
		} else {
			snprintf(caption, sizeof caption, "%s", t->string);
			template_set(b, "words", empty ?
			    "No messages this month" :
			    "Not shown: small numbers");
			o += (size_t)snprintf(desc + o, sizeof desc - o,
			    "%s: %s. ", t->string, empty ? "no messages" :
			    "not shown (small numbers)");
		}
		/* A long caption is squeezed into the chart's width. */
		template_set(b, "caption", caption);
		template_set_bool(b, "squeeze", strlen(caption) > 36);
		if (o >= sizeof desc)
			o = sizeof desc - 1;
		i++;
	}
	template_setf(chart, "height", "%d", REPORT_PAGES_TOP +
	    i * REPORT_PAGES_ROW_H + 8);
	template_set(chart, "desc", desc);
}

/* A CSV field (team ids are the configuration's; quoted if need be). */
static void
report_pages_csv_field(char **buf, size_t *len, size_t *o, const char *s,
    int last)
{
	size_t	need = strlen(s) * 2 + 4;
	char	*nb;

	if (*o + need >= *len) {
		if ((nb = realloc(*buf, *len * 2 + need)) == NULL)
			return;
		*buf = nb;
		*len = *len * 2 + need;
	}
	if (strpbrk(s, ",\"\r\n") != NULL) {
		(*buf)[(*o)++] = '"';
		for (; *s != '\0'; s++) {
			if (*s == '"')
				(*buf)[(*o)++] = '"';
			(*buf)[(*o)++] = *s;
		}
		(*buf)[(*o)++] = '"';
	} else {
		memcpy(*buf + *o, s, strlen(s));
		*o += strlen(s);
	}
	(*buf)[(*o)++] = last ? '\n' : ',';
	(*buf)[*o] = '\0';
}

/* The columns of the CSV, after month and team. */
static const char *const report_pages_cols[] = {
	"received", "responded_in_time", "responded_in_time_percent", "late",
	"still_open", "overdue_now", "median_response_working_hours",
	"p90_response_working_hours", NULL
};

/* A figure as a CSV value: the number, "<5", "suppressed" or empty. */
static void
report_pages_csv_value(const cJSON *v, char *buf, size_t len)
{
	if (cJSON_IsNumber(v))
		snprintf(buf, len, "%.10g", v->valuedouble);
	else if (cJSON_IsString(v))
		snprintf(buf, len, "%s", v->valuestring);
	else
		buf[0] = '\0';
}

/* Answer with the figures as CSV, one row per team. */
static void
report_pages_csv(struct api_call *c, const struct report_pages_req *r,
    const cJSON *teams)
{
	const cJSON	*t;
	char		*buf, val[64], disp[256], month[16];
	size_t		 len = 1024, o = 0;
	int		 i, k, steps = 0;

	if ((buf = malloc(len)) == NULL) {
		web_error(c, 503, "Sorry, there is a problem", "Try again in "
		    "a minute.");
		return;
	}
	buf[0] = '\0';
	cJSON_ArrayForEach(t, teams)
		if (cJSON_GetArraySize(cJSON_GetObjectItem(t, "escalations")) >
		    steps)
			steps = cJSON_GetArraySize(cJSON_GetObjectItem(t,
			    "escalations"));
	report_pages_csv_field(&buf, &len, &o, "month", 0);
	report_pages_csv_field(&buf, &len, &o, "team", 0);
	for (i = 0; report_pages_cols[i] != NULL; i++)
		report_pages_csv_field(&buf, &len, &o, report_pages_cols[i], 0);
	for (k = 1; k <= steps; k++) {
		snprintf(val, sizeof val, "escalations_step_%d", k);
		report_pages_csv_field(&buf, &len, &o, val, 0);
	}
	report_pages_csv_field(&buf, &len, &o, "urgent", 1);
	snprintf(month, sizeof month, "%04d-%02d", r->year, r->month);
	cJSON_ArrayForEach(t, teams) {
		report_pages_csv_field(&buf, &len, &o, month, 0);
		report_pages_csv_field(&buf, &len, &o, t->string, 0);
		for (i = 0; report_pages_cols[i] != NULL; i++) {
			report_pages_csv_value(cJSON_GetObjectItem(t,
			    report_pages_cols[i]), val, sizeof val);
			report_pages_csv_field(&buf, &len, &o, val, 0);
		}
		for (k = 1; k <= steps; k++) {
			snprintf(disp, sizeof disp, "%d", k);
			/* A step no conversation reached: none. */
			if (cJSON_GetObjectItem(cJSON_GetObjectItem(t,
			    "escalations"), disp) == NULL)
				snprintf(val, sizeof val, "0");
			else
				report_pages_csv_value(cJSON_GetObjectItem(
				    cJSON_GetObjectItem(t, "escalations"),
				    disp), val, sizeof val);
			report_pages_csv_field(&buf, &len, &o, val, 0);
		}
		report_pages_csv_value(cJSON_GetObjectItem(cJSON_GetObjectItem(
		    t, "urgent"), "count"), val, sizeof val);
		report_pages_csv_field(&buf, &len, &o, val, 1);
	}
	snprintf(disp, sizeof disp, "attachment; filename=\"promise-report-"
	    "%s%s%s.csv\"", month, r->team[0] != '\0' ? "-" : "",
	    r->team[0] != '\0' ? r->team : "");
	pages_headers(c->req, 1);
	http_add_header(c->req, "Content-Disposition", disp);
	http_reply(c->req, 200, "text/csv; charset=utf-8", buf, o);
	free(buf);
}

/* The figures are in: draw the page or the CSV. */
static void
report_pages_done(struct api_call *c, cJSON *j, const char *error,
    void *arg)
{
	struct report_pages_req	*r = arg;
	const struct config	*cfg = c->cfg;
	struct template_data	*d;
	struct template_node	*root, *list, *o;
	const cJSON		*teams, *t;
	char			 buf[512], title[64];
	int			 y, m, ny, nm, hides = 0;
	size_t			 k, nmanaged = 0;

	if (j == NULL) {
		web_error(c, 503, "Sorry, there is a problem", "The report "
		    "could not be read from storage. Try again in a minute.");
		goto out;
	}
	teams = cJSON_GetObjectItem(j, "teams");
	if (r->csv) {
		report_pages_csv(c, r, teams);
		goto out;
	}
	if ((d = template_data_new()) == NULL) {
		web_error(c, 503, "Sorry, there is a problem", "Try again in "
		    "a minute.");
		goto out;
	}
	root = template_root(d);
	snprintf(title, sizeof title, "%s %d",
	    report_pages_months[r->month - 1], r->year);
	template_set(root, "month_label", title);
	template_setf(root, "month", "%04d-%02d", r->year, r->month);
	y = r->year;
	m = r->month;
	report_pages_step(&y, &m, -1);
	o = template_set_object(root, "prev");
	report_pages_href(buf, sizeof buf, "/report", y, m, r->team);
	template_set(o, "href", buf);
	template_setf(o, "label", "%s %d", report_pages_months[m - 1], y);
	/* No next month after this one: nothing has happened yet. */
	report_pages_now(c, &ny, &nm);
	y = r->year;
	m = r->month;
	report_pages_step(&y, &m, 1);
	if (y * 12 + m <= ny * 12 + nm) {
		o = template_set_object(root, "next");
		report_pages_href(buf, sizeof buf, "/report", y, m, r->team);
		template_set(o, "href", buf);
		template_setf(o, "label", "%s %d", report_pages_months[m - 1],
		    y);
	}
	report_pages_href(buf, sizeof buf, "/report.csv", r->year, r->month,
	    r->team);
	template_set(root, "csv_href", buf);
	/* A choice of team for a person who manages several. */
	for (k = 0; k < cfg->nteams; k++)
		nmanaged += api_manages(c, cfg->teams[k].id) != 0;
	if (nmanaged > 1) {
		o = template_set_object(root, "choose");
		template_set_bool(o, "all", r->team[0] == '\0');
		list = template_set_list(o, "teams");
		for (k = 0; k < cfg->nteams; k++) {
			struct template_node *e;

			if (!api_manages(c, cfg->teams[k].id))
				continue;
			e = template_append_object(list);
			template_set(e, "id", cfg->teams[k].id);
			template_set_bool(e, "selected",
			    strcmp(r->team, cfg->teams[k].id) == 0);
		}
	}
	list = template_set_list(root, "teams");
	cJSON_ArrayForEach(t, teams) {
		hides |= report_pages_team(list, t->string, t);
	}
	template_set_bool(root, "hides", hides);
	report_pages_chart(root, teams);
	snprintf(title, sizeof title, "Promise report, %s %d",
	    report_pages_months[r->month - 1], r->year);
	web_page(c, 0, title, WEB_REPORT, "report", d);
	template_data_free(d);
out:
	cJSON_Delete(j);
	free(r);
}

/* GET /report and /report.csv: check what is asked, then gather. */
static void
report_pages_get(struct api_call *c, int csv)
{
	const struct config	*cfg = c->cfg;
	struct report_pages_req	*r;
	const char		*month, *team;
	char			 day[16];
	int64_t			 from, to;
	size_t			 k, nmanaged = 0;

	if (!web_person(c))
		return;
	for (k = 0; k < cfg->nteams; k++)
		nmanaged += api_manages(c, cfg->teams[k].id) != 0;
	team = http_req_query_param(c->req, "team");
	if (team != NULL && team[0] == '\0')
		team = NULL;
	/* Another team's report does not exist for them. */
	if (team != NULL && (config_team(cfg, team) == NULL ||
	    !api_sees(c, team))) {
		web_error(c, 404, "Page not found", "There is no report for "
		    "that team. Check the team's name, or go back to the "
		    "report of your teams.");
		return;
	}
	if (nmanaged == 0 || (team != NULL && !api_manages(c, team))) {
		web_error(c, 403, "You cannot see this report", "The promise "
		    "report is for the managers of a team. Ask your team's "
		    "manager for its figures.");
		return;
	}
	if ((r = calloc(1, sizeof *r)) == NULL) {
		web_error(c, 503, "Sorry, there is a problem", "Try again in "
		    "a minute.");
		return;
	}
	r->csv = csv;
	snprintf(r->team, sizeof r->team, "%s", team != NULL ? team : "");
	month = http_req_query_param(c->req, "month");
	if (month == NULL || month[0] == '\0')
		report_pages_now(c, &r->year, &r->month);
	else if (report_pages_month(month, &r->year, &r->month) == -1) {
		free(r);
		web_error(c, 400, "There is no such month", "Give the month "
		    "as its year and number, such as 2026-11.");
		return;
	}
	snprintf(day, sizeof day, "%04d-%02d-01", r->year, r->month);
	if (report_day(cfg->promise.calendar, day, 0, &from) == -1 ||
	    report_day(cfg->promise.calendar, day,
	    timeutil_days_in_month(r->year, r->month), &to) == -1 ||
	    report_gather(c, team, from, to, report_pages_done, r) == -1) {
		free(r);
		web_error(c, 503, "Sorry, there is a problem", "The report "
		    "could not be read from storage. Try again in a minute.");
	}
}

/* GET /report */
static void
report_pages_html(struct api_call *c)
{
	report_pages_get(c, 0);
}

/* GET /report.csv */
static void
report_pages_download(struct api_call *c)
{
	report_pages_get(c, 1);
}

static const struct api_route report_pages_routes[] = {
	{ HTTP_GET, "/report", ROLE_WORKER, API_PAGE | API_DB,
	    report_pages_html },
	{ HTTP_GET, "/report.csv", ROLE_WORKER, API_PAGE | API_DB,
	    report_pages_download },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module report_pages = {
	.name = "report-pages",
	.routes = report_pages_routes,
};
