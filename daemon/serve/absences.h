/*
 * absences.h: the absences page (/absences, SPEC §6, §16): who among the
 * people the person works with is away now or will be, and for managers
 * adding an absence and ending one early.  Routed by serve/rota.c.
 */
#ifndef ABSENCES_H
#define ABSENCES_H

struct api_call;

/* GET /absences */
void	absences_get(struct api_call *);
/* POST /absences: action=add (person, from-*, to-*), end or cancel
 * (person, id). */
void	absences_post(struct api_call *);

#endif
