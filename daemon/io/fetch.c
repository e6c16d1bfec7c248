/*
 * fetch.c: see fetch.h.  As in curl's hiperfifo.c, libcurl tells us through
 * its socket callback which sockets to watch and through its timer callback
 * when to wake it; libevent does the waiting, and each wake-up is handed
 * back with curl_multi_socket_action, after which finished transfers are
 * collected with curl_multi_info_read and found again by CURLINFO_PRIVATE.
 *
 * Every check that can refuse a request runs before the transfer is added
 * to the multi handle, so a refused request returns -1 and never calls
 * back, and an accepted one is always answered later from the loop.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "io/fetch.h"
#include "base/log.h"

#define FETCH_USER_AGENT	"replyd"
#define FETCH_HTTP_PROTOCOLS	"http,https"
#define FETCH_SMTP_PROTOCOLS	"smtp,smtps"
/*
 * A cached SMTP connection is reused only within this many seconds of its
 * last use, and never once this old: servers close idle sessions (RFC
 * 5321 lets them after 5 minutes; many do much sooner), and a connection
 * they closed fails the next email.
 */
#define FETCH_SMTP_MAX_IDLE_S	30
#define FETCH_SMTP_MAX_AGE_S	300

/* One socket libcurl asked us to watch. */
struct fetch_sock {
	struct fetch		*fetch;
	curl_socket_t		 fd;
	struct event		*ev;
	LIST_ENTRY(fetch_sock)	 entry;
};

/* One accepted transfer and everything it owns. */
struct fetch_xfer {
	struct fetch		*fetch;
	CURL			*easy;
	int			 smtp;
	char			*label;		/* "POST https://host:443" */
	struct curl_slist	*headers;
	struct curl_slist	*rcpt;
	char			*upload;	/* request body or message */
	size_t			 upload_len;
	size_t			 upload_off;
	char			*body;		/* response, NUL-terminated */
	size_t			 body_len;
	size_t			 body_size;
	size_t			 body_max;	/* kept at most */
	int			 refuse_big;	/* fail rather than cut */
	int			 too_big;
	int			 retry_after;
	int			 setopt_failed;
	int			 fresh;		/* retried on a new connection */
	struct timespec		 start;
	char			 errbuf[CURL_ERROR_SIZE];
	replyd_http_done	 done;
	void			*arg;
	LIST_ENTRY(fetch_xfer)	 entry;
};

struct fetch {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	char			*ca_file;
	LIST_HEAD(, fetch_xfer)	 xfers;
	LIST_HEAD(, fetch_sock)	 socks;
	curl_socket_t		*fds;		/* every socket libcurl holds */
	size_t			 nfds;
	size_t			 fdsize;
	int			 inflight;
	int			 closing;
};

static int	fetch_curl_ready;

/* Set one easy option, remembering (and logging) the first failure. */
#define FETCH_SETOPT(x, opt, val)					\
	fetch_setopt_result((x), #opt,					\
	    curl_easy_setopt((x)->easy, (opt), (val)))

/* Record the result of one curl_easy_setopt. */
static void
fetch_setopt_result(struct fetch_xfer *x, const char *name, CURLcode rc)
{
	if (rc == CURLE_OK || x->setopt_failed)
		return;
	log_warnx("fetch: curl_easy_setopt %s: %s", name,
	    curl_easy_strerror(rc));
	x->setopt_failed = 1;
}

/* Milliseconds elapsed since start. */
static long long
fetch_elapsed_ms(const struct timespec *start)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Stop watching one socket and free it. */
static void
fetch_sock_free(struct fetch_sock *fs)
{
	LIST_REMOVE(fs, entry);
	event_free(fs->ev);
	free(fs);
}

/*
 * libcurl opens and closes its sockets through us, so we know every one it
 * holds, idle cached connections included.  At shutdown they are shut down
 * before curl_multi_cleanup: closing a cached SMTP connection says QUIT and
 * waits for the answer, and a server that never answers must not hold
 * replyd's exit.
 */
static curl_socket_t
fetch_open_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct fetch	*f = arg;
	curl_socket_t	*n, s;
	size_t		 size;

	if (f->nfds == f->fdsize) {
		size = f->fdsize ? f->fdsize * 2 : 16;
		if ((n = reallocarray(f->fds, size, sizeof *n)) == NULL)
			return CURL_SOCKET_BAD;
		f->fds = n;
		f->fdsize = size;
	}
	s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (s != CURL_SOCKET_BAD)
		f->fds[f->nfds++] = s;
	return s;
}

