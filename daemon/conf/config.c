/*
 * config.c: reads replyd.json into a struct config, checking every key and
 * every reference between sections (a team's calendar, its workers, its
 * escalation targets).  Unknown keys are errors so that typos never pass
 * silently.  Plugin sections (channels, notifiers) are checked by the
 * plugins themselves when they are loaded.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "conf/config.h"
#include "rules/policy.h"

#define CONFIG_MAX_SECRET	8192

static const char *config_days[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

/* Resolve a path relative to the configuration file's folder. */
char *
config_path(const char *basedir, const char *path)
{
	char	*out;

	if (path[0] == '/' || basedir == NULL)
		return strdup(path);
	if (asprintf(&out, "%s/%s", basedir, path) == -1)
		return NULL;
	return out;
}

/* A required or optional string member; -1 on a type error or if missing. */
static int
config_string(struct jv *obj, const char *key, int required, char **out,
    struct jerrs *errs)
{
	struct jv	*v;

	*out = NULL;
	if ((v = jv_get(obj, key)) == NULL) {
		if (required) {
			jerr_at(errs, obj, "%s%s%s: missing key \"%s\"",
			    jv_path(obj), obj->parent ? "" : "top level",
			    "", key);
			return -1;
		}
		return 0;
	}
	if (jv_expect(errs, v, JV_STRING) == -1)
		return -1;
	if (strlen(v->str) != v->len) {
		jerr_at(errs, v, "%s: NUL byte in string", jv_path(v));
		return -1;
	}
	if ((*out = strdup(v->str)) == NULL)
		return -1;
	return 0;
}

/* An optional non-negative integer member within [min, max]. */
static int
config_int(struct jv *obj, const char *key, long long min, long long max,
    long long *out, struct jerrs *errs)
{
	struct jv	*v;

	if ((v = jv_get(obj, key)) == NULL)
		return 0;
	if (jv_expect(errs, v, JV_NUMBER) == -1)
		return -1;
	if (v->num != (double)(long long)v->num || v->num < (double)min ||
	    v->num > (double)max) {
		jerr_at(errs, v, "%s: expected a whole number from %lld to %lld",
		    jv_path(v), min, max);
		return -1;
	}
	*out = (long long)v->num;
	return 0;
}

/* An optional duration member; working durations refused when !working. */
static int
config_duration(struct jv *obj, const char *key, int working,
    struct duration *out, struct jerrs *errs)
{
	struct jv	*v;
	char		 err[256];

	if ((v = jv_get(obj, key)) == NULL)
		return 0;
	if (jv_expect(errs, v, JV_STRING) == -1)
		return -1;
	if (duration_parse(v->str, out, err, sizeof err) == -1) {
		jerr_at(errs, v, "%s: %s", jv_path(v), err);
		return -1;
	}
	if (!working && duration_is_working(out)) {
		jerr_at(errs, v, "%s: expected real time such as \"30s\", not "
		    "working time", jv_path(v));
		return -1;
	}
	return 0;
}

/* Read a secret given as a string or as {"file": PATH}. */
int
config_secret(const char *basedir, struct jv *v, char **out,
    struct jerrs *errs)
{
	struct jv	*f;
	char		*path, buf[CONFIG_MAX_SECRET + 1];
	FILE		*fp;
	size_t		 n;

	*out = NULL;
	if (v->type == JV_STRING) {
		if (v->len == 0 || strlen(v->str) != v->len) {
			jerr_at(errs, v, "%s: empty secret", jv_path(v));
			return -1;
		}
		return (*out = strdup(v->str)) ? 0 : -1;
	}
	if (v->type != JV_OBJECT) {
		jerr_at(errs, v, "%s: expected a string or {\"file\": PATH}",
		    jv_path(v));
		return -1;
	}
	if ((f = jv_get(v, "file")) == NULL || f->type != JV_STRING) {
		jerr_at(errs, v, "%s: expected {\"file\": PATH}", jv_path(v));
		return -1;
	}
	jv_unknown_keys(v, errs);
	if ((path = config_path(basedir, f->str)) == NULL)
		return -1;
	if ((fp = fopen(path, "r")) == NULL) {
		jerr_at(errs, f, "%s: cannot open %s: %s", jv_path(v), path,
		    strerror(errno));
		free(path);
		return -1;
	}
	n = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	free(path);
	if (n > CONFIG_MAX_SECRET) {
		jerr_at(errs, f, "%s: secret file too large", jv_path(v));
		return -1;
	}
	/* Files written by editors and echo end with a newline. */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	if (n == 0 || strlen(buf) != n) {
		jerr_at(errs, f, "%s: secret file is empty or not text",
		    jv_path(v));
		return -1;
	}
	return (*out = strdup(buf)) ? 0 : -1;
}

/* Parse "host:port", "[v6]:port" or ":port" for the listen key. */
static int
config_listen(struct config *cfg, struct jv *v, struct jerrs *errs)
{
	const char	*s = v->str, *colon;
	char		*end;
	long		 port;

	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			goto bad;
		cfg->listen_host = strndup(s + 1, (size_t)(colon - s - 1));
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		cfg->listen_host = colon == s ? strdup("0.0.0.0") :
		    strndup(s, (size_t)(colon - s));
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
		goto bad;
	cfg->listen_port = (int)port;
	return 0;
bad:
	jerr_at(errs, v, "listen: expected \"HOST:PORT\", e.g. "
	    "\"127.0.0.1:8080\", not \"%s\"", s);
	return -1;
}

/* Parse redis://[:password@]host[:port][/db]. */
static int
config_redis_url(struct config_redis *r, struct jv *v, struct jerrs *errs)
{
	const char	*s = v->str, *at, *slash, *colon, *hostp;
	char		*end;
	long		 n;

	if (strncmp(s, "redis://", 8) != 0)
		goto bad;
	s += 8;
	if ((at = strrchr(s, '@')) != NULL) {
		colon = memchr(s, ':', (size_t)(at - s));
		if (colon == NULL)
			goto bad;
		r->password = strndup(colon + 1, (size_t)(at - colon - 1));
		s = at + 1;
	}
	hostp = s;
	slash = strchr(s, '/');
	colon = strchr(s, ':');
	if (colon != NULL && slash != NULL && colon > slash)
		colon = NULL;
	if (colon != NULL) {
		r->host = strndup(hostp, (size_t)(colon - hostp));
		n = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || n < 1 || n > 65535 ||
		    (*end != '\0' && *end != '/'))
			goto bad;
		r->port = (int)n;
	} else
		r->host = slash ? strndup(hostp, (size_t)(slash - hostp)) :
		    strdup(hostp);
	if (slash != NULL && slash[1] != '\0') {
		n = strtol(slash + 1, &end, 10);
		if (*end != '\0' || n < 0 || n > 15)
			goto bad;
		r->db = (int)n;
	}
	if (r->host == NULL || r->host[0] == '\0')
		goto bad;
	return 0;
