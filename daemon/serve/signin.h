/*
 * signin.h: signing staff in with a link, signing out, and who the caller
 * is (SPEC §15): the routes of signin.c, as an API table.
 */
#ifndef SIGNIN_H
#define SIGNIN_H

#include "serve/api.h"

extern const struct api_module signin_api;

#endif
