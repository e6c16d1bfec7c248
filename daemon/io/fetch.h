/*
 * fetch.h: outbound HTTP and SMTP for plugins (api->http, api->smtp), over
 * one libcurl multi handle driven by the daemon's libevent loop, in the
 * manner of curl's hiperfifo.c.
 *
 * fetch owns the multi handle, one easy handle per transfer, a copy of
 * every request and the collected response.  It must never block the loop
 * (no curl_easy_perform), never follow redirects, never speak a protocol
 * other than HTTP(S) or SMTP(S), never turn TLS verification off, never
 * send SMTP without TLS, and never log bodies, secrets or addresses.
 *
 * Each accepted request's done callback is called exactly once, always from
 * the event loop (or from fetch_free), never from inside fetch_http or
 * fetch_smtp.  The response and its strings are valid only during the
 * callback.  A callback may start new transfers but must not call
 * fetch_free.
 */
#ifndef FETCH_H
#define FETCH_H

#include "replyd-plugin.h"

struct event_base;
struct fetch;

/* Response bodies are cut to this many bytes; the rest is dropped. */
#define FETCH_BODY_MAX		(64 * 1024)
/* Per-transfer time limit when a request gives none. */
#define FETCH_TIMEOUT_MS	10000

/* A multi handle on base; NULL with a logged error on failure. */
struct fetch	*fetch_new(struct event_base *base);
/* Answer every pending transfer with "shutting down", then free all. */
void		 fetch_free(struct fetch *);
/*
 * Start an HTTP(S) request; 0 when accepted (done will be called), -1 when
 * refused (bad URL or scheme, bad header, out of memory; done never called).
 * The request and its strings are copied.
 */
int		 fetch_http(struct fetch *, const struct replyd_http_request *,
		    replyd_http_done done, void *arg);
/*
 * As fetch_http, for a response that may be up to max_body bytes (0: the
 * usual FETCH_BODY_MAX, cut there); a longer one fails the transfer with
 * an error rather than being cut.  For documents read whole, such as the
 * bank-holiday feed.
 */
int		 fetch_http_limit(struct fetch *,
		    const struct replyd_http_request *, size_t max_body,
		    replyd_http_done done, void *arg);
/* Send one email through SMTP with TLS required; as fetch_http. */
int		 fetch_smtp(struct fetch *, const struct replyd_smtp_request *,
		    replyd_http_done done, void *arg);
/* Transfers accepted and not yet answered (for draining on SIGTERM). */
int		 fetch_inflight(const struct fetch *);
/*
 * Verify peers of later transfers with the CA bundle at path instead of the
 * system's bundle file (the system's CA directory still applies); NULL
 * goes back to the system's.  For tests against a private CA.
 */
void		 fetch_set_ca_file(struct fetch *, const char *path);

#endif
