/*
 * web.c: see web.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/template.h"
#include "conf/config.h"
#include "io/http.h"
#include "rules/calendar.h"
#include "rules/duewords.h"
#include "serve/api.h"
#include "serve/pages.h"
#include "serve/web.h"

/* The path of each section, for the navigation's current item. */
static const char *const web_paths[] = {
	[WEB_NONE] = NULL,
	[WEB_HOME] = "/",
	[WEB_BOARD] = "/board",
	[WEB_ROTA] = "/rota",
	[WEB_ABSENCES] = "/absences",
	[WEB_REPORT] = "/report",
	[WEB_CONTACTS] = "/contacts",
};

int
web_person(struct api_call *c)
{
	char		 loc[2048];
	const char	*uri = http_req_uri(c->req);
	size_t		 i, o;
	int		 n;

	if (c->signed_in && c->person != NULL)
		return 1;
	/* Back here after signing in: the path and query, percent-encoded
	 * as one query value (signin.c accepts only a local path). */
	o = (size_t)snprintf(loc, sizeof loc, "/signin?return=");
	for (i = 0; uri != NULL && uri[i] != '\0' && o + 4 < sizeof loc;
	    i++) {
		unsigned char ch = (unsigned char)uri[i];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~/", ch) != NULL)
			loc[o++] = (char)ch;
		else {
			n = snprintf(loc + o, sizeof loc - o, "%%%02X", ch);
			o += (size_t)n;
		}
	}
	loc[o] = '\0';
	pages_redirect(c->req, loc);
	return 0;
}

void
web_page(struct api_call *c, int status, const char *title,
    enum web_section s, const char *tmpl, struct template_data *d)
{
	pages_staff(c->req, c->cfg, c->signed_in ? c->person : NULL, c->csrf,
	    status, title, (size_t)s < sizeof web_paths / sizeof web_paths[0] ?
	    web_paths[s] : NULL, tmpl, d);
}

void
web_error(struct api_call *c, int status, const char *heading,
    const char *message)
{
	struct template_data	*d;

	if ((d = template_data_new()) == NULL) {
		pages_error(c->req, c->cfg, status, heading, message);
		return;
	}
	template_set(template_root(d), "heading", heading);
	template_set(template_root(d), "message", message);
	web_page(c, status, heading, WEB_NONE, "error", d);
	template_data_free(d);
}

void
web_not_found(struct api_call *c)
{
	web_error(c, 404, PAGES_NOT_FOUND, PAGES_NOT_FOUND_TEXT);
}

void
web_done(struct api_call *c, const char *path)
{
	pages_redirect(c->req, path);
}

void
web_due(struct template_node *obj, const char *key,
    const struct calendar *cal, int64_t now_ms, int64_t due_ms)
{
	char	words[64], k[64];

	snprintf(k, sizeof k, "%s_overdue", key);
	template_set_bool(obj, k, due_words(cal, now_ms / 1000,
	    due_ms / 1000, words, sizeof words));
	template_set(obj, key, words);
}

void
web_when(struct template_node *obj, const char *key,
    const struct calendar *cal, int64_t ms)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);
	char		buf[64], k[64];

	if (cal == NULL || calendar_local(cal, (int64_t)t, &tm) == -1)
		gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%a %-d %b, %H:%M", &tm);
	template_set(obj, key, buf);
	snprintf(k, sizeof k, "%s_iso", key);
	api_time(cal, ms, buf, sizeof buf);
	template_set(obj, k, buf);
}