static int
fetch_close_cb(void *arg, curl_socket_t s)
{
	struct fetch	*f = arg;
	size_t		 i;

	for (i = 0; i < f->nfds; i++)
		if (f->fds[i] == s) {
			f->fds[i] = f->fds[--f->nfds];
			break;
		}
	return close(s);
}

/* Free a transfer that is no longer in the multi handle. */
static void
fetch_xfer_free(struct fetch_xfer *x)
{
	if (x == NULL)
		return;
	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->rcpt);
	free(x->label);
	free(x->upload);
	free(x->body);
	free(x);
}

/* The error text for a failed transfer. */
static const char *
fetch_error_text(struct fetch_xfer *x, CURLcode rc)
{
	size_t	n;

	if (rc == CURLE_OPERATION_TIMEDOUT)
		return "timeout";
	n = strlen(x->errbuf);
	while (n > 0 && isspace((unsigned char)x->errbuf[n - 1]))
		x->errbuf[--n] = '\0';
	if (n > 0)
		return x->errbuf;
	return curl_easy_strerror(rc);
}

/*
 * Answer a transfer: take it out of the multi handle, call its callback
 * once, then free it.  why, when set, is the error regardless of rc.
 */
static void
fetch_finish(struct fetch_xfer *x, CURLcode rc, const char *why)
{
	struct fetch			*f = x->fetch;
	struct replyd_http_response	 resp;
	CURLMcode			 mc;
	CURLcode			 ic;
	long				 code = 0;

	memset(&resp, 0, sizeof resp);
	resp.size = sizeof resp;
	resp.body = x->body != NULL ? x->body : "";
	resp.body_len = x->body_len;
	resp.retry_after = x->retry_after;
	if ((ic = curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE,
	    &code)) != CURLE_OK) {
		log_warnx("fetch: %s: CURLINFO_RESPONSE_CODE: %s", x->label,
		    curl_easy_strerror(ic));
		code = 0;
	}
	if (why == NULL && x->too_big)
		why = "the response is larger than the limit";
	if (why != NULL)
		resp.error = why;
	else if (rc == CURLE_OK) {
		resp.status = (int)code;
		if (code == 0)
			resp.error = "no response";
	} else {
		resp.error = fetch_error_text(x, rc);
		/*
		 * SMTP: a refusal code (4xx/5xx, e.g. a rejected recipient)
		 * tells the plugin whether to retry; an earlier success code
		 * such as EHLO's 250 would only mislead.
		 */
		if (x->smtp && code >= 400)
			resp.status = (int)code;
	}
	if (resp.error != NULL)
		resp.retry_after = -1;

	LIST_REMOVE(x, entry);
	f->inflight--;
	if ((mc = curl_multi_remove_handle(f->multi, x->easy)) != CURLM_OK)
		log_warnx("fetch: curl_multi_remove_handle: %s",
		    curl_multi_strerror(mc));

	log_debug("fetch: %s -> %d%s%s (%lld ms, %zu bytes)", x->label,
	    resp.status, resp.error != NULL ? ", " : "",
	    resp.error != NULL ? resp.error : "", fetch_elapsed_ms(&x->start),
	    resp.body_len);
	x->done(x->arg, &resp);
	fetch_xfer_free(x);
}

/*
 * An email that failed on a cached connection before the server answered
 * anything in this transfer: the server had closed the connection while it
 * sat idle (at TLS level it says close_notify, which libcurl's check of a
 * cached connection does not notice).  No command of this transfer was
 * accepted, so nothing was sent: send it again, once, on a new connection,
 * rather than answer a failed attempt.  0 when restarted.
 */
