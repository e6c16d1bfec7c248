/*
 * fuzz-template.c: the page templates' escaping on arbitrary data, and the
 * compiler on arbitrary templates.  The first byte chooses:
 *
 * - even: the rest is a value, rendered in text, in a quoted attribute, at
 *   the start of an href and later in one.  The escaped value must hold no
 *   character that could end the place it is in, every '&' must begin one
 *   of the references the renderer writes, and decoding it must give the
 *   value back exactly (a NUL as U+FFFD); at the start of an href it is
 *   that, or the unsafe-URL marker, and only a relative URL or one of
 *   http, https, mailto or tel survives;
 * - odd: the rest is a template.  If it compiles, it renders (with every
 *   name it may ask for set to a hostile value) without crashing, and the
 *   hostile value's "<" never appears unescaped unless the template itself
 *   holds the same bytes.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/template.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define UNSAFE	"about:invalid#replyd-unsafe-url"
#define HOSTILE	"<\x7fq\"'`&"

/* Render one template with x set to len bytes of v; NULL if it fails. */
static char *
fuzz_render(const char *src, const char *v, size_t len, size_t *outlen)
{
	struct template		*t;
	struct template_data	*d;
	struct template_html	*h;
	char			 err[256], *out = NULL;
	const char		*text;

	if ((t = template_compile("f", src, strlen(src), err, sizeof err)) ==
	    NULL)
		abort();
	if ((d = template_data_new()) == NULL)
		abort();
	template_setn(template_root(d), "x", v, len);
	if ((h = template_render(t, d, err, sizeof err)) == NULL)
		abort();
	text = template_html_text(h, outlen);
	if ((out = malloc(*outlen + 1)) == NULL)
		abort();
	memcpy(out, text, *outlen + 1);
	template_html_free(h);
	template_data_free(d);
	template_free(t);
	return out;
}

/* The part of out between prefix and suffix (aborting if absent). */
static const char *
fuzz_middle(const char *out, size_t len, const char *prefix,
    const char *suffix, size_t *mlen)
{
	size_t	p = strlen(prefix), s = strlen(suffix);

	if (len < p + s || memcmp(out, prefix, p) != 0 ||
	    memcmp(out + len - s, suffix, s) != 0)
		abort();
	*mlen = len - p - s;
	return out + p;
}

/* Check an escaped value and that it decodes back to v. */
static void
fuzz_check_escaped(const char *e, size_t elen, const uint8_t *v, size_t vlen)
{
	static const struct { const char *ref; char ch; } refs[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&#39;", '\'' }, { "&#96;", '`' },
	};
	size_t	i = 0, j = 0, k;

	while (i < elen) {
		if (e[i] == '<' || e[i] == '>' || e[i] == '"' ||
		    e[i] == '\'' || e[i] == '`' || e[i] == '\0')
			abort();
		if (e[i] == '&') {
			for (k = 0; k < sizeof refs / sizeof refs[0]; k++)
				if (elen - i >= strlen(refs[k].ref) &&
				    memcmp(e + i, refs[k].ref,
				    strlen(refs[k].ref)) == 0)
					break;
			if (k == sizeof refs / sizeof refs[0])
				abort();
			if (j >= vlen || v[j] != (uint8_t)refs[k].ch)
				abort();
			i += strlen(refs[k].ref);
			j++;
			continue;
		}
		if (j < vlen && v[j] == 0) {
			if (elen - i < 3 || memcmp(e + i, "\xef\xbf\xbd", 3))
				abort();
			i += 3;
			j++;
			continue;
		}
		if (j >= vlen || (uint8_t)e[i] != v[j])
			abort();
		i++;
		j++;
	}
	if (j != vlen)
		abort();
}

/* Whether a URL has a scheme other than http, https, mailto or tel, read
 * as a browser does (leading controls skipped, tabs and breaks removed). */
