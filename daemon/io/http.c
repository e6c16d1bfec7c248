/*
 * http.c: see http.h.
 *
 * evhttp (libevent 2.1) reads a request's head and its whole body before it
 * calls us, and has no hook in between: evhttp_set_newreqcb, which would
 * let us set a header callback on each request, arrived only in 2.2.  It
 * is also lenient where leniency lets one request hide inside another: of
 * two Content-Length headers the first wins, "Content-Length :" (a space
 * before the colon) is another header and so no length at all, "+5" is 5,
 * a NUL silently ends a header value, and a chunk extension ("5;x=y") is
 * refused with an HTML 413.  Its own error answers are HTML pages.
 *
 * So each connection's socket has a bufferevent filter in front of evhttp
 * (evhttp_set_bevcb).  The filter reads each request head itself, checks
 * it strictly (http_head_parse, a pure function with a fuzz target), finds
 * the route and its limit, and only then hands evhttp a head rebuilt from
 * what it checked, so both always agree on where the request ends:
 *
 *   - a Content-Length over the route's limit is refused before the body
 *     is read, with the route's own status (Mailgun 406, Postmark 403);
 *   - a chunked body is collected up to the route's limit (cut there) and
 *     handed over with a Content-Length, chunk extensions and trailers
 *     dropped;
 *   - the whole request, head and body, must arrive within read_timeout
 *     of its first byte, or the connection is closed.
 *
 * A refused request reaches evhttp as "GET / HTTP/1.1" with Connection:
 * close, and the verdict waits on the connection for http_dispatch, which
 * answers it with a JSON error like any other; nothing more is read from
 * that connection.  evhttp still parses the rebuilt head, keeps the
 * connection alive between requests and writes the answers.
 *
 * Going out, the filter writes evhttp's answers straight to the socket
 * (http_conn_out): evhttp shuts the socket down the moment it lets a
 * connection go, so it must hear "written" only once the bytes are in the
 * kernel.  The socket stays ours after that while the client may still be
 * sending (a refused body): we read and drop until it closes, so that it
 * can read the answer (closing with unread input would reset the
 * connection, and a reset can destroy the answer).
 *
 * Connections are counted from accept to close: no more than
 * max_connections are held at once (the listener pauses at the cap and
 * resumes when one closes), and an accept that fails (EMFILE, ENFILE)
 * pauses the listener for a moment instead of retrying at once in a loop,
 * logging once per interval.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "io/http.h"
#include "base/log.h"
#include "base/metrics.h"

#define HTTP_MAX_PARAMS		4
/* A chunk-size line with its extensions. */
#define HTTP_CHUNK_LINE_MAX	4096
/* After a failed accept, wait this long before trying again. */
#define HTTP_ACCEPT_RETRY_MS	250
/* Repeated warnings (accept failures, the cap, deadlines): one line per. */
#define HTTP_LOG_INTERVAL_S	60
/* Whatever the limits say, room for this many connections. */
#define HTTP_MIN_CONNECTIONS	8

/* ------------------------------------------------------------------ */
/* The request head: a pure parser.                                    */

