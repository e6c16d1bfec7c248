/*
 * template.c: see template.h.  Compiling walks the template once: the
 * Mustache tags become operations, and the literal HTML between them is
 * fed to a tokenizer that knows only what escaping needs (text, tags,
 * attribute names and quoted or unquoted values, comments, the raw text of
 * script and style, the escapable raw text of title and textarea).  Each
 * {{value}} records the escaping of the place it was found in; rendering
 * then never has to think about HTML again.
 *
 * A section must end in the same place it began (a section that opened in
 * text and ended inside a tag would make the places after it depend on
 * the data), with one allowance: inside a tag, a section may hold whole
 * attributes ({{#c}}checked{{/c}}) when what follows it is a space, "/" or
 * ">", where both ways agree.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/template.h"

#define TEMPLATE_NAME_MAX	32	/* tag and attribute names compared */
#define TEMPLATE_BLOCK		4096	/* arena block */
#define TEMPLATE_UNSAFE_URL	"about:invalid#replyd-unsafe-url"

/* ------------------------------------------------------------------ */
/* The data tree.                                                      */

enum template_kind {
	TK_STRING,
	TK_HTML,
	TK_BOOL,
	TK_OBJECT,
	TK_LIST
};

struct template_node {
	enum template_kind	 kind;
	const char		*key;		/* NULL for a list's item */
	const char		*str;		/* TK_STRING, TK_HTML */
	size_t			 len;
	int			 truth;		/* TK_BOOL */
	struct template_node	*child, *last, *next;
	struct template_data	*data;
};

struct template_block {
	struct template_block	*next;
	size_t			 used, cap;
	char			 mem[];
};

struct template_data {
	struct template_block	*blocks;
	struct template_node	 root;
	int			 failed;	/* out of memory, or misuse */
	const char		*why;
};

struct template_html {
	char	*text;
	size_t	 len;
};

/* Allocate n bytes (aligned) from the data's arena; NULL marks failure. */
static void *
template_alloc(struct template_data *d, size_t n)
{
	struct template_block	*b = d->blocks;
	size_t			 cap;
	void			*p;

	n = (n + 15) & ~(size_t)15;
	if (b == NULL || b->cap - b->used < n) {
		cap = n > TEMPLATE_BLOCK ? n : TEMPLATE_BLOCK;
		if ((b = malloc(sizeof *b + cap)) == NULL) {
			d->failed = 1;
			d->why = "out of memory";
			return NULL;
		}
		b->cap = cap;
		b->used = 0;
		/* A big allocation gets a block of its own behind the head,
		 * so the head's free space is kept. */
		if (d->blocks != NULL && n > TEMPLATE_BLOCK / 2) {
			b->next = d->blocks->next;
			d->blocks->next = b;
		} else {
			b->next = d->blocks;
			d->blocks = b;
		}
	}
	p = b->mem + b->used;
	b->used += n;
	return p;
}

