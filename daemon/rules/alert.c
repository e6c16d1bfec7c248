/*
 * alert.c: see alert.h.
 */
#include <stdio.h>
#include <string.h>

#include "rules/alert.h"

/* The event's name. */
const char *
alert_event_name(enum alert_event ev)
{
	switch (ev) {
	case ALERT_URGENT:
		return "urgent";
	case ALERT_WAITING:
		return "waiting";
	default:
		return "escalation";
	}
}

/* The alert in wording w, with the take-it code at the end. */
int
alert_text(const struct alert_facts *f, int w, int code, char *buf,
    size_t len)
{
	char		 who[192], taken[320], over[32], reply[48];
	const char	*worker = f->worker != NULL ? f->worker : "";
	int64_t		 o = f->overdue > 0 ? f->overdue : 0;
	int		 n;

	if (len == 0 || w < 0 || w >= ALERT_WORDINGS)
		return -1;
	snprintf(who, sizeof who, "team %s%s%s", f->team,
	    worker[0] != '\0' ? ", worker " : "", worker);
	taken[0] = '\0';
	if (f->taken_by != NULL && f->taken_by[0] != '\0')
		snprintf(taken, sizeof taken, " Taken by %s%s%s, no reply "
		    "yet.", f->taken_by, f->taken_at != NULL &&
		    f->taken_at[0] != '\0' ? " at " : "", f->taken_at != NULL ?
		    f->taken_at : "");
	snprintf(over, sizeof over, "%lldh %02lldm", (long long)(o / 3600),
	    (long long)(o / 60 % 60));
	reply[0] = '\0';
	if (code > 0)
		snprintf(reply, sizeof reply, " Reply %dA to take it", code);
	switch (f->event) {
	case ALERT_ESCALATION:
		if (w == 0)
			n = snprintf(buf, len, "replyd: a young person's "
			    "message (ref %s, %s) has had no reply and is %s "
			    "past its deadline. Escalation step %d.%s Please "
			    "respond or acknowledge: %s%s", f->conv, who, over,
			    f->step, taken, f->link, reply);
		else if (w == 1)
			n = snprintf(buf, len, "replyd: still no reply to ref "
			    "%s (%s), %s past its deadline. Escalation step "
			    "%d.%s Respond or take it: %s%s", f->conv, who,
			    over, f->step, taken, f->link, reply);
		else
			n = snprintf(buf, len, "replyd: ref %s (%s) is %s "
			    "overdue with no reply. Escalation step %d.%s "
			    "Open it: %s%s", f->conv, who, over, f->step,
			    taken, f->link, reply);
		break;
	case ALERT_URGENT:
		if (w == 0)
			n = snprintf(buf, len, "replyd: URGENT - a young "
			    "person's message (ref %s, team %s) may need "
			    "action now.%s Please read it and respond: %s%s",
			    f->conv, f->team, taken, f->link, reply);
		else if (w == 1)
			n = snprintf(buf, len, "replyd: URGENT - ref %s (team "
			    "%s) may need action now.%s Read it and respond: "
			    "%s%s", f->conv, f->team, taken, f->link, reply);
		else
			n = snprintf(buf, len, "replyd: URGENT message, ref %s "
			    "(team %s): it may need action now.%s Please read "
			    "it: %s%s", f->conv, f->team, taken, f->link,
			    reply);
		break;
	default:
		if (w == 0)
			n = snprintf(buf, len, "replyd: a message (ref %s, "
			    "team %s) is waiting with no available worker.%s "
			    "Please pick it up: %s%s", f->conv, f->team, taken,
			    f->link, reply);
		else if (w == 1)
			n = snprintf(buf, len, "replyd: ref %s (team %s) is "
			    "waiting: no worker is available.%s Please pick "
			    "it up: %s%s", f->conv, f->team, taken, f->link,
			    reply);
		else
			n = snprintf(buf, len, "replyd: a message is waiting "
			    "(ref %s, team %s) with no available worker.%s "
			    "Please take it: %s%s", f->conv, f->team, taken,
			    f->link, reply);
		break;
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The email subject of an alert. */
int
alert_subject(const struct alert_facts *f, char *buf, size_t len)
{
	int	n;

	switch (f->event) {
	case ALERT_URGENT:
		n = snprintf(buf, len, "replyd: URGENT message %s", f->conv);
		break;
	case ALERT_WAITING:
		n = snprintf(buf, len, "replyd: message %s is waiting",
		    f->conv);
		break;
	default:
		n = snprintf(buf, len, "replyd: conversation %s is overdue",
		    f->conv);
		break;
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
