/*
 * plugin.h: finding, loading and hosting channel plugins
 * (build/plugins/NAME.so, or $(PREFIX)/lib/replyd/plugins when installed;
 * "plugin_dir" overrides).  A channel is enabled by its key under
 * "channels", or by a notifier that names its "plugin": the plugin of that
 * name is loaded; no separate list of plugins is needed.
 */
#ifndef PLUGIN_H
#define PLUGIN_H

#include <stddef.h>

#include "replyd-plugin.h"

struct config;
struct jerrs;
struct jv;
struct server;

/* One loaded channel or notifier: the host side of struct replyd_host. */
struct replyd_host {
	char			*name;		/* channel or notifier name */
	char			*plugin;	/* plugin (file) name */
	void			*dl;
	struct jv		*section;	/* its configuration object */
	const char		*basedir;
	struct jerrs		*errs;		/* during init only */
	struct server		*srv;
	struct replyd_sender	 sender;
	int			 has_sender;
	struct replyd_webhook	*webhooks;
	size_t			 nwebhooks;
	char			**secrets;	/* read secret files */
	size_t			 nsecrets;
};

struct plugins {
	struct replyd_host	**hosts;
	size_t			  n;
};

/* The folder plugins are loaded from, for this configuration. */
const char	*plugin_dir(const struct config *, char *buf, size_t len);
/* Load and initialise every plugin the configuration names. */
int		 plugins_load(struct plugins *, struct config *,
		    struct server *, struct jerrs *);
void		 plugins_free(struct plugins *);
/* A loaded channel or notifier by name. */
struct replyd_host *plugins_find(const struct plugins *, const char *name);
/* Check a configuration's plugins without serving (replyd -n). */
int		 plugin_check(struct config *, struct jerrs *);
/* The host API table. */
const struct replyd_host_api *plugin_api(void);

#endif
