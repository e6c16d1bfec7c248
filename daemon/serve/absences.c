/*
 * absences.c: the absences page (see absences.h).  The same rules as the
 * API's absences (serve/duty.c, SPEC §15): a person sees the absences of
 * the people they share a team with; a manager adds and ends those of
 * their teams' people; a worker changes nothing (403), and a person
 * outside their teams does not exist for them (404).  Dates are whole days
 * on the promise's calendar, as POST /v1/absences takes them: the first
 * day from its start, the last to its end.  No reason is asked or kept: a
 * young person is never told why a worker is away, and nobody else needs
 * to know.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/template.h"
#include "base/timeutil.h"
#include "conf/config.h"
#include "io/http.h"
#include "rules/access.h"
#include "rules/calendar.h"
#include "serve/absences.h"
#include "serve/duty.h"
#include "serve/api.h"
#include "serve/pagetext.h"
#include "serve/server.h"
#include "serve/web.h"
#include "store/duty.h"

#define ABSENCES_AHEAD		366	/* the last day at most this far on */
#define ABSENCES_MAX_ERRORS	3

/* One absence as the page lists it. */
struct absences_row {
	const char	*person;	/* the configuration's id */
	int64_t		 id;
	int64_t		 from_ms;
	int64_t		 to_ms;
};

/* A form's error. */
struct absences_error {
	const char	*field;
	const char	*text;
};

/* The page being drawn (after reading the absences). */
struct absences_view {
	struct api_call		*c;
	struct absences_error	 errors[ABSENCES_MAX_ERRORS];
	size_t			 nerrors;
};

/* The calendar absences' dates are days of (as the API's). */
static const struct calendar *
absences_calendar(const struct api_call *c)
{
	return c->cfg->promise.calendar;
}

/* Whether the caller manages person's absences (no answer). */
static int
absences_manages(const struct api_call *c, const char *person)
{
	return access_manage_person(&c->who, c->cfg->access_teams,
	    c->cfg->nteams, person) == ACCESS_ALLOW;
}

/* Whether the caller manages anyone's absences. */
static int
absences_manages_any(const struct api_call *c)
{
	size_t	i;

	for (i = 0; i < c->cfg->npeople; i++)
		if (absences_manages(c, c->cfg->people[i].id))
			return 1;
	return 0;
}

/* Soonest first, then by person. */
static int
absences_cmp(const void *a, const void *b)
{
	const struct absences_row	*x = a, *y = b;

	if (x->from_ms != y->from_ms)
		return x->from_ms < y->from_ms ? -1 : 1;
	return strcmp(x->person, y->person);
}

/* One end of an absence in words: a day when it falls at midnight (the
 * end as the last day away, inclusive), else a day and a time. */
static void
absences_end_words(const struct calendar *cal, int64_t ms, int end,
    int32_t today, char *buf, size_t len)
{
	struct tm	tm;
	int64_t		t = ms / 1000;
	int32_t		day = calendar_day_of(cal, t);

	if (calendar_local(cal, t, &tm) == 0 && tm.tm_hour == 0 &&
	    tm.tm_min == 0 && tm.tm_sec == 0) {
		pagetext_day(end ? day - 1 : day, today, 0, buf, len);
		return;
	}
	pagetext_day(day, today, 0, buf, len);
	if (calendar_local(cal, t, &tm) == 0) {
		size_t	n = strlen(buf);

		snprintf(buf + n, len > n ? len - n : 0, ", %02d:%02d",
		    tm.tm_hour, tm.tm_min);
	}
}

/* An absence in words: "Monday 7 December to Friday 11 December". */
static void
absences_when(const struct calendar *cal, int64_t from_ms, int64_t to_ms,
    int32_t today, char *buf, size_t len)
{
	char	a[80], b[80];

	absences_end_words(cal, from_ms, 0, today, a, sizeof a);
	absences_end_words(cal, to_ms, 1, today, b, sizeof b);
	if (strcmp(a, b) == 0)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s to %s", a, b);
}

