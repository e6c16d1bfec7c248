/*
 * backfill.h: messages a provider kept while replyd could not take them
 * (SPEC §5: nothing lost).  A provider retries a failed webhook only for
 * a while (GOV.UK Notify a few times, then never); so after replyd starts
 * and after every outage of its own (Redis unreachable), each plugin that
 * offers a backfill (notify, when it has an API key) is paged through,
 * newest first, and every message is stored as if it had come by the
 * webhook: deduplicated on the provider's id, its deadline running from
 * when the young person sent it.  A walk stops at a page that holds
 * nothing new, at the provider's horizon (7 days), or after 40 pages.
 *
 * daemon calls this module; it calls intake (to store) and the plugins.
 */
#ifndef BACKFILL_H
#define BACKFILL_H

struct server;

/* Define the metrics (once, at start). */
void	backfill_init(void);
/* Redis is ready (at start, or back after an outage): walk each plugin's
 * kept messages, unless a walk of it is running. */
void	backfill_start(struct server *);
/* Walks in progress (for draining). */
int	backfill_inflight(void);
/* At exit: drop the walks without finishing them. */
void	backfill_free(void);

#endif
