/*
 * config.h: replyd's configuration, one JSON-with-comments file (SPEC §14).
 * config_load builds a complete struct config or reports every error as
 * FILE:LINE:COL; it never half-applies anything, so SIGHUP can build a new
 * configuration and swap it in only when it is valid.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "base/jsonc.h"
#include "base/duration.h"
#include "base/netaddr.h"
#include "rules/access.h"
#include "rules/calendar.h"

/*
 * An API token: a person's ({"person": P}: exactly their rights, role
 * derived from their teams) or a service's ({"name": N, "role": R}: every
 * team at that role; it must name "by" to act).
 */
struct config_token {
	char			*secret;
	char			*name;		/* service name, or the person */
	char			*person;	/* person id, NULL for a service */
	enum access_role	 role;
};

struct config_person {
	char	*id;
	char	*name;
	char	*phone;		/* E.164 or NULL */
	char	*email;		/* or NULL */
	int	 admin;		/* "role": "admin" */
};

/* Sign-in with OpenID Connect (SPEC section 15). */
struct config_oidc {
	char	*issuer;	/* exactly as an ID token's iss says it */
	char	*client_id;
	char	*client_secret;
	char	*claim;		/* matched to people's email: "email" */
	char	*tenant;	/* Entra ID: the tid an ID token must carry */
};

/* Staff sign-in and sessions (SPEC section 15). */
struct config_auth {
	int64_t			 session_idle_ms;
	int64_t			 session_max_ms;
	int64_t			 link_ttl_ms;	/* sign-in links */
	int			 rate_per_address;	/* sign-in attempts */
	int			 rate_per_ip;
	int64_t			 rate_window_ms;
	struct netaddr		*trusted_proxies;
	size_t			 ntrusted_proxies;
	struct config_oidc	*oidc;		/* NULL: links and tokens only */
};

/* A target of an escalation step: a role, a person or a notifier. */
enum config_target_kind {
	TARGET_WORKER,
	TARGET_DUTY_WORKER,
	TARGET_DUTY_MANAGER,
	TARGET_TEAM_MANAGER,
	TARGET_PERSON,
	TARGET_NOTIFIER
};

struct config_target {
	enum config_target_kind	 kind;
	char			*name;	/* person or notifier id */
};

struct config_step {
	struct duration		 after;
	struct config_target	*targets;
	size_t			 ntargets;
};

struct config_team {
	char			*id;
	const struct calendar	*calendar;
	char			*calendar_name;
	char			**workers;
	size_t			 nworkers;
	char			*duty[7];	/* person ids, Sunday = 0 */
	char			*duty_manager;
	char			*manager;
	struct config_step	*steps;
	size_t			 nsteps;
	/* respond_within for this team's messages, instead of the
	 * promise's (a demo team promises minutes) */
	int			 has_within;
	struct duration		 within;
};

struct config_redis {
	char	*host;
	int	 port;
	int	 db;
	char	*password;
	char	**sentinels;	/* "host:port" */
	size_t	 nsentinels;
	char	*master;
	int	 timeout_ms;	/* per command */
	int	 wait_replicas;	/* WAIT for this many replicas; 0 = no WAIT */
	int	 wait_timeout_ms;
};

struct config_limits {
	size_t	sms_body;	/* bytes */
	size_t	email_body;
	size_t	headers;
	int	read_timeout;	/* seconds for a whole request */
	int	max_connections; /* HTTP connections held at once */
};

struct config_delivery {
	int64_t	retry_base_ms;
	int64_t	retry_max_ms;
	int	max_attempts;
	int64_t	claim_idle_ms;	/* take over another's entry after this */
};

/* Urgent messages (SPEC §7.3): keywords, and who hears out of hours. */
struct config_urgent {
	char			**keywords;	/* lower case */
	size_t			  nkeywords;
	struct config_target	 *emergency;	/* out-of-hours targets */
	size_t			  nemergency;
};

/* The acknowledgement to a young person (SPEC §6). */
struct config_receipt {
	int	 enabled;
	char	*text;		/* "{deadline}" is replaced */
	char	*out_of_hours;	/* appended outside office hours */
};