static int
fetch_retry_fresh(struct fetch_xfer *x, CURLcode rc)
{
	struct fetch	*f = x->fetch;
	CURLMcode	 mc;
	long		 code = -1, connects = -1;

	if (!x->smtp || x->fresh || f->closing)
		return -1;
	if (rc != CURLE_SEND_ERROR && rc != CURLE_RECV_ERROR &&
	    rc != CURLE_GOT_NOTHING)
		return -1;
	/* No new connection: this transfer ran on a cached one. */
	if (curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS,
	    &connects) != CURLE_OK || connects != 0)
		return -1;
	if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE,
	    &code) != CURLE_OK || code != 0)
		return -1;
	if ((mc = curl_multi_remove_handle(f->multi, x->easy)) != CURLM_OK) {
		log_warnx("fetch: curl_multi_remove_handle: %s",
		    curl_multi_strerror(mc));
		return -1;
	}
	x->fresh = 1;
	x->upload_off = 0;
	x->body_len = 0;
	if (x->body != NULL)
		x->body[0] = '\0';
	x->errbuf[0] = '\0';
	x->retry_after = -1;
	FETCH_SETOPT(x, CURLOPT_FRESH_CONNECT, 1L);
	if (x->setopt_failed ||
	    (mc = curl_multi_add_handle(f->multi, x->easy)) != CURLM_OK) {
		log_warnx("fetch: %s: cannot start again on a new connection",
		    x->label);
		return -1;
	}
	log_info("fetch: %s: the server had closed the cached connection "
	    "(%s); sending on a new one", x->label, curl_easy_strerror(rc));
	return 0;
}

/* Collect every finished transfer and answer it. */
static void
fetch_check_done(struct fetch *f)
{
	CURLMsg			*msg;
	CURL			*easy;
	CURLcode		 rc, ic;
	CURLMcode		 mc;
	struct fetch_xfer	*x;
	char			*priv;
	int			 left;

	while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		/* msg does not survive curl_multi_remove_handle. */
		easy = msg->easy_handle;
		rc = msg->data.result;
		priv = NULL;
		if ((ic = curl_easy_getinfo(easy, CURLINFO_PRIVATE,
		    &priv)) != CURLE_OK || priv == NULL) {
			log_warnx("fetch: finished transfer without its "
			    "state: %s", curl_easy_strerror(ic));
			if ((mc = curl_multi_remove_handle(f->multi,
			    easy)) != CURLM_OK)
				log_warnx("fetch: curl_multi_remove_handle: %s",
				    curl_multi_strerror(mc));
			continue;
		}
		x = (struct fetch_xfer *)priv;
		if (fetch_retry_fresh(x, rc) == 0)
			continue;
		fetch_finish(x, rc, NULL);
	}
}

/* A watched socket is ready: tell libcurl, then collect what finished. */
static void
fetch_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fetch_sock	*fs = arg;
	struct fetch		*f = fs->fetch;	/* fs may go in socket_action */
	CURLMcode		 mc;
	int			 action = 0, running;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	mc = curl_multi_socket_action(f->multi, fd, action, &running);
	if (mc != CURLM_OK)
		log_warnx("fetch: curl_multi_socket_action: %s",
		    curl_multi_strerror(mc));
	fetch_check_done(f);
}

/* libcurl's timeout expired: tell libcurl, then collect what finished. */
static void
fetch_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fetch	*f = arg;
	CURLMcode	 mc;
	int		 running;

	mc = curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	if (mc != CURLM_OK)
		log_warnx("fetch: curl_multi_socket_action: %s",
		    curl_multi_strerror(mc));
	fetch_check_done(f);
}

/* CURLMOPT_TIMERFUNCTION: arm or cancel our timer, never calling libcurl. */
static int
fetch_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct fetch	*f = userp;
	struct timeval	 tv;

	if (timeout_ms < 0) {
		if (evtimer_del(f->timer) == -1) {
			log_warnx("fetch: cannot cancel the curl timer");
			return -1;
		}
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (evtimer_add(f->timer, &tv) == -1) {
		log_warnx("fetch: cannot arm the curl timer");
		return -1;
	}
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: add, change or remove one socket's event. */
static int
fetch_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
    void *socketp)
{
	struct fetch		*f = userp;
	struct fetch_sock	*fs = socketp;
	CURLMcode		 mc;
	short			 kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (fs != NULL)
			fetch_sock_free(fs);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;

	if (fs == NULL) {
		if ((fs = calloc(1, sizeof *fs)) == NULL) {
			log_warn("fetch: calloc");
			return -1;
		}
		fs->fetch = f;
		fs->fd = s;
		if ((fs->ev = event_new(f->base, s, kind, fetch_event_cb,
		    fs)) == NULL) {
			log_warnx("fetch: cannot create a socket event");
			free(fs);
			return -1;
		}
		LIST_INSERT_HEAD(&f->socks, fs, entry);
		if ((mc = curl_multi_assign(f->multi, s, fs)) != CURLM_OK) {
			log_warnx("fetch: curl_multi_assign: %s",
			    curl_multi_strerror(mc));
			fetch_sock_free(fs);
			return -1;
		}
	} else {
		if (event_del(fs->ev) == -1 ||
		    event_assign(fs->ev, f->base, s, kind, fetch_event_cb,
		    fs) == -1) {
			log_warnx("fetch: cannot change a socket event");
			return -1;
		}
	}
	if ((kind & (EV_READ | EV_WRITE)) != 0 &&
	    event_add(fs->ev, NULL) == -1) {
		log_warnx("fetch: cannot watch a socket");
		return -1;
	}
	return 0;
}

