/*
 * contacts.h: the staff API's contacts (SPEC §9): young people with their
 * addresses, allocated worker and team, and whether they take receipts.
 */
#ifndef CONTACTS_H
#define CONTACTS_H

#include "serve/api.h"

extern const struct api_module contacts_api;

/* Whether a contact id is 1-64 of [A-Za-z0-9._-] (SPEC §9). */
int	contacts_id_ok(const char *);

#endif
