/*
 * signin.h: signing staff in with a link, signing out, and who the caller
 * is (SPEC §15): the routes of signin.c, as an API table.  The sign-in
 * pages are templates (serve/templates/signin*.html) drawn in the layout
 * without navigation (serve/pages.h), never cached; serve/oidc.c answers
 * with the same pages.
 */
#ifndef SIGNIN_H
#define SIGNIN_H

#include "serve/api.h"

extern const struct api_module signin_api;

/*
 * Answer with a sign-in page's plain message: heading, message (or NULL)
 * and a link onwards (href and link, or NULL): a link that cannot be
 * used, signed out, too many attempts, a sign-in that did not finish.
 */
void	signin_message(struct api_call *, int status, const char *heading,
	    const char *message, const char *href, const char *link);
/* Answer 503 with a page: storage (or memory) failed; try again soon. */
void	signin_unavailable(struct api_call *);

#endif
