/*
 * openset.h: the open conversations as the home page and the duty board
 * list them, read once and shared.  Reading them all costs one HMGET per
 * open conversation (store/openlist.h): with 10,000 open, tens of
 * milliseconds of Redis's time.  So the pages share one snapshot: a page
 * that asks within OPENSET_FRESH_MS of the last read uses it as it is; a
 * later one starts a new read (and pages asking meanwhile wait for that
 * same read).  A list is therefore at most OPENSET_FRESH_MS behind Redis,
 * on every instance, and Redis does at most one such read per instance
 * per OPENSET_FRESH_MS however many screens poll.
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

/* list is NULL when Redis failed; it is valid during the callback only. */
typedef void (*openset_cb)(const struct store_openlist *, void *arg);

/* The open conversations, at most OPENSET_FRESH_MS old (by the
 * monotonic clock): cb is called at once when the snapshot is fresh,
 * else when the new read is in.  -1 (no callback) when Redis is not
 * ready or memory ran out. */
int	openset_get(struct server *, openset_cb, void *);

/* Forget the snapshot: the next page reads Redis (after a change made
 * here that a person expects to see at once). */
void	openset_forget(void);

#endif
