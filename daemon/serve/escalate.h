/*
 * escalate.h: "or someone else will" (SPEC §7).  Due escalation steps,
 * urgent alerts and waiting notices live in each partition's due set; a
 * script claims what is due (by Redis TIME) into the partition's
 * escalation stream; delivery reads the streams through a consumer group on
 * its own Redis connection, loads the conversation (dropping what is no
 * longer wanted, deferring a step an acknowledgement pauses), schedules the
 * next step, alerts the targets through the plugins, and acknowledges (and
 * deletes) the entry only after the providers answered.  Entries a crashed
 * instance left pending are taken over.  At least once, never missed.
 * Redis is reached through store/esc.h; failures are logged and counted in
 * replyd_escalation_errors_total{stage}.
 */
#ifndef ESCALATE_H
#define ESCALATE_H

#include <stddef.h>
#include <stdint.h>

struct server;
struct store_ingested;

int	escalate_start(struct server *);
void	escalate_free(struct server *);
/* Redis (re)connected: create the consumer groups, claim at once. */
void	escalate_ready(struct server *);
/* A message was stored: something may be due now (urgent, waiting). */
void	escalate_after_ingest(struct server *, const struct store_ingested *);
/* Deliveries in progress (for draining). */
int	escalate_inflight(const struct server *);

#endif
