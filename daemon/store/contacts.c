/*
 * contacts.c: see contacts.h.  A contact is the hash rd:contact:ID (id,
 * name, phone, email, worker, team, receipt) and, per address, the hash
 * rd:{P}:r:HASH (contact, team, worker, receipt) in the address's
 * partition P, which the ingest script reads.
 *
 * A contact's record and its routing entries live in different slots, so
 * on Redis Cluster they cannot change in one transaction (a MULTI across
 * slots is refused).  A change is made in an order in which stopping at
 * any point (Redis or replyd failing) leaves nothing harmful, and each
 * step waits for the one before to succeed:
 *
 *   1. read the record's old addresses;
 *   2. write the routing entries of the new addresses: a message from
 *      one is routed to the contact from now on;
 *   3. remove the routing entries of old addresses the contact no longer
 *      has, each by a one-key script that removes it only if it still
 *      points at this contact (another contact may have taken the
 *      address meanwhile, and its entry must stay);
 *   4. write the record (or, for a delete, remove it).
 *
 * What a change stopped part way leaves (the caller got no success, and
 * repeating the change finishes the job, because step 1 reads the old
 * addresses from the record again and the record changes last):
 *
 *   - after 2: the new addresses route to the contact with its new worker
 *     and team, the old ones still route to it as before, and the record
 *     is unchanged.  If the change is never repeated, an address the
 *     record does not list may keep routing to this contact, the one the
 *     change meant to give it, until another contact takes it.
 *   - after 3: only the new addresses route to the contact; the record
 *     still shows the old fields.
 *   - a delete after 3: nothing routes to the contact, so its messages
 *     arrive as from an unknown sender (the duty worker hears of them),
 *     and the record is still there for GET and for the repeat.
 *
 * No message is ever routed to a contact that no change gave the address,
 * and no contact loses a routing entry that another contact's change gave
 * it: when two contacts claim one address, the last to write step 2 has
 * it.  (Two changes of the same contact at once are not serialised; they
 * were not before either, when the old addresses were read outside the
 * MULTI.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "io/db.h"
#include "store/contacts.h"
#include "store/internal.h"
#include "store/keys.h"
#include "store/store.h"

/* A change of one contact under way. */
struct contact_change {
	struct db		*db;
	store_contact_cb	 cb;
	void			*arg;
	int			 delete;
	int			 existed;
	int			 pending;	/* answers still due this step */
	int			 failed;
	void			(*next)(struct contact_change *);
	char			*id, *name, *phone, *email, *worker, *team;
	int			 receipt;
	char			*old[2];	/* the record's phone, email */
};

/* Free a change. */
static void
contact_change_free(struct contact_change *ch)
{
	free(ch->id);
	free(ch->name);
	free(ch->phone);
	free(ch->email);
	free(ch->worker);
	free(ch->team);
	free(ch->old[0]);
	free(ch->old[1]);
	free(ch);
}

/* Answer the caller and free the change. */
static void
contact_change_end(struct contact_change *ch, enum store_contact_result res)
{
	ch->cb(res, ch->arg);
	contact_change_free(ch);
}

/* The routing key of an address (buf of at least 64 bytes). */
static void
contact_route_key(const char *addr, char *buf, size_t len)
{
	char	ah[41];
	int	p = store_partition(addr, ah);

	snprintf(buf, len, KEY_ADDRESS, p, ah);
}

/* One answer of the current step is in; go on after the last. */
static void
contact_release(struct contact_change *ch)
{
	if (--ch->pending > 0)
		return;
	if (ch->failed) {
		contact_change_end(ch, STORE_CONTACT_FAILED);
		return;
	}
	ch->next(ch);
}

/* Start a step: a guard, so that it ends only after every command. */
static void
contact_step(struct contact_change *ch, void (*next)(struct contact_change *))
{
	ch->pending = 1;
	ch->failed = 0;
	ch->next = next;
}

/* A command of a step answered: any reply but an error will do. */
static void
contact_answered(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct contact_change	*ch = arg;

	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		ch->failed = 1;
	contact_release(ch);
}

/* Count a command of the current step that was (or was not) sent. */
static void
contact_sent(struct contact_change *ch, int rc)
{
	if (rc == 0)
		ch->pending++;
	else
		ch->failed = 1;
}

/* Step 4 answered: the change is complete. */
static void
contact_done(struct contact_change *ch)
{
	if (ch->delete)
		contact_change_end(ch, ch->existed ? STORE_CONTACT_DELETED :
		    STORE_CONTACT_MISSING);
	else
		contact_change_end(ch, ch->existed ? STORE_CONTACT_REPLACED :
		    STORE_CONTACT_CREATED);
}

/* Step 4: write the record, or remove it. */
static void
contact_record(struct contact_change *ch)
{
	contact_step(ch, contact_done);
	if (ch->delete)
		contact_sent(ch, db_command(ch->db, contact_answered, ch,
		    "DEL " KEY_CONTACT, ch->id));
	else
		/* Always every field, so this replaces the whole record. */
		contact_sent(ch, db_command(ch->db, contact_answered, ch,
		    "HSET " KEY_CONTACT " id %s name %s phone %s email %s "
		    "worker %s team %s receipt %d", ch->id, ch->id, ch->name,
		    ch->phone, ch->email, ch->worker, ch->team, ch->receipt));
	contact_release(ch);
}

