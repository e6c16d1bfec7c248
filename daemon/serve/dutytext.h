/*
 * dutytext.h: duty staff by text (SPEC §17).  A text from a configured
 * staff phone is never a young person's message: it never opens a
 * conversation, gets no receipt, no waiting notice and no escalation.
 * "{N}A" takes the conversation of that person's alert with code N ("A":
 * their latest) exactly as POST /v1/conversations/{id}/ack does, unless
 * someone else has it now; replyd answers in one text (taken until when,
 * in words on the team's calendar; or already taken by whom; or nothing
 * to take).  Anything else gets a short help text, at most one an hour
 * per phone.  Texts to staff come from alerts.sms (and alerts.sms_from)
 * and count against the phone's hourly limit like alerts.
 *
 * intake calls this module; it never calls intake.  Redis is reached
 * through store/staff.h, store/duty.h and store/conv.h.
 */
#ifndef DUTYTEXT_H
#define DUTYTEXT_H

#include <stddef.h>

struct gen;
struct server;

/* One text from a staff phone. */
struct dutytext_in {
	const char	*person;	/* whose phone it is */
	const char	*phone;		/* E.164 */
	const char	*text;		/* valid UTF-8 */
	size_t		 len;
	const char	*provider;	/* the channel it came through */
	const char	*provider_id;	/* its id there (repeats are ignored) */
	int		 late;		/* found by a backfill long after it was
					   sent: noted, never acted on */
};

/* failed: Redis failed before anything was done (answer 503). */
typedef void (*dutytext_done)(int failed, void *arg);

/* Define the metrics (once, at start). */
void	dutytext_init(void);
/*
 * Act on a staff text under generation gen; done is called exactly once
 * (never from inside this call), when the provider may be answered; the
 * answer text goes after.  -1 (no callback) when it cannot start.
 */
int	dutytext_handle(struct server *, struct gen *,
	    const struct dutytext_in *, dutytext_done, void *);

#endif