bad:
	jerr_at(errs, v, "redis.url: expected "
	    "\"redis://[:password@]host[:port][/db]\"");
	return -1;
}

/* The redis section: a URL, or sentinels and a master name. */
static void
config_redis(struct config *cfg, struct jv *obj, struct jerrs *errs)
{
	struct config_redis	*r = &cfg->redis;
	struct jv		*v, *e;
	long long		 n;
	struct duration		 d;

	r->host = NULL;
	r->port = 6379;
	r->timeout_ms = 2000;
	r->wait_timeout_ms = 1000;
	if (obj == NULL) {
		r->host = strdup("127.0.0.1");
		return;
	}
	if (jv_expect(errs, obj, JV_OBJECT) == -1)
		return;
	if ((v = jv_get(obj, "url")) != NULL &&
	    jv_expect(errs, v, JV_STRING) == 0)
		config_redis_url(r, v, errs);
	if ((v = jv_get(obj, "password")) != NULL) {
		free(r->password);
		config_secret(cfg->basedir, v, &r->password, errs);
	}
	if ((v = jv_get(obj, "sentinels")) != NULL &&
	    jv_expect(errs, v, JV_ARRAY) == 0) {
		r->sentinels = calloc(jv_count(v) + 1, sizeof *r->sentinels);
		for (e = v->child; e != NULL && r->sentinels; e = e->next) {
			if (jv_expect(errs, e, JV_STRING) == -1)
				continue;
			if (strchr(e->str, ':') == NULL) {
				jerr_at(errs, e, "redis.sentinels: expected "
				    "\"host:port\"");
				continue;
			}
			r->sentinels[r->nsentinels++] = strdup(e->str);
		}
	}
	config_string(obj, "master", 0, &r->master, errs);
	if (r->nsentinels > 0 && r->master == NULL)
		jerr_at(errs, obj, "redis: \"sentinels\" needs \"master\", the "
		    "name of the monitored master");
	if (r->nsentinels > 0 && jv_get(obj, "url") != NULL)
		jerr_at(errs, obj, "redis: give either \"url\" or "
		    "\"sentinels\", not both");
	memset(&d, 0, sizeof d);
	if (config_duration(obj, "timeout", 0, &d, errs) == 0 &&
	    jv_get(obj, "timeout") != NULL) {
		r->timeout_ms = (int)(duration_seconds(&d, 0) * 1000);
		if (r->timeout_ms <= 0)
			jerr_at(errs, jv_get(obj, "timeout"),
			    "redis.timeout: must be at least 1s");
	}
	n = 0;
	if (config_int(obj, "wait_replicas", 0, 16, &n, errs) == 0)
		r->wait_replicas = (int)n;
	if (config_duration(obj, "wait_timeout", 0, &d, errs) == 0 &&
	    jv_get(obj, "wait_timeout") != NULL)
		r->wait_timeout_ms = (int)(duration_seconds(&d, 0) * 1000);
	if (r->wait_replicas > 0 && r->wait_timeout_ms >= r->timeout_ms)
		jerr_at(errs, obj, "redis: wait_timeout must be shorter than "
		    "timeout, the deadline of every command");
	if (r->host == NULL)
		r->host = strdup("127.0.0.1");
	jv_unknown_keys(obj, errs);
}

/* One person: name, phone, email, role. */
static void
config_people(struct config *cfg, struct jv *obj, struct jerrs *errs)
{
	struct jv		*p, *v;
	struct config_person	*cp;

	if (obj == NULL || jv_expect(errs, obj, JV_OBJECT) == -1)
		return;
	cfg->people = calloc(jv_count(obj) + 1, sizeof *cfg->people);
	for (p = obj->child; p != NULL && cfg->people; p = p->next) {
		if (jv_expect(errs, p, JV_OBJECT) == -1)
			continue;
		cp = &cfg->people[cfg->npeople++];
		cp->id = strdup(p->key);
		config_string(p, "name", 0, &cp->name, errs);
		config_string(p, "phone", 0, &cp->phone, errs);
		config_string(p, "email", 0, &cp->email, errs);
		if ((v = jv_get(p, "role")) != NULL &&
		    jv_expect(errs, v, JV_STRING) == 0) {
			if (strcmp(v->str, "admin") == 0)
				cp->admin = 1;
			else
				jerr_at(errs, v, "%s: the only role a person is "
				    "given is \"admin\"; worker and manager come "
				    "from the teams that name them", jv_path(v));
		}
		if (cp->phone != NULL && (cp->phone[0] != '+' ||
		    strspn(cp->phone + 1, "0123456789") !=
		    strlen(cp->phone + 1) || strlen(cp->phone) < 8 ||
		    strlen(cp->phone) > 16))
			jerr_at(errs, jv_get(p, "phone"), "%s: expected an "
			    "E.164 number such as \"+447700900001\"",
			    jv_path(jv_get(p, "phone")));
		if (cp->email != NULL && strchr(cp->email, '@') == NULL)
			jerr_at(errs, jv_get(p, "email"), "%s: expected an "
			    "email address", jv_path(jv_get(p, "email")));
		jv_unknown_keys(p, errs);
	}
}

/* Check that a person id names someone in "people". */
static int
config_need_person(const struct config *cfg, struct jv *v,
    struct jerrs *errs)
{
	if (config_person(cfg, v->str) == NULL) {
		jerr_at(errs, v, "%s: no person \"%s\" in \"people\"",
		    jv_path(v), v->str);
		return -1;
	}
	return 0;
}

/* One target name: a role, a person or a notifier. */
static int
config_target(struct config *cfg, struct config_target *tg, struct jv *t,
    struct jerrs *errs)
{
	if (jv_expect(errs, t, JV_STRING) == -1)
		return -1;
	if (strcmp(t->str, "worker") == 0)
		tg->kind = TARGET_WORKER;
	else if (strcmp(t->str, "duty-worker") == 0)
		tg->kind = TARGET_DUTY_WORKER;
	else if (strcmp(t->str, "duty-manager") == 0)
		tg->kind = TARGET_DUTY_MANAGER;
	else if (strcmp(t->str, "team-manager") == 0)
		tg->kind = TARGET_TEAM_MANAGER;
	else if (config_person(cfg, t->str) != NULL) {
		tg->kind = TARGET_PERSON;
		tg->name = strdup(t->str);
	} else if (jv_get(cfg->notifiers, t->str) != NULL) {
		tg->kind = TARGET_NOTIFIER;
		tg->name = strdup(t->str);
	} else {
		jerr_at(errs, t, "%s: \"%s\" is not worker, duty-worker, "
		    "duty-manager, team-manager, a person or a notifier",
		    jv_path(t), t->str);
		return -1;
	}
	return 0;
}

