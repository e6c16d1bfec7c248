/*
 * sandbox-page.h: the sandbox's page, /sandbox: a form to write as a young
 * person, and every message that went through the sandbox, newest first.
 * The page's content is a template that replyd draws inside its layout
 * (api->page_reply), with data built here as JSON; replyd escapes every
 * value where it lands, so nothing here writes HTML.  Pure: no I/O.
 */
#ifndef SANDBOX_PAGE_H
#define SANDBOX_PAGE_H

#include <stddef.h>

#include "sandbox-log.h"

#define SANDBOX_TEXT_CHARS	1600	/* a long SMS: ten segments */
#define SANDBOX_ID_MAX		32	/* hex digits of a message id */

/* What the page shows. */
struct sandbox_view {
	const char	*from;		/* the number in the form */
	const char	*text;		/* the message in the form (an error) */
	const char	*message_id;	/* for the next message: dedupes a resend */
	const char	*from_error;	/* inline errors, or NULL */
	const char	*text_error;
	const char	*problem;	/* replyd refused or failed, or NULL */
	int		 sent;		/* after a message was stored */
	const char	*number;	/* the sandbox's own number */
	const char	*path;		/* the page's own path, "/sandbox" */
};

/* The page's content template (replyd's syntax: docs/pages.md). */
extern const char	sandbox_page_template[];

/*
 * Check a posted number and message; 0 when both are good, else -1 with
 * from_error and text_error saying what to fix (in GOV.UK's words).
 */
int	sandbox_form_check(const char *from, size_t from_len,
	    const char *text, size_t text_len, const char **from_error,
	    const char **text_error);
/* Whether a posted message id is one we made (hex, 16 to 32 digits). */
int	sandbox_id_ok(const char *id);
/* The page's data as a JSON object (malloc'd), at most max messages. */
char	*sandbox_page_data(const struct sandbox_view *,
	    const struct sandbox_log *, size_t max);
/* Percent-encode s for a query string; -1 if it does not fit. */
int	 sandbox_url_encode(const char *s, char *out, size_t len);

#endif
