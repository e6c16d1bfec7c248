/*
 * rota.c: the staff pages of the duty rota (SPEC §7.2, §16, §18):
 *
 *	/rota				the teams the person sees (straight to
 *					the one when there is one)
 *	/rota/{team}			who is on duty each of the next 14 days
 *	/rota/{team}/{date}		a manager changes that day's rota
 *	/rota/{team}/closures		a manager closes the team's calendar
 *					for a day (snow, a strike), opens it
 *	/absences			who is away (serve/absences.c)
 *
 * The rota is what escalation uses when a step fires (serve/escalate.c):
 * the weekly pattern of the configuration, with a dated change (store
 * duty.h) beating it for that day; an absence does not move anyone off
 * the rota, so the page shows it beside the name for a manager to act on.
 * Another team's rota answers 404 exactly as a missing one; a worker sees
 * the rota and changes nothing (403).  Closures go through calsync, the
 * same way as POST /v1/calendars/{name}/closures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/duration.h"
#include "base/log.h"
#include "base/template.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "conf/config.h"
#include "io/http.h"
#include "rules/calendar.h"
#include "serve/absences.h"
#include "serve/api.h"
#include "serve/calsync.h"
#include "serve/pagetext.h"
#include "serve/rota.h"
#include "serve/server.h"
#include "serve/web.h"
#include "store/cal.h"
#include "store/duty.h"

#define ROTA_DAYS		14	/* shown on the rota */
#define ROTA_AHEAD		366	/* a day may be changed this far ahead */
#define ROTA_MAX_PEOPLE		64	/* in one team */
#define ROTA_CLOSE_DAYS		31	/* in one closure */
#define ROTA_REASON_MAX		200	/* as the API allows */
#define ROTA_MAX_ERRORS		4

/* One absence of someone on the team, for the days shown. */
struct rota_away {
	const char	*person;	/* the configuration's id */
	int64_t		 from_ms;
	int64_t		 to_ms;
};

/* A form's error: the field it links to and what to do. */
struct rota_error {
	const char	*field;
	const char	*text;
};

/* What a rota page needs, loaded from Redis before it is drawn. */
struct rota_view {
	struct api_call			*c;
	const struct config_team	*team;
	const struct calendar		*cal;
	int32_t				 today;
	int32_t				 first;		/* the first day shown */
	size_t				 ndays;
	char				 worker[ROTA_DAYS][128];
	char				 manager[ROTA_DAYS][128];
	struct rota_away		*away;
	size_t				 naway;
	void				(*draw)(struct rota_view *);
	struct rota_error		 errors[ROTA_MAX_ERRORS];
	size_t				 nerrors;
};

/* Add id to the list of n people unless it is there already. */
static void
rota_add_person(const char **list, size_t *n, const char *id)
{
	size_t	i;

	if (id == NULL || *n >= ROTA_MAX_PEOPLE)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(list[i], id) == 0)
			return;
	list[(*n)++] = id;
}

/* The people a team names: workers, the duty rota, its managers. */
static size_t
rota_people(const struct config_team *t, const char **list)
{
	size_t	i, n = 0;

	for (i = 0; i < t->nworkers; i++)
		rota_add_person(list, &n, t->workers[i]);
	for (i = 0; i < 7; i++)
		rota_add_person(list, &n, t->duty[i]);
	rota_add_person(list, &n, t->duty_manager);
	rota_add_person(list, &n, t->manager);
	return n;
}

/* The team of the path, if the caller sees it; else the 404 page, exactly
 * as for a team that does not exist, and NULL. */
static const struct config_team *
rota_team(struct api_call *c)
{
	const struct config_team	*t = config_team(c->cfg, api_param(c, 0));

	if (t == NULL || !api_sees(c, t->id)) {
		web_error(c, 404, "Page not found", "There is no such team, or "
		    "it is not one of yours. Check the address, or go to the "
		    "rota from the menu.");
		return NULL;
	}
	return t;
}

/* Whether the caller manages team t; else the 403 page. */
static int
rota_manager(struct api_call *c, const struct config_team *t)
{
	if (api_manages(c, t->id))
		return 1;
	web_error(c, 403, "You cannot change this", "Only a manager of the "
	    "team can change its rota or close its calendar. Ask your team "
	    "manager.");
	return 0;
}

/* Today on a calendar, by Redis's clock. */
static int32_t
rota_today(const struct api_call *c, const struct calendar *cal)
{
	return calendar_day_of(cal, api_now_ms(c) / 1000);
}

/* Free a view. */
static void
rota_view_free(struct rota_view *v)
{
	if (v == NULL)
		return;
	free(v->away);
	free(v);
}

/* A new view of team t from day first, ndays long; NULL when out of
 * memory (answered). */
