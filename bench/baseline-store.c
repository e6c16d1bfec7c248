/*
 * baseline-store.c: the baseline of the ingest benchmark (SPEC §13): a
 * minimal libevent evhttp + hiredis server that stores each POST body with
 * one MULTI (HSET + ZADD) on database 1 and answers after EXEC, and
 * answers GET /readyz.  bench-ingest starts it beside replyd on the same
 * Redis and drives both with the same signed Twilio webhooks.
 *
 *	baseline-store REDIS_PORT HTTP_PORT
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

#define TWIML	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"

/* ------------------------------------------------------------------ */
/* The baseline server.                                                */

struct baseline {
	struct event_base	*base;
	redisAsyncContext	*redis;
	unsigned long long	 seq;
	int			 ready;
};

static void
baseline_connected(const redisAsyncContext *c, int status)
{
	if (status != REDIS_OK) {
		fprintf(stderr, "baseline: redis connect: %s\n", c->errstr);
		_exit(1);
	}
}

static void
baseline_disconnected(const redisAsyncContext *c, int status)
{
	fprintf(stderr, "baseline: redis disconnected: %s\n",
	    status == REDIS_OK ? "" : c->errstr);
	_exit(1);
}

/* SELECT 1 answered: the baseline's keys never meet replyd's. */
static void
baseline_selected(redisAsyncContext *c, void *r, void *arg)
{
	struct baseline	*b = arg;
	redisReply	*reply = r;

	(void)c;
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "baseline: SELECT 1 failed\n");
		_exit(1);
	}
	b->ready = 1;
}

/* EXEC answered: the body is stored, so answer the request. */
static void
baseline_exec_done(redisAsyncContext *c, void *r, void *arg)
{
	struct evhttp_request	*req = arg;
	redisReply		*reply = r;
	struct evbuffer		*out;
	size_t			 i;

	(void)c;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
		evhttp_send_error(req, 503, "Redis failed");
		return;
	}
	for (i = 0; i < reply->elements; i++) {
		if (reply->element[i]->type == REDIS_REPLY_ERROR) {
			evhttp_send_error(req, 503, "Redis failed");
			return;
		}
	}
	out = evbuffer_new();
	evbuffer_add(out, TWIML, sizeof TWIML - 1);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/xml");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

/* One HTTP request: GET /readyz, or a POST whose body is stored. */
static void
baseline_request(struct evhttp_request *req, void *arg)
{
	struct baseline		*b = arg;
	struct evbuffer		*in;
	struct timeval		 tv;
	const char		*uri;
	unsigned char		*body;
	size_t			 len;
	unsigned long long	 n;
	long long		 now_ms;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		uri = evhttp_request_get_uri(req);
		if (uri != NULL && strcmp(uri, "/readyz") == 0 && b->ready)
			evhttp_send_reply(req, 200, "OK", NULL);
		else
			evhttp_send_error(req, uri != NULL &&
			    strcmp(uri, "/readyz") == 0 ? 503 : 404, NULL);
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_send_error(req, 405, NULL);
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	if ((body = evbuffer_pullup(in, -1)) == NULL)
		body = (unsigned char *)"";
	n = ++b->seq;
	gettimeofday(&tv, NULL);
	now_ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	if (redisAsyncCommand(b->redis, NULL, NULL, "MULTI") != REDIS_OK ||
	    redisAsyncCommand(b->redis, NULL, NULL,
	    "HSET bench:msg:%llu body %b", n, body, len) != REDIS_OK ||
	    redisAsyncCommand(b->redis, NULL, NULL, "ZADD bench:due %lld %llu",
	    now_ms, n) != REDIS_OK ||
	    redisAsyncCommand(b->redis, baseline_exec_done, req, "EXEC") !=
	    REDIS_OK)
		evhttp_send_error(req, 503, NULL);
}

/* The baseline's main: serve until killed. */
static int
baseline_main(int redis_port, int http_port)
{
	struct baseline	 b;
	struct evhttp	*http;

	memset(&b, 0, sizeof b);
	if ((b.base = event_base_new()) == NULL)
		return 1;
	b.redis = redisAsyncConnect("127.0.0.1", redis_port);
	if (b.redis == NULL || b.redis->err) {
		fprintf(stderr, "baseline: redis: %s\n",
		    b.redis != NULL ? b.redis->errstr : "out of memory");
		return 1;
	}
	redisLibeventAttach(b.redis, b.base);
	redisAsyncSetConnectCallback(b.redis, baseline_connected);
	redisAsyncSetDisconnectCallback(b.redis, baseline_disconnected);
	redisAsyncCommand(b.redis, baseline_selected, &b, "SELECT 1");
	if ((http = evhttp_new(b.base)) == NULL)
		return 1;
	evhttp_set_gencb(http, baseline_request, &b);
	if (evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)http_port) !=
	    0) {
		fprintf(stderr, "baseline: cannot listen on %d\n", http_port);
		return 1;
	}
	event_base_dispatch(b.base);
	return 1;
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: baseline-store REDIS_PORT HTTP_PORT\n");
		return 2;
	}
	return baseline_main(atoi(argv[1]), atoi(argv[2]));
}