static int
fuzz_bad_scheme(const uint8_t *v, size_t n)
{
	char	s[64];
	size_t	i = 0, k = 0;

	while (i < n && v[i] <= 0x20)
		i++;
	for (; i < n && k + 1 < sizeof s; i++) {
		if (v[i] == '\t' || v[i] == '\n' || v[i] == '\r')
			continue;
		if (v[i] == ':')
			break;
		if (!isalnum(v[i]) && v[i] != '+' && v[i] != '-' &&
		    v[i] != '.')
			return 0;	/* no scheme: relative */
		s[k++] = (char)tolower(v[i]);
	}
	if (i >= n || v[i] != ':' || k == 0 || !isalpha((unsigned char)s[0]))
		return 0;
	s[k] = '\0';
	return strcmp(s, "http") != 0 && strcmp(s, "https") != 0 &&
	    strcmp(s, "mailto") != 0 && strcmp(s, "tel") != 0;
}

/* Mode even: the escaping of one value in every place. */
static void
fuzz_value(const uint8_t *v, size_t n)
{
	const char	*m;
	char		*out;
	size_t		 len, mlen, i;

	out = fuzz_render("<p>{{x}}</p>", (const char *)v, n, &len);
	m = fuzz_middle(out, len, "<p>", "</p>", &mlen);
	fuzz_check_escaped(m, mlen, v, n);
	free(out);

	out = fuzz_render("<input value=\"{{x}}\">", (const char *)v, n, &len);
	m = fuzz_middle(out, len, "<input value=\"", "\">", &mlen);
	fuzz_check_escaped(m, mlen, v, n);
	free(out);

	out = fuzz_render("<textarea>{{x}}</textarea>", (const char *)v, n,
	    &len);
	m = fuzz_middle(out, len, "<textarea>", "</textarea>", &mlen);
	fuzz_check_escaped(m, mlen, v, n);
	free(out);

	out = fuzz_render("<a href='{{x}}'>a</a>", (const char *)v, n, &len);
	m = fuzz_middle(out, len, "<a href='", "'>a</a>", &mlen);
	if (mlen == strlen(UNSAFE) && memcmp(m, UNSAFE, mlen) == 0) {
		if (!fuzz_bad_scheme(v, n) && memchr(v, ':', n) == NULL)
			abort();	/* refused a URL with no colon at all */
	} else {
		if (fuzz_bad_scheme(v, n))
			abort();
		fuzz_check_escaped(m, mlen, v, n);
	}
	free(out);

	out = fuzz_render("<a href=\"/c/{{x}}\">a</a>", (const char *)v, n,
	    &len);
	m = fuzz_middle(out, len, "<a href=\"/c/", "\">a</a>", &mlen);
	for (i = 0; i < mlen; i++)
		if (!isalnum((unsigned char)m[i]) && m[i] != '-' &&
		    m[i] != '.' && m[i] != '_' && m[i] != '~' && m[i] != '%')
			abort();
	if (mlen < n)
		abort();
	free(out);
}

/* Mode odd: compile a template, render it with hostile data. */
static void
fuzz_template(const uint8_t *src, size_t n)
{
	static const char *const names[] = { "x", "a", "b", "c", "name",
	    "text", "title", "url", "id", ".", NULL };
	struct template		*t;
	struct template_data	*d;
	struct template_node	*root, *list, *item;
	struct template_html	*h;
	const char		*text;
	char			 err[256];
	size_t			 i, len;

	if ((t = template_compile("f", (const char *)src, n, err,
	    sizeof err)) == NULL) {
		if (err[0] == '\0' || strlen(err) >= sizeof err)
			abort();
		return;
	}
	if ((d = template_data_new()) == NULL)
		abort();
	root = template_root(d);
	for (i = 0; names[i] != NULL; i++)
		template_set(root, names[i], HOSTILE);
	list = template_set_list(root, "items");
	for (i = 0; i < 3; i++) {
		item = template_append_object(list);
		template_set(item, "x", HOSTILE);
		template_set_bool(item, "on", (int)(i & 1));
	}
	template_set_bool(root, "yes", 1);
	if ((h = template_render(t, d, err, sizeof err)) != NULL) {
		text = template_html_text(h, &len);
		if (memmem(text, len, "<\x7fq", 3) != NULL &&
		    memmem(src, n, "<\x7fq", 3) == NULL)
			abort();
		template_html_free(h);
	}
	template_data_free(d);
	template_free(t);
}

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0)
		fuzz_value(data + 1, size - 1);
	else
		fuzz_template(data + 1, size - 1);
	return 0;
}
