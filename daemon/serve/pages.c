/*
 * pages.c: see pages.h.  Nothing here blocks: templates are compiled and
 * assets read at start; a page is rendered in memory and answered at once.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "base/log.h"
#include "base/metrics.h"
#include "base/template.h"
#include "conf/config.h"
#include "io/http.h"
#include "io/plugin.h"
#include "serve/assets.h"
#include "serve/gen.h"
#include "serve/pages.h"
#include "serve/server.h"

#define PAGES_MAX_FORM		(64 * 1024)
#define PAGES_MAX_TEMPLATES	64

/*
 * SPEC §16: scripts, styles and everything else from this site only (no
 * inline script or style), no framing, forms post only here.
 */
#define PAGES_CSP	"default-src 'self'; script-src 'self'; " \
	"style-src 'self'; img-src 'self'; font-src 'self'; " \
	"connect-src 'self'; object-src 'none'; base-uri 'none'; " \
	"form-action 'self'; frame-ancestors 'none'"

static struct template	*pages_compiled[PAGES_MAX_TEMPLATES];
static size_t		 pages_ncompiled;

/* A request for a plugin's page: what api->page_* are given. */
struct replyd_page_request {
	struct http_req			*http;
	struct server			*srv;
	struct gen			*gen;	/* pinned by the HTTP request */
	struct replyd_host		*host;
	const struct replyd_page	*page;
};

/* Free the compiled templates. */
static void
pages_uncompile(void)
{
	size_t	i;

	for (i = 0; i < pages_ncompiled; i++)
		template_free(pages_compiled[i]);
	pages_ncompiled = 0;
}

/* Compile every embedded template. */
int
pages_compile(char *err, size_t errlen)
{
	const struct page_source	*s;
	struct template			*t;

	pages_uncompile();
	for (s = page_sources; s->name != NULL; s++) {
		if (pages_ncompiled == PAGES_MAX_TEMPLATES) {
			snprintf(err, errlen, "more than %d page templates",
			    PAGES_MAX_TEMPLATES);
			return -1;
		}
		if ((t = template_compile(s->name, s->text, strlen(s->text),
		    err, errlen)) == NULL)
			return -1;
		pages_compiled[pages_ncompiled++] = t;
	}
	return 0;
}

/* An embedded template by name, or NULL. */
static const struct template *
pages_template(const char *name)
{
	size_t	i;

	for (i = 0; i < pages_ncompiled; i++)
		if (strcmp(template_name(pages_compiled[i]), name) == 0)
			return pages_compiled[i];
	return NULL;
}

/* At start: the templates and the assets. */
int
pages_start(struct server *srv)
{
	char	err[256];

	if (pages_compile(err, sizeof err) == -1) {
		log_error("page templates: %s", err);
		return -1;
	}
	if (pages_template("layout") == NULL ||
	    pages_template("error") == NULL) {
		log_error("page templates: layout or error is missing");
		return -1;
	}
	metrics_define("replyd_page_errors_total", METRICS_COUNTER,
	    "Staff pages that could not be drawn (a template or its data).");
	metrics_define("replyd_page_refusals_total", METRICS_COUNTER,
	    "Page requests refused before a page saw them, by reason.");
	assets_load(srv->cfg);
	return 0;
}

/* Free what pages_start made. */
void
pages_free(void)
{
	pages_uncompile();
	assets_free();
}

/* The security headers of every page. */
void
pages_headers(struct http_req *req, int personal)
{
	http_add_header(req, "Content-Security-Policy", PAGES_CSP);
	http_add_header(req, "X-Content-Type-Options", "nosniff");
	http_add_header(req, "Referrer-Policy", "same-origin");
	http_add_header(req, "X-Frame-Options", "DENY");
	http_add_header(req, "Cross-Origin-Opener-Policy", "same-origin");
	http_add_header(req, "Cache-Control", personal ? "no-store" :
	    "no-cache");
}

