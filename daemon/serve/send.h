/*
 * send.h: delivering one message through a channel plugin, with retries.
 * A send that the provider refuses for now (5xx, 408, 429, no answer) is
 * retried with exponential backoff and jitter, honouring Retry-After; a
 * permanent refusal (other 4xx) is not retried.  Every attempt is recorded
 * as an event of the conversation (who is masked, never the text).
 */
#ifndef SEND_H
#define SEND_H

#include <stdint.h>

#include "replyd-plugin.h"

struct gen;
struct server;

struct send_outcome {
	enum replyd_outcome	 outcome;	/* SENT, or the last failure */
	int			 status;
	int			 attempts;
	const char		*detail;
};

typedef void (*send_done)(const struct send_outcome *, void *arg);

/*
 * Send msg through host, a plugin of generation gen (pinned until the send
 * ends).  conv (or NULL) names the conversation whose audit trail records
 * each attempt.  At most max_attempts are made.  done is called exactly
 * once, never from inside send_start.  Returns -1 (no callback) if the
 * send cannot start.
 */
int	send_start(struct server *, struct gen *, struct replyd_host *,
	    const struct replyd_send *msg, const char *conv, int max_attempts,
	    send_done done, void *arg);
/* At exit: free sends still waiting, without calling them back. */
void	send_shutdown(void);
/* Sends in progress (for draining). */
int	send_inflight(void);

#endif
