/*
 * template.h: HTML templates that escape by default, for the staff pages.
 * A template is compiled once (it is trusted: written by us and embedded
 * at build time); the data it renders is not (a young person's words, a
 * provider's answer), and every value is escaped for the place in the HTML
 * where it lands.  The place is known at compile time: a small HTML
 * tokenizer follows the template's own text, so the compiler knows whether
 * a {{value}} sits in text, in a quoted attribute, at the start of a URL
 * attribute or inside one.  Places where no escaping is safe (a tag or
 * attribute name, an unquoted value, an event handler or style attribute,
 * a comment, script or style content) are compile errors.
 *
 * Syntax (a subset of Mustache):
 *	{{name}} {{a.b}} {{.}}	a value, escaped (see below)
 *	{{#name}}...{{/name}}	a section: once per item of a list, once
 *				with an object or a true value or a non-empty
 *				string, never with a missing, false or empty
 *				value
 *	{{^name}}...{{/name}}	the inverse: only when #name would not run
 *	{{! comment }}
 * Names are looked up from the innermost section outwards.  A {{value}}
 * whose name is missing is a render error, never an empty string, so a
 * misspelt name fails in the tests instead of vanishing.
 *
 * Escaping by place:
 *	text, <title>, <textarea>	& < > " ' ` as character references
 *	a quoted attribute		the same
 *	the start of href, src,		as above, and a URL whose scheme is not
 *	action and other URL		http, https, mailto or tel (javascript:,
 *	attributes			data:, vbscript:) becomes
 *					"about:invalid#replyd-unsafe-url"
 *	later in a URL attribute	percent-encoded (all but A-Z a-z 0-9 -._~)
 *
 * There is no raw output: {{{x}}} and {{&x}} are compile errors.  The one
 * way to put HTML into a page is a struct template_html, which only
 * template_render makes (the layout takes the page's rendered body that
 * way); it is accepted only in text.  No function turns a char * into one.
 *
 * Pure: no I/O, no logging.
 */
#ifndef TEMPLATE_H
#define TEMPLATE_H

#include <stddef.h>

#define TEMPLATE_MAX_DEPTH	32	/* nested sections and data */

struct template;
struct template_data;
struct template_node;
struct template_html;

/* Compile len bytes of src; NULL with err saying "NAME:LINE: why". */
struct template	*template_compile(const char *name, const char *src,
		    size_t len, char *err, size_t errlen);
void		 template_free(struct template *);
const char	*template_name(const struct template *);

/*
 * The data a template renders: a tree of objects, lists, strings, booleans
 * and rendered HTML, owned by one struct template_data and freed with it.
 * Every setter copies what it is given.  Out of memory is remembered (the
 * render then fails), so callers need not check each call; a NULL node or
 * a NULL string value is ignored (an absent value).  Setting a key twice
 * replaces its value.
 */
struct template_data	*template_data_new(void);
void			 template_data_free(struct template_data *);
struct template_node	*template_root(struct template_data *);

void	 template_set(struct template_node *, const char *key,
	    const char *value);
void	 template_setn(struct template_node *, const char *key,
	    const char *value, size_t len);
void	 template_setf(struct template_node *, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void	 template_set_bool(struct template_node *, const char *key, int);
/* Rendered HTML (copied): only in text, never in an attribute. */
void	 template_set_html(struct template_node *, const char *key,
	    const struct template_html *);
/* A new object or list under key (NULL when out of memory). */
struct template_node *template_set_object(struct template_node *,
	    const char *key);
struct template_node *template_set_list(struct template_node *,
	    const char *key);
/* Append a new object, or a string, to a list. */
struct template_node *template_append_object(struct template_node *list);
void	 template_append(struct template_node *list, const char *value);

/* Render; NULL with err saying why (a missing value, out of memory). */
struct template_html *template_render(const struct template *,
	    const struct template_data *, char *err, size_t errlen);
/* The rendered bytes (NUL-terminated; *len excludes the NUL). */
const char	*template_html_text(const struct template_html *, size_t *len);
void		 template_html_free(struct template_html *);

#endif
