/*
 * server.c: see server.h.  The time comes from Redis (db.c keeps it by a
 * TIME once a second) so that instances with skewed clocks agree.
 */
#include <time.h>

#include <systemd/sd-daemon.h>

#include "io/db.h"
#include "serve/server.h"

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
