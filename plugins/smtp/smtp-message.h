/*
 * smtp-message.h: one email as RFC 5322 text for the smtp plugin: CRLF line
 * ends, Date, Message-ID, From, To, Subject (RFC 2047 encoded words when
 * it is not short plain ASCII), MIME-Version and a text/plain UTF-8 body,
 * sent as 7bit when it is short-lined ASCII and as quoted-printable
 * otherwise (so no line is ever longer than SMTP allows and no server
 * needs 8BITMIME).
 *
 * Pure: the caller supplies the time and the random bytes.  Header
 * injection is impossible: a CR or LF (or another control character) in
 * any header value is refused, and addresses must be plain addr-specs.
 * Dot-stuffing is libcurl's job, not this module's.
 */
#ifndef SMTP_MESSAGE_H
#define SMTP_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#define SMTP_MESSAGE_RANDOM	16	/* random bytes for the Message-ID */

struct smtp_message {
	const char	*from;		/* addr-spec: "replyd@example.gov.uk" */
	const char	*from_name;	/* display name, or NULL */
	const char	*to;		/* addr-spec */
	const char	*subject;	/* or NULL: no Subject header */
	const char	*text;		/* UTF-8, any line ends */
	int64_t		 date;		/* unix seconds, written in UTC */
	/* RFC 3834: "auto-replied" (receipts), "auto-generated" (alerts),
	 * or NULL for a person's own message. */
	const char	*auto_submitted;
	unsigned char	 random[SMTP_MESSAGE_RANDOM];
	/*
	 * Threading (RFC 5322 3.6.4), or NULL: the Message-ID answered
	 * ("<id@host>") and the References list (Message-IDs separated by
	 * single spaces); Reply-To, an addr-spec where answers should go
	 * (replyd's inbound address).
	 */
	const char	*in_reply_to;
	const char	*references;
	const char	*reply_to;
};

/*
 * Build the message; 0 with a malloc'd *out (free with free(3)) and its
 * length, or -1 with *why naming what was refused.
 */
int	smtp_message_build(const struct smtp_message *, char **out,
	    size_t *len, const char **why);
/* Whether s is an addr-spec this module accepts (local@domain). */
int	smtp_message_address_ok(const char *s);
/* Whether s is a list of one or more Message-IDs ("<a@b> <c@d>"). */
int	smtp_message_ids_ok(const char *s);

#endif