/* What happened, after a change (post, redirect, get). */
static void
absences_done(struct api_call *c, struct template_node *root, int32_t today)
{
	const char	*done = http_req_query_param(c->req, "done");
	const char	*person = http_req_query_param(c->req, "person");
	const char	*from = http_req_query_param(c->req, "from");
	const char	*to = http_req_query_param(c->req, "to");
	const char	*name;
	char		 a[64], b[64], msg[300];
	int32_t		 fd, td;

	if (done == NULL || person == NULL || config_person(c->cfg,
	    person) == NULL || !api_sees_person(c, person))
		return;
	name = pagetext_name(c->cfg, person);
	if (strcmp(done, "added") == 0 && from != NULL && to != NULL &&
	    timeutil_parse_date(from, &fd) == 0 &&
	    timeutil_parse_date(to, &td) == 0) {
		pagetext_day(fd, today, 0, a, sizeof a);
		pagetext_day(td, today, 0, b, sizeof b);
		if (fd == td)
			snprintf(msg, sizeof msg, "Absence added: %s is away on "
			    "%s", name, a);
		else
			snprintf(msg, sizeof msg, "Absence added: %s is away "
			    "from %s to %s", name, a, b);
	} else if (strcmp(done, "ended") == 0)
		snprintf(msg, sizeof msg, "Absence ended: %s is back from now",
		    name);
	else if (strcmp(done, "cancelled") == 0)
		snprintf(msg, sizeof msg, "Absence of %s cancelled", name);
	else if (strcmp(done, "missing") == 0)
		snprintf(msg, sizeof msg, "That absence of %s had already "
		    "ended or been cancelled", name);
	else
		return;
	template_set(root, "done", msg);
}

/* Every absence was read: draw the page. */
static void
absences_read(const struct store_absence *a, size_t n, int failed, void *arg)
{
	struct absences_view		*v = arg;
	struct api_call			*c = v->c;
	const struct calendar		*cal = absences_calendar(c);
	const struct config_person	*p;
	struct absences_row		*rows = NULL;
	struct template_data		*d;
	struct template_node		*root, *list, *e;
	const char			*err_person = NULL, *err_from = NULL;
	const char			*err_to = NULL, *posted;
	int64_t				 now = api_now_ms(c);
	int32_t				 today = calendar_day_of(cal, now / 1000);
	char				 when[200];
	size_t				 i, nrows = 0;
	int				 manages_any;

	if (failed) {
		web_error(c, 503, "Sorry, absences cannot be shown now",
		    "replyd cannot reach its storage. Try again in a minute.");
		free(v);
		return;
	}
	if ((d = template_data_new()) == NULL || (n > 0 &&
	    (rows = calloc(n, sizeof *rows)) == NULL)) {
		template_data_free(d);
		http_unavailable(c->req, "out of memory");
		free(v);
		return;
	}
	/* Now and to come, of the people the caller works with. */
	for (i = 0; i < n; i++) {
		if (a[i].to_ms <= now || (p = config_person(c->cfg,
		    a[i].person)) == NULL || !api_sees_person(c, p->id))
			continue;
		rows[nrows].person = p->id;
		rows[nrows].id = a[i].id;
		rows[nrows].from_ms = a[i].from_ms;
		rows[nrows].to_ms = a[i].to_ms;
		nrows++;
	}
	if (nrows > 1)
		qsort(rows, nrows, sizeof *rows, absences_cmp);
	root = template_root(d);
	manages_any = absences_manages_any(c);
	template_set_bool(root, "manages_any", manages_any);
	template_set_bool(root, "any_absences", nrows > 0);
	list = template_set_list(root, "absences");
	for (i = 0; i < nrows; i++) {
		e = template_append_object(list);
		template_set(e, "person", rows[i].person);
		template_set(e, "name", pagetext_name(c->cfg, rows[i].person));
		template_setf(e, "id", "%lld", (long long)rows[i].id);
		template_set_bool(e, "now", rows[i].from_ms <= now);
		absences_when(cal, rows[i].from_ms, rows[i].to_ms, today, when,
		    sizeof when);
		template_set(e, "when", when);
		template_set_bool(e, "manages", absences_manages(c,
		    rows[i].person));
	}
	free(rows);
	/* The form: whom the caller may mark away. */
	posted = c->form != NULL ? api_field(c, "person") : NULL;
	list = template_set_list(root, "people");
	for (i = 0; manages_any && i < c->cfg->npeople; i++) {
		p = &c->cfg->people[i];
		if (!absences_manages(c, p->id))
			continue;
		e = template_append_object(list);
		template_set(e, "id", p->id);
		template_set(e, "name", p->name != NULL ? p->name : p->id);
		template_set_bool(e, "selected", posted != NULL &&
		    strcmp(posted, p->id) == 0);
	}
	template_set_bool(root, "has_errors", v->nerrors > 0);
	list = template_set_list(root, "errors");
	for (i = 0; i < v->nerrors; i++) {
		e = template_append_object(list);
		template_set(e, "field", v->errors[i].field);
		template_set(e, "text", v->errors[i].text);
		if (strcmp(v->errors[i].field, "person") == 0)
			err_person = v->errors[i].text;
		else if (strncmp(v->errors[i].field, "from", 4) == 0)
			err_from = v->errors[i].text;
		else
			err_to = v->errors[i].text;
	}
	template_set(root, "person_error", err_person);
	list = template_set_list(root, "dates");
	pagetext_date_field(list, c, "from", "First day away", "For example, 7 12 "
	    "2026", err_from);
	pagetext_date_field(list, c, "to", "Last day away", "The day before they "
	    "are back. For example, 11 12 2026", err_to);
	absences_done(c, root, today);
	web_page(c, v->nerrors > 0 ? 400 : 0, "Absences", WEB_ABSENCES,
	    "absences", d);
	template_data_free(d);
	free(v);
}

