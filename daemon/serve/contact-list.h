/*
 * contact-list.h: GET /v1/contacts (SPEC §9), the list of contacts, found
 * by name, id or number and paged with limit and an opaque cursor.  It
 * only reads; changes are serve/contacts.c's.
 */
#ifndef CONTACT_LIST_H
#define CONTACT_LIST_H

#include "serve/api.h"

extern const struct api_module contact_list_api;

#endif