/* A NUL-terminated copy of len bytes in the arena. */
static const char *
template_copy(struct template_data *d, const char *s, size_t len)
{
	char	*p;

	if (len == SIZE_MAX || (p = template_alloc(d, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* A new, empty set of data. */
struct template_data *
template_data_new(void)
{
	struct template_data	*d;

	if ((d = calloc(1, sizeof *d)) == NULL)
		return NULL;
	d->root.kind = TK_OBJECT;
	d->root.data = d;
	return d;
}

/* Free the data and everything in it. */
void
template_data_free(struct template_data *d)
{
	struct template_block	*b, *next;

	if (d == NULL)
		return;
	for (b = d->blocks; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(d);
}

/* The top-level object. */
struct template_node *
template_root(struct template_data *d)
{
	return d != NULL ? &d->root : NULL;
}

/* The node for key in obj, new or emptied; NULL on failure. */
static struct template_node *
template_slot(struct template_node *obj, const char *key)
{
	struct template_data	*d;
	struct template_node	*n;

	if (obj == NULL || key == NULL)
		return NULL;
	d = obj->data;
	if (obj->kind != TK_OBJECT) {
		d->failed = 1;
		d->why = "a keyed value set on something that is not an object";
		return NULL;
	}
	for (n = obj->child; n != NULL; n = n->next)
		if (strcmp(n->key, key) == 0)
			break;
	if (n == NULL) {
		if ((n = template_alloc(d, sizeof *n)) == NULL)
			return NULL;
		memset(n, 0, sizeof *n);
		if ((n->key = template_copy(d, key, strlen(key))) == NULL)
			return NULL;
		n->data = d;
		if (obj->last != NULL)
			obj->last->next = n;
		else
			obj->child = n;
		obj->last = n;
	}
	n->child = n->last = NULL;
	n->str = NULL;
	n->len = 0;
	n->truth = 0;
	return n;
}

/* A new item at the end of a list; NULL on failure. */
static struct template_node *
template_item(struct template_node *list)
{
	struct template_data	*d;
	struct template_node	*n;

	if (list == NULL)
		return NULL;
	d = list->data;
	if (list->kind != TK_LIST) {
		d->failed = 1;
		d->why = "an item appended to something that is not a list";
		return NULL;
	}
	if ((n = template_alloc(d, sizeof *n)) == NULL)
		return NULL;
	memset(n, 0, sizeof *n);
	n->data = d;
	if (list->last != NULL)
		list->last->next = n;
	else
		list->child = n;
	list->last = n;
	return n;
}

/* A string value of len bytes (a NUL in it is kept: escaping shows it). */
void
template_setn(struct template_node *obj, const char *key, const char *value,
    size_t len)
{
	struct template_node	*n;

	if (value == NULL || (n = template_slot(obj, key)) == NULL)
		return;
	n->kind = TK_STRING;
	n->str = template_copy(n->data, value, len);
	n->len = n->str != NULL ? len : 0;
	if (n->str == NULL)
		n->kind = TK_BOOL;
}

/* A string value. */
void
template_set(struct template_node *obj, const char *key, const char *value)
{
	if (value != NULL)
		template_setn(obj, key, value, strlen(value));
}

/* A formatted string value. */
void
template_setf(struct template_node *obj, const char *key, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	if (obj == NULL)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		obj->data->failed = 1;
		obj->data->why = "out of memory";
		return;
	}
	template_setn(obj, key, s, (size_t)n);
	free(s);
}

/* A boolean value (for sections). */
void
template_set_bool(struct template_node *obj, const char *key, int truth)
{
	struct template_node	*n;

	if ((n = template_slot(obj, key)) == NULL)
		return;
	n->kind = TK_BOOL;
	n->truth = truth != 0;
}

/* Rendered HTML, copied. */
void
template_set_html(struct template_node *obj, const char *key,
    const struct template_html *h)
{
	struct template_node	*n;

	if (h == NULL || (n = template_slot(obj, key)) == NULL)
		return;
	n->kind = TK_HTML;
	n->str = template_copy(n->data, h->text, h->len);
	n->len = n->str != NULL ? h->len : 0;
	if (n->str == NULL)
		n->kind = TK_BOOL;
}

/* A new object under key. */
struct template_node *
template_set_object(struct template_node *obj, const char *key)
{
	struct template_node	*n;

	if ((n = template_slot(obj, key)) != NULL)
		n->kind = TK_OBJECT;
	return n;
}

/* A new list under key. */
struct template_node *
template_set_list(struct template_node *obj, const char *key)
{
	struct template_node	*n;

	if ((n = template_slot(obj, key)) != NULL)
		n->kind = TK_LIST;
	return n;
}

/* Append a new object to a list. */
struct template_node *
template_append_object(struct template_node *list)
{
	struct template_node	*n;

	if ((n = template_item(list)) != NULL)
		n->kind = TK_OBJECT;
	return n;
}

/* Append a string to a list. */
void
template_append(struct template_node *list, const char *value)
{
	struct template_node	*n;

	if (value == NULL || (n = template_item(list)) == NULL)
		return;
	n->kind = TK_STRING;
	n->len = strlen(value);
	if ((n->str = template_copy(n->data, value, n->len)) == NULL) {
		n->kind = TK_BOOL;
		n->len = 0;
	}
}

/* ------------------------------------------------------------------ */
/* The compiler: where in the HTML each value lands.                   */

enum template_escape {
	ESC_TEXT,	/* text, title, textarea */
	ESC_ATTR,	/* a quoted attribute value */
	ESC_URL,	/* the start of a URL attribute's value */
	ESC_URL_PART	/* later in a URL attribute's value */
};

enum template_op_kind {
	OP_TEXT,
	OP_VALUE,
	OP_SECTION,
	OP_INVERTED
};

struct template_op {
	enum template_op_kind	 kind;
	enum template_escape	 esc;		/* OP_VALUE */
	size_t			 off, len;	/* OP_TEXT: in src */
	char			*name;		/* OP_VALUE, sections */
	size_t			 end;		/* sections: the op after */
	int			 line;
};

struct template {
	char			*name;
	char			*src;
	struct template_op	*ops;
	size_t			 nops, cap;
};

/* Where the tokenizer is. */
enum template_state {
	TS_TEXT,
	TS_TAG_NAME,		/* <name or </name */
	TS_IN_TAG,		/* between attributes */
	TS_ATTR_NAME,
	TS_AFTER_ATTR_NAME,
	TS_BEFORE_VALUE,	/* after = */
	TS_VALUE_DQ,
	TS_VALUE_SQ,
	TS_VALUE_UNQ,
	TS_COMMENT,		/* <!-- ... --> */
	TS_DECL,		/* <!DOCTYPE ...>, <?...> */
	TS_RAW,			/* script, style: no value may go here */
	TS_RCDATA		/* title, textarea: text escaping */
};

enum template_attr {
	ATTR_PLAIN,
	ATTR_URL,
	ATTR_FORBIDDEN		/* on*, style, srcset, srcdoc */
};

struct template_ctx {
	enum template_state	 st;
	enum template_attr	 attr;
	int			 url_start;	/* nothing yet in a URL value */
	int			 closing;	/* reading an end tag */
	char			 name[TEMPLATE_NAME_MAX];	/* tag/attr */
	size_t			 nlen;
	char			 elem[TEMPLATE_NAME_MAX];	/* raw text's */
};

static const char *const template_raw_elems[] = {
	"script", "style", "xmp", "iframe", "noembed", "noframes",
	"noscript", "plaintext", NULL
};
static const char *const template_rcdata_elems[] = {
	"title", "textarea", NULL
};
static const char *const template_url_attrs[] = {
	"href", "src", "action", "formaction", "cite", "poster",
	"background", "data", "manifest", "ping", "longdesc", "usemap",
	"codebase", "icon", "xlink:href", "xml:base", NULL
};

/* Whether name is in a NULL-terminated list. */
static int
template_in(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

/* Add a lower-cased character to the name being read. */
static void
template_name_add(struct template_ctx *c, char ch)
{
	if (c->nlen + 1 < sizeof c->name) {
		c->name[c->nlen++] = (char)tolower((unsigned char)ch);
		c->name[c->nlen] = '\0';
	}
}

static void
template_name_start(struct template_ctx *c, char ch)
{
	c->nlen = 0;
	c->name[0] = '\0';
	template_name_add(c, ch);
}

/* The attribute whose name was just read: how values in it escape. */
static void
template_attr_kind(struct template_ctx *c)
{
	if (strncmp(c->name, "on", 2) == 0 || strcmp(c->name, "style") == 0 ||
	    strcmp(c->name, "srcset") == 0 || strcmp(c->name, "srcdoc") == 0)
		c->attr = ATTR_FORBIDDEN;
	else if (template_in(c->name, template_url_attrs))
		c->attr = ATTR_URL;
	else
		c->attr = ATTR_PLAIN;
}

/* A tag ended with '>': text, raw text or escapable raw text follows. */
static void
template_tag_end(struct template_ctx *c)
{
	c->st = TS_TEXT;
	if (c->closing)
		return;
	if (template_in(c->elem, template_raw_elems))
		c->st = TS_RAW;
	else if (template_in(c->elem, template_rcdata_elems))
		c->st = TS_RCDATA;
}

static int
template_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\f';
}

/* Whether s[i..] is "</elem" followed by a space, '/' or '>'. */
static int
template_end_tag_at(const char *s, size_t i, size_t len, const char *elem)
{
	size_t	n = strlen(elem);

	if (i + 2 + n >= len || s[i] != '<' || s[i + 1] != '/' ||
	    strncasecmp(s + i + 2, elem, n) != 0)
		return 0;
	return template_space(s[i + 2 + n]) || s[i + 2 + n] == '/' ||
	    s[i + 2 + n] == '>';
}

/*
 * Feed the template character at s[i] (with s[i + 1 .. len) to look
 * ahead) to the tokenizer; returns how many characters it consumed.
 */
static size_t
template_feed(struct template_ctx *c, const char *s, size_t i, size_t len)
{
	char	ch = s[i];
	char	next = i + 1 < len ? s[i + 1] : '\0';

	switch (c->st) {
	case TS_TEXT:
		if (ch != '<')
			return 1;
		if (next == '!' && i + 3 < len && s[i + 2] == '-' &&
		    s[i + 3] == '-') {
			c->st = TS_COMMENT;
			return 4;
		}
		if (next == '!' || next == '?') {
			c->st = TS_DECL;
			return 2;
		}
		if (next == '/' && i + 2 < len &&
		    isalpha((unsigned char)s[i + 2])) {
			c->st = TS_TAG_NAME;
			c->closing = 1;
			template_name_start(c, s[i + 2]);
			return 3;
		}
		if (isalpha((unsigned char)next)) {
			c->st = TS_TAG_NAME;
			c->closing = 0;
			template_name_start(c, next);
			return 2;
		}
		/* "<{{x}}" or "</{{x}}" would let data name a tag. */
		if (next == '{' || (next == '/' && i + 2 < len &&
		    s[i + 2] == '{')) {
			c->st = TS_TAG_NAME;
			c->closing = next == '/';
			c->nlen = 0;
			c->name[0] = '\0';
			return next == '/' ? 2 : 1;
		}
		return 1;
	case TS_TAG_NAME:
		if (template_space(ch) || ch == '/' || ch == '>') {
			memcpy(c->elem, c->name, sizeof c->elem);
			c->st = TS_IN_TAG;
			if (ch == '>')
				template_tag_end(c);
		} else
			template_name_add(c, ch);
		return 1;
	case TS_IN_TAG:
		if (ch == '>')
			template_tag_end(c);
		else if (!template_space(ch) && ch != '/') {
			c->st = TS_ATTR_NAME;
			template_name_start(c, ch);
		}
		return 1;
	case TS_ATTR_NAME:
		if (template_space(ch))
			c->st = TS_AFTER_ATTR_NAME;
		else if (ch == '=') {
			template_attr_kind(c);
			c->st = TS_BEFORE_VALUE;
		} else if (ch == '>')
			template_tag_end(c);
		else if (ch == '/')
			c->st = TS_IN_TAG;
		else
			template_name_add(c, ch);
		return 1;
	case TS_AFTER_ATTR_NAME:
		if (ch == '=') {
			template_attr_kind(c);
			c->st = TS_BEFORE_VALUE;
		} else if (ch == '>')
			template_tag_end(c);
		else if (ch == '/')
			c->st = TS_IN_TAG;
		else if (!template_space(ch)) {
			c->st = TS_ATTR_NAME;
			template_name_start(c, ch);
		}
		return 1;
	case TS_BEFORE_VALUE:
		if (ch == '"' || ch == '\'') {
			c->st = ch == '"' ? TS_VALUE_DQ : TS_VALUE_SQ;
			c->url_start = 1;
		} else if (ch == '>')
			template_tag_end(c);
		else if (!template_space(ch))
			c->st = TS_VALUE_UNQ;
		return 1;
	case TS_VALUE_DQ:
	case TS_VALUE_SQ:
		if (ch == (c->st == TS_VALUE_DQ ? '"' : '\'')) {
			c->st = TS_IN_TAG;
			c->url_start = 0;
		} else
			c->url_start = 0;
		return 1;
	case TS_VALUE_UNQ:
		if (template_space(ch))
			c->st = TS_IN_TAG;
		else if (ch == '>')
			template_tag_end(c);
		return 1;
	case TS_COMMENT:
		if (ch == '-' && next == '-' && i + 2 < len &&
		    s[i + 2] == '>') {
			c->st = TS_TEXT;
			return 3;
		}
		return 1;
	case TS_DECL:
		if (ch == '>')
			c->st = TS_TEXT;
		return 1;
	case TS_RAW:
	case TS_RCDATA:
		if (template_end_tag_at(s, i, len, c->elem)) {
			c->closing = 1;
			c->st = TS_IN_TAG;
			memcpy(c->name, c->elem, sizeof c->name);
			c->nlen = strlen(c->name);
			return 2 + strlen(c->elem);
		}
		return 1;
	}
	return 1;
}

/* Why no value may go where the tokenizer is, or NULL if one may. */
static const char *
template_place_error(const struct template_ctx *c)
{
	switch (c->st) {
	case TS_TEXT:
	case TS_RCDATA:
		return NULL;
	case TS_VALUE_DQ:
	case TS_VALUE_SQ:
		return c->attr == ATTR_FORBIDDEN ? "a value in an event "
		    "handler, style, srcset or srcdoc attribute" : NULL;
	case TS_VALUE_UNQ:
	case TS_BEFORE_VALUE:
		return "a value in an unquoted attribute (quote it)";
	case TS_TAG_NAME:
	case TS_IN_TAG:
	case TS_ATTR_NAME:
	case TS_AFTER_ATTR_NAME:
		return "a value inside a tag, outside any quoted attribute";
	case TS_COMMENT:
	case TS_DECL:
		return "a value in a comment or declaration";
	case TS_RAW:
		return "a value in script, style or other raw text";
	}
	return "a value in an unknown place";
}

/* How a value escapes where the tokenizer is (after place_error). */
static enum template_escape
template_place_escape(const struct template_ctx *c)
{
	if (c->st == TS_VALUE_DQ || c->st == TS_VALUE_SQ) {
		if (c->attr == ATTR_URL)
			return c->url_start ? ESC_URL : ESC_URL_PART;
		return ESC_ATTR;
	}
	return ESC_TEXT;
}

/* Between attributes, whatever the name state (for sections in tags). */
static int
template_between_attrs(enum template_state st)
{
	return st == TS_IN_TAG || st == TS_ATTR_NAME ||
	    st == TS_AFTER_ATTR_NAME;
}

/* Whether a section that began at a may end at b (see the top), next
 * being the template's character after the section. */
static int
template_same_place(const struct template_ctx *a,
    const struct template_ctx *b, char next)
{
	if (template_between_attrs(a->st) || template_between_attrs(b->st))
		return template_between_attrs(a->st) &&
		    template_between_attrs(b->st) && (template_space(next) ||
		    next == '/' || next == '>');
	if (a->st != b->st)
		return 0;
	if ((a->st == TS_VALUE_DQ || a->st == TS_VALUE_SQ) &&
	    a->attr != b->attr)
		return 0;
	if ((a->st == TS_RAW || a->st == TS_RCDATA) &&
	    strcmp(a->elem, b->elem) != 0)
		return 0;
	return 1;
}

struct template_open {
	size_t			 op;
	struct template_ctx	 ctx;
	int			 line;
};

/* Append an operation; NULL when out of memory. */
static struct template_op *
template_op_add(struct template *t, enum template_op_kind kind, int line)
{
	struct template_op	*ops;
	size_t			 cap;

	if (t->nops == t->cap) {
		cap = t->cap ? t->cap * 2 : 32;
		if ((ops = realloc(t->ops, cap * sizeof *ops)) == NULL)
			return NULL;
		t->ops = ops;
		t->cap = cap;
	}
	memset(&t->ops[t->nops], 0, sizeof t->ops[0]);
	t->ops[t->nops].kind = kind;
	t->ops[t->nops].line = line;
	return &t->ops[t->nops++];
}

/* Whether a name is "." or dotted words of [A-Za-z0-9_-]. */
static int
template_name_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 1 && s[0] == '.')
		return 1;
	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return 0;
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-' && s[i] != '.')
			return 0;
	}
	return 1;
}

/* Count the lines from *pos up to off (templates are read forwards). */
static void
template_lines_to(const char *src, size_t off, size_t *pos, int *line)
{
	for (; *pos < off; (*pos)++)
		if (src[*pos] == '\n')
			(*line)++;
}

/* Compile a template. */
struct template *
template_compile(const char *name, const char *src, size_t len, char *err,
    size_t errlen)
{
	struct template		*t;
	struct template_ctx	 ctx;
	struct template_open	 open[TEMPLATE_MAX_DEPTH];
	struct template_op	*op;
	const char		*why = NULL, *end, *a, *b;
	size_t			 i = 0, text_from = 0, k, pos = 0;
	int			 nopen = 0, line = 1;
	char			 kind;

	if (errlen > 0)
		err[0] = '\0';
	if ((t = calloc(1, sizeof *t)) == NULL ||
	    (t->name = strdup(name ? name : "template")) == NULL ||
	    (t->src = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		template_free(t);
		return NULL;
	}
	memcpy(t->src, src, len);
	t->src[len] = '\0';
	memset(&ctx, 0, sizeof ctx);
	ctx.st = TS_TEXT;
	while (i < len && why == NULL) {
		if (!(src[i] == '{' && i + 1 < len && src[i + 1] == '{')) {
			i += template_feed(&ctx, src, i, len);
			continue;
		}
		/* Literal text before the tag. */
		template_lines_to(src, i, &pos, &line);
		if (i > text_from) {
			if ((op = template_op_add(t, OP_TEXT, line)) == NULL)
				goto oom;
			op->off = text_from;
			op->len = i - text_from;
		}
		end = memmem(src + i + 2, len - i - 2, "}}", 2);
		if (end == NULL) {
			why = "\"{{\" without its \"}}\"";
			break;
		}
		a = src + i + 2;
		b = end;
		kind = a < b ? *a : '\0';
		if (kind == '!') {
			i = (size_t)(end - src) + 2;
			text_from = i;
			continue;
		}
		if (kind == '{' || kind == '&') {
			why = "raw output ({{{...}}} or {{&...}}) is not "
			    "available: pass HTML as a rendered template";
			break;
		}
		if (kind == '>' || kind == '=') {
			why = "partials and delimiter changes are not "
			    "supported";
			break;
		}
		if (kind == '#' || kind == '^' || kind == '/')
			a++;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (!template_name_ok(a, (size_t)(b - a))) {
			why = "a name is \".\" or words of letters, digits, "
			    "'_' and '-' joined by '.'";
			break;
		}
		i = (size_t)(end - src) + 2;
		text_from = i;
		if (kind == '/') {
			if (nopen == 0) {
				why = "{{/...}} closes no section";
				break;
			}
			op = &t->ops[open[nopen - 1].op];
			if (strlen(op->name) != (size_t)(b - a) ||
			    memcmp(op->name, a, (size_t)(b - a)) != 0) {
				why = "{{/...}} closes another section than the "
				    "last one opened";
				break;
			}
			if (!template_same_place(&open[nopen - 1].ctx, &ctx,
			    i < len ? src[i] : '\0')) {
				why = "a section ends in another place in the "
				    "HTML than it began";
				break;
			}
			if (template_between_attrs(ctx.st))
				ctx.st = TS_IN_TAG;
			ctx.url_start = 0;
			op->end = t->nops;
			nopen--;
			continue;
		}
		if ((op = template_op_add(t, kind == '#' ? OP_SECTION :
		    kind == '^' ? OP_INVERTED : OP_VALUE, line)) == NULL ||
		    (op->name = strndup(a, (size_t)(b - a))) == NULL)
			goto oom;
		if (kind == '#' || kind == '^') {
			if (nopen == TEMPLATE_MAX_DEPTH) {
				why = "sections nested too deep";
				break;
			}
			open[nopen].op = t->nops - 1;
			open[nopen].ctx = ctx;
			open[nopen].line = line;
			nopen++;
			continue;
		}
		if ((why = template_place_error(&ctx)) != NULL)
			break;
		op->esc = template_place_escape(&ctx);
		ctx.url_start = 0;
	}
	if (why == NULL && text_from < len) {
		if ((op = template_op_add(t, OP_TEXT, line)) == NULL)
			goto oom;
		op->off = text_from;
		op->len = len - text_from;
	}
	if (why == NULL && nopen > 0) {
		line = open[nopen - 1].line;
		why = "a section is never closed";
	}
	if (why == NULL && ctx.st != TS_TEXT) {
		template_lines_to(src, len, &pos, &line);
		why = "the template ends inside a tag, comment or raw text";
	}
	if (why != NULL) {
		snprintf(err, errlen, "%s:%d: %s", t->name, line, why);
		template_free(t);
		return NULL;
	}
	for (k = 0; k < t->nops; k++)
		if ((t->ops[k].kind == OP_SECTION ||
		    t->ops[k].kind == OP_INVERTED) && t->ops[k].end == 0)
			t->ops[k].end = t->nops;
	return t;
oom:
	snprintf(err, errlen, "%s: out of memory", t->name);
	template_free(t);
	return NULL;
}

/* Free a compiled template. */
void
template_free(struct template *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nops; i++)
		free(t->ops[i].name);
	free(t->ops);
	free(t->src);
	free(t->name);
	free(t);
}

/* The template's name. */
const char *
template_name(const struct template *t)
{
	return t->name;
}

/* ------------------------------------------------------------------ */
/* Rendering.                                                          */

struct template_out {
	char	*buf;
	size_t	 len, cap;
	int	 failed;
};

/* Append bytes to the output. */
static void
template_put(struct template_out *o, const char *s, size_t n)
{
	char	*nb;
	size_t	 cap;

	if (o->failed || n == 0)
		return;
	if (o->len + n + 1 > o->cap) {
		cap = o->cap ? o->cap : 1024;
		while (cap < o->len + n + 1) {
			if (cap > SIZE_MAX / 2) {
				o->failed = 1;
				return;
			}
			cap *= 2;
		}
		if ((nb = realloc(o->buf, cap)) == NULL) {
			o->failed = 1;
			return;
		}
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* Text and attribute escaping: & < > " ' ` become references, a NUL
 * becomes U+FFFD. */
static void
template_put_escaped(struct template_out *o, const char *s, size_t n)
{
	size_t		 i, from = 0;
	const char	*rep;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '`': rep = "&#96;"; break;
		case '\0': rep = "\xef\xbf\xbd"; break;
		default: continue;
		}
		template_put(o, s + from, i - from);
		template_put(o, rep, strlen(rep));
		from = i + 1;
	}
	template_put(o, s + from, n - from);
}

/* Percent-encode all but the unreserved characters. */
static void
template_put_url_part(struct template_out *o, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 e[3];
	size_t			 i, from = 0;
	unsigned char		 ch;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' ||
		    ch == '~')
			continue;
		template_put(o, s + from, i - from);
		e[0] = '%';
		e[1] = hex[ch >> 4];
		e[2] = hex[ch & 15];
		template_put(o, e, 3);
		from = i + 1;
	}
	template_put(o, s + from, n - from);
}

