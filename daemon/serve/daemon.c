/*
 * daemon.c: the daemon's life cycle and its health endpoints.  Starts the
 * event base, the Redis connection, the HTTP server and every feature;
 * SIGHUP builds a new configuration generation and swaps it in only when
 * it is complete; SIGTERM drains.  This is the one module that knows every
 * feature (it registers them); no feature calls back into it.  Must never
 * block: everything here runs on the event loop.
 */
#include <sys/resource.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "base/log.h"
#include "base/metrics.h"
#include "base/timeutil.h"
#include "conf/config.h"
#include "io/db.h"
#include "io/fetch.h"
#include "io/http.h"
#include "io/loop.h"
#include "io/plugin.h"
#include "store/conv.h"
#include "store/store.h"
#include "serve/api.h"
#include "serve/backfill.h"
#include "serve/board.h"
#include "serve/contact-list.h"
#include "serve/calsync.h"
#include "serve/contacts.h"
#include "serve/conversations.h"
#include "serve/convpage.h"
#include "serve/daemon.h"
#include "serve/duty.h"
#include "serve/dutytext.h"
#include "serve/escalate.h"
#include "serve/gen.h"
#include "serve/home.h"
#include "serve/intake.h"
#include "serve/migrate.h"
#include "serve/pages.h"
#include "serve/oidc.h"
#include "serve/reply.h"
#include "serve/report.h"
#include "serve/report-pages.h"
#include "serve/contacts-pages.h"
#include "serve/rota.h"
#include "serve/send.h"
#include "serve/server.h"
#include "serve/signin.h"

#define DAEMON_DRAIN_TICK_MS	50
#define DAEMON_CALENDAR_CHECK_S	3600

/* Every staff API module, registered in this order. */
static const struct api_module *const daemon_api_modules[] = {
	&conversations_api,
	&contacts_api,
	&reply_api,
	&duty_api,
	&report_api,
	&contact_list_api,
	&signin_api,
	&oidc_api,
	&calsync_api,
	&convpage_pages,
	&report_pages,
	&contacts_pages,
	&rota_pages,
	&home_pages,
	&board_pages,
	NULL
};

/* Seconds on the monotonic clock. */
static double
daemon_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Check every calendar's bank-holiday data and warn before it runs out. */
static void
daemon_check_calendars(struct server *srv)
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
daemon_calendar_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct server	*srv = arg;
	struct timeval	 tv = { DAEMON_CALENDAR_CHECK_S, 0 };

	daemon_check_calendars(srv);
	evtimer_add(srv->calendar_ev, &tv);
}

/* GET /healthz: the process is alive and its loop turns. */
static void
daemon_healthz(struct http_req *req, void *arg)
{
	http_reply(req, 200, "application/json", "{\"status\":\"ok\"}", 15);
}

/* GET /readyz: Redis reachable and calendars valid. */
static void
daemon_readyz(struct http_req *req, void *arg)
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
	if (!calsync_loaded(srv)) {
		http_error(req, 503, "not ready", "calendars: reading the "
		    "unplanned closures and bank holidays every instance "
		    "shares");
		return;
	}
	if ((j = cJSON_CreateObject()) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	cJSON_AddStringToObject(j, "status", "ready");
	if (srv->calendar_warning[0] != '\0')
		cJSON_AddStringToObject(j, "warning", srv->calendar_warning);
	calsync_readyz(srv, j);
	http_reply_json(req, 200, j);
}

/* The counts every instance reports alike arrived: render and answer. */
static void
daemon_metrics_done(const struct store_stats *st, void *arg)
{
	struct http_req	*req = arg;
	struct server	*srv = http_req_data(req);
	char		*text;

	if (st != NULL) {
		metrics_set("replyd_responses_in_time", NULL, st->in_time);
		metrics_set("replyd_responses_late", NULL, st->late);
		metrics_set("replyd_conversations_overdue", NULL, st->overdue);
	}
	metrics_set("replyd_redis_up", NULL, db_ready(srv->db));
	metrics_set("replyd_config_generations", NULL, gen_alive());
	if ((text = metrics_render()) == NULL)
		http_unavailable(req, "out of memory");
	else
		http_reply(req, 200, "text/plain; version=0.0.4", text,
		    strlen(text));
	free(text);
}

/*
 * GET /metrics: Prometheus text format.  Counts that are facts about all
 * instances (responses in time, overdue now) are read from Redis, so every
 * instance reports the same; the rest are this process's own.
 */