/* A list of targets. */
static void
config_targets(struct config *cfg, struct jv *n, struct config_target **out,
    size_t *nout, struct jerrs *errs)
{
	struct jv	*t;

	if (jv_expect(errs, n, JV_ARRAY) == -1)
		return;
	if (jv_count(n) == 0)
		jerr_at(errs, n, "%s: names no one to notify", jv_path(n));
	*out = calloc(jv_count(n) + 1, sizeof **out);
	for (t = n->child; t != NULL && *out != NULL; t = t->next)
		if (config_target(cfg, &(*out)[*nout], t, errs) == 0)
			(*nout)++;
}

/* One escalation step: {"after": DURATION, "notify": [TARGET...]}. */
static void
config_step(struct config *cfg, struct config_step *st, struct jv *obj,
    struct jerrs *errs)
{
	struct jv		*n;

	if (jv_expect(errs, obj, JV_OBJECT) == -1)
		return;
	if (jv_get(obj, "after") == NULL)
		jerr_at(errs, obj, "%s: missing key \"after\"", jv_path(obj));
	config_duration(obj, "after", 1, &st->after, errs);
	if ((n = jv_get(obj, "notify")) == NULL)
		jerr_at(errs, obj, "%s: missing key \"notify\"", jv_path(obj));
	else
		config_targets(cfg, n, &st->targets, &st->ntargets, errs);
	jv_unknown_keys(obj, errs);
}

/* The default policy: the duty worker at the deadline, then the manager. */
static void
config_default_steps(struct config_team *t)
{
	char	err[128];

	t->steps = calloc(2, sizeof *t->steps);
	if (t->steps == NULL)
		return;
	t->nsteps = 2;
	duration_parse("0s", &t->steps[0].after, err, sizeof err);
	duration_parse("2 working hours", &t->steps[1].after, err, sizeof err);
	t->steps[0].targets = calloc(1, sizeof *t->steps[0].targets);
	t->steps[1].targets = calloc(1, sizeof *t->steps[1].targets);
	if (t->steps[0].targets != NULL) {
		t->steps[0].targets[0].kind = TARGET_DUTY_WORKER;
		t->steps[0].ntargets = 1;
	}
	if (t->steps[1].targets != NULL) {
		t->steps[1].targets[0].kind = TARGET_DUTY_MANAGER;
		t->steps[1].ntargets = 1;
	}
}

/* A team's own respond_within: working time, more than zero. */
static void
config_team_within(struct config_team *t, struct jv *v, struct jerrs *errs)
{
	char	err[256];

	if (duration_parse(v->str, &t->within, err, sizeof err) == -1)
		jerr_at(errs, v, "%s: %s", jv_path(v), err);
	else if (!duration_is_working(&t->within))
		jerr_at(errs, v, "%s: expected working time such as \"1 "
		    "working day\" or \"5 working minutes\", not real time "
		    "\"%s\"", jv_path(v), v->str);
	else if (t->within.amount == 0)
		jerr_at(errs, v, "%s: must be more than zero", jv_path(v));
	else
		t->has_within = 1;
}

/* One team: calendar, workers, duty rota, managers, escalation policy. */
static void
config_team_parse(struct config *cfg, struct config_team *t, struct jv *obj,
    struct jerrs *errs)
{
	struct jv	*v, *e;
	int		 d;

	t->id = strdup(obj->key);
	if ((v = jv_get(obj, "calendar")) != NULL) {
		if (jv_expect(errs, v, JV_STRING) == 0) {
			t->calendar_name = strdup(v->str);
			if (cfg->calendars != NULL && (t->calendar =
			    calendars_get(cfg->calendars, v->str)) == NULL)
				jerr_at(errs, v, "%s: no calendar \"%s\" in "
				    "\"calendars\"", jv_path(v), v->str);
		}
	} else
		t->calendar = cfg->promise.calendar;
	if ((v = jv_get(obj, "workers")) != NULL &&
	    jv_expect(errs, v, JV_ARRAY) == 0) {
		t->workers = calloc(jv_count(v) + 1, sizeof *t->workers);
		for (e = v->child; e != NULL && t->workers; e = e->next)
			if (jv_expect(errs, e, JV_STRING) == 0 &&
			    config_need_person(cfg, e, errs) == 0)
				t->workers[t->nworkers++] = strdup(e->str);
	}
	if ((v = jv_get(obj, "duty")) != NULL &&
	    jv_expect(errs, v, JV_OBJECT) == 0) {
		for (d = 0; d < 7; d++) {
			if ((e = jv_get(v, config_days[d])) == NULL)
				continue;
			if (jv_expect(errs, e, JV_STRING) == 0 &&
			    config_need_person(cfg, e, errs) == 0)
				t->duty[d] = strdup(e->str);
		}
		jv_unknown_keys(v, errs);
	}
	if ((v = jv_get(obj, "duty_manager")) != NULL &&
	    jv_expect(errs, v, JV_STRING) == 0 &&
	    config_need_person(cfg, v, errs) == 0)
		t->duty_manager = strdup(v->str);
	if ((v = jv_get(obj, "manager")) != NULL &&
	    jv_expect(errs, v, JV_STRING) == 0 &&
	    config_need_person(cfg, v, errs) == 0)
		t->manager = strdup(v->str);
	if ((v = jv_get(obj, "respond_within")) != NULL &&
	    jv_expect(errs, v, JV_STRING) == 0)
		config_team_within(t, v, errs);
	if ((v = jv_get(obj, "escalation")) != NULL) {
		if (jv_expect(errs, v, JV_ARRAY) == 0) {
			t->steps = calloc(jv_count(v) + 1, sizeof *t->steps);
			for (e = v->child; e != NULL && t->steps; e = e->next)
				config_step(cfg, &t->steps[t->nsteps++], e,
				    errs);
		}
	} else
		config_default_steps(t);
	jv_unknown_keys(obj, errs);
}

/* Whether a person manages (is manager or duty_manager of) any team. */
static int
config_manages_any(const struct config *cfg, const char *person)
{
	size_t	i;

	for (i = 0; cfg->access_teams != NULL && i < cfg->nteams; i++)
		if (access_member(&cfg->access_teams[i], person) ==
		    ACCESS_MANAGES)
			return 1;
	return 0;
}

