/*
 * contacts.h: young people known to replyd, in Redis (docs/data-model.md).
 * A contact is one record, and each of its addresses (phone, email) has a
 * routing entry in that address's partition, so that the ingest script
 * finds the contact's worker and team in the same round trip that stores
 * a message.
 *
 * The caller checks and normalises the fields (E.164 phone numbers, lower
 * case email addresses) and chooses the team; this module only stores
 * them.  What comes back is plain C, valid for the callback only.
 */
#ifndef STORE_CONTACTS_H
#define STORE_CONTACTS_H

struct db;

/* A contact.  Strings are never NULL: "" where there is none. */
struct store_contact {
	const char	*id;
	const char	*name;
	const char	*phone;		/* E.164 */
	const char	*email;		/* normalised */
	const char	*worker;	/* the allocated worker */
	const char	*team;
	int		 receipt;	/* takes receipts */
};

enum store_contact_result {
	STORE_CONTACT_CREATED,	/* put: there was no such contact */
	STORE_CONTACT_REPLACED,	/* put: an existing contact was replaced */
	STORE_CONTACT_DELETED,	/* delete: removed */
	STORE_CONTACT_MISSING,	/* delete: there was no such contact */
	STORE_CONTACT_FAILED	/* Redis failed part way: safe to repeat */
};

typedef void (*store_contact_cb)(enum store_contact_result, void *arg);
/* contact is NULL when there is no such contact; failed when Redis
 * failed. */
typedef void (*store_contact_get_cb)(const struct store_contact *,
    int failed, void *arg);

/* Create or replace a contact with its routing entries. */
int	 store_contact_put(struct db *, const struct store_contact *,
	    store_contact_cb, void *);
/* Delete a contact with its routing entries. */
int	 store_contact_delete(struct db *, const char *id, store_contact_cb,
	    void *);
/* A contact's record. */
int	 store_contact_get(struct db *, const char *id, store_contact_get_cb,
	    void *);

/*
 * One step of a walk over every contact (Redis SCAN, read-only): the
 * contacts found in this step (in no order, possibly none) and the cursor
 * to continue from, "0" when the walk is done.  A walk started while
 * contacts change sees every contact that exists throughout it at least
 * once (SCAN's guarantee) and may see one twice.
 */
typedef void (*store_contact_scan_cb)(const struct store_contact *, size_t n,
    const char *next_cursor, int failed, void *arg);
/* Start or continue a walk at cursor ("0" to start), looking at about
 * count keys of the keyspace. */
int	 store_contact_scan(struct db *, const char *cursor, int count,
	    store_contact_scan_cb, void *);

#endif
