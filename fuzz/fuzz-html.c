/*
 * fuzz-html.c: HTML to plain text on arbitrary bytes.  Besides not crashing
 * or reading out of bounds, the text must keep html.c's promises: no longer
 * than the input, NUL-terminated at its length, trimmed, no control
 * characters but line breaks, no more than two line breaks in a row, no
 * space next to a line break or another space.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/html.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Convert one input and check the shape of the text. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*t;
	size_t	 n = SIZE_MAX, i;

	if ((t = html_to_text((const char *)data, size, &n)) == NULL)
		return 0;
	if (n > size || t[n] != '\0' || strlen(t) != n)
		abort();
	if (n > 0 && (t[0] == ' ' || t[0] == '\n' || t[n - 1] == ' ' ||
	    t[n - 1] == '\n'))
		abort();
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f)
			abort();
		if (i + 1 < n && c == ' ' && (t[i + 1] == ' ' ||
		    t[i + 1] == '\n'))
			abort();
		if (i + 1 < n && c == '\n' && t[i + 1] == ' ')
			abort();
		if (i + 2 < n && c == '\n' && t[i + 1] == '\n' &&
		    t[i + 2] == '\n')
			abort();
	}
	free(t);
	return 0;
}