/* The last resort when even the error page cannot be drawn. */
static void
pages_plain_500(struct http_req *req)
{
	static const char	msg[] = "Something went wrong on our side. "
	    "Try again in a minute.\n";

	pages_headers(req, 1);
	http_reply(req, 500, "text/plain; charset=utf-8", msg,
	    sizeof msg - 1);
}

/* The service navigation's sections: path, then words. */
static const char *const pages_sections[][2] = {
	{ "/", "Home" },
	{ "/board", "Duty board" },
	{ "/rota", "Rota" },
	{ "/absences", "Absences" },
	{ "/report", "Report" },
	{ "/contacts", "Contacts" },
};

/* The navigation of a signed-in person, in the layout's data. */
static void
pages_nav(struct template_node *root, const struct page_nav *nav)
{
	struct template_node	*n, *list, *item;
	size_t			 i;

	n = template_set_object(root, "nav");
	template_set(n, "name", nav->name);
	template_set(n, "csrf", nav->csrf != NULL ? nav->csrf : "");
	list = template_set_list(n, "sections");
	for (i = 0; i < sizeof pages_sections / sizeof pages_sections[0];
	    i++) {
		item = template_append_object(list);
		template_set(item, "path", pages_sections[i][0]);
		template_set(item, "text", pages_sections[i][1]);
		template_set_bool(item, "current", nav->current != NULL &&
		    strcmp(nav->current, pages_sections[i][0]) == 0);
	}
}

/* Draw a rendered body inside the layout and answer. */
static void
pages_answer(struct http_req *req, const struct config *cfg, int status,
    const char *title, const struct template_html *main, int personal,
    const struct page_nav *nav)
{
	struct template_data	*d;
	struct template_node	*root;
	struct template_html	*page;
	const char		*text;
	char			 err[256];
	size_t			 len;

	if ((d = template_data_new()) == NULL) {
		pages_plain_500(req);
		return;
	}
	root = template_root(d);
	template_set(root, "title", title != NULL ? title : "");
	template_set(root, "council", cfg->council.name);
	template_set(root, "service", cfg->council.service_name);
	template_set(root, "phase", cfg->council.phase);
	template_set(root, "assets", assets_prefix());
	template_set_html(root, "main", main);
	if (nav != NULL)
		pages_nav(root, nav);
	page = template_render(pages_template("layout"), d, err, sizeof err);
	template_data_free(d);
	if (page == NULL) {
		log_error("page layout: %s", err);
		metrics_inc("replyd_page_errors_total", NULL);
		pages_plain_500(req);
		return;
	}
	pages_headers(req, personal);
	text = template_html_text(page, &len);
	http_reply(req, status > 0 ? status : 200, "text/html; charset=utf-8",
	    text, len);
	template_html_free(page);
}

/* Render t with d as the body of a page and answer. */
static void
pages_draw(struct http_req *req, const struct config *cfg, int status,
    const char *title, const struct template *t,
    const struct template_data *d, int personal, const struct page_nav *nav)
{
	struct template_html	*main;
	char			 err[256];

	if (t == NULL || (main = template_render(t, d, err, sizeof err)) ==
	    NULL) {
		log_error("page %s: %s", http_req_path(req), t == NULL ?
		    "no such template" : err);
		metrics_inc("replyd_page_errors_total", NULL);
		pages_error(req, cfg, 500, "Sorry, there is a problem with "
		    "this page", "replyd could not draw it. Try again later; "
		    "the problem has been logged.");
		return;
	}
	pages_answer(req, cfg, status, title, main, personal, nav);
	template_html_free(main);
}

/* Answer with a page. */
void
pages_reply(struct http_req *req, const struct config *cfg,
    const struct page_view *v)
{
	pages_draw(req, cfg, v->status, v->title, pages_template(v->template),
	    v->data, v->personal, v->nav);
}

