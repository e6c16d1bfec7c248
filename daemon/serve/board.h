/*
 * board.h: the team duty board (SPEC §16): who is on duty now, what is
 * overdue, due soon and taken, for a person (GET /board, /board/{team})
 * and for a wall screen that cannot sign in (GET /board/{team}/wall,
 * which fetches GET /v1/teams/{team}/board with a service token read from
 * the page's #fragment).  Bounded: each list shows its count and its
 * first BOARD_SHOW conversations, soonest first.
 *
 * The home page (serve/home.c) lists conversations the same way; the
 * helpers below are what the two share.
 */
#ifndef BOARD_H
#define BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "serve/api.h"

struct store_open;
struct template_node;

#define BOARD_SHOW	25	/* conversations shown per list */
#define BOARD_SOON_S	3600	/* due soon: within 1 working hour */

extern const struct api_module board_pages;

/* A person's name for a page (their id when they have none). */
const char *board_name(const struct config *, const char *person);

/* Whether someone has taken an open conversation now. */
int	board_taken(const struct store_open *, int64_t now_ms);

/* One conversation as a list item: id, urgent, due (words), due_overdue,
 * deadline (absolute) and deadline_iso, worker_text, taken_text. */
void	board_item(struct template_node *list, const struct config *,
	    const struct store_open *, int64_t now_ms);

/* n with thousands separators ("9,975"). */
void	board_count(size_t n, char *buf, size_t len);

#endif
