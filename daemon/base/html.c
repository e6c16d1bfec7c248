/*
 * html.c: plain text from an HTML email body, in one forward pass over the
 * bytes (linear time, never reading past len).  It is not an HTML parser:
 * it knows which tags end a line, which elements hold no readable text
 * (script, style, title, head), how comments end and how entities decode,
 * and that is all staff need to read what a young person wrote.
 *
 * Rules:
 * - tags are dropped; <br> and <hr>, and the end of a paragraph, div, list
 *   item, table row, heading or other block, end a line; the start of a
 *   block ends a line only if the line holds text; table cells are
 *   separated by a space;
 * - script, style and title content, comments, <!DOCTYPE>/<?xml?> and
 *   head content are skipped; as in browsers, the head ends at </head>,
 *   <body>, any tag that cannot be in a head, or text (so a body that
 *   forgot its <body> tag is still shown);
 * - entities: &amp; &lt; &gt; &quot; &#39; &apos; &nbsp; (a plain space),
 *   a few common typographic ones, and numeric &#NNN; / &#xHH; into UTF-8
 *   (0, surrogates and beyond U+10FFFF give U+FFFD, 128-159 are read as
 *   Windows-1252 like browsers do); anything else, or a reference without
 *   its ';', is kept literally;
 * - whitespace runs become one space (inside <pre> a line break stays a
 *   line break); no space at the start or end of a line; at most two line
 *   breaks in a row; the result is trimmed;
 * - other control characters are dropped, so the text is safe to print;
 *   other bytes (UTF-8) are kept as they are.
 *
 * The output is never longer than the input, so one allocation suffices.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/html.h"

#define HTML_TAG_NAME	16	/* longest tag name we compare, with NUL */
#define HTML_ENTITY_NAME 8	/* longest entity name we know, "hellip" */
#define HTML_REPLACEMENT 0xfffd

struct html_out {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	int	 space;		/* a space is owed before the next text */
	int	 newlines;	/* line breaks at the end of buf */
};

struct html_state {
	int	in_head;
	int	in_pre;
};

static const struct {
	const char	*name;
	unsigned	 cp;
} html_entities[] = {
	{ "amp", '&' }, { "AMP", '&' }, { "lt", '<' }, { "LT", '<' },
	{ "gt", '>' }, { "GT", '>' }, { "quot", '"' }, { "QUOT", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 },
	{ "ndash", 0x2013 }, { "mdash", 0x2014 }, { "lsquo", 0x2018 },
	{ "rsquo", 0x2019 }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "hellip", 0x2026 }, { "bull", 0x2022 }, { "middot", 0xb7 },
	{ "pound", 0xa3 }, { "euro", 0x20ac }, { "copy", 0xa9 },
	{ "reg", 0xae }, { "trade", 0x2122 }, { "laquo", 0xab },
	{ "raquo", 0xbb }, { "deg", 0xb0 }, { "times", 0xd7 },
};

/* What browsers show for &#128; to &#159; (Windows-1252), 0 for none. */
static const unsigned short html_cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178
};

/* Elements whose start and end break the line. */
static const char *const html_blocks[] = {
	"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
	"blockquote", "pre", "table", "ul", "ol", "dl", "dt", "dd",
	"section", "article", "header", "footer", "nav", "aside", "main",
	"address", "figure", "figcaption", "form", "fieldset", "center",
	"caption", "details", "summary", "body", "html"
};

/* Elements that may stand in a head; any other start tag ends it. */
static const char *const html_head_tags[] = {
	"head", "title", "meta", "link", "style", "script", "base",
	"noscript", "template", "html"
};

