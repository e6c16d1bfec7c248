/*
 * openset.h: the open conversations as the home page and the duty board
 * list them, read once and shared.  Reading them all costs one HMGET per
 * open conversation (store/openlist.h): with 10,000 open, tens of
 * milliseconds of Redis's time, and more of replyd's.  So the pages share
 * one snapshot.  A page that asks within OPENSET_FRESH_MS of the last
 * read uses it as it is; one that asks later, but within
 * OPENSET_STALE_MS, uses it too and starts a new read for the pages after
 * it; one that asks later still (a wall screen polling every 30 s) waits
 * for a new read, as do pages asking meanwhile, which share that read.
 * So with pages asked for steadily a list is about OPENSET_FRESH_MS plus
 * one read behind Redis, never more than OPENSET_STALE_MS plus one read,
 * and Redis does at most about one such read per instance per
 * OPENSET_FRESH_MS however many screens poll.
 *
 * This is a cache, not a design for a million open conversations: a
 * per-team index in the data model would make a board's cost the rows
 * it shows (docs/pages.md, "The duty board").
 *
 * Nothing here holds a message's text or a young person's address: only
 * the facts of store_open.
 */
#ifndef OPENSET_H
#define OPENSET_H

#include <stdint.h>

#include "store/openlist.h"

struct server;

#define OPENSET_FRESH_MS	1000
#define OPENSET_STALE_MS	5000

/* list is NULL when Redis failed; it is valid during the callback only. */
typedef void (*openset_cb)(const struct store_openlist *, void *arg);

/* The open conversations, as above (ages by the monotonic clock): cb is
 * called at once with a snapshot fresh enough, else when the new read is
 * in.  -1 (no callback) when Redis is not ready or memory ran out. */
int	openset_get(struct server *, openset_cb, void *);

/* Forget the snapshot: the next page reads Redis (after a change made
 * here that a person expects to see at once). */
void	openset_forget(void);

#endif
