/*
 * plugin.c: locating channel plugins.  A replyd run from the build tree
 * finds build/plugins beside its own executable, so `make run` needs no
 * configuration; an installed one uses the compiled-in default.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "plugin.h"

#ifndef REPLYD_PLUGIN_DIR
#define REPLYD_PLUGIN_DIR "/usr/local/lib/replyd/plugins"
#endif

/* The plugin folder: configured, beside the executable, or the default. */
const char *
plugin_dir(const struct config *cfg, char *buf, size_t len)
{
	char		 exe[PATH_MAX];
	ssize_t		 n;
	struct stat	 st;

	if (cfg->plugin_dir != NULL) {
		snprintf(buf, len, "%s", cfg->plugin_dir);
		return buf;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(buf, len, "%s/plugins", dirname(exe));
		if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return buf;
	}
	snprintf(buf, len, "%s", REPLYD_PLUGIN_DIR);
	return buf;
}

/* Check one plugin name against the folder. */
static void
plugin_check_one(const char *dir, const struct jv *where, const char *name,
    struct jerrs *errs)
{
	char		path[PATH_MAX];
	struct stat	st;

	if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0') {
		jerr_key(errs, where, "\"%s\" is not a plugin name", name);
		return;
	}
	snprintf(path, sizeof path, "%s/%s.so", dir, name);
	if (stat(path, &st) == -1)
		jerr_key(errs, where, "no plugin \"%s\" (looked for %s: %s)",
		    name, path, strerror(errno));
}

/* Check every channel and notifier plugin the configuration names. */
int
plugin_check(struct config *cfg, struct jerrs *errs)
{
	char		 dir[PATH_MAX];
	struct jv	*c, *p;
	size_t		 before = errs->n;

	plugin_dir(cfg, dir, sizeof dir);
	if (cfg->channels != NULL)
		for (c = cfg->channels->child; c != NULL; c = c->next)
			plugin_check_one(dir, c, c->key, errs);
	if (cfg->notifiers != NULL)
		for (c = cfg->notifiers->child; c != NULL; c = c->next) {
			if (c->type != JV_OBJECT ||
			    (p = jv_get(c, "plugin")) == NULL ||
			    p->type != JV_STRING) {
				jerr_at(errs, c, "notifiers.%s: expected "
				    "{\"plugin\": NAME, ...}", c->key);
				continue;
			}
			plugin_check_one(dir, p, p->str, errs);
		}
	return errs->n > before ? -1 : 0;
}
