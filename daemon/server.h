/*
 * server.h: the running daemon: its configuration, event base, Redis
 * connection and HTTP server, and the life cycle around them (start,
 * SIGHUP reload, SIGTERM drain).  Feature modules register their routes
 * here and reach shared state through struct server.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "plugin.h"

struct event_base;
struct event;
struct config;
struct db;
struct http;
struct jerrs;
struct fetch;
struct store_ingested;
struct escalate;
struct webhook_route;

struct server {
	struct event_base	*base;
	struct config		*cfg;
	struct config		**retired;	/* replaced by reloads */
	int			 nretired;
	char			*config_path;
	struct db		*db;
	struct http		*http;
	struct fetch		*fetch;
	struct plugins		 plugins;
	struct escalate		*esc;
	struct webhook_route	*webhook_routes;
	int			 ready_sent;
	int			 draining;
	int			 closing;	/* in server_free: callbacks only clean up */
	struct event		*sig_term, *sig_int, *sig_hup;
	struct event		*watchdog_ev;
	struct event		*drain_ev;
	struct event		*calendar_ev;
	double			 drain_deadline;
	char			 calendar_warning[512];
};

/* Start everything from a loaded configuration; -1 on failure. */
int	server_start(struct server *, struct config *, const char *path);
/* Run the event loop until drained; returns the exit status. */
int	server_run(struct server *);
void	server_free(struct server *);
/* Reload the configuration file; keep the old one if the new is bad. */
void	server_reload(struct server *);
/* Stop accepting and exit once in-flight work is done (bounded). */
void	server_drain(struct server *);
/* Check that every plugin the configuration names can be loaded. */
int	server_check_plugins(struct config *, struct jerrs *);
/* The time by Redis's clock, in seconds and in milliseconds. */
int64_t	server_time(const struct server *);
int64_t	server_time_ms(const struct server *);
/* After a message opened or joined a conversation (receipts, notices). */
void	server_after_ingest(struct server *, const struct store_ingested *,
	    const char *address, const char *channel);
/* Whether a message's text contains a configured urgent keyword. */
int	server_is_urgent(const struct server *, const char *, size_t);
/* Tell systemd something (no-op when not under systemd). */
void	server_notify(const char *state);

#endif
