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
#include <stdint.h>

#include "replyd-plugin.h"

struct config;
struct fetch;
struct jerrs;
struct jv;
struct plugins;

/*
 * What the host that runs the plugins gives them: the shared libcurl
 * handle, the clock, and the calls on inbound requests (serve/intake.c).
 * NULL when only checking a configuration (replyd -n).
 */
struct plugin_env {
	struct fetch	*fetch;
	int64_t		(*now)(void *arg);
	void		*arg;
	const char	*(*req_header)(struct replyd_request *, const char *);
	const char	*(*req_body)(struct replyd_request *, size_t *);
	const char	*(*req_path)(struct replyd_request *);
	const char	*(*req_query)(struct replyd_request *);
	void		 (*accept)(struct replyd_request *,
			    const struct replyd_message *);
	void		 (*refuse)(struct replyd_request *, int status,
			    const char *reason, const char *field,
			    const char *detail);
	void		 (*receipt)(struct replyd_request *,
			    const struct replyd_receipt *);
	/* Plugins' pages (serve/pages.c) and submitted messages
	 * (serve/intake.c); NULL where there are none (replyd -n). */
	const char	*(*page_method)(struct replyd_page_request *);
	const char	*(*page_path)(struct replyd_page_request *);
	const char	*(*page_query)(struct replyd_page_request *,
			    const char *);
	const char	*(*page_header)(struct replyd_page_request *,
			    const char *);
	const char	*(*page_body)(struct replyd_page_request *, size_t *);
	void		 (*page_reply)(struct replyd_page_request *,
			    const struct replyd_page_reply *);
	int		 (*submit)(struct replyd_host *,
			    const struct replyd_message *,
			    replyd_submit_done, void *);
};

/* One loaded channel or notifier: the host side of struct replyd_host. */
struct replyd_host {
	char			*name;		/* channel or notifier name */
	char			*plugin;	/* plugin (file) name */
	void			*dl;
	struct jv		*section;	/* its configuration object */
	const char		*basedir;
	struct jerrs		*errs;		/* during init only */
	struct plugins		*set;		/* the set it belongs to */
	const char		*public_url;	/* of its configuration */
	struct replyd_sender	 sender;
	int			 has_sender;
	struct replyd_webhook	*webhooks;
	size_t			 nwebhooks;
	struct replyd_backfill	 backfill;	/* when has_backfill */
	int			 has_backfill;
	struct replyd_page	*pages;
	size_t			 npages;
	char			**secrets;	/* read secret files */
	size_t			 nsecrets;
};

/* The plugins of one configuration.  Plugins keep a pointer to api, so a
 * set must not move while loaded. */
struct plugins {
	struct replyd_host	**hosts;
	size_t			  n;
	struct replyd_host_api	  api;
	const struct plugin_env	 *env;
};

/* The folder plugins are loaded from, for this configuration. */
const char	*plugin_dir(const struct config *, char *buf, size_t len);
/* Load and initialise every plugin the configuration names. */
int		 plugins_load(struct plugins *, struct config *,
		    const struct plugin_env *, struct jerrs *);
void		 plugins_free(struct plugins *);
/* A loaded channel or notifier by name. */
struct replyd_host *plugins_find(const struct plugins *, const char *name);
/* Check a configuration's plugins without serving (replyd -n). */
int		 plugin_check(struct config *, struct jerrs *);
/* What a configuration's plugins can do, for replyd's warnings. */
struct plugin_reach {
	size_t	webhooks;	/* inbound paths (webhooks, form pages) */
	int	alert_sms;	/* alerts.sms names a channel that can text */
	int	alert_email;	/* alerts.email names one that can email */
	size_t	notifiers;	/* notifiers that loaded */
};
/* Load the plugins as plugin_check does and say what they can reach;
 * -1 when one fails to load (errors added). */
int		 plugin_check_reach(struct config *, struct jerrs *,
		    struct plugin_reach *);
/* The host API table a set's plugins were given. */
const struct replyd_host_api *plugin_api(const struct plugins *);

#endif
