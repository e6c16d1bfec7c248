/*
 * backfill.c: see backfill.h.  One walk per plugin at a time: fetch a
 * page (the plugin's HTTP, through libcurl on the loop), copy it (its
 * strings die with the plugin's callback), store its messages one after
 * another (each through intake, from the loop, so a page of synchronous
 * refusals cannot recurse), then decide whether to fetch the next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "base/log.h"
#include "base/metrics.h"
#include "io/db.h"
#include "io/plugin.h"
#include "serve/backfill.h"
#include "serve/gen.h"
#include "serve/intake.h"
#include "serve/server.h"

#define BACKFILL_HORIZON	(7 * 86400)	/* what Notify keeps */
#define BACKFILL_MAX_PAGES	40
#define BACKFILL_CURSOR_MAX	256

/* One message of a page, copied. */
struct backfill_msg {
	char	*id, *from, *to, *text, *channel;
	size_t	 text_len;
	int64_t	 received_at;
};

struct backfill_walk {
	struct backfill_walk	*next;
	struct server		*srv;
	struct gen		*gen;		/* pinned: the plugin is its */
	struct replyd_host	*host;
	struct event		*ev;
	char			 name[64];
	char			 cursor[BACKFILL_CURSOR_MAX];
	int			 has_next;
	int			 pages;
	int			 fetching;
	struct backfill_msg	*msgs;
	size_t			 n, i;
	int64_t			 oldest;
	int			 page_new;
	int			 stored, repeats, refused;
	int			 stop;		/* storing failed: Redis again */
};

static struct backfill_walk	*backfill_walks;
static int			 backfill_count;

/* Define the metrics. */
void
backfill_init(void)
{
	metrics_define("replyd_backfill_messages_total", METRICS_COUNTER,
	    "Messages found by a backfill, by channel and outcome (stored, "
	    "repeat, refused).");
}

/* Free a page's copies. */
static void
backfill_page_free(struct backfill_walk *w)
{
	size_t	i;

	for (i = 0; i < w->n; i++) {
		free(w->msgs[i].id);
		free(w->msgs[i].from);
		free(w->msgs[i].to);
		free(w->msgs[i].text);
		free(w->msgs[i].channel);
	}
	free(w->msgs);
	w->msgs = NULL;
	w->n = w->i = 0;
}

/* Take a walk off the list and free it. */
static void
backfill_walk_free(struct backfill_walk *w)
{
	struct backfill_walk	**pp;

	for (pp = &backfill_walks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	backfill_page_free(w);
	if (w->ev != NULL)
		event_free(w->ev);
	gen_unref(w->gen);
	free(w);
	backfill_count--;
}

/* The walk is over: say what it found. */
static void
backfill_end(struct backfill_walk *w, const char *why)
{
	if (w->stored > 0 || w->refused > 0 || w->stop)
		log_info("backfill: %s: %d messages stored that had not come "
		    "by the webhook, %d already stored, %d refused (%d pages; "
		    "%s)", w->name, w->stored, w->repeats, w->refused,
		    w->pages, why);
	else
		log_debug("backfill: %s: nothing missed (%d pages, %d already "
		    "stored)", w->name, w->pages, w->repeats);
	backfill_walk_free(w);
}

static void	backfill_fetch(struct backfill_walk *);

/* Go on from the loop: store the next message, or fetch the next page. */
static void
backfill_step(struct backfill_walk *w)
{
	struct timeval	tv = { 0, 0 };

	evtimer_add(w->ev, &tv);
}

/* One message is stored (or was already, or was refused). */
static void
backfill_stored(void *arg, int status, int duplicate)
{
	struct backfill_walk	*w = arg;
	char			 labels[128];
	const char		*outcome;

	if (w->srv->closing)
		return;		/* backfill_free frees the walk */
	if (status == 503) {
		/* Redis failed again: the next ready starts over. */
		w->stop = 1;
		outcome = NULL;
	} else if (status != 200) {
		w->refused++;
		outcome = "refused";
	} else if (duplicate) {
		w->repeats++;
		outcome = "repeat";
	} else {
		w->stored++;
		w->page_new++;
		outcome = "stored";
	}
	if (outcome != NULL) {
		snprintf(labels, sizeof labels, "channel=\"%s\",outcome=\"%s\"",
		    w->name, outcome);
		metrics_inc("replyd_backfill_messages_total", labels);
	}
	w->i++;
	backfill_step(w);
}

/* Timer: the next message, or the end of the page. */
static void
backfill_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct backfill_walk	*w = arg;
	struct backfill_msg	*bm;
	struct replyd_message	 m;
	int64_t			 now = server_time(w->srv);

	if (w->srv->draining) {
		backfill_end(w, "stopping");
		return;
	}
	if (w->stop) {
		backfill_end(w, "storage failed; it starts again when Redis "
		    "is back");
		return;
	}
	if (w->i < w->n) {
		bm = &w->msgs[w->i];
		memset(&m, 0, sizeof m);
		m.size = sizeof m;
		m.channel = bm->channel;
		m.provider_id = bm->id;
		m.from = bm->from;
		m.to = bm->to;
		m.text = bm->text;
		m.text_len = bm->text_len;
		m.received_at = bm->received_at;
		if (!db_ready(w->srv->db) || intake_store(w->srv, w->gen,
		    w->host, &m, backfill_stored, w) == -1)
			backfill_stored(w, 503, 0);
		return;
	}
	/* The page is done: go further back only while it finds news. */
	if (w->pages > 0 && w->page_new == 0) {
		backfill_end(w, "a page with nothing new");
		return;
	}
	if (w->pages > 0 && !w->has_next) {
		backfill_end(w, "the provider keeps no older ones");
		return;
	}
	if (w->pages > 0 && w->oldest > 0 && w->oldest < now -
	    BACKFILL_HORIZON) {
		backfill_end(w, "older than the provider keeps");
		return;
	}
	if (w->pages >= BACKFILL_MAX_PAGES) {
		backfill_end(w, "the page limit");
		return;
	}
	backfill_page_free(w);
	backfill_fetch(w);
}

