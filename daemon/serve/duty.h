/*
 * duty.h: acknowledgements, duty-rota overrides and absences (SPEC §7.2):
 * the staff API routes.
 */
#ifndef DUTY_H
#define DUTY_H

#include "serve/api.h"

extern const struct api_module duty_api;

#endif