/* The teams as rules/access.h sees them (pointers into cfg->teams). */
static void
config_access_teams(struct config *cfg)
{
	size_t	i;

	if ((cfg->access_teams = calloc(cfg->nteams + 1,
	    sizeof *cfg->access_teams)) == NULL)
		return;
	for (i = 0; i < cfg->nteams; i++) {
		struct config_team	*t = &cfg->teams[i];
		struct access_team	*a = &cfg->access_teams[i];

		a->id = t->id;
		a->workers = t->workers;
		a->nworkers = t->nworkers;
		a->duty = t->duty;
		a->duty_manager = t->duty_manager;
		a->manager = t->manager;
	}
}

/* A real-time duration member in ms, within [min_s, max_s] seconds. */
static void
config_ms(struct jv *obj, const char *key, int64_t min_s, int64_t max_s,
    int64_t *out, struct jerrs *errs)
{
	struct duration	d;
	int64_t		s;

	if (jv_get(obj, key) == NULL ||
	    config_duration(obj, key, 0, &d, errs) == -1)
		return;
	s = duration_seconds(&d, 0);
	if (s < min_s || s > max_s) {
		jerr_at(errs, jv_get(obj, key), "%s: must be from %llds to "
		    "%llds", jv_path(jv_get(obj, key)), (long long)min_s,
		    (long long)max_s);
		return;
	}
	*out = s * 1000;
}

/* Whether a URL's host is the loopback interface (for development). */
static int
config_loopback_url(const char *url)
{
	const char	*h = url + strlen("http://");

	return (strncmp(h, "127.0.0.1", 9) == 0 && strchr(":/", h[9])) ||
	    (strncmp(h, "localhost", 9) == 0 && strchr(":/", h[9])) ||
	    (strncmp(h, "[::1]", 5) == 0 && strchr(":/", h[5]));
}

/* auth.oidc: the OpenID Connect issuer and this client's registration. */
static void
config_oidc(struct config *cfg, struct jv *obj, struct jerrs *errs)
{
	struct config_oidc	*o;
	struct jv		*v;

	if (jv_expect(errs, obj, JV_OBJECT) == -1 ||
	    (o = cfg->auth.oidc = calloc(1, sizeof *o)) == NULL)
		return;
	/* Kept exactly as given: an ID token's iss must be the same. */
	if (config_string(obj, "issuer", 1, &o->issuer, errs) == 0 &&
	    o->issuer != NULL) {
		v = jv_get(obj, "issuer");
		if (strncmp(o->issuer, "https://", 8) != 0 &&
		    !(strncmp(o->issuer, "http://", 7) == 0 &&
		    config_loopback_url(o->issuer)))
			jerr_at(errs, v, "auth.oidc.issuer: expected an "
			    "https:// URL (http:// only on the loopback "
			    "interface, for development)");
		else if (strstr(o->issuer, "login.microsoftonline.com/") !=
		    NULL && (strstr(o->issuer, "/common") != NULL ||
		    strstr(o->issuer, "/organizations") != NULL ||
		    strstr(o->issuer, "/consumers") != NULL))
			jerr_at(errs, v, "auth.oidc.issuer: give your own "
			    "tenant's issuer, https://login.microsoftonline."
			    "com/TENANT-ID/v2.0, not a multi-tenant one");
	}
	config_string(obj, "client_id", 1, &o->client_id, errs);
	if ((v = jv_get(obj, "client_secret")) == NULL)
		jerr_at(errs, obj, "auth.oidc: missing key \"client_secret\" "
		    "(a string or {\"file\": PATH})");
	else
		config_secret(cfg->basedir, v, &o->client_secret, errs);
	config_string(obj, "claim", 0, &o->claim, errs);
	if (o->claim == NULL)
		o->claim = strdup("email");
	config_string(obj, "tenant", 0, &o->tenant, errs);
	if (o->tenant != NULL && o->tenant[0] == '\0')
		jerr_at(errs, jv_get(obj, "tenant"), "auth.oidc.tenant: empty");
	jv_unknown_keys(obj, errs);
}

/* auth: sessions, sign-in links and their rate limits, proxies, OIDC. */
static void
config_auth(struct config *cfg, struct jv *obj, struct jerrs *errs)
{
	struct config_auth	*a = &cfg->auth;
	struct jv		*v, *e;
	long long		 n;

	a->session_idle_ms = 30 * 60 * 1000;
	a->session_max_ms = 12 * 3600 * 1000;
	a->link_ttl_ms = 15 * 60 * 1000;
	a->rate_per_address = 5;
	a->rate_per_ip = 30;
	a->rate_window_ms = 15 * 60 * 1000;
	if (obj == NULL || jv_expect(errs, obj, JV_OBJECT) == -1)
		return;
	config_ms(obj, "session_idle", 1, 30 * 86400, &a->session_idle_ms,
	    errs);
	config_ms(obj, "session_max", 1, 30 * 86400, &a->session_max_ms,
	    errs);
	/* SPEC section 15: a link signs in within 15 minutes, never later. */
	config_ms(obj, "link_ttl", 1, 15 * 60, &a->link_ttl_ms, errs);
	if ((v = jv_get(obj, "signin_rate")) != NULL &&
	    jv_expect(errs, v, JV_OBJECT) == 0) {
		n = a->rate_per_address;
		if (config_int(v, "per_address", 1, 1000, &n, errs) == 0)
			a->rate_per_address = (int)n;
		n = a->rate_per_ip;
		if (config_int(v, "per_ip", 1, 100000, &n, errs) == 0)
			a->rate_per_ip = (int)n;
		config_ms(v, "window", 1, 86400, &a->rate_window_ms, errs);
		jv_unknown_keys(v, errs);
	}
	if ((v = jv_get(obj, "trusted_proxies")) != NULL &&
	    jv_expect(errs, v, JV_ARRAY) == 0) {
		a->trusted_proxies = calloc(jv_count(v) + 1,
		    sizeof *a->trusted_proxies);
		for (e = v->child; e != NULL && a->trusted_proxies;
		    e = e->next) {
			if (jv_expect(errs, e, JV_STRING) == -1)
				continue;
			if (netaddr_parse(e->str, 1, &a->trusted_proxies[
			    a->ntrusted_proxies]) == -1) {
				jerr_at(errs, e, "auth.trusted_proxies: \"%s\" "
				    "is not an IP address or range such as "
				    "\"10.0.0.0/8\"", e->str);
				continue;
			}
			a->ntrusted_proxies++;
		}
	}
	if ((v = jv_get(obj, "oidc")) != NULL)
		config_oidc(cfg, v, errs);
	jv_unknown_keys(obj, errs);
}

/* API tokens: {"SECRET": {"person": P}} or {"SECRET": {"name": N,
 * "role": R}}. */
