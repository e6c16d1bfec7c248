/*
 * mailgun-inbound.h: reading a Mailgun route's "message-headers" field, as
 * pure logic of the mailgun plugin (libc and cJSON only).
 *
 * Besides the parsed fields, a route posts every MIME header of the email
 * as "message-headers", a JSON array of [name, value] pairs.  The plugin
 * reads Message-Id and In-Reply-To from the form fields of those names and
 * falls back on this array when they are missing.  Header names compare
 * case-insensitively; the first match wins; a pair that is not two strings
 * is skipped.
 */
#ifndef MAILGUN_INBOUND_H
#define MAILGUN_INBOUND_H

#include <stddef.h>

/*
 * The value of header name in len bytes of message-headers JSON, malloc'd
 * (free with free(3)), or NULL if it is not there or the JSON is not an
 * array.
 */
char	*mailgun_inbound_header(const char *json, size_t len, const char *name);

struct mail_auth;

/*
 * Mailgun's verdicts on the sender (issue 11, item 1), from n headers
 * (names[i]: values[i], any case), into out (see mail-auth.h):
 * - SPF: the value of X-Mailgun-Spf ("Pass", "Fail", "SoftFail",
 *   "Neutral", "None", ...), for the envelope sender's domain (the route's
 *   "sender" field, MAIL FROM).
 * - DKIM: X-Mailgun-Dkim-Check-Result ("Pass" or "Fail") names no domain,
 *   so a pass counts for a domain only when every DKIM-Signature of the
 *   message has that d= (a forger's own valid signature beside a fake one
 *   for the staff domain proves nothing).
 * A verdict header that appears more than once is no verdict: Mailgun adds
 * one, so a second came with the message.
 */
void	mailgun_inbound_auth(const char *const *names,
	    const char *const *values, size_t n, const char *sender,
	    struct mail_auth *out);
/* The same from message-headers JSON; -1 (out untouched) if it is not a
 * JSON array. */
int	mailgun_inbound_auth_json(const char *json, size_t len,
	    const char *sender, struct mail_auth *out);

#endif
