/*
 * home.h: the home page, GET / (SPEC §16): what is waiting for the person
 * signed in, then their teams' overdue and due-today conversations.
 */
#ifndef HOME_H
#define HOME_H

#include "serve/api.h"

extern const struct api_module home_pages;

#endif