static void
daemon_metrics(struct http_req *req, void *arg)
{
	struct server	*srv = arg;

	http_req_set_data(req, srv);
	if (!db_ready(srv->db) || store_stats(srv->db, server_time_ms(srv),
	    daemon_metrics_done, req) == -1)
		daemon_metrics_done(NULL, req);
}

/* Redis became ready or stopped being ready. */
static void
daemon_db_state(struct db *db, int ready, void *arg)
{
	struct server	*srv = arg;

	if (ready && !srv->ready_sent && !srv->draining) {
		srv->ready_sent = 1;
		log_info("ready on %s:%d", srv->cfg->listen_host,
		    http_port(srv->http));
		server_notify("READY=1");
	}
	if (ready) {
		escalate_ready(srv);
		/* Messages whose webhooks failed meanwhile (or before a
		 * start): the providers that keep them are asked. */
		backfill_start(srv);
		calsync_db_ready(srv);
		/* A store an older release wrote: converted meanwhile. */
		migrate_start(srv);
	}
	if (!ready)
		log_warnx("redis unavailable: webhooks and the API answer 503 "
		    "until it is back");
}

/* Tell systemd's watchdog we are alive. */
static void
daemon_watchdog_cb(evutil_socket_t fd, short ev, void *arg)
{
	server_notify("WATCHDOG=1");
}

/* While draining: exit once nothing is in flight, or at the deadline. */
static void
daemon_drain_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct server	*srv = arg;
	struct timeval	 tv = { 0, DAEMON_DRAIN_TICK_MS * 1000 };
	int		 busy = http_inflight(srv->http) +
			    fetch_inflight(srv->fetch) + send_inflight() +
			    escalate_inflight(srv);

	if (busy == 0 || daemon_now() >= srv->drain_deadline) {
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
daemon_drain(struct server *srv)
{
	if (srv->draining)
		return;
	srv->draining = 1;
	log_info("stopping: draining in-flight requests (up to %ds)",
	    srv->cfg->drain_timeout);
	server_notify("STOPPING=1");
	http_stop_accepting(srv->http);
	srv->drain_deadline = daemon_now() + srv->cfg->drain_timeout;
	daemon_drain_cb(-1, 0, srv);
}

/* The HTTP limits of a configuration. */
static void
daemon_limits(const struct config *cfg, struct http_limits *hl)
{
	hl->max_body = cfg->limits.sms_body;
	hl->max_headers = cfg->limits.headers;
	hl->read_timeout = cfg->limits.read_timeout;
	hl->max_connections = cfg->limits.max_connections;
	/* evhttp reads up to the largest limit; each route checks its own. */
	if (cfg->limits.email_body > hl->max_body)
		hl->max_big_body = cfg->limits.email_body;
	else
		hl->max_big_body = hl->max_body;
}

/* Make gen the current generation (taking over its reference). */
static void
daemon_swap(struct server *srv, struct gen *gen)
{
	struct gen	*old = srv->gen;

	srv->gen = gen;
	srv->cfg = gen->cfg;
	gen_unref(old);
}

/* An HTTP request pins the generation it arrived under. */
static void *
daemon_request_begin(void *arg)
{
	struct server	*srv = arg;

	return gen_ref(srv->gen);
}

static void
daemon_request_end(void *ctx, void *arg)
{
	gen_unref(ctx);
}

/* Say which settings only a restart applies. */
static void
daemon_restart_only(const struct config *old, const struct config *cfg)
{
	if (strcmp(cfg->listen_host, old->listen_host) != 0 ||
	    cfg->listen_port != old->listen_port)
		log_warnx("reload: the new listen address %s:%d takes effect "
		    "only after a restart", cfg->listen_host, cfg->listen_port);
	if (strcmp(cfg->redis.host, old->redis.host) != 0 ||
	    cfg->redis.port != old->redis.port || cfg->redis.db !=
	    old->redis.db || cfg->redis.nsentinels != old->redis.nsentinels ||
	    (cfg->redis.password == NULL) != (old->redis.password == NULL) ||
	    (cfg->redis.password != NULL &&
	    strcmp(cfg->redis.password, old->redis.password) != 0))
		log_warnx("reload: new redis settings take effect only after "
		    "a restart");
}

/* Reload: build a complete new generation; swap only if valid. */
void
daemon_reload(struct server *srv)
{
	struct config		*cfg;
	struct gen		*gen = NULL;
	struct jerrs		 errs = { 0 };
	struct http_limits	 hl;
	size_t			 i;

	server_notify("RELOADING=1");
	cfg = config_load(srv->config_path, &errs);
	if (cfg != NULL && errs.n == 0)
		gen = gen_new(cfg, &srv->plugin_env, srv->gen->number + 1,
		    &errs);
	else
		config_free(cfg);
	if (gen == NULL || errs.n > 0) {
		for (i = 0; i < errs.n; i++)
			log_error("%s", errs.msg[i]);
		log_error("reload refused: %zu errors; keeping the running "
		    "configuration", errs.n);
		jerrs_clear(&errs);
		gen_unref(gen);
		server_notify("READY=1");
		return;
	}
	daemon_restart_only(srv->cfg, gen->cfg);
	daemon_swap(srv, gen);
	calsync_reload(srv);
	daemon_limits(srv->cfg, &hl);
	http_set_limits(srv->http, &hl);
	daemon_check_calendars(srv);
	log_info("configuration reloaded from %s (generation %u)",
	    srv->config_path, srv->gen->number);
	server_notify("READY=1");
}

/* Signal handlers run on the loop, so they may do real work. */
static void
daemon_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct server	*srv = arg;

	if (sig == SIGHUP)
		daemon_reload(srv);
	else
		daemon_drain(srv);
}

