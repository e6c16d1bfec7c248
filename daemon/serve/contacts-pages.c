/*
 * contacts-pages.c: the staff pages' contacts (SPEC §16): /contacts, a
 * search by name, phone or reference over the person's teams' contacts,
 * 50 a page; /contacts/{id}, a contact's details, and for the managers of
 * its team a form to change its worker, team and automatic receipts;
 * /contacts/import, CSV pasted (or read from a file by the page's script)
 * into a form.
 *
 * The rules are the API's (serve/contacts.c, serve/contact-list.c): a
 * contact outside the person's teams answers 404 as a missing one does,
 * only its team's managers change it (moving it needs both teams), a
 * staff member's phone is never a contact, and every opening of a
 * contact's details is recorded in its read trail before they are shown.
 * Unlike GET /v1/contacts the list holds only the person's teams'.
 *
 * An import is checked whole before anything is stored: a file with a bad
 * line stores nothing, and the page names every bad line.  Then each
 * contact is stored as PUT /v1/contacts/{id} stores it; if storage fails
 * part way the page says how many were stored (storing again is safe: a
 * contact is replaced by its id).  Phone numbers are shown in full, since
 * staff call young people, and never logged.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "base/address.h"
#include "base/csv.h"
#include "base/phone.h"
#include "base/template.h"
#include "conf/config.h"
#include "io/http.h"
#include "serve/api.h"
#include "serve/assets.h"
#include "serve/contact-list.h"
#include "serve/contacts-pages.h"
#include "serve/contacts.h"
#include "serve/server.h"
#include "serve/web.h"
#include "store/auth.h"
#include "store/contacts.h"

#define CONTACTS_PAGE		50	/* contacts a page */
#define CONTACTS_STEPS		64	/* SCAN steps a page, at most */
#define CONTACTS_COUNT		1000	/* keys SCAN looks at a step */
#define CONTACTS_IMPORT_MAX	1000	/* rows of one import */
#define CONTACTS_ERRORS_MAX	50	/* bad lines named on the page */

/* A contact, copied out of a store callback. */
struct contacts_pages_row {
	char	*id, *name, *phone, *email, *worker, *team;
	int	 receipt;
	int	 line;		/* import: the CSV line */
};

static void
contacts_pages_row_clear(struct contacts_pages_row *r)
{
	free(r->id);
	free(r->name);
	free(r->phone);
	free(r->email);
	free(r->worker);
	free(r->team);
	memset(r, 0, sizeof *r);
}

/* Copy a stored contact; -1 when out of memory. */
static int
contacts_pages_copy(struct contacts_pages_row *r,
    const struct store_contact *sc)
{
	memset(r, 0, sizeof *r);
	r->id = strdup(sc->id);
	r->name = strdup(sc->name);
	r->phone = strdup(sc->phone);
	r->email = strdup(sc->email);
	r->worker = strdup(sc->worker);
	r->team = strdup(sc->team);
	r->receipt = sc->receipt;
	if (r->id == NULL || r->name == NULL || r->phone == NULL ||
	    r->email == NULL || r->worker == NULL || r->team == NULL) {
		contacts_pages_row_clear(r);
		return -1;
	}
	return 0;
}

/* A contact's fields for the store. */
static void
contacts_pages_store_form(const struct contacts_pages_row *r,
    struct store_contact *sc)
{
	sc->id = r->id;
	sc->name = r->name != NULL ? r->name : "";
	sc->phone = r->phone != NULL ? r->phone : "";
	sc->email = r->email != NULL ? r->email : "";
	sc->worker = r->worker != NULL ? r->worker : "";
	sc->team = r->team;
	sc->receipt = r->receipt;
}

/* A phone number as staff dial it: 07700 900123 for a UK mobile. */
static void
contacts_pages_phone(const char *e164, char *buf, size_t len)
{
	if (strncmp(e164, "+44", 3) == 0 && strlen(e164) == 13)
		snprintf(buf, len, "0%.4s %s", e164 + 3, e164 + 7);
	else
		snprintf(buf, len, "%s", e164);
}

/* A person's name for a page (their id when they have none). */
static const char *
contacts_pages_person(const struct config *cfg, const char *id)
{
	const struct config_person	*p = config_person(cfg, id);

	return p != NULL && p->name != NULL ? p->name : id;
}

/* How many teams the caller manages. */
static size_t
contacts_pages_managed(const struct api_call *c)
{
	size_t	k, n = 0;

	for (k = 0; k < c->cfg->nteams; k++)
		n += api_manages(c, c->cfg->teams[k].id) != 0;
	return n;
}

/* The common 503. */
static void
contacts_pages_503(struct api_call *c)
{
	web_error(c, 503, "Sorry, there is a problem", "The contacts could "
	    "not be read from or saved to storage. Nothing was changed. Try "
	    "again in a minute.");
}

