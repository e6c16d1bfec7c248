/*
 * server.c: the daemon's life cycle and its health endpoints.  Owns the
 * event base, the Redis connection and the HTTP server; feature modules
 * (webhooks, API, escalation) hang off struct server.  Must never block:
 * everything here runs on the event loop.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>
#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "api.h"
#include "db.h"
#include "escalate.h"
#include "reply.h"
#include "send.h"
#include "fetch.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "plugin.h"
#include "server.h"
#include "store.h"
#include "timeutil.h"
#include "webhook.h"

#define SERVER_DRAIN_TICK_MS	50
#define SERVER_CALENDAR_CHECK_S	3600

/* Tell systemd something (no-op when not under systemd). */
void
server_notify(const char *state)
{
	sd_notify(0, state);
}

/* The time by Redis's clock, in milliseconds. */
int64_t
server_time_ms(const struct server *srv)
{
	struct timespec	ts;

	if (srv != NULL && srv->db != NULL)
		return db_time_ms(srv->db);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The time by Redis's clock, in seconds. */
int64_t
server_time(const struct server *srv)
{
	return server_time_ms(srv) / 1000;
}

/* After a message opened or joined a conversation. */
void
server_after_ingest(struct server *srv, const struct store_ingested *res,
    const char *address, const char *channel)
{
	reply_receipt(srv, res, address, channel);
	escalate_after_ingest(srv, res);
}

/* Seconds on the monotonic clock. */
static double
server_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Check every calendar's bank-holiday data and warn before it runs out. */
static void
server_check_calendars(struct server *srv)
{
	const struct config	*cfg = srv->cfg;
	const struct calendar	*cal;
	int64_t			 now = (int64_t)time(NULL);
	size_t			 i, off = 0;
	int			 expiring = 0, w;
	char			 end[16];

	srv->calendar_warning[0] = '\0';
	for (i = 0; i <= cfg->nteams; i++) {
		cal = i < cfg->nteams ? cfg->teams[i].calendar :
		    cfg->promise.calendar;
		if (cal == NULL || !calendar_data_expiring(cal, now))
			continue;
		/* Several teams may share a calendar: name it once. */
		if (strstr(srv->calendar_warning, calendar_name(cal)) != NULL)
			continue;
		expiring++;
		timeutil_format_date(calendar_data_end(cal), end, sizeof end);
		w = snprintf(srv->calendar_warning + off,
		    sizeof srv->calendar_warning - off,
		    "%scalendar \"%s\": bank-holiday data ends on %s; "
		    "update the feed", off ? "; " : "", calendar_name(cal),
		    end);
		if (w > 0 && (size_t)w < sizeof srv->calendar_warning - off)
			off += (size_t)w;
	}
	metrics_set("replyd_calendar_data_expiring", NULL, expiring);
	if (expiring)
		log_warnx("%s", srv->calendar_warning);
}

/* Hourly: re-check calendar data expiry. */
static void
server_calendar_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct server	*srv = arg;
	struct timeval	 tv = { SERVER_CALENDAR_CHECK_S, 0 };

	server_check_calendars(srv);
	evtimer_add(srv->calendar_ev, &tv);
}

/* GET /healthz: the process is alive and its loop turns. */
static void
server_healthz(struct http_req *req, void *arg)
{
	http_reply(req, 200, "application/json", "{\"status\":\"ok\"}", 15);
}