/* Whether c may be in a token (RFC 9110 section 5.6.2). */
static int
http_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Write why (if asked for) and return code. */
static int
http_fail(int code, char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/*
 * The next line of [*p, end): its start and length without the line end
 * (LF, or CRLF).  -1 when there is no LF left, or a CR that does not end
 * the line.
 */
static int
http_next_line(const char **p, const char *end, const char **line,
    size_t *len)
{
	const char	*lf, *s = *p;
	size_t		 n;

	if ((lf = memchr(s, '\n', (size_t)(end - s))) == NULL)
		return -1;
	n = (size_t)(lf - s);
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (memchr(s, '\r', n) != NULL)
		return -1;
	*line = s;
	*len = n;
	*p = lf + 1;
	return 0;
}

/* Whether a header name is name (ASCII, any case). */
static int
http_name_is(const struct http_field *f, const char *name)
{
	return f->name_len == strlen(name) &&
	    strncasecmp(f->name, name, f->name_len) == 0;
}

/*
 * Parse field lines from *p up to and including the empty line; each one
 * goes into hd (which also learns the framing fields).  0 or a status.
 */
static int
http_fields_parse(const char **p, const char *end, struct http_head *hd,
    char *why, size_t whylen)
{
	const char		*line, *v, *ve;
	size_t			 len, i, j;
	struct http_field	*f;
	unsigned char		 c;

	for (;;) {
		if (http_next_line(p, end, &line, &len) == -1)
			return http_fail(400, why, whylen, "a header line "
			    "has a CR that does not end it, or no end");
		if (len == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t')
			return http_fail(400, why, whylen, "a header field "
			    "is folded over lines (obsolete line folding)");
		for (i = 0; i < len && http_tchar((unsigned char)line[i]); i++)
			;
		if (i == 0)
			return http_fail(400, why, whylen, "header field %zu "
			    "has no name", hd->nfields + 1);
		if (i < len && line[i] != ':') {
			/* RFC 9112 section 5.1: such a field must be refused,
			 * or it could be read as another header's. */
			for (j = i; j < len && (line[j] == ' ' ||
			    line[j] == '\t'); j++)
				;
			if (j > i && j < len && line[j] == ':')
				return http_fail(400, why, whylen, "header "
				    "field %.*s has whitespace before its "
				    "colon", (int)i, line);
		}
		if (i == len || line[i] != ':')
			return http_fail(400, why, whylen, "header field %zu "
			    "is not a name, a colon and a value",
			    hd->nfields + 1);
		if (hd->nfields == HTTP_HEAD_MAX_FIELDS)
			return http_fail(431, why, whylen, "more than %d "
			    "header fields", HTTP_HEAD_MAX_FIELDS);
		f = &hd->fields[hd->nfields++];
		f->name = line;
		f->name_len = i;
		v = line + i + 1;
		ve = line + len;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (i = 0; v + i < ve; i++) {
			c = (unsigned char)v[i];
			if (c == '\0')
				return http_fail(400, why, whylen, "header "
				    "field %.*s has a NUL byte in its value",
				    (int)f->name_len, f->name);
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return http_fail(400, why, whylen, "header "
				    "field %.*s has a control character in its "
				    "value", (int)f->name_len, f->name);
		}
		f->value = v;
		f->value_len = (size_t)(ve - v);
		if (http_name_is(f, "Content-Length")) {
			long long	n = 0;

			if (hd->content_length != -1)
				return http_fail(400, why, whylen,
				    "Content-Length appears more than once");
			if (f->value_len == 0 || f->value_len > 18)
				return http_fail(400, why, whylen,
				    "Content-Length is not a number of bytes");
			for (i = 0; i < f->value_len; i++) {
				if (f->value[i] < '0' || f->value[i] > '9')
					return http_fail(400, why, whylen,
					    "Content-Length is not a number of "
					    "bytes (digits only)");
				n = n * 10 + (f->value[i] - '0');
			}
			hd->content_length = n;
		} else if (http_name_is(f, "Transfer-Encoding")) {
			if (hd->chunked)
				return http_fail(400, why, whylen,
				    "Transfer-Encoding appears more than once");
			if (f->value_len != 7 ||
			    strncasecmp(f->value, "chunked", 7) != 0)
				return http_fail(501, why, whylen, "only the "
				    "chunked transfer coding is supported");
			hd->chunked = 1;
		} else if (http_name_is(f, "Expect") && hd->minor >= 1) {
			if (f->value_len != 12 ||
			    strncasecmp(f->value, "100-continue", 12) != 0)
				return http_fail(417, why, whylen, "the only "
				    "expectation supported is 100-continue");
			hd->expect_continue = 1;
		}
	}
	if (*p != end)
		return http_fail(400, why, whylen, "bytes after the end of "
		    "the header fields");
	return 0;
}

/* Parse a request head; see http.h. */
int
http_head_parse(const char *buf, size_t len, struct http_head *hd,
    char *why, size_t whylen)
{
	const char	*p = buf, *end = buf + len, *line;
	size_t		 n, i, j;
	int		 rc;

	memset(hd, 0, sizeof *hd);
	hd->content_length = -1;
	if (http_next_line(&p, end, &line, &n) == -1)
		return http_fail(400, why, whylen, "the request line has a CR "
		    "that does not end it, or no end");
	for (i = 0; i < n && http_tchar((unsigned char)line[i]); i++)
		;
	if (i == 0 || i == n || line[i] != ' ')
		return http_fail(400, why, whylen, "the request line is not "
		    "a method, a path and a version");
	hd->method = line;
	hd->method_len = i;
	for (j = i + 1; j < n && line[j] > ' ' && line[j] < 0x7f; j++)
		;
	if (j == i + 1 || j == n || line[j] != ' ')
		return http_fail(400, why, whylen, "the request target is "
		    "empty or has a byte that is not printable ASCII");
	hd->target = line + i + 1;
	hd->target_len = j - i - 1;
	j++;
	/* A later HTTP/1.x is read as the 1.1 we speak (RFC 9112 2.3). */
	if (n - j == 8 && memcmp(line + j, "HTTP/1.", 7) == 0 &&
	    line[j + 7] >= '0' && line[j + 7] <= '9')
		hd->minor = line[j + 7] == '0' ? 0 : 1;
	else if (n - j == 8 && memcmp(line + j, "HTTP/", 5) == 0 &&
	    line[j + 5] >= '0' && line[j + 5] <= '9' && line[j + 6] == '.' &&
	    line[j + 7] >= '0' && line[j + 7] <= '9')
		return http_fail(505, why, whylen, "HTTP/%c.%c is not "
		    "supported: use HTTP/1.1", line[j + 5], line[j + 7]);
	else
		return http_fail(400, why, whylen, "the request line does not "
		    "end with HTTP/1.1 or HTTP/1.0");
	if ((rc = http_fields_parse(&p, end, hd, why, whylen)) != 0)
		return rc;
	if (hd->chunked && hd->content_length != -1)
		return http_fail(400, why, whylen, "both Content-Length and "
		    "Transfer-Encoding");
	if (hd->chunked && hd->minor == 0)
		return http_fail(400, why, whylen, "Transfer-Encoding in an "
		    "HTTP/1.0 request");
	return 0;
}

/*
 * Write a checked head as evhttp gets it: the request line and every field
 * but the framing ones (Content-Length, Transfer-Encoding, and Expect where
 * it means nothing), each on a line of its own, without the empty line.
 */
static void
http_head_write(struct evbuffer *out, const struct http_head *hd)
{
	const struct http_field	*f;
	size_t			 i;

	evbuffer_add_printf(out, "%.*s %.*s HTTP/1.%d\r\n",
	    (int)hd->method_len, hd->method, (int)hd->target_len, hd->target,
	    hd->minor);
	for (i = 0; i < hd->nfields; i++) {
		f = &hd->fields[i];
		if (http_name_is(f, "Content-Length") ||
		    http_name_is(f, "Transfer-Encoding") ||
		    (http_name_is(f, "Expect") && (hd->chunked ||
		    hd->minor == 0)))
			continue;
		evbuffer_add_printf(out, "%.*s: %.*s\r\n", (int)f->name_len,
		    f->name, (int)f->value_len, f->value);
	}
}

/* Check a trailer section; see http.h. */
int
http_trailer_parse(const char *buf, size_t len, char *why, size_t whylen)
{
	struct http_head	*hd;
	const char		*p = buf;
	int			 rc;

	if ((hd = calloc(1, sizeof *hd)) == NULL)
		return http_fail(500, why, whylen, "out of memory");
	hd->content_length = -1;
	hd->minor = 1;
	rc = http_fields_parse(&p, buf + len, hd, why, whylen);
	free(hd);
	return rc;
}

/* A token (RFC 9110 section 5.6.2) at *p: 0 and past it, or -1. */
static int
http_skip_token(const char **p, const char *end)
{
	const char	*s = *p;

	while (s < end && http_tchar((unsigned char)*s))
		s++;
	if (s == *p)
		return -1;
	*p = s;
	return 0;
}

/* A quoted-string (RFC 9110 section 5.6.4) at *p: 0 and past it, or -1. */
static int
http_skip_quoted(const char **p, const char *end)
{
	const char	*s = *p + 1;
	unsigned char	 c;

	for (; s < end; s++) {
		c = (unsigned char)*s;
		if (c == '"') {
			*p = s + 1;
			return 0;
		}
		if (c == '\\') {
			if (++s == end)
				return -1;
			c = (unsigned char)*s;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
	}
	return -1;
}

/* Parse a chunk-size line; see http.h.  RFC 9112 section 7.1.1:
 * chunk-size *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ). */
int
http_chunk_line(const char *line, size_t len, unsigned long long *size)
{
	const char		*p = line, *end = line + len;
	unsigned long long	 n = 0;
	int			 d;

#define HTTP_SKIP_BWS() while (p < end && (*p == ' ' || *p == '\t')) p++
	for (; p < end; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (n > (1ULL << 59))
			return -1;
		n = n * 16 + (unsigned long long)d;
	}
	if (p == line)
		return -1;
	for (;;) {
		HTTP_SKIP_BWS();
		if (p == end)
			break;
		if (*p++ != ';')
			return -1;
		HTTP_SKIP_BWS();
		if (http_skip_token(&p, end) == -1)
			return -1;
		HTTP_SKIP_BWS();
		if (p == end || *p != '=')
			continue;
		p++;
		HTTP_SKIP_BWS();
		if (p < end && *p == '"') {
			if (http_skip_quoted(&p, end) == -1)
				return -1;
		} else if (http_skip_token(&p, end) == -1)
			return -1;
	}
#undef HTTP_SKIP_BWS
	*size = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The server, its routes and its connections.                         */

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

/* Where a connection's filter is in the request it is reading. */
enum http_conn_state {
	HTTP_CONN_HEAD,		/* request line and header fields */
	HTTP_CONN_BODY,		/* Content-Length bytes, passed through */
	HTTP_CONN_CHUNK_SIZE,	/* a chunk-size line */
	HTTP_CONN_CHUNK_DATA,	/* a chunk's bytes */
	HTTP_CONN_CHUNK_END,	/* the line end after a chunk's bytes */
	HTTP_CONN_TRAILER,	/* trailer fields after the last chunk */
	HTTP_CONN_REFUSED,	/* answered with an error: read no more */
	HTTP_CONN_CLOSING	/* cut off at the deadline */
};

/* One accepted connection, from accept until its socket is closed. */
struct http_conn {
	struct http		*http;		/* NULL once the server is freed */
	struct bufferevent	*bev;		/* the socket's */
	struct bufferevent	*filter;	/* evhttp's, NULL once it is freed */
	evutil_socket_t		 fd;		/* -1 until the first bytes */
	enum http_conn_state	 state;
	struct evbuffer		*line;		/* head, chunk line or trailer */
	size_t			 line_len;	/* bytes of its last line so far */
	struct evbuffer		*held;		/* a chunked request's head */
	struct evbuffer		*body;		/* and its body, until the end */
	unsigned long long	 left;		/* body or chunk bytes to come */
	unsigned long long	 size;		/* de-chunked body so far */
	size_t			 max;		/* the route's body limit */
	int			 too_large;	/* and its status beyond it */
	unsigned		 forwarded;	/* requests handed to evhttp */
	unsigned		 dispatched;	/* requests evhttp handed back */
	unsigned		 verdict_seq;	/* which one is refused, or 0 */
	int			 verdict_code;
	int			 verdict_too_large;
	char			 verdict_error[40];
	char			 verdict_detail[256];
	struct event		*timer;		/* the deadline, then the close's */
	struct event		*kick;		/* write what evhttp wrote */
	struct event		*wev;		/* the socket is writable again */
	struct event		*rev;		/* closing: read and drop */
	int			 kicking;	/* inside http_conn_kick_cb */
	int			 write_failed;
	TAILQ_ENTRY(http_conn)	 entry;
};

TAILQ_HEAD(http_conns, http_conn);

/* Once per interval, however often something happens. */
struct http_ratelimit {
	double		last;
	unsigned long	held;	/* events not logged since the last line */
};

struct http {
	struct event_base		*base;
	struct evhttp			*ev;
	struct evhttp_bound_socket	*sock;
	struct evconnlistener		*listener;
	struct http_route		*routes, **tail;
	struct http_limits		 limits;
	int				 inflight;
	int				 port;
	void				*(*begin)(void *);
	void				 (*end)(void *, void *);
	void				*hook_arg;
	struct http_conns		 conns;
	int				 nconns;
	int				 max_conns;	/* after the fd limit */
	struct http_conn		**byfd;		/* connections by fd */
	size_t				 nbyfd;
	int				 accepting;	/* listener enabled */
	int				 accept_failed;	/* paused after an error */
	struct event			*accept_timer;
	struct http_ratelimit		 rl_accept, rl_cap, rl_deadline;
	struct http			*next_server;
};

/* Every server, so a listener's error callback finds its own (libevent
 * hands that callback evhttp's argument, not ours). */
static struct http	*http_servers;

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
static void	http_accept_update(struct http *);
static void	http_conn_writable_cb(evutil_socket_t, short, void *);

/* Seconds on the monotonic clock. */
static double
http_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether to log now; *held is how many were not logged since the last. */
static int
http_ratelimit(struct http_ratelimit *rl, unsigned long *held)
{
	double	now = http_now();

	if (rl->last != 0 && now - rl->last < HTTP_LOG_INTERVAL_S) {
		rl->held++;
		return 0;
	}
	*held = rl->held;
	rl->held = 0;
	rl->last = now;
	return 1;
}

/* The most connections the limits and the open-file limit allow; say so
 * (unless quiet) when the open-file limit is the smaller. */
static int
http_conn_cap(const struct http_limits *l, int quiet)
{
	struct rlimit	rl;
	long long	room;
	int		max;

	max = l->max_connections > 0 ? l->max_connections :
	    HTTP_DEFAULT_MAX_CONNECTIONS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		room = (long long)rl.rlim_cur - HTTP_FD_RESERVE;
		if (room < HTTP_MIN_CONNECTIONS)
			room = HTTP_MIN_CONNECTIONS;
		if (max > room) {
			if (!quiet)
				log_warnx("http: the open-file limit is %llu, so "
				    "at most %lld connections are held at once "
				    "(limits.max_connections asks for %d; %d "
				    "descriptors are kept for Redis and sends)",
				    (unsigned long long)rl.rlim_cur, room, max,
				    HTTP_FD_RESERVE);
			max = (int)room;
		}
	}
	return max < HTTP_MIN_CONNECTIONS ? HTTP_MIN_CONNECTIONS : max;
}

/* Apply limits to evhttp (its body limit is the largest route's). */
static void
http_apply_limits(struct http *h, int quiet)
{
	struct http_route	*r;
	size_t			 max = h->limits.max_body;

	if (h->limits.max_big_body > max)
		max = h->limits.max_big_body;
	for (r = h->routes; r != NULL; r = r->next)
		if (r->max_body > max)
			max = r->max_body;
	/* The filter enforces each route's own limit; these are backstops. */
	evhttp_set_max_body_size(h->ev, (ev_ssize_t)max);
	evhttp_set_max_headers_size(h->ev,
	    (ev_ssize_t)h->limits.max_headers + 256);
	/* Idle connections (between requests) and clients that never read
	 * their answers; the filter keeps each request's own deadline. */
	evhttp_set_timeout(h->ev, h->limits.read_timeout);
	h->max_conns = http_conn_cap(&h->limits, quiet);
	metrics_set("replyd_http_connections_max", NULL, h->max_conns);
	http_accept_update(h);
}

/* ------------------------------------------------------------------ */
/* Accepting: the cap and accept failures.                             */

/* Enable or pause the listener as the counts say. */
static void
http_accept_update(struct http *h)
{
	unsigned long	held;
	int		want;

	if (h->listener == NULL)
		return;
	want = !h->accept_failed && h->nconns < h->max_conns;
	if (want == h->accepting)
		return;
	if (want) {
		if (evconnlistener_enable(h->listener) == 0)
			h->accepting = 1;
		return;
	}
	if (evconnlistener_disable(h->listener) == 0)
		h->accepting = 0;
	if (h->accept_failed)
		return;
	metrics_inc("replyd_http_accept_paused_total", "reason=\"limit\"");
	if (http_ratelimit(&h->rl_cap, &held))
		log_warnx("http: %d connections open, the most allowed "
		    "(limits.max_connections); new ones wait to be accepted "
		    "until one closes (%lu more times since the last message)",
		    h->nconns, held);
}

/* The pause after a failed accept is over: try again. */
static void
http_accept_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct http	*h = arg;

	h->accept_failed = 0;
	http_accept_update(h);
}

/*
 * accept() failed.  Out of descriptors (EMFILE, ENFILE) or memory, the
 * listening socket stays readable, so trying again at once would spin:
 * pause for a moment, or until a connection closes.
 */
static void
http_accept_error(struct evconnlistener *listener, void *arg)
{
	struct http	*h;
	int		 err = EVUTIL_SOCKET_ERROR();
	struct timeval	 tv = { 0, HTTP_ACCEPT_RETRY_MS * 1000 };
	struct rlimit	 rl;
	unsigned long	 held;

	for (h = http_servers; h != NULL && h->listener != listener;
	    h = h->next_server)
		;
	if (h == NULL) {
		/* Not ours: at least never spin. */
		evconnlistener_disable(listener);
		return;
	}
	metrics_inc("replyd_http_accept_paused_total",
	    "reason=\"accept_failed\"");
	if (http_ratelimit(&h->rl_accept, &held)) {
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			rl.rlim_cur = 0;
		log_warnx("http: cannot accept a connection: %s; pausing "
		    "new connections for %d ms at a time (%d open, open-file "
		    "limit %llu; %lu more failures since the last message)",
		    strerror(err), HTTP_ACCEPT_RETRY_MS, h->nconns,
		    (unsigned long long)rl.rlim_cur, held);
	}
	h->accept_failed = 1;
	http_accept_update(h);
	evtimer_add(h->accept_timer, &tv);
}

/* ------------------------------------------------------------------ */
/* Connections.                                                        */

/* Whether evhttp still holds the connection's filter. */
static int
http_conn_live(const struct http_conn *c)
{
	bufferevent_event_cb	eventcb = NULL;

	if (c->filter == NULL)
		return 0;
	/* evhttp's bufferevent_free clears the callbacks at once; the
	 * filter itself is finalized (and we told) only later. */
	bufferevent_getcb(c->filter, NULL, NULL, &eventcb, NULL);
	return eventcb != NULL;
}

/* Close the socket and forget the connection. */
static void
http_conn_free(struct http_conn *c)
{
	struct http	*h = c->http;

	if (h != NULL) {
		TAILQ_REMOVE(&h->conns, c, entry);
		if (c->fd >= 0 && (size_t)c->fd < h->nbyfd &&
		    h->byfd[c->fd] == c)
			h->byfd[c->fd] = NULL;
		h->nconns--;
		metrics_set("replyd_http_connections", NULL, h->nconns);
		/* A descriptor is free again. */
		if (h->accept_failed) {
			h->accept_failed = 0;
			evtimer_del(h->accept_timer);
		}
		http_accept_update(h);
	}
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->kick != NULL)
		event_free(c->kick);
	if (c->wev != NULL)
		event_free(c->wev);
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->bev != NULL)
		bufferevent_free(c->bev);	/* our reference: closes */
	if (c->line != NULL)
		evbuffer_free(c->line);
	if (c->held != NULL)
		evbuffer_free(c->held);
	if (c->body != NULL)
		evbuffer_free(c->body);
	free(c);
}