/* CURLOPT_WRITEFUNCTION: keep the first body_max bytes (or, when a
 * larger body must be refused, fail the transfer). */
static size_t
fetch_write_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct fetch_xfer	*x = arg;
	size_t			 len = size * n, take, want;
	char			*p;

	if (x->refuse_big && len > x->body_max - x->body_len) {
		x->too_big = 1;
		return 0;	/* libcurl fails the transfer */
	}
	take = x->body_max - x->body_len;
	if (take > len)
		take = len;
	if (take == 0)
		return len;
	if (x->body_len + take + 1 > x->body_size) {
		want = x->body_size == 0 ? 4096 : x->body_size * 2;
		while (want < x->body_len + take + 1)
			want *= 2;
		if (want > x->body_max + 1)
			want = x->body_max + 1;
		if ((p = realloc(x->body, want)) == NULL)
			return 0;	/* libcurl fails the transfer */
		x->body = p;
		x->body_size = want;
	}
	memcpy(x->body + x->body_len, buf, take);
	x->body_len += take;
	x->body[x->body_len] = '\0';
	return len;
}

/* CURLOPT_READFUNCTION: hand out the copied body or message. */
static size_t
fetch_read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct fetch_xfer	*x = arg;
	size_t			 take = size * n;

	if (take > x->upload_len - x->upload_off)
		take = x->upload_len - x->upload_off;
	memcpy(buf, x->upload + x->upload_off, take);
	x->upload_off += take;
	return take;
}

/*
 * A Retry-After value as seconds from now: delta-seconds, or an HTTP-date;
 * -1 when it is neither.
 */
static int
fetch_retry_after(const char *s, size_t len)
{
	char		 buf[128];
	const char	*p;
	long long	 v = 0;
	time_t		 when, now;

	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';

	for (p = buf; isdigit((unsigned char)*p); p++)
		if (v < INT_MAX)
			v = v * 10 + (*p - '0');
	if (*p == '\0')
		return v > INT_MAX ? INT_MAX : (int)v;

	if ((when = curl_getdate(buf, NULL)) == -1)
		return -1;
	now = time(NULL);
	if (when <= now)
		return 0;
	if (when - now > INT_MAX)
		return INT_MAX;
	return (int)(when - now);
}

/* CURLOPT_HEADERFUNCTION: note Retry-After of the final response. */
static size_t
fetch_header_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct fetch_xfer	*x = arg;
	size_t			 len = size * n;
	static const char	 name[] = "Retry-After:";

	/* A new status line (after a 100 Continue, say) starts afresh. */
	if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0)
		x->retry_after = -1;
	else if (len >= sizeof name - 1 &&
	    strncasecmp(buf, name, sizeof name - 1) == 0)
		x->retry_after = fetch_retry_after(buf + sizeof name - 1,
		    len - (sizeof name - 1));
	return len;
}

/*
 * Check a URL's scheme against the allowed pair and make the log label
 * ("METHOD scheme://host:port", nothing from the path or credentials).
 */