/* GET /readyz: Redis reachable and calendars valid. */
static void
server_readyz(struct http_req *req, void *arg)
{
	struct server	*srv = arg;
	cJSON		*j;
	const char	*why;

	if (srv->draining) {
		http_error(req, 503, "not ready", "shutting down");
		return;
	}
	if ((why = db_status(srv->db)) != NULL) {
		http_error(req, 503, "not ready", "redis: %s", why);
		return;
	}
	if ((j = cJSON_CreateObject()) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	cJSON_AddStringToObject(j, "status", "ready");
	if (srv->calendar_warning[0] != '\0')
		cJSON_AddStringToObject(j, "warning", srv->calendar_warning);
	http_reply_json(req, 200, j);
}

struct server_scrape {
	struct server	*srv;
	struct http_req	*req;
	int		 pending;
	double		 in_time, late, overdue;
};

/* Render and answer once every partition has answered. */
static void
server_scrape_release(struct server_scrape *sc)
{
	char	*text;

	if (--sc->pending > 0)
		return;
	metrics_set("replyd_responses_in_time", NULL, sc->in_time);
	metrics_set("replyd_responses_late", NULL, sc->late);
	metrics_set("replyd_conversations_overdue", NULL, sc->overdue);
	metrics_set("replyd_redis_up", NULL, db_ready(sc->srv->db));
	if ((text = metrics_render()) == NULL)
		http_unavailable(sc->req, "out of memory");
	else
		http_reply(sc->req, 200, "text/plain; version=0.0.4", text,
		    strlen(text));
	free(text);
	free(sc);
}

/* One partition's response counts. */
static void
server_scrape_stats(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct server_scrape	*sc = arg;

	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
		if (r->element[0]->str != NULL)
			sc->in_time += atof(r->element[0]->str);
		if (r->element[1]->str != NULL)
			sc->late += atof(r->element[1]->str);
	}
	server_scrape_release(sc);
}

/* One partition's overdue count. */
static void
server_scrape_overdue(struct db *db, redisReply *r, const char *err,
    void *arg)
{
	struct server_scrape	*sc = arg;

	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		sc->overdue += (double)r->integer;
	server_scrape_release(sc);
}

/*
 * GET /metrics: Prometheus text format.  Counts that are facts about all
 * instances (responses in time, overdue now) are read from Redis, so every
 * instance reports the same; the rest are this process's own.
 */
static void
server_metrics(struct http_req *req, void *arg)
{
	struct server		*srv = arg;
	struct server_scrape	*sc;
	int			 p;

	if ((sc = calloc(1, sizeof *sc)) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	sc->srv = srv;
	sc->req = req;
	sc->pending = 1;
	for (p = 0; p < STORE_PARTITIONS && db_ready(srv->db); p++) {
		if (db_command(srv->db, server_scrape_stats, sc,
		    "HMGET rd:{%d}:stats in_time late", p) == 0)
			sc->pending++;
		if (db_command(srv->db, server_scrape_overdue, sc,
		    "ZCOUNT rd:{%d}:aw -inf %lld", p,
		    (long long)server_time_ms(srv)) == 0)
			sc->pending++;
	}
	server_scrape_release(sc);
}

/* Redis became ready or stopped being ready. */
static void
server_db_state(struct db *db, int ready, void *arg)
{
	struct server	*srv = arg;

	if (ready && !srv->ready_sent && !srv->draining) {
		srv->ready_sent = 1;
		log_info("ready on %s:%d", srv->cfg->listen_host,
		    http_port(srv->http));
		server_notify("READY=1");
	}
	if (ready)
		escalate_ready(srv);
	if (!ready)
		log_warnx("redis unavailable: webhooks and the API answer 503 "
		    "until it is back");
}

/* Tell systemd's watchdog we are alive. */
static void
server_watchdog_cb(evutil_socket_t fd, short ev, void *arg)
{
	server_notify("WATCHDOG=1");
}

/* While draining: exit once nothing is in flight, or at the deadline. */
static void
server_drain_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct server	*srv = arg;
	struct timeval	 tv = { 0, SERVER_DRAIN_TICK_MS * 1000 };
	int		 busy = http_inflight(srv->http) +
			    fetch_inflight(srv->fetch) + send_inflight() +
			    escalate_inflight(srv);

	if (busy == 0 || server_now() >= srv->drain_deadline) {
		if (busy > 0)
			log_warnx("drain timeout: %d requests or sends "
			    "unfinished", busy);
		event_base_loopexit(srv->base, NULL);
		return;
	}
	evtimer_add(srv->drain_ev, &tv);
}

/* Stop accepting; exit when in-flight work is done. */
void
server_drain(struct server *srv)
{
	if (srv->draining)
		return;
	srv->draining = 1;
	log_info("stopping: draining in-flight requests (up to %ds)",
	    srv->cfg->drain_timeout);
	server_notify("STOPPING=1");
	http_stop_accepting(srv->http);
	srv->drain_deadline = server_now() + srv->cfg->drain_timeout;
	server_drain_cb(-1, 0, srv);
}

