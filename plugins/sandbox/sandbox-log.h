/*
 * sandbox-log.h: what went through the sandbox channel, newest first: the
 * messages written on its page as a young person, and every message
 * replyd sent through it (receipts, replies, alerts to staff).  A ring of
 * the last `keep` entries in memory; pure (no I/O).
 */
#ifndef SANDBOX_LOG_H
#define SANDBOX_LOG_H

#include <stddef.h>
#include <stdint.h>

#define SANDBOX_TEXT_MAX	4096	/* bytes of one message kept */

enum sandbox_kind {
	SANDBOX_IN,		/* written on the page, to replyd */
	SANDBOX_RECEIPT,
	SANDBOX_REPLY,
	SANDBOX_ALERT
};

struct sandbox_entry {
	int64_t			 at;		/* seconds since the epoch */
	enum sandbox_kind	 kind;
	char			*peer;		/* from (in) or to (out) */
	char			*text;
	char			*event;		/* alerts: escalation, ... */
	int			 step;		/* alerts: the policy's step */
	char			*conversation;	/* its id in replyd, or NULL */
};

struct sandbox_log {
	struct sandbox_entry	*ring;
	size_t			 keep, n, next;
};

/* A log keeping the last keep entries; NULL when out of memory. */
struct sandbox_log	*sandbox_log_new(size_t keep);
void			 sandbox_log_free(struct sandbox_log *);
/* Add an entry (strings copied, text cut at SANDBOX_TEXT_MAX on a
 * character boundary); -1 when out of memory. */
int	sandbox_log_add(struct sandbox_log *, int64_t at, enum sandbox_kind,
	    const char *peer, const char *text, const char *event, int step);
/* Tie the newest entry to its conversation in replyd (the id copied, so
 * the page links to /c/ID); -1 when out of memory or the log is empty. */
int	sandbox_log_link(struct sandbox_log *, const char *conversation);
/* The ith entry, newest first (0 is the newest), or NULL. */
const struct sandbox_entry *sandbox_log_at(const struct sandbox_log *,
	    size_t i);

#endif
