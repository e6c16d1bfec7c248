/*
 * board.c: the team duty board (SPEC §16, docs/pages.md "The duty
 * board").
 *
 *   GET /board                 the teams the person sees (straight to the
 *                              board when there is one)
 *   GET /board/{team}          the board: on duty now, overdue, due soon,
 *                              taken; board.js keeps it up to date
 *   GET /board/{team}/wall     the same page for a wall screen: no
 *                              sign-in, no data in the HTML; board.js
 *                              reads a service token from the #fragment
 *                              (never sent to the server, so never in a
 *                              log) and fetches the JSON below with it
 *   GET /v1/teams/{team}/board the board as JSON (a person's session or
 *                              token: their teams only; a service token:
 *                              every team, as its role allows)
 *
 * On duty now is the rota in force as escalation uses it (serve/
 * escalate.c): the weekly pattern for today on the team's calendar, a
 * dated override beating it (store_duty_get), and whether each person is
 * away now (an absence).  The lists come from the shared snapshot of open
 * conversations (serve/openset.h), at most a second old; each shows its
 * count and its first BOARD_SHOW, soonest first, so a board with 10,000
 * open conversations is as quick to draw as one with ten.  No list shows
 * a message's words: who and when, never what.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base/template.h"
#include "conf/config.h"
#include "io/http.h"
#include "rules/calendar.h"
#include "rules/duewords.h"
#include "serve/api.h"
#include "serve/board.h"
#include "serve/openset.h"
#include "serve/server.h"
#include "serve/web.h"
#include "store/duty.h"
#include "store/openlist.h"

#define BOARD_REFRESH_S		30	/* board.js asks every 30 s */
#define BOARD_REFRESH_MIN_S	2
#define BOARD_REFRESH_MAX_S	600

/* One list of the board: how many, and the first BOARD_SHOW. */
struct board_list {
	size_t			 count;
	size_t			 n;
	const struct store_open	*rows[BOARD_SHOW];
};

/* The lists of one team at one instant. */
struct board_view {
	struct board_list	overdue;	/* nobody has it: past due */
	struct board_list	soon;		/* nobody has it: due within
						   BOARD_SOON_S working */
	struct board_list	taken;		/* someone has it now */
	size_t			open;		/* every open one */
};

/* A board being drawn: the rota first, then the lists. */
struct board_req {
	struct api_call			*c;
	const struct config_team	*team;
	const struct calendar		*cal;
	int				 json;
	int				 pending;
	int				 failed;
	int64_t				 now_ms;
	char				 date[16];
	char				 worker[128];	/* on duty now, or "" */
	char				 manager[128];
	int				 override;
	int				 worker_away;
	int				 manager_away;
};

const char *
board_name(const struct config *cfg, const char *person)
{
	const struct config_person	*p = config_person(cfg, person);

	return p != NULL && p->name != NULL ? p->name : person;
}

int
board_taken(const struct store_open *o, int64_t now_ms)
{
	return o->ack_by[0] != '\0' && o->ack_until_ms > now_ms;
}

void
board_count(size_t n, char *buf, size_t len)
{
	char	tmp[32];
	size_t	i, k, digits;

	digits = (size_t)snprintf(tmp, sizeof tmp, "%zu", n);
	for (i = 0, k = 0; i < digits && k + 2 < len; i++) {
		if (i > 0 && (digits - i) % 3 == 0)
			buf[k++] = ',';
		buf[k++] = tmp[i];
	}
	buf[k] = '\0';
}

/* Add a row to a list: counted always, kept while there is room.  Rows
 * arrive soonest deadline first; taken ones are kept soonest-released
 * first. */
static void
board_add(struct board_list *l, const struct store_open *o, int by_until)
{
	size_t	i;

	l->count++;
	if (!by_until) {
		if (l->n < BOARD_SHOW)
			l->rows[l->n++] = o;
		return;
	}
	i = l->n < BOARD_SHOW ? l->n++ : BOARD_SHOW;
	if (i == BOARD_SHOW) {
		if (o->ack_until_ms >= l->rows[BOARD_SHOW - 1]->ack_until_ms)
			return;
		i = BOARD_SHOW - 1;
	}
	for (; i > 0 && l->rows[i - 1]->ack_until_ms > o->ack_until_ms; i--)
		l->rows[i] = l->rows[i - 1];
	l->rows[i] = o;
}