/* Note the connection's socket (known from its first bytes on). */
static int
http_conn_fd(struct http_conn *c)
{
	struct http		*h = c->http;
	struct http_conn	**p;
	size_t			 want;

	if (c->fd >= 0)
		return 0;
	if (h == NULL || (c->fd = bufferevent_getfd(c->bev)) < 0)
		return -1;
	if ((size_t)c->fd >= h->nbyfd) {
		want = (size_t)c->fd + 64;
		if ((p = reallocarray(h->byfd, want, sizeof *p)) == NULL)
			return -1;
		memset(p + h->nbyfd, 0, (want - h->nbyfd) * sizeof *p);
		h->byfd = p;
		h->nbyfd = want;
	}
	h->byfd[c->fd] = c;
	return 0;
}

/*
 * Write what evhttp has written, straight to the socket.  This runs only
 * from http_conn_kick_cb, in a loop turn of its own: evhttp writes and only
 * then says what to do once it is written (evhttp_send_continue even turns
 * writing on first), so an answer written at once would run the wrong
 * callback.  And evhttp must learn "written" only once the bytes are in the
 * kernel: it shuts the socket down as soon as it has let the connection go.
 */
static enum bufferevent_filter_result
http_conn_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *arg)
{
	struct http_conn	*c = arg;
	int			 n;

	if (!c->kicking) {
		event_active(c->kick, EV_WRITE, 1);
		return BEV_NEED_MORE;
	}
	if (evbuffer_get_length(src) == 0)
		return BEV_NEED_MORE;
	if (http_conn_fd(c) == -1) {
		c->write_failed = 1;
		return BEV_ERROR;
	}
	if ((n = evbuffer_write(src, c->fd)) < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			c->write_failed = 1;
			return BEV_ERROR;
		}
		n = 0;
	}
	if (evbuffer_get_length(src) > 0) {
		if (c->wev == NULL && (c->wev = event_new(c->http->base,
		    c->fd, EV_WRITE, http_conn_writable_cb, c)) == NULL) {
			c->write_failed = 1;
			return BEV_ERROR;
		}
		event_add(c->wev, NULL);
	}
	/* BEV_OK tells evhttp (once the buffer is empty) it is written. */
	return n > 0 ? BEV_OK : BEV_NEED_MORE;
}

