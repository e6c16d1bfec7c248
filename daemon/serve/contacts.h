/*
 * contacts.h: the staff API's contacts (SPEC §9): young people with their
 * addresses, allocated worker and team, and whether they take receipts.
 */
#ifndef CONTACTS_H
#define CONTACTS_H

#include "serve/api.h"

extern const struct api_module contacts_api;

#endif
