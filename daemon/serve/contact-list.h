/*
 * contact-list.h: GET /v1/contacts (SPEC §9), the list of contacts, found
 * by name, id or number and paged with limit and an opaque cursor.  It
 * only reads; changes are serve/contacts.c's.
 */
#ifndef CONTACT_LIST_H
#define CONTACT_LIST_H

#include "serve/api.h"

struct store_contact;

extern const struct api_module contact_list_api;

/*
 * Whether a contact is the caller's to see (their teams only) and matches
 * a search: q (lower case) in its id, name, phone or email, or qphone (q
 * as an E.164 number, or "") its phone.  q NULL matches every contact.
 */
int	contact_list_matches(const struct api_call *, const char *q,
	    const char *qphone, const struct store_contact *);

#endif
