/*
 * test-fetch.c: outbound HTTP and SMTP (fetch.h) through a real libcurl over
 * real loopback sockets.  A fake provider (evhttp) runs on the same event
 * base as the fetch module and checks each request the way a provider
 * would; fake SMTP and HTTPS servers run in forked children, with TLS from
 * libssl loaded by dlopen (the tests link only libcrypto) and a certificate
 * made at test time by the openssl command.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "check.h"
#include "io/fetch.h"

#define WAIT_LIMIT_MS	5000
#define FORM_TYPE	"application/x-www-form-urlencoded"
#define FORM_BODY	"To=%2B447700900001&Body=hello"
#define BASIC_AUTH	"Basic QUMxMjM6czNjcmV0"	/* AC123:s3cret */
#define CREATED_BODY	"{\"sid\":\"SM123\",\"status\":\"queued\"}"
#define BIG_BODY_LEN	(100 * 1000)
#define SMTP_USER	"replyd"
#define SMTP_PASSWORD	"m41l-pw"
#define MAIL_FROM	"replyd@example.org"
#define MAIL_TO		"duty@example.org"
#define MAIL_MESSAGE							\
	"From: " MAIL_FROM "\r\n"					\
	"To: " MAIL_TO "\r\n"						\
	"Subject: Overdue conversation\r\n"				\
	"\r\n"								\
	"Conversation c-1 is overdue.\r\n"				\
	".a line that starts with a dot\r\n"
#define MAX_ANSWERS	4

/* What one done callback was given. */
struct answer {
	int	 calls;
	uint32_t size;
	int	 status;
	char	*error;
	char	*body;
	size_t	 body_len;
	int	 retry_after;
	int	 inflight;	/* fetch_inflight() during the callback */
	int	 restart;	/* fetch_http() result inside the callback */
};

enum child_mode {
	CHILD_SMTP_NO_STARTTLS,
	CHILD_SMTP_STARTTLS,
	CHILD_SMTPS,
	CHILD_HTTPS
};

/* A forked fake server and the transcript it writes to a pipe. */
struct child {
	pid_t		 pid;
	int		 port;
	int		 fd;
	struct event	*ev;
	char		 text[8192];
	size_t		 len;
	int		 eof;
};

/* The child's end of its one connection. */
struct peer {
	int	 fd;
	SSL_CTX	*ctx;
	SSL	*ssl;
	char	 buf[8192];
	size_t	 len;
	int	 out;
};

/* The fake provider, the fetch module under test and their loop. */
static struct {
	struct event_base	*base;
	struct evhttp		*http;
	struct event		*tick;
	struct fetch		*fetch;
	int			 port;
	int			 requests;
	int			 hung;
	int			 in_fetch;
	int			 sync_calls;
	char			 method[16];
	char			 auth[128];
	char			 ctype[128];
	char			 agent[64];
	char			 body[256];
	struct child		 child;
	struct answer		 answers[MAX_ANSWERS];
	int			 nanswers;
} fk;

/* libssl, loaded by hand, and the test certificate. */
static struct {
	int		   tried;
	int		   ready;
	void		  *lib;
	const SSL_METHOD *(*server_method)(void);
	SSL_CTX		 *(*ctx_new)(const SSL_METHOD *);
	void		  (*ctx_free)(SSL_CTX *);
	int		  (*use_cert)(SSL_CTX *, const char *);
	int		  (*use_key)(SSL_CTX *, const char *, int);
	SSL		 *(*ssl_new)(SSL_CTX *);
	void		  (*ssl_free)(SSL *);
	int		  (*set_fd)(SSL *, int);
	int		  (*accept)(SSL *);
	int		  (*read)(SSL *, void *, int);
	int		  (*write)(SSL *, const void *, int);
	int		  (*shutdown)(SSL *);
	char		   dir[64];
	char		   cert[128];
	char		   key[128];
} tls;

/* Milliseconds since start. */
static long long
elapsed_ms(const struct timespec *start)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Keep the loop turning so EVLOOP_ONCE always comes back. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

/* Run the loop until *count reaches want; -1 after WAIT_LIMIT_MS. */
static int
run_until(const int *count, int want)
{
	struct timespec	start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (*count < want) {
		if (elapsed_ms(&start) > WAIT_LIMIT_MS)
			return -1;
		if (event_base_loop(fk.base, EVLOOP_ONCE) == -1)
			return -1;
	}
	return 0;
}

/* Run the loop for ms milliseconds. */
static void
run_for(int ms)
{
	struct timespec	start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (elapsed_ms(&start) < ms)
		event_base_loop(fk.base, EVLOOP_ONCE);
}

/* A fresh answer slot (slots outlive a failed test's stack frame). */
static struct answer *
answer_new(void)
{
	struct answer	*a;

	CHECK(fk.nanswers < MAX_ANSWERS);
	a = &fk.answers[fk.nanswers++];
	a->retry_after = -2;
	return a;
}

/* The done callback: copy the response into its answer slot. */
static void
answer_cb(void *arg, const struct replyd_http_response *resp)
{
	struct answer	*a = arg;

	if (fk.in_fetch)
		fk.sync_calls++;
	a->calls++;
	a->size = resp->size;
	a->status = resp->status;
	free(a->error);
	a->error = resp->error != NULL ? strdup(resp->error) : NULL;
	free(a->body);
	if ((a->body = malloc(resp->body_len + 1)) != NULL) {
		memcpy(a->body, resp->body, resp->body_len);
		a->body[resp->body_len] = '\0';
	}
	a->body_len = resp->body_len;
	a->retry_after = resp->retry_after;
	a->inflight = fetch_inflight(fk.fetch);
}

/* Stop a child server if it still runs and forget it. */
static void
child_stop(struct child *c)
{
	int	status;

	if (c->ev != NULL)
		event_free(c->ev);
	if (c->fd > 0)
		close(c->fd);
	if (c->pid > 0) {
		/* A child that closed its transcript is already leaving. */
		if (!c->eof)
			kill(c->pid, SIGKILL);
		waitpid(c->pid, &status, 0);
	}
	memset(c, 0, sizeof *c);
}

