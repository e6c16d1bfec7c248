/*
 * postmark-inbound.h: Postmark's inbound webhook, as pure logic of the
 * postmark plugin (libc, libcrypto and cJSON only).
 *
 * - Authentication is HTTP Basic (the credentials are part of the webhook
 *   URL set in Postmark); the decoded "user:password" is compared with the
 *   configured pair in constant time (as SHA-256 digests).
 * - The body is one JSON object.  "MessageID" (Postmark's id, the dedupe
 *   key) is a non-empty string.  The sender is "From", else
 *   "FromFull.Email"; the recipient "To", else the first "ToFull[].Email".
 *   "Subject", "TextBody" and "HtmlBody" are strings ("StrippedTextReply"
 *   is ignored: it drops the quoted text staff may need).  "Headers" is an
 *   array of {"Name", "Value"}: Message-ID and In-Reply-To come from it,
 *   names compared case-insensitively, the first one winning.
 *   "Attachments" is an array of {"Name", ...}: counted and named.
 * - null counts as absent; a field of the wrong type is refused, naming
 *   it; elements of Headers or Attachments that are not objects are
 *   skipped; other keys are ignored.
 * - Text is whole: before parsing, a \u0000 escape, a raw NUL and an
 *   escaped lone surrogate become U+FFFD (json-unnul.h), so no string is
 *   cut short and no delivery is refused for them.
 * - Sender authentication (for a staff From, SPEC section 5) comes from
 *   the headers Postmark itself adds on receipt, which it puts above the
 *   message's own: the block of Headers up to and including the first
 *   Received-SPF ("Pass (sender SPF authorized) identity=mailfrom; ...
 *   envelope-from=a@b.example; ...").  Within that block the Received-SPF
 *   gives SPF and its domain, and an Authentication-Results header gives
 *   DKIM passes (header.d).  Headers below it came with the message, so a
 *   forger could have written them: they are never read for this.  With
 *   no Received-SPF at all nothing is trusted.
 */
#ifndef POSTMARK_INBOUND_H
#define POSTMARK_INBOUND_H

#include <stddef.h>

#include "mail-auth.h"

struct postmark_inbound {
	const char	*id;		/* MessageID */
	const char	*from;
	const char	*to;		/* or NULL */
	const char	*subject;	/* or NULL */
	const char	*text;		/* TextBody, or NULL */
	size_t		 text_len;
	const char	*html;		/* HtmlBody, or NULL */
	size_t		 html_len;
	const char	*message_id;	/* Message-ID header, or NULL */
	const char	*in_reply_to;	/* or NULL */
	int		 attachments;
	char		*attachment_names; /* comma-separated, or NULL */
	struct mail_auth auth;		/* what Postmark said of the sender */
	void		*json;		/* private: owns the strings */
};

/*
 * Parse len bytes of body into out (free it with postmark_inbound_free).
 * On error return -1 with *field naming the offending field ("body" if it
 * is not a JSON object) and a message in err; out is then empty.
 */
int	postmark_inbound_parse(const char *body, size_t len,
	    struct postmark_inbound *out, const char **field, char *err,
	    size_t errlen);
void	postmark_inbound_free(struct postmark_inbound *);

#endif