/* What the staff pages call the council and the service (SPEC §16). */
struct config_council {
	char	*name;		/* in every page's header; default "replyd" */
	char	*service_name;	/* beside it */
	char	*phase;		/* a phase banner's tag ("Beta"), or NULL */
};

struct config {
	char			*path;
	char			*basedir;
	struct jv		*root;		/* kept: plugins read their sections */
	char			*listen_host;
	int			 listen_port;
	char			*public_url;	/* without a trailing slash */
	char			*plugin_dir;	/* NULL: the built-in default */
	char			*assets_dir;	/* NULL: the built-in default */
	struct config_council	 council;
	struct config_redis	 redis;
	struct calendars	*calendars;
	struct promise		 promise;
	struct config_person	*people;
	size_t			 npeople;
	struct config_team	*teams;
	size_t			 nteams;
	const struct config_team *default_team;
	struct jv		*channels;	/* name -> plugin's own object */
	struct jv		*notifiers;
	char			*alert_sms;	/* plugin names, or NULL */
	char			*alert_email;
	char			*alert_sms_from; /* E.164 alerts come from, or NULL */
	int			 alert_sms_per_hour;	 /* texts to one phone */
	int			 alert_sms_same_per_hour; /* identical ones */
	struct config_token	*tokens;
	size_t			 ntokens;
	struct config_auth	 auth;
	/* The teams as rules/access.h sees them, index for index. */
	struct access_team	*access_teams;
	struct config_limits	 limits;
	int			 drain_timeout;	/* seconds */
	int64_t			 retention_text;	/* seconds */
	int64_t			 retention_meta;
	struct config_delivery	 delivery;
	struct duration		 ack_timeout;
	struct config_urgent	 urgent;
	struct config_receipt	 receipt;
};

/* The marker of a placeholder the operator must replace (any case). */
#define CONFIG_PLACEHOLDER	"CHANGE-ME"

/* Load and check a configuration file; NULL with errors added on failure. */
struct config	*config_load(const char *path, struct jerrs *errs);
void		 config_free(struct config *);
/* Add one message per key or string value containing CONFIG_PLACEHOLDER
 * (FILE:LINE:COL first); returns how many there are. */
size_t		 config_placeholders(const struct config *, struct jerrs *out);
/* Read a secret given as a string or as {"file": PATH}; -1 with an error. */
int		 config_secret(const char *basedir, struct jv *v, char **out,
		    struct jerrs *errs);
/* Resolve a path relative to the configuration file's folder. */
char		*config_path(const char *basedir, const char *path);
const struct config_person *config_person(const struct config *,
		    const char *id);
const struct config_team *config_team(const struct config *, const char *id);
/* The person whose configured phone is e164, or NULL: a staff phone,
 * whose texts are duty commands, never a young person's messages. */
const struct config_person *config_staff_phone(const struct config *,
		    const char *e164);
/* The token matching secret (compared in constant time), or NULL. */
const struct config_token *config_token(const struct config *,
		    const char *secret, size_t len);
const char	*config_role_name(enum access_role);
/* A person by email address (any case), or NULL. */
const struct config_person *config_person_by_email(const struct config *,
		    const char *email);
/* A person by phone number (E.164), or NULL. */
const struct config_person *config_person_by_phone(const struct config *,
		    const char *e164);
/* A team's index in cfg->teams (and access_teams), or ACCESS_NO_TEAM. */
size_t		 config_team_index(const struct config *, const char *id);
/* A deep copy of Redis settings (the connection outlives a reload), and
 * freeing one. */
int		 config_redis_copy(struct config_redis *dst,
		    const struct config_redis *src);
void		 config_redis_clear(struct config_redis *);
/* A team's calendar (the promise's when the team names none). */
const struct calendar *config_team_calendar(const struct config *,
		    const struct config_team *);
/* The deadline of a message to team arriving at `arrival` (seconds). */
int64_t		 config_deadline(const struct config *,
		    const struct config_team *, int64_t arrival);
/* When step (0-based) of the team's policy falls due; -1 past the last. */
int64_t		 config_step_due(const struct config_team *, size_t step,
		    int64_t deadline);

#endif
