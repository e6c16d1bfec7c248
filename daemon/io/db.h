/*
 * db.h: replyd's connection to Redis, on hiredis's async API and libevent.
 *
 * Debian's hiredis 0.14 has no command timeouts and no reconnect, so this
 * module adds both: every command has a deadline kept by our own timer, a
 * lost connection is replaced by a fresh context with backoff, and a
 * context is never freed inside one of its own callbacks.  Lua scripts are
 * sent by SHA and re-sent in full on NOSCRIPT; a command refused with
 * LOADING (Redis reading its AOF after a restart) is retried until its
 * deadline.  With sentinels configured, the master is looked up on every
 * (re)connect and its role checked.
 *
 * A command accepted by db_command and friends gets exactly one callback:
 * a reply, or NULL with a short error ("timeout", "connection lost").
 */
#ifndef DB_H
#define DB_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct redisReply;
struct config_redis;
struct db;

struct db_script {
	const char	*name;
	const char	*source;
	char		 sha[41];	/* filled by db_script_init */
};

typedef void (*db_cb)(struct db *, struct redisReply *reply, const char *err,
    void *arg);
typedef void (*db_state_cb)(struct db *, int ready, void *arg);

struct db	*db_new(struct event_base *, const struct config_redis *);
void		 db_free(struct db *);
/* Called whenever the connection becomes ready or stops being ready. */
void		 db_set_state_cb(struct db *, db_state_cb, void *);
/* Whether commands can be sent now. */
int		 db_ready(const struct db *);
/* Why the database is not ready (for /readyz), or NULL when it is. */
const char	*db_status(const struct db *);
/* Whether the server is a Redis Cluster node (known once ready): a
 * command may then only name keys of one slot. */
int		 db_cluster(const struct db *);
/* Times the connection was (re)established after having been lost. */
unsigned long	 db_reconnects(const struct db *);
/* The time by Redis's clock (ms), kept by a TIME once a second. */
int64_t		 db_time_ms(const struct db *);
/* Compute a script's SHA1 so it can be sent with EVALSHA. */
void		 db_script_init(struct db_script *);

/* Send a command; -1 (no callback) when Redis is not ready. */
int		 db_command(struct db *, db_cb, void *, const char *fmt, ...);
int		 db_commandv(struct db *, db_cb, void *, int argc,
		    const char **argv, const size_t *lens);
/* Run a script with nkeys keys followed by arguments. */
int		 db_eval(struct db *, const struct db_script *, db_cb, void *,
		    int nkeys, int argc, const char **argv, const size_t *lens);

#endif