/* The 404 of a contact that is missing or not theirs to see. */
static void
contacts_pages_404(struct api_call *c)
{
	web_error(c, 404, "Page not found", "There is no such contact. It "
	    "may have been deleted, or it belongs to a team that is not "
	    "yours.");
}

/*
 * The list: /contacts?q=TEXT&cursor=C
 */

struct contacts_pages_list {
	struct api_call			*c;
	char				*q;		/* lower case, or NULL */
	char				*qraw;
	char				 qphone[PHONE_BUFSIZE];
	char				 cursor[24];	/* where this page began */
	int				 steps;
	struct contacts_pages_row	*rows;
	size_t				 n, cap;
};

static void
contacts_pages_list_free(struct contacts_pages_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		contacts_pages_row_clear(&l->rows[i]);
	free(l->rows);
	free(l->q);
	free(l->qraw);
	free(l);
}

/* Whether a contact is the person's to see and matches the search. */
static int
contacts_pages_match(const struct contacts_pages_list *l,
    const struct store_contact *sc)
{
	return contact_list_matches(l->c, l->q, l->qphone, sc);
}

/* Order a page by name, then reference. */
static int
contacts_pages_cmp(const void *a, const void *b)
{
	const struct contacts_pages_row	*x = a, *y = b;
	int				 d;

	if ((d = strcasecmp(x->name, y->name)) != 0)
		return x->name[0] == '\0' ? 1 : y->name[0] == '\0' ? -1 : d;
	return strcmp(x->id, y->id);
}

/* Draw the list page. */
static void
contacts_pages_list_draw(struct contacts_pages_list *l, const char *next)
{
	struct api_call		*c = l->c;
	struct template_data	*d;
	struct template_node	*root, *list, *o;
	char			 buf[512], phone[32];
	const char		*done = http_req_query_param(c->req, "done");
	const char		*count = http_req_query_param(c->req, "n");
	size_t			 i;

	if ((d = template_data_new()) == NULL) {
		contacts_pages_503(c);
		return;
	}
	root = template_root(d);
	template_set(root, "q", l->qraw != NULL ? l->qraw : "");
	template_set_bool(root, "searched", l->q != NULL);
	template_set_bool(root, "manager", contacts_pages_managed(c) > 0);
	if (done != NULL && strcmp(done, "imported") == 0 && count != NULL &&
	    strspn(count, "0123456789") == strlen(count) && count[0] != '\0' &&
	    strlen(count) < 8)
		template_setf(root, "banner", "%s %s imported", count,
		    strcmp(count, "1") == 0 ? "contact" : "contacts");
	if (l->n > 0)
		qsort(l->rows, l->n, sizeof *l->rows, contacts_pages_cmp);
	list = template_set_list(root, "contacts");
	for (i = 0; i < l->n; i++) {
		const struct contacts_pages_row *r = &l->rows[i];

		o = template_append_object(list);
		template_set(o, "id", r->id);
		template_set(o, "name", r->name[0] != '\0' ? r->name :
		    "No name");
		if (r->phone[0] != '\0') {
			contacts_pages_phone(r->phone, phone, sizeof phone);
			template_set(o, "phone", phone);
			template_setf(o, "tel", "tel:%s", r->phone);
		}
		if (r->email[0] != '\0')
			template_set(o, "email", r->email);
		template_set(o, "team", r->team);
		if (r->worker[0] != '\0')
			template_set(o, "worker", contacts_pages_person(c->cfg,
			    r->worker));
	}
	template_setf(root, "count", "%zu", l->n);
	template_set_bool(root, "any", l->n > 0);
	if (strcmp(next, "0") != 0) {
		o = template_set_object(root, "next");
		snprintf(buf, sizeof buf, "%s", next);
		template_set(o, "cursor", buf);
	}
	template_set_bool(root, "later", strcmp(l->cursor, "0") != 0);
	web_page(c, 0, l->q != NULL ? "Contacts found" : "Contacts",
	    WEB_CONTACTS, "contacts", d);
	template_data_free(d);
}

/* One SCAN step answered: keep the matches, go on or draw. */
static void
contacts_pages_list_step(const struct store_contact *cs, size_t n,
    const char *cursor, int failed, void *arg)
{
	struct contacts_pages_list	*l = arg;
	struct contacts_pages_row	*nr;
	size_t				 i;

	if (failed)
		goto fail;
	/* Keep a whole step (a cursor cannot point inside one). */
	for (i = 0; i < n; i++) {
		if (!contacts_pages_match(l, &cs[i]))
			continue;
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 64;
			if ((nr = realloc(l->rows, l->cap * sizeof *nr)) ==
			    NULL)
				goto fail;
			l->rows = nr;
		}
		if (contacts_pages_copy(&l->rows[l->n], &cs[i]) == -1)
			goto fail;
		l->n++;
	}
	if (strcmp(cursor, "0") == 0 || ++l->steps >= CONTACTS_STEPS ||
	    l->n >= CONTACTS_PAGE) {
		contacts_pages_list_draw(l, cursor);
		contacts_pages_list_free(l);
		return;
	}
	/* About the room left (a search keeps little of what it sees), so
	 * that a page holds not many more than CONTACTS_PAGE. */
	if (store_contact_scan(l->c->srv->db, cursor, l->q != NULL ?
	    CONTACTS_COUNT : CONTACTS_PAGE - l->n > 10 ?
	    (int)(CONTACTS_PAGE - l->n) : 10, contacts_pages_list_step,
	    l) == -1)
		goto fail;
	return;
