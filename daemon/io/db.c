/*
 * db.c: see db.h.  States: DOWN (waiting to reconnect), CONNECTING (TCP
 * connect and handshake in progress), READY.  Requests own copies of their
 * arguments so that they can be re-sent on NOSCRIPT or LOADING.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/adapters/libevent.h>
#include <openssl/sha.h>

#include "conf/config.h"
#include "io/db.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/metrics.h"

#define DB_BACKOFF_MIN_MS	100
#define DB_BACKOFF_MAX_MS	5000
#define DB_HEALTH_MS		1000
#define DB_LOADING_RETRY_MS	200

enum db_state {
	DB_DOWN,
	DB_CONNECTING,
	DB_READY
};

struct db_req {
	struct db		*db;
	db_cb			 cb;
	void			*arg;
	const struct db_script	*script;
	int			 argc;
	const char		**argv;		/* into args, or static */
	size_t			*lens;		/* into args */
	char			*args;		/* one block: the copies */
	struct event		*timer;		/* the command's deadline */
	struct event		*retry;		/* LOADING back-off */
	int			 delivered;	/* the caller has its answer */
	int			 internal;	/* handshake or health check */
	TAILQ_ENTRY(db_req)	 entry;		/* in db->reqs or db->retrying */
};
TAILQ_HEAD(db_reqs, db_req);

struct db {
	struct event_base	*base;
	const struct config_redis *cfg;	/* &own */
	struct config_redis	 own;	/* a copy: it outlives reloads */
	redisAsyncContext	*ac;
	enum db_state		 state;
	char			 status[256];
	int			 backoff_ms;
	int			 ever_ready;
	unsigned long		 reconnects;
	int			 health_pending;
	int			 cluster;	/* the server is a cluster node */
	int64_t			 offset_ms;	/* Redis TIME minus our clock */
	size_t			 sentinel_next;
	redisAsyncContext	*sentinel;
	struct event		*reconnect_ev;
	struct event		*health_ev;
	struct event		*drop_ev;	/* frees a context outside its callbacks */
	struct event		*connect_timer;
	redisAsyncContext	*to_free;
	struct db_reqs		 reqs;		/* waiting for a reply */
	struct db_reqs		 retrying;	/* refused with LOADING, to send again */
	db_state_cb		 state_cb;
	void			*state_arg;
};

static void	db_connect(struct db *);
static void	db_send(struct db *, struct db_req *);
static void	db_reply_cb(redisAsyncContext *, void *, void *);
static void	db_health_cb(evutil_socket_t, short, void *);

/* Arm a timer for ms milliseconds. */
static void
db_arm(struct event *ev, int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

/* Change state and tell the owner about readiness changes. */
static void
db_set_state(struct db *db, enum db_state st, const char *why)
{
	int	was = db->state == DB_READY;

	db->state = st;
	if (st == DB_READY)
		db->status[0] = '\0';
	else if (why != NULL)
		snprintf(db->status, sizeof db->status, "%s", why);
	if (was != (st == DB_READY) && db->state_cb != NULL)
		db->state_cb(db, st == DB_READY, db->state_arg);
}

/* Free a request (its callback has been delivered or never will be). */
static void
db_req_free(struct db_req *r)
{
	if (r->timer != NULL)
		event_free(r->timer);
	if (r->retry != NULL)
		event_free(r->retry);
	free(r->args);
	free(r);
}

/* Give the caller its answer once; later answers are dropped. */
static void
db_deliver(struct db_req *r, redisReply *reply, const char *err)
{
	if (r->delivered)
		return;
	r->delivered = 1;
	if (r->timer != NULL)
		evtimer_del(r->timer);
	if (r->cb != NULL)
		r->cb(r->db, reply, err, r->arg);
}

/* Free the current context from the event loop, never from its callback. */
static void
db_drop(struct db *db, const char *why)
{
	if (db->ac == NULL)
		return;
	log_warnx("redis %s:%d: %s; reconnecting", db->cfg->host,
	    db->cfg->port, why);
	/*
	 * The context keeps its data pointer: hiredis may still free it
	 * itself (a connection lost, a connect that fails) before
	 * db_drop_cb runs, and the callbacks must then forget it, or it
	 * would be freed twice.
	 */
	if (db->to_free == NULL) {
		db->to_free = db->ac;
		event_active(db->drop_ev, 0, 0);
	}
	db->ac = NULL;
	db_set_state(db, DB_DOWN, why);
	db_arm(db->reconnect_ev, db->backoff_ms);
}

/* Deferred: free a dropped context; its pending callbacks get NULL. */
static void
db_drop_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db		*db = arg;
	redisAsyncContext	*ac = db->to_free;

	db->to_free = NULL;
	if (ac != NULL)
		redisAsyncFree(ac);
}