/* Reload: build a complete new configuration; swap only if valid. */
void
server_reload(struct server *srv)
{
	struct config		*cfg, **retired;
	struct jerrs		 errs = { 0 };
	struct http_limits	 hl;
	size_t			 i;

	server_notify("RELOADING=1");
	cfg = config_load(srv->config_path, &errs);
	if (cfg != NULL)
		server_check_plugins(cfg, &errs);
	if (cfg == NULL || errs.n > 0) {
		for (i = 0; i < errs.n; i++)
			log_error("%s", errs.msg[i]);
		log_error("reload refused: %zu errors; keeping the running "
		    "configuration", errs.n);
		jerrs_clear(&errs);
		config_free(cfg);
		server_notify("READY=1");
		return;
	}
	if (strcmp(cfg->listen_host, srv->cfg->listen_host) != 0 ||
	    cfg->listen_port != srv->cfg->listen_port)
		log_warnx("reload: a new listen address takes effect only "
		    "after a restart");
	if (strcmp(cfg->redis.host, srv->cfg->redis.host) != 0 ||
	    cfg->redis.port != srv->cfg->redis.port)
		log_warnx("reload: new redis settings take effect only after "
		    "a restart");
	/*
	 * Requests in flight may still point into the old configuration, so
	 * it is retired rather than freed; the Redis connection keeps the
	 * settings it was started with.
	 */
	retired = realloc(srv->retired, (size_t)(srv->nretired + 1) *
	    sizeof *retired);
	if (retired == NULL) {
		log_error("reload refused: out of memory");
		config_free(cfg);
		return;
	}
	srv->retired = retired;
	srv->retired[srv->nretired++] = cfg;
	/* Swap contents so pointers to srv->cfg stay valid. */
	{
		struct config tmp = *srv->cfg;

		*srv->cfg = *cfg;
		*cfg = tmp;
		/* The connection manager keeps its original redis settings. */
		tmp.redis = srv->cfg->redis;
		srv->cfg->redis = cfg->redis;
		cfg->redis = tmp.redis;
	}
	hl.max_body = srv->cfg->limits.sms_body;
	hl.max_headers = srv->cfg->limits.headers;
	hl.read_timeout = srv->cfg->limits.read_timeout;
	http_set_limits(srv->http, &hl);
	server_check_calendars(srv);
	log_info("configuration reloaded from %s", srv->config_path);
	server_notify("READY=1");
}

/* Signal handlers run on the loop, so they may do real work. */
static void
server_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct server	*srv = arg;

	if (sig == SIGHUP)
		server_reload(srv);
	else
		server_drain(srv);
}

