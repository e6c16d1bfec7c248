/*
 * http.h: replyd's HTTP server on libevent's evhttp.  One routing table
 * (method + path pattern, where "*" matches one path segment); limits on
 * body size (per route, with the status code the route's provider needs),
 * header size, the time a whole request may take and the connections held
 * at once; JSON errors, never libevent's HTML pages; in-flight request
 * counting so SIGTERM can drain.  Handlers may answer later (after Redis
 * replies); a request must be answered exactly once.
 *
 * Every connection's bytes pass through a filter before evhttp sees them
 * (libevent 2.1 has no hook between a request's head and its body): the
 * filter checks each request head strictly (http_head_parse), decides from
 * Content-Length and the route's own limit before any body is read, de-
 * chunks a chunked body up to that limit, and enforces the deadline.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

struct event_base;
struct evhttp_request;
struct cJSON;
struct http;
struct http_req;

enum http_method {
	HTTP_GET = 1,
	HTTP_POST = 2,
	HTTP_PUT = 4,
	HTTP_DELETE = 8
};

typedef void (*http_handler)(struct http_req *, void *arg);
/* A route's body limit and its too-large status for one path, given the
 * request's context; -1 when the path has no handler (404). */
typedef int (*http_limit_fn)(const char *path, void *ctx, size_t *max_body,
    int *too_large);

struct http_limits {
	size_t	max_body;	/* default for routes that set none */
	size_t	max_big_body;	/* the most any limited route accepts */
	size_t	max_headers;	/* the request line and header fields */
	int	read_timeout;	/* seconds for a whole request, head and body */
	int	max_connections; /* held at once; 0 for the default */
};

/* Connections held at once when limits.max_connections is not set. */
#define HTTP_DEFAULT_MAX_CONNECTIONS	1024
/* File descriptors kept for Redis, outbound sends and the rest. */
#define HTTP_FD_RESERVE			64

struct http	*http_new(struct event_base *, const struct http_limits *);
void		 http_free(struct http *);
/* Listen on host:port; -1 with a logged error on failure. */
int		 http_listen(struct http *, const char *host, int port);
/* The port actually bound (useful with port 0). */
int		 http_port(const struct http *);
/* Add a route; max_body 0 uses the default; too_large is its status. */
void		 http_route(struct http *, int methods, const char *pattern,
		    size_t max_body, int too_large, http_handler, void *arg);
/* A route whose limit is decided per request by limit(). */
void		 http_route_limited(struct http *, int methods,
		    const char *pattern, http_limit_fn limit, http_handler,
		    void *arg);
/*
 * begin(arg) runs as each request arrives, before routing; its result is
 * the request's context (http_req_ctx) until end(ctx, arg) runs when the
 * request is freed.  replyd pins the running configuration this way.
 */
void		 http_set_hooks(struct http *, void *(*begin)(void *),
		    void (*end)(void *, void *), void *arg);
/* Stop accepting new connections (for draining). */
void		 http_stop_accepting(struct http *);
/* Requests handed to a handler and not yet answered. */
int		 http_inflight(const struct http *);
/* Connections open now, and the most that may be (after the fd limit). */
int		 http_connections(const struct http *);
int		 http_max_connections(const struct http *);
void		 http_set_limits(struct http *, const struct http_limits *);

/* Request accessors. */
enum http_method http_req_method(const struct http_req *);
const char	*http_req_path(const struct http_req *);	/* decoded? no: raw */
const char	*http_req_query(const struct http_req *);	/* raw, or NULL */
const char	*http_req_uri(const struct http_req *);		/* raw path?query */
/* The Nth "*" segment of the route pattern (percent-decoded), or NULL. */
const char	*http_req_param(const struct http_req *, int n);
const char	*http_req_header(const struct http_req *, const char *name);
/* The body (NUL-terminated copy; len excludes the NUL). */
const char	*http_req_body(struct http_req *, size_t *len);
/* A query parameter (first occurrence, decoded), or NULL. */
const char	*http_req_query_param(struct http_req *, const char *name);
/* The peer's IP address as text (the TCP connection's, so a proxy's when
 * there is one), or NULL. */
const char	*http_req_peer(const struct http_req *);
/* The context the begin hook gave this request. */
void		*http_req_ctx(const struct http_req *);
/* Call fn(arg) once the request has been answered and is being freed. */
void		 http_req_on_free(struct http_req *, void (*fn)(void *),
		    void *arg);
/* Opaque per-request slot for handlers that answer later. */
void		 http_req_set_data(struct http_req *, void *);
void		*http_req_data(const struct http_req *);

/* Answer; the request is freed and must not be used afterwards. */
void		 http_reply(struct http_req *, int code, const char *ctype,
		    const void *body, size_t len);
/* Add a response header before answering. */
void		 http_add_header(struct http_req *, const char *name,
		    const char *value);
/* Answer with a JSON document (takes ownership of json). */
void		 http_reply_json(struct http_req *, int code, struct cJSON *);
/* Answer {"error": error, "detail": detail}. */
void		 http_error(struct http_req *, int code, const char *error,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Answer 503 with Retry-After for our own failures. */
void		 http_unavailable(struct http_req *, const char *detail);

/*
 * The request-head parser the connection filter uses, exposed for its unit
 * tests and fuzz target.  It never allocates; every pointer points into
 * the caller's buffer.
 */
#define HTTP_HEAD_MAX_FIELDS	100

struct http_field {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* without surrounding whitespace */
	size_t		 value_len;
};

struct http_head {
	const char		*method;
	size_t			 method_len;
	const char		*target;
	size_t			 target_len;
	int			 minor;		/* HTTP/1.minor: 0 or 1 */
	struct http_field	 fields[HTTP_HEAD_MAX_FIELDS];
	size_t			 nfields;
	long long		 content_length;	/* -1: none */
	int			 chunked;	/* Transfer-Encoding: chunked */
	int			 expect_continue;
};

/*
 * Parse a request head: the request line and the header fields, up to and
 * including the empty line that ends them (CRLF or LF line ends).  0, or
 * the status to answer (400, 417, 431, 501, 505) with why saying what was
 * wrong.  Stricter than evhttp: no whitespace before a colon, no obsolete
 * line folding, no NUL or other control character, one Content-Length of
 * digits only, no Content-Length beside Transfer-Encoding, which must be
 * "chunked".
 */
int		 http_head_parse(const char *buf, size_t len,
		    struct http_head *, char *why, size_t whylen);
/* Check a chunked body's trailer section (field lines and the empty line
 * that ends it) as http_head_parse checks fields: 0 or 400 with why. */
int		 http_trailer_parse(const char *buf, size_t len, char *why,
		    size_t whylen);
/* A chunk-size line without its line end (hex size, then any chunk
 * extensions): 0 with the size, or -1. */
int		 http_chunk_line(const char *line, size_t len,
		    unsigned long long *size);

#endif