void
pages_staff(struct http_req *req, const struct config *cfg,
    const struct config_person *person, const char *csrf, int status,
    const char *title, const char *current, const char *tmpl,
    struct template_data *d)
{
	struct page_nav		nav;
	struct page_view	v;

	memset(&v, 0, sizeof v);
	v.status = status;
	v.title = title;
	v.template = tmpl;
	v.data = d;
	v.personal = 1;
	if (person != NULL) {
		nav.name = person->name != NULL ? person->name : person->id;
		nav.csrf = csrf;
		nav.current = current;
		v.nav = &nav;
	}
	if (d != NULL)
		template_set(template_root(d), "csrf", csrf != NULL ? csrf : "");
	pages_reply(req, cfg, &v);
}

/* Answer with an error page. */
void
pages_error(struct http_req *req, const struct config *cfg, int status,
    const char *heading, const char *message)
{
	struct template_data	*d;
	struct template_html	*main;
	char			 err[256];

	if ((d = template_data_new()) == NULL) {
		pages_plain_500(req);
		return;
	}
	template_set(template_root(d), "heading", heading);
	template_set(template_root(d), "message", message);
	main = template_render(pages_template("error"), d, err, sizeof err);
	template_data_free(d);
	if (main == NULL) {
		log_error("page error: %s", err);
		pages_plain_500(req);
		return;
	}
	pages_answer(req, cfg, status, heading, main, 1, NULL);
	template_html_free(main);
}

/* Answer 303 to a path on this site. */
void
pages_redirect(struct http_req *req, const char *path)
{
	pages_headers(req, 1);
	http_add_header(req, "Location", path);
	http_reply(req, 303, "text/plain; charset=utf-8", "", 0);
}

/* ------------------------------------------------------------------ */
/* Plugins' pages.                                                     */

/* The page of gen at path, or NULL. */
static const struct replyd_page *
pages_find(struct gen *gen, const char *path, struct replyd_host **hostp)
{
	struct replyd_host	*h;
	size_t			 i, j;

	for (i = 0; gen != NULL && i < gen->plugins.n; i++) {
		h = gen->plugins.hosts[i];
		for (j = 0; j < h->npages; j++)
			if (strcmp(h->pages[j].path, path) == 0) {
				if (hostp != NULL)
					*hostp = h;
				return &h->pages[j];
			}
	}
	return NULL;
}

/* The body limit of a plugin's page, or -1: no such page here. */
static int
pages_limit(const char *path, void *ctx, size_t *max_body, int *too_large)
{
	const struct replyd_page	*pg;

	if ((pg = pages_find(ctx, path, NULL)) == NULL)
		return -1;
	*max_body = pg->post ? (pg->max_body > 0 ? pg->max_body :
	    PAGES_MAX_FORM) : 0;
	*too_large = 413;
	return 0;
}

/* The origin ("scheme://host[:port]") of a URL: its length, or 0. */
static size_t
pages_origin_len(const char *url)
{
	const char	*p = strstr(url, "://"), *slash;

	if (p == NULL)
		return 0;
	slash = strchr(p + 3, '/');
	return slash != NULL ? (size_t)(slash - url) : strlen(url);
}

/*
 * Whether a POST comes from our own pages: the browser says so with
 * Sec-Fetch-Site, or its Origin is this host (as the browser reached it)
 * or the configured public_url's origin (behind a proxy).  A request with
 * neither, or "Origin: null", is refused: forms here are only ever sent by
 * a browser that has them on screen.
 */
static int
pages_same_origin(struct http_req *req, const struct config *cfg)
{
	const char	*site = http_req_header(req, "Sec-Fetch-Site");
	const char	*origin = http_req_header(req, "Origin");
	const char	*host = http_req_header(req, "Host"), *p;
	size_t		 n;

	if (site != NULL)
		return strcmp(site, "same-origin") == 0;
	if (origin == NULL || strcmp(origin, "null") == 0)
		return 0;
	n = pages_origin_len(cfg->public_url);
	if (n > 0 && strlen(origin) == n &&
	    strncasecmp(origin, cfg->public_url, n) == 0)
		return 1;
	if ((p = strstr(origin, "://")) == NULL || host == NULL)
		return 0;
	return strcasecmp(p + 3, host) == 0;
}