/* Something was added to what evhttp writes: write it next turn. */
static void
http_conn_outbuf_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct http_conn	*c = arg;

	if (info->n_added > 0)
		event_active(c->kick, EV_WRITE, 1);
}

/* Write evhttp's output (see http_conn_out). */
static void
http_conn_kick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct http_conn	*c = arg;

	if (!http_conn_live(c))
		return;
	c->kicking = 1;
	bufferevent_flush(c->filter, EV_WRITE, BEV_FLUSH);
	c->kicking = 0;
	/* The flush may have finished the connection; if not, tell evhttp
	 * the socket failed, as a socket bufferevent would. */
	if (c->write_failed && http_conn_live(c)) {
		c->write_failed = 0;
		bufferevent_trigger_event(c->filter, BEV_EVENT_WRITING |
		    BEV_EVENT_ERROR, 0);
	}
}

/* The socket can take more of an answer. */
static void
http_conn_writable_cb(evutil_socket_t fd, short ev, void *arg)
{
	http_conn_kick_cb(fd, ev, arg);
}

/* Closing: read and drop what the client still sends, until it closes. */
static void
http_conn_linger_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct http_conn	*c = arg;
	char			 buf[16384];
	ssize_t			 n;
	int			 i;

	for (i = 0; i < 16; i++) {
		if ((n = recv(fd, buf, sizeof buf, 0)) > 0)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return;
		http_conn_free(c);	/* closed, or failed */
		return;
	}
}