/*
 * Whether a URL is safe at the start of a URL attribute: relative (no
 * scheme before the first '/', '?' or '#'), or of scheme http, https,
 * mailto or tel.  Read the way a browser does: leading spaces and control
 * characters are skipped and tabs and line breaks inside are ignored, so
 * " java\tscript:" is javascript:.  A ':' after anything that is not one
 * of those schemes is unsafe, even where a browser would see a relative
 * path ("12:30"): refusing is the safe mistake.
 */
static int
template_url_safe(const char *s, size_t n)
{
	static const char *const ok[] = { "http", "https", "mailto", "tel",
	    NULL };
	char	scheme[8];
	size_t	i = 0, k = 0;
	int	too_long = 0;

	while (i < n && (unsigned char)s[i] <= 0x20)
		i++;
	for (; i < n; i++) {
		if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			continue;
		if (s[i] == '/' || s[i] == '?' || s[i] == '#')
			return 1;
		if (s[i] == ':') {
			scheme[k] = '\0';
			return k > 0 && !too_long && template_in(scheme, ok);
		}
		if (k + 1 < sizeof scheme)
			scheme[k++] = (char)tolower((unsigned char)s[i]);
		else
			too_long = 1;	/* longer than any we allow */
	}
	return 1;
}

struct template_run {
	const struct template	*t;
	struct template_out	 out;
	const struct template_node *stack[TEMPLATE_MAX_DEPTH + 1];
	int			 depth;
	char			*err;
	size_t			 errlen;
	int			 failed;
};

