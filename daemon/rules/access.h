/*
 * access.h: who may see and do what (SPEC section 15), as pure rules.
 *
 * A person's teams are the teams whose workers, duty rota, duty_manager or
 * manager name them; they manage a team that names them as manager or
 * duty_manager; "role": "admin" on a person sees and manages everything.
 * A service token (a wall display, an import job) is no person: it sees
 * every team at its configured role.  Outside a caller's teams a
 * conversation, contact, absence, rota or report does not exist for them
 * (404, never 403, so existence is not disclosed); inside, what their role
 * does not allow is 403.
 *
 * This module knows nothing of the configuration file, HTTP or Redis: the
 * caller hands it the teams as plain arrays and gets verdicts back.
 */
#ifndef ACCESS_H
#define ACCESS_H

#include <stddef.h>

/* Roles, lowest first. */
enum access_role {
	ROLE_WORKER,
	ROLE_MANAGER,
	ROLE_ADMIN
};

/* A team as the rules see it: who it names. */
struct access_team {
	const char	 *id;
	char *const	 *workers;
	size_t		  nworkers;
	char *const	 *duty;		/* 7 entries (Sunday first), NULL: none */
	const char	 *duty_manager;
	const char	 *manager;
};

/* How a person belongs to one team. */
enum access_membership {
	ACCESS_NONE,
	ACCESS_MEMBER,		/* a worker, or on its duty rota */
	ACCESS_MANAGES		/* its manager or duty manager */
};

/* No team: a record whose team is no longer configured. */
#define ACCESS_NO_TEAM	((size_t)-1)

/* Who is asking, resolved once per request. */
struct access_caller {
	int			 service;	/* a service token, not a person */
	const char		*id;		/* person id, or the token's name */
	enum access_role	 role;		/* the highest role held */
	int			 admin;		/* people.P.role "admin" */
	unsigned char		*teams;		/* per team: membership */
	size_t			 nteams;
};

enum access_verdict {
	ACCESS_ALLOW,
	ACCESS_HIDDEN,		/* answer 404: it does not exist for them */
	ACCESS_FORBIDDEN	/* answer 403: visible, but not theirs to do */
};

/* How person belongs to team t. */
enum access_membership access_member(const struct access_team *t,
	    const char *person);
/*
 * Resolve a person over the n teams: their membership of each and their
 * highest role.  c->teams is allocated (free it with access_clear); -1
 * when out of memory.
 */
int	access_person(struct access_caller *c, const char *person, int admin,
	    const struct access_team *teams, size_t n);
/* A service token of a role: every team at that role. */
int	access_service(struct access_caller *c, const char *name,
	    enum access_role role, size_t nteams);
void	access_clear(struct access_caller *c);

/* Whether the caller sees team (index, or ACCESS_NO_TEAM): its
 * conversations, contacts, rota and the absences of its people. */
int	access_sees(const struct access_caller *c, size_t team);
/* Read or act on (reply, record, acknowledge) a team's conversations,
 * read its contacts and rota: HIDDEN outside the caller's teams. */
enum access_verdict access_see(const struct access_caller *c, size_t team);
/* Manage a team (rota, absences, contacts, report): HIDDEN outside the
 * caller's teams, FORBIDDEN inside them unless the caller manages it. */
enum access_verdict access_manage(const struct access_caller *c,
	    size_t team);
/* See a person's absences: anyone sharing a team with the caller (and
 * the caller themselves); HIDDEN otherwise. */
enum access_verdict access_see_person(const struct access_caller *c,
	    const struct access_team *teams, size_t n, const char *person);
/* Manage a person's absences: the caller manages a team of theirs. */
enum access_verdict access_manage_person(const struct access_caller *c,
	    const struct access_team *teams, size_t n, const char *person);
/* The one team a person manages (their default for new records), or
 * ACCESS_NO_TEAM: none, several, or not a person. */
size_t	access_managed_team(const struct access_caller *c);
/* Manage the configuration-backed data and other admin tasks. */
enum access_verdict access_admin(const struct access_caller *c);

enum access_by {
	ACCESS_BY_OK,		/* *who is the person acting */
	ACCESS_BY_MISSING,	/* a service token must name "by": 400 */
	ACCESS_BY_OTHER		/* a person naming anyone else: 403 */
};
/*
 * SPEC section 9's rule for "by" (NULL when the request gave none): a
 * person may leave it out or name themselves; a service token must name
 * someone (whether that is a configured person is the caller's check).
 */
enum access_by access_by(const struct access_caller *c, const char *by,
	    const char **who);

/* A role's name ("worker", "manager", "admin"). */
const char *access_role_name(enum access_role);

#endif
