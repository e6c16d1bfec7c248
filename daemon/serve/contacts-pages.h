/*
 * contacts-pages.h: the staff pages' contacts (SPEC §16): /contacts (a
 * search over the person's teams' contacts), /contacts/{id} (view; the
 * team's managers change the worker, team and receipts), and
 * /contacts/import (CSV, checked whole before anything is stored).
 */
#ifndef CONTACTS_PAGES_H
#define CONTACTS_PAGES_H

#include "serve/api.h"

extern const struct api_module contacts_pages;

#endif