static struct rota_view *
rota_view_new(struct api_call *c, const struct config_team *t, int32_t first,
    size_t ndays, void (*draw)(struct rota_view *))
{
	struct rota_view	*v;

	if ((v = calloc(1, sizeof *v)) == NULL) {
		http_unavailable(c->req, "out of memory");
		return NULL;
	}
	v->c = c;
	v->team = t;
	v->cal = config_team_calendar(c->cfg, t);
	v->today = rota_today(c, v->cal);
	v->first = first;
	v->ndays = ndays;
	v->draw = draw;
	return v;
}

/* Redis failed: say so, and that nothing was lost. */
static void
rota_unavailable(struct rota_view *v)
{
	web_error(v->c, 503, "Sorry, the rota cannot be shown now",
	    "replyd cannot reach its storage. Try again in a minute. "
	    "Escalation goes on meanwhile by the weekly rota.");
	rota_view_free(v);
}

/* Every absence was read: keep those of the team's people that touch the
 * days shown, then draw. */
static void
rota_absences_read(const struct store_absence *a, size_t n, int failed,
    void *arg)
{
	struct rota_view		*v = arg;
	const struct config_person	*p;
	size_t				 i;
	int64_t				 from, to;

	if (failed) {
		rota_unavailable(v);
		return;
	}
	from = pagetext_midnight(v->cal, v->first) * 1000;
	to = pagetext_midnight(v->cal, v->first + (int32_t)v->ndays) * 1000;
	if (n > 0 && (v->away = calloc(n, sizeof *v->away)) == NULL) {
		http_unavailable(v->c->req, "out of memory");
		rota_view_free(v);
		return;
	}
	for (i = 0; i < n; i++) {
		/* The configuration's copy of the id outlives the reply. */
		if (a[i].to_ms <= from || a[i].from_ms >= to ||
		    (p = config_person(v->c->cfg, a[i].person)) == NULL)
			continue;
		v->away[v->naway].person = p->id;
		v->away[v->naway].from_ms = a[i].from_ms;
		v->away[v->naway].to_ms = a[i].to_ms;
		v->naway++;
	}
	v->draw(v);
	rota_view_free(v);
}

/* The days' changes were read: copy them, then read the absences. */
static void
rota_days_read(const struct store_duty *duty, size_t n, void *arg)
{
	struct rota_view	*v = arg;
	size_t			 i;

	if (duty == NULL || n != v->ndays) {
		rota_unavailable(v);
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(v->worker[i], sizeof v->worker[i], "%s",
		    duty[i].worker != NULL ? duty[i].worker : "");
		snprintf(v->manager[i], sizeof v->manager[i], "%s",
		    duty[i].manager != NULL ? duty[i].manager : "");
	}
	if (store_absences(v->c->srv->db, rota_absences_read, v) == -1)
		rota_unavailable(v);
}

/* Load a view's changes and absences, then draw it. */
static void
rota_load(struct rota_view *v)
{
	char		 dates[ROTA_DAYS][16];
	const char	*dp[ROTA_DAYS];
	size_t		 i;

	for (i = 0; i < v->ndays; i++) {
		timeutil_format_date(v->first + (int32_t)i, dates[i],
		    sizeof dates[i]);
		dp[i] = dates[i];
	}
	if (store_duty_days(v->c->srv->db, v->team->id, dp, v->ndays,
	    rota_days_read, v) == -1)
		rota_unavailable(v);
}

/* Whether person is away at any time on day i of the view. */
static int
rota_away_on(const struct rota_view *v, const char *person, size_t i)
{
	int64_t	from, to;
	size_t	k;

	if (person == NULL)
		return 0;
	from = pagetext_midnight(v->cal, v->first + (int32_t)i) * 1000;
	to = pagetext_midnight(v->cal, v->first + (int32_t)i + 1) * 1000;
	for (k = 0; k < v->naway; k++)
		if (strcmp(v->away[k].person, person) == 0 &&
		    v->away[k].from_ms < to && v->away[k].to_ms > from)
			return 1;
	return 0;
}

/* Who is on duty on day i of the view: the change, else the pattern
 * (NULL: nobody). */
static const char *
rota_worker(const struct rota_view *v, size_t i, int *changed)
{
	*changed = v->worker[i][0] != '\0';
	return *changed ? v->worker[i] :
	    v->team->duty[timeutil_weekday(v->first + (int32_t)i)];
}

static const char *
rota_duty_manager(const struct rota_view *v, size_t i, int *changed)
{
	*changed = v->manager[i][0] != '\0';
	return *changed ? v->manager[i] : v->team->duty_manager;
}

/* A team's name on its pages. */
static void
rota_set_team(struct template_node *root, const struct config_team *t)
{
	template_set(root, "team", t->id);
	template_set(root, "team_id", t->id);
}

/* "Bob is the duty worker and Dora the duty manager" for day i. */
static void
rota_who(const struct rota_view *v, size_t i, char *buf, size_t len)
{
	const char	*w, *m;
	int		 ch;

	w = rota_worker(v, i, &ch);
	m = rota_duty_manager(v, i, &ch);
	snprintf(buf, len, "%s is the duty worker and %s the duty manager",
	    w != NULL ? pagetext_name(v->c->cfg, w) : "nobody",
	    m != NULL ? pagetext_name(v->c->cfg, m) : "nobody");
}

