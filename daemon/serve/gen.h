/*
 * gen.h: a generation of the running configuration: the parsed file with
 * its calendars and limits, and the plugins loaded with its settings.
 * SIGHUP builds a complete new generation and swaps one pointer; whatever
 * started under the old one (an HTTP request, a send, an escalation
 * delivery) holds a reference and keeps using it until it finishes, and
 * the old generation is freed when its last reference goes.  So a rotated
 * provider secret takes effect at the reload, and reloads do not grow the
 * process.
 */
#ifndef GEN_H
#define GEN_H

#include "io/plugin.h"

struct config;
struct jerrs;

struct gen {
	int		 refs;
	unsigned	 number;	/* 1 for the first, +1 per reload */
	struct config	*cfg;
	struct plugins	 plugins;
};

/* A generation from a loaded configuration (taken over: freed with the
 * generation); loads its plugins with env.  NULL with errors added. */
struct gen	*gen_new(struct config *, const struct plugin_env *,
		    unsigned number, struct jerrs *);
/* Take and drop a reference; the last drop frees the generation. */
struct gen	*gen_ref(struct gen *);
void		 gen_unref(struct gen *);
/* Generations alive now (the current one and those still in use). */
int		 gen_alive(void);

#endif