/* Is c HTML whitespace? */
static int
html_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Is c an ASCII letter? */
static int
html_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Is name one of the words in list? */
static int
html_in(const char *name, const char *const *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

/* Append one byte of text, paying any owed space first. */
static void
html_out_byte(struct html_out *o, char c)
{
	if (o->len + 2 > o->cap)
		return;		/* cannot happen: output <= input */
	if (o->space && o->len > 0 && o->newlines == 0)
		o->buf[o->len++] = ' ';
	o->space = 0;
	o->buf[o->len++] = c;
	o->newlines = 0;
}

/* Owe a space before the next text (runs collapse into one). */
static void
html_out_space(struct html_out *o)
{
	o->space = 1;
}

/* End the line: always (hard) or only if it holds text. */
static void
html_out_newline(struct html_out *o, int hard)
{
	o->space = 0;
	if (o->len == 0 || o->newlines >= 2 || (!hard && o->newlines > 0))
		return;
	if (o->len + 2 > o->cap)
		return;
	o->buf[o->len++] = '\n';
	o->newlines++;
}

/* Append a code point as text, whitespace or nothing. */
static void
html_out_cp(struct html_out *o, const struct html_state *st, unsigned long cp)
{
	if (cp == '\n' && st->in_pre) {
		html_out_newline(o, 1);
		return;
	}
	if (cp == 0xa0 || (cp < 0x80 && html_is_space((unsigned char)cp))) {
		html_out_space(o);
		return;
	}
	if (cp >= 0x80 && cp < 0xa0)
		cp = html_cp1252[cp - 0x80];
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = HTML_REPLACEMENT;
	if (cp < 0x20 || cp == 0x7f)
		return;
	if (cp < 0x80)
		html_out_byte(o, (char)cp);
	else if (cp < 0x800) {
		html_out_byte(o, (char)(0xc0 | (cp >> 6)));
		html_out_byte(o, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		html_out_byte(o, (char)(0xe0 | (cp >> 12)));
		html_out_byte(o, (char)(0x80 | ((cp >> 6) & 0x3f)));
		html_out_byte(o, (char)(0x80 | (cp & 0x3f)));
	} else {
		html_out_byte(o, (char)(0xf0 | (cp >> 18)));
		html_out_byte(o, (char)(0x80 | ((cp >> 12) & 0x3f)));
		html_out_byte(o, (char)(0x80 | ((cp >> 6) & 0x3f)));
		html_out_byte(o, (char)(0x80 | (cp & 0x3f)));
	}
}

/* Decode the reference at s[i] == '&'; return where text resumes. */
static size_t
html_entity(struct html_out *o, const struct html_state *st, const char *s,
    size_t len, size_t i)
{
	char		 name[HTML_ENTITY_NAME + 1];
	unsigned long	 cp = 0;
	size_t		 j = i + 1, k, n = 0;
	int		 hex = 0, digit;

	if (j < len && s[j] == '#') {
		j++;
		if (j < len && (s[j] == 'x' || s[j] == 'X')) {
			hex = 1;
			j++;
		}
		for (; j < len; j++, n++) {
			unsigned char c = (unsigned char)s[j];

			if (c >= '0' && c <= '9')
				digit = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				digit = c - 'a' + 10;
			else if (hex && c >= 'A' && c <= 'F')
				digit = c - 'A' + 10;
			else
				break;
			/* Saturate: anything past U+10FFFF is invalid anyway. */
			cp = cp * (hex ? 16 : 10) + (unsigned long)digit;
			if (cp > 0x110000)
				cp = 0x110000;
		}
		if (n == 0 || j >= len || s[j] != ';') {
			html_out_byte(o, '&');
			return i + 1;
		}
		html_out_cp(o, st, cp);
		return j + 1;
	}
	while (j < len && n < HTML_ENTITY_NAME &&
	    (html_is_alpha((unsigned char)s[j]) ||
	    (s[j] >= '0' && s[j] <= '9')))
		name[n++] = s[j++];
	name[n] = '\0';
	if (n > 0 && j < len && s[j] == ';') {
		for (k = 0; k < sizeof html_entities / sizeof html_entities[0];
		    k++) {
			if (strcmp(name, html_entities[k].name) == 0) {
				html_out_cp(o, st, html_entities[k].cp);
				return j + 1;
			}
		}
	}
	html_out_byte(o, '&');
	return i + 1;
}

/* Can c follow a tag name? */
static int
html_name_end(unsigned char c)
{
	return html_is_space(c) || c == '/' || c == '>';
}

/* Skip raw text up to "</name" (any case); return its '<' or len. */
static size_t
html_skip_raw(const char *s, size_t len, size_t i, const char *name)
{
	const char	*p;
	size_t		 n = strlen(name);

	while (i < len) {
		if ((p = memchr(s + i, '<', len - i)) == NULL)
			return len;
		i = (size_t)(p - s);
		if (i + 2 + n <= len && s[i + 1] == '/' &&
		    strncasecmp(s + i + 2, name, n) == 0 &&
		    (i + 2 + n == len ||
		    html_name_end((unsigned char)s[i + 2 + n])))
			return i;
		i++;
	}
	return len;
}

/* Skip a comment starting at s[i] == "<!--"; return the byte after it. */
static size_t
html_skip_comment(const char *s, size_t len, size_t i)
{
	size_t	j = i + 4;

	/* "<!-->" and "<!--->" are (empty) comments too. */
	if (j < len && s[j] == '>')
		return j + 1;
	if (j + 1 < len && s[j] == '-' && s[j + 1] == '>')
		return j + 2;
	for (; j + 2 < len; j++)
		if (s[j] == '-' && s[j + 1] == '-' && s[j + 2] == '>')
			return j + 3;
	return len;
}

/* Skip to just past the next '>', or to len. */
static size_t
html_skip_to_gt(const char *s, size_t len, size_t i)
{
	const char	*p = memchr(s + i, '>', len - i);

	return p ? (size_t)(p - s) + 1 : len;
}

/* Act on a start or end tag. */
static size_t
html_tag_action(struct html_out *o, struct html_state *st, const char *name,
    int end, int selfclose, const char *s, size_t len, size_t j)
{
	int	block = html_in(name, html_blocks,
		    sizeof html_blocks / sizeof html_blocks[0]);

	if (strcmp(name, "br") == 0) {
		html_out_newline(o, 1);
		return j;
	}
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		html_out_space(o);
		return j;
	}
	if (end) {
		if (strcmp(name, "head") == 0)
			st->in_head = 0;
		if (strcmp(name, "pre") == 0)
			st->in_pre = 0;
		if (block)
			html_out_newline(o, 1);
		return j;
	}
	if (!html_in(name, html_head_tags,
	    sizeof html_head_tags / sizeof html_head_tags[0]))
		st->in_head = 0;
	if (strcmp(name, "hr") == 0) {
		html_out_newline(o, 1);
		return j;
	}
	if (block)
		html_out_newline(o, 0);
	if (selfclose)
		return j;
	if (strcmp(name, "head") == 0)
		st->in_head = 1;
	else if (strcmp(name, "pre") == 0) {
		/* As in browsers, a line break just after <pre> is not shown. */
		st->in_pre = 1;
		if (j < len && s[j] == '\r')
			j++;
		if (j < len && s[j] == '\n')
			j++;
	} else if (strcmp(name, "script") == 0 || strcmp(name, "style") == 0 ||
	    strcmp(name, "title") == 0)
		return html_skip_raw(s, len, j, name);
	return j;
}

/* Read the tag at s[i] == '<'; return where text resumes. */
static size_t
html_tag(struct html_out *o, struct html_state *st, const char *s,
    size_t len, size_t i)
{
	char	name[HTML_TAG_NAME];
	size_t	j = i + 1, n = 0;
	int	end = 0, selfclose = 0;
	char	q;

	if (j < len && s[j] == '!') {
		if (j + 2 < len && s[j + 1] == '-' && s[j + 2] == '-')
			return html_skip_comment(s, len, i);
		return html_skip_to_gt(s, len, j);
	}
	if (j < len && s[j] == '?')
		return html_skip_to_gt(s, len, j);
	if (j < len && s[j] == '/') {
		end = 1;
		j++;
		if (j < len && s[j] == '>')
			return j + 1;		/* "</>" is nothing */
		if (j < len && !html_is_alpha((unsigned char)s[j]))
			return html_skip_to_gt(s, len, j);
	}
	if (j >= len && end)
		return len;
	if (j >= len || !html_is_alpha((unsigned char)s[j])) {
		/* "a < b": a lone '<' is text, and text ends a head. */
		st->in_head = 0;
		html_out_byte(o, '<');
		return i + 1;
	}
	for (; j < len && !html_name_end((unsigned char)s[j]); j++) {
		if (n + 1 < sizeof name) {
			char c = s[j];

			name[n++] = c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
		} else
			n = sizeof name;	/* too long to be one we know */
	}
	if (n >= sizeof name)
		n = 0;
	name[n] = '\0';
	/* Attributes: names, '=', quoted or bare values, until '>'. */
	for (;;) {
		while (j < len && (html_is_space((unsigned char)s[j]) ||
		    s[j] == '/')) {
			selfclose = s[j] == '/';
			j++;
		}
		if (j >= len)
			return len;	/* an unfinished tag hides the rest */
		if (s[j] == '>') {
			j++;
			break;
		}
		selfclose = 0;
		do
			j++;
		while (j < len && !html_name_end((unsigned char)s[j]) &&
		    s[j] != '=');
		while (j < len && html_is_space((unsigned char)s[j]))
			j++;
		if (j < len && s[j] == '=') {
			j++;
			while (j < len && html_is_space((unsigned char)s[j]))
				j++;
			if (j < len && (s[j] == '"' || s[j] == '\'')) {
				const char *p;

				q = s[j];
				p = j + 1 < len ?
				    memchr(s + j + 1, q, len - j - 1) : NULL;
				if (p == NULL)
					return len;
				j = (size_t)(p - s) + 1;
			} else
				while (j < len &&
				    !html_is_space((unsigned char)s[j]) &&
				    s[j] != '>')
					j++;
		}
	}
	return html_tag_action(o, st, name, end, selfclose, s, len, j);
}

/* Plain text from an HTML body (malloc'd, NUL-terminated). */
char *
html_to_text(const char *html, size_t len, size_t *out_len)
{
	struct html_out		o;
	struct html_state	st = { 0, 0 };
	size_t			i = 0;
	unsigned char		c;

	if (html == NULL)
		len = 0;
	memset(&o, 0, sizeof o);
	o.cap = len + 2;
	if ((o.buf = malloc(o.cap)) == NULL)
		return NULL;
	while (i < len) {
		c = (unsigned char)html[i];
		if (c == '<') {
			i = html_tag(&o, &st, html, len, i);
			continue;
		}
		if (st.in_head) {
			if (!html_is_space(c))
				st.in_head = 0;		/* text ends a head */
			else {
				i++;
				continue;
			}
		}
		if (c == '&') {
			i = html_entity(&o, &st, html, len, i);
			continue;
		}
		if (c == '\n' && st.in_pre)
			html_out_newline(&o, 1);
		else if (html_is_space(c))
			html_out_space(&o);
		else if (c >= 0x20 && c != 0x7f)
			html_out_byte(&o, (char)c);
		i++;
	}
	while (o.len > 0 && (o.buf[o.len - 1] == '\n' ||
	    o.buf[o.len - 1] == ' '))
		o.len--;
	o.buf[o.len] = '\0';
	if (out_len != NULL)
		*out_len = o.len;
	return o.buf;
}
