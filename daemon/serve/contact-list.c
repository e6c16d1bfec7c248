/*
 * contact-list.c: see contact-list.h.  The contacts are walked with
 * store_contact_scan (Redis SCAN, so nothing else has to keep an index);
 * the cursor handed out wraps SCAN's own (base/cursor.h, so a made-up one
 * is refused), which stays valid while contacts are added and removed:
 * a contact there throughout the walk is listed.  One request walks until it has `limit` contacts
 * or has taken CONTACT_LIST_STEPS steps, so a search that matches little
 * answers in bounded time with a next_cursor to go on from; a page may
 * then hold fewer than `limit` contacts (even none) before the end, and,
 * since a cursor cannot point inside a step, a few more than `limit` when
 * the last step finds more than the room left (each step looks at about
 * as many keys as there is room for, so the excess stays small).  The
 * list is complete only once next_cursor is null.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/cursor.h"
#include "base/phone.h"
#include "conf/config.h"
#include "io/http.h"
#include "serve/api.h"
#include "serve/contact-list.h"
#include "serve/server.h"
#include "store/contacts.h"

#define CONTACT_LIST_LIMIT	100	/* default page */
#define CONTACT_LIST_MAX	1000	/* largest page */
#define CONTACT_LIST_COUNT	1000	/* keys SCAN looks at per step, most */
#define CONTACT_LIST_STEPS	64	/* SCAN steps per request at most */

struct contact_list {
	struct api_call	*c;
	char		*q;		/* lower case, or NULL */
	char		 qphone[32];	/* q as an E.164 number, or "" */
	size_t		 limit;
	int		 steps;
	cJSON		*out;		/* the array being filled */
};

/* Whether needle (lower case) occurs in s, ignoring case. */
static int
contact_list_has(const char *s, const char *needle)
{
	size_t	i, j, n = strlen(needle);

	for (i = 0; s[i] != '\0'; i++) {
		for (j = 0; j < n && s[i + j] != '\0' &&
		    tolower((unsigned char)s[i + j]) == needle[j]; j++)
			;
		if (j == n)
			return 1;
	}
	return n == 0;
}

/* Whether a contact is the caller's to see and matches the search. */
int
contact_list_matches(const struct api_call *c, const char *q,
    const char *qphone, const struct store_contact *sc)
{
	/* Need to know: only the caller's teams' contacts (SPEC §15). */
	if (!api_sees(c, sc->team))
		return 0;
	if (q == NULL)
		return 1;
	if (contact_list_has(sc->id, q) || contact_list_has(sc->name, q) ||
	    contact_list_has(sc->phone, q) || contact_list_has(sc->email, q))
		return 1;
	/* "07700 900123" finds +447700900123. */
	return qphone[0] != '\0' && strcmp(sc->phone, qphone) == 0;
}

/* A string member, or null when empty. */
static void
contact_list_add(cJSON *j, const char *key, const char *v)
{
	if (v[0] != '\0')
		cJSON_AddStringToObject(j, key, v);
	else
		cJSON_AddNullToObject(j, key);
}

/* Order a page by contact id. */
static int
contact_list_cmp(const void *a, const void *b)
{
	const cJSON	*x = *(cJSON *const *)a, *y = *(cJSON *const *)b;

	return strcmp(cJSON_GetObjectItem(x, "id")->valuestring,
	    cJSON_GetObjectItem(y, "id")->valuestring);
}

/* The opaque cursor of a SCAN cursor; -1 when it is not a number. */
static int
contact_list_cursor(const char *scan, char *buf, size_t len)
{
	char			*end;
	unsigned long long	 v = strtoull(scan, &end, 10);

	if (scan[0] < '0' || scan[0] > '9' || *end != '\0' ||
	    v > (unsigned long long)INT64_MAX)
		return -1;
	return cursor_encode('c', (int64_t)v, "scan", buf, len);
}

/* Answer with the page and where to go on from. */
static void
contact_list_answer(struct contact_list *l, const char *cursor)
{
	cJSON	*j, **items, *e;
	char	 buf[CURSOR_BUFSIZE];
	size_t	 n = (size_t)cJSON_GetArraySize(l->out), i = 0;

	j = cJSON_CreateObject();
	/* Sorted, so that a page reads well; SCAN has no order. */
	if ((items = calloc(n + 1, sizeof *items)) != NULL) {
		while ((e = cJSON_DetachItemFromArray(l->out, 0)) != NULL)
			items[i++] = e;
		qsort(items, i, sizeof *items, contact_list_cmp);
		for (n = 0; n < i; n++)
			cJSON_AddItemToArray(l->out, items[n]);
		free(items);
	}
	cJSON_AddItemToObject(j, "contacts", l->out);
	if (strcmp(cursor, "0") == 0 || contact_list_cursor(cursor, buf,
	    sizeof buf) == -1)
		cJSON_AddNullToObject(j, "next_cursor");
	else
		cJSON_AddStringToObject(j, "next_cursor", buf);
	http_reply_json(l->c->req, 200, j);
	free(l->q);
	free(l);
}