/* The request is answered: forget the page request. */
static void
pages_plugin_free(void *arg)
{
	free(arg);
}

/* A request for a plugin's page: check it, hand it to the plugin. */
static void
pages_plugin_handle(struct http_req *hr, void *arg)
{
	struct gen			*gen = http_req_ctx(hr);
	struct replyd_page_request	*pr;
	const struct replyd_page	*pg;
	struct replyd_host		*host = NULL;

	if ((pg = pages_find(gen, http_req_path(hr), &host)) == NULL) {
		http_error(hr, 404, "not found", "no such path");
		return;
	}
	if (http_req_method(hr) == HTTP_POST) {
		if (!pg->post) {
			http_error(hr, 405, "method not allowed", "%s does not "
			    "accept this method", pg->path);
			return;
		}
		if (!pages_same_origin(hr, gen->cfg)) {
			log_warnx("%s: refused a form sent to %s from another "
			    "site", host->name, pg->path);
			metrics_inc("replyd_page_refusals_total",
			    "reason=\"cross_site_form\"");
			pages_error(hr, gen->cfg, 403, "This form was sent "
			    "from another site", "Nothing was done. Open the "
			    "page again and send the form from there.");
			return;
		}
	}
	if ((pr = calloc(1, sizeof *pr)) == NULL) {
		http_unavailable(hr, "out of memory");
		return;
	}
	pr->http = hr;
	pr->srv = arg;
	pr->gen = gen;
	pr->host = host;
	pr->page = pg;
	http_req_on_free(hr, pages_plugin_free, pr);
	pg->handle(pg->state, pr);
}

/* api->page_method. */
static const char *
pages_method(struct replyd_page_request *pr)
{
	return http_req_method(pr->http) == HTTP_POST ? "POST" : "GET";
}

/* api->page_path. */
static const char *
pages_path(struct replyd_page_request *pr)
{
	return pr->page->path;
}

/* api->page_query. */
static const char *
pages_query(struct replyd_page_request *pr, const char *name)
{
	return http_req_query_param(pr->http, name);
}

/* api->page_header. */
static const char *
pages_header(struct replyd_page_request *pr, const char *name)
{
	return http_req_header(pr->http, name);
}

/* api->page_body. */
static const char *
pages_body(struct replyd_page_request *pr, size_t *len)
{
	return http_req_body(pr->http, len);
}

static void	pages_json_members(struct template_node *, const cJSON *, int);

/* A JSON array as a list: objects and scalars become items. */
static void
pages_json_items(struct template_node *list, const cJSON *arr, int depth)
{
	const cJSON	*v;
	char		 num[32];

	cJSON_ArrayForEach(v, arr) {
		if (cJSON_IsObject(v))
			pages_json_members(template_append_object(list), v,
			    depth + 1);
		else if (cJSON_IsString(v))
			template_append(list, v->valuestring);
		else if (cJSON_IsNumber(v)) {
			snprintf(num, sizeof num, "%.15g", v->valuedouble);
			template_append(list, num);
		}
	}
}

/* A JSON object's members as a template object's values. */
static void
pages_json_members(struct template_node *obj, const cJSON *j, int depth)
{
	const cJSON	*v;

	if (obj == NULL || depth > TEMPLATE_MAX_DEPTH)
		return;
	cJSON_ArrayForEach(v, j) {
		if (v->string == NULL)
			continue;
		if (cJSON_IsString(v))
			template_set(obj, v->string, v->valuestring);
		else if (cJSON_IsNumber(v))
			template_setf(obj, v->string, "%.15g", v->valuedouble);
		else if (cJSON_IsBool(v))
			template_set_bool(obj, v->string, cJSON_IsTrue(v));
		else if (cJSON_IsObject(v))
			pages_json_members(template_set_object(obj, v->string),
			    v, depth + 1);
		else if (cJSON_IsArray(v))
			pages_json_items(template_set_list(obj, v->string), v,
			    depth + 1);
	}
}

