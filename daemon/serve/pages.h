/*
 * pages.h: what every staff page shares (SPEC §16, docs/pages.md).  The
 * page templates (daemon/serve/templates/NAME.html, embedded at build
 * time by tools/embed-templates) are compiled once at start; a page is
 * its own template rendered with its data, drawn inside the layout (skip
 * link, generic header with the council's name, the service's name, an
 * optional phase banner, main, footer) with the security headers of SPEC
 * §16 and Cache-Control: no-store when it shows personal data.
 *
 * This module also serves plugins' own pages (struct replyd_page: the
 * sandbox): it routes them, refuses a POST from another site, and draws
 * what the plugin answers in the same layout.  It never writes HTML except
 * through base/template, so every value is escaped where it lands.
 */
#ifndef PAGES_H
#define PAGES_H

#include <stddef.h>

struct config;
struct config_person;
struct http_req;
struct plugin_env;
struct server;
struct template_data;

/*
 * The words of every page's 404: something missing and something hidden
 * (another team's) must answer exactly alike (SPEC §15).
 */
#define PAGES_NOT_FOUND		"Page not found"
#define PAGES_NOT_FOUND_TEXT	"If you typed the web address, check it " \
	"is correct. If you followed a link, what it led to may have " \
	"been removed."

/* The templates, embedded at build time; the last has a NULL name. */
struct page_source {
	const char	*name;		/* the file's name without .html */
	const char	*file;		/* for messages */
	const char	*text;
};

extern const struct page_source page_sources[];

/* A signed-in person's navigation (serve/web.h draws staff pages). */
struct page_nav {
	const char	*name;		/* who is signed in */
	const char	*csrf;		/* for the sign-out form */
	const char	*current;	/* the section's path, or NULL */
};

/* What a page shows. */
struct page_view {
	int			 status;	/* 0: 200 */
	const char		*title;		/* plain text */
	const char		*template;	/* an embedded template's name */
	const struct template_data *data;	/* its data (the caller's) */
	int			 personal;	/* no-store */
	const struct page_nav	*nav;		/* or NULL: signed out */
};

/* Compile every embedded template; -1 with err naming the first bad one. */
int	pages_compile(char *err, size_t errlen);
/* At start: compile the templates, read the assets; -1 if a template is
 * broken (a bug: the unit tests compile them too). */
int	pages_start(struct server *);
/* The page calls plugins are given (api->page_*). */
void	pages_env(struct server *, struct plugin_env *);
/* Route the assets, then plugins' pages: last, after every other route. */
void	pages_routes(struct server *);
void	pages_free(void);

/* The security headers every page carries, with its Cache-Control. */
void	pages_headers(struct http_req *, int personal);
/* Answer with a page (the request is gone afterwards). */
void	pages_reply(struct http_req *, const struct config *,
	    const struct page_view *);
/*
 * Answer with a staff page: template tmpl with d (d's root gets "csrf")
 * in the layout, with person's navigation (current: the section's path,
 * or NULL) when person is not NULL; always no-store.  serve/web.h's
 * pages and the API preamble's refusals of page routes both draw here.
 */
void	pages_staff(struct http_req *, const struct config *,
	    const struct config_person *, const char *csrf, int status,
	    const char *title, const char *current, const char *tmpl,
	    struct template_data *d);
/* Answer 303 See Other to a path on this site (post/redirect/get). */
void	pages_redirect(struct http_req *, const char *path);
/* A JSON object's text as template data (plugins' pages send JSON);
 * NULL when it is not a JSON object. */
struct template_data *pages_json(const char *json);
/* Answer with an error page: what happened, what to do next. */
void	pages_error(struct http_req *, const struct config *, int status,
	    const char *heading, const char *message);

#endif
