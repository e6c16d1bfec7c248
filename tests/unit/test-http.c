/*
 * test-http.c: the request-head parser (http_head_parse), the trailer
 * check and the chunk-size line parser that replyd's connection filter
 * runs before evhttp sees a request, as listed in http.h; then the server
 * itself over loopback, for what its filter does to the answers.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "check.h"
#include "io/http.h"

/* Parse a head given as a string literal; returns the status. */
static int
head(const char *s, struct http_head *hd, char *why, size_t whylen)
{
	return http_head_parse(s, strlen(s), hd, why, whylen);
}

/* The status a head gets, with why containing want (when given). */
static void
parsed_as(const char *s, int status, const char *want)
{
	struct http_head	*hd = malloc(sizeof *hd);
	char			 why[160] = "";
	int			 rc;

	CHECK(hd != NULL);
	rc = http_head_parse(s, strlen(s), hd, why, sizeof why);
	free(hd);
	if (rc != status)
		check_fail(__FILE__, __LINE__, "status %d (%s), want %d", rc,
		    why, status);
	if (want != NULL && strstr(why, want) == NULL)
		check_fail(__FILE__, __LINE__, "why \"%s\" lacks \"%s\"", why,
		    want);
}

/* Whether field i is name: value. */
static int
field_is(const struct http_head *hd, size_t i, const char *name,
    const char *value)
{
	return i < hd->nfields && hd->fields[i].name_len == strlen(name) &&
	    memcmp(hd->fields[i].name, name, strlen(name)) == 0 &&
	    hd->fields[i].value_len == strlen(value) &&
	    memcmp(hd->fields[i].value, value, strlen(value)) == 0;
}

static void
test_a_plain_request_is_split_into_method_target_version_and_fields(void)
{
	static struct http_head	hd;
	char			why[160];

	CHECK_INT(head("POST /webhooks/twilio?x=1 HTTP/1.1\r\n"
	    "Host: replyd.test\r\nContent-Length: 12\r\n"
	    "X-Twilio-Signature:  abc= \t\r\n\r\n", &hd, why, sizeof why), 0);
	CHECK(hd.method_len == 4 && memcmp(hd.method, "POST", 4) == 0);
	CHECK(hd.target_len == 20 &&
	    memcmp(hd.target, "/webhooks/twilio?x=1", 20) == 0);
	CHECK_INT(hd.minor, 1);
	CHECK_INT(hd.nfields, 3);
	CHECK(field_is(&hd, 0, "Host", "replyd.test"));
	CHECK(field_is(&hd, 2, "X-Twilio-Signature", "abc="));
	CHECK_INT(hd.content_length, 12);
	CHECK_INT(hd.chunked, 0);
}

static void
test_lf_alone_ends_a_line_too(void)
{
	static struct http_head	hd;
	char			why[160];

	CHECK_INT(head("GET /healthz HTTP/1.0\nHost: x\n\n", &hd, why,
	    sizeof why), 0);
	CHECK_INT(hd.minor, 0);
	CHECK(field_is(&hd, 0, "Host", "x"));
	CHECK_INT(hd.content_length, -1);
}

static void
test_two_content_length_fields_are_refused(void)
{
	parsed_as("POST / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n"
	    "\r\n", 400, "more than once");
	parsed_as("POST / HTTP/1.1\r\ncontent-length: 1\r\nContent-Length: 2\r\n"
	    "\r\n", 400, "more than once");
}

static void
test_whitespace_before_a_colon_is_refused(void)
{
	parsed_as("POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\n", 400,
	    "Content-Length has whitespace before its colon");
	parsed_as("POST / HTTP/1.1\r\nHost\t: x\r\n\r\n", 400,
	    "before its colon");
}

