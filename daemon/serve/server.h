/*
 * server.h: the running daemon's shared parts, which every serving module
 * reaches through struct server: the event base, the Redis connection, the
 * HTTP server, the libcurl handle and the current configuration
 * generation.  This module only holds them and answers the time; starting,
 * reloading and stopping them is daemon.c's job, and nothing here calls a
 * feature module, so features may include this header freely.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stdint.h>

#include "io/plugin.h"

struct calsync;
struct config;
struct db;
struct escalate;
struct event;
struct event_base;
struct fetch;
struct gen;
struct http;
struct recompute;

struct server {
	struct event_base	*base;
	struct db		*db;
	struct http		*http;
	struct fetch		*fetch;
	/*
	 * The current generation and, for code that holds no pointer into
	 * it across a callback, its configuration.  Code that does (a send,
	 * an escalation delivery) pins a generation with gen_ref.
	 */
	struct gen		*gen;
	const struct config	*cfg;
	struct plugin_env	 plugin_env;	/* what plugins are given */
	struct escalate		*esc;
	struct calsync		*calsync;	/* calsync.c: closures, feeds,
						   versions */
	struct recompute	*recompute;	/* recompute.c: running jobs */
	void			*api;		/* api.c's registrations */
	char			*config_path;
	int			 ready_sent;
	int			 draining;
	int			 closing;	/* freeing: callbacks only clean up */
	struct event		*sig_term, *sig_int, *sig_hup;
	struct event		*watchdog_ev;
	struct event		*drain_ev;
	struct event		*calendar_ev;
	double			 drain_deadline;
	char			 calendar_warning[512];
};

/* The time by Redis's clock, in seconds and in milliseconds. */
int64_t	server_time(const struct server *);
int64_t	server_time_ms(const struct server *);
/* Tell systemd something (no-op when not under systemd). */
void	server_notify(const char *state);

#endif