fail:
	contacts_pages_503(l->c);
	contacts_pages_list_free(l);
}

/* GET /contacts */
static void
contacts_pages_list(struct api_call *c)
{
	struct contacts_pages_list	*l;
	const char			*q, *cursor;
	size_t				 i;

	if (!web_person(c))
		return;
	q = http_req_query_param(c->req, "q");
	cursor = http_req_query_param(c->req, "cursor");
	if (cursor == NULL || cursor[0] == '\0')
		cursor = "0";
	if (strlen(cursor) > 20 || strspn(cursor, "0123456789") !=
	    strlen(cursor)) {
		web_error(c, 400, "That page of contacts does not exist",
		    "Go back to the first page of contacts and try again.");
		return;
	}
	if (q != NULL && strlen(q) > 320) {
		web_error(c, 400, "That search is too long", "Search with a "
		    "name, a phone number or a reference.");
		return;
	}
	if ((l = calloc(1, sizeof *l)) == NULL) {
		contacts_pages_503(c);
		return;
	}
	l->c = c;
	snprintf(l->cursor, sizeof l->cursor, "%s", cursor);
	while (q != NULL && isspace((unsigned char)*q))
		q++;
	if (q != NULL && q[0] != '\0') {
		if ((l->q = strdup(q)) == NULL ||
		    (l->qraw = strdup(q)) == NULL) {
			contacts_pages_list_free(l);
			contacts_pages_503(c);
			return;
		}
		for (i = strlen(l->q); i > 0 &&
		    isspace((unsigned char)l->q[i - 1]); i--)
			l->q[i - 1] = '\0';
		for (i = 0; l->q[i] != '\0'; i++)
			l->q[i] = (char)tolower((unsigned char)l->q[i]);
		if (phone_normalise(l->q, "44", l->qphone,
		    sizeof l->qphone) == -1)
			l->qphone[0] = '\0';
	}
	if (store_contact_scan(c->srv->db, l->cursor, l->q != NULL ?
	    CONTACTS_COUNT : CONTACTS_PAGE, contacts_pages_list_step,
	    l) == -1) {
		contacts_pages_list_free(l);
		contacts_pages_503(c);
	}
}

/*
 * One contact: GET and POST /contacts/{id}
 */

/* What the edit form was sent with, and what was wrong with it. */
struct contacts_pages_edit {
	struct api_call			*c;
	struct contacts_pages_row	 now;	/* as stored */
	int				 post;
	char				 worker[128], team[128];
	int				 receipt;	/* -1: not given */
	char				 error[256];	/* "" when none */
	const char			*error_field;
};

static void
contacts_pages_edit_free(struct contacts_pages_edit *e)
{
	contacts_pages_row_clear(&e->now);
	free(e);
}

