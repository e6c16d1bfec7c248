/*
 * fuzz-http-head.c: the request-head parser, the trailer check and the
 * chunk-size line parser (io/http.h) on arbitrary bytes.  Besides not
 * crashing, a head that passes must keep http.h's promises, and the head
 * the connection filter rebuilds from it for evhttp must parse back to the
 * same request: what evhttp reads is exactly what was checked.
 *
 * tools/fuzz links only daemon/base, rules and conf, and the parser lives
 * in io/http.c beside the filter that uses it; so http.c is compiled into
 * this target (its libevent and cJSON calls link from the system
 * libraries; the replay build then needs nothing from libreplyd's http.o).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/http.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Whether [s, s + n) is a token. */
static int
fuzz_token(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!http_tchar((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/* Check a parsed head against the buffer it came from. */
static void
fuzz_head_check(const struct http_head *hd, const char *buf, size_t size)
{
	const struct http_field	*f;
	size_t			 i, j;
	unsigned char		 c;

#define FUZZ_IN(p, n) ((p) >= buf && (n) <= size && (p) + (n) <= buf + size)
	if (!FUZZ_IN(hd->method, hd->method_len) ||
	    !fuzz_token(hd->method, hd->method_len))
		abort();
	if (!FUZZ_IN(hd->target, hd->target_len) || hd->target_len == 0)
		abort();
	for (i = 0; i < hd->target_len; i++)
		if ((unsigned char)hd->target[i] <= ' ' ||
		    (unsigned char)hd->target[i] >= 0x7f)
			abort();
	if ((hd->minor != 0 && hd->minor != 1) ||
	    hd->nfields > HTTP_HEAD_MAX_FIELDS)
		abort();
	if (hd->content_length < -1 || (hd->chunked &&
	    hd->content_length != -1) || (hd->chunked && hd->minor == 0))
		abort();
	for (i = 0; i < hd->nfields; i++) {
		f = &hd->fields[i];
		if (!FUZZ_IN(f->name, f->name_len) ||
		    !FUZZ_IN(f->value, f->value_len) ||
		    !fuzz_token(f->name, f->name_len))
			abort();
		if (f->value_len > 0 && (f->value[0] == ' ' ||
		    f->value[0] == '\t' || f->value[f->value_len - 1] == ' ' ||
		    f->value[f->value_len - 1] == '\t'))
			abort();
		for (j = 0; j < f->value_len; j++) {
			c = (unsigned char)f->value[j];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				abort();
		}
	}
	if (size < 2 || buf[size - 1] != '\n')
		abort();
#undef FUZZ_IN
}

/* Rebuild the head as the filter does and parse it again: same request. */
static void
fuzz_head_round_trip(const struct http_head *hd)
{
	struct http_head	*again;
	struct evbuffer		*out;
	char			 why[160], *p;
	size_t			 n, i, k;

	if ((out = evbuffer_new()) == NULL ||
	    (again = malloc(sizeof *again)) == NULL)
		abort();
	http_head_write(out, hd);
	if (hd->content_length >= 0)
		evbuffer_add_printf(out, "Content-Length: %lld\r\n",
		    hd->content_length);
	evbuffer_add(out, "\r\n", 2);
	n = evbuffer_get_length(out);
	if ((p = (char *)evbuffer_pullup(out, -1)) == NULL)
		abort();
	if (http_head_parse(p, n, again, why, sizeof why) != 0)
		abort();
	if (again->method_len != hd->method_len ||
	    memcmp(again->method, hd->method, hd->method_len) != 0 ||
	    again->target_len != hd->target_len ||
	    memcmp(again->target, hd->target, hd->target_len) != 0 ||
	    again->minor != hd->minor ||
	    again->content_length != hd->content_length ||
	    again->chunked != 0)
		abort();
	/* Every field but the framing ones, in order, unchanged. */
	for (i = 0, k = 0; i < hd->nfields; i++) {
		const struct http_field	*f = &hd->fields[i], *g;

		if (http_name_is(f, "Content-Length") ||
		    http_name_is(f, "Transfer-Encoding") ||
		    (http_name_is(f, "Expect") && (hd->chunked ||
		    hd->minor == 0)))
			continue;
		if (k >= again->nfields)
			abort();
		g = &again->fields[k++];
		if (g->name_len != f->name_len || g->value_len !=
		    f->value_len || memcmp(g->name, f->name, f->name_len) != 0 ||
		    memcmp(g->value, f->value, f->value_len) != 0)
			abort();
	}
	free(again);
	evbuffer_free(out);
}

/* Parse one input as a request head, a trailer and a chunk-size line. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_head	 hd;
	const char		*buf = (const char *)data;
	const char		*lf;
	char			 why[160];
	unsigned long long	 n;
	int			 rc;

	why[0] = '\0';
	rc = http_head_parse(buf, size, &hd, why, sizeof why);
	if (rc == 0) {
		fuzz_head_check(&hd, buf, size);
		fuzz_head_round_trip(&hd);
	} else if ((rc != 400 && rc != 417 && rc != 431 && rc != 501 &&
	    rc != 505) || why[0] == '\0')
		abort();

	why[0] = '\0';
	rc = http_trailer_parse(buf, size, why, sizeof why);
	if (rc != 0 && why[0] == '\0')
		abort();

	lf = memchr(buf, '\n', size);
	if (http_chunk_line(buf, lf ? (size_t)(lf - buf) : size, &n) == 0 &&
	    (size == 0 || strchr("0123456789abcdefABCDEF", buf[0]) == NULL ||
	    buf[0] == '\0'))
		abort();
	return 0;
}