/* Why a calendar's day is closed, or NULL when it is a working day. */
static const char *
rota_closed(const struct calendar *cal, int32_t day)
{
	struct calendar_day	d;

	if (calendar_day_info(cal, day, &d) == -1 || d.n > 0)
		return NULL;
	switch (d.kind) {
	case CALENDAR_BANK_HOLIDAY:
	case CALENDAR_UNPLANNED:
		return d.reason != NULL ? d.reason : "closure";
	case CALENDAR_CLOSURE:
		return "office closure";
	default:
		return "not a working day";
	}
}

/* Draw /rota/{team}. */
static void
rota_draw(struct rota_view *v)
{
	struct api_call		*c = v->c;
	struct template_data	*d;
	struct template_node	*root, *days, *day, *roles, *r;
	const char		*who, *done, *date;
	char			 words[64], iso[16], msg[400], line[256];
	int32_t			 dd;
	size_t			 i;
	int			 changed, away, any_away = 0;

	if ((d = template_data_new()) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	root = template_root(d);
	rota_set_team(root, v->team);
	template_set_bool(root, "manages", api_manages(c, v->team->id));
	days = template_set_list(root, "days");
	for (i = 0; i < v->ndays; i++) {
		dd = v->first + (int32_t)i;
		day = template_append_object(days);
		timeutil_format_date(dd, iso, sizeof iso);
		template_set(day, "date", iso);
		pagetext_day(dd, v->today, 0, words, sizeof words);
		template_set(day, "words", words);
		template_set_bool(day, "today", dd == v->today);
		template_set(day, "closed", rota_closed(v->cal, dd));
		roles = template_set_list(day, "roles");
		who = rota_worker(v, i, &changed);
		r = template_append_object(roles);
		template_set(r, "name", who != NULL ? pagetext_name(c->cfg, who) :
		    "Nobody");
		template_set_bool(r, "changed", changed);
		template_set_bool(r, "away", away = rota_away_on(v, who, i));
		any_away |= away;
		who = rota_duty_manager(v, i, &changed);
		r = template_append_object(roles);
		template_set(r, "name", who != NULL ? pagetext_name(c->cfg, who) :
		    "Nobody");
		template_set_bool(r, "changed", changed);
		template_set_bool(r, "away", away = rota_away_on(v, who, i));
		any_away |= away;
	}
	template_set_bool(root, "any_away", any_away);
	/* After a change (post, redirect, get): say what the day is now. */
	done = http_req_query_param(c->req, "done");
	date = http_req_query_param(c->req, "date");
	if (done != NULL && date != NULL && strlen(date) == 10 &&
	    timeutil_parse_date(date, &dd) == 0 && dd >= v->first &&
	    dd < v->first + (int32_t)v->ndays) {
		pagetext_day(dd, v->today, 0, words, sizeof words);
		rota_who(v, (size_t)(dd - v->first), line, sizeof line);
		if (strcmp(done, "changed") == 0)
			snprintf(msg, sizeof msg, "Rota changed for %s: %s.",
			    words, line);
		else
			snprintf(msg, sizeof msg, "%s is back to the weekly "
			    "rota: %s.", words, line);
		template_set(root, "done", msg);
	}
	web_page(c, 0, "Rota", WEB_ROTA, "rota", d);
	template_data_free(d);
}

/* GET /rota */
static void
rota_index(struct api_call *c)
{
	struct template_data	*d;
	struct template_node	*list, *e;
	const struct config_team *only = NULL;
	char			 path[512];
	size_t			 i, n = 0;

	if (!web_person(c))
		return;
	for (i = 0; i < c->cfg->nteams; i++)
		if (api_sees(c, c->cfg->teams[i].id)) {
			only = &c->cfg->teams[i];
			n++;
		}
	if (n == 1) {
		snprintf(path, sizeof path, "/rota/");
		pagetext_encode(only->id, path + 6, sizeof path - 6);
		web_done(c, path);
		return;
	}
	if ((d = template_data_new()) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	template_set_bool(template_root(d), "any", n > 0);
	list = template_set_list(template_root(d), "teams");
	for (i = 0; i < c->cfg->nteams; i++) {
		if (!api_sees(c, c->cfg->teams[i].id))
			continue;
		e = template_append_object(list);
		template_set(e, "id", c->cfg->teams[i].id);
		template_set(e, "name", c->cfg->teams[i].id);
		template_set_bool(e, "manages", api_manages(c,
		    c->cfg->teams[i].id));
	}
	web_page(c, 0, "Rota", WEB_ROTA, "rota-teams", d);
	template_data_free(d);
}

/* GET /rota/{team} */
static void
rota_get(struct api_call *c)
{
	const struct config_team	*t;
	struct rota_view		*v;

	if (!web_person(c) || (t = rota_team(c)) == NULL)
		return;
	if ((v = rota_view_new(c, t, 0, ROTA_DAYS, rota_draw)) == NULL)
		return;
	v->first = v->today;
	rota_load(v);
}

/* Add an option to a role's radios. */
static void
rota_option(struct template_node *opts, const char *field, size_t k,
    const char *value, const char *label, int checked, int away)
{
	struct template_node	*o = template_append_object(opts);

	template_setf(o, "id", "%s-%zu", field, k);
	template_set(o, "value", value);
	template_set(o, "label", label);
	template_set_bool(o, "checked", checked);
	template_set_bool(o, "away", away);
	template_set_bool(o, "weekly", k == 0);
}

/* One role's radios on the day page: the weekly rota's choice, then the
 * team's people (and whoever the day names now, if not one of them). */
static void
rota_role(struct rota_view *v, struct template_node *roles,
    const char *field, const char *legend, const char *pattern,
    const char *current, const char *error)
{
	struct api_call		*c = v->c;
	struct template_node	*r, *opts;
	const char		*people[ROTA_MAX_PEOPLE + 1], *posted = NULL;
	char			 label[256];
	size_t			 i, n;

	/* After an error, what was posted stays chosen. */
	if (c->form != NULL)
		posted = api_field(c, field);
	else
		posted = current;
	r = template_append_object(roles);
	template_set(r, "field", field);
	template_set(r, "legend", legend);
	template_set(r, "error", error);
	opts = template_set_list(r, "options");
	snprintf(label, sizeof label, "As the weekly rota (%s)", pattern !=
	    NULL ? pagetext_name(c->cfg, pattern) : "nobody");
	rota_option(opts, field, 0, "", label, posted != NULL &&
	    posted[0] == '\0', rota_away_on(v, pattern, 0));
	n = rota_people(v->team, people);
	if (current[0] != '\0' && config_person(c->cfg, current) != NULL)
		rota_add_person(people, &n, config_person(c->cfg,
		    current)->id);
	for (i = 0; i < n; i++)
		rota_option(opts, field, i + 1, people[i], pagetext_name(c->cfg,
		    people[i]), posted != NULL && strcmp(posted,
		    people[i]) == 0, rota_away_on(v, people[i], 0));
}

/* Draw /rota/{team}/{date}: the form to change that day. */
static void
rota_day_draw(struct rota_view *v)
{
	struct api_call		*c = v->c;
	struct template_data	*d;
	struct template_node	*root, *roles, *errs, *e;
	const char		*err_w = NULL, *err_m = NULL;
	char			 words[64], iso[16], pattern[300];
	const char		*pw, *pm;
	size_t			 i;

	if ((d = template_data_new()) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	root = template_root(d);
	rota_set_team(root, v->team);
	timeutil_format_date(v->first, iso, sizeof iso);
	template_set(root, "date", iso);
	pagetext_day(v->first, v->today, 0, words, sizeof words);
	template_set(root, "words", words);
	template_set_bool(root, "has_errors", v->nerrors > 0);
	errs = template_set_list(root, "errors");
	for (i = 0; i < v->nerrors; i++) {
		e = template_append_object(errs);
		template_setf(e, "field", "%s-0", v->errors[i].field);
		template_set(e, "text", v->errors[i].text);
		if (strcmp(v->errors[i].field, "worker") == 0)
			err_w = v->errors[i].text;
		else
			err_m = v->errors[i].text;
	}
	pw = v->team->duty[timeutil_weekday(v->first)];
	pm = v->team->duty_manager;
	roles = template_set_list(root, "roles");
	rota_role(v, roles, "worker", "Duty worker", pw, v->worker[0], err_w);
	rota_role(v, roles, "manager", "Duty manager", pm, v->manager[0],
	    err_m);
	template_set_bool(root, "changed", v->worker[0][0] != '\0' ||
	    v->manager[0][0] != '\0');
	snprintf(pattern, sizeof pattern, "%s as duty worker and %s as duty "
	    "manager", pw != NULL ? pagetext_name(c->cfg, pw) : "nobody",
	    pm != NULL ? pagetext_name(c->cfg, pm) : "nobody");
	template_set(root, "pattern", pattern);
	web_page(c, v->nerrors > 0 ? 400 : 0, "Change the rota", WEB_ROTA,
	    "rota-day", d);
	template_data_free(d);
}

/* The day of the path, if it may be changed (today to a year ahead);
 * else the 404 page and -1. */
static int
rota_path_day(struct api_call *c, const struct config_team *t, int32_t *day)
{
	const char	*s = api_param(c, 1);
	int32_t		 today = rota_today(c, config_team_calendar(c->cfg, t));

	if (s == NULL || strlen(s) != 10 || timeutil_parse_date(s, day) ==
	    -1 || *day < today || *day > today + ROTA_AHEAD) {
		web_error(c, 404, "Page not found", "The rota can be changed "
		    "for a day from today to a year ahead. Go back to the "
		    "rota and choose a day.");
		return -1;
	}
	return 0;
}

/* GET /rota/{team}/{date} */
static void
rota_day_get(struct api_call *c)
{
	const struct config_team	*t;
	struct rota_view		*v;
	int32_t				 day;

	if (!web_person(c) || (t = rota_team(c)) == NULL ||
	    !rota_manager(c, t) || rota_path_day(c, t, &day) == -1)
		return;
	if ((v = rota_view_new(c, t, day, 1, rota_day_draw)) != NULL)
		rota_load(v);
}

/* The day's change is stored (or not). */
static void
rota_day_written(int failed, void *arg)
{
	struct api_call	*c = arg;
	char		 path[512], team[384];

	if (failed) {
		web_error(c, 503, "Sorry, the rota was not changed",
		    "replyd cannot reach its storage: nothing was changed. "
		    "Try again in a minute.");
		return;
	}
	pagetext_encode(api_param(c, 0), team, sizeof team);
	snprintf(path, sizeof path, "/rota/%s?done=%s&date=%s", team,
	    api_field(c, "action") != NULL &&
	    strcmp(api_field(c, "action"), "clear") == 0 ? "cleared" :
	    "changed", api_param(c, 1));
	web_done(c, path);
}

/* A role's choice on the form: "" (the weekly rota) or a configured
 * person; NULL when none or something else was posted. */
static const char *
rota_choice(const struct api_call *c, const char *field)
{
	const char	*v = api_field(c, field);

	if (v == NULL)
		return NULL;
	if (v[0] == '\0' || config_person(c->cfg, v) != NULL)
		return v;
	return NULL;
}

/* POST /rota/{team}/{date}: save the day's rota, or clear its change. */
static void
rota_day_post(struct api_call *c)
{
	const struct config_team	*t;
	struct rota_view		*v;
	const char			*action, *w, *m;
	int32_t				 day;
	int				 rc;

	if (!web_person(c) || (t = rota_team(c)) == NULL ||
	    !rota_manager(c, t) || rota_path_day(c, t, &day) == -1)
		return;
	action = api_field(c, "action");
	if (action != NULL && strcmp(action, "clear") == 0) {
		if (store_duty_clear(c->srv->db, t->id, api_param(c, 1),
		    rota_day_written, c) == -1)
			rota_day_written(1, c);
		return;
	}
	if (action == NULL || strcmp(action, "save") != 0) {
		web_error(c, 400, "Sorry, there is a problem", "The form "
		    "could not be read. Go back to the rota and try again.");
		return;
	}
	w = rota_choice(c, "worker");
	m = rota_choice(c, "manager");
	if (w == NULL || m == NULL) {
		if ((v = rota_view_new(c, t, day, 1, rota_day_draw)) == NULL)
			return;
		if (w == NULL) {
			v->errors[v->nerrors].field = "worker";
			v->errors[v->nerrors++].text = "Choose who is the duty "
			    "worker on this day";
		}
		if (m == NULL) {
			v->errors[v->nerrors].field = "manager";
			v->errors[v->nerrors++].text = "Choose who is the duty "
			    "manager on this day";
		}
		rota_load(v);
		return;
	}
	log_info("rota: team %s: the rota of %s changed by %s", t->id,
	    api_param(c, 1), c->person->id);
	if (w[0] == '\0' && m[0] == '\0')
		rc = store_duty_clear(c->srv->db, t->id, api_param(c, 1),
		    rota_day_written, c);
	else
		rc = store_duty_put(c->srv->db, t->id, api_param(c, 1),
		    w[0] != '\0' ? w : NULL, m[0] != '\0' ? m : NULL,
		    rota_day_written, c);
	if (rc == -1)
		rota_day_written(1, c);
}

/* A closure's listing order: by date. */
static int
rota_closure_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_cal_closure *)a)->date,
	    ((const struct store_cal_closure *)b)->date);
}