/* A command's deadline passed: answer "timeout" and replace the link. */
static void
db_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_req	*r = arg;
	struct db	*db = r->db;

	db_deliver(r, NULL, "timeout");
	/* A command that gets no answer means the link cannot be trusted. */
	db_drop(db, "command timed out");
}

/* Re-send a command refused with LOADING. */
static void
db_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_req	*r = arg;
	struct db	*db = r->db;

	TAILQ_REMOVE(&db->retrying, r, entry);
	if (r->delivered) {
		db_req_free(r);
		return;
	}
	if (db->ac == NULL) {
		db_deliver(r, NULL, "connection lost");
		db_req_free(r);
		return;
	}
	db_send(db, r);
}

/* Hand a request to hiredis, as EVALSHA when it is a script. */
static void
db_send(struct db *db, struct db_req *r)
{
	int	rc;

	rc = redisAsyncCommandArgv(db->ac, db_reply_cb, r, r->argc,
	    r->argv, r->lens);
	if (rc != REDIS_OK) {
		db_deliver(r, NULL, "connection lost");
		db_req_free(r);
		return;
	}
	TAILQ_INSERT_TAIL(&db->reqs, r, entry);
}

/* A reply (or NULL when the context went away) for one request. */
static void
db_reply_cb(redisAsyncContext *ac, void *rv, void *priv)
{
	struct db_req	*r = priv;
	struct db	*db = r->db;
	redisReply	*reply = rv;

	TAILQ_REMOVE(&db->reqs, r, entry);
	if (reply == NULL) {
		db_deliver(r, NULL, "connection lost");
		db_req_free(r);
		return;
	}
	if (reply->type == REDIS_REPLY_ERROR && !r->delivered) {
		if (r->script != NULL && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
			/* Redis restarted or flushed its scripts: send it all. */
			r->argv[0] = "EVAL";
			r->lens[0] = 4;
			r->argv[1] = r->script->source;	/* built in: lives on */
			r->lens[1] = strlen(r->script->source);
			if (db->ac == ac)
				db_send(db, r);
			else {
				db_deliver(r, NULL, "connection lost");
				db_req_free(r);
			}
			return;
		}
		if (strncmp(reply->str, "LOADING", 7) == 0) {
			if (r->retry == NULL)
				r->retry = evtimer_new(db->base, db_retry_cb, r);
			if (r->retry != NULL) {
				TAILQ_INSERT_TAIL(&db->retrying, r, entry);
				db_arm(r->retry, DB_LOADING_RETRY_MS);
				return;
			}
		}
	}
	db_deliver(r, reply, reply->type == REDIS_REPLY_ERROR ?
	    reply->str : NULL);
	db_req_free(r);
}

/*
 * Build a request with copies of its arguments (kept to send it again
 * after a failover or a NOSCRIPT), all in one block: the pointers, the
 * lengths, then each argument NUL-terminated.  An ingest has some forty
 * arguments, and one allocation instead of eighty showed in its profile.
 */
static struct db_req *
db_req_new(struct db *db, db_cb cb, void *arg, int argc, const char **argv,
    const size_t *lens)
{
	struct db_req	*r;
	size_t		 total, head, off;
	int		 i;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return NULL;
	r->db = db;
	r->cb = cb;
	r->arg = arg;
	r->argc = argc;
	head = (size_t)argc * (sizeof *r->argv + sizeof *r->lens);
	total = head;
	for (i = 0; i < argc; i++)
		total += (lens ? lens[i] : strlen(argv[i])) + 1;
	r->args = malloc(total > 0 ? total : 1);
	r->timer = evtimer_new(db->base, db_timeout_cb, r);
	if (r->args == NULL || r->timer == NULL) {
		db_req_free(r);
		return NULL;
	}
	r->argv = (const char **)(void *)r->args;
	r->lens = (size_t *)(void *)(r->args + (size_t)argc * sizeof *r->argv);
	off = head;
	for (i = 0; i < argc; i++) {
		r->lens[i] = lens ? lens[i] : strlen(argv[i]);
		memcpy(r->args + off, argv[i], r->lens[i]);
		r->args[off + r->lens[i]] = '\0';
		r->argv[i] = r->args + off;
		off += r->lens[i] + 1;
	}
	return r;
}

