/*
 * conversations.h: the staff API's conversation routes (list, read,
 * record a response), and how a stored conversation is shown.
 */
#ifndef CONVERSATIONS_H
#define CONVERSATIONS_H

#include <stdint.h>

#include "serve/api.h"
#include "store/conv.h"

extern const struct api_module conversations_api;

/* Whether someone has taken an awaiting conversation now (SPEC §7.2). */
int	conversations_taken(const struct store_conv *, int64_t now_ms);
/* The state a person sees: "awaiting", "overdue", "acknowledged"
 * (someone has taken it) or "responded". */
const char *conversations_state(const struct store_conv *, int64_t now_ms);
/*
 * Store the caller's "viewed" event in conversation id's audit trail
 * (SPEC §15): whoever shows a conversation's text calls this first and
 * shows it only once done says it is stored.  -1: no callback.
 */
int	conversations_viewed(struct api_call *c, const char *id,
	    void (*done)(int failed, void *), void *arg);
/*
 * Record a contact made outside replyd (how: "phone", "in-person",
 * "other"; note or NULL, checked by the caller) as conversation id's
 * response, by person `by`.  A conversation the caller c does not see is
 * STORE_RESPOND_MISSING.  done is called once (info NULL unless OK), never
 * from inside; -1 (no callback) when it cannot start.
 */
int	conversations_record(struct api_call *c, const char *id,
	    const char *by, const char *how, const char *note,
	    store_respond_cb done, void *arg);

#endif
