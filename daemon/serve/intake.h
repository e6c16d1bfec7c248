/*
 * intake.h: inbound deliveries (SPEC §5), the host side of the plugins'
 * webhooks.  A request to /webhooks/... goes to the plugin of the
 * configuration generation it arrived under; the plugin authenticates and
 * parses it, then calls accept (store it; the provider hears success only
 * after Redis acknowledged the write), refuse, or, for a delivery receipt,
 * receipt (recorded in the notification log of the send's conversation).
 * A text from a staff phone goes to dutytext, never stored as a message.
 * Our own failures answer 503 with Retry-After so providers retry; never
 * a 4xx for our own failure.
 */
#ifndef INTAKE_H
#define INTAKE_H

#include <stddef.h>

#include "replyd-plugin.h"

struct gen;
struct plugin_env;
struct replyd_host;
struct server;

/* A delivery stored without a webhook request: the HTTP status the
 * provider would have had (200 stored, 503 try later, 4xx refused), and
 * whether the message had been stored before. */
typedef void (*intake_done_cb)(void *arg, int status, int duplicate);

/* Route /webhooks/... (once, at start). */
void		 intake_routes(struct server *);
/* Fill what plugins are given by the host: clock, libcurl, requests. */
void		 intake_env(struct server *, struct plugin_env *);

const char	*intake_req_header(struct replyd_request *, const char *);
const char	*intake_req_body(struct replyd_request *, size_t *);
const char	*intake_req_path(struct replyd_request *);
const char	*intake_req_query(struct replyd_request *);
void		 intake_accept(struct replyd_request *,
		    const struct replyd_message *);
void		 intake_refuse(struct replyd_request *, int status,
		    const char *reason, const char *field, const char *detail);
void		 intake_receipt(struct replyd_request *,
		    const struct replyd_receipt *);
/*
 * Store a message that came by no webhook (a backfill of what a provider
 * kept while replyd was down) through host of gen, exactly as if it had
 * come by host's webhook; done is called once, never from inside.  -1 (no
 * callback) when it cannot start.
 */
int		 intake_store(struct server *, struct gen *,
		    struct replyd_host *, const struct replyd_message *,
		    intake_done_cb, void *);
/* api->submit: store a message a plugin got without a webhook request. */
int		 intake_submit(struct replyd_host *,
		    const struct replyd_message *, replyd_submit_done, void *);

#endif