static int
fetch_url_check(const char *url, const char *s1, const char *s2,
    const char *verb, char **label)
{
	CURLU		*u;
	CURLUcode	 uc;
	char		*scheme = NULL, *host = NULL, *port = NULL;
	int		 rv = -1;

	*label = NULL;
	if (url == NULL) {
		log_warnx("fetch: refused %s: no URL", verb);
		return -1;
	}
	if ((u = curl_url()) == NULL) {
		log_warnx("fetch: curl_url: out of memory");
		return -1;
	}
	if ((uc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK ||
	    (uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0)) != CURLUE_OK) {
		log_warnx("fetch: refused %s: bad URL: %s", verb,
		    curl_url_strerror(uc));
		goto out;
	}
	if (strcasecmp(scheme, s1) != 0 && strcasecmp(scheme, s2) != 0) {
		log_warnx("fetch: refused %s: scheme %s is not %s or %s", verb,
		    scheme, s1, s2);
		goto out;
	}
	if ((uc = curl_url_get(u, CURLUPART_HOST, &host, 0)) != CURLUE_OK ||
	    (uc = curl_url_get(u, CURLUPART_PORT, &port,
	    CURLU_DEFAULT_PORT)) != CURLUE_OK) {
		log_warnx("fetch: refused %s: bad URL: %s", verb,
		    curl_url_strerror(uc));
		goto out;
	}
	if (asprintf(label, "%s %s://%s:%s", verb, scheme, host, port) == -1) {
		*label = NULL;
		log_warn("fetch: asprintf");
		goto out;
	}
	rv = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rv;
}

/*
 * A transfer with the options every transfer shares; NULL (logged) if the
 * request must be refused.
 */
static struct fetch_xfer *
fetch_xfer_new(struct fetch *f, const char *url, int smtp,
    const char *verb, int timeout_ms, const char *ca_file,
    replyd_http_done done, void *arg)
{
	struct fetch_xfer	*x;
	char			*label;

	if (f->closing) {
		log_warnx("fetch: refused %s: shutting down", verb);
		return NULL;
	}
	if (done == NULL) {
		log_warnx("fetch: refused %s: no callback", verb);
		return NULL;
	}
	if (timeout_ms < 0) {
		log_warnx("fetch: refused %s: negative timeout", verb);
		return NULL;
	}
	if (timeout_ms == 0)
		timeout_ms = FETCH_TIMEOUT_MS;
	if (smtp) {
		if (fetch_url_check(url, "smtp", "smtps", verb, &label) == -1)
			return NULL;
	} else if (fetch_url_check(url, "http", "https", verb, &label) == -1)
		return NULL;

	if ((x = calloc(1, sizeof *x)) == NULL) {
		log_warn("fetch: calloc");
		free(label);
		return NULL;
	}
	x->fetch = f;
	x->smtp = smtp;
	x->label = label;
	x->body_max = FETCH_BODY_MAX;
	x->retry_after = -1;
	x->done = done;
	x->arg = arg;
	if ((x->easy = curl_easy_init()) == NULL) {
		log_warnx("fetch: curl_easy_init failed");
		fetch_xfer_free(x);
		return NULL;
	}
	FETCH_SETOPT(x, CURLOPT_PRIVATE, (void *)x);
	FETCH_SETOPT(x, CURLOPT_ERRORBUFFER, x->errbuf);
	FETCH_SETOPT(x, CURLOPT_NOSIGNAL, 1L);
	FETCH_SETOPT(x, CURLOPT_OPENSOCKETFUNCTION, fetch_open_cb);
	FETCH_SETOPT(x, CURLOPT_OPENSOCKETDATA, (void *)f);
	FETCH_SETOPT(x, CURLOPT_CLOSESOCKETFUNCTION, fetch_close_cb);
	FETCH_SETOPT(x, CURLOPT_CLOSESOCKETDATA, (void *)f);
	FETCH_SETOPT(x, CURLOPT_URL, url);
	FETCH_SETOPT(x, CURLOPT_PROTOCOLS_STR,
	    smtp ? FETCH_SMTP_PROTOCOLS : FETCH_HTTP_PROTOCOLS);
	FETCH_SETOPT(x, CURLOPT_FOLLOWLOCATION, 0L);
	FETCH_SETOPT(x, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	FETCH_SETOPT(x, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	/* 2 is "verify the name"; 1 means the same since curl 7.66. */
	FETCH_SETOPT(x, CURLOPT_SSL_VERIFYPEER, 1L);
	FETCH_SETOPT(x, CURLOPT_SSL_VERIFYHOST, 2L);
	FETCH_SETOPT(x, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (ca_file != NULL)
		FETCH_SETOPT(x, CURLOPT_CAINFO, ca_file);
	FETCH_SETOPT(x, CURLOPT_USERAGENT, FETCH_USER_AGENT);
	FETCH_SETOPT(x, CURLOPT_WRITEFUNCTION, fetch_write_cb);
	FETCH_SETOPT(x, CURLOPT_WRITEDATA, (void *)x);
	if (x->setopt_failed) {
		fetch_xfer_free(x);
		return NULL;
	}
	return x;
}

/* Hand a fully set-up transfer to the multi handle; -1 frees it. */
static int
fetch_xfer_start(struct fetch_xfer *x)
{
	struct fetch	*f = x->fetch;
	CURLMcode	 mc;

	if (x->setopt_failed) {
		log_warnx("fetch: refused %s: cannot set up the transfer",
		    x->label);
		fetch_xfer_free(x);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &x->start);
	/* Only arms our timer: the transfer starts from the loop. */
	if ((mc = curl_multi_add_handle(f->multi, x->easy)) != CURLM_OK) {
		log_warnx("fetch: refused %s: curl_multi_add_handle: %s",
		    x->label, curl_multi_strerror(mc));
		fetch_xfer_free(x);
		return -1;
	}
	LIST_INSERT_HEAD(&f->xfers, x, entry);
	f->inflight++;
	return 0;
}

/* Copy len bytes (which may be NULL when len is 0) into x's upload. */
static int
fetch_xfer_upload(struct fetch_xfer *x, const char *data, size_t len)
{
	if (data == NULL && len > 0) {
		log_warnx("fetch: refused %s: body length without body",
		    x->label);
		return -1;
	}
	if ((x->upload = malloc(len + 1)) == NULL) {
		log_warn("fetch: malloc");
		return -1;
	}
	if (len > 0)
		memcpy(x->upload, data, len);
	x->upload[len] = '\0';
	x->upload_len = len;
	return 0;
}

/* Whether name is an HTTP header name (an RFC 9110 token). */
static int
fetch_header_name_ok(const char *name)
{
	const char	*p;

	if (name == NULL || *name == '\0')
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) &&
		    strchr("!#$%&'*+-.^_`|~", *p) == NULL)
			return 0;
	return 1;
}

/* Whether s has no line breaks or other control characters but tab. */
static int
fetch_text_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((iscntrl((unsigned char)*s) && *s != '\t'))
			return 0;
	return 1;
}

