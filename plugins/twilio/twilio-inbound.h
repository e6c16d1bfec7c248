/*
 * twilio-inbound.h: what a Twilio messaging webhook may hold, as pure logic
 * of the twilio plugin (libc only).
 *
 * Twilio's signature covers the keys and values run together, so it
 * cannot tell "MessageSid=SMx&NumMedia=0" from "MessageSid=SMxNumMedia0"
 * (issue 11, item 7): a captured request re-split that way would carry a
 * new message id.  So, after the signature:
 * - MessageSid, SmsSid and SmsMessageSid, when present, are "SM" or "MM"
 *   followed by exactly 32 hex digits, and all the same.
 * - A parameter name Twilio never sends is refused: every name Twilio
 *   documents for a messaging webhook is ASCII letters and digits starting
 *   with a capital (MessageSid, From, MediaUrl0, ProfileName, ...); and a
 *   name that is one of its fixed-form parameters with more glued on
 *   (MessageSid..., SmsSid..., SmsMessageSid..., AccountSid...,
 *   MessagingServiceSid..., NumMedia..., NumSegments...) is what a
 *   re-split leaves.  Nothing else is refused: Twilio adds parameters
 *   without notice, and a refused delivery is never retried, so it would
 *   be lost.
 */
#ifndef TWILIO_INBOUND_H
#define TWILIO_INBOUND_H

#include <stddef.h>

/* Whether len bytes are "SM" or "MM" and 32 hex digits. */
int	twilio_inbound_sid_ok(const char *sid, size_t len);
/*
 * Whether a parameter name (len bytes) is one Twilio may send; if not,
 * *why says why (a literal that quotes nothing of the name) and *base is
 * the documented name it was glued onto, or NULL.
 */
int	twilio_inbound_name_ok(const char *name, size_t len, const char **why,
	    const char **base);

#endif
