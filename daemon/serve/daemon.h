/*
 * daemon.h: the life cycle of replyd (start, SIGHUP reload, SIGTERM drain,
 * stop).  Only replyd.c calls it.
 */
#ifndef DAEMON_H
#define DAEMON_H

struct config;
struct jerrs;
struct server;

/* Start everything from a loaded configuration (taken over); -1 on
 * failure (then daemon_free). */
int	daemon_start(struct server *, struct config *, const char *path);
/* Run the event loop until drained; returns the exit status. */
int	daemon_run(struct server *);
void	daemon_free(struct server *);
/* Reload the configuration file; keep the old one if the new is bad. */
void	daemon_reload(struct server *);
/* Stop accepting and exit once in-flight work is done (bounded). */
void	daemon_drain(struct server *);
/* Check that every plugin the configuration names can be loaded. */
int	daemon_check_plugins(struct config *, struct jerrs *);
/* Add a warning for a configuration that can never receive a message or
 * never alert anyone (its plugins are loaded to see); how many. */
size_t	daemon_check_reach(struct config *, struct jerrs *warnings);

#endif