/* Draw a contact's page (with the form's errors, after a bad POST). */
static void
contacts_pages_show(struct contacts_pages_edit *e)
{
	struct api_call			*c = e->c;
	const struct config		*cfg = c->cfg;
	const struct contacts_pages_row	*r = &e->now;
	struct template_data		*d;
	struct template_node		*root, *f, *list, *o;
	const char			*done = http_req_query_param(c->req,
					    "done");
	const char			*worker = e->post ? e->worker :
					    r->worker;
	const char			*team = e->post ? e->team : r->team;
	int				 receipt = e->post && e->receipt != -1 ?
					    e->receipt : r->receipt;
	char				 phone[32], key[32];
	size_t				 k, w, p;
	int				 listed = 0;

	if ((d = template_data_new()) == NULL) {
		contacts_pages_503(c);
		return;
	}
	root = template_root(d);
	template_set(root, "id", r->id);
	template_set(root, "name", r->name[0] != '\0' ? r->name : "No name");
	if (r->phone[0] != '\0') {
		contacts_pages_phone(r->phone, phone, sizeof phone);
		template_set(root, "phone", phone);
		template_setf(root, "tel", "tel:%s", r->phone);
	}
	if (r->email[0] != '\0')
		template_set(root, "email", r->email);
	template_set(root, "worker_name", r->worker[0] != '\0' ?
	    contacts_pages_person(cfg, r->worker) : "None");
	template_set(root, "team", r->team);
	template_set(root, "receipts", r->receipt ? "On" : "Off");
	if (!e->post && done != NULL && strcmp(done, "saved") == 0)
		template_set(root, "banner", "Contact saved");
	if (e->error[0] != '\0') {
		o = template_set_object(root, "error");
		template_set(o, "text", e->error);
		template_set(o, "field", e->error_field);
		snprintf(key, sizeof key, "error_%s", e->error_field);
		template_set_bool(root, key, 1);
	}
	/* Only its team's managers change a contact. */
	if (api_manages(c, r->team)) {
		f = template_set_object(root, "form");
		list = template_set_list(f, "workers");
		o = template_append_object(list);
		template_set(o, "id", "");
		template_set(o, "name", "No worker");
		template_set_bool(o, "selected", worker[0] == '\0');
		/* The people of the teams they manage; and whoever it is. */
		for (p = 0; p < cfg->npeople; p++) {
			const struct config_person *pp = &cfg->people[p];
			int in = strcmp(pp->id, worker) == 0;

			for (k = 0; !in && k < cfg->nteams; k++) {
				if (!api_manages(c, cfg->teams[k].id))
					continue;
				for (w = 0; w < cfg->teams[k].nworkers; w++)
					in |= strcmp(cfg->teams[k].workers[w],
					    pp->id) == 0;
			}
			if (!in)
				continue;
			o = template_append_object(list);
			template_set(o, "id", pp->id);
			template_set(o, "name", pp->name != NULL ? pp->name :
			    pp->id);
			template_set_bool(o, "selected", strcmp(pp->id,
			    worker) == 0);
			listed |= strcmp(pp->id, worker) == 0;
		}
		if (!listed && worker[0] != '\0') {
			o = template_append_object(list);
			template_set(o, "id", worker);
			template_set(o, "name", worker);
			template_set_bool(o, "selected", 1);
		}
		list = template_set_list(f, "teams");
		for (k = 0; k < cfg->nteams; k++) {
			if (!api_manages(c, cfg->teams[k].id) &&
			    strcmp(cfg->teams[k].id, team) != 0)
				continue;
			o = template_append_object(list);
			template_set(o, "id", cfg->teams[k].id);
			template_set_bool(o, "selected",
			    strcmp(cfg->teams[k].id, team) == 0);
		}
		template_set_bool(f, "receipt_on", receipt);
		template_set_bool(f, "receipt_off", !receipt);
	}
	web_page(c, e->error[0] != '\0' ? 400 : 0, e->error[0] != '\0' ?
	    "Error: contact" : "Contact", WEB_CONTACTS, "contact", d);
	template_data_free(d);
}

/* The read is recorded: only now are the details shown. */
static void
contacts_pages_recorded(int failed, void *arg)
{
	struct contacts_pages_edit	*e = arg;

	if (failed)
		web_error(e->c, 503, "Sorry, there is a problem", "Opening "
		    "this contact could not be recorded, so its details are "
		    "not shown. Try again in a minute.");
	else
		contacts_pages_show(e);
	contacts_pages_edit_free(e);
}

/* Record the opening of a contact's details, as GET /v1/contacts/{id}. */
static int
contacts_pages_record(struct contacts_pages_edit *e)
{
	struct api_call	*c = e->c;
	cJSON		*j = cJSON_CreateObject();
	const char	*actor;
	char		*json;
	int		 service, rc;

	actor = api_actor(c, &service);
	cJSON_AddStringToObject(j, "by", actor);
	cJSON_AddNumberToObject(j, "at", (double)api_now_ms(c));
	json = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (json == NULL)
		return -1;
	rc = store_contact_read(c->srv->db, e->now.id, json,
	    c->cfg->retention_meta, contacts_pages_recorded, e);
	free(json);
	return rc;
}

/* The contact is stored with its new worker, team and receipts. */
static void
contacts_pages_saved(enum store_contact_result res, void *arg)
{
	struct contacts_pages_edit	*e = arg;
	char				 path[128];

	if (res == STORE_CONTACT_FAILED)
		contacts_pages_503(e->c);
	else {
		snprintf(path, sizeof path, "/contacts/%s?done=saved",
		    e->now.id);
		web_done(e->c, path);
	}
	contacts_pages_edit_free(e);
}

/* Check the edit form; "" in e->error when it is right. */
static void
contacts_pages_check_edit(struct contacts_pages_edit *e)
{
	const struct config	*cfg = e->c->cfg;

	if (e->worker[0] != '\0' && config_person(cfg, e->worker) == NULL) {
		snprintf(e->error, sizeof e->error, "Choose a worker from the "
		    "list");
		e->error_field = "worker";
	} else if (config_team(cfg, e->team) == NULL ||
	    !api_manages(e->c, e->team)) {
		snprintf(e->error, sizeof e->error, "Choose one of the teams "
		    "you manage");
		e->error_field = "team";
	} else if (e->receipt == -1) {
		snprintf(e->error, sizeof e->error, "Choose whether the young "
		    "person gets automatic receipts");
		e->error_field = "receipt";
	}
}

