/*
 * deliverytag.h: the tag replyd gives every message it sends, which the
 * provider hands back with each delivery receipt (the query of Twilio's
 * StatusCallback URL, Notify's reference), so a receipt finds the
 * conversation it is about and, for an alert, whom it was for: no lookup,
 * no race with the send's own answer.
 *
 * The tag is URL query text: "c=3-17&u=alert&k=1&p=alice" (conversation,
 * purpose, escalation kind, person, and "f=1" for an alert sent again on
 * another channel).  It names a staff member's id but never a young
 * person, a phone number or any text.  Pure: no I/O.
 */
#ifndef DELIVERYTAG_H
#define DELIVERYTAG_H

#include <stddef.h>

/* Longest tag made, with its NUL. */
#define DELIVERYTAG_SIZE	512

struct deliverytag {
	char	conv[32];	/* "P-N", or "" (a text to staff only) */
	char	purpose[16];	/* "alert", "reply", "receipt", "staff" */
	char	kind[16];	/* alerts: step number, "w" or "uN" */
	char	person[128];	/* alerts: the staff member's id */
	int	failover;	/* sent again on another channel */
};

/* Write a tag; -1 when a field does not fit or is not allowed. */
int	deliverytag_make(const struct deliverytag *, char *buf, size_t len);
/*
 * Read len bytes of a tag (any bytes are safe).  Unknown keys are
 * ignored, so a later replyd may add some; a malformed one, or a field
 * too long or of the wrong form, gives -1 (and *out empty).
 */
int	deliverytag_parse(const char *s, size_t len, struct deliverytag *out);

#endif
