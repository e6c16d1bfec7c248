/*
 * jsonc.c: a small recursive-descent parser for JSON with comments that
 * records the position of every key and value.  Strings are decoded from
 * JSON escapes into UTF-8.  Depth is bounded so hostile input cannot
 * exhaust the stack.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonc.h"

#define JSONC_MAX_DEPTH	64
#define JSONC_MAX_FILE	(64 * 1024 * 1024)

struct jparser {
	const char	*file;
	const char	*p, *end;
	int		 line, col;
	struct jerrs	*errs;
	int		 failed;
};

static struct jv	*jsonc_value(struct jparser *, struct jv *, int);

/* Append a formatted error to the list. */
void
jerr_vadd(struct jerrs *errs, const char *file, int line, int col,
    const char *fmt, va_list ap)
{
	char	 msg[1024], *full, **nmsg;
	int	 n;

	if (errs == NULL)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (line > 0 && col > 0)
		n = asprintf(&full, "%s:%d:%d: %s", file, line, col, msg);
	else if (line > 0)
		n = asprintf(&full, "%s:%d: %s", file, line, msg);
	else
		n = asprintf(&full, "%s: %s", file, msg);
	if (n == -1)
		return;
	if (errs->n == errs->cap) {
		errs->cap = errs->cap ? errs->cap * 2 : 8;
		nmsg = realloc(errs->msg, errs->cap * sizeof *nmsg);
		if (nmsg == NULL) {
			free(full);
			return;
		}
		errs->msg = nmsg;
	}
	errs->msg[errs->n++] = full;
}

/* Add an error at an explicit position. */
void
jerr_add(struct jerrs *errs, const char *file, int line, int col,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	jerr_vadd(errs, file, line, col, fmt, ap);
	va_end(ap);
}

/* Add an error at a value's position. */
void
jerr_at(struct jerrs *errs, const struct jv *v, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	jerr_vadd(errs, v->file, v->line, v->col, fmt, ap);
	va_end(ap);
}

/* Add an error at a member's key (or the value when it has no key). */
void
jerr_key(struct jerrs *errs, const struct jv *v, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (v->key != NULL)
		jerr_vadd(errs, v->file, v->key_line, v->key_col, fmt, ap);
	else
		jerr_vadd(errs, v->file, v->line, v->col, fmt, ap);
	va_end(ap);
}