/* A JSON object's text as template data (what plugins' pages send). */
struct template_data *
pages_json(const char *json)
{
	struct template_data	*d;
	cJSON			*j;

	if (json == NULL || (j = cJSON_Parse(json)) == NULL)
		return NULL;
	if (!cJSON_IsObject(j) || (d = template_data_new()) == NULL) {
		cJSON_Delete(j);
		return NULL;
	}
	pages_json_members(template_root(d), j, 0);
	cJSON_Delete(j);
	return d;
}

/* Whether a redirect stays on this site: "/path", never "//host". */
static int
pages_local_path(const char *p)
{
	return p[0] == '/' && p[1] != '/' && p[1] != '\\' &&
	    strpbrk(p, "\r\n") == NULL;
}

/* api->page_reply: draw the plugin's content in the layout, or redirect. */
static void
pages_plugin_reply(struct replyd_page_request *pr,
    const struct replyd_page_reply *r)
{
	struct http_req		*req = pr->http;
	const struct config	*cfg = pr->gen->cfg;
	struct template		*t;
	struct template_data	*d;
	char			 err[256], name[96];
	int			 personal;

	personal = r->size >= offsetof(struct replyd_page_reply, personal) +
	    sizeof r->personal ? r->personal : 1;
	if (r->size >= offsetof(struct replyd_page_reply, redirect) +
	    sizeof r->redirect && r->redirect != NULL) {
		if (!pages_local_path(r->redirect)) {
			log_error("%s: page %s redirected off this site: "
			    "refused", pr->host->name, pr->page->path);
			pages_error(req, cfg, 500, "Sorry, there is a problem "
			    "with this page", "Try again later.");
			return;
		}
		pages_redirect(req, r->redirect);
		return;
	}
	snprintf(name, sizeof name, "%s%s", pr->host->name, pr->page->path);
	t = r->template == NULL ? NULL : template_compile(name, r->template,
	    strlen(r->template), err, sizeof err);
	d = pages_json(r->data_json != NULL ? r->data_json : "{}");
	if (t == NULL || d == NULL) {
		log_error("%s: page %s: %s", pr->host->name, pr->page->path,
		    t == NULL ? (r->template == NULL ? "no template" : err) :
		    "its data is not a JSON object");
		metrics_inc("replyd_page_errors_total", NULL);
		template_free(t);
		template_data_free(d);
		pages_error(req, cfg, 500, "Sorry, there is a problem with "
		    "this page", "replyd could not draw it. Try again later; "
		    "the problem has been logged.");
		return;
	}
	pages_draw(req, cfg, r->status, r->title, t, d, personal, NULL);
	template_data_free(d);
	template_free(t);
}

/* The page calls plugins are given. */
void
pages_env(struct server *srv, struct plugin_env *env)
{
	env->page_method = pages_method;
	env->page_path = pages_path;
	env->page_query = pages_query;
	env->page_header = pages_header;
	env->page_body = pages_body;
	env->page_reply = pages_plugin_reply;
}

/* The assets, then plugins' pages: "/NAME" and "/NAME/PAGE", after every
 * other route so that none of replyd's own can be taken. */
void
pages_routes(struct server *srv)
{
	assets_routes(srv->http);
	http_route_limited(srv->http, HTTP_GET | HTTP_POST, "/*", pages_limit,
	    pages_plugin_handle, srv);
	http_route_limited(srv->http, HTTP_GET | HTTP_POST, "/*/*",
	    pages_limit, pages_plugin_handle, srv);
}