/*
 * evhttp has let the connection go (the filter is being finalized) and has
 * shut our side down after the answer, which is in the kernel already.
 * When the client may still be sending (a refused body, a request cut
 * short), read and drop until it closes too, within read_timeout: closing
 * with unread input would reset the connection, and a reset can destroy
 * the answer before the client reads it.
 */
static void
http_conn_released(void *arg)
{
	struct http_conn	*c = arg;
	struct evbuffer		*in;
	struct timeval		 tv;

	c->filter = NULL;
	if (c->timer != NULL)
		evtimer_del(c->timer);
	if (c->wev != NULL)
		event_del(c->wev);
	if (c->http == NULL || c->state == HTTP_CONN_CLOSING ||
	    http_conn_fd(c) == -1) {
		http_conn_free(c);
		return;
	}
	in = bufferevent_get_input(c->bev);
	if (c->state == HTTP_CONN_HEAD && evbuffer_get_length(c->line) == 0 &&
	    evbuffer_get_length(in) == 0) {
		http_conn_free(c);
		return;
	}
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	evbuffer_drain(in, evbuffer_get_length(in));
	if ((c->rev = event_new(c->http->base, c->fd, EV_READ | EV_PERSIST,
	    http_conn_linger_cb, c)) == NULL) {
		http_conn_free(c);
		return;
	}
	event_add(c->rev, NULL);
	tv.tv_sec = c->http->limits.read_timeout;
	tv.tv_usec = 0;
	evtimer_add(c->timer, &tv);
}

/* The connection's timer: a request's deadline, or the close's. */
static void
http_conn_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct http_conn	*c = arg;
	struct http		*h = c->http;
	unsigned long		 held;

	if (c->filter == NULL) {
		http_conn_free(c);	/* lingered long enough */
		return;
	}
	if (!http_conn_live(c) || h == NULL)
		return;
	metrics_inc("replyd_http_slow_requests_total", NULL);
	if (http_ratelimit(&h->rl_deadline, &held))
		log_warnx("http: closed a connection whose request was not "
		    "complete within %d s (limits.read_timeout; %lu more since "
		    "the last message)", h->limits.read_timeout, held);
	c->state = HTTP_CONN_CLOSING;
	/* As evhttp's own read timeout does: it frees the connection. */
	bufferevent_trigger_event(c->filter, BEV_EVENT_READING |
	    BEV_EVENT_TIMEOUT, 0);
}

/* A request's first byte arrived: its deadline starts. */
static void
http_conn_arm(struct http_conn *c)
{
	struct timeval	tv;

	if (c->timer == NULL || evtimer_pending(c->timer, NULL))
		return;
	tv.tv_sec = c->http->limits.read_timeout;
	tv.tv_usec = 0;
	evtimer_add(c->timer, &tv);
}

/* A request is complete (or refused): ready for the next. */
static void
http_conn_done(struct http_conn *c)
{
	if (c->timer != NULL)
		evtimer_del(c->timer);
	if (c->state != HTTP_CONN_REFUSED)
		c->state = HTTP_CONN_HEAD;
	evbuffer_drain(c->line, evbuffer_get_length(c->line));
	c->line_len = 0;
	if (c->held != NULL)
		evbuffer_drain(c->held, evbuffer_get_length(c->held));
	if (c->body != NULL)
		evbuffer_drain(c->body, evbuffer_get_length(c->body));
	c->left = c->size = 0;
}

/*
 * Refuse the request being read: evhttp gets a request that needs no
 * body, and http_dispatch answers it with this error; nothing more is
 * read from the connection.
 */