static void
config_api(struct config *cfg, struct jv *obj, struct jerrs *errs)
{
	struct jv			*toks, *t, *r;
	struct config_token		*ct;
	const struct config_person	*p;

	if (obj == NULL || jv_expect(errs, obj, JV_OBJECT) == -1)
		return;
	if ((toks = jv_get(obj, "tokens")) != NULL &&
	    jv_expect(errs, toks, JV_OBJECT) == 0) {
		cfg->tokens = calloc(jv_count(toks) + 1, sizeof *cfg->tokens);
		for (t = toks->child; t != NULL && cfg->tokens; t = t->next) {
			if (jv_expect(errs, t, JV_OBJECT) == -1)
				continue;
			ct = &cfg->tokens[cfg->ntokens++];
			ct->secret = strdup(t->key);
			ct->role = ROLE_WORKER;
			if (strlen(t->key) < 16)
				jerr_key(errs, t, "api.tokens: a token must be "
				    "at least 16 characters");
			if ((r = jv_get(t, "person")) != NULL) {
				/* A person's token: exactly their rights. */
				if (jv_get(t, "name") != NULL ||
				    jv_get(t, "role") != NULL)
					jerr_at(errs, t, "%s: a person's token "
					    "takes only \"person\": its name "
					    "and role are the person's",
					    jv_path(t));
				if (jv_expect(errs, r, JV_STRING) == -1 ||
				    config_need_person(cfg, r, errs) == -1)
					continue;
				ct->person = strdup(r->str);
				ct->name = strdup(r->str);
				p = config_person(cfg, r->str);
				ct->role = p->admin ? ROLE_ADMIN :
				    config_manages_any(cfg, r->str) ?
				    ROLE_MANAGER : ROLE_WORKER;
				jv_unknown_keys(t, errs);
				continue;
			}
			config_string(t, "name", 1, &ct->name, errs);
			if ((r = jv_get(t, "role")) != NULL &&
			    jv_expect(errs, r, JV_STRING) == 0) {
				if (strcmp(r->str, "worker") == 0)
					ct->role = ROLE_WORKER;
				else if (strcmp(r->str, "manager") == 0)
					ct->role = ROLE_MANAGER;
				else if (strcmp(r->str, "admin") == 0)
					ct->role = ROLE_ADMIN;
				else
					jerr_at(errs, r, "%s: expected worker, "
					    "manager or admin", jv_path(r));
			}
			jv_unknown_keys(t, errs);
		}
	}
	jv_unknown_keys(obj, errs);
}

/* limits: body sizes, header size, read timeout, connections. */
static void
config_limits(struct config *cfg, struct jv *obj, struct jerrs *errs)
{
	struct config_limits	*l = &cfg->limits;
	long long		 n;
	struct duration		 d;

	l->sms_body = 1024 * 1024;
	l->email_body = 40 * 1024 * 1024;
	l->headers = 16 * 1024;
	l->read_timeout = 30;
	l->max_connections = 1024;
	if (obj == NULL || jv_expect(errs, obj, JV_OBJECT) == -1)
		return;
	n = (long long)l->sms_body;
	if (config_int(obj, "sms_body_bytes", 1024, 64LL << 20, &n, errs) == 0)
		l->sms_body = (size_t)n;
	n = (long long)l->email_body;
	if (config_int(obj, "email_body_bytes", 1024, 256LL << 20, &n,
	    errs) == 0)
		l->email_body = (size_t)n;
	n = (long long)l->headers;
	if (config_int(obj, "header_bytes", 1024, 1LL << 20, &n, errs) == 0)
		l->headers = (size_t)n;
	if (config_duration(obj, "read_timeout", 0, &d, errs) == 0 &&
	    jv_get(obj, "read_timeout") != NULL) {
		l->read_timeout = (int)duration_seconds(&d, 0);
		if (l->read_timeout < 1)
			jerr_at(errs, jv_get(obj, "read_timeout"),
			    "limits.read_timeout: must be at least 1s");
	}
	n = l->max_connections;
	if (config_int(obj, "max_connections", 8, 1000000, &n, errs) == 0)
		l->max_connections = (int)n;
	jv_unknown_keys(obj, errs);
}

/* retention: how long message text and metadata are kept. */
static void
config_retention(struct config *cfg, struct jv *obj, struct jerrs *errs)
{
	struct duration	d;

	cfg->retention_text = 30 * 86400;
	cfg->retention_meta = 400 * 86400;
	if (obj == NULL || jv_expect(errs, obj, JV_OBJECT) == -1)
		return;
	if (config_duration(obj, "message_text", 0, &d, errs) == 0 &&
	    jv_get(obj, "message_text") != NULL)
		cfg->retention_text = duration_seconds(&d, 0);
	if (config_duration(obj, "metadata", 0, &d, errs) == 0 &&
	    jv_get(obj, "metadata") != NULL)
		cfg->retention_meta = duration_seconds(&d, 0);
	if (cfg->retention_text <= 0 || cfg->retention_meta <
	    cfg->retention_text)
		jerr_at(errs, obj, "retention: message_text must be positive "
		    "and no longer than metadata");
	jv_unknown_keys(obj, errs);
}

/* delivery: retry policy for every send. */
static void
config_delivery(struct config *cfg, struct jv *obj, struct jerrs *errs)
{
	struct config_delivery	*d = &cfg->delivery;
	struct duration		 du;
	long long		 n;

	d->retry_base_ms = 1000;
	d->retry_max_ms = 300000;
	d->max_attempts = 8;
	d->claim_idle_ms = 60000;
	if (obj == NULL || jv_expect(errs, obj, JV_OBJECT) == -1)
		return;
	if (jv_get(obj, "retry_base") != NULL &&
	    config_duration(obj, "retry_base", 0, &du, errs) == 0)
		d->retry_base_ms = duration_seconds(&du, 0) * 1000;
	if (jv_get(obj, "retry_max") != NULL &&
	    config_duration(obj, "retry_max", 0, &du, errs) == 0)
		d->retry_max_ms = duration_seconds(&du, 0) * 1000;
	if (jv_get(obj, "claim_idle") != NULL &&
	    config_duration(obj, "claim_idle", 0, &du, errs) == 0)
		d->claim_idle_ms = duration_seconds(&du, 0) * 1000;
	n = d->max_attempts;
	if (config_int(obj, "max_attempts", 1, 100, &n, errs) == 0)
		d->max_attempts = (int)n;
	if (d->retry_base_ms < 1000 || d->retry_max_ms < d->retry_base_ms)
		jerr_at(errs, obj, "delivery: retry_base must be at least 1s "
		    "and no more than retry_max");
	jv_unknown_keys(obj, errs);
}

