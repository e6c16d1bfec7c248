/*
 * cursor.h: the opaque cursors of paged lists (SPEC §9).  A cursor names
 * the last entry a page handed out, by the list's sort key and its id, so
 * the next page starts right after it however many entries arrive or leave
 * meanwhile (an offset would skip or repeat).  The text is hex with a
 * checksum: not a secret (any well-formed cursor only names a place in a
 * list the caller may read anyway), but a hand-made or damaged one is
 * refused rather than guessed at.
 */
#ifndef BASE_CURSOR_H
#define BASE_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#define CURSOR_ID_MAX	128		/* longest id, NUL included */
#define CURSOR_BUFSIZE	(2 * (24 + CURSOR_ID_MAX + 24) + 1)

struct cursor {
	char	 kind;			/* which list it belongs to */
	int64_t	 key;			/* the sort key of the last entry */
	char	 id[CURSOR_ID_MAX];	/* the id of the last entry */
};

/* Write the cursor of list kind after (key, id) into buf; -1 when it does
 * not fit. */
int	 cursor_encode(char kind, int64_t key, const char *id, char *buf,
	    size_t len);
/* Read a cursor of list kind; -1 when s is not one this list handed out. */
int	 cursor_decode(const char *s, char kind, struct cursor *out);

#endif