/* Queue a request on the current context with its deadline armed. */
static int
db_submit(struct db *db, struct db_req *r)
{
	db_arm(r->timer, db->cfg->timeout_ms);
	db_send(db, r);
	return 0;
}

/* Send a command given as an argument vector. */
int
db_commandv(struct db *db, db_cb cb, void *arg, int argc, const char **argv,
    const size_t *lens)
{
	struct db_req	*r;

	if (db->state != DB_READY || db->ac == NULL)
		return -1;
	if ((r = db_req_new(db, cb, arg, argc, argv, lens)) == NULL)
		return -1;
	return db_submit(db, r);
}

/* Send a command given as a format string (hiredis's %s and %b). */
int
db_command(struct db *db, db_cb cb, void *arg, const char *fmt, ...)
{
	va_list		 ap;
	char		*cmd = NULL;
	int		 len, rc;
	redisReader	*rd;
	void		*parsed = NULL;
	redisReply	*req;
	const char	**argv;
	size_t		*lens, i;

	if (db->state != DB_READY || db->ac == NULL)
		return -1;
	va_start(ap, fmt);
	len = redisvFormatCommand(&cmd, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -1;
	/* Parse the formatted command back into an argv we can keep. */
	if ((rd = redisReaderCreate()) == NULL) {
		free(cmd);
		return -1;
	}
	redisReaderFeed(rd, cmd, (size_t)len);
	rc = redisReaderGetReply(rd, &parsed);
	free(cmd);
	redisReaderFree(rd);
	req = parsed;
	if (rc != REDIS_OK || req == NULL || req->type != REDIS_REPLY_ARRAY) {
		if (req != NULL)
			freeReplyObject(req);
		return -1;
	}
	argv = calloc(req->elements, sizeof *argv);
	lens = calloc(req->elements, sizeof *lens);
	rc = -1;
	if (argv != NULL && lens != NULL) {
		for (i = 0; i < req->elements; i++) {
			argv[i] = req->element[i]->str;
			lens[i] = req->element[i]->len;
		}
		rc = db_commandv(db, cb, arg, (int)req->elements, argv, lens);
	}
	free(argv);
	free(lens);
	freeReplyObject(req);
	return rc;
}

/* Compute a script's SHA1 hex digest. */
void
db_script_init(struct db_script *s)
{
	unsigned char	md[SHA_DIGEST_LENGTH];

	SHA1((const unsigned char *)s->source, strlen(s->source), md);
	hex_encode(md, SHA_DIGEST_LENGTH, s->sha);
}

/* Run a script by SHA (re-sent in full on NOSCRIPT). */
int
db_eval(struct db *db, const struct db_script *s, db_cb cb, void *arg,
    int nkeys, int argc, const char **argv, const size_t *lens)
{
	const char	**av;
	size_t		 *lv;
	char		  nk[16];
	struct db_req	 *r;
	int		  i;

	if (db->state != DB_READY || db->ac == NULL)
		return -1;
	av = calloc((size_t)argc + 3, sizeof *av);
	lv = calloc((size_t)argc + 3, sizeof *lv);
	if (av == NULL || lv == NULL) {
		free(av);
		free(lv);
		return -1;
	}
	snprintf(nk, sizeof nk, "%d", nkeys);
	av[0] = "EVALSHA";
	av[1] = s->sha;
	av[2] = nk;
	for (i = 0; i < argc; i++) {
		av[i + 3] = argv[i];
		lv[i + 3] = lens ? lens[i] : strlen(argv[i]);
	}
	lv[0] = 7;
	lv[1] = 40;
	lv[2] = strlen(nk);
	r = db_req_new(db, cb, arg, argc + 3, av, lv);
	free(av);
	free(lv);
	if (r == NULL)
		return -1;
	r->script = s;
	return db_submit(db, r);
}

/* INFO cluster answered: is this node part of a Redis Cluster? */
static void
db_cluster_cb(struct db *db, redisReply *reply, const char *err, void *arg)
{
	/* An old server or a refused INFO: not a cluster. */
	db->cluster = reply != NULL && reply->type == REDIS_REPLY_STRING &&
	    reply->str != NULL &&
	    strstr(reply->str, "cluster_enabled:1") != NULL;
}

/* The handshake's last step: ready unless Redis is still loading. */
static void
db_probe_cb(struct db *db, redisReply *reply, const char *err, void *arg)
{
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		/* LOADING is retried inside db_reply_cb until the deadline. */
		if (db->ac != NULL)
			db_drop(db, err ? err : "handshake failed");
		return;
	}
	db->backoff_ms = DB_BACKOFF_MIN_MS;
	if (db->ever_ready) {
		db->reconnects++;
		metrics_inc("replyd_redis_reconnects_total", NULL);
	}
	db->ever_ready = 1;
	log_info("redis %s:%d: connected", db->cfg->host, db->cfg->port);
	db_set_state(db, DB_READY, NULL);
	db_health_cb(-1, 0, db);	/* learn Redis's clock at once */
}

