/*
 * fuzz-cursor.c: a paged list's cursor (the `cursor` query parameter, from
 * anyone) on arbitrary bytes.  Besides not crashing: a cursor that decodes
 * names an id that fits, NUL-terminated, and encodes back to a cursor that
 * decodes to the same place.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cursor.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor	 c, again;
	char		*s, buf[CURSOR_BUFSIZE];

	if (size < 1 || (s = malloc(size)) == NULL)
		return 0;
	/* The first byte picks the list; the rest is the cursor's text. */
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (cursor_decode(s, (char)data[0], &c) == 0) {
		if (memchr(c.id, '\0', sizeof c.id) == NULL)
			abort();
		if (cursor_encode(c.kind, c.key, c.id, buf, sizeof buf) == -1 ||
		    cursor_decode(buf, c.kind, &again) == -1 ||
		    again.key != c.key || strcmp(again.id, c.id) != 0)
			abort();
	}
	free(s);
	return 0;
}