/* Fail the render with a message naming the template and line. */
static void
template_fail(struct template_run *r, const struct template_op *op,
    const char *fmt, const char *name)
{
	char	msg[160];

	if (r->failed)
		return;
	r->failed = 1;
	snprintf(msg, sizeof msg, fmt, name);
	snprintf(r->err, r->errlen, "%s:%d: %s", r->t->name, op->line, msg);
}

/* A member of an object by the first len bytes of key. */
static const struct template_node *
template_member(const struct template_node *obj, const char *key, size_t len)
{
	const struct template_node	*n;

	if (obj == NULL || obj->kind != TK_OBJECT)
		return NULL;
	for (n = obj->child; n != NULL; n = n->next)
		if (strncmp(n->key, key, len) == 0 && n->key[len] == '\0')
			return n;
	return NULL;
}

/* Look a dotted name up, from the innermost section outwards. */
static const struct template_node *
template_lookup(const struct template_run *r, const char *name)
{
	const struct template_node	*n = NULL;
	const char			*seg, *dot;
	int				 d;

	if (strcmp(name, ".") == 0)
		return r->stack[r->depth - 1];
	dot = strchr(name, '.');
	for (d = r->depth - 1; d >= 0 && n == NULL; d--)
		n = template_member(r->stack[d], name, dot ? (size_t)(dot -
		    name) : strlen(name));
	while (n != NULL && dot != NULL) {
		seg = dot + 1;
		dot = strchr(seg, '.');
		n = template_member(n, seg, dot ? (size_t)(dot - seg) :
		    strlen(seg));
	}
	return n;
}

