/*
 * webhook-payload.h: the JSON a webhook notifier posts for an alert, per
 * preset: "generic" (the contract payload of SPEC §8), "slack" ({"text"})
 * and "teams" (an Adaptive Card message for a Teams workflow or incoming
 * webhook); and the operator's extra request headers.
 *
 * Pure: built only from the alert fields of struct replyd_send (reference,
 * team, worker id, step, due time, how overdue, link), so a payload can
 * never carry message text, a young person's name, phone or email.
 */
#ifndef WEBHOOK_PAYLOAD_H
#define WEBHOOK_PAYLOAD_H

#include <stddef.h>

#include "replyd-plugin.h"

enum webhook_preset {
	WEBHOOK_GENERIC,
	WEBHOOK_SLACK,
	WEBHOOK_TEAMS
};

/* A preset by name ("generic", "slack", "teams"); -1 if unknown. */
int	 webhook_preset_parse(const char *name, enum webhook_preset *out);
/*
 * The body for an alert: a malloc'd JSON string (free with free(3)), or
 * NULL with *why set (not an alert, no event, out of memory).
 */
char	*webhook_payload(enum webhook_preset, const struct replyd_send *,
	    const char **why);

/* Extra headers: "Name: value" lines, parsed into a list. */
struct webhook_headers {
	struct replyd_header	*list;
	size_t			 n;
	char			*buf;	/* the names and values */
};

/*
 * Parse one "Name: value" per line (blank lines skipped).  Names must be
 * HTTP tokens; Host, Content-Length, Content-Type and Transfer-Encoding
 * are refused (replyd sets them).  0, or -1 with *why set.
 */
int	 webhook_headers_parse(const char *text, struct webhook_headers *,
	    const char **why);
void	 webhook_headers_free(struct webhook_headers *);

#endif
