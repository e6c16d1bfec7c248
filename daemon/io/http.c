/*
 * http.c: see http.h.  evhttp reads the whole request (bounded by the
 * largest route's body limit and the header limit) before calling us; the
 * route's own limit is then checked so each provider gets the status code
 * that stops it retrying an oversized request.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>

#include "io/http.h"
#include "base/log.h"
#include "base/metrics.h"

#define HTTP_MAX_PARAMS	4

struct http_route {
	int			 methods;
	char			*pattern;
	size_t			 max_body;
	int			 too_large;
	http_limit_fn		 limit;	/* or NULL: max_body and too_large */
	http_handler		 fn;
	void			*arg;
	struct http_route	*next;
};

struct http {
	struct event_base		*base;
	struct evhttp			*ev;
	struct evhttp_bound_socket	*sock;
	struct http_route		*routes, **tail;
	struct http_limits		 limits;
	int				 inflight;
	int				 port;
	void				*(*begin)(void *);
	void				 (*end)(void *, void *);
	void				*hook_arg;
};

struct http_req {
	struct http		*http;
	struct evhttp_request	*req;
	const struct evhttp_uri	*uri;
	char			*params[HTTP_MAX_PARAMS];
	char			*body;
	size_t			 body_len;
	struct evkeyvalq	 query;
	int			 query_parsed;
	void			*data;
	void			*ctx;		/* from the begin hook */
	void			(*on_free)(void *);
	void			*on_free_arg;
	struct timespec		 start;
};

static void	http_dispatch(struct evhttp_request *, void *);

/* Apply limits to evhttp (the body limit is the largest route's). */
static void
http_apply_limits(struct http *h)
{
	struct http_route	*r;
	size_t			 max = h->limits.max_body;

	if (h->limits.max_big_body > max)
		max = h->limits.max_big_body;
	for (r = h->routes; r != NULL; r = r->next)
		if (r->max_body > max)
			max = r->max_body;
	evhttp_set_max_body_size(h->ev, (ev_ssize_t)max);
	evhttp_set_max_headers_size(h->ev, (ev_ssize_t)h->limits.max_headers);
	evhttp_set_timeout(h->ev, h->limits.read_timeout);
}