/* Build the request's header list; -1 (logged) on a bad header. */
static int
fetch_xfer_headers(struct fetch_xfer *x, const struct replyd_http_request *req)
{
	struct curl_slist	*l;
	const char		*name, *value;
	char			*line;
	size_t			 i;
	int			 n;

	if (req->nheaders > 0 && req->headers == NULL) {
		log_warnx("fetch: refused %s: header count without headers",
		    x->label);
		return -1;
	}
	/* No "Expect: 100-continue" round trip for our small bodies. */
	if ((l = curl_slist_append(x->headers, "Expect:")) == NULL)
		goto nomem;
	x->headers = l;
	for (i = 0; i < req->nheaders; i++) {
		name = req->headers[i].name;
		value = req->headers[i].value != NULL ?
		    req->headers[i].value : "";
		if (!fetch_header_name_ok(name) || !fetch_text_ok(value)) {
			log_warnx("fetch: refused %s: bad header %zu", x->label,
			    i);
			return -1;
		}
		/* "Name;" is how libcurl sends a header with no value. */
		if (*value == '\0')
			n = asprintf(&line, "%s;", name);
		else
			n = asprintf(&line, "%s: %s", name, value);
		if (n == -1)
			goto nomem;
		l = curl_slist_append(x->headers, line);
		free(line);
		if (l == NULL)
			goto nomem;
		x->headers = l;
	}
	FETCH_SETOPT(x, CURLOPT_HTTPHEADER, x->headers);
	return 0;
nomem:
	log_warnx("fetch: refused %s: out of memory", x->label);
	return -1;
}

/* Whether we send this method. */
static int
fetch_method_ok(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0 ||
	    strcmp(method, "DELETE") == 0;
}