/* urgent: keywords and phrases, and the out-of-hours emergency team. */
static void
config_urgent(struct config *cfg, struct jv *obj, struct jerrs *errs)
{
	struct config_urgent	*u = &cfg->urgent;
	struct jv		*k, *e;
	size_t			 i;

	if (obj == NULL || jv_expect(errs, obj, JV_OBJECT) == -1)
		return;
	if ((k = jv_get(obj, "keywords")) != NULL &&
	    jv_expect(errs, k, JV_ARRAY) == 0) {
		u->keywords = calloc(jv_count(k) + 1, sizeof *u->keywords);
		for (e = k->child; e != NULL && u->keywords; e = e->next) {
			if (jv_expect(errs, e, JV_STRING) == -1)
				continue;
			if (e->len == 0 || strlen(e->str) != e->len) {
				jerr_at(errs, e, "urgent.keywords: empty "
				    "keyword");
				continue;
			}
			u->keywords[u->nkeywords] = strdup(e->str);
			for (i = 0; u->keywords[u->nkeywords][i]; i++)
				u->keywords[u->nkeywords][i] = (char)tolower(
				    (unsigned char)u->keywords[u->nkeywords][i]);
			u->nkeywords++;
		}
	}
	if ((e = jv_get(obj, "emergency")) != NULL)
		config_targets(cfg, e, &u->emergency, &u->nemergency, errs);
	jv_unknown_keys(obj, errs);
}

/* receipt: the acknowledgement text to young people. */
static void
config_receipt(struct config *cfg, struct jv *obj, struct jerrs *errs)
{
	struct config_receipt	*r = &cfg->receipt;
	struct jv		*v;

	if (obj == NULL || jv_expect(errs, obj, JV_OBJECT) == -1)
		return;
	r->enabled = 1;
	if ((v = jv_get(obj, "enabled")) != NULL &&
	    jv_expect(errs, v, JV_TRUE) == 0)
		r->enabled = v->type == JV_TRUE;
	config_string(obj, "text", 0, &r->text, errs);
	config_string(obj, "out_of_hours", 0, &r->out_of_hours, errs);
	if (r->text == NULL)
		r->text = strdup("Thank you. We have your message and will "
		    "reply by {deadline}.");
	else if (strstr(r->text, "{deadline}") == NULL)
		jerr_at(errs, jv_get(obj, "text"), "receipt.text: must say "
		    "by when, with {deadline}");
	jv_unknown_keys(obj, errs);
}

/* What the staff pages call the council and the service. */
static void
config_council(struct config *cfg, struct jv *obj, struct jerrs *errs)
{
	struct config_council	*c = &cfg->council;

	if (obj != NULL && jv_expect(errs, obj, JV_OBJECT) == 0) {
		config_string(obj, "name", 0, &c->name, errs);
		config_string(obj, "service_name", 0, &c->service_name, errs);
		config_string(obj, "phase", 0, &c->phase, errs);
		if (c->name != NULL && c->name[0] == '\0')
			jerr_at(errs, jv_get(obj, "name"), "council.name: "
			    "must not be empty");
		jv_unknown_keys(obj, errs);
	}
	if (c->name == NULL)
		c->name = strdup("replyd");
	if (c->service_name == NULL)
		c->service_name = strdup("Messages from young people");
}

/* Check that a public URL is http(s) and strip a trailing slash. */
static void
config_public_url(struct config *cfg, struct jv *v, struct jerrs *errs)
{
	size_t	n;

	if (strncmp(v->str, "https://", 8) != 0 &&
	    strncmp(v->str, "http://", 7) != 0) {
		jerr_at(errs, v, "public_url: expected an http:// or https:// "
		    "URL");
		return;
	}
	if (v->len > 200) {
		jerr_at(errs, v, "public_url: longer than 200 characters");
		return;
	}
	cfg->public_url = strdup(v->str);
	n = strlen(cfg->public_url);
	while (n > 0 && cfg->public_url[n - 1] == '/')
		cfg->public_url[--n] = '\0';
}

