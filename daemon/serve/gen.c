/*
 * gen.c: see gen.h.  Everything here runs on the event loop, so the
 * reference count needs no lock.
 */
#include <stdlib.h>

#include "base/log.h"
#include "conf/config.h"
#include "io/plugin.h"
#include "serve/gen.h"

static int	gen_count;

/* Say what a plugin's page asks to be warned of (the sandbox is on). */
static void
gen_page_warnings(const struct gen *g)
{
	const struct replyd_host	*h;
	size_t				 i, j;

	for (i = 0; i < g->plugins.n; i++) {
		h = g->plugins.hosts[i];
		for (j = 0; j < h->npages; j++)
			if (h->pages[j].warning != NULL)
				log_warnx("%s: %s", h->name,
				    h->pages[j].warning);
	}
}

/* Build a generation: the configuration and its plugins. */
struct gen *
gen_new(struct config *cfg, const struct plugin_env *env, unsigned number,
    struct jerrs *errs)
{
	struct gen	*g;

	if ((g = calloc(1, sizeof *g)) == NULL) {
		config_free(cfg);
		return NULL;
	}
	g->refs = 1;
	g->number = number;
	g->cfg = cfg;
	if (plugins_load(&g->plugins, cfg, env, errs) == -1) {
		plugins_free(&g->plugins);
		config_free(cfg);
		free(g);
		return NULL;
	}
	gen_count++;
	gen_page_warnings(g);
	return g;
}

/* Take a reference. */
struct gen *
gen_ref(struct gen *g)
{
	if (g != NULL)
		g->refs++;
	return g;
}

/* Drop a reference; free the generation with the last one. */
void
gen_unref(struct gen *g)
{
	if (g == NULL || --g->refs > 0)
		return;
	log_debug("configuration generation %u freed", g->number);
	plugins_free(&g->plugins);
	config_free(g->cfg);
	free(g);
	gen_count--;
}

/* Generations alive now. */
int
gen_alive(void)
{
	return gen_count;
}