/* Create a server with no routes yet. */
struct http *
http_new(struct event_base *base, const struct http_limits *limits)
{
	struct http	*h;

	if ((h = calloc(1, sizeof *h)) == NULL)
		return NULL;
	h->base = base;
	h->tail = &h->routes;
	h->limits = *limits;
	if ((h->ev = evhttp_new(base)) == NULL) {
		free(h);
		return NULL;
	}
	evhttp_set_allowed_methods(h->ev, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(h->ev, http_dispatch, h);
	http_apply_limits(h);
	metrics_define("replyd_http_requests_total", METRICS_COUNTER,
	    "HTTP requests answered, by status code.");
	return h;
}

/* Change limits (configuration reload). */
void
http_set_limits(struct http *h, const struct http_limits *limits)
{
	h->limits = *limits;
	http_apply_limits(h);
}

/* Free the server and its routes. */
void
http_free(struct http *h)
{
	struct http_route	*r, *next;

	if (h == NULL)
		return;
	evhttp_free(h->ev);
	for (r = h->routes; r != NULL; r = next) {
		next = r->next;
		free(r->pattern);
		free(r);
	}
	free(h);
}

/* Bind the listening socket. */
int
http_listen(struct http *h, const char *host, int port)
{
	evutil_socket_t		fd;
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;

	if ((h->sock = evhttp_bind_socket_with_handle(h->ev, host,
	    (ev_uint16_t)port)) == NULL) {
		log_warn("cannot listen on %s:%d", host, port);
		return -1;
	}
	fd = evhttp_bound_socket_get_fd(h->sock);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			h->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			h->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return 0;
}

/* The bound port. */
int
http_port(const struct http *h)
{
	return h->port;
}

/* Stop accepting; connections already open are served to the end. */
void
http_stop_accepting(struct http *h)
{
	if (h->sock != NULL) {
		evhttp_del_accept_socket(h->ev, h->sock);
		h->sock = NULL;
	}
}

/* Requests being handled. */
int
http_inflight(const struct http *h)
{
	return h->inflight;
}

/* Add a route; returns it. */
static struct http_route *
http_route_add(struct http *h, int methods, const char *pattern,
    size_t max_body, int too_large, http_handler fn, void *arg)
{
	struct http_route	*r;

	if ((r = calloc(1, sizeof *r)) == NULL ||
	    (r->pattern = strdup(pattern)) == NULL)
		fatalx("out of memory");
	r->methods = methods;
	r->max_body = max_body;
	r->too_large = too_large ? too_large : 413;
	r->fn = fn;
	r->arg = arg;
	*h->tail = r;
	h->tail = &r->next;
	http_apply_limits(h);
	return r;
}

/* Add a route. */
void
http_route(struct http *h, int methods, const char *pattern,
    size_t max_body, int too_large, http_handler fn, void *arg)
{
	http_route_add(h, methods, pattern, max_body, too_large, fn, arg);
}

/* A route whose body limit depends on the path and the request's context
 * (inbound webhooks: the plugin of the running configuration decides). */
void
http_route_limited(struct http *h, int methods, const char *pattern,
    http_limit_fn limit, http_handler fn, void *arg)
{
	http_route_add(h, methods, pattern, 0, 0, fn, arg)->limit = limit;
}

/* Call begin() as each request arrives and end() when it is freed. */
void
http_set_hooks(struct http *h, void *(*begin)(void *),
    void (*end)(void *, void *), void *arg)
{
	h->begin = begin;
	h->end = end;
	h->hook_arg = arg;
}

/* What the begin hook returned for this request. */
void *
http_req_ctx(const struct http_req *hr)
{
	return hr->ctx;
}

/* Call fn(arg) when the request is answered (after its reply). */
void
http_req_on_free(struct http_req *hr, void (*fn)(void *), void *arg)
{
	hr->on_free = fn;
	hr->on_free_arg = arg;
}

/* Match a path against a pattern, capturing "*" segments. */
static int
http_match(const char *pattern, const char *path, struct http_req *hr)
{
	const char	*p = pattern, *s = path, *e;
	int		 n = 0;

	while (*p != '\0' && *s != '\0') {
		if (*p == '*') {
			e = strchr(s, '/');
			if (e == NULL)
				e = s + strlen(s);
			if (e == s || n >= HTTP_MAX_PARAMS)
				return -1;
			if (hr != NULL) {
				char *raw = strndup(s, (size_t)(e - s));

				hr->params[n] = raw ? evhttp_uridecode(raw, 0,
				    NULL) : NULL;
				free(raw);
			}
			n++;
			s = e;
			p++;
			continue;
		}
		if (*p != *s)
			return -1;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0' ? 0 : -1;
}

/* Free captured parameters after a failed match. */
static void
http_clear_params(struct http_req *hr)
{
	int	i;

	for (i = 0; i < HTTP_MAX_PARAMS; i++) {
		free(hr->params[i]);
		hr->params[i] = NULL;
	}
}

/* libevent's method as ours. */
static enum http_method
http_method_of(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_POST: return HTTP_POST;
	case EVHTTP_REQ_PUT: return HTTP_PUT;
	case EVHTTP_REQ_DELETE: return HTTP_DELETE;
	default: return HTTP_GET;
	}
}

/* Free a request's wrapper. */
static void
http_req_free(struct http_req *hr)
{
	if (hr->on_free != NULL)
		hr->on_free(hr->on_free_arg);
	if (hr->http->end != NULL)
		hr->http->end(hr->ctx, hr->http->hook_arg);
	http_clear_params(hr);
	if (hr->query_parsed)
		evhttp_clear_headers(&hr->query);
	free(hr->body);
	free(hr);
}

/* Seconds since a start time. */
static double
http_elapsed(const struct timespec *start)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Every request: find the route, check limits, call the handler. */
static void
http_dispatch(struct evhttp_request *req, void *arg)
{
	struct http		*h = arg;
	struct http_route	*r;
	struct http_req		*hr;
	struct evbuffer		*in;
	const char		*path;
	int			 path_found = 0, too_large;
	size_t			 len, max;

	if ((hr = calloc(1, sizeof *hr)) == NULL) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &hr->start);
	hr->http = h;
	hr->req = req;
	hr->uri = evhttp_request_get_evhttp_uri(req);
	h->inflight++;
	if (h->begin != NULL)
		hr->ctx = h->begin(h->hook_arg);
	path = hr->uri ? evhttp_uri_get_path(hr->uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	for (r = h->routes; r != NULL; r = r->next) {
		if (http_match(r->pattern, path, hr) == -1) {
			http_clear_params(hr);
			continue;
		}
		path_found = 1;
		if (r->methods & http_method_of(req))
			break;
		http_clear_params(hr);
	}
	if (r == NULL) {
		if (path_found)
			http_error(hr, 405, "method not allowed",
			    "%s does not accept this method", path);
		else
			http_error(hr, 404, "not found", "no such path");
		return;
	}
	max = r->max_body ? r->max_body : h->limits.max_body;
	too_large = r->too_large;
	if (r->limit != NULL && r->limit(path, hr->ctx, &max,
	    &too_large) == -1) {
		http_error(hr, 404, "not found", "no such path");
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	if (len > max) {
		metrics_inc("replyd_webhook_rejections_total",
		    "reason=\"too_large\"");
		http_error(hr, too_large, "too large",
		    "the body is %zu bytes; the limit here is %zu", len, max);
		return;
	}
	if ((hr->body = malloc(len + 1)) == NULL) {
		http_unavailable(hr, "out of memory");
		return;
	}
	evbuffer_remove(in, hr->body, len);
	hr->body[len] = '\0';
	hr->body_len = len;
	r->fn(hr, r->arg);
}

/* The request's method. */
enum http_method
http_req_method(const struct http_req *hr)
{
	return http_method_of(hr->req);
}

/* The raw path. */
const char *
http_req_path(const struct http_req *hr)
{
	const char	*p = hr->uri ? evhttp_uri_get_path(hr->uri) : NULL;

	return p ? p : "/";
}

/* The raw query string. */
const char *
http_req_query(const struct http_req *hr)
{
	return hr->uri ? evhttp_uri_get_query(hr->uri) : NULL;
}

/* The raw request URI as the client sent it. */
const char *
http_req_uri(const struct http_req *hr)
{
	return evhttp_request_get_uri(hr->req);
}

/* A captured path segment. */
const char *
http_req_param(const struct http_req *hr, int n)
{
	return n >= 0 && n < HTTP_MAX_PARAMS ? hr->params[n] : NULL;
}

/* A request header. */
const char *
http_req_header(const struct http_req *hr, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(hr->req),
	    name);
}

/* The peer's address. */
const char *
http_req_peer(const struct http_req *hr)
{
	struct evhttp_connection	*conn;
	char				*addr = NULL;
	ev_uint16_t			 port = 0;

	if ((conn = evhttp_request_get_connection(hr->req)) == NULL)
		return NULL;
	evhttp_connection_get_peer(conn, &addr, &port);
	return addr;
}

/* The body. */
const char *
http_req_body(struct http_req *hr, size_t *len)
{
	if (len != NULL)
		*len = hr->body_len;
	return hr->body;
}

/* A decoded query parameter. */
const char *
http_req_query_param(struct http_req *hr, const char *name)
{
	const char	*q = http_req_query(hr);

	if (q == NULL)
		return NULL;
	if (!hr->query_parsed) {
		TAILQ_INIT(&hr->query);
		if (evhttp_parse_query_str(q, &hr->query) == -1)
			return NULL;
		hr->query_parsed = 1;
	}
	return evhttp_find_header(&hr->query, name);
}

/* Handler data. */
void
http_req_set_data(struct http_req *hr, void *data)
{
	hr->data = data;
}

void *
http_req_data(const struct http_req *hr)
{
	return hr->data;
}

/* Add a response header. */
void
http_add_header(struct http_req *hr, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(hr->req), name,
	    value);
}

