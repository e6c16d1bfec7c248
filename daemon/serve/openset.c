/*
 * openset.c: see openset.h.  One snapshot per process (a cache: a
 * restart loses nothing), replaced whole when a new read is in.
 */
#include <stdlib.h>
#include <time.h>

#include "base/log.h"
#include "serve/openset.h"
#include "serve/server.h"
#include "store/openlist.h"

/* A page waiting for the read in flight. */
struct openset_wait {
	openset_cb		 cb;
	void			*arg;
	struct openset_wait	*next;
};

static struct store_openlist	*openset_list;	/* the snapshot, or NULL */
static double			 openset_at;	/* when its read started */
static int			 openset_reading;
static struct openset_wait	*openset_waiting, **openset_tail =
				    &openset_waiting;

/* Seconds on the monotonic clock. */
static double
openset_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The read is in: keep it and answer everyone waiting, oldest first. */
static void
openset_read_done(struct store_openlist *l, void *arg)
{
	struct openset_wait	*w, *next;
	double			*started = arg;

	if (l != NULL) {
		store_openlist_free(openset_list);
		openset_list = l;
		openset_at = *started;
	} else
		log_warnx("pages: the open conversations could not be read");
	free(started);
	openset_reading = 0;
	w = openset_waiting;
	openset_waiting = NULL;
	openset_tail = &openset_waiting;
	for (; w != NULL; w = next) {
		next = w->next;
		w->cb(l, w->arg);
		free(w);
	}
}

/* Start a new read; -1 when it could not start. */
static int
openset_read(struct server *srv, double now)
{
	double	*started;

	/* Counted from when the read starts: what it returns is at least
	 * that fresh. */
	if ((started = malloc(sizeof *started)) == NULL)
		return -1;
	*started = now;
	openset_reading = 1;
	if (store_openlist_read(srv->db, openset_read_done, started) == -1) {
		openset_reading = 0;
		free(started);
		return -1;
	}
	/* Finished already: every command failed at once. */
	return openset_reading ? 0 : -1;
}

int
openset_get(struct server *srv, openset_cb cb, void *arg)
{
	struct openset_wait	*w;
	double			 now = openset_now(), age;

	age = (now - openset_at) * 1000;
	if (openset_list != NULL && age < OPENSET_STALE_MS) {
		/* Fresh enough; past OPENSET_FRESH_MS the next pages get a
		 * newer one, read meanwhile. */
		if (age >= OPENSET_FRESH_MS && !openset_reading)
			(void)openset_read(srv, now);
		cb(openset_list, arg);
		return 0;
	}
	if ((w = calloc(1, sizeof *w)) == NULL)
		return -1;
	w->cb = cb;
	w->arg = arg;
	if (!openset_reading && openset_read(srv, now) == -1) {
		free(w);
		return -1;
	}
	*openset_tail = w;
	openset_tail = &w->next;
	return 0;
}

void
openset_forget(void)
{
	openset_at = 0;
}
