/*
 * page.h: every HTML page replyd serves for signing in, in one place so
 * that the staff pages (SPEC section 16) can restyle them without hunting
 * through handlers.  Each page_* renders a whole document to a malloc'd
 * string (NULL when out of memory) with every value escaped; page_send
 * answers with it and the security headers every page carries
 * (Content-Security-Policy with default-src 'self', no inline script and
 * frame-ancestors 'none'; X-Content-Type-Options: nosniff;
 * Referrer-Policy: same-origin; Cache-Control: no-store).
 */
#ifndef PAGE_H
#define PAGE_H

#include <stddef.h>
#include <stdint.h>

struct http_req;

/* The sign-in page's form. */
struct page_signin {
	const char	*ret;		/* where to go after signing in */
	int		 oidc;		/* offer the council account first */
	const char	*error;		/* above the form, or NULL */
	const char	*value;		/* what was typed, on an error */
};

char	*page_signin(const struct page_signin *);
/* After POST /signin, whether or not the address is known. */
char	*page_signin_sent(int64_t ttl_ms);
/* A sign-in link opened: a button that signs in (mail scanners fetch
 * links, so only the POST uses the token). */
char	*page_link(const char *token);
char	*page_link_refused(void);
char	*page_signed_in(const char *name, const char *csrf);
char	*page_signed_out(void);
char	*page_rate_limited(int64_t retry_ms);
/* A plain message with a link onwards (href and text may be NULL). */
char	*page_message(const char *title, const char *text, const char *href,
	    const char *link_text);

/* HTML-escape s into buf (len bytes); returns buf, cut to fit. */
char	*page_escape(const char *s, char *buf, size_t len);
/* Answer with a page (html is freed; NULL answers 503). */
void	 page_send(struct http_req *, int code, char *html);
/* Answer 303 See Other to a local path. */
void	 page_redirect(struct http_req *, const char *location);
/* The headers every page carries (also for redirects). */
void	 page_headers(struct http_req *);

#endif