/* The contact is read: check who may see it, then show or change it. */
static void
contacts_pages_got(const struct store_contact *sc, int failed, void *arg)
{
	struct contacts_pages_edit	*e = arg;
	struct api_call			*c = e->c;
	struct store_contact		 put;
	struct contacts_pages_row	 next;

	if (failed) {
		contacts_pages_503(c);
		goto out;
	}
	if (sc == NULL || !api_sees(c, sc->team)) {
		contacts_pages_404(c);
		goto out;
	}
	if (contacts_pages_copy(&e->now, sc) == -1) {
		contacts_pages_503(c);
		goto out;
	}
	if (!e->post) {
		if (contacts_pages_record(e) == -1) {
			contacts_pages_503(c);
			goto out;
		}
		return;
	}
	/* Moving a contact needs both teams: the one it leaves too. */
	if (!api_manages(c, sc->team)) {
		web_error(c, 403, "You cannot change this contact", "Only the "
		    "managers of the contact's team change its details.");
		goto out;
	}
	contacts_pages_check_edit(e);
	if (e->error[0] != '\0') {
		contacts_pages_show(e);
		goto out;
	}
	next = e->now;
	next.worker = e->worker;
	next.team = e->team;
	next.receipt = e->receipt;
	contacts_pages_store_form(&next, &put);
	if (store_contact_put(c->srv->db, &put, contacts_pages_saved,
	    e) == -1) {
		contacts_pages_503(c);
		goto out;
	}
	return;
out:
	contacts_pages_edit_free(e);
}

/* GET or POST /contacts/{id} */
static void
contacts_pages_one(struct api_call *c, int post)
{
	struct contacts_pages_edit	*e;
	const char			*id = api_param(c, 0), *v;

	if (!web_person(c))
		return;
	if (!contacts_id_ok(id)) {
		contacts_pages_404(c);
		return;
	}
	if ((e = calloc(1, sizeof *e)) == NULL) {
		contacts_pages_503(c);
		return;
	}
	e->c = c;
	e->post = post;
	e->receipt = -1;
	if (post) {
		v = api_field(c, "worker");
		snprintf(e->worker, sizeof e->worker, "%s", v ? v : "");
		v = api_field(c, "team");
		snprintf(e->team, sizeof e->team, "%s", v ? v : "");
		v = api_field(c, "receipt");
		if (v != NULL && strcmp(v, "on") == 0)
			e->receipt = 1;
		else if (v != NULL && strcmp(v, "off") == 0)
			e->receipt = 0;
	}
	if (store_contact_get(c->srv->db, id, contacts_pages_got, e) == -1) {
		contacts_pages_edit_free(e);
		contacts_pages_503(c);
	}
}

static void
contacts_pages_view(struct api_call *c)
{
	contacts_pages_one(c, 0);
}

static void
contacts_pages_change(struct api_call *c)
{
	contacts_pages_one(c, 1);
}

/*
 * Import: GET and POST /contacts/import
 */

static const char *const contacts_pages_columns[] = {
	"id", "name", "phone", "email", "worker", "team", "receipt", NULL
};

struct contacts_pages_import {
	struct api_call			*c;
	char				*text;		/* as pasted */
	struct contacts_pages_row	*rows;
	size_t				 n, next;
	size_t				 stored;
	char				*errors[CONTACTS_ERRORS_MAX];
	size_t				 nerrors, more;
	int				 checking;	/* teams, then store */
};

static void
contacts_pages_import_free(struct contacts_pages_import *im)
{
	size_t	i;

	for (i = 0; i < im->n; i++)
		contacts_pages_row_clear(&im->rows[i]);
	for (i = 0; i < im->nerrors; i++)
		free(im->errors[i]);
	free(im->rows);
	free(im->text);
	free(im);
}

/* Note a bad line. */
static void
contacts_pages_bad(struct contacts_pages_import *im, int line,
    const char *fmt, const char *a, const char *b)
{
	char	msg[512], av[80], bv[80];

	if (im->nerrors == CONTACTS_ERRORS_MAX) {
		im->more++;
		return;
	}
	/* Long values are cut: the line number says where to look. */
	snprintf(av, sizeof av, "%.60s%s", a ? a : "", a && strlen(a) > 60 ?
	    "…" : "");
	snprintf(bv, sizeof bv, "%.60s%s", b ? b : "", b && strlen(b) > 60 ?
	    "…" : "");
	snprintf(msg, sizeof msg, "line %d: ", line);
	snprintf(msg + strlen(msg), sizeof msg - strlen(msg), fmt, av, bv);
	im->errors[im->nerrors++] = strdup(msg);
}

/* Draw the import page: empty, or the pasted text with its errors. */
static void
contacts_pages_import_draw(struct api_call *c,
    struct contacts_pages_import *im, int status, const char *failed)
{
	struct template_data	*d;
	struct template_node	*root, *list, *o;
	size_t			 i;

