/*
 * page.c: see page.h.  Plain HTML with no script and no inline style, so
 * the Content-Security-Policy can forbid both; the GOV.UK-styled pages of
 * the next issue replace the markup here and nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/http.h"
#include "serve/page.h"

#define PAGE_CSP	"default-src 'self'; script-src 'self'; "	\
			"style-src 'self'; img-src 'self'; "		\
			"form-action 'self'; base-uri 'none'; "	\
			"frame-ancestors 'none'"

/* Write s escaped for HTML text and attribute values. */
static void
page_put(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

/* Write s percent-encoded for a query parameter (safe in attributes). */
static void
page_put_query(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~/", *s) != NULL)
			fputc(*s, f);
		else
			fprintf(f, "%%%02X", (unsigned char)*s);
	}
}

/* HTML-escape into a buffer. */
char *
page_escape(const char *s, char *buf, size_t len)
{
	FILE	*f;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if ((f = fmemopen(buf, len, "w")) == NULL)
		return buf;
	setbuf(f, NULL);
	page_put(f, s);
	fclose(f);
	buf[len - 1] = '\0';
	return buf;
}

/* Start a document. */
static FILE *
page_open(char **out, size_t *len, const char *title)
{
	FILE	*f;

	if ((f = open_memstream(out, len)) == NULL)
		return NULL;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>", f);
	page_put(f, title);
	fputs(" - replyd</title>\n</head>\n<body>\n<main id=\"main\">\n<h1>",
	    f);
	page_put(f, title);
	fputs("</h1>\n", f);
	return f;
}

/* End a document; the string, or NULL. */
static char *
page_close(FILE *f, char **out)
{
	fputs("</main>\n</body>\n</html>\n", f);
	if (fclose(f) != 0) {
		free(*out);
		return NULL;
	}
	return *out;
}

/* The sign-in page. */
char *
page_signin(const struct page_signin *p)
{
	FILE	*f;
	char	*out = NULL;
	size_t	 len;

	if ((f = page_open(&out, &len, "Sign in")) == NULL)
		return NULL;
	if (p->error != NULL) {
		fputs("<div role=\"alert\">\n<h2>There is a problem</h2>\n<p>",
		    f);
		page_put(f, p->error);
		fputs("</p>\n</div>\n", f);
	}
	if (p->oidc) {
		fputs("<p><a href=\"/auth/oidc?return=", f);
		page_put_query(f, p->ret);
		fputs("\">Sign in with your council account</a></p>\n"
		    "<h2>Administrators: sign in with a link</h2>\n"
		    "<p>If the council's sign-in service is down, an "
		    "administrator can ask for a sign-in link.</p>\n", f);
	} else
		fputs("<p>We will send you a link that signs you in. It works "
		    "once, for a short time.</p>\n", f);
	fputs("<form method=\"post\" action=\"/signin\" novalidate>\n"
	    "<label for=\"email\">Work email address</label>\n"
	    "<p id=\"email-hint\">If you have no work email, enter your work "
	    "mobile number.</p>\n"
	    "<input id=\"email\" name=\"email\" type=\"text\" "
	    "autocomplete=\"email\" spellcheck=\"false\" "
	    "aria-describedby=\"email-hint\"", f);
	if (p->value != NULL) {
		fputs(" value=\"", f);
		page_put(f, p->value);
		fputs("\"", f);
	}
	fputs(">\n<input type=\"hidden\" name=\"return\" value=\"", f);
	page_put(f, p->ret);
	fputs("\">\n<button type=\"submit\">Send me a sign-in link</button>\n"
	    "</form>\n", f);
	return page_close(f, &out);
}

/* A duration in words, for how long a link works. */
static void
page_duration(FILE *f, int64_t ms)
{
	int64_t	s = ms / 1000;

	if (s >= 120 && s % 60 == 0)
		fprintf(f, "%lld minutes", (long long)(s / 60));
	else if (s == 60)
		fputs("1 minute", f);
	else
		fprintf(f, "%lld second%s", (long long)s, s == 1 ? "" : "s");
}