static void
test_content_length_must_be_digits_only(void)
{
	parsed_as("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400,
	    "Content-Length");
	parsed_as("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, NULL);
	parsed_as("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", 400, NULL);
	parsed_as("POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400, NULL);
	parsed_as("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400, NULL);
	parsed_as("POST / HTTP/1.1\r\nContent-Length: 1234567890123456789"
	    "\r\n\r\n", 400, NULL);
}

static void
test_a_nul_or_control_character_in_a_value_is_refused(void)
{
	static const char	nul[] = "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n";
	static struct http_head	hd;
	char			why[160];

	CHECK_INT(http_head_parse(nul, sizeof nul - 1, &hd, why, sizeof why),
	    400);
	CHECK(strstr(why, "X-A has a NUL") != NULL);
	parsed_as("GET / HTTP/1.1\r\nX-A: a\x01" "b\r\n\r\n", 400,
	    "control character");
	parsed_as("GET / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n", 400,
	    "control character");
	parsed_as("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", 400, "CR");
	/* A tab and bytes over 0x7f are field content. */
	parsed_as("GET / HTTP/1.1\r\nX-A: a\tb \xc3\xa9\r\n\r\n", 0, NULL);
}

static void
test_obsolete_line_folding_is_refused(void)
{
	parsed_as("GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n", 400, "folded");
}

static void
test_a_field_needs_a_name_and_a_colon(void)
{
	parsed_as("GET / HTTP/1.1\r\n: x\r\n\r\n", 400, "no name");
	parsed_as("GET / HTTP/1.1\r\nHost x\r\n\r\n", 400, NULL);
	parsed_as("GET / HTTP/1.1\r\nHo(st: x\r\n\r\n", 400, NULL);
}

static void
test_transfer_encoding_must_be_chunked_alone(void)
{
	static struct http_head	hd;
	char			why[160];

	CHECK_INT(head("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n",
	    &hd, why, sizeof why), 0);
	CHECK_INT(hd.chunked, 1);
	parsed_as("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	    501, "chunked");
	parsed_as("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400, "more than once");
	parsed_as("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 3\r\n\r\n", 400, "both");
	parsed_as("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
	    "HTTP/1.0");
}

static void
test_only_100_continue_is_expected(void)
{
	static struct http_head	hd;
	char			why[160];

	CHECK_INT(head("POST / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n", &hd,
	    why, sizeof why), 0);
	CHECK_INT(hd.expect_continue, 1);
	parsed_as("POST / HTTP/1.1\r\nExpect: tea\r\n\r\n", 417, NULL);
	/* HTTP/1.0 has no expectations; the field means nothing there. */
	parsed_as("POST / HTTP/1.0\r\nExpect: tea\r\n\r\n", 0, NULL);
}

static void
test_the_request_line_is_method_target_and_version(void)
{
	parsed_as("hello\r\n\r\n", 400, "request line");
	parsed_as("GET  / HTTP/1.1\r\n\r\n", 400, NULL);
	parsed_as("GET / HTTP/1.1 \r\n\r\n", 400, NULL);
	parsed_as("GET /a b HTTP/1.1\r\n\r\n", 400, NULL);
	parsed_as("GET /\xc3\xa9 HTTP/1.1\r\n\r\n", 400, "printable ASCII");
	parsed_as("GET / HTTP/2.0\r\n\r\n", 505, "HTTP/2.0");
	parsed_as("GET / HTTP/1.x\r\n\r\n", 400, NULL);
	parsed_as("GET / HTTP/1.10\r\n\r\n", 400, NULL);
	parsed_as("GET / http/1.1\r\n\r\n", 400, NULL);
	parsed_as("G(T / HTTP/1.1\r\n\r\n", 400, NULL);
}

static void
test_a_later_http_1_minor_version_is_read_as_1_1(void)
{
	static struct http_head	hd;
	char			why[160];

	CHECK_INT(head("GET / HTTP/1.2\r\n\r\n", &hd, why, sizeof why), 0);
	CHECK_INT(hd.minor, 1);
}

static void
test_the_head_must_end_with_an_empty_line(void)
{
	parsed_as("GET / HTTP/1.1\r\nHost: x\r\n", 400, NULL);
	parsed_as("GET / HTTP/1.1\r\n\r\nGET", 400, "after the end");
}

static void
test_more_than_the_most_fields_is_431(void)
{
	char	*s, *p;
	int	 i;

	CHECK((s = malloc(32 + (HTTP_HEAD_MAX_FIELDS + 1) * 8)) != NULL);
	p = s + sprintf(s, "GET / HTTP/1.1\r\n");
	for (i = 0; i <= HTTP_HEAD_MAX_FIELDS; i++)
		p += sprintf(p, "X: %d\r\n", i % 10);
	sprintf(p, "\r\n");
	parsed_as(s, 431, "header fields");
	free(s);
}

static void
test_trailer_fields_are_checked_like_header_fields(void)
{
	char	why[160];

	CHECK_INT(http_trailer_parse("\r\n", 2, why, sizeof why), 0);
	CHECK_INT(http_trailer_parse("X-A: 1\r\nX-B: 2\r\n\r\n", 18, why,
	    sizeof why), 0);
	CHECK_INT(http_trailer_parse("X-A : 1\r\n\r\n", 11, why, sizeof why),
	    400);
	CHECK_INT(http_trailer_parse("X-A: \0\r\n\r\n", 10, why, sizeof why),
	    400);
}

/* The size a chunk line gives, or -1. */
static long long
chunk(const char *s)
{
	unsigned long long	n;

	return http_chunk_line(s, strlen(s), &n) == 0 ? (long long)n : -1;
}

static void
test_a_chunk_size_is_hexadecimal(void)
{
	CHECK_INT(chunk("0"), 0);
	CHECK_INT(chunk("1a"), 26);
	CHECK_INT(chunk("FF"), 255);
	CHECK_INT(chunk("0000000400"), 1024);
	CHECK_INT(chunk(""), -1);
	CHECK_INT(chunk("+5"), -1);
	CHECK_INT(chunk("-5"), -1);
	CHECK_INT(chunk("5x"), -1);
	CHECK_INT(chunk("ffffffffffffffffff"), -1);
}

static void
test_valid_chunk_extensions_are_accepted(void)
{
	CHECK_INT(chunk("5;name=value"), 5);
	CHECK_INT(chunk("5;flag"), 5);
	CHECK_INT(chunk("5 ; a=b ; c"), 5);
	CHECK_INT(chunk("5;q=\"a \\\" b;c\""), 5);
	CHECK_INT(chunk("a;x=1;y=\"\";z"), 10);
	CHECK_INT(chunk("5 "), 5);
}

static void
test_malformed_chunk_extensions_are_refused(void)
{
	CHECK_INT(chunk("5;"), -1);
	CHECK_INT(chunk("5;=v"), -1);
	CHECK_INT(chunk("5;a="), -1);
	CHECK_INT(chunk("5;a=\"unterminated"), -1);
	CHECK_INT(chunk("5;a=b c"), -1);
	CHECK_INT(chunk("5;a=\"\x01\""), -1);
	CHECK_INT(chunk("5 5"), -1);
}

/* --- the server itself, over loopback ----------------------------- */

#define BIG_LEN		(8 << 20)

static struct {
	struct event_base	*base;
	struct http		*http;
	int			 port;
	char			*big;
} sv;

/* GET /big: a body larger than the socket buffers hold. */
static void
big_handler(struct http_req *req, void *arg)
{
	http_reply(req, 200, "application/octet-stream", sv.big, BIG_LEN);
}

/* A server on an ephemeral port with one route. */
static void
server_start(void)
{
	struct http_limits	l = { .max_body = 1024, .max_big_body = 1024,
				    .max_headers = 4096, .read_timeout = 30,
				    .max_connections = 16 };
	size_t			i;

	CHECK((sv.big = malloc(BIG_LEN)) != NULL);
	for (i = 0; i < BIG_LEN; i++)
		sv.big[i] = (char)('a' + i % 26);
	CHECK((sv.base = event_base_new()) != NULL);
	CHECK((sv.http = http_new(sv.base, &l)) != NULL);
	http_route(sv.http, HTTP_GET, "/big", 0, 0, big_handler, NULL);
	CHECK_INT(http_listen(sv.http, "127.0.0.1", 0), 0);
	sv.port = http_port(sv.http);
}

static void
server_stop(void)
{
	http_free(sv.http);
	event_base_free(sv.base);
	free(sv.big);
	memset(&sv, 0, sizeof sv);
}

/* A non-blocking client with a small receive window. */
static int
client_connect(void)
{
	struct sockaddr_in	sin;
	int			fd, small = 4096;

	CHECK((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)sv.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_INT(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	return fd;
}

/* Turn the server's loop n times without waiting. */
static void
turn(int n)
{
	while (n-- > 0)
		event_base_loop(sv.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

/* Read until the server closes; returns what arrived (caller frees). */
static char *
read_to_eof(int fd, size_t *len)
{
	size_t	size = BIG_LEN + 65536, n = 0;
	char	*buf;
	ssize_t	 r;
	int	 spins = 0;

	CHECK((buf = malloc(size)) != NULL);
	for (;;) {
		CHECK(n < size);
		r = recv(fd, buf + n, size - n, 0);
		if (r > 0) {
			n += (size_t)r;
			spins = 0;
			continue;
		}
		if (r == 0)
			break;
		CHECK(errno == EAGAIN || errno == EWOULDBLOCK);
		/* Nothing to read: let the server run for up to 10 ms (it must
		 * make progress or close within 5 s: a stalled server fails
		 * the test instead of hanging it). */
		CHECK(++spins < 500);
		{
			struct timeval tv = { 0, 10000 };

			event_base_loopexit(sv.base, &tv);
			event_base_dispatch(sv.base);
		}
	}
	*len = n;
	return buf;
}

/* Whether [buf, buf + len) contains s. */
static int
has(const char *buf, size_t len, const char *s)
{
	return memmem(buf, len, s, strlen(s)) != NULL;
}

/* Whether buf holds an answer of 200 with the whole big body. */
static int
whole_big_answer(const char *buf, size_t len)
{
	const char	*body;

	if (len < 12 || memcmp(buf, "HTTP/1.1 200", 12) != 0 ||
	    (body = memmem(buf, len, "\r\n\r\n", 4)) == NULL)
		return 0;
	body += 4;
	return (size_t)(buf + len - body) == BIG_LEN &&
	    memcmp(body, sv.big, BIG_LEN) == 0;
}

static void
test_a_large_answer_reaches_a_slow_reader_whole_before_the_close(void)
{
	static const char	req[] = "GET /big HTTP/1.1\r\nHost: x\r\n"
				    "Connection: close\r\n\r\n";
	char			*buf;
	size_t			 len;
	int			 fd;

	server_start();
	fd = client_connect();
	CHECK(send(fd, req, sizeof req - 1, 0) == (ssize_t)(sizeof req - 1));
	/* Read nothing for a while: the server's writes fill the socket
	 * and it must wait for room, not drop the rest or close early. */
	turn(200);
	buf = read_to_eof(fd, &len);
	CHECK(whole_big_answer(buf, len));
	free(buf);
	close(fd);
	while (http_connections(sv.http) > 0)
		event_base_loop(sv.base, EVLOOP_ONCE);
	server_stop();
}

static void
test_a_refused_request_is_answered_in_json_and_closed(void)
{
	static const char	req[] = "POST /big HTTP/1.1\r\nHost: x\r\n"
				    "Content-Length: 999999\r\n\r\n";
	char			*buf;
	size_t			 len;
	int			 fd;

	server_start();
	fd = client_connect();
	CHECK(send(fd, req, sizeof req - 1, 0) == (ssize_t)(sizeof req - 1));
	shutdown(fd, SHUT_WR);
	buf = read_to_eof(fd, &len);
	CHECK(len > 12 && memcmp(buf, "HTTP/1.1 405", 12) == 0);
	CHECK(has(buf, len, "\r\nConnection: close\r\n"));
	CHECK(has(buf, len, "{\"error\":\"method not allowed\""));
	free(buf);
	close(fd);
	while (http_connections(sv.http) > 0)
		event_base_loop(sv.base, EVLOOP_ONCE);
	server_stop();
}

static const struct check_test tests[] = {
	TEST(test_a_plain_request_is_split_into_method_target_version_and_fields),
	TEST(test_lf_alone_ends_a_line_too),
	TEST(test_two_content_length_fields_are_refused),
	TEST(test_whitespace_before_a_colon_is_refused),
	TEST(test_content_length_must_be_digits_only),
	TEST(test_a_nul_or_control_character_in_a_value_is_refused),
	TEST(test_obsolete_line_folding_is_refused),
	TEST(test_a_field_needs_a_name_and_a_colon),
	TEST(test_transfer_encoding_must_be_chunked_alone),
	TEST(test_only_100_continue_is_expected),
	TEST(test_the_request_line_is_method_target_and_version),
	TEST(test_a_later_http_1_minor_version_is_read_as_1_1),
	TEST(test_the_head_must_end_with_an_empty_line),
	TEST(test_more_than_the_most_fields_is_431),
	TEST(test_trailer_fields_are_checked_like_header_fields),
	TEST(test_a_chunk_size_is_hexadecimal),
	TEST(test_valid_chunk_extensions_are_accepted),
	TEST(test_malformed_chunk_extensions_are_refused),
	TEST(test_a_large_answer_reaches_a_slow_reader_whole_before_the_close),
	TEST(test_a_refused_request_is_answered_in_json_and_closed),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("http", tests, argc, argv);
}