/* Answer and free the request. */
void
http_reply(struct http_req *hr, int code, const char *ctype,
    const void *body, size_t len)
{
	struct evbuffer	*out;
	char		 labels[32];

	if (ctype != NULL)
		http_add_header(hr, "Content-Type", ctype);
	out = evbuffer_new();
	if (out != NULL && len > 0)
		evbuffer_add(out, body, len);
	evhttp_send_reply(hr->req, code, NULL, out);
	if (out != NULL)
		evbuffer_free(out);
	snprintf(labels, sizeof labels, "code=\"%d\"", code);
	metrics_inc("replyd_http_requests_total", labels);
	metrics_observe_http(http_elapsed(&hr->start));
	hr->http->inflight--;
	http_req_free(hr);
}

/* Answer with JSON. */
void
http_reply_json(struct http_req *hr, int code, struct cJSON *json)
{
	char	*s;

	if ((s = cJSON_PrintUnformatted(json)) == NULL) {
		cJSON_Delete(json);
		http_reply(hr, 500, "application/json",
		    "{\"error\":\"internal\"}", 20);
		return;
	}
	cJSON_Delete(json);
	http_reply(hr, code, "application/json", s, strlen(s));
	free(s);
}

/* Answer with a JSON error. */
void
http_error(struct http_req *hr, int code, const char *error,
    const char *fmt, ...)
{
	cJSON	*j;
	char	 detail[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	if ((j = cJSON_CreateObject()) == NULL) {
		http_reply(hr, code, "text/plain", error, strlen(error));
		return;
	}
	cJSON_AddStringToObject(j, "error", error);
	cJSON_AddStringToObject(j, "detail", detail);
	http_reply_json(hr, code, j);
}

/* Answer 503 so that providers retry later. */
void
http_unavailable(struct http_req *hr, const char *detail)
{
	http_add_header(hr, "Retry-After", "5");
	http_error(hr, 503, "unavailable", "%s", detail);
}
