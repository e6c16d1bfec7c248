/*
 * scripts.h: the Redis scripts under daemon/store/scripts/, embedded into
 * the binary by tools/embed-lua (build/gen/scripts.c).  Only store/ runs
 * them.
 */
#ifndef STORE_SCRIPTS_H
#define STORE_SCRIPTS_H

struct script_source {
	const char	*name;		/* file name without -NKEYS.lua */
	int		 nkeys;		/* how many KEYS it takes */
	const char	*file;		/* for messages */
	const char	*source;
};

/* Every script; the last entry has a NULL name. */
extern const struct script_source script_sources[];

#endif