/* Whether a section runs for a value. */
static int
template_truthy(const struct template_node *n)
{
	if (n == NULL)
		return 0;
	switch (n->kind) {
	case TK_BOOL:
		return n->truth;
	case TK_STRING:
	case TK_HTML:
		return n->len > 0;
	case TK_LIST:
		return n->child != NULL;
	case TK_OBJECT:
		return 1;
	}
	return 0;
}

/* Insert one value. */
static void
template_value(struct template_run *r, const struct template_op *op)
{
	const struct template_node	*n = template_lookup(r, op->name);

	if (n == NULL) {
		template_fail(r, op, "no value named \"%s\"", op->name);
		return;
	}
	if (n->kind == TK_HTML) {
		if (op->esc != ESC_TEXT)
			template_fail(r, op, "\"%s\" is HTML, which may go "
			    "only in text", op->name);
		else
			template_put(&r->out, n->str, n->len);
		return;
	}
	if (n->kind != TK_STRING) {
		template_fail(r, op, "\"%s\" is not text", op->name);
		return;
	}
	switch (op->esc) {
	case ESC_TEXT:
	case ESC_ATTR:
		template_put_escaped(&r->out, n->str, n->len);
		break;
	case ESC_URL:
		if (template_url_safe(n->str, n->len))
			template_put_escaped(&r->out, n->str, n->len);
		else
			template_put(&r->out, TEMPLATE_UNSAFE_URL,
			    strlen(TEMPLATE_UNSAFE_URL));
		break;
	case ESC_URL_PART:
		template_put_url_part(&r->out, n->str, n->len);
		break;
	}
}

