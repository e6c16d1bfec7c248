/*
 * twilio-status.h: a Twilio status callback (POST to the StatusCallback
 * URL of a message replyd sent: MessageSid, MessageStatus, ErrorCode), as
 * pure logic of the twilio plugin (libc only).
 *
 * MessageStatus says what the network reported: "delivered" (and "read"
 * for WhatsApp) reached the phone; "undelivered", "failed" (and
 * "canceled") never will; "accepted", "scheduled", "queued", "sending",
 * "sent" and any other word are not final yet (Twilio adds statuses
 * without notice, and a refused callback is never repeated).  ErrorCode
 * is Twilio's number for why (30003 unreachable, 30005 unknown number).
 */
#ifndef TWILIO_STATUS_H
#define TWILIO_STATUS_H

#include <stddef.h>

#include "replyd-plugin.h"

struct twilio_status {
	enum replyd_delivery	 delivery;
	char			 status[32];	/* the word, lower case */
	char			 error[16];	/* digits, or "" */
};

/*
 * Read a status word (len bytes) and an error code (elen bytes; NULL when
 * absent).  -1 with *why when the status is missing or not a word of
 * letters and '_' (at most 31); an error code that is not 1 to 10 digits
 * is dropped (the status still counts).
 */
int	twilio_status_parse(const char *status, size_t len, const char *error,
	    size_t elen, struct twilio_status *out, const char **why);

#endif
