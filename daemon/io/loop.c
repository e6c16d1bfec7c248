/*
 * loop.c: see loop.h.
 */
#include <event2/event.h>

#include "base/log.h"
#include "io/loop.h"

/* Route libevent's messages into our log at the matching priority. */
static void
loop_log_cb(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_at(7, "libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_at(6, "libevent: %s", msg);
		break;
	case EVENT_LOG_WARN:
		log_at(4, "libevent: %s", msg);
		break;
	default:
		log_at(3, "libevent: %s", msg);
		break;
	}
}

/* A new event base with libevent's log routed to ours. */
struct event_base *
loop_new(void)
{
	event_set_log_callback(loop_log_cb);
	return event_base_new();
}
