/*
 * reply.h: messages to young people (SPEC §6): replies through replyd
 * (POST /v1/conversations/{id}/reply), sent on the channel the young person
 * used and recorded as the response once the provider accepted them; and
 * the receipt, the acknowledgement on the first message of a conversation,
 * which is never a response and never says why a worker is away.
 */
#ifndef REPLY_H
#define REPLY_H

#include "serve/api.h"

struct gen;
struct server;
struct store_ingested;

extern const struct api_module reply_api;

/* How a reply went (serve/convpage.c and the API answer from it). */
enum reply_result {
	REPLY_RECORDED,		/* sent, and recorded as the response */
	REPLY_ALREADY,		/* sent; it already had a response */
	REPLY_UNRECORDED,	/* sent, but the response was not stored */
	REPLY_GONE,		/* sent, but the conversation is gone */
	REPLY_REFUSED,		/* the provider refused it: nothing recorded */
	REPLY_UNAVAILABLE,	/* no provider took it: nothing recorded */
	REPLY_MISSING,		/* no such conversation (or not the caller's) */
	REPLY_NO_ADDRESS,	/* nowhere to send it */
	REPLY_NO_SENDER,	/* no plugin can send on its channel */
	REPLY_STORAGE		/* nothing was sent: storage, memory */
};

/* Valid in the callback only. */
struct reply_outcome {
	enum reply_result	 result;
	const char		*id;
	const char		*channel;	/* "sms", "email", ... or "" */
	const char		*via;		/* the plugin, or "" */
	int			 attempts;
	int			 status;	/* the provider's last answer */
	const char		*detail;	/* never NULL */
};

typedef void (*reply_done_cb)(const struct reply_outcome *, void *arg);

/*
 * Check a reply's text: valid UTF-8 of 1 to 1600 characters, not only
 * white space, no control characters but tab and line ends.  The number
 * of characters, or 0 with *why set ("must not be empty", ...).
 */
size_t	reply_check_text(const char *text, const char **why);
/*
 * Send text (checked, chars long) to conversation id's young person, by
 * person `by`, on the channel they used, and record the response once the
 * provider accepted it.  A conversation the caller c does not see is
 * REPLY_MISSING.  done is called once, never from inside reply_send;
 * -1 (no callback) when it cannot start.
 */
int	reply_send(struct api_call *c, const char *id, const char *by,
	    const char *text, size_t chars, reply_done_cb done, void *arg);

/* After a message was stored under gen: send the receipt if one is due
 * (an email's receipt is threaded to its Message-ID and In-Reply-To). */
void	reply_receipt(struct server *, struct gen *,
	    const struct store_ingested *, const char *address,
	    const char *channel, const char *message_id,
	    const char *in_reply_to);

#endif