/* Start the daemon from a loaded configuration. */
int
server_start(struct server *srv, struct config *cfg, const char *path)
{
	struct http_limits	hl;
	uint64_t		usec;
	struct timeval		tv;

	srv->cfg = cfg;
	srv->config_path = strdup(path);
	signal(SIGPIPE, SIG_IGN);
	if ((srv->base = event_base_new()) == NULL) {
		log_error("cannot create the event loop");
		return -1;
	}
	metrics_define("replyd_redis_up", METRICS_GAUGE,
	    "1 while the Redis connection is ready.");
	metrics_define("replyd_calendar_data_expiring", METRICS_GAUGE,
	    "Calendars whose bank-holiday data runs out within 90 days.");
	metrics_define("replyd_webhook_rejections_total", METRICS_COUNTER,
	    "Webhook requests refused, by reason.");
	metrics_define("replyd_responses_in_time", METRICS_GAUGE,
	    "Conversations answered within the promise (all instances).");
	metrics_define("replyd_responses_late", METRICS_GAUGE,
	    "Conversations answered after their deadline (all instances).");
	metrics_define("replyd_conversations_overdue", METRICS_GAUGE,
	    "Conversations past their deadline with no response, now.");
	hl.max_body = cfg->limits.sms_body;
	hl.max_headers = cfg->limits.headers;
	hl.read_timeout = cfg->limits.read_timeout;
	if ((srv->http = http_new(srv->base, &hl)) == NULL) {
		log_error("cannot create the HTTP server");
		return -1;
	}
	http_route(srv->http, HTTP_GET, "/healthz", 0, 0, server_healthz, srv);
	http_route(srv->http, HTTP_GET, "/readyz", 0, 0, server_readyz, srv);
	http_route(srv->http, HTTP_GET, "/metrics", 0, 0, server_metrics, srv);
	if ((srv->fetch = fetch_new(srv->base)) == NULL) {
		log_error("cannot start libcurl");
		return -1;
	}
	{
		struct jerrs errs = { 0 };
		size_t i;

		if (plugins_load(&srv->plugins, cfg, srv, &errs) == -1) {
			for (i = 0; i < errs.n; i++)
				log_error("%s", errs.msg[i]);
			jerrs_clear(&errs);
			return -1;
		}
	}
	store_init();
	webhook_routes(srv);
	api_routes(srv);
	if (http_listen(srv->http, cfg->listen_host, cfg->listen_port) == -1)
		return -1;
	log_info("listening on %s:%d", cfg->listen_host, http_port(srv->http));

	srv->sig_term = evsignal_new(srv->base, SIGTERM, server_signal_cb, srv);
	srv->sig_int = evsignal_new(srv->base, SIGINT, server_signal_cb, srv);
	srv->sig_hup = evsignal_new(srv->base, SIGHUP, server_signal_cb, srv);
	evsignal_add(srv->sig_term, NULL);
	evsignal_add(srv->sig_int, NULL);
	evsignal_add(srv->sig_hup, NULL);
	srv->drain_ev = evtimer_new(srv->base, server_drain_cb, srv);
	srv->calendar_ev = evtimer_new(srv->base, server_calendar_cb, srv);
	server_calendar_cb(-1, 0, srv);
	if (sd_watchdog_enabled(0, &usec) > 0) {
		srv->watchdog_ev = event_new(srv->base, -1, EV_PERSIST,
		    server_watchdog_cb, srv);
		tv.tv_sec = (time_t)(usec / 2 / 1000000);
		tv.tv_usec = (suseconds_t)(usec / 2 % 1000000);
		evtimer_add(srv->watchdog_ev, &tv);
	}

	if ((srv->db = db_new(srv->base, &cfg->redis)) == NULL) {
		log_error("cannot create the Redis connection");
		return -1;
	}
	db_set_state_cb(srv->db, server_db_state, srv);
	if (escalate_start(srv) == -1) {
		log_error("cannot start escalation");
		return -1;
	}
	return 0;
}

/* Run until drained. */
int
server_run(struct server *srv)
{
	event_base_dispatch(srv->base);
	log_info("stopped");
	return 0;
}

/* Free everything. */
void
server_free(struct server *srv)
{
	int	i;

	/*
	 * Order matters: callbacks still pending run while the objects they
	 * refer to exist, and see `closing` so they only clean up.
	 */
	srv->closing = 1;
	fetch_free(srv->fetch);
	srv->fetch = NULL;
	send_shutdown();
	db_free(srv->db);
	srv->db = NULL;
	escalate_free(srv);
	http_free(srv->http);
	webhook_free(srv);
	plugins_free(&srv->plugins);
	api_free(srv);
	if (srv->sig_term != NULL)
		event_free(srv->sig_term);
	if (srv->sig_int != NULL)
		event_free(srv->sig_int);
	if (srv->sig_hup != NULL)
		event_free(srv->sig_hup);
	if (srv->watchdog_ev != NULL)
		event_free(srv->watchdog_ev);
	if (srv->drain_ev != NULL)
		event_free(srv->drain_ev);
	if (srv->calendar_ev != NULL)
		event_free(srv->calendar_ev);
	if (srv->base != NULL)
		event_base_free(srv->base);
	for (i = 0; i < srv->nretired; i++)
		config_free(srv->retired[i]);
	free(srv->retired);
	config_free(srv->cfg);
	free(srv->config_path);
	metrics_reset();
}

/* Check that every plugin the configuration names can be found. */
int
server_check_plugins(struct config *cfg, struct jerrs *errs)
{
	return plugin_check(cfg, errs);
}
