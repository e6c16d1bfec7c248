/*
 * timeline.h: a conversation's audit trail in plain words, for the
 * conversation page (SPEC §16): each stored event (message, receipt,
 * alert, the provider's answer and delivery receipt, acknowledgement,
 * view, reply, response, recomputed deadline) as one sentence a social
 * worker reads at a glance, "Overdue alert to Alice through twilio:
 * accepted (201)".
 *
 * Pure: no I/O, no logging.  It never puts a young person's words or
 * address in a sentence (events carry none: addresses in them are
 * masked); a staff member's note is handed back separately, for the page
 * to show as their words.
 */
#ifndef TIMELINE_H
#define TIMELINE_H

#include <stddef.h>
#include <stdint.h>

struct calendar;
struct cJSON;

/* Who the ids and masked addresses in events are. */
struct timeline_names {
	/* A person's name from their id, or NULL when not a person. */
	const char	*(*person)(const char *id, void *arg);
	/* The one person a masked address ("+44770****001") is, or NULL. */
	const char	*(*address)(const char *masked, void *arg);
	void		*arg;
};

/* A channel in words: "sms" is "text", "whatsapp" "WhatsApp". */
const char	*timeline_channel(const char *channel);

/* ms as people read it, "Tue 1 Dec, 14:05", in cal's zone (UTC when
 * NULL). */
void		 timeline_when(const struct calendar *, int64_t ms, char *buf,
		    size_t len);

/*
 * Describe event ev (one parsed audit-trail entry) in buf.  *note is a
 * staff member's note that goes with it (a recorded contact's), pointing
 * into ev, or NULL.  Returns its time (ms, "at"), or -1 when ev is not
 * an event (buf is then empty).
 */
int64_t		 timeline_describe(const struct cJSON *ev,
		    const struct calendar *, const struct timeline_names *,
		    char *buf, size_t len, const char **note);

#endif
