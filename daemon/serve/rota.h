/*
 * rota.h: the staff pages of the duty rota, its days' changes, the team
 * calendar's unplanned closures and absences (SPEC §7.2, §16, §18):
 * /rota, /rota/{team}, /rota/{team}/{date}, /rota/{team}/closures and
 * /absences (serve/absences.c).  docs/pages.md has the design.
 */
#ifndef ROTA_H
#define ROTA_H

#include "serve/api.h"

extern const struct api_module rota_pages;

#endif