/* Whether the contact keeps an address after the change. */
static int
contact_keeps(const struct contact_change *ch, const char *addr)
{
	return !ch->delete && (strcmp(addr, ch->phone) == 0 ||
	    strcmp(addr, ch->email) == 0);
}

/* Step 3: remove the old addresses' entries that still point here. */
static void
contact_unroute(struct contact_change *ch)
{
	char		 key[96];
	const char	*argv[2];
	size_t		 i;

	contact_step(ch, contact_record);
	for (i = 0; i < 2; i++) {
		if (ch->old[i] == NULL || contact_keeps(ch, ch->old[i]))
			continue;
		contact_route_key(ch->old[i], key, sizeof key);
		argv[0] = key;
		argv[1] = ch->id;
		contact_sent(ch, store_run(ch->db, "unroute", contact_answered,
		    ch, 2, argv, NULL));
	}
	contact_release(ch);
}

/* Step 2: write the routing entries of the new addresses. */
static void
contact_route(struct contact_change *ch)
{
	char		 key[96];
	const char	*addr[2];
	size_t		 i;

	contact_step(ch, contact_unroute);
	addr[0] = ch->delete ? "" : ch->phone;
	addr[1] = ch->delete ? "" : ch->email;
	for (i = 0; i < 2; i++) {
		if (addr[i][0] == '\0')
			continue;
		contact_route_key(addr[i], key, sizeof key);
		contact_sent(ch, db_command(ch->db, contact_answered, ch,
		    "HSET %s contact %s team %s worker %s receipt %d", key,
		    ch->id, ch->team, ch->worker, ch->receipt));
	}
	contact_release(ch);
}

/* Step 1 answered: the record's old addresses, and whether it exists. */
static void
contact_old_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct contact_change	*ch = arg;
	size_t			 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
		contact_change_end(ch, STORE_CONTACT_FAILED);
		return;
	}
	for (i = 0; i < 2; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		ch->existed = 1;
		if (r->element[i]->len > 0 &&
		    (ch->old[i] = strdup(r->element[i]->str)) == NULL) {
			contact_change_end(ch, STORE_CONTACT_FAILED);
			return;
		}
	}
	contact_route(ch);
}

/* Copy a string for a change (NULL is ""); -1 when out of memory. */
static int
contact_keep(char **dst, const char *s)
{
	return (*dst = strdup(s != NULL ? s : "")) == NULL ? -1 : 0;
}

/* Start a change: copy what it needs and read the old addresses. */
static int
contact_change_start(struct db *db, const struct store_contact *c,
    const char *id, store_contact_cb cb, void *arg)
{
	struct contact_change	*ch;
	int			 fail = 0;

	if ((ch = calloc(1, sizeof *ch)) == NULL)
		return -1;
	ch->db = db;
	ch->cb = cb;
	ch->arg = arg;
	ch->delete = c == NULL;
	fail |= contact_keep(&ch->id, id);
	fail |= contact_keep(&ch->name, c ? c->name : NULL);
	fail |= contact_keep(&ch->phone, c ? c->phone : NULL);
	fail |= contact_keep(&ch->email, c ? c->email : NULL);
	fail |= contact_keep(&ch->worker, c ? c->worker : NULL);
	fail |= contact_keep(&ch->team, c ? c->team : NULL);
	ch->receipt = c != NULL && c->receipt ? 1 : 0;
	if (fail || db_command(db, contact_old_done, ch, "HMGET " KEY_CONTACT
	    " phone email", ch->id) == -1) {
		contact_change_free(ch);
		return -1;
	}
	return 0;
}

/* Create or replace a contact with its routing entries. */
int
store_contact_put(struct db *db, const struct store_contact *c,
    store_contact_cb cb, void *arg)
{
	if (c == NULL || c->id == NULL || c->team == NULL)
		return -1;
	return contact_change_start(db, c, c->id, cb, arg);
}

/* Delete a contact with its routing entries. */
int
store_contact_delete(struct db *db, const char *id, store_contact_cb cb,
    void *arg)
{
	if (id == NULL)
		return -1;
	return contact_change_start(db, NULL, id, cb, arg);
}

struct contact_get {
	store_contact_get_cb	 cb;
	void			*arg;
};

/* A field of the record, or "". */
static const char *
contact_field(const redisReply *h, const char *name)
{
	const char	*v = store_field(h, name);

	return v != NULL ? v : "";
}

/* HGETALL of a record answered. */
static void
contact_get_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct contact_get	*g = arg;
	struct store_contact	 c;
	const char		*v;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		g->cb(NULL, 1, g->arg);
	else if (r->elements == 0)
		g->cb(NULL, 0, g->arg);
	else {
		c.id = contact_field(r, "id");
		c.name = contact_field(r, "name");
		c.phone = contact_field(r, "phone");
		c.email = contact_field(r, "email");
		c.worker = contact_field(r, "worker");
		c.team = contact_field(r, "team");
		v = contact_field(r, "receipt");
		c.receipt = strcmp(v, "0") != 0;
		g->cb(&c, 0, g->arg);
	}
	free(g);
}