/* A handshake step failed (AUTH, SELECT or ROLE). */
static void
db_step_cb(struct db *db, redisReply *reply, const char *err, void *arg)
{
	const char	*what = arg;
	char		 why[256];

	if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof why, "%s failed: %s", what,
		    err ? err : "no answer");
		db_drop(db, why);
		return;
	}
	if (strcmp(what, "ROLE") == 0 && (reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements < 1 || reply->element[0]->str == NULL ||
	    strcmp(reply->element[0]->str, "master") != 0))
		db_drop(db, "the server is not a master");
}

/* Queue an internal command (handshake, health) regardless of state. */
static void
db_internal(struct db *db, db_cb cb, void *arg, int argc, const char **argv)
{
	struct db_req	*r;

	if (db->ac == NULL ||
	    (r = db_req_new(db, cb, arg, argc, argv, NULL)) == NULL)
		return;
	r->internal = 1;
	db_submit(db, r);
}

/* hiredis: the TCP connection is up (or failed). */
static void
db_connected_cb(const redisAsyncContext *ac, int status)
{
	struct db	*db = ac->data;
	const char	*auth[] = { "AUTH", NULL };
	const char	*sel[] = { "SELECT", NULL };
	const char	*role[] = { "ROLE" };
	const char	*probe[] = { "EXISTS", "replyd:probe" };
	const char	*info[] = { "INFO", "cluster" };
	char		 dbn[16];

	if (db == NULL)
		return;
	if (ac == db->to_free) {
		/* A dropped context: hiredis frees it itself on failure;
		 * on success db_drop_cb frees it. */
		if (status != REDIS_OK)
			db->to_free = NULL;
		return;
	}
	if (ac != db->ac)
		return;
	evtimer_del(db->connect_timer);
	if (status != REDIS_OK) {
		/* hiredis frees this context itself after we return. */
		if (db->ac == ac) {
			db->ac = NULL;
			db_set_state(db, DB_DOWN, ac->errstr);
			log_debug("redis %s:%d: %s", db->cfg->host,
			    db->cfg->port, ac->errstr);
			db_arm(db->reconnect_ev, db->backoff_ms);
		}
		return;
	}
	if (db->cfg->password != NULL) {
		auth[1] = db->cfg->password;
		db_internal(db, db_step_cb, "AUTH", 2, auth);
	}
	if (db->cfg->db != 0) {
		snprintf(dbn, sizeof dbn, "%d", db->cfg->db);
		sel[1] = dbn;
		db_internal(db, db_step_cb, "SELECT", 2, sel);
	}
	if (db->cfg->nsentinels > 0)
		db_internal(db, db_step_cb, "ROLE", 1, role);
	db_internal(db, db_cluster_cb, NULL, 2, info);
	/* Refused with LOADING while Redis reads its AOF: retried. */
	db_internal(db, db_probe_cb, NULL, 2, probe);
}

/* hiredis: the connection was lost (this context is freed after return). */
static void
db_disconnected_cb(const redisAsyncContext *ac, int status)
{
	struct db	*db = ac->data;

	if (db == NULL)
		return;
	if (ac == db->to_free) {
		/* A dropped context being freed (by us or by hiredis). */
		db->to_free = NULL;
		return;
	}
	if (db->ac != ac)
		return;
	db->ac = NULL;
	log_warnx("redis %s:%d: connection lost%s%s", db->cfg->host,
	    db->cfg->port, ac->errstr[0] ? ": " : "", ac->errstr);
	db_set_state(db, DB_DOWN, "connection lost");
	db_arm(db->reconnect_ev, db->backoff_ms);
}

