/*
 * duty.h: acknowledgements, duty-rota overrides and absences (SPEC §7.2):
 * the staff API routes.
 */
#ifndef DUTY_H
#define DUTY_H

#include <stdint.h>

#include "serve/api.h"
#include "store/duty.h"

struct calendar;
struct config;

extern const struct api_module duty_api;

/* An absence id as a path or form has it: a decimal number written the
 * way it is stored (no sign, no leading zero), else -1. */
int64_t	duty_absence_id(const char *);

/* How taking a conversation went; valid in the callback only. */
struct duty_taken {
	enum store_ack_result	 result;	/* OK, ALREADY, MISSING, FAILED */
	const char		*by;
	const char		*team;		/* "" unless it was loaded */
	int64_t			 until_ms;	/* OK: escalation pauses until */
	const struct calendar	*cal;		/* the team's */
};

typedef void (*duty_take_cb)(const struct duty_taken *, void *arg);

/* Until when an acknowledgement made now pauses a team's escalation
 * (ack_timeout of working time on its calendar), in ms. */
int64_t	duty_until(const struct config *, const char *team, int64_t now_ms);
/*
 * Person `by` takes conversation id (SPEC §7.2): escalation pauses until
 * duty_until.  A conversation the caller c does not see is
 * STORE_ACK_MISSING.  done is called once, never from inside; -1 (no
 * callback) when it cannot start.
 */
int	duty_take(struct api_call *c, const char *id, const char *by,
	    duty_take_cb done, void *arg);

#endif