/* Sort a team's open conversations into the board's lists. */
static void
board_view(const struct config_team *team, const struct calendar *cal,
    const struct store_openlist *set, int64_t now_ms, struct board_view *v)
{
	const struct store_open	*o;
	int64_t			 soon_ms;
	size_t			 i;

	memset(v, 0, sizeof *v);
	/* Due soon: the deadline comes before 1 working hour from now has
	 * passed, on the team's calendar. */
	soon_ms = calendar_deadline(cal, now_ms / 1000, BOARD_SOON_S,
	    CALENDAR_EXACT);
	soon_ms = soon_ms == CALENDAR_NEVER ? INT64_MAX : soon_ms * 1000;
	for (i = 0; i < set->n; i++) {
		o = &set->rows[i];
		if (strcmp(o->team, team->id) != 0)
			continue;
		v->open++;
		if (board_taken(o, now_ms))
			board_add(&v->taken, o, 1);
		else if (o->deadline_ms <= now_ms)
			board_add(&v->overdue, o, 0);
		else if (o->deadline_ms <= soon_ms)
			board_add(&v->soon, o, 0);
	}
}

/* ms as people read it ("Tue 1 Dec, 14:05") on the calendar. */
static void
board_when(const struct calendar *cal, int64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	if (cal == NULL || calendar_local(cal, (int64_t)t, &tm) == -1)
		gmtime_r(&t, &tm);
	strftime(buf, len, "%a %-d %b, %H:%M", &tm);
}

/* Who a conversation is with and who has it, in words. */
static void
board_texts(const struct config *cfg, const struct store_open *o,
    int64_t now_ms, char *worker, size_t wlen, char *taken, size_t tlen)
{
	const struct calendar	*cal = config_team_calendar(cfg,
	    config_team(cfg, o->team));
	char			 when[64];

	if (o->worker[0] != '\0')
		snprintf(worker, wlen, "Worker: %s",
		    board_name(cfg, o->worker));
	else
		snprintf(worker, wlen, "No allocated worker");
	if (board_taken(o, now_ms)) {
		board_when(cal, o->ack_until_ms, when, sizeof when);
		snprintf(taken, tlen, "Taken by %s until %s",
		    board_name(cfg, o->ack_by), when);
	} else
		snprintf(taken, tlen, "Nobody has taken it");
}

void
board_item(struct template_node *list, const struct config *cfg,
    const struct store_open *o, int64_t now_ms)
{
	const struct calendar	*cal = config_team_calendar(cfg,
	    config_team(cfg, o->team));
	struct template_node	*it;
	char			 worker[320], taken[320];

	if ((it = template_append_object(list)) == NULL)
		return;
	template_set(it, "id", o->id);
	template_set_bool(it, "urgent", o->urgent);
	web_due(it, "due", cal, now_ms, o->deadline_ms);
	web_when(it, "deadline", cal, o->deadline_ms);
	board_texts(cfg, o, now_ms, worker, sizeof worker, taken,
	    sizeof taken);
	template_set(it, "worker_text", worker);
	template_set(it, "taken_text", taken);
}

/* The refresh interval a page asked for (?refresh=SECONDS), or 30. */
static int
board_refresh(struct api_call *c)
{
	const char	*s = http_req_query_param(c->req, "refresh");
	char		*end;
	long		 n;

	if (s == NULL)
		return BOARD_REFRESH_S;
	n = strtol(s, &end, 10);
	if (end == s || *end != '\0')
		return BOARD_REFRESH_S;
	if (n < BOARD_REFRESH_MIN_S)
		n = BOARD_REFRESH_MIN_S;
	if (n > BOARD_REFRESH_MAX_S)
		n = BOARD_REFRESH_MAX_S;
	return (int)n;
}