/* The TCP connect took too long. */
static void
db_connect_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db	*db = arg;

	if (db->state == DB_CONNECTING && db->ac != NULL)
		db_drop(db, "connect timed out");
}

/* Open a fresh context to host:port. */
static void
db_open(struct db *db, const char *host, int port)
{
	redisAsyncContext	*ac;

	db_set_state(db, DB_CONNECTING, "connecting");
	ac = redisAsyncConnect(host, port);
	if (ac == NULL || ac->err) {
		log_debug("redis %s:%d: %s", host, port,
		    ac ? ac->errstr : "out of memory");
		if (ac != NULL)
			redisAsyncFree(ac);
		db_set_state(db, DB_DOWN, "cannot connect");
		db_arm(db->reconnect_ev, db->backoff_ms);
		return;
	}
	ac->data = db;
	redisLibeventAttach(ac, db->base);
	redisAsyncSetConnectCallback(ac, db_connected_cb);
	redisAsyncSetDisconnectCallback(ac, db_disconnected_cb);
	db->ac = ac;
	db_arm(db->connect_timer, db->cfg->timeout_ms);
}

/* A sentinel answered SENTINEL get-master-addr-by-name. */
static void
db_sentinel_cb(redisAsyncContext *ac, void *rv, void *priv)
{
	struct db	*db = priv;
	redisReply	*r = rv;
	char		 host[256];
	int		 port = 0;

	if (db->sentinel != ac)
		return;
	db->sentinel = NULL;
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->str != NULL && r->element[1]->str != NULL) {
		snprintf(host, sizeof host, "%s", r->element[0]->str);
		port = atoi(r->element[1]->str);
	}
	/* Disconnecting from inside a callback is allowed; freeing is not. */
	redisAsyncDisconnect(ac);
	if (port <= 0) {
		db->sentinel_next++;
		db_set_state(db, DB_DOWN, "no sentinel named a master");
		db_arm(db->reconnect_ev, db->backoff_ms);
		return;
	}
	log_debug("sentinel names master %s at %s:%d", db->cfg->master, host,
	    port);
	db_open(db, host, port);
}

/* Ask the next sentinel where the master is. */
static void
db_ask_sentinel(struct db *db)
{
	const char		*s = db->cfg->sentinels[db->sentinel_next %
				    db->cfg->nsentinels];
	char			 host[256];
	const char		*colon = strrchr(s, ':');
	redisAsyncContext	*ac;

	snprintf(host, sizeof host, "%.*s", (int)(colon - s), s);
	db_set_state(db, DB_CONNECTING, "asking sentinels for the master");
	ac = redisAsyncConnect(host, atoi(colon + 1));
	if (ac == NULL || ac->err) {
		if (ac != NULL)
			redisAsyncFree(ac);
		db->sentinel_next++;
		db_arm(db->reconnect_ev, db->backoff_ms);
		return;
	}
	redisLibeventAttach(ac, db->base);
	db->sentinel = ac;
	if (redisAsyncCommand(ac, db_sentinel_cb, db,
	    "SENTINEL get-master-addr-by-name %s", db->cfg->master) !=
	    REDIS_OK) {
		db->sentinel = NULL;
		redisAsyncFree(ac);
		db->sentinel_next++;
		db_arm(db->reconnect_ev, db->backoff_ms);
		return;
	}
	db_arm(db->connect_timer, db->cfg->timeout_ms);
}

/* Start a connection attempt (directly or through the sentinels). */
static void
db_connect(struct db *db)
{
	if (db->ac != NULL || db->sentinel != NULL)
		return;
	if (db->cfg->nsentinels > 0)
		db_ask_sentinel(db);
	else
		db_open(db, db->cfg->host, db->cfg->port);
}

/* Back-off timer: try again, doubling the wait with jitter. */
static void
db_reconnect_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db	*db = arg;

	redisAsyncContext	*ac;

	if ((ac = db->sentinel) != NULL) {
		/* A sentinel that did not answer in time. */
		db->sentinel = NULL;
		db->sentinel_next++;
		redisAsyncFree(ac);
	}
	db->backoff_ms = db->backoff_ms * 2 + (int)(random() % 100);
	if (db->backoff_ms > DB_BACKOFF_MAX_MS)
		db->backoff_ms = DB_BACKOFF_MAX_MS;
	db_connect(db);
}