/* Every section, in an order that lets later ones refer to earlier ones. */
static void
config_sections(struct config *cfg, struct jv *root, struct jerrs *errs)
{
	struct jv	*v, *p, *empty;
	struct jerrs	 ignore;
	struct duration	 d;
	long long	 n;

	if ((v = jv_get(root, "listen")) == NULL) {
		cfg->listen_host = strdup("127.0.0.1");
		cfg->listen_port = 8080;
	} else if (jv_expect(errs, v, JV_STRING) == 0)
		config_listen(cfg, v, errs);
	if ((v = jv_get(root, "public_url")) == NULL)
		jerr_at(errs, root, "missing key \"public_url\": the URL "
		    "providers call, which their signatures cover");
	else if (jv_expect(errs, v, JV_STRING) == 0)
		config_public_url(cfg, v, errs);
	if ((v = jv_get(root, "plugin_dir")) != NULL &&
	    jv_expect(errs, v, JV_STRING) == 0)
		cfg->plugin_dir = config_path(cfg->basedir, v->str);
	if ((v = jv_get(root, "assets_dir")) != NULL &&
	    jv_expect(errs, v, JV_STRING) == 0)
		cfg->assets_dir = config_path(cfg->basedir, v->str);
	config_council(cfg, jv_get(root, "council"), errs);
	config_redis(cfg, jv_get(root, "redis"), errs);

	if ((v = jv_get(root, "calendars")) == NULL)
		jerr_at(errs, root, "missing key \"calendars\"");
	else if (jv_expect(errs, v, JV_OBJECT) == 0)
		calendars_parse(v, cfg->basedir, &cfg->calendars, errs);
	if (cfg->calendars != NULL) {
		if ((v = jv_get(root, "promise")) != NULL)
			calendar_promise_parse(v, cfg->calendars,
			    &cfg->promise, errs);
		else {
			memset(&ignore, 0, sizeof ignore);
			empty = jv_parse(cfg->path, "{}", 2, &ignore);
			calendar_promise_parse(empty, cfg->calendars,
			    &cfg->promise, errs);
			jv_free(empty);
			jerrs_clear(&ignore);
		}
	} else
		jv_get(root, "promise");

	/* Plugins check their own sections when they are loaded. */
	if ((cfg->channels = jv_get(root, "channels")) != NULL)
		jv_expect(errs, cfg->channels, JV_OBJECT);
	if ((cfg->notifiers = jv_get(root, "notifiers")) != NULL)
		jv_expect(errs, cfg->notifiers, JV_OBJECT);
	cfg->alert_sms_per_hour = 100;
	cfg->alert_sms_same_per_hour = 20;
	if ((v = jv_get(root, "alerts")) != NULL &&
	    jv_expect(errs, v, JV_OBJECT) == 0) {
		config_string(v, "sms", 0, &cfg->alert_sms, errs);
		config_string(v, "email", 0, &cfg->alert_email, errs);
		config_string(v, "sms_from", 0, &cfg->alert_sms_from, errs);
		if (cfg->alert_sms_from != NULL &&
		    (cfg->alert_sms_from[0] != '+' ||
		    strspn(cfg->alert_sms_from + 1, "0123456789") !=
		    strlen(cfg->alert_sms_from + 1) ||
		    strlen(cfg->alert_sms_from) < 8 ||
		    strlen(cfg->alert_sms_from) > 16))
			jerr_at(errs, jv_get(v, "sms_from"), "alerts.sms_from: "
			    "expected the E.164 number alert texts come from, "
			    "such as \"+447700900009\"");
		n = 100;
		if (config_int(v, "sms_per_hour", 1, 10000, &n, errs) == 0)
			cfg->alert_sms_per_hour = (int)n;
		n = 20;
		if (config_int(v, "sms_identical_per_hour", 1, 10000, &n,
		    errs) == 0)
			cfg->alert_sms_same_per_hour = (int)n;
		if (cfg->alert_sms && !jv_get(cfg->channels, cfg->alert_sms))
			jerr_at(errs, jv_get(v, "sms"), "alerts.sms: no "
			    "channel \"%s\" in \"channels\"", cfg->alert_sms);
		if (cfg->alert_email &&
		    !jv_get(cfg->channels, cfg->alert_email))
			jerr_at(errs, jv_get(v, "email"), "alerts.email: no "
			    "channel \"%s\" in \"channels\"", cfg->alert_email);
		jv_unknown_keys(v, errs);
	}

	config_people(cfg, jv_get(root, "people"), errs);
	if ((v = jv_get(root, "teams")) == NULL)
		jerr_at(errs, root, "missing key \"teams\": at least one team "
		    "must receive messages");
	else if (jv_expect(errs, v, JV_OBJECT) == 0) {
		cfg->teams = calloc(jv_count(v) + 1, sizeof *cfg->teams);
		for (p = v->child; p != NULL && cfg->teams; p = p->next)
			if (jv_expect(errs, p, JV_OBJECT) == 0)
				config_team_parse(cfg,
				    &cfg->teams[cfg->nteams++], p, errs);
		if (jv_count(v) == 0)
			jerr_at(errs, v, "teams: at least one team is needed");
	}
	if ((v = jv_get(root, "default_team")) != NULL) {
		if (jv_expect(errs, v, JV_STRING) == 0 &&
		    (cfg->default_team = config_team(cfg, v->str)) == NULL)
			jerr_at(errs, v, "default_team: no team \"%s\"",
			    v->str);
	} else if (cfg->nteams == 1)
		cfg->default_team = &cfg->teams[0];
	else if (cfg->nteams > 1)
		jerr_at(errs, root, "missing key \"default_team\": with "
		    "several teams, unknown senders need a team");

	config_access_teams(cfg);
	config_api(cfg, jv_get(root, "api"), errs);
	config_auth(cfg, jv_get(root, "auth"), errs);
	config_limits(cfg, jv_get(root, "limits"), errs);
	config_retention(cfg, jv_get(root, "retention"), errs);
	config_delivery(cfg, jv_get(root, "delivery"), errs);
	config_urgent(cfg, jv_get(root, "urgent"), errs);
	config_receipt(cfg, jv_get(root, "receipt"), errs);
	duration_parse("2 working hours", &cfg->ack_timeout, NULL, 0);
	config_duration(root, "ack_timeout", 1, &cfg->ack_timeout, errs);
	cfg->drain_timeout = 10;
	if ((v = jv_get(root, "drain_timeout")) != NULL &&
	    jv_expect(errs, v, JV_STRING) == 0) {
		if (config_duration(root, "drain_timeout", 0, &d, errs) == 0)
			cfg->drain_timeout = (int)duration_seconds(&d, 0);
	}
	jv_unknown_keys(root, errs);
}

/* Load and check a configuration file. */
struct config *
config_load(const char *path, struct jerrs *errs)
{
	struct config	*cfg;
	struct jv	*root;
	char		*copy;
	size_t		 before = errs->n;

	if ((root = jv_load(path, errs)) == NULL)
		return NULL;
	if (root->type != JV_OBJECT) {
		jerr_at(errs, root, "expected the configuration to be an "
		    "object {...}");
		jv_free(root);
		return NULL;
	}
	if ((cfg = calloc(1, sizeof *cfg)) == NULL ||
	    (copy = strdup(path)) == NULL) {
		free(cfg);
		jv_free(root);
		return NULL;
	}
	cfg->path = strdup(path);
	cfg->basedir = strdup(dirname(copy));
	free(copy);
	cfg->root = root;
	config_sections(cfg, root, errs);
	if (errs->n > before) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Free a configuration. */
void
config_free(struct config *cfg)
{
	size_t	i, j;
	int	d;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->npeople; i++) {
		free(cfg->people[i].id);
		free(cfg->people[i].name);
		free(cfg->people[i].phone);
		free(cfg->people[i].email);
	}
	free(cfg->people);
	for (i = 0; i < cfg->nteams; i++) {
		struct config_team *t = &cfg->teams[i];

		free(t->id);
		free(t->calendar_name);
		for (j = 0; j < t->nworkers; j++)
			free(t->workers[j]);
		free(t->workers);
		for (d = 0; d < 7; d++)
			free(t->duty[d]);
		free(t->duty_manager);
		free(t->manager);
		for (j = 0; j < t->nsteps; j++) {
			size_t k;

			for (k = 0; k < t->steps[j].ntargets; k++)
				free(t->steps[j].targets[k].name);
			free(t->steps[j].targets);
		}
		free(t->steps);
	}
	free(cfg->teams);
	for (i = 0; i < cfg->ntokens; i++) {
		if (cfg->tokens[i].secret != NULL)
			OPENSSL_cleanse(cfg->tokens[i].secret,
			    strlen(cfg->tokens[i].secret));
		free(cfg->tokens[i].secret);
		free(cfg->tokens[i].name);
		free(cfg->tokens[i].person);
	}
	free(cfg->tokens);
	free(cfg->access_teams);
	free(cfg->auth.trusted_proxies);
	if (cfg->auth.oidc != NULL) {
		struct config_oidc *o = cfg->auth.oidc;

		free(o->issuer);
		free(o->client_id);
		if (o->client_secret != NULL)
			OPENSSL_cleanse(o->client_secret,
			    strlen(o->client_secret));
		free(o->client_secret);
		free(o->claim);
		free(o->tenant);
		free(o);
	}
	config_redis_clear(&cfg->redis);
	for (i = 0; i < cfg->urgent.nkeywords; i++)
		free(cfg->urgent.keywords[i]);
	free(cfg->urgent.keywords);
	for (i = 0; i < cfg->urgent.nemergency; i++)
		free(cfg->urgent.emergency[i].name);
	free(cfg->urgent.emergency);
	free(cfg->receipt.text);
	free(cfg->receipt.out_of_hours);
	free(cfg->alert_sms);
	free(cfg->alert_email);
	free(cfg->alert_sms_from);
	if (cfg->calendars != NULL)
		calendars_free(cfg->calendars);
	free(cfg->listen_host);
	free(cfg->public_url);
	free(cfg->plugin_dir);
	free(cfg->assets_dir);
	free(cfg->council.name);
	free(cfg->council.service_name);
	free(cfg->council.phase);
	free(cfg->path);
	free(cfg->basedir);
	jv_free(cfg->root);
	free(cfg);
}