/* Free the fetch module, the fake provider, any child and the loop. */
static void
fake_stop(void)
{
	int	i;

	fetch_free(fk.fetch);
	fk.fetch = NULL;
	child_stop(&fk.child);
	if (fk.tick != NULL)
		event_free(fk.tick);
	if (fk.http != NULL)
		evhttp_free(fk.http);
	if (fk.base != NULL)
		event_base_free(fk.base);
	for (i = 0; i < MAX_ANSWERS; i++) {
		free(fk.answers[i].error);
		free(fk.answers[i].body);
	}
	memset(&fk, 0, sizeof fk);
}

/* Copy a header value (or "") into a fixed buffer. */
static void
copy_header(char *dst, size_t len, struct evkeyvalq *h, const char *name)
{
	const char	*v = evhttp_find_header(h, name);

	snprintf(dst, len, "%s", v != NULL ? v : "");
}

/* Answer a provider request with a status, one header and a body. */
static void
provider_reply(struct evhttp_request *req, int code, const char *hname,
    const char *hvalue, const char *body, size_t len)
{
	struct evbuffer	*buf = evbuffer_new();

	if (hname != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    hname, hvalue);
	if (buf != NULL && body != NULL)
		evbuffer_add(buf, body, len);
	evhttp_send_reply(req, code, "Fake", buf);
	if (buf != NULL)
		evbuffer_free(buf);
}

/*
 * The fake provider: refuse what a provider would refuse, record what came,
 * then answer by path.
 */
static void
provider_cb(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evbuffer		*buf = evhttp_request_get_input_buffer(req);
	const char		*path;
	char			 date[64], *big;
	size_t			 len;
	time_t			 t;
	struct tm		 tm;

	fk.requests++;
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	snprintf(fk.method, sizeof fk.method, "%s",
	    evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" :
	    evhttp_request_get_command(req) == EVHTTP_REQ_GET ? "GET" :
	    "other");
	copy_header(fk.auth, sizeof fk.auth, in, "Authorization");
	copy_header(fk.ctype, sizeof fk.ctype, in, "Content-Type");
	copy_header(fk.agent, sizeof fk.agent, in, "User-Agent");
	len = evbuffer_get_length(buf);
	if (len >= sizeof fk.body)
		len = sizeof fk.body - 1;
	evbuffer_copyout(buf, fk.body, len);
	fk.body[len] = '\0';

	if (path == NULL)
		path = "";
	if (strcmp(path, "/hang") == 0) {
		fk.hung++;
		return;		/* never answered */
	}
	if (strcmp(fk.method, "POST") != 0)
		provider_reply(req, 405, NULL, NULL, NULL, 0);
	else if (strcmp(fk.auth, BASIC_AUTH) != 0)
		provider_reply(req, 401, "WWW-Authenticate", "Basic", NULL, 0);
	else if (strcmp(fk.ctype, FORM_TYPE) != 0)
		provider_reply(req, 415, NULL, NULL, NULL, 0);
	else if (strcmp(fk.agent, "replyd") != 0)
		provider_reply(req, 403, NULL, NULL, NULL, 0);
	else if (strcmp(fk.body, FORM_BODY) != 0)
		provider_reply(req, 422, NULL, NULL, NULL, 0);
	else if (strcmp(path, "/created") == 0)
		provider_reply(req, 201, "Content-Type", "application/json",
		    CREATED_BODY, strlen(CREATED_BODY));
	else if (strcmp(path, "/bad") == 0)
		provider_reply(req, 400, NULL, NULL, "{\"code\":21211}", 14);
	else if (strcmp(path, "/busy") == 0)
		provider_reply(req, 429, "Retry-After", "7", NULL, 0);
	else if (strcmp(path, "/busy-until") == 0) {
		t = time(NULL) + 30;
		gmtime_r(&t, &tm);
		strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		provider_reply(req, 503, "Retry-After", date, NULL, 0);
	} else if (strcmp(path, "/broken") == 0)
		provider_reply(req, 500, NULL, NULL, NULL, 0);
	else if (strcmp(path, "/redirect") == 0)
		provider_reply(req, 302, "Location", "/created", NULL, 0);
	else if (strcmp(path, "/big") == 0) {
		if ((big = malloc(BIG_BODY_LEN)) == NULL) {
			provider_reply(req, 500, NULL, NULL, NULL, 0);
			return;
		}
		memset(big, 'x', BIG_BODY_LEN);
		provider_reply(req, 200, NULL, NULL, big, BIG_BODY_LEN);
		free(big);
	} else
		provider_reply(req, 404, NULL, NULL, NULL, 0);
}

/* A loop with the fake provider on 127.0.0.1 and a fetch module on it. */
static void
fake_start(void)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;
	struct timeval			 tv = { 0, 20 * 1000 };

	fake_stop();
	CHECK((fk.base = event_base_new()) != NULL);
	CHECK((fk.http = evhttp_new(fk.base)) != NULL);
	evhttp_set_gencb(fk.http, provider_cb, NULL);
	CHECK((bs = evhttp_bind_socket_with_handle(fk.http, "127.0.0.1",
	    0)) != NULL);
	CHECK(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len) == 0);
	fk.port = ntohs(sin.sin_port);
	CHECK((fk.tick = event_new(fk.base, -1, EV_PERSIST, tick_cb,
	    NULL)) != NULL);
	CHECK(event_add(fk.tick, &tv) == 0);
	CHECK((fk.fetch = fetch_new(fk.base)) != NULL);
}

/* The provider's standard request for path (url is the caller's buffer). */
static void
provider_request(struct replyd_http_request *r, char *url, size_t len,
    const char *path)
{
	static const struct replyd_header headers[] = {
		{ "Content-Type", FORM_TYPE },
		{ "Accept", "application/json" }
	};

	snprintf(url, len, "http://127.0.0.1:%d%s", fk.port, path);
	memset(r, 0, sizeof *r);
	r->size = sizeof *r;
	r->method = "POST";
	r->url = url;
	r->headers = headers;
	r->nheaders = 2;
	r->body = FORM_BODY;
	r->body_len = strlen(FORM_BODY);
	r->basic_user = "AC123";
	r->basic_password = "s3cret";
}

/* fetch_http, noting that we are inside it. */
static int
http_start(const struct replyd_http_request *r, struct answer *a)
{
	int	rv;

	fk.in_fetch = 1;
	rv = fetch_http(fk.fetch, r, answer_cb, a);
	fk.in_fetch = 0;
	return rv;
}

