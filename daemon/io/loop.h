/*
 * loop.h: the event loop.  One libevent base per process, with libevent's
 * own messages routed into replyd's log (as tmux does).
 */
#ifndef LOOP_H
#define LOOP_H

struct event_base;

/* A new event base; NULL on failure. */
struct event_base	*loop_new(void);

#endif