static void	template_range(struct template_run *, size_t, size_t);

/* Run a section's body with n pushed (NULL: nothing pushed). */
static void
template_body(struct template_run *r, size_t op, const struct template_node *n)
{
	if (n != NULL) {
		if (r->depth > TEMPLATE_MAX_DEPTH) {
			template_fail(r, &r->t->ops[op], "data nested too deep "
			    "at \"%s\"", r->t->ops[op].name);
			return;
		}
		r->stack[r->depth++] = n;
	}
	template_range(r, op + 1, r->t->ops[op].end);
	if (n != NULL)
		r->depth--;
}

/* Render the operations from..to (exclusive). */
static void
template_range(struct template_run *r, size_t from, size_t to)
{
	const struct template_op	*op;
	const struct template_node	*n, *item;
	size_t				 i;

	for (i = from; i < to && !r->failed; i++) {
		op = &r->t->ops[i];
		switch (op->kind) {
		case OP_TEXT:
			template_put(&r->out, r->t->src + op->off, op->len);
			break;
		case OP_VALUE:
			template_value(r, op);
			break;
		case OP_SECTION:
			n = template_lookup(r, op->name);
			if (template_truthy(n)) {
				if (n->kind == TK_LIST)
					for (item = n->child; item != NULL &&
					    !r->failed; item = item->next)
						template_body(r, i, item);
				else
					template_body(r, i, n->kind == TK_BOOL ?
					    NULL : n);
			}
			i = op->end - 1;
			break;
		case OP_INVERTED:
			if (!template_truthy(template_lookup(r, op->name)))
				template_body(r, i, NULL);
			i = op->end - 1;
			break;
		}
	}
}