/* Our wall clock in milliseconds. */
static int64_t
db_local_ms(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The health check's answer: TIME, which also corrects our clock. */
static void
db_health_reply_cb(struct db *db, redisReply *reply, const char *err,
    void *arg)
{
	int64_t	redis_ms;

	db->health_pending = 0;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != 2 || reply->element[0]->str == NULL ||
	    reply->element[1]->str == NULL)
		return;
	redis_ms = strtoll(reply->element[0]->str, NULL, 10) * 1000 +
	    strtoll(reply->element[1]->str, NULL, 10) / 1000;
	db->offset_ms = redis_ms - db_local_ms();
}

/* The time now by Redis's clock (our clock corrected by TIME). */
int64_t
db_time_ms(const struct db *db)
{
	return db_local_ms() + db->offset_ms;
}

/* Once a second: PING, so a dead link is found even when idle. */
static void
db_health_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db	*db = arg;
	const char	*tcmd[] = { "TIME" };

	if (db->state == DB_READY && !db->health_pending) {
		db->health_pending = 1;
		db_internal(db, db_health_reply_cb, NULL, 1, tcmd);
	}
	db_arm(db->health_ev, DB_HEALTH_MS);
}

/* The sentinel lookup or connect timer fired. */
static void
db_connect_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db	*db = arg;

	if (db->sentinel != NULL) {
		db_set_state(db, DB_DOWN, "sentinel did not answer");
		db_arm(db->reconnect_ev, 0);
		return;
	}
	db_connect_timeout_cb(fd, ev, arg);
}

/* Create the connection manager and start connecting. */
struct db *
db_new(struct event_base *base, const struct config_redis *cfg)
{
	struct db	*db;

	if ((db = calloc(1, sizeof *db)) == NULL)
		return NULL;
	db->base = base;
	if (config_redis_copy(&db->own, cfg) == -1) {
		free(db);
		return NULL;
	}
	db->cfg = &db->own;
	db->backoff_ms = DB_BACKOFF_MIN_MS;
	TAILQ_INIT(&db->reqs);
	TAILQ_INIT(&db->retrying);
	snprintf(db->status, sizeof db->status, "not connected yet");
	db->reconnect_ev = evtimer_new(base, db_reconnect_cb, db);
	db->health_ev = evtimer_new(base, db_health_cb, db);
	db->drop_ev = event_new(base, -1, 0, db_drop_cb, db);
	db->connect_timer = evtimer_new(base, db_connect_timer_cb, db);
	metrics_define("replyd_redis_reconnects_total", METRICS_COUNTER,
	    "Times the Redis connection was re-established after a loss.");
	db_connect(db);
	db_arm(db->health_ev, DB_HEALTH_MS);
	return db;
}

/* Close the connection; pending commands are answered "connection lost". */
void
db_free(struct db *db)
{
	redisAsyncContext	*ac;
	struct db_req		*r;

	if (db == NULL)
		return;
	db->state_cb = NULL;
	if (db->to_free != NULL) {
		ac = db->to_free;
		db->to_free = NULL;
		redisAsyncFree(ac);
	}
	if ((ac = db->ac) != NULL) {
		db->ac = NULL;
		redisAsyncFree(ac);
	}
	if ((ac = db->sentinel) != NULL) {
		db->sentinel = NULL;
		redisAsyncFree(ac);
	}
	/* Commands waiting to be sent again are answered as the others. */
	while ((r = TAILQ_FIRST(&db->retrying)) != NULL) {
		TAILQ_REMOVE(&db->retrying, r, entry);
		db_deliver(r, NULL, "connection lost");
		db_req_free(r);
	}
	event_free(db->reconnect_ev);
	event_free(db->health_ev);
	event_free(db->drop_ev);
	event_free(db->connect_timer);
	config_redis_clear(&db->own);
	free(db);
}

/* Set the readiness callback. */
void
db_set_state_cb(struct db *db, db_state_cb cb, void *arg)
{
	db->state_cb = cb;
	db->state_arg = arg;
}

/* Whether commands can be sent. */
int
db_ready(const struct db *db)
{
	return db->state == DB_READY;
}

/* Why not ready. */
const char *
db_status(const struct db *db)
{
	return db->state == DB_READY ? NULL : db->status;
}

/* Reconnections after a loss. */
unsigned long
db_reconnects(const struct db *db)
{
	return db->reconnects;
}

/* Whether the server is a Redis Cluster node (known once ready). */
int
db_cluster(const struct db *db)
{
	return db->cluster;
}
