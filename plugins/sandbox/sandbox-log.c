/* sandbox-log.c: see sandbox-log.h. */
#include <stdlib.h>
#include <string.h>

#include "sandbox-log.h"

/* A new, empty log. */
struct sandbox_log *
sandbox_log_new(size_t keep)
{
	struct sandbox_log	*l;

	if (keep == 0 || (l = calloc(1, sizeof *l)) == NULL)
		return NULL;
	if ((l->ring = calloc(keep, sizeof *l->ring)) == NULL) {
		free(l);
		return NULL;
	}
	l->keep = keep;
	return l;
}

/* Free one entry's strings. */
static void
sandbox_entry_clear(struct sandbox_entry *e)
{
	free(e->peer);
	free(e->text);
	free(e->event);
	free(e->conversation);
	memset(e, 0, sizeof *e);
}

/* Free the log. */
void
sandbox_log_free(struct sandbox_log *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->keep; i++)
		sandbox_entry_clear(&l->ring[i]);
	free(l->ring);
	free(l);
}

/* A copy of at most max bytes of s, cut before a UTF-8 continuation. */
static char *
sandbox_cut(const char *s, size_t max)
{
	size_t	n = strlen(s);
	char	*c;

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if ((c = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

/* Add an entry, dropping the oldest when full. */
int
sandbox_log_add(struct sandbox_log *l, int64_t at, enum sandbox_kind kind,
    const char *peer, const char *text, const char *event, int step)
{
	struct sandbox_entry	e;

	memset(&e, 0, sizeof e);
	e.at = at;
	e.kind = kind;
	e.step = step;
	e.peer = strdup(peer ? peer : "");
	e.text = sandbox_cut(text ? text : "", SANDBOX_TEXT_MAX);
	e.event = event ? strdup(event) : NULL;
	if (e.peer == NULL || e.text == NULL || (event && e.event == NULL)) {
		sandbox_entry_clear(&e);
		return -1;
	}
	sandbox_entry_clear(&l->ring[l->next]);
	l->ring[l->next] = e;
	l->next = (l->next + 1) % l->keep;
	if (l->n < l->keep)
		l->n++;
	return 0;
}

/* Tie the newest entry to a conversation. */
int
sandbox_log_link(struct sandbox_log *l, const char *conversation)
{
	struct sandbox_entry	*e;
	char			*id;

	if (l == NULL || l->n == 0 || conversation == NULL ||
	    (id = strdup(conversation)) == NULL)
		return -1;
	e = &l->ring[(l->next + l->keep - 1) % l->keep];
	free(e->conversation);
	e->conversation = id;
	return 0;
}

/* The ith newest entry. */
const struct sandbox_entry *
sandbox_log_at(const struct sandbox_log *l, size_t i)
{
	if (l == NULL || i >= l->n)
		return NULL;
	return &l->ring[(l->next + l->keep - 1 - i) % l->keep];
}
