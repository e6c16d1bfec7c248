/*
 * notify-inbound.h: GOV.UK Notify's received-text-message callback, as
 * pure logic of the notify plugin (libc, libcrypto and cJSON only).
 *
 * Notify POSTs JSON {"id", "source_number", "destination_number",
 * "message", "date_received"} with "Authorization: Bearer TOKEN", the
 * callback token set in Notify's settings.  The token is compared in
 * constant time (as SHA-256 digests, so not even its length leaks).
 *
 * Parsing rules: the body is one JSON object; "id" (the dedupe key) and
 * "source_number" are non-empty strings, the source number made only of
 * digits with an optional leading '+' and the spaces, dashes, dots and
 * brackets people write, with 7 to 15 digits (Notify sends "447700900123";
 * the host turns it into E.164); "message" is a string, possibly empty;
 * "destination_number" and "date_received" are strings when present; null
 * counts as absent; other keys are ignored.  A failure names the field.
 * Text is whole: before parsing, a \u0000 escape, a raw NUL and an escaped
 * lone surrogate become U+FFFD (json-unnul.h), so neither the message nor
 * the id can be cut short, and no delivery is refused for them (Notify
 * does not retry a 4xx).
 */
#ifndef NOTIFY_INBOUND_H
#define NOTIFY_INBOUND_H

#include <stddef.h>

struct notify_inbound {
	const char	*id;
	const char	*source_number;
	const char	*destination_number;	/* or NULL */
	const char	*message;
	size_t		 message_len;
	const char	*date_received;		/* or NULL */
	void		*json;			/* private: owns the strings */
};

/*
 * Parse len bytes of body into out (free it with notify_inbound_free).
 * On error return -1 with *field naming the offending field ("body" if
 * it is not a JSON object) and a message in err; out is then empty.
 */
int	notify_inbound_parse(const char *body, size_t len,
	    struct notify_inbound *out, const char **field, char *err,
	    size_t errlen);
void	notify_inbound_free(struct notify_inbound *);

#endif