/* fetch_smtp, noting that we are inside it. */
static int
smtp_start(const struct replyd_smtp_request *r, struct answer *a)
{
	int	rv;

	fk.in_fetch = 1;
	rv = fetch_smtp(fk.fetch, r, answer_cb, a);
	fk.in_fetch = 0;
	return rv;
}

/* Send the provider's standard request to path and wait for the answer. */
static struct answer *
post(const char *path)
{
	struct replyd_http_request	 r;
	struct answer			*a = answer_new();
	char				 url[128];

	provider_request(&r, url, sizeof url, path);
	CHECK_INT(http_start(&r, a), 0);
	CHECK_INT(run_until(&a->calls, 1), 0);
	return a;
}

/* A loopback port with nothing listening on it. */
static int
closed_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd, port;

	CHECK((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* Make the test certificate with the openssl command; 0 on success. */
static int
tls_make_certificate(void)
{
	char	*argv[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048",
		    "-nodes", "-days", "1", "-subj", "/CN=localhost",
		    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
		    "-keyout", tls.key, "-out", tls.cert, NULL };
	pid_t	 pid;
	int	 status, null;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if ((null = open("/dev/null", O_WRONLY)) != -1) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Load libssl and make the certificate, once; 0 when TLS tests can run. */
static int
tls_setup(void)
{
	if (tls.tried)
		return tls.ready ? 0 : -1;
	tls.tried = 1;
	snprintf(tls.dir, sizeof tls.dir, "/tmp/test-fetch.XXXXXX");
	if (mkdtemp(tls.dir) == NULL)
		return -1;
	snprintf(tls.cert, sizeof tls.cert, "%s/cert.pem", tls.dir);
	snprintf(tls.key, sizeof tls.key, "%s/key.pem", tls.dir);
	if (tls_make_certificate() == -1) {
		printf("    cannot run openssl req (is openssl installed?)\n");
		return -1;
	}
	if ((tls.lib = dlopen("libssl.so.3", RTLD_NOW)) == NULL) {
		printf("    cannot load libssl.so.3: %s\n", dlerror());
		return -1;
	}
	tls.server_method = dlsym(tls.lib, "TLS_server_method");
	tls.ctx_new = dlsym(tls.lib, "SSL_CTX_new");
	tls.ctx_free = dlsym(tls.lib, "SSL_CTX_free");
	tls.use_cert = dlsym(tls.lib, "SSL_CTX_use_certificate_chain_file");
	tls.use_key = dlsym(tls.lib, "SSL_CTX_use_PrivateKey_file");
	tls.ssl_new = dlsym(tls.lib, "SSL_new");
	tls.ssl_free = dlsym(tls.lib, "SSL_free");
	tls.set_fd = dlsym(tls.lib, "SSL_set_fd");
	tls.accept = dlsym(tls.lib, "SSL_accept");
	tls.read = dlsym(tls.lib, "SSL_read");
	tls.write = dlsym(tls.lib, "SSL_write");
	tls.shutdown = dlsym(tls.lib, "SSL_shutdown");
	if (tls.server_method == NULL || tls.ctx_new == NULL ||
	    tls.ctx_free == NULL || tls.use_cert == NULL ||
	    tls.use_key == NULL || tls.ssl_new == NULL ||
	    tls.ssl_free == NULL || tls.set_fd == NULL ||
	    tls.accept == NULL || tls.read == NULL || tls.write == NULL ||
	    tls.shutdown == NULL) {
		printf("    libssl lacks a function the tests need\n");
		return -1;
	}
	tls.ready = 1;
	return 0;
}

/* Remove the certificate and unload libssl. */
static void
tls_cleanup(void)
{
	if (tls.dir[0] != '\0') {
		unlink(tls.cert);
		unlink(tls.key);
		rmdir(tls.dir);
	}
	if (tls.lib != NULL)
		dlclose(tls.lib);
	memset(&tls, 0, sizeof tls);
}

/* Child: add one line to the transcript. */
static void
peer_record(struct peer *p, const char *line)
{
	size_t	len = strlen(line);

	if (write(p->out, line, len) != (ssize_t)len ||
	    write(p->out, "\n", 1) != 1)
		_exit(1);
}

/* Child: write all of s to the client. */
static int
peer_write(struct peer *p, const char *s)
{
	size_t	len = strlen(s), off = 0;
	ssize_t	n;

	while (off < len) {
		if (p->ssl != NULL)
			n = tls.write(p->ssl, s + off, (int)(len - off));
		else
			n = write(p->fd, s + off, len - off);
		if (n <= 0)
			return -1;
		off += n;
	}
	return 0;
}

/* Child: read more from the client into the buffer; -1 at the end. */
static int
peer_fill(struct peer *p)
{
	ssize_t	n;

	if (p->len == sizeof p->buf)
		return -1;
	if (p->ssl != NULL)
		n = tls.read(p->ssl, p->buf + p->len,
		    (int)(sizeof p->buf - p->len));
	else
		n = read(p->fd, p->buf + p->len, sizeof p->buf - p->len);
	if (n <= 0)
		return -1;
	p->len += n;
	return 0;
}

/* Child: one CRLF-terminated line without its CRLF; -1 at the end. */
static int
peer_line(struct peer *p, char *line, size_t size)
{
	char	*end;
	size_t	 n;

	while ((end = memchr(p->buf, '\n', p->len)) == NULL)
		if (peer_fill(p) == -1)
			return -1;
	n = end - p->buf + 1;
	if (n >= size)
		return -1;
	memcpy(line, p->buf, n);
	line[n] = '\0';
	memmove(p->buf, p->buf + n, p->len - n);
	p->len -= n;
	line[strcspn(line, "\r\n")] = '\0';
	return 0;
}

/* Child: start TLS on the connection, noting the outcome. */
static int
peer_tls(struct peer *p)
{
	if ((p->ctx = tls.ctx_new(tls.server_method())) == NULL ||
	    tls.use_cert(p->ctx, tls.cert) != 1 ||
	    tls.use_key(p->ctx, tls.key, SSL_FILETYPE_PEM) != 1 ||
	    (p->ssl = tls.ssl_new(p->ctx)) == NULL ||
	    tls.set_fd(p->ssl, p->fd) != 1 || tls.accept(p->ssl) != 1) {
		peer_record(p, "TLS failed");
		return -1;
	}
	peer_record(p, "TLS");
	return 0;
}

/* Child: whether an AUTH PLAIN token carries the expected credentials. */
static int
peer_auth_ok(const char *token)
{
	static const char	cred[] = "\0" SMTP_USER "\0" SMTP_PASSWORD;
	unsigned char		want[64];

	EVP_EncodeBlock(want, (const unsigned char *)cred, sizeof cred - 1);
	return strcmp(token, (const char *)want) == 0;
}

/* Child: one SMTP session; only a STARTTLS mode offers STARTTLS. */
static void
peer_smtp(struct peer *p, enum child_mode mode)
{
	char	 line[1024], msg[4096];
	size_t	 mlen;
	char	*token;

	if (mode == CHILD_SMTPS && peer_tls(p) == -1)
		return;
	if (peer_write(p, "220 fake.test ESMTP\r\n") == -1)
		return;
	while (peer_line(p, line, sizeof line) != -1) {
		if (strncasecmp(line, "AUTH", 4) != 0)
			peer_record(p, line);
		if (strncasecmp(line, "EHLO", 4) == 0) {
			peer_write(p, "250-fake.test\r\n");
			if (mode == CHILD_SMTP_STARTTLS && p->ssl == NULL)
				peer_write(p, "250-STARTTLS\r\n");
			if (p->ssl != NULL)
				peer_write(p, "250-AUTH PLAIN\r\n");
			peer_write(p, "250 8BITMIME\r\n");
		} else if (strcasecmp(line, "STARTTLS") == 0) {
			if (mode != CHILD_SMTP_STARTTLS || p->ssl != NULL)
				peer_write(p, "502 not offered\r\n");
			else if (peer_write(p, "220 go ahead\r\n") == -1 ||
			    peer_tls(p) == -1)
				return;
		} else if (strncasecmp(line, "AUTH PLAIN", 10) == 0) {
			if (line[10] == ' ')
				token = line + 11;
			else {
				peer_write(p, "334 \r\n");
				if (peer_line(p, line, sizeof line) == -1)
					return;
				token = line;
			}
			if (peer_auth_ok(token)) {
				peer_record(p, "AUTH ok");
				peer_write(p, "235 ok\r\n");
			} else {
				peer_record(p, "AUTH bad");
				peer_write(p, "535 no\r\n");
			}
		} else if (strncasecmp(line, "MAIL FROM:", 10) == 0)
			peer_write(p, "250 ok\r\n");
		else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
			if (strstr(line, "refused@") != NULL)
				peer_write(p, "550 no such user\r\n");
			else
				peer_write(p, "250 ok\r\n");
		} else if (strcasecmp(line, "DATA") == 0) {
			peer_write(p, "354 go on\r\n");
			mlen = 0;
			for (;;) {
				if (peer_line(p, line, sizeof line) == -1)
					return;
				if (strcmp(line, ".") == 0)
					break;
				/* Undo the dot-stuffing. */
				token = line[0] == '.' ? line + 1 : line;
				if (mlen + strlen(token) + 3 > sizeof msg)
					return;
				mlen += snprintf(msg + mlen, sizeof msg - mlen,
				    "%s\r\n", token);
			}
			peer_record(p, strcmp(msg, MAIL_MESSAGE) == 0 ?
			    "MESSAGE ok" : "MESSAGE differs");
			peer_write(p, "250 queued as 42\r\n");
		} else if (strcasecmp(line, "QUIT") == 0) {
			peer_write(p, "221 bye\r\n");
			return;
		} else
			peer_write(p, "502 what\r\n");
	}
}

/* Child: one HTTPS request, answered 201 with a JSON body. */
static void
peer_https(struct peer *p)
{
	char	line[1024];
	size_t	clen = 0;
	int	first = 1;

	if (peer_tls(p) == -1)
		return;
	for (;;) {
		if (peer_line(p, line, sizeof line) == -1)
			return;
		if (line[0] == '\0')
			break;
		if (first)
			peer_record(p, line);
		first = 0;
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			clen = strtoul(line + 15, NULL, 10);
	}
	while (p->len < clen)
		if (peer_fill(p) == -1)
			return;
	peer_record(p, "BODY");
	snprintf(line, sizeof line, "HTTP/1.1 201 Created\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", strlen(CREATED_BODY),
	    CREATED_BODY);
	peer_write(p, line);
}

/* Child: serve one connection in the given mode, then exit. */
static void __attribute__((noreturn))
child_main(int lfd, int out, enum child_mode mode)
{
	struct peer	p;

	signal(SIGPIPE, SIG_IGN);
	alarm(5);
	memset(&p, 0, sizeof p);
	p.out = out;
	if ((p.fd = accept(lfd, NULL, NULL)) == -1)
		_exit(1);
	close(lfd);
	if (mode == CHILD_HTTPS)
		peer_https(&p);
	else
		peer_smtp(&p, mode);
	if (p.ssl != NULL) {
		tls.shutdown(p.ssl);
		tls.ssl_free(p.ssl);
	}
	if (p.ctx != NULL)
		tls.ctx_free(p.ctx);
	close(p.fd);
	close(out);
	_exit(0);
}

/* Parent: collect the child's transcript until it closes the pipe. */
static void
child_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child	*c = arg;
	ssize_t		 n;

	n = read(fd, c->text + c->len, sizeof c->text - 1 - c->len);
	if (n <= 0) {
		c->eof = 1;
		event_del(c->ev);
		return;
	}
	c->len += n;
	c->text[c->len] = '\0';
}

/* Fork a fake server on a loopback port; its transcript fills fk.child. */
static struct child *
child_start(enum child_mode mode)
{
	struct child		*c = &fk.child;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 lfd, pfd[2];

	CHECK(c->pid == 0);
	CHECK((lfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(lfd, (struct sockaddr *)&sin, sizeof sin) == 0);
	CHECK(listen(lfd, 4) == 0);
	CHECK(getsockname(lfd, (struct sockaddr *)&sin, &len) == 0);
	c->port = ntohs(sin.sin_port);
	CHECK(pipe(pfd) == 0);
	fflush(stdout);
	CHECK((c->pid = fork()) != -1);
	if (c->pid == 0) {
		close(pfd[0]);
		child_main(lfd, pfd[1], mode);
	}
	close(pfd[1]);
	close(lfd);
	c->fd = pfd[0];
	CHECK((c->ev = event_new(fk.base, c->fd, EV_READ | EV_PERSIST,
	    child_read_cb, c)) != NULL);
	CHECK(event_add(c->ev, NULL) == 0);
	return c;
}

/* Free the fetch module (so SMTP connections say QUIT), then wait for
 * the child's whole transcript. */
static const char *
child_transcript(struct child *c)
{
	fetch_free(fk.fetch);
	fk.fetch = NULL;
	CHECK_INT(run_until(&c->eof, 1), 0);
	return c->text;
}

/* An email request to the child on port with scheme (url: caller's). */
static void
smtp_request(struct replyd_smtp_request *r, char *url, size_t len,
    const char *scheme, int port, const char *to)
{
	snprintf(url, len, "%s://127.0.0.1:%d/replyd.test", scheme, port);
	memset(r, 0, sizeof *r);
	r->size = sizeof *r;
	r->url = url;
	r->user = SMTP_USER;
	r->password = SMTP_PASSWORD;
	r->from = MAIL_FROM;
	r->to = to;
	r->message = MAIL_MESSAGE;
	r->message_len = strlen(MAIL_MESSAGE);
	r->timeout_ms = 3000;
}

static void
test_created_answer_gives_status_and_body(void)
{
	struct answer	*a;

	fake_start();
	a = post("/created");
	CHECK_INT(a->calls, 1);
	CHECK_INT(a->size, sizeof(struct replyd_http_response));
	CHECK_INT(a->status, 201);
	CHECK(a->error == NULL);
	CHECK_INT(a->body_len, strlen(CREATED_BODY));
	CHECK_STR(a->body, CREATED_BODY);
	CHECK_STR(fk.method, "POST");
	CHECK_STR(fk.auth, BASIC_AUTH);
	CHECK_STR(fk.ctype, FORM_TYPE);
	CHECK_STR(fk.agent, "replyd");
	CHECK_STR(fk.body, FORM_BODY);
	fake_stop();
}

static void
test_client_error_gives_its_status(void)
{
	struct answer	*a;

	fake_start();
	a = post("/bad");
	CHECK_INT(a->status, 400);
	CHECK(a->error == NULL);
	CHECK_STR(a->body, "{\"code\":21211}");
	fake_stop();
}

static void
test_too_many_requests_gives_retry_after_seconds(void)
{
	struct answer	*a;

	fake_start();
	a = post("/busy");
	CHECK_INT(a->status, 429);
	CHECK(a->error == NULL);
	CHECK_INT(a->retry_after, 7);
	fake_stop();
}

static void
test_retry_after_date_gives_seconds_from_now(void)
{
	struct answer	*a;

	fake_start();
	a = post("/busy-until");
	CHECK_INT(a->status, 503);
	CHECK(a->retry_after >= 25 && a->retry_after <= 30);
	fake_stop();
}

static void
test_absent_retry_after_is_minus_one(void)
{
	struct answer	*a;

	fake_start();
	a = post("/broken");
	CHECK_INT(a->retry_after, -1);
	fake_stop();
}

static void
test_server_error_gives_its_status(void)
{
	struct answer	*a;

	fake_start();
	a = post("/broken");
	CHECK_INT(a->status, 500);
	CHECK(a->error == NULL);
	fake_stop();
}

static void
test_no_answer_times_out(void)
{
	struct replyd_http_request	 r;
	struct answer			*a;
	struct timespec			 start;
	char				 url[128];
	long long			 ms;

	fake_start();
	a = answer_new();
	provider_request(&r, url, sizeof url, "/hang");
	r.timeout_ms = 300;
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK_INT(http_start(&r, a), 0);
	CHECK_INT(run_until(&a->calls, 1), 0);
	ms = elapsed_ms(&start);
	CHECK_INT(fk.hung, 1);
	CHECK_INT(a->status, 0);
	CHECK_STR(a->error, "timeout");
	CHECK_INT(a->retry_after, -1);
	CHECK(ms >= 250 && ms < 2000);
	fake_stop();
}

static void
test_callback_is_never_called_from_fetch_http(void)
{
	struct replyd_http_request	 r;
	struct answer			*ok, *refused;
	char				 url[128], url2[128];

	fake_start();
	ok = answer_new();
	refused = answer_new();
	provider_request(&r, url, sizeof url, "/created");
	CHECK_INT(http_start(&r, ok), 0);
	CHECK_INT(ok->calls, 0);
	/* Connection refused is known at once, yet still answered later. */
	snprintf(url2, sizeof url2, "http://127.0.0.1:%d/created",
	    closed_port());
	r.url = url2;
	CHECK_INT(http_start(&r, refused), 0);
	CHECK_INT(refused->calls, 0);
	CHECK_INT(run_until(&ok->calls, 1), 0);
	CHECK_INT(run_until(&refused->calls, 1), 0);
	run_for(100);
	CHECK_INT(ok->calls, 1);
	CHECK_INT(refused->calls, 1);
	CHECK_INT(fk.sync_calls, 0);
	CHECK_INT(ok->status, 201);
	CHECK_INT(refused->status, 0);
	CHECK(refused->error != NULL);
	fake_stop();
}

static void
test_inflight_counts_unanswered_transfers(void)
{
	struct replyd_http_request	 r;
	struct answer			*a, *b;
	char				 url[128];

	fake_start();
	a = answer_new();
	b = answer_new();
	CHECK_INT(fetch_inflight(fk.fetch), 0);
	provider_request(&r, url, sizeof url, "/created");
	CHECK_INT(http_start(&r, a), 0);
	CHECK_INT(fetch_inflight(fk.fetch), 1);
	provider_request(&r, url, sizeof url, "/bad");
	CHECK_INT(http_start(&r, b), 0);
	CHECK_INT(fetch_inflight(fk.fetch), 2);
	CHECK_INT(run_until(&a->calls, 1), 0);
	CHECK_INT(run_until(&b->calls, 1), 0);
	CHECK_INT(fetch_inflight(fk.fetch), 0);
	/* The transfer being answered no longer counts. */
	CHECK_INT(a->inflight + b->inflight, 1);
	fake_stop();
}

static void
test_free_answers_pending_transfers_with_shutting_down(void)
{
	struct replyd_http_request	 r;
	struct answer			*a, *b;
	char				 url[128];

	fake_start();
	a = answer_new();
	b = answer_new();
	provider_request(&r, url, sizeof url, "/hang");
	CHECK_INT(http_start(&r, a), 0);
	CHECK_INT(http_start(&r, b), 0);
	CHECK_INT(run_until(&fk.hung, 2), 0);
	CHECK_INT(a->calls, 0);
	fetch_free(fk.fetch);
	fk.fetch = NULL;
	CHECK_INT(a->calls, 1);
	CHECK_INT(b->calls, 1);
	CHECK_INT(a->status, 0);
	CHECK_STR(a->error, "shutting down");
	CHECK_STR(b->error, "shutting down");
	fake_stop();
}

/* A done callback that tries to start another transfer. */
static void
restart_cb(void *arg, const struct replyd_http_response *resp)
{
	struct answer			*a = arg;
	struct replyd_http_request	 r;
	char				 url[128];

	answer_cb(arg, resp);
	provider_request(&r, url, sizeof url, "/created");
	a->restart = fetch_http(fk.fetch, &r, answer_cb, a);
}

static void
test_no_transfer_starts_while_shutting_down(void)
{
	struct replyd_http_request	 r;
	struct answer			*a;
	char				 url[128];

	fake_start();
	a = answer_new();
	provider_request(&r, url, sizeof url, "/hang");
	CHECK_INT(fetch_http(fk.fetch, &r, restart_cb, a), 0);
	CHECK_INT(run_until(&fk.hung, 1), 0);
	fetch_free(fk.fetch);
	fk.fetch = NULL;
	CHECK_INT(a->calls, 1);
	CHECK_INT(a->restart, -1);
	fake_stop();
}

static void
test_callback_may_start_a_new_transfer(void)
{
	struct replyd_http_request	 r;
	struct answer			*a;
	char				 url[128];

	fake_start();
	a = answer_new();
	provider_request(&r, url, sizeof url, "/bad");
	CHECK_INT(fetch_http(fk.fetch, &r, restart_cb, a), 0);
	CHECK_INT(run_until(&a->calls, 2), 0);
	CHECK_INT(a->restart, 0);
	CHECK_INT(a->status, 201);
	CHECK_INT(fk.requests, 2);
	fake_stop();
}

static void
test_request_is_copied(void)
{
	struct replyd_http_request	 r;
	struct replyd_header		*h;
	struct answer			*a;
	char				 url[128];

	fake_start();
	a = answer_new();
	provider_request(&r, url, sizeof url, "/created");
	CHECK((h = calloc(1, sizeof *h)) != NULL);
	h->name = strdup("Content-Type");
	h->value = strdup(FORM_TYPE);
	r.headers = h;
	r.nheaders = 1;
	r.method = strdup("POST");
	r.url = strdup(url);
	r.body = strdup(FORM_BODY);
	r.basic_user = strdup("AC123");
	r.basic_password = strdup("s3cret");
	CHECK_INT(http_start(&r, a), 0);
	/* Scribble over everything, then free it. */
	memset((char *)h->name, 'z', strlen(h->name));
	memset((char *)h->value, 'z', strlen(h->value));
	memset((char *)r.method, 'z', strlen(r.method));
	memset((char *)r.url, 'z', strlen(r.url));
	memset((char *)r.body, 'z', strlen(r.body));
	memset((char *)r.basic_user, 'z', strlen(r.basic_user));
	memset((char *)r.basic_password, 'z', strlen(r.basic_password));
	free((char *)h->name);
	free((char *)h->value);
	free(h);
	free((char *)r.method);
	free((char *)r.url);
	free((char *)r.body);
	free((char *)r.basic_user);
	free((char *)r.basic_password);
	memset(&r, 0, sizeof r);
	CHECK_INT(run_until(&a->calls, 1), 0);
	CHECK_INT(a->status, 201);
	fake_stop();
}

static void
test_no_credentials_without_basic_user(void)
{
	struct replyd_http_request	 r;
	struct answer			*a;
	char				 url[128];

	fake_start();
	a = answer_new();
	provider_request(&r, url, sizeof url, "/created");
	r.basic_user = NULL;
	r.basic_password = NULL;
	CHECK_INT(http_start(&r, a), 0);
	CHECK_INT(run_until(&a->calls, 1), 0);
	CHECK_INT(a->status, 401);
	CHECK_STR(fk.auth, "");
	fake_stop();
}

static void
test_response_body_is_capped(void)
{
	struct answer	*a;

	fake_start();
	a = post("/big");
	CHECK_INT(a->status, 200);
	CHECK(a->error == NULL);
	CHECK_INT(a->body_len, FETCH_BODY_MAX);
	CHECK_INT(strlen(a->body), FETCH_BODY_MAX);
	fake_stop();
}

/* A POST to path with a response limit, run to its answer. */
static struct answer *
post_limited(const char *path, size_t max_body)
{
	struct replyd_http_request	 r;
	struct answer			*a = answer_new();
	char				 url[128];

	provider_request(&r, url, sizeof url, path);
	CHECK_INT(fetch_http_limit(fk.fetch, &r, max_body, answer_cb, a), 0);
	CHECK_INT(run_until(&a->calls, 1), 0);
	return a;
}

static void
test_a_larger_limit_keeps_the_whole_body(void)
{
	struct answer	*a;

	fake_start();
	a = post_limited("/big", 1024 * 1024);
	CHECK_INT(a->status, 200);
	CHECK(a->error == NULL);
	CHECK_INT(a->body_len, BIG_BODY_LEN);
	fake_stop();
}

static void
test_a_body_over_the_limit_fails_rather_than_being_cut(void)
{
	struct answer	*a;

	fake_start();
	a = post_limited("/big", 4096);
	CHECK(a->error != NULL);
	CHECK(strstr(a->error, "larger than the limit") != NULL);
	fake_stop();
}

static void
test_redirect_is_not_followed(void)
{
	struct answer	*a;

	fake_start();
	a = post("/redirect");
	CHECK_INT(a->status, 302);
	CHECK_INT(fk.requests, 1);
	fake_stop();
}

static void
test_https_to_plain_http_port_fails(void)
{
	struct replyd_http_request	 r;
	struct answer			*a;
	char				 url[128];

	fake_start();
	a = answer_new();
	provider_request(&r, url, sizeof url, "/created");
	snprintf(url, sizeof url, "https://127.0.0.1:%d/created", fk.port);
	CHECK_INT(http_start(&r, a), 0);
	CHECK_INT(run_until(&a->calls, 1), 0);
	CHECK_INT(a->status, 0);
	CHECK(a->error != NULL && a->error[0] != '\0');
	CHECK_INT(fk.requests, 0);
	fake_stop();
}

static void
test_non_http_url_is_refused(void)
{
	static const char	*urls[] = { "file:///etc/passwd",
				    "ftp://127.0.0.1/", "smtp://127.0.0.1/",
				    "dict://127.0.0.1/", "127.0.0.1/created",
				    "", NULL };
	struct replyd_http_request	 r;
	struct answer			*a;
	char				 url[128];
	int				 i;

	fake_start();
	a = answer_new();
	provider_request(&r, url, sizeof url, "/created");
	for (i = 0; urls[i] != NULL; i++) {
		r.url = urls[i];
		CHECK_INT(http_start(&r, a), -1);
	}
	r.url = NULL;
	CHECK_INT(http_start(&r, a), -1);
	CHECK_INT(fetch_inflight(fk.fetch), 0);
	run_for(100);
	CHECK_INT(a->calls, 0);
	fake_stop();
}

static void
test_header_with_line_break_is_refused(void)
{
	struct replyd_header		 h[] = {
		{ "Content-Type", FORM_TYPE "\r\nX-Injected: 1" }
	};
	struct replyd_header		 bad_name[] = {
		{ "Content Type", FORM_TYPE }
	};
	struct replyd_http_request	 r;
	struct answer			*a;
	char				 url[128];

	fake_start();
	a = answer_new();
	provider_request(&r, url, sizeof url, "/created");
	r.headers = h;
	r.nheaders = 1;
	CHECK_INT(http_start(&r, a), -1);
	r.headers = bad_name;
	CHECK_INT(http_start(&r, a), -1);
	run_for(50);
	CHECK_INT(a->calls, 0);
	CHECK_INT(fk.requests, 0);
	fake_stop();
}

static void
test_unknown_method_is_refused(void)
{
	struct replyd_http_request	 r;
	struct answer			*a;
	char				 url[128];

	fake_start();
	a = answer_new();
	provider_request(&r, url, sizeof url, "/created");
	r.method = "POST /x HTTP/1.1\r\n";
	CHECK_INT(http_start(&r, a), -1);
	r.method = "TRACE";
	CHECK_INT(http_start(&r, a), -1);
	CHECK_INT(a->calls, 0);
	fake_stop();
}

static void
test_https_with_trusted_certificate_succeeds(void)
{
	struct replyd_http_request	 r;
	struct answer			*a;
	struct child			*c;
	char				 url[128];

	CHECK_INT(tls_setup(), 0);
	fake_start();
	a = answer_new();
	c = child_start(CHILD_HTTPS);
	fetch_set_ca_file(fk.fetch, tls.cert);
	provider_request(&r, url, sizeof url, "/created");
	snprintf(url, sizeof url, "https://127.0.0.1:%d/v1/messages",
	    c->port);
	CHECK_INT(http_start(&r, a), 0);
	CHECK_INT(run_until(&a->calls, 1), 0);
	CHECK(a->error == NULL);
	CHECK_INT(a->status, 201);
	CHECK_STR(a->body, CREATED_BODY);
	CHECK(strstr(child_transcript(c), "TLS\nPOST /v1/messages HTTP/1.1\n"
	    "BODY\n") != NULL);
	fake_stop();
}

static void
test_https_with_untrusted_certificate_fails(void)
{
	struct replyd_http_request	 r;
	struct answer			*a;
	struct child			*c;
	char				 url[128];

	CHECK_INT(tls_setup(), 0);
	fake_start();
	a = answer_new();
	c = child_start(CHILD_HTTPS);
	provider_request(&r, url, sizeof url, "/created");
	snprintf(url, sizeof url, "https://127.0.0.1:%d/v1/messages",
	    c->port);
	CHECK_INT(http_start(&r, a), 0);
	CHECK_INT(run_until(&a->calls, 1), 0);
	CHECK_INT(a->status, 0);
	CHECK(a->error != NULL && strstr(a->error, "certificate") != NULL);
	CHECK(strstr(child_transcript(c), "POST") == NULL);
	fake_stop();
}

static void
test_smtp_without_starttls_fails_and_sends_nothing(void)
{
	struct replyd_smtp_request	 r;
	struct answer			*a;
	struct child			*c;
	const char			*t;
	char				 url[128];

	fake_start();
	a = answer_new();
	c = child_start(CHILD_SMTP_NO_STARTTLS);
	smtp_request(&r, url, sizeof url, "smtp", c->port, MAIL_TO);
	CHECK_INT(smtp_start(&r, a), 0);
	CHECK_INT(run_until(&a->calls, 1), 0);
	CHECK_INT(fk.sync_calls, 0);
	CHECK_INT(a->status, 0);
	CHECK(a->error != NULL && a->error[0] != '\0');
	t = child_transcript(c);
	CHECK(strstr(t, "EHLO") != NULL);
	CHECK(strstr(t, "AUTH") == NULL);
	CHECK(strstr(t, "MAIL") == NULL);
	CHECK(strstr(t, "RCPT") == NULL);
	CHECK(strstr(t, "DATA") == NULL);
	fake_stop();
}

static void
test_smtp_starttls_delivers_the_message(void)
{
	struct replyd_smtp_request	 r;
	struct answer			*a;
	struct child			*c;
	const char			*t, *tls_at, *mail_at;
	char				 url[128];

	CHECK_INT(tls_setup(), 0);
	fake_start();
	a = answer_new();
	c = child_start(CHILD_SMTP_STARTTLS);
	fetch_set_ca_file(fk.fetch, tls.cert);
	smtp_request(&r, url, sizeof url, "smtp", c->port, MAIL_TO);
	CHECK_INT(smtp_start(&r, a), 0);
	CHECK_INT(run_until(&a->calls, 1), 0);
	CHECK(a->error == NULL);
	CHECK_INT(a->status, 250);
	CHECK_INT(fk.sync_calls, 0);
	t = child_transcript(c);
	CHECK((tls_at = strstr(t, "STARTTLS\nTLS\n")) != NULL);
	CHECK((mail_at = strstr(t, "MAIL FROM:<" MAIL_FROM ">")) != NULL);
	CHECK(tls_at < mail_at);
	CHECK(strstr(t, "AUTH ok\n") != NULL);
	CHECK(strstr(t, "RCPT TO:<" MAIL_TO ">\n") != NULL);
	CHECK(strstr(t, "MESSAGE ok\n") != NULL);
	fake_stop();
}

static void
test_smtps_delivers_over_implicit_tls(void)
{
	struct replyd_smtp_request	 r;
	struct answer			*a;
	struct child			*c;
	const char			*t;
	char				 url[128];

	CHECK_INT(tls_setup(), 0);
	fake_start();
	a = answer_new();
	c = child_start(CHILD_SMTPS);
	smtp_request(&r, url, sizeof url, "smtps", c->port, MAIL_TO);
	r.ca_file = tls.cert;
	CHECK_INT(smtp_start(&r, a), 0);
	CHECK_INT(run_until(&a->calls, 1), 0);
	CHECK(a->error == NULL);
	CHECK_INT(a->status, 250);
	t = child_transcript(c);
	CHECK(strncmp(t, "TLS\n", 4) == 0);
	CHECK(strstr(t, "MESSAGE ok\n") != NULL);
	fake_stop();
}

static void
test_smtps_with_untrusted_certificate_fails(void)
{
	struct replyd_smtp_request	 r;
	struct answer			*a;
	struct child			*c;
	const char			*t;
	char				 url[128];

	CHECK_INT(tls_setup(), 0);
	fake_start();
	a = answer_new();
	c = child_start(CHILD_SMTPS);
	smtp_request(&r, url, sizeof url, "smtps", c->port, MAIL_TO);
	CHECK_INT(smtp_start(&r, a), 0);
	CHECK_INT(run_until(&a->calls, 1), 0);
	CHECK_INT(a->status, 0);
	CHECK(a->error != NULL && strstr(a->error, "certificate") != NULL);
	t = child_transcript(c);
	CHECK(strstr(t, "TLS failed\n") != NULL);
	CHECK(strstr(t, "MAIL") == NULL);
	fake_stop();
}

static void
test_smtp_refused_recipient_gives_smtp_status(void)
{
	struct replyd_smtp_request	 r;
	struct answer			*a;
	struct child			*c;
	const char			*t;
	char				 url[128];

	CHECK_INT(tls_setup(), 0);
	fake_start();
	a = answer_new();
	c = child_start(CHILD_SMTPS);
	smtp_request(&r, url, sizeof url, "smtps", c->port,
	    "refused@example.org");
	r.ca_file = tls.cert;
	CHECK_INT(smtp_start(&r, a), 0);
	CHECK_INT(run_until(&a->calls, 1), 0);
	CHECK_INT(a->status, 550);
	CHECK(a->error != NULL);
	t = child_transcript(c);
	CHECK(strstr(t, "DATA") == NULL);
	fake_stop();
}

static void
test_smtp_refuses_non_smtp_url(void)
{
	struct replyd_smtp_request	 r;
	struct answer			*a;
	char				 url[128];

	fake_start();
	a = answer_new();
	smtp_request(&r, url, sizeof url, "https", fk.port, MAIL_TO);
	CHECK_INT(smtp_start(&r, a), -1);
	r.url = "file:///etc/passwd";
	CHECK_INT(smtp_start(&r, a), -1);
	run_for(50);
	CHECK_INT(a->calls, 0);
	fake_stop();
}

static void
test_smtp_refuses_address_with_line_break(void)
{
	struct replyd_smtp_request	 r;
	struct answer			*a;
	char				 url[128];

	fake_start();
	a = answer_new();
	smtp_request(&r, url, sizeof url, "smtps", closed_port(),
	    MAIL_TO "\r\nRCPT TO:<other@example.org>");
	CHECK_INT(smtp_start(&r, a), -1);
	r.to = MAIL_TO;
	r.from = "<" MAIL_FROM ">";
	CHECK_INT(smtp_start(&r, a), -1);
	r.from = NULL;
	CHECK_INT(smtp_start(&r, a), -1);
	run_for(50);
	CHECK_INT(a->calls, 0);
	fake_stop();
}

static const struct check_test tests[] = {
	TEST(test_created_answer_gives_status_and_body),
	TEST(test_client_error_gives_its_status),
	TEST(test_too_many_requests_gives_retry_after_seconds),
	TEST(test_retry_after_date_gives_seconds_from_now),
	TEST(test_absent_retry_after_is_minus_one),
	TEST(test_server_error_gives_its_status),
	TEST(test_no_answer_times_out),
	TEST(test_callback_is_never_called_from_fetch_http),
	TEST(test_inflight_counts_unanswered_transfers),
	TEST(test_free_answers_pending_transfers_with_shutting_down),
	TEST(test_no_transfer_starts_while_shutting_down),
	TEST(test_callback_may_start_a_new_transfer),
	TEST(test_request_is_copied),
	TEST(test_no_credentials_without_basic_user),
	TEST(test_response_body_is_capped),
	TEST(test_a_larger_limit_keeps_the_whole_body),
	TEST(test_a_body_over_the_limit_fails_rather_than_being_cut),
	TEST(test_redirect_is_not_followed),
	TEST(test_https_to_plain_http_port_fails),
	TEST(test_non_http_url_is_refused),
	TEST(test_header_with_line_break_is_refused),
	TEST(test_unknown_method_is_refused),
	TEST(test_https_with_trusted_certificate_succeeds),
	TEST(test_https_with_untrusted_certificate_fails),
	TEST(test_smtp_without_starttls_fails_and_sends_nothing),
	TEST(test_smtp_starttls_delivers_the_message),
	TEST(test_smtps_delivers_over_implicit_tls),
	TEST(test_smtps_with_untrusted_certificate_fails),
	TEST(test_smtp_refused_recipient_gives_smtp_status),
	TEST(test_smtp_refuses_non_smtp_url),
	TEST(test_smtp_refuses_address_with_line_break),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	int	rv;

	rv = check_run("fetch", tests, argc, argv);
	fake_stop();
	tls_cleanup();
	return rv;
}