/* Words for a person on duty: "Alice", "Alice (away)", "Nobody". */
static void
board_duty_text(const struct config *cfg, const char *person, int away,
    char *buf, size_t len)
{
	if (person[0] == '\0')
		snprintf(buf, len, "Nobody on the rota");
	else
		snprintf(buf, len, "%s%s", board_name(cfg, person),
		    away ? " (away now)" : "");
}

/* The three lists as the template's "lists". */
static void
board_lists(struct template_node *root, const struct config *cfg,
    const struct board_view *v, int64_t now_ms, int wall)
{
	static const struct {
		const char	*key, *heading, *empty;
	} what[] = {
		{ "overdue", "Overdue", "Nothing is overdue." },
		{ "soon", "Due within 1 working hour", "Nothing is due within "
		    "the next working hour." },
		{ "taken", "Taken", "Nobody has taken a conversation." },
	};
	const struct board_list	*l[3] = { &v->overdue, &v->soon, &v->taken };
	struct template_node	*lists, *s, *items;
	char			 n[32], more[64];
	size_t			 i, k;

	lists = template_set_list(root, "lists");
	for (i = 0; i < 3; i++) {
		if ((s = template_append_object(lists)) == NULL)
			return;
		template_set(s, "key", what[i].key);
		template_set(s, "heading", what[i].heading);
		template_set(s, "empty_text", wall ? "Waiting for the first "
		    "update." : what[i].empty);
		template_set(s, "empty_final", what[i].empty);
		board_count(l[i]->count, n, sizeof n);
		template_setf(s, "count", "%s%s%s", wall ? "" : "(", wall ? "" :
		    n, wall ? "" : ")");
		template_set_bool(s, "empty", l[i]->count == 0);
		template_set_bool(s, "more", l[i]->count > l[i]->n);
		board_count(l[i]->count - l[i]->n, n, sizeof n);
		snprintf(more, sizeof more, "and %s more", n);
		template_set(s, "more_text", more);
		items = template_set_list(s, "items");
		for (k = 0; k < l[i]->n; k++)
			board_item(items, cfg, l[i]->rows[k], now_ms);
	}
}

/* A conversation of a list as JSON. */
static cJSON *
board_json_item(const struct config *cfg, const struct store_open *o,
    int64_t now_ms)
{
	const struct calendar	*cal = config_team_calendar(cfg,
	    config_team(cfg, o->team));
	cJSON			*j;
	char			 buf[64], words[64], when[64];
	char			 worker[320], taken[320];
	int			 over;

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(j, "id", o->id);
	snprintf(buf, sizeof buf, "/c/%s", o->id);
	cJSON_AddStringToObject(j, "link", buf);
	cJSON_AddStringToObject(j, "team", o->team);
	if (o->worker[0] != '\0') {
		cJSON_AddStringToObject(j, "worker", o->worker);
		cJSON_AddStringToObject(j, "worker_name",
		    board_name(cfg, o->worker));
	} else {
		cJSON_AddNullToObject(j, "worker");
		cJSON_AddNullToObject(j, "worker_name");
	}
	cJSON_AddStringToObject(j, "channel", o->channel);
	cJSON_AddBoolToObject(j, "urgent", o->urgent);
	api_time(cal, o->received_ms, buf, sizeof buf);
	cJSON_AddStringToObject(j, "received_at", buf);
	api_time(cal, o->deadline_ms, buf, sizeof buf);
	cJSON_AddStringToObject(j, "deadline", buf);
	over = due_words(cal, now_ms / 1000, o->deadline_ms / 1000, words,
	    sizeof words);
	cJSON_AddStringToObject(j, "due_words", words);
	cJSON_AddBoolToObject(j, "overdue", over);
	if (board_taken(o, now_ms)) {
		cJSON_AddStringToObject(j, "acknowledged_by", o->ack_by);
		api_time(cal, o->ack_until_ms, buf, sizeof buf);
		cJSON_AddStringToObject(j, "acknowledged_until", buf);
	} else {
		cJSON_AddNullToObject(j, "acknowledged_by");
		cJSON_AddNullToObject(j, "acknowledged_until");
	}
	/* The words the page shows, so board.js draws what the server
	 * would (the same calendar, the same phrasing). */
	board_texts(cfg, o, now_ms, worker, sizeof worker, taken,
	    sizeof taken);
	cJSON_AddStringToObject(j, "worker_text", worker);
	cJSON_AddStringToObject(j, "taken_text", taken);
	board_when(cal, o->deadline_ms, when, sizeof when);
	cJSON_AddStringToObject(j, "deadline_text", when);
	return j;
}

