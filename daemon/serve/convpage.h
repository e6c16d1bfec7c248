/*
 * convpage.h: the conversation page, GET /c/{id} (SPEC §16), where alert
 * links land, and its forms: POST /c/{id}/reply, /c/{id}/contact and
 * /c/{id}/take.
 */
#ifndef CONVPAGE_H
#define CONVPAGE_H

#include "serve/api.h"

extern const struct api_module convpage_pages;

#endif