/* Whether s contains the placeholder marker, in any case. */
static int
config_is_placeholder(const char *s)
{
	return s != NULL && strcasestr(s, CONFIG_PLACEHOLDER) != NULL;
}

/* Report the placeholders in v and below. */
static size_t
config_placeholders_in(const struct jv *v, struct jerrs *out)
{
	const struct jv	*m;
	size_t		 n = 0;

	if (v->key != NULL && config_is_placeholder(v->key)) {
		jerr_key(out, v, "%s: the key is a placeholder (%s): replace "
		    "it", jv_path(v), CONFIG_PLACEHOLDER);
		n++;
	}
	if (v->type == JV_STRING && config_is_placeholder(v->str)) {
		jerr_at(out, v, "%s: a placeholder (%s): replace it with the "
		    "real value", jv_path(v), CONFIG_PLACEHOLDER);
		n++;
	}
	for (m = v->child; m != NULL; m = m->next)
		n += config_placeholders_in(m, out);
	return n;
}

/* Every placeholder in the file. */
size_t
config_placeholders(const struct config *cfg, struct jerrs *out)
{
	return cfg->root != NULL ? config_placeholders_in(cfg->root, out) : 0;
}

/* A person by id. */
const struct config_person *
config_person(const struct config *cfg, const char *id)
{
	size_t	i;

	for (i = 0; i < cfg->npeople; i++)
		if (strcmp(cfg->people[i].id, id) == 0)
			return &cfg->people[i];
	return NULL;
}

/* The person with this phone (E.164), or NULL. */
const struct config_person *
config_staff_phone(const struct config *cfg, const char *e164)
{
	size_t	i;

	if (e164 == NULL || e164[0] == '\0')
		return NULL;
	for (i = 0; i < cfg->npeople; i++)
		if (cfg->people[i].phone != NULL &&
		    strcmp(cfg->people[i].phone, e164) == 0)
			return &cfg->people[i];
	return NULL;
}

/* A team by id. */
const struct config_team *
config_team(const struct config *cfg, const char *id)
{
	size_t	i;

	for (i = 0; i < cfg->nteams; i++)
		if (strcmp(cfg->teams[i].id, id) == 0)
			return &cfg->teams[i];
	return NULL;
}

/* Find a token, comparing every configured one in constant time. */
const struct config_token *
config_token(const struct config *cfg, const char *secret, size_t len)
{
	const struct config_token	*found = NULL;
	size_t				 i;

	for (i = 0; i < cfg->ntokens; i++) {
		size_t n = strlen(cfg->tokens[i].secret);

		/* Lengths are not secret; contents are. */
		if (n == len && CRYPTO_memcmp(cfg->tokens[i].secret, secret,
		    len) == 0)
			found = &cfg->tokens[i];
	}
	return found;
}

/* A role's name. */
const char *
config_role_name(enum access_role r)
{
	return access_role_name(r);
}

/* A person by email address, in any case. */
const struct config_person *
config_person_by_email(const struct config *cfg, const char *email)
{
	size_t	i;

	for (i = 0; email != NULL && i < cfg->npeople; i++)
		if (cfg->people[i].email != NULL &&
		    strcasecmp(cfg->people[i].email, email) == 0)
			return &cfg->people[i];
	return NULL;
}

/* A person by phone number. */
const struct config_person *
config_person_by_phone(const struct config *cfg, const char *e164)
{
	size_t	i;

	for (i = 0; e164 != NULL && i < cfg->npeople; i++)
		if (cfg->people[i].phone != NULL &&
		    strcmp(cfg->people[i].phone, e164) == 0)
			return &cfg->people[i];
	return NULL;
}

/* A team's index. */
size_t
config_team_index(const struct config *cfg, const char *id)
{
	size_t	i;

	for (i = 0; id != NULL && i < cfg->nteams; i++)
		if (strcmp(cfg->teams[i].id, id) == 0)
			return i;
	return ACCESS_NO_TEAM;
}

/* A team's calendar, or the promise's when the team names none. */
const struct calendar *
config_team_calendar(const struct config *cfg, const struct config_team *t)
{
	return t != NULL && t->calendar != NULL ? t->calendar :
	    cfg->promise.calendar;
}

/* The deadline of a message to team t arriving at `arrival`. */
int64_t
config_deadline(const struct config *cfg, const struct config_team *t,
    int64_t arrival)
{
	struct promise	p = cfg->promise;

	if (t != NULL && t->has_within)
		p.within = t->within;
	return policy_deadline(config_team_calendar(cfg, t), &p, arrival);
}

/* When a step of the team's policy falls due. */
int64_t
config_step_due(const struct config_team *t, size_t step, int64_t deadline)
{
	return policy_step_due(t->calendar, step < t->nsteps ?
	    &t->steps[step].after : NULL, deadline);
}

/* Free what a struct config_redis owns. */
void
config_redis_clear(struct config_redis *r)
{
	size_t	i;

	for (i = 0; i < r->nsentinels; i++)
		free(r->sentinels[i]);
	free(r->sentinels);
	free(r->master);
	free(r->host);
	if (r->password != NULL)
		OPENSSL_cleanse(r->password, strlen(r->password));
	free(r->password);
	memset(r, 0, sizeof *r);
}

/* A deep copy of Redis settings, owned by dst; -1 when out of memory. */
int
config_redis_copy(struct config_redis *dst, const struct config_redis *src)
{
	size_t	i;

	*dst = *src;
	dst->host = src->host ? strdup(src->host) : NULL;
	dst->password = src->password ? strdup(src->password) : NULL;
	dst->master = src->master ? strdup(src->master) : NULL;
	dst->sentinels = src->nsentinels ? calloc(src->nsentinels,
	    sizeof *dst->sentinels) : NULL;
	for (i = 0; dst->sentinels != NULL && i < src->nsentinels; i++)
		dst->sentinels[i] = strdup(src->sentinels[i]);
	if ((src->host && !dst->host) || (src->password && !dst->password) ||
	    (src->master && !dst->master) ||
	    (src->nsentinels && !dst->sentinels)) {
		dst->nsentinels = dst->sentinels ? src->nsentinels : 0;
		config_redis_clear(dst);
		return -1;
	}
	return 0;
}