/* How many keys the next step should look at: about the room left. */
static int
contact_list_count(const struct contact_list *l)
{
	size_t	have = (size_t)cJSON_GetArraySize(l->out);
	size_t	room = l->limit > have ? l->limit - have : 0;

	/* A search keeps little of what it looks at: look at much. */
	if (room < 10 || l->q != NULL)
		room = l->q != NULL ? CONTACT_LIST_COUNT : 10;
	return room > CONTACT_LIST_COUNT ? CONTACT_LIST_COUNT : (int)room;
}

/* One step of the walk answered: keep what matches, go on or answer. */
static void
contact_list_step(const struct store_contact *cs, size_t n,
    const char *cursor, int failed, void *arg)
{
	struct contact_list	*l = arg;
	cJSON			*e;
	size_t			 i;

	if (failed) {
		http_unavailable(l->c->req, "storage unavailable");
		cJSON_Delete(l->out);
		free(l->q);
		free(l);
		return;
	}
	/* A step may find more than the page has room for: keep them all
	 * (the cursor cannot point inside a step). */
	for (i = 0; i < n; i++) {
		if (!contact_list_matches(l->c, l->q, l->qphone, &cs[i]))
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "id", cs[i].id);
		contact_list_add(e, "name", cs[i].name);
		contact_list_add(e, "phone", cs[i].phone);
		contact_list_add(e, "email", cs[i].email);
		contact_list_add(e, "worker", cs[i].worker);
		contact_list_add(e, "team", cs[i].team);
		cJSON_AddBoolToObject(e, "receipt", cs[i].receipt);
		cJSON_AddItemToArray(l->out, e);
	}
	if (strcmp(cursor, "0") == 0 || ++l->steps >= CONTACT_LIST_STEPS ||
	    (size_t)cJSON_GetArraySize(l->out) >= l->limit) {
		contact_list_answer(l, cursor);
		return;
	}
	if (store_contact_scan(l->c->srv->db, cursor, contact_list_count(l),
	    contact_list_step, l) == -1) {
		http_unavailable(l->c->req, "storage unavailable");
		cJSON_Delete(l->out);
		free(l->q);
		free(l);
	}
}

/* GET /v1/contacts?q=TEXT&limit=N&cursor=C */
static void
contact_list_get(struct api_call *c)
{
	struct http_req		*req = c->req;
	struct contact_list	*l;
	const char		*q, *limit, *cursor;
	struct cursor		 cur;
	char			*end, scan[24];
	long			 n = CONTACT_LIST_LIMIT;
	size_t			 i;

	q = http_req_query_param(req, "q");
	limit = http_req_query_param(req, "limit");
	cursor = http_req_query_param(req, "cursor");
	if (limit != NULL) {
		n = strtol(limit, &end, 10);
		if (limit[0] == '\0' || *end != '\0' || n < 1 ||
		    n > CONTACT_LIST_MAX) {
			http_error(req, 400, "bad request", "limit must be a "
			    "number from 1 to %d", CONTACT_LIST_MAX);
			return;
		}
	}
	if (cursor != NULL && (cursor_decode(cursor, 'c', &cur) == -1 ||
	    cur.key < 0 || strcmp(cur.id, "scan") != 0)) {
		http_error(req, 400, "bad request", "cursor must be a "
		    "next_cursor this list handed out");
		return;
	}
	if (q != NULL && strlen(q) > 320) {
		http_error(req, 400, "bad request", "q is longer than 320 "
		    "characters");
		return;
	}
	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->out = cJSON_CreateArray()) == NULL ||
	    (q != NULL && q[0] != '\0' && (l->q = strdup(q)) == NULL)) {
		if (l != NULL)
			cJSON_Delete(l->out);
		free(l);
		http_unavailable(req, "out of memory");
		return;
	}
	for (i = 0; l->q != NULL && l->q[i] != '\0'; i++)
		l->q[i] = (char)tolower((unsigned char)l->q[i]);
	if (l->q != NULL && phone_normalise(q, "44", l->qphone,
	    sizeof l->qphone) == -1)
		l->qphone[0] = '\0';
	l->c = c;
	l->limit = (size_t)n;
	snprintf(scan, sizeof scan, "%lld", cursor ? (long long)cur.key : 0LL);
	if (store_contact_scan(c->srv->db, scan,
	    contact_list_count(l), contact_list_step, l) == -1) {
		http_unavailable(req, "storage unavailable");
		cJSON_Delete(l->out);
		free(l->q);
		free(l);
	}
}

static const struct api_route contact_list_routes[] = {
	{ HTTP_GET, "/v1/contacts", ROLE_WORKER, API_DB, contact_list_get },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module contact_list_api = {
	.name = "contact-list",
	.routes = contact_list_routes,
};
