/*
 * home.c: the home page, GET / (SPEC §16): what is waiting for the person
 * signed in (their young people's open conversations: the contact's
 * allocated worker is them; and those they have taken), then each of
 * their teams' overdue and due-today conversations, each with who has it
 * and when it is due in words.  Lists say who and when, never a
 * message's words, so opening this page is not a view of any
 * conversation.  Each list shows its first BOARD_SHOW, soonest first, and
 * how many more; the duty board has the rest.  Signed out: to sign in and
 * back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/template.h"
#include "conf/config.h"
#include "io/http.h"
#include "rules/calendar.h"
#include "serve/api.h"
#include "serve/board.h"
#include "serve/home.h"
#include "serve/openset.h"
#include "serve/pages.h"
#include "serve/web.h"
#include "store/openlist.h"

/* The instant (ms) the local day of now ends on cal: the next midnight. */
static int64_t
home_day_end(const struct calendar *cal, int64_t now_ms)
{
	struct tm	tm;
	int64_t		now = now_ms / 1000, end;

	if (calendar_local(cal, now, &tm) == -1)
		return now_ms;
	end = now - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) + 86400;
	/* A day with a change of clocks is 23 or 25 hours long. */
	if (calendar_local(cal, end, &tm) == 0 && tm.tm_hour != 0)
		end += tm.tm_hour >= 12 ? (24 - tm.tm_hour) * 3600 :
		    -tm.tm_hour * 3600;
	return end * 1000;
}

/* "and 9,975 more" */
static void
home_more(struct template_node *obj, const char *key, size_t more)
{
	char	n[32], buf[64], k[64];

	template_set_bool(obj, key, more > 0);
	board_count(more, n, sizeof n);
	snprintf(buf, sizeof buf, "and %s more", n);
	snprintf(k, sizeof k, "%s_text", key);
	template_set(obj, k, buf);
}

/* The snapshot is in: draw the page. */
static void
home_lists_in(const struct store_openlist *set, void *arg)
{
	struct api_call			*c = arg;
	const struct config		*cfg = c->cfg;
	const char			*me = c->person->id;
	const struct config_team	*t;
	const struct calendar		*cal;
	const struct store_open		*o;
	struct template_data		*d;
	struct template_node		*root, *mine, *teams, *team, *items;
	int64_t				 now = api_now_ms(c), end;
	size_t				 i, k, n, shown;

	if (set == NULL) {
		web_error(c, 503, "Sorry, this page is not available",
		    "replyd could not read the conversations. Try again in a "
		    "minute.");
		return;
	}
	if ((d = template_data_new()) == NULL) {
		http_unavailable(c->req, "out of memory");
		return;
	}
	root = template_root(d);
	web_when(root, "updated", config_team_calendar(cfg, NULL), now);
	/* Soonest deadline first, as the snapshot is. */
	mine = template_set_list(root, "mine");
	for (i = 0, n = 0, shown = 0; i < set->n; i++) {
		o = &set->rows[i];
		if (!api_sees(c, o->team))
			continue;
		if (strcmp(o->worker, me) != 0 && !(board_taken(o, now) &&
		    strcmp(o->ack_by, me) == 0))
			continue;
		n++;
		if (shown < BOARD_SHOW) {
			board_item(mine, cfg, o, now);
			shown++;
		}
	}
	template_set_bool(root, "mine_any", n > 0);
	home_more(root, "mine_more", n - shown);
	teams = template_set_list(root, "teams");
	for (k = 0; k < cfg->nteams; k++) {
		t = &cfg->teams[k];
		if (!api_sees(c, t->id) || (team =
		    template_append_object(teams)) == NULL)
			continue;
		cal = config_team_calendar(cfg, t);
		end = home_day_end(cal, now);
		template_set(team, "team", t->id);
		items = template_set_list(team, "items");
		for (i = 0, n = 0, shown = 0; i < set->n; i++) {
			o = &set->rows[i];
			/* Overdue, then due before today ends. */
			if (o->deadline_ms >= end)
				break;
			if (strcmp(o->team, t->id) != 0)
				continue;
			n++;
			if (shown < BOARD_SHOW) {
				board_item(items, cfg, o, now);
				shown++;
			}
		}
		template_set_bool(team, "any", n > 0);
		home_more(team, "more", n - shown);
	}
	web_page(c, 0, "Home", WEB_HOME, "home", d);
	template_data_free(d);
}

/* GET / */
static void
home_page(struct api_call *c)
{
	if (!web_person(c))
		return;
	if (openset_get(c->srv, home_lists_in, c) == -1)
		home_lists_in(NULL, c);
}

static const struct api_route home_routes[] = {
	{ HTTP_GET, "/", ROLE_WORKER, API_PAGE | API_DB, home_page },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module home_pages = {
	.name = "home",
	.init = NULL,
	.routes = home_routes,
};
