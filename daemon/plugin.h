/*
 * plugin.h: finding and loading channel plugins (build/plugins/NAME.so, or
 * $(PREFIX)/lib/replyd/plugins when installed; "plugin_dir" overrides).
 * A channel is enabled by its key under "channels", or by a notifier that
 * names its "plugin": the plugin of that name is loaded.
 */
#ifndef PLUGIN_H
#define PLUGIN_H

#include <stddef.h>

struct config;
struct jerrs;

/* The folder plugins are loaded from, for this configuration. */
const char	*plugin_dir(const struct config *, char *buf, size_t len);
/* Check that every plugin the configuration names exists; errors added. */
int		 plugin_check(struct config *, struct jerrs *);

#endif