	if ((d = template_data_new()) == NULL) {
		contacts_pages_503(c);
		return;
	}
	root = template_root(d);
	template_set(root, "assets", assets_prefix());
	template_set(root, "text", im != NULL && im->text != NULL ?
	    im->text : "");
	if (im != NULL && im->nerrors > 0) {
		o = template_set_object(root, "errors");
		list = template_set_list(o, "lines");
		for (i = 0; i < im->nerrors; i++)
			template_append(list, im->errors[i]);
		if (im->more > 0)
			template_setf(o, "more", "and %zu more %s", im->more,
			    im->more == 1 ? "line" : "lines");
		template_setf(o, "summary", "%zu %s could not be imported: "
		    "nothing was imported", im->nerrors + im->more,
		    im->nerrors + im->more == 1 ? "line" : "lines");
	}
	if (failed != NULL)
		template_set(root, "failed", failed);
	web_page(c, status, im != NULL && im->nerrors > 0 ?
	    "Error: import contacts" : "Import contacts", WEB_CONTACTS,
	    "contacts-import", d);
	template_data_free(d);
}

/* Whether a CSV value means receipts on (1), off (0), or neither (-1). */
static int
contacts_pages_yes(const char *v)
{
	static const char *const yes[] = { "", "true", "yes", "1", "on", NULL };
	static const char *const no[] = { "false", "no", "0", "off", NULL };
	size_t	i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	return -1;
}

/*
 * Check one row as PUT /v1/contacts/{id} checks a contact, into r; the
 * faults are noted against its line.  The team is the row's, else its
 * worker's, else the one team the person manages, else the default team,
 * and it must be one they manage.
 */
static void
contacts_pages_check_row(struct contacts_pages_import *im,
    const struct csv_record *rec, const int *col,
    struct contacts_pages_row *r)
{
	const struct config		*cfg = im->c->cfg;
	const struct config_team	*team = NULL;
	const char			*f[7];
	char				 phone[PHONE_BUFSIZE], email[320];
	size_t				 i, k;
	int				 bad = (int)im->nerrors + (int)im->more;

	for (i = 0; i < 7; i++)
		f[i] = col[i] >= 0 && (size_t)col[i] < rec->n ?
		    rec->fields[col[i]] : "";
	memset(r, 0, sizeof *r);
	r->line = rec->line;
	if (!contacts_id_ok(f[0]))
		contacts_pages_bad(im, rec->line, f[0][0] == '\0' ? "no id%s%s"
		    " (a reference is needed for every contact)" :
		    "id \"%s\" is not 1 to 64 letters, digits, '.', '_' or "
		    "'-'%s", f[0], NULL);
	phone[0] = email[0] = '\0';
	if (f[2][0] == '\0' && f[3][0] == '\0')
		contacts_pages_bad(im, rec->line, "no phone or email%s%s (a "
		    "contact needs one)", NULL, NULL);
	if (f[2][0] != '\0' && phone_normalise(f[2], "44", phone,
	    sizeof phone) == -1)
		contacts_pages_bad(im, rec->line, f[2][0] == '0' ?
		    "phone \"%s\" is not a UK mobile number%s" :
		    "phone \"%s\" is not a phone number%s", f[2], NULL);
	else if (phone[0] != '\0' && config_staff_phone(cfg, phone) != NULL)
		contacts_pages_bad(im, rec->line, "phone \"%s\" is the phone "
		    "of staff member %s: a staff phone is never a contact", f[2],
		    contacts_pages_person(cfg, config_staff_phone(cfg,
		    phone)->id));
	if (f[3][0] != '\0' && address_email(f[3], email, sizeof email) == -1)
		contacts_pages_bad(im, rec->line, "email \"%s\" is not an email "
		    "address%s", f[3], NULL);
	if (f[4][0] != '\0' && config_person(cfg, f[4]) == NULL)
		contacts_pages_bad(im, rec->line, "worker \"%s\" is nobody "
		    "replyd knows%s", f[4], NULL);
	if (f[5][0] != '\0' && (team = config_team(cfg, f[5])) == NULL)
		contacts_pages_bad(im, rec->line, "team \"%s\" does not "
		    "exist%s", f[5], NULL);
	if ((r->receipt = contacts_pages_yes(f[6])) == -1)
		contacts_pages_bad(im, rec->line, "receipt \"%s\" is not yes "
		    "or no%s", f[6], NULL);
	if (f[5][0] == '\0') {
		for (i = 0; team == NULL && f[4][0] != '\0' && i < cfg->nteams;
		    i++)
			for (k = 0; k < cfg->teams[i].nworkers; k++)
				if (strcmp(cfg->teams[i].workers[k], f[4]) ==
				    0)
					team = &cfg->teams[i];
		if (team == NULL)
			team = api_managed_team(im->c);
		if (team == NULL)
			team = cfg->default_team;
	}
	if (team != NULL && !api_manages(im->c, team->id))
		contacts_pages_bad(im, rec->line, "team \"%s\" is not a team "
		    "you manage%s", team->id, NULL);
	if ((int)im->nerrors + (int)im->more != bad || team == NULL)
		return;
	r->id = strdup(f[0]);
	r->name = strdup(f[1]);
	r->phone = strdup(phone);
	r->email = strdup(email);
	r->worker = strdup(f[4]);
	r->team = strdup(team->id);
	if (r->id == NULL || r->name == NULL || r->phone == NULL ||
	    r->email == NULL || r->worker == NULL || r->team == NULL) {
		contacts_pages_row_clear(r);
		contacts_pages_bad(im, rec->line, "could not be read%s%s (out "
		    "of memory): try again", NULL, NULL);
	}
}