/* Free the collected messages. */
void
jerrs_clear(struct jerrs *errs)
{
	size_t	i;

	for (i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->n = errs->cap = 0;
}

/* Report a syntax error at the parser's position. */
static void
jsonc_error(struct jparser *jp, const char *what)
{
	if (jp->failed)
		return;
	jp->failed = 1;
	jerr_add(jp->errs, jp->file, jp->line, jp->col, "%s", what);
}

/* Consume one byte, tracking line and column. */
static void
jsonc_advance(struct jparser *jp)
{
	if (*jp->p == '\n') {
		jp->line++;
		jp->col = 1;
	} else if (((unsigned char)*jp->p & 0xc0) != 0x80)
		jp->col++;	/* count characters, not UTF-8 bytes */
	jp->p++;
}

/* Skip white space and comments. */
static void
jsonc_skip(struct jparser *jp)
{
	while (jp->p < jp->end) {
		if (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' ||
		    *jp->p == '\r') {
			jsonc_advance(jp);
		} else if (*jp->p == '/' && jp->p + 1 < jp->end &&
		    jp->p[1] == '/') {
			while (jp->p < jp->end && *jp->p != '\n')
				jsonc_advance(jp);
		} else if (*jp->p == '/' && jp->p + 1 < jp->end &&
		    jp->p[1] == '*') {
			int line = jp->line, col = jp->col;

			jsonc_advance(jp);
			jsonc_advance(jp);
			while (jp->p + 1 < jp->end &&
			    !(jp->p[0] == '*' && jp->p[1] == '/'))
				jsonc_advance(jp);
			if (jp->p + 1 >= jp->end) {
				jp->line = line;
				jp->col = col;
				jsonc_error(jp, "unterminated comment");
				jp->p = jp->end;
				return;
			}
			jsonc_advance(jp);
			jsonc_advance(jp);
		} else
			break;
	}
}

/* Allocate a node at the current position. */
static struct jv *
jsonc_node(struct jparser *jp, enum jv_type t, struct jv *parent)
{
	struct jv	*v;

	if ((v = calloc(1, sizeof *v)) == NULL) {
		jsonc_error(jp, "out of memory");
		return NULL;
	}
	v->type = t;
	v->file = jp->file;
	v->line = jp->line;
	v->col = jp->col;
	v->parent = parent;
	return v;
}

/* Write a code point as UTF-8; return bytes written. */
static size_t
jsonc_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Read four hex digits; -1 if they are not. */
static long
jsonc_hex4(struct jparser *jp)
{
	long	v = 0;
	int	i, c;

	for (i = 0; i < 4; i++) {
		if (jp->p >= jp->end)
			return -1;
		c = (unsigned char)*jp->p;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
		jsonc_advance(jp);
	}
	return v;
}

/* Parse a string at the opening quote into a new buffer. */
static char *
jsonc_string(struct jparser *jp, size_t *lenp)
{
	const char	*start;
	char		*out, *o;
	long		 cp, lo;

	jsonc_advance(jp);	/* opening quote */
	start = jp->p;
	/* Decoded text is never longer than the source. */
	while (jp->p < jp->end && *jp->p != '"') {
		if (*jp->p == '\\' && jp->p + 1 < jp->end)
			jp->p++;
		jp->p++;
	}
	if ((out = malloc((size_t)(jp->p - start) + 1)) == NULL) {
		jsonc_error(jp, "out of memory");
		return NULL;
	}
	jp->p = start;
	o = out;
	while (jp->p < jp->end && *jp->p != '"') {
		unsigned char c = (unsigned char)*jp->p;

		if (c < 0x20) {
			jsonc_error(jp, "control character in string");
			free(out);
			return NULL;
		}
		if (c != '\\') {
			*o++ = (char)c;
			jsonc_advance(jp);
			continue;
		}
		jsonc_advance(jp);
		if (jp->p >= jp->end)
			break;
		c = (unsigned char)*jp->p;
		jsonc_advance(jp);
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if ((cp = jsonc_hex4(jp)) == -1) {
				jsonc_error(jp, "bad \\u escape in string");
				free(out);
				return NULL;
			}
			if (cp >= 0xd800 && cp <= 0xdbff && jp->p + 1 < jp->end &&
			    jp->p[0] == '\\' && jp->p[1] == 'u') {
				jsonc_advance(jp);
				jsonc_advance(jp);
				if ((lo = jsonc_hex4(jp)) < 0xdc00 || lo > 0xdfff) {
					jsonc_error(jp, "bad surrogate pair in string");
					free(out);
					return NULL;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			/* \uXXXX is six source bytes, at most four out. */
			o += jsonc_utf8(o, (unsigned long)cp);
			break;
		default:
			jsonc_error(jp, "bad escape in string");
			free(out);
			return NULL;
		}
	}
	if (jp->p >= jp->end) {
		jsonc_error(jp, "unterminated string");
		free(out);
		return NULL;
	}
	jsonc_advance(jp);	/* closing quote */
	*o = '\0';
	*lenp = (size_t)(o - out);
	return out;
}

/* Parse a number per the JSON grammar. */
static int
jsonc_number(struct jparser *jp, struct jv *v)
{
	const char	*s = jp->p;
	char		 buf[64];
	size_t		 n;

	if (jp->p < jp->end && *jp->p == '-')
		jsonc_advance(jp);
	if (jp->p >= jp->end || *jp->p < '0' || *jp->p > '9')
		goto bad;
	if (*jp->p == '0')
		jsonc_advance(jp);
	else
		while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9')
			jsonc_advance(jp);
	if (jp->p < jp->end && *jp->p == '.') {
		jsonc_advance(jp);
		if (jp->p >= jp->end || *jp->p < '0' || *jp->p > '9')
			goto bad;
		while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9')
			jsonc_advance(jp);
	}
	if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
		jsonc_advance(jp);
		if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-'))
			jsonc_advance(jp);
		if (jp->p >= jp->end || *jp->p < '0' || *jp->p > '9')
			goto bad;
		while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9')
			jsonc_advance(jp);
	}
	n = (size_t)(jp->p - s);
	if (n >= sizeof buf)
		goto bad;
	memcpy(buf, s, n);
	buf[n] = '\0';
	v->num = strtod(buf, NULL);
	return 0;
bad:
	jsonc_error(jp, "bad number");
	return -1;
}

/* Match a literal word such as "true". */
static int
jsonc_word(struct jparser *jp, const char *w)
{
	size_t	n = strlen(w);

	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, w, n) != 0)
		return -1;
	while (n-- > 0)
		jsonc_advance(jp);
	return 0;
}