static void
http_conn_refuse(struct http_conn *c, struct evbuffer *dst, int code,
    int too_large, const char *error, const char *fmt, ...)
{
	va_list	ap;

	c->verdict_code = code;
	c->verdict_too_large = too_large;
	snprintf(c->verdict_error, sizeof c->verdict_error, "%s", error);
	va_start(ap, fmt);
	vsnprintf(c->verdict_detail, sizeof c->verdict_detail, fmt, ap);
	va_end(ap);
	evbuffer_add_printf(dst, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
	c->verdict_seq = ++c->forwarded;
	c->state = HTTP_CONN_REFUSED;
	http_conn_done(c);
}

/* Which of our methods a request's method is (HEAD is GET), or 0. */
static int
http_method_named(const char *m, size_t len)
{
	if (len == 3 && memcmp(m, "GET", 3) == 0)
		return HTTP_GET;
	if (len == 4 && memcmp(m, "HEAD", 4) == 0)
		return HTTP_GET;
	if (len == 4 && memcmp(m, "POST", 4) == 0)
		return HTTP_POST;
	if (len == 3 && memcmp(m, "PUT", 3) == 0)
		return HTTP_PUT;
	if (len == 6 && memcmp(m, "DELETE", 6) == 0)
		return HTTP_DELETE;
	return 0;
}

static int	http_match(const char *, const char *, struct http_req *);

/*
 * The route a request goes to, with its body limit and too-large status;
 * NULL when there is none, with *code 404 or 405.  A route with a limit
 * function that declines the path (-1) is passed over as if its pattern
 * did not match, so a catch-all route added last (plugins' pages) never
 * hides a 405 of a route before it.
 */
static struct http_route *
http_route_find(struct http *h, const char *path, int method, size_t *max,
    int *too_large, int *code)
{
	struct http_route	*r;
	void			*ctx;
	int			 path_found = 0, rc;

	for (r = h->routes; r != NULL; r = r->next) {
		if (http_match(r->pattern, path, NULL) == -1)
			continue;
		*max = r->max_body ? r->max_body : h->limits.max_body;
		*too_large = r->too_large;
		if (r->limit != NULL) {
			ctx = h->begin != NULL ? h->begin(h->hook_arg) : NULL;
			rc = r->limit(path, ctx, max, too_large);
			if (h->end != NULL)
				h->end(ctx, h->hook_arg);
			if (rc == -1)
				continue;
		}
		path_found = 1;
		if (r->methods & method)
			break;
	}
	*code = path_found ? 405 : 404;
	return r;
}

/* A whole head has arrived: check it, route it, forward or refuse it. */
static int
http_conn_head(struct http_conn *c, struct evbuffer *dst)
{
	struct http		*h = c->http;
	struct http_head	*hd;
	struct evhttp_uri	*uri = NULL;
	const char		*path;
	char			 why[160], *target = NULL, *buf;
	size_t			 len = evbuffer_get_length(c->line), max = 0;
	int			 code, method, too_large = 413, rv = -1;

	if ((hd = malloc(sizeof *hd)) == NULL ||
	    (buf = (char *)evbuffer_pullup(c->line, -1)) == NULL)
		goto out;
	if ((code = http_head_parse(buf, len, hd, why, sizeof why)) != 0) {
		http_conn_refuse(c, dst, code, 0, code == 431 ?
		    "header too large" : code == 501 ? "not implemented" :
		    code == 505 ? "version not supported" : code == 417 ?
		    "expectation failed" : "malformed request", "%s", why);
		rv = 0;
		goto out;
	}
	if ((method = http_method_named(hd->method, hd->method_len)) == 0) {
		http_conn_refuse(c, dst, 501, 0, "not implemented",
		    "method %.*s is not supported", (int)hd->method_len,
		    hd->method);
		rv = 0;
		goto out;
	}
	if (hd->method_len == 4 && memcmp(hd->method, "HEAD", 4) == 0 &&
	    (hd->chunked || hd->content_length > 0)) {
		http_conn_refuse(c, dst, 400, 0, "malformed request",
		    "a HEAD request has no body");
		rv = 0;
		goto out;
	}
	if ((target = strndup(hd->target, hd->target_len)) == NULL)
		goto out;
	if (target[0] != '/' || (uri = evhttp_uri_parse_with_flags(target,
	    EVHTTP_URI_NONCONFORMANT)) == NULL) {
		http_conn_refuse(c, dst, 400, 0, "malformed request",
		    "the request target is not a path");
		rv = 0;
		goto out;
	}
	path = evhttp_uri_get_path(uri);
	if (path == NULL || *path == '\0')
		path = "/";
	if (http_route_find(h, path, method, &max, &too_large, &code) ==
	    NULL) {
		/* Nothing here takes a body: refuse one unread. */
		if (hd->chunked || hd->content_length > 0) {
			http_conn_refuse(c, dst, code, 0, code == 404 ?
			    "not found" : "method not allowed", "%s", code ==
			    404 ? "no such path" :
			    "this path does not accept this method");
			rv = 0;
			goto out;
		}
		max = 0;
	}
	if (hd->content_length > 0 &&
	    (unsigned long long)hd->content_length > max) {
		http_conn_refuse(c, dst, too_large, 1, "too large",
		    "the body is %lld bytes; the limit here is %zu",
		    hd->content_length, max);
		rv = 0;
		goto out;
	}
	c->max = max;
	c->too_large = too_large;
	if (hd->chunked) {
		if ((c->held == NULL && (c->held = evbuffer_new()) == NULL) ||
		    (c->body == NULL && (c->body = evbuffer_new()) == NULL))
			goto out;
		http_head_write(c->held, hd);
		c->state = HTTP_CONN_CHUNK_SIZE;
		evbuffer_drain(c->line, len);
		c->line_len = 0;
		rv = 0;
		goto out;
	}
	http_head_write(dst, hd);
	if (hd->content_length >= 0)
		evbuffer_add_printf(dst, "Content-Length: %lld\r\n",
		    hd->content_length);
	evbuffer_add(dst, "\r\n", 2);
	c->forwarded++;
	if (hd->content_length > 0) {
		c->state = HTTP_CONN_BODY;
		c->left = (unsigned long long)hd->content_length;
		evbuffer_drain(c->line, len);
		c->line_len = 0;
	} else
		http_conn_done(c);
	rv = 0;
out:
	if (uri != NULL)
		evhttp_uri_free(uri);
	free(target);
	free(hd);
	return rv;
}

/*
 * Move src's bytes into c->line up to the end of a line (LF).  1 when a
 * line ended (its length without the line end in *n), 0 when src ran out
 * first, -1 when the line would pass max bytes (with c->line's bytes).
 */
static int
http_conn_read_line(struct http_conn *c, struct evbuffer *src, size_t max,
    size_t *n)
{
	struct evbuffer_ptr	pos;
	size_t			take, avail = evbuffer_get_length(src);
	int			ended;
	char			cr;

	pos = evbuffer_search(src, "\n", 1, NULL);
	ended = pos.pos != -1;
	take = ended ? (size_t)pos.pos + 1 : avail;
	if (evbuffer_get_length(c->line) + take > max)
		return -1;
	if (evbuffer_remove_buffer(src, c->line, take) != (int)take)
		return -1;
	if (!ended) {
		c->line_len += take;
		return 0;
	}
	*n = c->line_len + take - 1;
	c->line_len = 0;
	/* A CR just before the LF is part of the line end. */
	if (*n > 0 && evbuffer_ptr_set(c->line, &pos,
	    evbuffer_get_length(c->line) - 2, EVBUFFER_PTR_SET) == 0 &&
	    evbuffer_copyout_from(c->line, &pos, &cr, 1) == 1 && cr == '\r')
		(*n)--;
	return 1;
}

/* The de-chunked request is complete: hand it to evhttp whole. */
static void
http_conn_chunked_done(struct http_conn *c, struct evbuffer *dst)
{
	evbuffer_add_buffer(dst, c->held);
	evbuffer_add_printf(dst, "Content-Length: %llu\r\n\r\n", c->size);
	evbuffer_add_buffer(dst, c->body);
	c->forwarded++;
	http_conn_done(c);
}

/*
 * The filter between the socket and evhttp: read each request as the
 * comment at the top of this file says, and pass evhttp only what was
 * checked.  Always takes every byte of src.
 */
static enum bufferevent_filter_result
http_conn_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *arg)
{
	struct http_conn	*c = arg;
	struct http		*h = c->http;
	unsigned long long	 size;
	size_t			 n, avail;
	char			*line, why[160];
	int			 rc;

	if (h == NULL || http_conn_fd(c) == -1)
		return BEV_ERROR;
	while ((avail = evbuffer_get_length(src)) > 0) {
		switch (c->state) {
		case HTTP_CONN_HEAD:
			if (evbuffer_get_length(c->line) == 0) {
				/* Empty lines before a request are ignored
				 * (RFC 9112 section 2.2). */
				unsigned char	*p = evbuffer_pullup(src, 1);

				if (p != NULL && (*p == '\r' || *p == '\n')) {
					evbuffer_drain(src, 1);
					continue;
				}
				http_conn_arm(c);
			}
			rc = http_conn_read_line(c, src, h->limits.max_headers,
			    &n);
			if (rc == -1) {
				http_conn_refuse(c, dst, 431, 0,
				    "header too large", "the request line and "
				    "header fields are over %zu bytes",
				    h->limits.max_headers);
				break;
			}
			if (rc == 1 && n == 0 && http_conn_head(c, dst) == -1)
				return BEV_ERROR;
			break;
		case HTTP_CONN_BODY:
			n = avail < c->left ? avail : (size_t)c->left;
			if (evbuffer_remove_buffer(src, dst, n) != (int)n)
				return BEV_ERROR;
			if ((c->left -= n) == 0)
				http_conn_done(c);
			break;
		case HTTP_CONN_CHUNK_SIZE:
			rc = http_conn_read_line(c, src, HTTP_CHUNK_LINE_MAX,
			    &n);
			if (rc == 0)
				break;
			line = rc == 1 ? (char *)evbuffer_pullup(c->line, -1) :
			    NULL;
			if (line == NULL || http_chunk_line(line, n, &size) ==
			    -1) {
				http_conn_refuse(c, dst, 400, 0,
				    "malformed request", "a chunk-size line is "
				    "not a hexadecimal size and extensions");
				break;
			}
			evbuffer_drain(c->line, evbuffer_get_length(c->line));
			if (size > c->max || c->size + size > c->max) {
				http_conn_refuse(c, dst, c->too_large, 1,
				    "too large", "the chunked body is over the "
				    "limit here, %zu bytes", c->max);
				break;
			}
			c->left = size;
			c->state = size == 0 ? HTTP_CONN_TRAILER :
			    HTTP_CONN_CHUNK_DATA;
			break;
		case HTTP_CONN_CHUNK_DATA:
			n = avail < c->left ? avail : (size_t)c->left;
			if (evbuffer_remove_buffer(src, c->body, n) != (int)n)
				return BEV_ERROR;
			c->size += n;
			if ((c->left -= n) == 0)
				c->state = HTTP_CONN_CHUNK_END;
			break;
		case HTTP_CONN_CHUNK_END:
			rc = http_conn_read_line(c, src, 2, &n);
			if (rc == 0)
				break;
			if (rc == -1 || n != 0) {
				http_conn_refuse(c, dst, 400, 0,
				    "malformed request", "a chunk is longer "
				    "than its size says");
				break;
			}
			evbuffer_drain(c->line, evbuffer_get_length(c->line));
			c->state = HTTP_CONN_CHUNK_SIZE;
			break;
		case HTTP_CONN_TRAILER:
			rc = http_conn_read_line(c, src, h->limits.max_headers,
			    &n);
			if (rc == -1) {
				http_conn_refuse(c, dst, 431, 0,
				    "header too large", "the trailer fields "
				    "are over %zu bytes", h->limits.max_headers);
				break;
			}
			if (rc == 0 || n != 0)
				break;
			line = (char *)evbuffer_pullup(c->line, -1);
			rc = line == NULL ? 500 : http_trailer_parse(line,
			    evbuffer_get_length(c->line), why, sizeof why);
			if (rc != 0) {
				http_conn_refuse(c, dst, 400, 0,
				    "malformed request", "trailer: %s", why);
				break;
			}
			http_conn_chunked_done(c, dst);
			break;
		case HTTP_CONN_REFUSED:
		case HTTP_CONN_CLOSING:
			evbuffer_drain(src, avail);
			break;
		}
	}
	return BEV_OK;
}

