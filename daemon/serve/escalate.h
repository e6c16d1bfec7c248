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
 * A text to a person ends with the code that takes it by text ("Reply 1A
 * to take it", SPEC §17), in one of three wordings, within the phone's
 * hourly limits (past them: the person's other channel); an alert the
 * network later reports undelivered goes on the person's other channel,
 * or its step is marked failed.
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
/*
 * The network reports that an alert to person (the message had delivery
 * tag kind and conversation conv) never arrived: channel is the plugin
 * that sent it, was_sms whether it was a text, failover whether it was
 * already a second try.  Sends it on the person's other channel, or marks
 * the step failed (metric, log, event) when none is left.
 */
void	escalate_undelivered(struct server *, const char *conv,
	    const char *kind, const char *person, const char *channel,
	    int was_sms, int failover, const char *why);
/* Deliveries in progress (for draining). */
int	escalate_inflight(const struct server *);

#endif
