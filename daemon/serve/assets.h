/*
 * assets.h: the staff pages' static files (the GOV.UK Frontend styles and
 * scripts as `make` builds them into build/assets, or as `make install`
 * puts them in DATADIR/replyd/assets), read into memory once at start and
 * served under /assets/ without touching the disk again, so serving one
 * never blocks the loop.  Pages link them under a version made from their
 * contents (/assets/VERSION/NAME), which browsers may keep for a year; a
 * new build has a new version.
 */
#ifndef ASSETS_H
#define ASSETS_H

#include <stddef.h>

struct config;
struct http;

/* Read the asset folder (configured, beside the executable, or the
 * installed one); a missing folder is logged, not fatal. */
void		 assets_load(const struct config *);
/* Route GET /assets/NAME and /assets/VERSION/NAME. */
void		 assets_routes(struct http *);
/* "/assets/VERSION": what pages put before an asset's name. */
const char	*assets_prefix(void);
/* How many files are served (0 when the folder was missing). */
size_t		 assets_count(void);
void		 assets_free(void);

/* The Content-Type for a file name (by its extension). */
const char	*assets_type(const char *name);

#endif