/* evhttp_set_bevcb: every accepted connection gets its filter. */
static struct bufferevent *
http_conn_new(struct event_base *base, void *arg)
{
	struct http		*h = arg;
	struct http_conn	*c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		goto fail;
	c->fd = -1;
	if ((c->line = evbuffer_new()) == NULL ||
	    (c->timer = evtimer_new(base, http_conn_timer_cb, c)) == NULL ||
	    (c->kick = event_new(base, -1, 0, http_conn_kick_cb, c)) == NULL ||
	    (c->bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto fail;
	/* With BEV_OPT_CLOSE_ON_FREE the filter owns the socket's
	 * bufferevent (and evhttp does not close the socket itself); our own
	 * reference keeps it until the close is over (http_conn_released). */
	if ((c->filter = bufferevent_filter_new(c->bev, http_conn_filter,
	    http_conn_out, BEV_OPT_CLOSE_ON_FREE, http_conn_released,
	    c)) == NULL)
		goto fail;
	bufferevent_incref(c->bev);
	if (evbuffer_add_cb(bufferevent_get_output(c->filter),
	    http_conn_outbuf_cb, c) == NULL) {
		/* Too late to fall back: evhttp's first answer gets the kick
		 * from the output filter itself, once writing is on. */
		log_warnx("http: out of memory for a connection's callback");
	}
	c->http = h;
	TAILQ_INSERT_TAIL(&h->conns, c, entry);
	h->nconns++;
	metrics_set("replyd_http_connections", NULL, h->nconns);
	http_accept_update(h);
	return c->filter;
fail:
	/* evhttp falls back to a plain socket: no checks, but served. */
	log_warnx("http: out of memory for a connection's filter");
	if (c != NULL) {
		if (c->timer != NULL)
			event_free(c->timer);
		if (c->kick != NULL)
			event_free(c->kick);
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		if (c->line != NULL)
			evbuffer_free(c->line);
		free(c);
	}
	return NULL;
}

/* The connection a request arrived on (NULL without a filter). */
static struct http_conn *
http_conn_of(struct http *h, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	evutil_socket_t			 fd;

	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (fd = bufferevent_getfd(bev)) < 0 || (size_t)fd >= h->nbyfd ||
	    h->byfd[fd] == NULL || h->byfd[fd]->filter != bev)
		return NULL;
	return h->byfd[fd];
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
	TAILQ_INIT(&h->conns);
	if ((h->ev = evhttp_new(base)) == NULL ||
	    (h->accept_timer = evtimer_new(base, http_accept_timer_cb,
	    h)) == NULL) {
		if (h->ev != NULL)
			evhttp_free(h->ev);
		free(h);
		return NULL;
	}
	evhttp_set_allowed_methods(h->ev, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(h->ev, http_dispatch, h);
	evhttp_set_bevcb(h->ev, http_conn_new, h);
	h->next_server = http_servers;
	http_servers = h;
	metrics_define("replyd_http_requests_total", METRICS_COUNTER,
	    "HTTP requests answered, by status code.");
	metrics_define("replyd_http_connections", METRICS_GAUGE,
	    "HTTP connections open now (closing ones included).");
	metrics_define("replyd_http_connections_max", METRICS_GAUGE,
	    "The most HTTP connections held at once "
	    "(limits.max_connections, within the open-file limit).");
	metrics_define("replyd_http_accept_paused_total", METRICS_COUNTER,
	    "Times accepting paused: at the connection limit, or after "
	    "accept failed (out of file descriptors).");
	metrics_define("replyd_http_slow_requests_total", METRICS_COUNTER,
	    "Connections closed because a request was not complete within "
	    "limits.read_timeout.");
	metrics_set("replyd_http_connections", NULL, 0);
	http_apply_limits(h, 0);
	return h;
}

/* Change limits (configuration reload). */
void
http_set_limits(struct http *h, const struct http_limits *limits)
{
	int	changed = limits->max_connections !=
		    h->limits.max_connections;

	h->limits = *limits;
	http_apply_limits(h, !changed);
}

/* Free the server, its routes and its connections. */
void
http_free(struct http *h)
{
	struct http_route	*r, *next;
	struct http_conn	*c;
	struct http		**hp;

	if (h == NULL)
		return;
	for (hp = &http_servers; *hp != NULL; hp = &(*hp)->next_server)
		if (*hp == h) {
			*hp = h->next_server;
			break;
		}
	/* Frees each connection's filter; their sockets are still ours. */
	evhttp_free(h->ev);
	while ((c = TAILQ_FIRST(&h->conns)) != NULL) {
		TAILQ_REMOVE(&h->conns, c, entry);
		c->http = NULL;
		/* A filter still being finalized frees the rest itself. */
		if (c->filter == NULL)
			http_conn_free(c);
	}
	event_free(h->accept_timer);
	for (r = h->routes; r != NULL; r = next) {
		next = r->next;
		free(r->pattern);
		free(r);
	}
	free(h->byfd);
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
	h->listener = evhttp_bound_socket_get_listener(h->sock);
	h->accepting = 1;
	evconnlistener_set_error_cb(h->listener, http_accept_error);
	http_accept_update(h);
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
		h->listener = NULL;
		evtimer_del(h->accept_timer);
	}
}

/* Requests being handled. */
int
http_inflight(const struct http *h)
{
	return h->inflight;
}

/* Connections open now. */
int
http_connections(const struct http *h)
{
	return h->nconns;
}

/* The most connections held at once. */
int
http_max_connections(const struct http *h)
{
	return h->max_conns;
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
	http_apply_limits(h, 1);
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

/* Every request: answer a refusal, or find the route and call it. */
static void
http_dispatch(struct evhttp_request *req, void *arg)
{
	struct http		*h = arg;
	struct http_route	*r;
	struct http_req		*hr;
	struct http_conn	*c;
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
	/* The filter refused this request before its body (if any). */
	if ((c = http_conn_of(h, req)) != NULL &&
	    ++c->dispatched == c->verdict_seq) {
		http_add_header(hr, "Connection", "close");
		if (c->verdict_too_large)
			metrics_inc("replyd_webhook_rejections_total",
			    "reason=\"too_large\"");
		http_error(hr, c->verdict_code, c->verdict_error, "%s",
		    c->verdict_detail);
		return;
	}
	path = hr->uri ? evhttp_uri_get_path(hr->uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	/* The filter checked the limit already; this is a backstop for a
	 * connection without one, and for a reload in between.  A limited
	 * route that declines the path is passed over (http_route_find). */
	for (r = h->routes; r != NULL; r = r->next) {
		if (http_match(r->pattern, path, hr) == -1) {
			http_clear_params(hr);
			continue;
		}
		max = r->max_body ? r->max_body : h->limits.max_body;
		too_large = r->too_large;
		if (r->limit != NULL && r->limit(path, hr->ctx, &max,
		    &too_large) == -1) {
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