/* Parse the members of an object at its opening brace. */
static int
jsonc_object(struct jparser *jp, struct jv *obj, int depth)
{
	struct jv	**tail = &obj->child, *m, *o;
	char		 *key;
	size_t		  klen;
	int		  kline, kcol;

	jsonc_advance(jp);
	jsonc_skip(jp);
	if (jp->p < jp->end && *jp->p == '}') {
		jsonc_advance(jp);
		return 0;
	}
	for (;;) {
		jsonc_skip(jp);
		if (jp->p >= jp->end || *jp->p != '"') {
			jsonc_error(jp, "expected a quoted key");
			return -1;
		}
		kline = jp->line;
		kcol = jp->col;
		if ((key = jsonc_string(jp, &klen)) == NULL)
			return -1;
		for (o = obj->child; o != NULL; o = o->next)
			if (strcmp(o->key, key) == 0) {
				jerr_add(jp->errs, jp->file, kline, kcol,
				    "duplicate key \"%s\"", key);
				jp->failed = 1;
				free(key);
				return -1;
			}
		jsonc_skip(jp);
		if (jp->p >= jp->end || *jp->p != ':') {
			jsonc_error(jp, "expected ':' after key");
			free(key);
			return -1;
		}
		jsonc_advance(jp);
		jsonc_skip(jp);
		if ((m = jsonc_value(jp, obj, depth + 1)) == NULL) {
			free(key);
			return -1;
		}
		m->key = key;
		m->key_line = kline;
		m->key_col = kcol;
		*tail = m;
		tail = &m->next;
		jsonc_skip(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jsonc_advance(jp);
			continue;
		}
		if (jp->p < jp->end && *jp->p == '}') {
			jsonc_advance(jp);
			return 0;
		}
		jsonc_error(jp, "expected ',' or '}' in object");
		return -1;
	}
}

/* Parse the elements of an array at its opening bracket. */
static int
jsonc_array(struct jparser *jp, struct jv *arr, int depth)
{
	struct jv	**tail = &arr->child, *e;

	jsonc_advance(jp);
	jsonc_skip(jp);
	if (jp->p < jp->end && *jp->p == ']') {
		jsonc_advance(jp);
		return 0;
	}
	for (;;) {
		jsonc_skip(jp);
		if ((e = jsonc_value(jp, arr, depth + 1)) == NULL)
			return -1;
		*tail = e;
		tail = &e->next;
		jsonc_skip(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jsonc_advance(jp);
			continue;
		}
		if (jp->p < jp->end && *jp->p == ']') {
			jsonc_advance(jp);
			return 0;
		}
		jsonc_error(jp, "expected ',' or ']' in array");
		return -1;
	}
}

/* Parse any value at the current position. */
static struct jv *
jsonc_value(struct jparser *jp, struct jv *parent, int depth)
{
	struct jv	*v;
	int		 rc = 0;

	jsonc_skip(jp);
	if (depth > JSONC_MAX_DEPTH) {
		jsonc_error(jp, "nested too deeply");
		return NULL;
	}
	if (jp->p >= jp->end) {
		jsonc_error(jp, "unexpected end of file");
		return NULL;
	}
	if ((v = jsonc_node(jp, JV_NULL, parent)) == NULL)
		return NULL;
	switch (*jp->p) {
	case '{':
		v->type = JV_OBJECT;
		rc = jsonc_object(jp, v, depth);
		break;
	case '[':
		v->type = JV_ARRAY;
		rc = jsonc_array(jp, v, depth);
		break;
	case '"':
		v->type = JV_STRING;
		if ((v->str = jsonc_string(jp, &v->len)) == NULL)
			rc = -1;
		break;
	case 't':
		v->type = JV_TRUE;
		rc = jsonc_word(jp, "true");
		break;
	case 'f':
		v->type = JV_FALSE;
		rc = jsonc_word(jp, "false");
		break;
	case 'n':
		v->type = JV_NULL;
		rc = jsonc_word(jp, "null");
		break;
	default:
		v->type = JV_NUMBER;
		rc = jsonc_number(jp, v);
		break;
	}
	if (rc == -1) {
		jsonc_error(jp, "unexpected character");
		v->parent = NULL;
		v->file = NULL;		/* the file name belongs to the root */
		jv_free(v);
		return NULL;
	}
	return v;
}