static void	contacts_pages_import_on(struct contacts_pages_import *);

/* The existing contact of a row is read: its team must be theirs. */
static void
contacts_pages_import_got(const struct store_contact *sc, int failed,
    void *arg)
{
	struct contacts_pages_import	*im = arg;
	const struct contacts_pages_row	*r = &im->rows[im->next];

	if (failed) {
		contacts_pages_503(im->c);
		contacts_pages_import_free(im);
		return;
	}
	/* Another team's contact: as if it did not exist, it is not
	 * theirs to replace, and its id says nothing more. */
	if (sc != NULL && !api_manages(im->c, sc->team))
		contacts_pages_bad(im, r->line, "id \"%s\" is taken by a "
		    "contact you do not manage%s", r->id, NULL);
	im->next++;
	contacts_pages_import_on(im);
}

/* A row is stored: on to the next. */
static void
contacts_pages_import_put(enum store_contact_result res, void *arg)
{
	struct contacts_pages_import	*im = arg;
	char				 msg[256];

	if (res == STORE_CONTACT_FAILED) {
		snprintf(msg, sizeof msg, "Storage failed after %zu of %zu "
		    "contacts were imported. Import the same text again: "
		    "contacts already imported are replaced, not doubled.",
		    im->stored, im->n);
		contacts_pages_import_draw(im->c, im, 503, msg);
		contacts_pages_import_free(im);
		return;
	}
	im->stored++;
	im->next++;
	contacts_pages_import_on(im);
}

/* Check the next row against storage, or store it, or finish. */
static void
contacts_pages_import_on(struct contacts_pages_import *im)
{
	struct store_contact	sc;
	char			path[64];
	int			rc;

	if (im->checking && im->next == im->n) {
		if (im->nerrors > 0) {
			contacts_pages_import_draw(im->c, im, 400, NULL);
			contacts_pages_import_free(im);
			return;
		}
		im->checking = 0;
		im->next = 0;
	}
	if (!im->checking && im->next == im->n) {
		snprintf(path, sizeof path, "/contacts?done=imported&n=%zu",
		    im->stored);
		web_done(im->c, path);
		contacts_pages_import_free(im);
		return;
	}
	if (im->checking)
		rc = store_contact_get(im->c->srv->db, im->rows[im->next].id,
		    contacts_pages_import_got, im);
	else {
		contacts_pages_store_form(&im->rows[im->next], &sc);
		rc = store_contact_put(im->c->srv->db, &sc,
		    contacts_pages_import_put, im);
	}
	if (rc == -1) {
		contacts_pages_503(im->c);
		contacts_pages_import_free(im);
	}
}

/* Read the header; the column of each field, or -1 with the fault. */
static int
contacts_pages_header(struct contacts_pages_import *im,
    const struct csv_record *rec, int *col)
{
	size_t	i, k;

	for (k = 0; k < 7; k++)
		col[k] = -1;
	for (i = 0; i < rec->n; i++) {
		char	*h = rec->fields[i];
		size_t	 n;

		while (isspace((unsigned char)*h))
			h++;
		for (n = strlen(h); n > 0 && isspace((unsigned char)h[n - 1]);
		    n--)
			h[n - 1] = '\0';
		for (k = 0; contacts_pages_columns[k] != NULL; k++)
			if (strcasecmp(h, contacts_pages_columns[k]) == 0)
				break;
		if (contacts_pages_columns[k] == NULL) {
			contacts_pages_bad(im, rec->line, "unknown column "
			    "\"%s\" (the columns are id, name, phone, email, "
			    "worker, team and receipt)%s", h, NULL);
			return -1;
		}
		if (col[k] != -1) {
			contacts_pages_bad(im, rec->line, "column \"%s\" is "
			    "there twice%s", h, NULL);
			return -1;
		}
		col[k] = (int)i;
	}
	if (col[0] == -1) {
		contacts_pages_bad(im, rec->line, "no id column%s%s (the first "
		    "line names the columns: id, name, phone, ...)", NULL,
		    NULL);
		return -1;
	}
	return 0;
}