/* Copy a string (NULL stays NULL); -1 when out of memory. */
static int
backfill_copy(char **dst, const char *s, size_t len)
{
	*dst = NULL;
	if (s == NULL)
		return 0;
	if ((*dst = malloc(len + 1)) == NULL)
		return -1;
	memcpy(*dst, s, len);
	(*dst)[len] = '\0';
	return 0;
}

/* A page arrived: copy it, then store its messages. */
static void
backfill_page(void *arg, const struct replyd_backfill_page *pg)
{
	struct backfill_walk		*w = arg;
	const struct replyd_message	*m;
	struct backfill_msg		*bm;
	size_t				 i;
	int				 bad = 0;

	w->fetching = 0;
	if (w->srv->closing)
		return;		/* backfill_free frees the walk */
	if (pg->error != NULL) {
		log_warnx("backfill: %s: a page could not be read: %s", w->name,
		    pg->error);
		backfill_end(w, "the provider did not answer");
		return;
	}
	w->pages++;
	w->page_new = 0;
	w->has_next = pg->next != NULL && pg->next[0] != '\0' &&
	    strlen(pg->next) < sizeof w->cursor;
	snprintf(w->cursor, sizeof w->cursor, "%s", w->has_next ? pg->next :
	    "");
	if (pg->n > 0 && (w->msgs = calloc(pg->n, sizeof *w->msgs)) == NULL)
		bad = 1;
	for (i = 0; !bad && i < pg->n; i++) {
		m = &pg->messages[i];
		bm = &w->msgs[w->n++];
		if (backfill_copy(&bm->id, m->provider_id, m->provider_id ?
		    strlen(m->provider_id) : 0) == -1 ||
		    backfill_copy(&bm->from, m->from, m->from ?
		    strlen(m->from) : 0) == -1 ||
		    backfill_copy(&bm->to, m->to, m->to ? strlen(m->to) : 0) ==
		    -1 || backfill_copy(&bm->text, m->text ? m->text : "",
		    m->text ? m->text_len : 0) == -1 ||
		    backfill_copy(&bm->channel, m->channel ? m->channel : "sms",
		    m->channel ? strlen(m->channel) : 3) == -1)
			bad = 1;
		bm->text_len = m->text ? m->text_len : 0;
		bm->received_at = m->received_at;
		if (m->received_at > 0 && (w->oldest == 0 ||
		    m->received_at < w->oldest))
			w->oldest = m->received_at;
	}
	if (bad) {
		backfill_end(w, "out of memory");
		return;
	}
	if (pg->n == 0) {
		backfill_end(w, "nothing kept");
		return;
	}
	w->i = 0;
	backfill_step(w);
}

/* Ask the plugin for the page at the cursor. */
static void
backfill_fetch(struct backfill_walk *w)
{
	w->fetching = 1;
	w->host->backfill.fetch(w->host->backfill.state, w->cursor[0] !=
	    '\0' ? w->cursor : NULL, backfill_page, w);
}

/* Redis is ready: walk every plugin that keeps messages. */
void
backfill_start(struct server *srv)
{
	struct backfill_walk	*w;
	struct replyd_host	*h;
	size_t			 i;

	if (srv->draining || srv->closing || srv->gen == NULL)
		return;
	for (i = 0; i < srv->gen->plugins.n; i++) {
		h = srv->gen->plugins.hosts[i];
		if (!h->has_backfill || h->backfill.fetch == NULL)
			continue;
		for (w = backfill_walks; w != NULL; w = w->next)
			if (strcmp(w->name, h->name) == 0)
				break;
		if (w != NULL)
			continue;	/* one walk at a time */
		if ((w = calloc(1, sizeof *w)) == NULL)
			return;
		w->srv = srv;
		w->gen = gen_ref(srv->gen);
		w->host = h;
		snprintf(w->name, sizeof w->name, "%s", h->name);
		if ((w->ev = evtimer_new(srv->base, backfill_timer_cb,
		    w)) == NULL) {
			gen_unref(w->gen);
			free(w);
			return;
		}
		w->next = backfill_walks;
		backfill_walks = w;
		backfill_count++;
		log_debug("backfill: %s: looking for messages that did not "
		    "come by the webhook", w->name);
		backfill_fetch(w);
	}
}

/* Walks in progress. */
int
backfill_inflight(void)
{
	return backfill_count;
}

/* At exit: drop every walk. */
void
backfill_free(void)
{
	while (backfill_walks != NULL)
		backfill_walk_free(backfill_walks);
}