/* Define the metrics the daemon itself keeps. */
static void
daemon_metrics_define(void)
{
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
	metrics_define("replyd_config_generations", METRICS_GAUGE,
	    "Configuration generations in memory (the current one and any "
	    "still used by requests or sends begun before a reload).");
}

/*
 * Raise the soft open-file limit to the hard one: each HTTP connection is
 * a descriptor, and the default soft limit (1024) is soon reached.  The
 * unit's system-call filter (~@resources) forbids setrlimit, so EPERM is
 * expected there; its LimitNOFILE= has set both limits already.
 */
static void
daemon_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit RLIMIT_NOFILE");
		return;
	}
	if (rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		log_debug("open-file limit raised to %llu",
		    (unsigned long long)rl.rlim_max);
	else if (errno == EPERM)
		log_debug("open-file limit not raised (setrlimit is not "
		    "allowed here: set LimitNOFILE= in the unit)");
	else
		log_warn("cannot raise the open-file limit to %llu",
		    (unsigned long long)rl.rlim_max);
}

/* Start the daemon from a loaded configuration (taken over). */
int
daemon_start(struct server *srv, struct config *cfg, const char *path)
{
	struct http_limits		 hl;
	struct jerrs			 errs = { 0 };
	const struct api_module *const	*m;
	uint64_t			 usec;
	struct timeval			 tv;
	size_t				 i;

	srv->config_path = strdup(path);
	signal(SIGPIPE, SIG_IGN);
	if ((srv->base = loop_new()) == NULL) {
		log_error("cannot create the event loop");
		config_free(cfg);
		return -1;
	}
	daemon_metrics_define();
	daemon_raise_nofile();
	daemon_limits(cfg, &hl);
	if ((srv->http = http_new(srv->base, &hl)) == NULL) {
		log_error("cannot create the HTTP server");
		config_free(cfg);
		return -1;
	}
	http_set_hooks(srv->http, daemon_request_begin, daemon_request_end,
	    srv);
	if ((srv->fetch = fetch_new(srv->base)) == NULL) {
		log_error("cannot start libcurl");
		config_free(cfg);
		return -1;
	}
	intake_env(srv, &srv->plugin_env);
	pages_env(srv, &srv->plugin_env);
	if ((srv->gen = gen_new(cfg, &srv->plugin_env, 1, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			log_error("%s", errs.msg[i]);
		jerrs_clear(&errs);
		return -1;
	}
	srv->cfg = srv->gen->cfg;
	http_route(srv->http, HTTP_GET, "/healthz", 0, 0, daemon_healthz, srv);
	http_route(srv->http, HTTP_GET, "/readyz", 0, 0, daemon_readyz, srv);
	http_route(srv->http, HTTP_GET, "/metrics", 0, 0, daemon_metrics, srv);
	if (store_init() == -1 || pages_start(srv) == -1)
		return -1;
	intake_routes(srv);
	dutytext_init();
	backfill_init();
	for (m = daemon_api_modules; *m != NULL; m++)
		api_register(srv, *m);
	pages_routes(srv);	/* last: plugins' pages take what is left */
	if (http_listen(srv->http, cfg->listen_host, cfg->listen_port) == -1)
		return -1;
	log_info("listening on %s:%d", cfg->listen_host, http_port(srv->http));

	srv->sig_term = evsignal_new(srv->base, SIGTERM, daemon_signal_cb, srv);
	srv->sig_int = evsignal_new(srv->base, SIGINT, daemon_signal_cb, srv);
	srv->sig_hup = evsignal_new(srv->base, SIGHUP, daemon_signal_cb, srv);
	evsignal_add(srv->sig_term, NULL);
	evsignal_add(srv->sig_int, NULL);
	evsignal_add(srv->sig_hup, NULL);
	srv->drain_ev = evtimer_new(srv->base, daemon_drain_cb, srv);
	srv->calendar_ev = evtimer_new(srv->base, daemon_calendar_cb, srv);
	daemon_calendar_cb(-1, 0, srv);
	if (sd_watchdog_enabled(0, &usec) > 0) {
		srv->watchdog_ev = event_new(srv->base, -1, EV_PERSIST,
		    daemon_watchdog_cb, srv);
		tv.tv_sec = (time_t)(usec / 2 / 1000000);
		tv.tv_usec = (suseconds_t)(usec / 2 % 1000000);
		evtimer_add(srv->watchdog_ev, &tv);
	}

	if ((srv->db = db_new(srv->base, &srv->cfg->redis)) == NULL) {
		log_error("cannot create the Redis connection");
		return -1;
	}
	db_set_state_cb(srv->db, daemon_db_state, srv);
	if (escalate_start(srv) == -1) {
		log_error("cannot start escalation");
		return -1;
	}
	if (calsync_start(srv, daemon_check_calendars) == -1) {
		log_error("cannot start keeping calendars in step");
		return -1;
	}
	return 0;
}

/* Run until drained. */
int
daemon_run(struct server *srv)
{
	event_base_dispatch(srv->base);
	log_info("stopped");
	return 0;
}

/* Free everything. */
void
daemon_free(struct server *srv)
{
	/*
	 * Order matters: callbacks still pending run while the objects they
	 * refer to exist, and see `closing` so they only clean up.
	 */
	srv->closing = 1;
	fetch_free(srv->fetch);
	srv->fetch = NULL;
	oidc_free();
	send_shutdown();
	db_free(srv->db);
	srv->db = NULL;
	backfill_free();
	migrate_free();
	calsync_free(srv);
	escalate_free(srv);
	http_free(srv->http);
	srv->http = NULL;
	api_free(srv);
	pages_free();
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
	gen_unref(srv->gen);
	srv->gen = NULL;
	srv->cfg = NULL;
	if (gen_alive() > 0)
		log_warnx("%d configuration generations still referenced at "
		    "exit", gen_alive());
	if (srv->base != NULL)
		event_base_free(srv->base);
	free(srv->config_path);
	metrics_reset();
}

/* Warn about a configuration that cannot do the job. */
size_t
daemon_check_reach(struct config *cfg, struct jerrs *warnings)
{
	struct plugin_reach	 r;
	struct jerrs		 ignore = { 0 };
	size_t			 n = 0;

	/* Load errors are daemon_check_plugins's to report. */
	plugin_check_reach(cfg, &ignore, &r);
	jerrs_clear(&ignore);
	if (r.webhooks == 0) {
		jerr_add(warnings, cfg->path, 0, 0, "no channel can receive "
		    "messages: replyd can never receive one; enable an inbound "
		    "channel under \"channels\" (twilio, notify, mailgun, "
		    "sendgrid, postmark)");
		n++;
	}
	if (!r.alert_sms && !r.alert_email && r.notifiers == 0) {
		jerr_add(warnings, cfg->path, 0, 0, "nobody can be alerted: "
		    "\"alerts\" names no channel that can send and there is "
		    "no notifier, so escalations reach no one; set alerts.sms "
		    "or alerts.email to a channel that sends");
		n++;
	}
	return n;
}

/* Check that every plugin the configuration names can be loaded. */
int
daemon_check_plugins(struct config *cfg, struct jerrs *errs)
{
	return plugin_check(cfg, errs);
}
