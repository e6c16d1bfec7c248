/*
 * web.h: what every signed-in staff page shares (SPEC §16): who may see
 * it (signed out, a page redirects to sign-in and comes back after), and
 * how it is drawn: in the layout, with the service navigation (Home, Duty
 * board, Rota, Absences, Report, Contacts), the person's name and a
 * sign-out button, the CSRF token in the data every form posts back, and
 * Cache-Control: no-store (every staff page shows personal data).
 *
 * The staff pages' routes are API routes (serve/api.h) with API_PAGE:
 * the preamble resolves the session once; a handler starts with
 *
 *	if (!web_person(c))
 *		return;
 *
 * and ends with web_page().  Forms post to the page itself or to a path
 * under it; after a change a handler answers web_done() (post, redirect,
 * get), so that reloading the page never repeats the action.
 */
#ifndef WEB_H
#define WEB_H

#include <stddef.h>
#include <stdint.h>

struct api_call;
struct calendar;
struct template_data;
struct template_node;

/* The sections of the service navigation. */
enum web_section {
	WEB_NONE,
	WEB_HOME,
	WEB_BOARD,
	WEB_ROTA,
	WEB_ABSENCES,
	WEB_REPORT,
	WEB_CONTACTS
};

/*
 * Whether a person is signed in.  If not, answers 303 See Other to
 * /signin?return=<this path and query> and returns 0: the handler must
 * not touch c again.
 */
int	web_person(struct api_call *);

/*
 * Answer with a staff page: template tmpl rendered with d (the caller's;
 * web_page sets "csrf" on its root, for every form's hidden field) inside
 * the layout, title in the browser's tab, section marked current in the
 * navigation.  status 0 is 200.
 */
void	web_page(struct api_call *, int status, const char *title,
	    enum web_section, const char *tmpl, struct template_data *d);

/* Answer with an error page inside the layout (navigation included). */
void	web_error(struct api_call *, int status, const char *heading,
	    const char *message);
/* Answer 404 with the page api_see and friends answer for something
 * hidden (pages.h PAGES_NOT_FOUND), so missing and hidden look alike. */
void	web_not_found(struct api_call *);

/*
 * After a form did what it asked: 303 to path (a local path; a query of
 * the handler's own, such as "?done=sent", tells the page what to say).
 */
void	web_done(struct api_call *, const char *path);

/*
 * Set key (and key_overdue, true or missing) on obj: the deadline due_ms
 * in words on cal, "due in 3 working hours", "overdue by 1 day".
 */
void	web_due(struct template_node *obj, const char *key,
	    const struct calendar *, int64_t now_ms, int64_t due_ms);

/* Set key on obj: ms as a time people read ("Tue 1 Dec, 14:05") in the
 * calendar's zone (UTC when NULL), and key_iso for a <time datetime>. */
void	web_when(struct template_node *obj, const char *key,
	    const struct calendar *, int64_t ms);

#endif