/* The working hours of a day on cal as words ("09:00 to 17:00"). */
static void
rota_hours(const struct calendar *cal, const struct calendar_day *d,
    char *buf, size_t len)
{
	struct tm	a, b;
	size_t		i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < d->n && o + 1 < len; i++) {
		calendar_local(cal, d->start[i], &a);
		calendar_local(cal, d->end[i], &b);
		if (d->end[i] - d->start[i] >= 23 * 3600 && a.tm_hour == 0 &&
		    a.tm_min == 0) {
			o += (size_t)snprintf(buf + o, len - o, "%sAll day",
			    i ? ", " : "");
			continue;
		}
		o += (size_t)snprintf(buf + o, len - o, "%s%02d:%02d to "
		    "%02d:%02d", i ? ", " : "", a.tm_hour, a.tm_min,
		    b.tm_hour == 0 && b.tm_min == 0 ? 24 : b.tm_hour,
		    b.tm_min);
	}
}

/* Draw /rota/{team}/closures, with errors (field, text pairs) from a
 * failed form. */
static void
rota_closures_draw(struct api_call *c, const struct config_team *t,
    const struct rota_error *errors, size_t nerrors)
{
	const struct calendar		*cal = config_team_calendar(c->cfg, t);
	const struct store_cal_closure	*cl;
	struct store_cal_closure	*sorted = NULL;
	struct template_data		*d;
	struct template_node		*root, *list, *e;
	struct calendar_day		 day;
	const char			*done, *from, *to, *err_from = NULL;
	const char			*err_to = NULL, *err_reason = NULL;
	char				 words[64], words2[64], iso[16];
	char				 buf[512], shared[512];
	int32_t				 today = rota_today(c, cal), a, b;
	size_t				 i, n, o = 0, nshared = 0;

	if ((d = template_data_new()) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	root = template_root(d);
	rota_set_team(root, t);
	template_set(root, "calendar", calendar_name(cal));
	duration_format(t->has_within ? &t->within : &c->cfg->promise.within,
	    buf, sizeof buf);
	template_set(root, "within", buf);
	/* Other teams on the same calendar are closed too. */
	shared[0] = '\0';
	for (i = 0; i < c->cfg->nteams; i++) {
		if (&c->cfg->teams[i] == t || config_team_calendar(c->cfg,
		    &c->cfg->teams[i]) != cal)
			continue;
		o += (size_t)snprintf(shared + o, o < sizeof shared ?
		    sizeof shared - o : 0, "%s%s", nshared ? ", " : "",
		    c->cfg->teams[i].id);
		nshared++;
	}
	if (nshared > 0)
		template_setf(root, "shared", "%s %s", nshared == 1 ?
		    "the team" : "the teams", shared);
	/* The closures to come, soonest first. */
	cl = calsync_closures(c->srv, calendar_name(cal), &n);
	if (n > 0 && (sorted = calloc(n, sizeof *sorted)) != NULL) {
		memcpy(sorted, cl, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, rota_closure_cmp);
	} else
		n = 0;
	timeutil_format_date(today, iso, sizeof iso);
	list = template_set_list(root, "closures");
	for (i = 0, o = 0; i < n; i++) {
		if (strcmp(sorted[i].date, iso) < 0 ||
		    timeutil_parse_date(sorted[i].date, &a) == -1)
			continue;
		e = template_append_object(list);
		template_set(e, "date", sorted[i].date);
		pagetext_day(a, today, 0, words, sizeof words);
		template_set(e, "words", words);
		template_set(e, "reason", sorted[i].reason);
		template_set(e, "by", sorted[i].by[0] != '\0' ?
		    pagetext_name(c->cfg, sorted[i].by) : "the API");
		o++;
	}
	free(sorted);
	template_set_bool(root, "any_closures", o > 0);
	/* The next 14 days' working hours. */
	list = template_set_list(root, "days");
	for (a = today; a < today + ROTA_DAYS; a++) {
		if (calendar_day_info(cal, a, &day) == -1)
			continue;
		e = template_append_object(list);
		timeutil_format_date(a, iso, sizeof iso);
		template_set(e, "date", iso);
		pagetext_day(a, today, 0, words, sizeof words);
		template_set(e, "words", words);
		template_set_bool(e, "open", day.n > 0);
		rota_hours(cal, &day, buf, sizeof buf);
		template_set(e, "hours", buf);
		template_set(e, "reason", rota_closed(cal, a));
	}
	/* The form, and what went wrong with it. */
	template_set_bool(root, "has_errors", nerrors > 0);
	list = template_set_list(root, "errors");
	for (i = 0; i < nerrors; i++) {
		e = template_append_object(list);
		template_set(e, "field", errors[i].field);
		template_set(e, "text", errors[i].text);
		if (strncmp(errors[i].field, "from", 4) == 0)
			err_from = errors[i].text;
		else if (strncmp(errors[i].field, "to", 2) == 0)
			err_to = errors[i].text;
		else
			err_reason = errors[i].text;
	}
	list = template_set_list(root, "dates");
	pagetext_date_field(list, c, "from", "Day closed", "For example, 7 12 "
	    "2026", err_from);
	pagetext_date_field(list, c, "to", "Last day closed (if more than one)",
	    "Leave this empty to close one day. At most 31 days.", err_to);
	template_set(root, "reason", c->form != NULL &&
	    api_field(c, "reason") != NULL ? api_field(c, "reason") : "");
	template_set(root, "reason_error", err_reason);
	/* After a change (post, redirect, get). */
	done = http_req_query_param(c->req, "done");
	from = http_req_query_param(c->req, "from");
	to = http_req_query_param(c->req, "to");
	if (done != NULL && from != NULL && strlen(from) == 10 &&
	    timeutil_parse_date(from, &a) == 0) {
		pagetext_day(a, today, 0, words, sizeof words);
		if (strcmp(done, "opened") == 0)
			snprintf(buf, sizeof buf, "Open again on %s", words);
		else if (to != NULL && strlen(to) == 10 &&
		    timeutil_parse_date(to, &b) == 0 && b > a) {
			pagetext_day(b, today, 0, words2, sizeof words2);
			snprintf(buf, sizeof buf, "Closed from %s to %s",
			    words, words2);
		} else
			snprintf(buf, sizeof buf, "Closed on %s", words);
		template_set(root, "done", buf);
		from = http_req_query_param(c->req, "recompute");
		template_set_bool(root, "recompute", from != NULL &&
		    strcmp(from, "1") == 0);
	}
	web_page(c, nerrors > 0 ? 400 : 0, "Unplanned closures", WEB_ROTA,
	    "closures", d);
	template_data_free(d);
}

/* GET /rota/{team}/closures */
static void
rota_closures_get(struct api_call *c)
{
	const struct config_team	*t;

	if (!web_person(c) || (t = rota_team(c)) == NULL ||
	    !rota_manager(c, t))
		return;
	rota_closures_draw(c, t, NULL, 0);
}

/* Closing days one after another, through calsync. */
struct rota_close {
	struct api_call			*c;
	const struct config_team	*team;
	char				 calendar[256];
	struct store_cal_closure	 cl;
	int32_t				 first, day, last;
	int				 recompute;
};

static void	rota_close_next(struct rota_close *);

/* The closures page after a change: post, redirect, get. */
static void
rota_closures_done(struct api_call *c, const char *done, int32_t from,
    int32_t to, int recompute)
{
	char	path[640], team[384], a[16], b[16];

	pagetext_encode(api_param(c, 0), team, sizeof team);
	timeutil_format_date(from, a, sizeof a);
	timeutil_format_date(to, b, sizeof b);
	snprintf(path, sizeof path, "/rota/%s/closures?done=%s&from=%s&to=%s"
	    "&recompute=%d", team, done, a, b, recompute);
	web_done(c, path);
}

/* One day is closed (or not): the next, or done. */
static void
rota_closed_one(enum calsync_change_result res, int added, int recompute,
    const struct store_cal_closure *cl, void *arg)
{
	struct rota_close	*rc = arg;
	char			 msg[300], words[64];

	if (res != CALSYNC_CHANGED) {
		pagetext_day(rc->day, rc->first, 0, words, sizeof words);
		if (rc->day > rc->first)
			snprintf(msg, sizeof msg, "replyd cannot reach its "
			    "storage. The days before %s were closed; %s and "
			    "after were not. Try again in a minute.", words,
			    words);
		else
			snprintf(msg, sizeof msg, "replyd cannot reach its "
			    "storage: nothing was closed. Try again in a "
			    "minute.");
		web_error(rc->c, 503, "Sorry, the calendar was not closed",
		    msg);
		free(rc);
		return;
	}
	rc->recompute |= recompute;
	if (rc->day == rc->last) {
		rota_closures_done(rc->c, "closed", rc->first, rc->last,
		    rc->recompute);
		free(rc);
		return;
	}
	rc->day++;
	rota_close_next(rc);
}

/* Close the next day. */
static void
rota_close_next(struct rota_close *rc)
{
	int	r;

	timeutil_format_date(rc->day, rc->cl.date, sizeof rc->cl.date);
	if ((r = calsync_close(rc->c->srv, rc->calendar, &rc->cl,
	    rota_closed_one, rc)) != 0) {
		if (r == -2) {
			web_error(rc->c, 409, "The calendar has too many "
			    "closures", "Open some of its closures that are "
			    "past (through the API) before adding more.");
			free(rc);
		} else
			rota_closed_one(CALSYNC_FAILED, 0, 0, NULL, rc);
	}
}

/* The day is open again (or was not closed). */
static void
rota_opened(enum calsync_change_result res, int added, int recompute,
    const struct store_cal_closure *cl, void *arg)
{
	struct api_call	*c = arg;
	int32_t		 day;

	if (res == CALSYNC_FAILED) {
		web_error(c, 503, "Sorry, the calendar was not changed",
		    "replyd cannot reach its storage: the day is still "
		    "closed. Try again in a minute.");
		return;
	}
	/* Already open (a second press, another manager): say it is. */
	timeutil_parse_date(api_field(c, "date"), &day);
	rota_closures_done(c, "opened", day, day, recompute);
}

/* POST /rota/{team}/closures: close days (action=add) or open one
 * (action=remove, date=YYYY-MM-DD). */
static void
rota_closures_post(struct api_call *c)
{
	const struct config_team	*t;
	const struct calendar		*cal;
	struct rota_error		 errs[ROTA_MAX_ERRORS];
	struct rota_close		*rc;
	const char			*action, *reason, *date;
	enum pagetext_date_result		 rf, rt;
	char				*clean;
	int32_t				 from = 0, to = 0, today;
	size_t				 n = 0;

	if (!web_person(c) || (t = rota_team(c)) == NULL ||
	    !rota_manager(c, t))
		return;
	cal = config_team_calendar(c->cfg, t);
	today = rota_today(c, cal);
	action = api_field(c, "action");
	if (action != NULL && strcmp(action, "remove") == 0) {
		date = api_field(c, "date");
		if (date == NULL || strlen(date) != 10 ||
		    timeutil_parse_date(date, &from) == -1) {
			web_error(c, 400, "Sorry, there is a problem", "The "
			    "form could not be read. Go back and try again.");
			return;
		}
		if (calsync_reopen(c->srv, calendar_name(cal), date,
		    rota_opened, c) == -1)
			rota_opened(CALSYNC_FAILED, 0, 0, NULL, c);
		return;
	}
	if (action == NULL || strcmp(action, "add") != 0) {
		web_error(c, 400, "Sorry, there is a problem", "The form could "
		    "not be read. Go back and try again.");
		return;
	}
	rf = pagetext_date(c, "from", &from);
	rt = pagetext_date(c, "to", &to);
	reason = api_field(c, "reason");
	if (rf == PAGETEXT_DATE_EMPTY) {
		errs[n].field = "from-day";
		errs[n++].text = "Enter the day to close";
	} else if (rf == PAGETEXT_DATE_INVALID) {
		errs[n].field = "from-day";
		errs[n++].text = "The day closed must be a real date, such as "
		    "7 12 2026";
	} else if (from < today) {
		errs[n].field = "from-day";
		errs[n++].text = "The day closed must be today or later";
	}
	if (rt == PAGETEXT_DATE_INVALID) {
		errs[n].field = "to-day";
		errs[n++].text = "The last day closed must be a real date, "
		    "such as 9 12 2026";
	} else if (rt == PAGETEXT_DATE_OK && rf == PAGETEXT_DATE_OK && to < from) {
		errs[n].field = "to-day";
		errs[n++].text = "The last day closed must be the same as or "
		    "after the first";
	} else if (rt == PAGETEXT_DATE_OK && rf == PAGETEXT_DATE_OK &&
	    to - from >= ROTA_CLOSE_DAYS) {
		errs[n].field = "to-day";
		errs[n++].text = "Close at most 31 days at a time";
	}
	if (reason == NULL || reason[strspn(reason, " \t\r\n")] == '\0') {
		errs[n].field = "reason";
		errs[n++].text = "Enter why the calendar is closed";
	} else if (strlen(reason) > ROTA_REASON_MAX) {
		errs[n].field = "reason";
		errs[n++].text = "The reason must be 200 characters or fewer";
	}
	if (n > 0) {
		rota_closures_draw(c, t, errs, n);
		return;
	}
	if (rt == PAGETEXT_DATE_EMPTY)
		to = from;
	if ((rc = calloc(1, sizeof *rc)) == NULL ||
	    (clean = utf8_line(reason, strlen(reason))) == NULL) {
		free(rc);
		http_unavailable(c->req, "out of memory");
		return;
	}
	rc->c = c;
	rc->team = t;
	snprintf(rc->calendar, sizeof rc->calendar, "%s", calendar_name(cal));
	snprintf(rc->cl.reason, sizeof rc->cl.reason, "%s", clean);
	snprintf(rc->cl.by, sizeof rc->cl.by, "%s", c->person->id);
	rc->cl.at_ms = api_now_ms(c);
	free(clean);
	rc->first = rc->day = from;
	rc->last = to;
	log_info("rota: calendar %s closed from day %d to %d by %s",
	    rc->calendar, (int)from, (int)to, c->person->id);
	rota_close_next(rc);
}

static const struct api_route rota_routes[] = {
	{ HTTP_GET, "/rota", ROLE_WORKER, API_PAGE | API_DB, rota_index },
	{ HTTP_GET, "/rota/*", ROLE_WORKER, API_PAGE | API_DB, rota_get },
	{ HTTP_GET, "/rota/*/closures", ROLE_WORKER, API_PAGE | API_DB,
	    rota_closures_get },
	{ HTTP_POST, "/rota/*/closures", ROLE_WORKER,
	    API_PAGE | API_FORM | API_DB, rota_closures_post },
	{ HTTP_GET, "/rota/*/*", ROLE_WORKER, API_PAGE | API_DB,
	    rota_day_get },
	{ HTTP_POST, "/rota/*/*", ROLE_WORKER, API_PAGE | API_FORM | API_DB,
	    rota_day_post },
	{ HTTP_GET, "/absences", ROLE_WORKER, API_PAGE | API_DB,
	    absences_get },
	{ HTTP_POST, "/absences", ROLE_WORKER, API_PAGE | API_FORM | API_DB,
	    absences_post },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module rota_pages = {
	.name = "rota pages",
	.routes = rota_routes,
};
