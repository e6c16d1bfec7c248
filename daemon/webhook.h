/*
 * webhook.h: the host side of inbound webhooks.  A plugin authenticates
 * and parses a delivery, then calls webhook_accept (store it, answer the
 * provider only after Redis acknowledged the write) or webhook_refuse.
 * Our own failures answer 503 with Retry-After so providers retry; never a
 * 4xx for our own failure.
 */
#ifndef WEBHOOK_H
#define WEBHOOK_H

#include <stddef.h>

#include "replyd-plugin.h"

struct server;

/* Route every loaded plugin's webhooks. */
void		 webhook_routes(struct server *);
void		 webhook_free(struct server *);

const char	*webhook_req_header(struct replyd_request *, const char *);
const char	*webhook_req_body(struct replyd_request *, size_t *);
const char	*webhook_req_path(struct replyd_request *);
const char	*webhook_req_query(struct replyd_request *);
void		 webhook_accept(struct replyd_request *,
		    const struct replyd_message *);
void		 webhook_refuse(struct replyd_request *, int status,
		    const char *reason, const char *field, const char *detail);

/* Normalise an email address ("Name <A@B>" -> "a@b"); -1 if not one. */
int		 webhook_email_address(const char *in, char *out, size_t len);

#endif