/* The board as JSON. */
static cJSON *
board_json(const struct board_req *r, const struct board_view *v)
{
	const struct config	*cfg = r->c->cfg;
	const struct board_list	*l[3] = { &v->overdue, &v->soon, &v->taken };
	static const char *const keys[3] = { "overdue", "due_soon", "taken" };
	cJSON			*j, *duty, *o, *a, *it;
	char			 buf[64], text[320];
	size_t			 i, k;

	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "team", r->team->id);
	api_time(r->cal, r->now_ms, buf, sizeof buf);
	cJSON_AddStringToObject(j, "at", buf);
	board_when(r->cal, r->now_ms, buf, sizeof buf);
	cJSON_AddStringToObject(j, "at_text", buf);
	duty = cJSON_AddObjectToObject(j, "on_duty");
	cJSON_AddStringToObject(duty, "date", r->date);
	if (r->worker[0] != '\0') {
		cJSON_AddStringToObject(duty, "duty_worker", r->worker);
		cJSON_AddStringToObject(duty, "duty_worker_name",
		    board_name(cfg, r->worker));
	} else {
		cJSON_AddNullToObject(duty, "duty_worker");
		cJSON_AddNullToObject(duty, "duty_worker_name");
	}
	cJSON_AddBoolToObject(duty, "duty_worker_away", r->worker_away);
	if (r->manager[0] != '\0') {
		cJSON_AddStringToObject(duty, "duty_manager", r->manager);
		cJSON_AddStringToObject(duty, "duty_manager_name",
		    board_name(cfg, r->manager));
	} else {
		cJSON_AddNullToObject(duty, "duty_manager");
		cJSON_AddNullToObject(duty, "duty_manager_name");
	}
	cJSON_AddBoolToObject(duty, "duty_manager_away", r->manager_away);
	cJSON_AddBoolToObject(duty, "override", r->override);
	board_duty_text(cfg, r->worker, r->worker_away, text, sizeof text);
	cJSON_AddStringToObject(duty, "duty_worker_text", text);
	board_duty_text(cfg, r->manager, r->manager_away, text, sizeof text);
	cJSON_AddStringToObject(duty, "duty_manager_text", text);
	cJSON_AddNumberToObject(j, "open", (double)v->open);
	cJSON_AddNumberToObject(j, "shown_at_most", BOARD_SHOW);
	for (i = 0; i < 3; i++) {
		o = cJSON_AddObjectToObject(j, keys[i]);
		cJSON_AddNumberToObject(o, "count", (double)l[i]->count);
		cJSON_AddNumberToObject(o, "more",
		    (double)(l[i]->count - l[i]->n));
		a = cJSON_AddArrayToObject(o, "conversations");
		for (k = 0; k < l[i]->n; k++)
			if ((it = board_json_item(cfg, l[i]->rows[k],
			    r->now_ms)) != NULL)
				cJSON_AddItemToArray(a, it);
	}
	return j;
}