/* After asking for a link. */
char *
page_signin_sent(int64_t ttl_ms)
{
	FILE	*f;
	char	*out = NULL;
	size_t	 len;

	if ((f = page_open(&out, &len, "Check your email")) == NULL)
		return NULL;
	fputs("<p>If that address belongs to a member of staff, we have sent "
	    "a sign-in link to it (or, for staff with no work email, to "
	    "their work mobile).</p>\n<p>The link works once, within ", f);
	page_duration(f, ttl_ms);
	fputs(".</p>\n<p><a href=\"/signin\">Ask for another link</a></p>\n",
	    f);
	return page_close(f, &out);
}

/* A sign-in link opened. */
char *
page_link(const char *token)
{
	FILE	*f;
	char	*out = NULL;
	size_t	 len;

	if ((f = page_open(&out, &len, "Sign in to replyd")) == NULL)
		return NULL;
	fputs("<form method=\"post\" action=\"/signin/link\">\n"
	    "<input type=\"hidden\" name=\"token\" value=\"", f);
	page_put(f, token);
	fputs("\">\n<button type=\"submit\">Sign in</button>\n</form>\n", f);
	return page_close(f, &out);
}

/* A link that cannot sign anyone in. */
char *
page_link_refused(void)
{
	return page_message("This sign-in link cannot be used", "It has "
	    "expired or has already been used. Sign-in links work once, "
	    "for a short time.", "/signin", "Ask for a new link");
}

/* Signed in (until the staff pages of the next issue). */
char *
page_signed_in(const char *name, const char *csrf)
{
	FILE	*f;
	char	*out = NULL;
	size_t	 len;

	if ((f = page_open(&out, &len, "You are signed in")) == NULL)
		return NULL;
	fputs("<p>Signed in as ", f);
	page_put(f, name);
	fputs(".</p>\n<form method=\"post\" action=\"/signout\">\n"
	    "<input type=\"hidden\" name=\"csrf\" value=\"", f);
	page_put(f, csrf);
	fputs("\">\n<button type=\"submit\">Sign out</button>\n</form>\n", f);
	return page_close(f, &out);
}

/* Signed out. */
char *
page_signed_out(void)
{
	return page_message("You have signed out", NULL, "/signin",
	    "Sign in again");
}

/* Too many attempts. */
char *
page_rate_limited(int64_t retry_ms)
{
	FILE	*f;
	char	*out = NULL;
	size_t	 len;

	if ((f = page_open(&out, &len, "Too many attempts")) == NULL)
		return NULL;
	fputs("<p>There have been too many sign-in attempts. Wait ", f);
	page_duration(f, retry_ms < 1000 ? 1000 : retry_ms);
	fputs(" and try again.</p>\n", f);
	return page_close(f, &out);
}

/* A plain message. */
char *
page_message(const char *title, const char *text, const char *href,
    const char *link_text)
{
	FILE	*f;
	char	*out = NULL;
	size_t	 len;

	if ((f = page_open(&out, &len, title)) == NULL)
		return NULL;
	if (text != NULL) {
		fputs("<p>", f);
		page_put(f, text);
		fputs("</p>\n", f);
	}
	if (href != NULL) {
		fputs("<p><a href=\"", f);
		page_put(f, href);
		fputs("\">", f);
		page_put(f, link_text);
		fputs("</a></p>\n", f);
	}
	return page_close(f, &out);
}

/* The headers of every page. */
void
page_headers(struct http_req *req)
{
	http_add_header(req, "Content-Security-Policy", PAGE_CSP);
	http_add_header(req, "X-Content-Type-Options", "nosniff");
	http_add_header(req, "Referrer-Policy", "same-origin");
	http_add_header(req, "X-Frame-Options", "DENY");
	http_add_header(req, "Cache-Control", "no-store");
}

/* Answer with a page. */
void
page_send(struct http_req *req, int code, char *html)
{
	if (html == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	page_headers(req);
	http_reply(req, code, "text/html; charset=utf-8", html, strlen(html));
	free(html);
}

/* Answer 303 to a local path. */
void
page_redirect(struct http_req *req, const char *location)
{
	page_headers(req);
	http_add_header(req, "Location", location);
	http_reply(req, 303, "text/html; charset=utf-8", NULL, 0);
}