/* A contact's record. */
int
store_contact_get(struct db *db, const char *id, store_contact_get_cb cb,
    void *arg)
{
	struct contact_get	*g;

	if (id == NULL || (g = calloc(1, sizeof *g)) == NULL)
		return -1;
	g->cb = cb;
	g->arg = arg;
	if (db_command(db, contact_get_done, g, "HGETALL " KEY_CONTACT,
	    id) == -1) {
		free(g);
		return -1;
	}
	return 0;
}

static const char *const contact_scan_fields[] = {
	"id", "name", "phone", "email", "worker", "team"
};
#define CONTACT_SCAN_NFIELDS	6

/* One record of a walk step, copied out of its reply. */
struct contact_scan_item {
	struct contact_scan	*scan;
	char			*f[CONTACT_SCAN_NFIELDS];
	int			 receipt;
	int			 found;
};

/* A walk step under way: the SCAN answered, the records are being read. */
struct contact_scan {
	store_contact_scan_cb		 cb;
	void				*arg;
	char				 cursor[32];
	struct contact_scan_item	*items;
	size_t				 n;
	size_t				 pending;
	int				 failed;
};

/* Every record of the step is read (or failed): hand them up, free all. */
static void
contact_scan_end(struct contact_scan *s)
{
	struct store_contact	*cs;
	size_t			 i, k = 0;
	int			 j;

	if ((cs = calloc(s->n + 1, sizeof *cs)) == NULL)
		s->failed = 1;
	for (i = 0; !s->failed && i < s->n; i++) {
		struct contact_scan_item *it = &s->items[i];

		/* Deleted between the SCAN and the read. */
		if (!it->found)
			continue;
		cs[k].id = it->f[0];
		cs[k].name = it->f[1];
		cs[k].phone = it->f[2];
		cs[k].email = it->f[3];
		cs[k].worker = it->f[4];
		cs[k].team = it->f[5];
		cs[k].receipt = it->receipt;
		k++;
	}
	if (s->failed)
		s->cb(NULL, 0, NULL, 1, s->arg);
	else
		s->cb(cs, k, s->cursor, 0, s->arg);
	free(cs);
	for (i = 0; i < s->n; i++)
		for (j = 0; j < CONTACT_SCAN_NFIELDS; j++)
			free(s->items[i].f[j]);
	free(s->items);
	free(s);
}

/* One record of the step answered: copy its fields. */
static void
contact_scan_record(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct contact_scan_item	*it = arg;
	struct contact_scan		*s = it->scan;
	int				 j;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		s->failed = 1;
	else if (r->elements > 0) {
		it->found = 1;
		for (j = 0; j < CONTACT_SCAN_NFIELDS; j++)
			if ((it->f[j] = strdup(contact_field(r,
			    contact_scan_fields[j]))) == NULL)
				s->failed = 1;
		it->receipt = strcmp(contact_field(r, "receipt"), "0") != 0;
	}
	if (--s->pending == 0)
		contact_scan_end(s);
}

/* The SCAN answered: read the record of every key it named. */
static void
contact_scan_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct contact_scan	*s = arg;
	const redisReply	*keys;
	size_t			 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_ARRAY ||
	    r->element[0]->len >= sizeof s->cursor) {
		s->failed = 1;
		contact_scan_end(s);
		return;
	}
	memcpy(s->cursor, r->element[0]->str, r->element[0]->len);
	s->cursor[r->element[0]->len] = '\0';
	keys = r->element[1];
	if (keys->elements > 0 &&
	    (s->items = calloc(keys->elements, sizeof *s->items)) == NULL) {
		s->failed = 1;
		contact_scan_end(s);
		return;
	}
	/* A guard, so that the step ends only after the last read. */
	s->pending = 1;
	for (i = 0; i < keys->elements; i++) {
		const redisReply *k = keys->element[i];

		if (k->type != REDIS_REPLY_STRING)
			continue;
		s->items[s->n].scan = s;
		if (db_command(db, contact_scan_record, &s->items[s->n],
		    "HGETALL %b", k->str, k->len) == -1) {
			s->failed = 1;
			break;
		}
		s->n++;
		s->pending++;
	}
	if (--s->pending == 0)
		contact_scan_end(s);
}

/* One step of a walk over every contact. */
int
store_contact_scan(struct db *db, const char *cursor, int count,
    store_contact_scan_cb cb, void *arg)
{
	struct contact_scan	*s;
	char			 pattern[64];

	if (cursor == NULL || strlen(cursor) >= sizeof s->cursor ||
	    (s = calloc(1, sizeof *s)) == NULL)
		return -1;
	s->cb = cb;
	s->arg = arg;
	snprintf(pattern, sizeof pattern, KEY_CONTACT, "*");
	if (db_command(db, contact_scan_done, s, "SCAN %s MATCH %s COUNT %d",
	    cursor, pattern, count) == -1) {
		free(s);
		return -1;
	}
	return 0;
}
