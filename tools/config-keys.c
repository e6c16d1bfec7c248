/*
 * config-keys: print every configuration key replyd's reader looks up in
 * a file, one path a line, sorted: "redis.timeout",
 * "teams.*.escalation[].after", "channels.twilio.auth_token".  The paths
 * come from the reader itself (jv_trace sees every jv_get of conf/,
 * rules/calendar.c and the plugins, which are loaded as `replyd -n` loads
 * them), so a key added to the code is listed without anything else to
 * update.  A member the reader reached by walking an object rather than
 * by name (a person's id, a team's name) is "*", except under "channels",
 * whose members are plugin names; an array element is "[]".
 *
 * Errors in the file do not matter: a section with missing or wrong
 * values is still read key by key.  tests/integration/test_config_docs.py
 * runs this on the example configuration with every plugin enabled and
 * checks the list against config/replyd.json and replyd.json(5).
 *
 *	config-keys FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonc.h"
#include "conf/config.h"
#include "io/plugin.h"

struct config_keys {
	const char		*file;		/* only this file's lookups */
	const struct jv		**found;	/* members reached by name */
	size_t			  nfound, capfound;
	char			**paths;
	size_t			  npaths, cappaths;
};

/* Remember a pointer or a string in a growing array; exit when out of
 * memory (a tool). */
static void *
config_keys_grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 256;
	if ((v = realloc(v, *cap * size)) == NULL) {
		perror("config-keys");
		exit(1);
	}
	return v;
}

/* Whether a member was reached by name. */
static int
config_keys_named(const struct config_keys *k, const struct jv *v)
{
	size_t	i;

	for (i = 0; i < k->nfound; i++)
		if (k->found[i] == v)
			return 1;
	return 0;
}

/* The path of a node, written into buf from its root. */
static void
config_keys_path(const struct config_keys *k, const struct jv *v, char *buf,
    size_t len)
{
	const struct jv	*p = v->parent;

	if (p == NULL) {
		buf[0] = '\0';
		return;
	}
	config_keys_path(k, p, buf, len);
	if (p->type == JV_ARRAY) {
		strncat(buf, "[]", len - strlen(buf) - 1);
		return;
	}
	if (buf[0] != '\0')
		strncat(buf, ".", len - strlen(buf) - 1);
	if (config_keys_named(k, v) || (p->parent != NULL &&
	    p->parent->parent == NULL && strcmp(p->key, "channels") == 0))
		strncat(buf, v->key, len - strlen(buf) - 1);
	else
		strncat(buf, "*", len - strlen(buf) - 1);
}

/* jv_trace's hook: record the path of a lookup in the file. */
static void
config_keys_seen(const struct jv *obj, const char *key, const struct jv *found,
    void *arg)
{
	struct config_keys	*k = arg;
	char			 path[1024];

	if (obj->file == NULL || strcmp(obj->file, k->file) != 0)
		return;
	if (found != NULL) {
		k->found = config_keys_grow(k->found, &k->capfound, k->nfound,
		    sizeof *k->found);
		k->found[k->nfound++] = found;
	}
	config_keys_path(k, obj, path, sizeof path);
	if (path[0] != '\0')
		strncat(path, ".", sizeof path - strlen(path) - 1);
	strncat(path, key, sizeof path - strlen(path) - 1);
	k->paths = config_keys_grow(k->paths, &k->cappaths, k->npaths,
	    sizeof *k->paths);
	if ((k->paths[k->npaths++] = strdup(path)) == NULL) {
		perror("config-keys");
		exit(1);
	}
}

/* Order paths. */
static int
config_keys_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	struct config_keys	 k;
	struct jerrs		 errs = { 0 };
	struct config		*cfg;
	size_t			 i;

	if (argc != 2) {
		fprintf(stderr, "usage: config-keys FILE\n");
		return 1;
	}
	memset(&k, 0, sizeof k);
	k.file = argv[1];
	jv_trace(config_keys_seen, &k);
	/* Plugins are loaded only for a file that is otherwise valid. */
	if ((cfg = config_load(argv[1], &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		return 1;
	}
	plugin_check(cfg, &errs);
	config_free(cfg);
	jv_trace(NULL, NULL);
	jerrs_clear(&errs);
	qsort(k.paths, k.npaths, sizeof *k.paths, config_keys_cmp);
	for (i = 0; i < k.npaths; i++)
		if (i == 0 || strcmp(k.paths[i], k.paths[i - 1]) != 0)
			printf("%s\n", k.paths[i]);
	for (i = 0; i < k.npaths; i++)
		free(k.paths[i]);
	free(k.paths);
	free(k.found);
	return 0;
}