/* Render a template with its data. */
struct template_html *
template_render(const struct template *t, const struct template_data *d,
    char *err, size_t errlen)
{
	struct template_run	 r;
	struct template_html	*h;

	if (errlen > 0)
		err[0] = '\0';
	if (t == NULL || d == NULL) {
		snprintf(err, errlen, "no template or no data");
		return NULL;
	}
	if (d->failed) {
		snprintf(err, errlen, "%s: the data is incomplete: %s",
		    t->name, d->why ? d->why : "out of memory");
		return NULL;
	}
	memset(&r, 0, sizeof r);
	r.t = t;
	r.err = err;
	r.errlen = errlen;
	r.stack[r.depth++] = &d->root;
	template_range(&r, 0, t->nops);
	if (!r.failed && r.out.failed) {
		r.failed = 1;
		snprintf(err, errlen, "%s: out of memory", t->name);
	}
	if (!r.failed && r.out.buf == NULL)
		r.out.buf = strdup("");	/* an empty page is still a page */
	if (r.failed || r.out.buf == NULL || (h = malloc(sizeof *h)) == NULL) {
		if (!r.failed)
			snprintf(err, errlen, "%s: out of memory", t->name);
		free(r.out.buf);
		return NULL;
	}
	h->text = r.out.buf;
	h->len = r.out.len;
	return h;
}

/* The rendered bytes. */
const char *
template_html_text(const struct template_html *h, size_t *len)
{
	if (len != NULL)
		*len = h->len;
	return h->text;
}

/* Free rendered HTML. */
void
template_html_free(struct template_html *h)
{
	if (h == NULL)
		return;
	free(h->text);
	free(h);
}
