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

/* After a message was stored under gen: send the receipt if one is due
 * (an email's receipt is threaded to its Message-ID and In-Reply-To). */
void	reply_receipt(struct server *, struct gen *,
	    const struct store_ingested *, const char *address,
	    const char *channel, const char *message_id,
	    const char *in_reply_to);

#endif
