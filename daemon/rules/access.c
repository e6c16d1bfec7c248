/*
 * access.c: see access.h.  Every verdict is decided here, from the
 * caller's resolved memberships; nothing is looked up again.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/access.h"

/* Whether a (possibly NULL) id names person. */
static int
access_is(const char *id, const char *person)
{
	return id != NULL && strcmp(id, person) == 0;
}

/* How person belongs to team t. */
enum access_membership
access_member(const struct access_team *t, const char *person)
{
	size_t	i;

	if (person == NULL || person[0] == '\0')
		return ACCESS_NONE;
	if (access_is(t->manager, person) || access_is(t->duty_manager, person))
		return ACCESS_MANAGES;
	for (i = 0; i < t->nworkers; i++)
		if (access_is(t->workers[i], person))
			return ACCESS_MEMBER;
	for (i = 0; t->duty != NULL && i < 7; i++)
		if (access_is(t->duty[i], person))
			return ACCESS_MEMBER;
	return ACCESS_NONE;
}

/* Resolve a person over the teams. */
int
access_person(struct access_caller *c, const char *person, int admin,
    const struct access_team *teams, size_t n)
{
	size_t	i;

	memset(c, 0, sizeof *c);
	c->id = person;
	c->admin = admin;
	c->role = admin ? ROLE_ADMIN : ROLE_WORKER;
	if ((c->teams = calloc(n + 1, 1)) == NULL)
		return -1;
	c->nteams = n;
	for (i = 0; i < n; i++) {
		c->teams[i] = (unsigned char)access_member(&teams[i], person);
		if (c->teams[i] == ACCESS_MANAGES && c->role < ROLE_MANAGER)
			c->role = ROLE_MANAGER;
	}
	return 0;
}

/* A service token: every team at its role. */
int
access_service(struct access_caller *c, const char *name,
    enum access_role role, size_t nteams)
{
	memset(c, 0, sizeof *c);
	c->service = 1;
	c->id = name;
	c->role = role;
	c->nteams = nteams;
	return 0;
}

/* Free what access_person allocated. */
void
access_clear(struct access_caller *c)
{
	free(c->teams);
	memset(c, 0, sizeof *c);
}

/* Whether the caller sees everything: an admin or a service token. */
static int
access_everything(const struct access_caller *c)
{
	return c->service || c->admin;
}

/* The caller's membership of a team. */
static enum access_membership
access_of(const struct access_caller *c, size_t team)
{
	if (c->teams == NULL || team == ACCESS_NO_TEAM || team >= c->nteams)
		return ACCESS_NONE;
	return (enum access_membership)c->teams[team];
}

/* Whether the caller sees a team. */
int
access_sees(const struct access_caller *c, size_t team)
{
	return access_everything(c) || access_of(c, team) != ACCESS_NONE;
}

/* Read or act on a team's conversations. */
enum access_verdict
access_see(const struct access_caller *c, size_t team)
{
	return access_sees(c, team) ? ACCESS_ALLOW : ACCESS_HIDDEN;
}

/* Manage a team. */
enum access_verdict
access_manage(const struct access_caller *c, size_t team)
{
	if (c->service)
		return c->role >= ROLE_MANAGER ? ACCESS_ALLOW :
		    ACCESS_FORBIDDEN;
	if (c->admin)
		return ACCESS_ALLOW;
	switch (access_of(c, team)) {
	case ACCESS_MANAGES:
		return ACCESS_ALLOW;
	case ACCESS_MEMBER:
		return ACCESS_FORBIDDEN;
	default:
		return ACCESS_HIDDEN;
	}
}

/* See a person's absences. */
enum access_verdict
access_see_person(const struct access_caller *c,
    const struct access_team *teams, size_t n, const char *person)
{
	size_t	i;

	if (access_everything(c) || access_is(c->id, person))
		return ACCESS_ALLOW;
	for (i = 0; i < n; i++)
		if (access_of(c, i) != ACCESS_NONE &&
		    access_member(&teams[i], person) != ACCESS_NONE)
			return ACCESS_ALLOW;
	return ACCESS_HIDDEN;
}

/* Manage a person's absences. */
enum access_verdict
access_manage_person(const struct access_caller *c,
    const struct access_team *teams, size_t n, const char *person)
{
	size_t	i;

	if (c->service)
		return c->role >= ROLE_MANAGER ? ACCESS_ALLOW :
		    ACCESS_FORBIDDEN;
	if (c->admin)
		return ACCESS_ALLOW;
	for (i = 0; i < n; i++)
		if (access_of(c, i) == ACCESS_MANAGES &&
		    access_member(&teams[i], person) != ACCESS_NONE)
			return ACCESS_ALLOW;
	return access_see_person(c, teams, n, person) == ACCESS_ALLOW ?
	    ACCESS_FORBIDDEN : ACCESS_HIDDEN;
}

/* The one team a person manages. */
size_t
access_managed_team(const struct access_caller *c)
{
	size_t	i, one = ACCESS_NO_TEAM;

	if (c->service || c->admin || c->teams == NULL)
		return ACCESS_NO_TEAM;
	for (i = 0; i < c->nteams; i++)
		if (c->teams[i] == ACCESS_MANAGES) {
			if (one != ACCESS_NO_TEAM)
				return ACCESS_NO_TEAM;
			one = i;
		}
	return one;
}

/* Admin tasks. */
enum access_verdict
access_admin(const struct access_caller *c)
{
	if (c->admin || (c->service && c->role == ROLE_ADMIN))
		return ACCESS_ALLOW;
	return ACCESS_FORBIDDEN;
}

/* SPEC section 9's "by" rule. */
enum access_by
access_by(const struct access_caller *c, const char *by, const char **who)
{
	*who = NULL;
	if (c->service) {
		if (by == NULL || by[0] == '\0')
			return ACCESS_BY_MISSING;
		*who = by;
		return ACCESS_BY_OK;
	}
	if (by != NULL && !access_is(c->id, by))
		return ACCESS_BY_OTHER;
	*who = c->id;
	return ACCESS_BY_OK;
}

/* A role's name. */
const char *
access_role_name(enum access_role r)
{
	switch (r) {
	case ROLE_WORKER: return "worker";
	case ROLE_MANAGER: return "manager";
	case ROLE_ADMIN: return "admin";
	}
	return "?";
}