/* Read the absences, then draw the page with v's errors. */
static void
absences_show(struct absences_view *v)
{
	if (store_absences(v->c->srv->db, absences_read, v) == -1)
		absences_read(NULL, 0, 1, v);
}

/* GET /absences */
void
absences_get(struct api_call *c)
{
	struct absences_view	*v;

	if (!web_person(c))
		return;
	if ((v = calloc(1, sizeof *v)) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	v->c = c;
	absences_show(v);
}

/* Back to the page, saying what happened. */
static void
absences_redirect(struct api_call *c, const char *done, const char *person,
    int32_t from, int32_t to)
{
	char	path[600], who[384], a[16], b[16];

	pagetext_encode(person, who, sizeof who);
	if (strcmp(done, "added") == 0) {
		timeutil_format_date(from, a, sizeof a);
		timeutil_format_date(to, b, sizeof b);
		snprintf(path, sizeof path, "/absences?done=added&person=%s&"
		    "from=%s&to=%s", who, a, b);
	} else
		snprintf(path, sizeof path, "/absences?done=%s&person=%s", done,
		    who);
	web_done(c, path);
}

/* Storage failed: nothing changed. */
static void
absences_failed(struct api_call *c)
{
	web_error(c, 503, "Sorry, the absence was not changed", "replyd "
	    "cannot reach its storage: nothing was changed. Try again in a "
	    "minute.");
}

/* An absence being added. */
struct absences_add {
	struct api_call	*c;
	char		 person[128];
	int32_t		 from, to;
};

/* The new absence is stored. */
static void
absences_added(int64_t id, int failed, void *arg)
{
	struct absences_add	*ad = arg;

	if (failed)
		absences_failed(ad->c);
	else
		absences_redirect(ad->c, "added", ad->person, ad->from, ad->to);
	free(ad);
}

/* An absence ended or removed. */
static void
absences_changed(enum store_absence_result res, void *arg)
{
	struct api_call	*c = arg;
	const char	*action = api_field(c, "action");

	switch (res) {
	case STORE_ABSENCE_FAILED:
		absences_failed(c);
		break;
	case STORE_ABSENCE_MISSING:
		absences_redirect(c, "missing", api_field(c, "person"), 0, 0);
		break;
	case STORE_ABSENCE_ENDED:
		absences_redirect(c, "ended", api_field(c, "person"), 0, 0);
		break;
	case STORE_ABSENCE_REMOVED:
		/* "End now" on one that had not begun cancels it. */
		absences_redirect(c, strcmp(action, "end") == 0 ? "ended" :
		    "cancelled", api_field(c, "person"), 0, 0);
		break;
	}
}

/* The person a form names, if the caller may change their absences;
 * else the page (404 outside the caller's teams, 403 inside) and NULL. */
static const char *
absences_person(struct api_call *c, const char *id)
{
	const struct config_person	*p = config_person(c->cfg, id);

	if (p == NULL || !api_sees_person(c, p->id)) {
		web_error(c, 404, "Page not found", "There is no such person "
		    "in your teams.");
		return NULL;
	}
	if (!absences_manages(c, p->id)) {
		web_error(c, 403, "You cannot do that", "Only a manager of "
		    "one of their teams can add or end a person's absence. "
		    "Ask your team manager.");
		return NULL;
	}
	return p->id;
}

/* Add an absence from the form (the caller manages someone). */
static void
absences_post_add(struct api_call *c)
{
	const struct calendar	*cal = absences_calendar(c);
	struct absences_view	*v;
	struct absences_add	*ad;
	const char		*person = api_field(c, "person"), *who = NULL;
	enum pagetext_date_result	 rf, rt;
	int32_t			 from = 0, to = 0, today;
	size_t			 n = 0;

	today = calendar_day_of(cal, api_now_ms(c) / 1000);
	if ((v = calloc(1, sizeof *v)) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	v->c = c;
	if (person == NULL || person[0] == '\0') {
		v->errors[n].field = "person";
		v->errors[n++].text = "Choose who is away";
	} else if ((who = absences_person(c, person)) == NULL) {
		free(v);
		return;
	}
	rf = pagetext_date(c, "from", &from);
	rt = pagetext_date(c, "to", &to);
	if (rf != PAGETEXT_DATE_OK) {
		v->errors[n].field = "from-day";
		v->errors[n++].text = rf == PAGETEXT_DATE_EMPTY ? "Enter the first "
		    "day away" : "The first day away must be a real date, "
		    "such as 7 12 2026";
	}
	if (rt != PAGETEXT_DATE_OK) {
		v->errors[n].field = "to-day";
		v->errors[n++].text = rt == PAGETEXT_DATE_EMPTY ? "Enter the last "
		    "day away" : "The last day away must be a real date, such "
		    "as 11 12 2026";
	} else if (rf == PAGETEXT_DATE_OK && to < from) {
		v->errors[n].field = "to-day";
		v->errors[n++].text = "The last day away must be the same as "
		    "or after the first day away";
	} else if (to < today) {
		v->errors[n].field = "to-day";
		v->errors[n++].text = "The last day away must be today or "
		    "later";
	} else if (to > today + ABSENCES_AHEAD) {
		v->errors[n].field = "to-day";
		v->errors[n++].text = "The last day away must be within a year "
		    "from today";
	}
	if (n > 0) {
		v->nerrors = n;
		absences_show(v);
		return;
	}
	free(v);
	if ((ad = calloc(1, sizeof *ad)) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	ad->c = c;
	snprintf(ad->person, sizeof ad->person, "%s", who);
	ad->from = from;
	ad->to = to;
	log_info("absences: an absence of %s added by %s", who,
	    c->person->id);
	/* Whole days: from the first day's start to the last day's end. */
	if (store_absence_add(c->srv->db, who, pagetext_midnight(cal, from) *
	    1000, pagetext_midnight(cal, to + 1) * 1000, absences_added,
	    ad) == -1) {
		free(ad);
		absences_failed(c);
	}
}

/* POST /absences */
void
absences_post(struct api_call *c)
{
	const char	*action, *who;
	int64_t		 id;
	int		 rc;

	if (!web_person(c))
		return;
	if (!absences_manages_any(c)) {
		web_error(c, 403, "You cannot do that", "Only a manager can "
		    "add or end an absence. Ask your team manager.");
		return;
	}
	action = api_field(c, "action");
	if (action != NULL && strcmp(action, "add") == 0) {
		absences_post_add(c);
		return;
	}
	if (action == NULL || (strcmp(action, "end") != 0 &&
	    strcmp(action, "cancel") != 0) || api_field(c, "person") ==
	    NULL || (id = duty_absence_id(api_field(c, "id"))) == -1) {
		web_error(c, 400, "Sorry, there is a problem", "The form could "
		    "not be read. Go back to absences and try again.");
		return;
	}
	if ((who = absences_person(c, api_field(c, "person"))) == NULL)
		return;
	log_info("absences: an absence of %s %s by %s", who,
	    strcmp(action, "end") == 0 ? "ended" : "cancelled",
	    c->person->id);
	if (strcmp(action, "end") == 0)
		rc = store_absence_end(c->srv->db, who, id, api_now_ms(c),
		    absences_changed, c);
	else
		rc = store_absence_del(c->srv->db, who, id, absences_changed,
		    c);
	if (rc == -1)
		absences_failed(c);
}