/* Parse a whole document. */
struct jv *
jv_parse(const char *file, const char *text, size_t len, struct jerrs *errs)
{
	struct jparser	 jp;
	struct jv	*root;
	char		*name;

	if ((name = strdup(file)) == NULL)
		return NULL;
	memset(&jp, 0, sizeof jp);
	jp.file = name;
	jp.p = text;
	jp.end = text + len;
	jp.line = jp.col = 1;
	jp.errs = errs;
	/* Skip a UTF-8 byte order mark. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		jp.p += 3;
	if ((root = jsonc_value(&jp, NULL, 0)) == NULL) {
		free(name);
		return NULL;
	}
	jsonc_skip(&jp);
	if (jp.p < jp.end) {
		jsonc_error(&jp, "unexpected text after the end");
		jv_free(root);
		return NULL;
	}
	return root;
}

/* Read and parse a file. */
struct jv *
jv_load(const char *path, struct jerrs *errs)
{
	struct jv	*root;
	FILE		*f;
	char		*buf;
	long		 n;

	if ((f = fopen(path, "rb")) == NULL) {
		jerr_add(errs, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    n > JSONC_MAX_FILE || fseek(f, 0, SEEK_SET) == -1) {
		jerr_add(errs, path, 0, 0, "cannot read (too large?)");
		fclose(f);
		return NULL;
	}
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		jerr_add(errs, path, 0, 0, "cannot read: %s", strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	root = jv_parse(path, buf, (size_t)n, errs);
	free(buf);
	return root;
}

/* Free a node and everything below it. */
void
jv_free(struct jv *v)
{
	struct jv	*c, *next;
	const char	*file;

	if (v == NULL)
		return;
	file = v->parent == NULL ? v->file : NULL;
	for (c = v->child; c != NULL; c = next) {
		next = c->next;
		c->parent = v;	/* children never own the file name */
		jv_free(c);
	}
	free(v->key);
	free(v->str);
	free(v);
	free((char *)file);
}

/* The lookup hook of jv_trace, or NULL. */
static void	(*jv_trace_fn)(const struct jv *, const char *,
		    const struct jv *, void *);
static void	 *jv_trace_arg;

/* Find a member by name and mark it seen. */
struct jv *
jv_get(struct jv *obj, const char *key)
{
	struct jv	*m;

	if (obj == NULL || obj->type != JV_OBJECT)
		return NULL;
	for (m = obj->child; m != NULL; m = m->next)
		if (strcmp(m->key, key) == 0) {
			m->seen = 1;
			break;
		}
	if (jv_trace_fn != NULL)
		jv_trace_fn(obj, key, m, jv_trace_arg);
	return m;
}

/* Set or clear the lookup hook. */
void
jv_trace(void (*fn)(const struct jv *, const char *, const struct jv *,
    void *), void *arg)
{
	jv_trace_fn = fn;
	jv_trace_arg = arg;
}

/* Count elements or members. */
size_t
jv_count(const struct jv *v)
{
	const struct jv	*c;
	size_t		 n = 0;

	if (v == NULL)
		return 0;
	for (c = v->child; c != NULL; c = c->next)
		n++;
	return n;
}

/* Name a type for error messages. */
const char *
jv_type_name(enum jv_type t)
{
	switch (t) {
	case JV_NULL: return "null";
	case JV_FALSE:
	case JV_TRUE: return "true or false";
	case JV_NUMBER: return "a number";
	case JV_STRING: return "a string";
	case JV_ARRAY: return "a list";
	case JV_OBJECT: return "an object";
	}
	return "a value";
}

/* Build "a.b.c" for a node (static buffer, for messages only). */
const char *
jv_path(const struct jv *v)
{
	static char	 buf[512];
	const struct jv	*chain[32];
	size_t		 n = 0, i, off = 0;
	int		 w;

	for (; v != NULL && v->parent != NULL && n < 32; v = v->parent)
		chain[n++] = v;
	buf[0] = '\0';
	for (i = n; i-- > 0 && off < sizeof buf;) {
		if (chain[i]->key != NULL)
			w = snprintf(buf + off, sizeof buf - off, "%s%s",
			    off ? "." : "", chain[i]->key);
		else {
			const struct jv *e;
			int idx = 0;

			for (e = chain[i]->parent->child; e != chain[i];
			    e = e->next)
				idx++;
			w = snprintf(buf + off, sizeof buf - off, "[%d]", idx);
		}
		if (w < 0)
			break;
		off += (size_t)w;
	}
	return buf;
}

/* Check a value's type, reporting a mismatch. */
int
jv_expect(struct jerrs *errs, const struct jv *v, enum jv_type t)
{
	if (v->type == t || (t == JV_TRUE && v->type == JV_FALSE) ||
	    (t == JV_FALSE && v->type == JV_TRUE))
		return 0;
	jerr_at(errs, v, "%s: expected %s, not %s", jv_path(v),
	    jv_type_name(t), jv_type_name(v->type));
	return -1;
}

/* Report every member of obj that nothing asked for. */
void
jv_unknown_keys(const struct jv *obj, struct jerrs *errs)
{
	const struct jv	*m;

	if (obj == NULL || obj->type != JV_OBJECT)
		return;
	for (m = obj->child; m != NULL; m = m->next)
		if (!m->seen)
			jerr_key(errs, m, "unknown key \"%s\"%s%s", m->key,
			    obj->parent ? " in " : "",
			    obj->parent ? jv_path(obj) : "");
}

/* Mark every member seen. */
void
jv_mark_all(struct jv *obj)
{
	struct jv	*m;

	if (obj == NULL)
		return;
	for (m = obj->child; m != NULL; m = m->next)
		m->seen = 1;
}
