/*
 * openlist.h: every open (awaiting) conversation, the few facts of each
 * that the staff pages' lists need (docs/data-model.md): its team, worker,
 * deadline, who has taken it and until when.  Never a message's text, an
 * address or a contact's name: the lists say who and when, not what.
 *
 * One read walks every partition's awaiting index (rd:{P}:aw, by
 * deadline) and reads those fields of each record with HMGET: its cost
 * grows with the number of open conversations, so callers share one read
 * among many pages (serve/openset.h) instead of reading per request.
 * What comes back is handed over: the callback owns it.
 */
#ifndef STORE_OPENLIST_H
#define STORE_OPENLIST_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* One open conversation.  Strings are "" when absent and live as long as
 * the list that holds them. */
struct store_open {
	char		 id[32];
	const char	*team;
	const char	*worker;	/* the contact's allocated worker */
	const char	*ack_by;	/* who took it (maybe expired) */
	char		 channel[16];
	int64_t		 received_ms;
	int64_t		 deadline_ms;
	int64_t		 ack_until_ms;	/* 0 when never taken */
	int		 urgent;
};

/* The open conversations, soonest deadline first. */
struct store_openlist {
	struct store_open	*rows;
	size_t			 n;
	char			*pool;		/* the rows' strings */
	size_t			 pool_len;
	size_t			 pool_cap;
};

/* list is NULL when any partition could not be read; otherwise the
 * callback owns it and frees it with store_openlist_free. */
typedef void (*store_openlist_cb)(struct store_openlist *, void *arg);

/* Read every open conversation; -1 (no callback) when Redis is not
 * ready. */
int	store_openlist_read(struct db *, store_openlist_cb, void *);
void	store_openlist_free(struct store_openlist *);

#endif
