/*
 * migrate.c: see migrate.h.  One batch of one partition is in flight at a
 * time, the next sent from a timer so Redis serves other clients between
 * them.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "base/log.h"
#include "io/db.h"
#include "store/conv.h"
#include "store/store.h"
#include "serve/migrate.h"
#include "serve/server.h"

#define MIGRATE_BATCH		500	/* arrivals per script call */
#define MIGRATE_PAUSE_MS	5	/* between batches */
#define MIGRATE_RETRY_MS	1000	/* after Redis failed a batch */

static struct migrate {
	struct server	*srv;
	struct event	*ev;
	int		 running;
	int		 p;		/* the partition being folded */
	long		 folded;	/* in this run, every partition */
} migrate;

static void	migrate_next(evutil_socket_t, short, void *);

/* Send the next batch after ms. */
static void
migrate_arm(int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(migrate.ev, &tv);
}

/* A batch answered: the same partition again until its rx is empty. */
static void
migrate_done(int p, long folded, long left, const char *err, void *arg)
{
	if (migrate.srv == NULL || migrate.srv->closing)
		return;
	if (err != NULL) {
		log_warnx("migration: partition %d: %s; trying again", p, err);
		migrate_arm(MIGRATE_RETRY_MS);
		return;
	}
	migrate.folded += folded;
	if (left == 0)
		migrate.p++;
	migrate_arm(MIGRATE_PAUSE_MS);
}

/* Fold the next batch, or finish. */
static void
migrate_next(evutil_socket_t fd, short ev, void *arg)
{
	struct server	*srv = migrate.srv;

	if (srv->closing || srv->draining) {
		migrate.running = 0;
		return;
	}
	if (migrate.p >= STORE_PARTITIONS) {
		if (migrate.folded > 0)
			log_info("migration: %ld arrivals of the older layout "
			    "folded into day ranges; nothing of it is left to "
			    "convert", migrate.folded);
		migrate.running = 0;
		return;
	}
	if (store_migrate_arrivals(srv->db, migrate.p, MIGRATE_BATCH,
	    migrate_done, NULL) == -1)
		migrate_arm(MIGRATE_RETRY_MS);
}

/* Redis is ready: go through the partitions, unless under way. */
void
migrate_start(struct server *srv)
{
	if (migrate.running || srv->draining || srv->closing)
		return;
	if (migrate.ev == NULL &&
	    (migrate.ev = evtimer_new(srv->base, migrate_next, NULL)) == NULL)
		return;
	migrate.srv = srv;
	migrate.running = 1;
	migrate.p = 0;
	migrate.folded = 0;
	migrate_arm(0);
}

/* At exit: stop without finishing. */
void
migrate_free(void)
{
	if (migrate.ev != NULL)
		event_free(migrate.ev);
	migrate.ev = NULL;
	migrate.srv = NULL;
	migrate.running = 0;
}
