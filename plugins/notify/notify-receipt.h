/*
 * notify-receipt.h: GOV.UK Notify's delivery receipt callback and its
 * received-text-messages pages (the backfill), as pure logic of the
 * notify plugin (libc and cJSON only).
 *
 * A delivery receipt is JSON {"id", "reference", "to", "status",
 * "notification_type", "created_at", ...}: "id" (Notify's id of the
 * message replyd sent) and "status" are required strings; "delivered"
 * reached the phone or inbox; "permanent-failure", "temporary-failure"
 * and "technical-failure" never will (Notify has stopped trying); any
 * other status word is not final.  "reference" is what replyd sent as the
 * reference (its delivery tag); null counts as absent.
 *
 * A page of GET /v2/received-text-messages is {"received_text_messages":
 * [{"id", "created_at", "notify_number", "user_number", "content"}],
 * "links": {"current", "next"}}, newest first; each message needs a
 * non-empty id, a phone-like user_number and a string content (one that
 * has not is skipped, not fatal: the rest are still stored); the page's
 * cursor for older ones is its last message's id when "links" has
 * "next".  Text is whole (json-unnul.h), as for the received text
 * callback.
 */
#ifndef NOTIFY_RECEIPT_H
#define NOTIFY_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "replyd-plugin.h"

struct notify_receipt {
	const char		*id;
	const char		*reference;	/* or NULL */
	const char		*status;
	const char		*type;		/* "sms", "email", or NULL */
	enum replyd_delivery	 delivery;
	void			*json;		/* private: owns the strings */
};

/* One received text of a page. */
struct notify_received {
	const char	*id;
	const char	*user_number;
	const char	*notify_number;		/* or NULL */
	const char	*content;
	size_t		 content_len;
	int64_t		 created_at;		/* unix seconds, 0 unknown */
};

struct notify_page {
	struct notify_received	*messages;	/* newest first */
	size_t			 n;
	size_t			 skipped;	/* malformed entries */
	const char		*older_than;	/* cursor, or NULL at the end */
	void			*json;
};

/* Parse a delivery receipt; -1 with *field and err (out then empty). */
int	notify_receipt_parse(const char *body, size_t len,
	    struct notify_receipt *out, const char **field, char *err,
	    size_t errlen);
void	notify_receipt_free(struct notify_receipt *);
/* Parse a page; -1 with err when it is not a page at all. */
int	notify_page_parse(const char *body, size_t len, struct notify_page *out,
	    char *err, size_t errlen);
void	notify_page_free(struct notify_page *);
/* "2017-11-23T11:33:08.532346Z" (or "+00:00", or a space for "T") as
 * unix seconds; -1 when it is not such a time. */
int64_t	notify_time(const char *s);

#endif