/* The team's board as a page. */
static void
board_html(struct board_req *r, const struct board_view *v)
{
	struct api_call		*c = r->c;
	struct template_data	*d;
	struct template_node	*root;
	char			 buf[320], title[192];

	if ((d = template_data_new()) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	root = template_root(d);
	template_set(root, "team", r->team->id);
	snprintf(buf, sizeof buf, "/v1/teams/%s/board", r->team->id);
	template_set(root, "json", buf);
	template_setf(root, "refresh", "%d", board_refresh(c));
	template_set_bool(root, "wall", 0);
	web_when(root, "updated", r->cal, r->now_ms);
	board_duty_text(c->cfg, r->worker, r->worker_away, buf, sizeof buf);
	template_set(root, "duty_worker", buf);
	board_duty_text(c->cfg, r->manager, r->manager_away, buf,
	    sizeof buf);
	template_set(root, "duty_manager", buf);
	board_lists(root, c->cfg, v, r->now_ms, 0);
	snprintf(title, sizeof title, "Duty board: %s", r->team->id);
	web_page(c, 0, title, WEB_BOARD, "board", d);
	template_data_free(d);
}

/* The snapshot is in (or not): draw the board. */
static void
board_lists_in(const struct store_openlist *set, void *arg)
{
	struct board_req	*r = arg;
	struct board_view	 v;

	if (set == NULL) {
		if (r->json)
			http_unavailable(r->c->req, "storage unavailable");
		else
			web_error(r->c, 503, "Sorry, the board is not "
			    "available", "replyd could not read the "
			    "conversations. Try again in a minute.");
		free(r);
		return;
	}
	board_view(r->team, r->cal, set, r->now_ms, &v);
	if (r->json)
		http_reply_json(r->c->req, 200, board_json(r, &v));
	else
		board_html(r, &v);
	free(r);
}

/* One of the rota's reads is in: after the last, read the lists. */
static void
board_rota_release(struct board_req *r)
{
	if (--r->pending > 0)
		return;
	if (r->failed) {
		if (r->json)
			http_unavailable(r->c->req, "storage unavailable");
		else
			web_error(r->c, 503, "Sorry, the board is not "
			    "available", "replyd could not read the duty "
			    "rota. Try again in a minute.");
		free(r);
		return;
	}
	if (openset_get(r->c->srv, board_lists_in, r) == -1)
		board_lists_in(NULL, r);
}

/* Whether the duty worker is away now. */
static void
board_worker_absent(int absent, void *arg)
{
	struct board_req	*r = arg;

	if (absent == -1)
		r->failed = 1;
	r->worker_away = absent == 1;
	board_rota_release(r);
}

/* Whether the duty manager is away now. */
static void
board_manager_absent(int absent, void *arg)
{
	struct board_req	*r = arg;

	if (absent == -1)
		r->failed = 1;
	r->manager_away = absent == 1;
	board_rota_release(r);
}

/* Today's overrides are in: who is on duty, and are they in? */
static void
board_duty_in(const struct store_duty *duty, void *arg)
{
	struct board_req	*r = arg;
	struct db		*db = r->c->srv->db;

	if (duty == NULL) {
		r->failed = 1;
		board_rota_release(r);
		return;
	}
	if (duty->worker != NULL) {
		snprintf(r->worker, sizeof r->worker, "%s", duty->worker);
		r->override = 1;
	}
	if (duty->manager != NULL) {
		snprintf(r->manager, sizeof r->manager, "%s", duty->manager);
		r->override = 1;
	}
	if (r->worker[0] != '\0') {
		r->pending++;
		if (store_absent(db, r->worker, r->now_ms, board_worker_absent,
		    r) == -1)
			board_worker_absent(-1, r);
	}
	if (r->manager[0] != '\0') {
		r->pending++;
		if (store_absent(db, r->manager, r->now_ms,
		    board_manager_absent, r) == -1)
			board_manager_absent(-1, r);
	}
	board_rota_release(r);
}

/* Draw team's board (JSON or HTML) for c, who may see it. */
static void
board_start(struct api_call *c, const struct config_team *team, int json)
{
	struct board_req	*r;
	struct tm		 tm;

	if ((r = calloc(1, sizeof *r)) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	r->c = c;
	r->team = team;
	r->json = json;
	r->cal = config_team_calendar(c->cfg, team);
	r->now_ms = api_now_ms(c);
	calendar_local(r->cal, r->now_ms / 1000, &tm);
	strftime(r->date, sizeof r->date, "%Y-%m-%d", &tm);
	/* The weekly pattern for today; an override read next beats it. */
	snprintf(r->worker, sizeof r->worker, "%s", team->duty[tm.tm_wday] ?
	    team->duty[tm.tm_wday] : "");
	snprintf(r->manager, sizeof r->manager, "%s", team->duty_manager ?
	    team->duty_manager : "");
	r->pending = 1;
	if (store_duty_get(c->srv->db, team->id, r->date, board_duty_in,
	    r) == -1)
		board_duty_in(NULL, r);
}

/* GET /board: the teams the person sees. */
static void
board_index(struct api_call *c)
{
	struct template_data	*d;
	struct template_node	*teams, *t;
	const struct config_team *only = NULL;
	size_t			 i, n = 0;
	char			 path[192];

	if (!web_person(c))
		return;
	for (i = 0; i < c->cfg->nteams; i++)
		if (api_sees(c, c->cfg->teams[i].id)) {
			only = &c->cfg->teams[i];
			n++;
		}
	if (n == 1) {
		snprintf(path, sizeof path, "/board/%s", only->id);
		web_done(c, path);
		return;
	}
	if ((d = template_data_new()) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	template_set_bool(template_root(d), "any", n > 0);
	teams = template_set_list(template_root(d), "teams");
	for (i = 0; i < c->cfg->nteams; i++)
		if (api_sees(c, c->cfg->teams[i].id) &&
		    (t = template_append_object(teams)) != NULL)
			template_set(t, "id", c->cfg->teams[i].id);
	web_page(c, 0, "Duty boards", WEB_BOARD, "boards", d);
	template_data_free(d);
}

/* GET /board/{team} */
static void
board_page(struct api_call *c)
{
	const struct config_team	*team;

	if (!web_person(c))
		return;
	team = config_team(c->cfg, api_param(c, 0));
	if (team == NULL || !api_sees(c, team->id)) {
		web_error(c, 404, "Page not found", "There is no board at "
		    "this address. Check the link, or go to the duty boards "
		    "you can see from the menu.");
		return;
	}
	board_start(c, team, 0);
}

/* GET /v1/teams/{team}/board */
static void
board_api(struct api_call *c)
{
	const struct config_team	*team;

	team = config_team(c->cfg, api_param(c, 0));
	if (team == NULL) {
		http_error(c->req, 404, "not found", "no such team");
		return;
	}
	if (!api_see(c, team->id, "no such team"))
		return;
	board_start(c, team, 1);
}

/* GET /board/{team}/wall: the page a wall screen opens.  It holds no
 * data (the screen is not signed in): board.js fills it from the JSON
 * with the token in the #fragment.  Whether the team exists is not said
 * here either; the JSON answers that to a token that may know. */
static void
board_wall(struct api_call *c)
{
	struct template_data	*d;
	struct template_node	*root;
	struct board_view	 v;
	const char		*team = api_param(c, 0);
	char			 buf[320];

	if ((d = template_data_new()) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	memset(&v, 0, sizeof v);
	root = template_root(d);
	template_set(root, "team", team);
	snprintf(buf, sizeof buf, "/v1/teams/%s/board", team);
	template_set(root, "json", buf);
	template_setf(root, "refresh", "%d", board_refresh(c));
	template_set_bool(root, "wall", 1);
	template_set(root, "updated", "");
	template_set(root, "updated_iso", "");
	template_set(root, "duty_worker", "Not known yet");
	template_set(root, "duty_manager", "Not known yet");
	board_lists(root, c->cfg, &v, 0, 1);
	snprintf(buf, sizeof buf, "Duty board: %s", team);
	web_page(c, 0, buf, WEB_BOARD, "board", d);
	template_data_free(d);
}

static const struct api_route board_routes[] = {
	{ HTTP_GET, "/board", ROLE_WORKER, API_PAGE, board_index },
	{ HTTP_GET, "/board/*", ROLE_WORKER, API_PAGE | API_DB, board_page },
	{ HTTP_GET, "/board/*/wall", ROLE_WORKER, API_PAGE, board_wall },
	{ HTTP_GET, "/v1/teams/*/board", ROLE_WORKER, API_DB, board_api },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module board_pages = {
	.name = "board",
	.init = NULL,
	.routes = board_routes,
};
