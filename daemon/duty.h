/*
 * duty.h: acknowledgements, duty-rota overrides and absences (SPEC §7.2).
 */
#ifndef DUTY_H
#define DUTY_H

struct server;

void	duty_routes(struct server *);

#endif