/* Set the method (one fetch_method_ok allows) and the body. */
static int
fetch_xfer_method(struct fetch_xfer *x, const char *method,
    const struct replyd_http_request *req)
{
	if (strcmp(method, "GET") == 0) {
		if (req->body_len > 0) {
			log_warnx("fetch: refused %s: GET with a body",
			    x->label);
			return -1;
		}
		FETCH_SETOPT(x, CURLOPT_HTTPGET, 1L);
		return 0;
	}
	if (strcmp(method, "POST") != 0)
		FETCH_SETOPT(x, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "DELETE") == 0 && req->body_len == 0)
		return 0;
	if (fetch_xfer_upload(x, req->body, req->body_len) == -1)
		return -1;
	FETCH_SETOPT(x, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->upload_len);
	FETCH_SETOPT(x, CURLOPT_POSTFIELDS, x->upload);
	return 0;
}

/* Start an HTTP(S) request; see fetch.h. */
int
fetch_http(struct fetch *f, const struct replyd_http_request *req,
    replyd_http_done done, void *arg)
{
	return fetch_http_limit(f, req, 0, done, arg);
}

/* Start an HTTP(S) request whose response may be up to max_body bytes;
 * see fetch.h. */
int
fetch_http_limit(struct fetch *f, const struct replyd_http_request *req,
    size_t max_body, replyd_http_done done, void *arg)
{
	struct fetch_xfer	*x;
	const char		*method;

	if (f == NULL || req == NULL || req->size < sizeof *req) {
		log_warnx("fetch: refused a request: bad request struct");
		return -1;
	}
	method = req->method != NULL ? req->method : "POST";
	if (!fetch_method_ok(method)) {
		log_warnx("fetch: refused a request: method not supported");
		return -1;
	}
	if ((x = fetch_xfer_new(f, req->url, 0, method, req->timeout_ms,
	    f->ca_file, done, arg)) == NULL)
		return -1;
	if (max_body > 0) {
		x->body_max = max_body;
		x->refuse_big = 1;
	}
	if (fetch_xfer_method(x, method, req) == -1 ||
	    fetch_xfer_headers(x, req) == -1) {
		fetch_xfer_free(x);
		return -1;
	}
	FETCH_SETOPT(x, CURLOPT_HEADERFUNCTION, fetch_header_cb);
	FETCH_SETOPT(x, CURLOPT_HEADERDATA, (void *)x);
	if (req->basic_user != NULL) {
		FETCH_SETOPT(x, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		FETCH_SETOPT(x, CURLOPT_USERNAME, req->basic_user);
		FETCH_SETOPT(x, CURLOPT_PASSWORD, req->basic_password != NULL ?
		    req->basic_password : "");
	}
	return fetch_xfer_start(x);
}

/* Whether an address can go into MAIL FROM or RCPT TO as it is. */
static int
fetch_address_ok(const char *addr)
{
	const char	*p;

	if (addr == NULL || *addr == '\0')
		return 0;
	for (p = addr; *p != '\0'; p++)
		if (iscntrl((unsigned char)*p) || isspace((unsigned char)*p) ||
		    *p == '<' || *p == '>')
			return 0;
	return strchr(addr, '@') != NULL;
}

/* Send one email through SMTP with TLS required; see fetch.h. */
int
fetch_smtp(struct fetch *f, const struct replyd_smtp_request *req,
    replyd_http_done done, void *arg)
{
	struct fetch_xfer	*x;
	struct curl_slist	*l;

	if (f == NULL || req == NULL || req->size < sizeof *req) {
		log_warnx("fetch: refused an email: bad request struct");
		return -1;
	}
	if ((x = fetch_xfer_new(f, req->url, 1, "SMTP", req->timeout_ms,
	    req->ca_file != NULL ? req->ca_file : f->ca_file, done,
	    arg)) == NULL)
		return -1;
	if (!fetch_address_ok(req->from) || !fetch_address_ok(req->to)) {
		log_warnx("fetch: refused %s: bad sender or recipient address",
		    x->label);
		goto fail;
	}
	if (req->message == NULL || req->message_len == 0) {
		log_warnx("fetch: refused %s: no message", x->label);
		goto fail;
	}
	if (fetch_xfer_upload(x, req->message, req->message_len) == -1)
		goto fail;
	if ((l = curl_slist_append(NULL, req->to)) == NULL) {
		log_warnx("fetch: refused %s: out of memory", x->label);
		goto fail;
	}
	x->rcpt = l;
	/* TLS or nothing: implicit for smtps://, STARTTLS for smtp://. */
	FETCH_SETOPT(x, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	FETCH_SETOPT(x, CURLOPT_MAXAGE_CONN, (long)FETCH_SMTP_MAX_IDLE_S);
	FETCH_SETOPT(x, CURLOPT_MAXLIFETIME_CONN, (long)FETCH_SMTP_MAX_AGE_S);
	FETCH_SETOPT(x, CURLOPT_MAIL_FROM, req->from);
	FETCH_SETOPT(x, CURLOPT_MAIL_RCPT, x->rcpt);
	FETCH_SETOPT(x, CURLOPT_UPLOAD, 1L);
	FETCH_SETOPT(x, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->upload_len);
	FETCH_SETOPT(x, CURLOPT_READFUNCTION, fetch_read_cb);
	FETCH_SETOPT(x, CURLOPT_READDATA, (void *)x);
	if (req->user != NULL) {
		FETCH_SETOPT(x, CURLOPT_USERNAME, req->user);
		FETCH_SETOPT(x, CURLOPT_PASSWORD, req->password != NULL ?
		    req->password : "");
	}
	return fetch_xfer_start(x);
fail:
	fetch_xfer_free(x);
	return -1;
}

/* Transfers accepted and not yet answered. */
int
fetch_inflight(const struct fetch *f)
{
	return f != NULL ? f->inflight : 0;
}

/* Verify later transfers with the CA bundle at path (NULL: the system's). */
void
fetch_set_ca_file(struct fetch *f, const char *path)
{
	char	*copy = NULL;

	if (path != NULL && (copy = strdup(path)) == NULL) {
		log_warn("fetch: strdup");
		return;
	}
	free(f->ca_file);
	f->ca_file = copy;
}

/* Create the multi handle and hook it to base. */
struct fetch *
fetch_new(struct event_base *base)
{
	struct fetch	*f;
	CURLcode	 rc;
	CURLMcode	 mc;

	if (!fetch_curl_ready) {
		if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
			log_warnx("fetch: curl_global_init: %s",
			    curl_easy_strerror(rc));
			return NULL;
		}
		fetch_curl_ready = 1;
	}
	if ((f = calloc(1, sizeof *f)) == NULL) {
		log_warn("fetch: calloc");
		return NULL;
	}
	f->base = base;
	LIST_INIT(&f->xfers);
	LIST_INIT(&f->socks);
	if ((f->timer = evtimer_new(base, fetch_timeout_cb, f)) == NULL) {
		log_warnx("fetch: cannot create the curl timer");
		free(f);
		return NULL;
	}
	if ((f->multi = curl_multi_init()) == NULL) {
		log_warnx("fetch: curl_multi_init failed");
		event_free(f->timer);
		free(f);
		return NULL;
	}
	if ((mc = curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION,
	    fetch_socket_cb)) != CURLM_OK ||
	    (mc = curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA,
	    (void *)f)) != CURLM_OK ||
	    (mc = curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION,
	    fetch_timer_cb)) != CURLM_OK ||
	    (mc = curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA,
	    (void *)f)) != CURLM_OK) {
		log_warnx("fetch: curl_multi_setopt: %s",
		    curl_multi_strerror(mc));
		fetch_free(f);
		return NULL;
	}
	return f;
}

/* Answer every pending transfer with "shutting down", then free all. */
void
fetch_free(struct fetch *f)
{
	struct fetch_xfer	*x;
	struct fetch_sock	*fs;
	CURLMcode		 mc;
	size_t			 i;

	if (f == NULL)
		return;
	/* Callbacks below may try to start transfers: refuse them. */
	f->closing = 1;
	while ((x = LIST_FIRST(&f->xfers)) != NULL)
		fetch_finish(x, CURLE_OK, "shutting down");
	/* Cached connections then close at once, whatever the server does. */
	for (i = 0; i < f->nfds; i++)
		shutdown(f->fds[i], SHUT_RDWR);
	if ((mc = curl_multi_cleanup(f->multi)) != CURLM_OK)
		log_warnx("fetch: curl_multi_cleanup: %s",
		    curl_multi_strerror(mc));
	/* Sockets libcurl closed without telling us. */
	while ((fs = LIST_FIRST(&f->socks)) != NULL)
		fetch_sock_free(fs);
	event_free(f->timer);
	free(f->fds);
	free(f->ca_file);
	free(f);
}
