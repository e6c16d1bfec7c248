/*
 * alert.h: the words of an alert to staff (SPEC §7.4, §17): escalation
 * steps, urgent alerts and waiting notices.  An alert carries a reference,
 * the team, the worker, how overdue, who has taken it and a link; never
 * message text, a young person's name, phone or email (it is built only
 * from these facts).  Each alert has several wordings
 * (ALERT_WORDINGS), so repeated texts to one phone vary; an SMS to a
 * person ends with "Reply {N}A to take it".  Pure: no clock, no I/O.
 */
#ifndef ALERT_H
#define ALERT_H

#include <stddef.h>
#include <stdint.h>

#define ALERT_WORDINGS	3
/* Room for the longest alert, with its NUL. */
#define ALERT_TEXT_SIZE	768

enum alert_event {
	ALERT_ESCALATION,
	ALERT_URGENT,
	ALERT_WAITING
};

struct alert_facts {
	enum alert_event event;
	const char	*conv;		/* the reference, "P-N" */
	const char	*team;
	const char	*worker;	/* "" or NULL: none */
	int		 step;		/* escalation: 1, 2, ... */
	int64_t		 overdue;	/* escalation: seconds past the deadline */
	const char	*taken_by;	/* the name of who took it, or NULL */
	const char	*taken_at;	/* when, "10:12" on the team's calendar */
	const char	*link;		/* public_url/c/ID */
};

/*
 * The alert in wording w (0 to ALERT_WORDINGS - 1; 0 is the plainest,
 * used for email); code > 0 appends " Reply {code}A to take it", which
 * then ends the text.  -1 when it does not fit in len.
 */
int	alert_text(const struct alert_facts *, int w, int code, char *buf,
	    size_t len);
/* The email subject of an alert. */
int	alert_subject(const struct alert_facts *, char *buf, size_t len);
/* The event's name: "escalation", "urgent", "waiting". */
const char *alert_event_name(enum alert_event);

#endif