/* POST /contacts/import */
static void
contacts_pages_import(struct api_call *c)
{
	struct contacts_pages_import	*im;
	struct contacts_pages_row	*nr;
	struct csv_record		 rec;
	const char			*text;
	char				 err[256];
	size_t				 len, pos = 0, i, j;
	int				 line = 1, rc, col[7];

	if (!web_person(c))
		return;
	if (contacts_pages_managed(c) == 0) {
		web_error(c, 403, "You cannot import contacts", "Contacts are "
		    "imported by the managers of a team.");
		return;
	}
	if ((im = calloc(1, sizeof *im)) == NULL) {
		contacts_pages_503(c);
		return;
	}
	im->c = c;
	text = api_field(c, "csv");
	if ((im->text = strdup(text != NULL ? text : "")) == NULL) {
		contacts_pages_import_free(im);
		contacts_pages_503(c);
		return;
	}
	len = strlen(im->text);
	memset(&rec, 0, sizeof rec);
	if ((rc = csv_next(im->text, len, &pos, &line, &rec, err,
	    sizeof err)) != 1) {
		if (rc == 0)
			contacts_pages_bad(im, 1, "there is nothing to "
			    "import%s%s: paste the contacts, the first line "
			    "naming the columns", NULL, NULL);
		else
			contacts_pages_bad(im, line, "%s%s", err, NULL);
		goto bad;
	}
	rc = contacts_pages_header(im, &rec, col);
	csv_record_free(&rec);
	if (rc == -1)
		goto bad;
	for (;;) {
		memset(&rec, 0, sizeof rec);
		if ((rc = csv_next(im->text, len, &pos, &line, &rec, err,
		    sizeof err)) == 0)
			break;
		if (rc == -1) {
			contacts_pages_bad(im, line, "%s%s", err, NULL);
			break;
		}
		/* A blank line is no contact. */
		if (rec.n == 1 && rec.fields[0][0] == '\0') {
			csv_record_free(&rec);
			continue;
		}
		if (im->n == CONTACTS_IMPORT_MAX) {
			contacts_pages_bad(im, rec.line, "more than %s "
			    "contacts%s: import them in parts", "1000", NULL);
			csv_record_free(&rec);
			break;
		}
		if ((nr = realloc(im->rows, (im->n + 1) * sizeof *nr)) ==
		    NULL) {
			csv_record_free(&rec);
			contacts_pages_import_free(im);
			contacts_pages_503(c);
			return;
		}
		im->rows = nr;
		contacts_pages_check_row(im, &rec, col, &im->rows[im->n]);
		csv_record_free(&rec);
		if (im->rows[im->n].id != NULL)
			im->n++;
	}
	if (im->n == 0 && im->nerrors == 0)
		contacts_pages_bad(im, line, "there are no contacts after the "
		    "first line%s%s", NULL, NULL);
	/* The same contact twice, or two contacts with one phone. */
	for (i = 0; i < im->n; i++)
		for (j = 0; j < i; j++) {
			char other[16];

			snprintf(other, sizeof other, "%d", im->rows[j].line);
			if (strcmp(im->rows[i].id, im->rows[j].id) == 0)
				contacts_pages_bad(im, im->rows[i].line,
				    "id \"%s\" is also on line %s",
				    im->rows[i].id, other);
			else if (im->rows[i].phone[0] != '\0' &&
			    strcmp(im->rows[i].phone, im->rows[j].phone) == 0)
				contacts_pages_bad(im, im->rows[i].line,
				    "phone \"%s\" is also on line %s",
				    im->rows[i].phone, other);
		}
	if (im->nerrors > 0)
		goto bad;
	im->checking = 1;
	contacts_pages_import_on(im);
	return;
bad:
	contacts_pages_import_draw(c, im, 400, NULL);
	contacts_pages_import_free(im);
}

/* GET /contacts/import */
static void
contacts_pages_import_form(struct api_call *c)
{
	if (!web_person(c))
		return;
	if (contacts_pages_managed(c) == 0) {
		web_error(c, 403, "You cannot import contacts", "Contacts are "
		    "imported by the managers of a team.");
		return;
	}
	contacts_pages_import_draw(c, NULL, 0, NULL);
}

/* /contacts/import before /contacts/{id}: the first route matching wins
 * (api.c registers them in order). */
static const struct api_route contacts_pages_routes[] = {
	{ HTTP_GET, "/contacts", ROLE_WORKER, API_PAGE | API_DB,
	    contacts_pages_list },
	{ HTTP_GET, "/contacts/import", ROLE_WORKER, API_PAGE | API_DB,
	    contacts_pages_import_form },
	{ HTTP_POST, "/contacts/import", ROLE_WORKER,
	    API_PAGE | API_FORM | API_DB, contacts_pages_import },
	{ HTTP_GET, "/contacts/*", ROLE_WORKER, API_PAGE | API_DB,
	    contacts_pages_view },
	{ HTTP_POST, "/contacts/*", ROLE_WORKER, API_PAGE | API_FORM | API_DB,
	    contacts_pages_change },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module contacts_pages = {
	.name = "contacts-pages",
	.routes = contacts_pages_routes,
};
