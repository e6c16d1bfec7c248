/*
 * fuzz-utf8.c: text repair (base/utf8.h) on arbitrary bytes.  What comes
 * out must be valid UTF-8 with no NUL, keep valid input byte for byte, be
 * unchanged by a second repair, and a cleaned line must hold no control
 * character; the JSON rewrite must leave no \u0000 escape in a string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in = (const char *)data;
	char		*once, *twice, *line, *json;
	size_t		 n1, n2, nj, i;

	if ((once = utf8_repair(in, size, &n1)) == NULL)
		return 0;
	if (!utf8_valid(once, n1) || strlen(once) != n1)
		abort();
	if (utf8_valid(in, size) && (n1 != size || memcmp(once, in, size) != 0))
		abort();
	if ((twice = utf8_repair(once, n1, &n2)) == NULL)
		abort();
	if (n2 != n1 || memcmp(once, twice, n1) != 0)
		abort();
	if ((line = utf8_line(in, size)) != NULL) {
		if (!utf8_valid(line, strlen(line)))
			abort();
		for (i = 0; line[i] != '\0'; i++)
			if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
				abort();
		if (line[0] == ' ' || (i > 0 && line[i - 1] == ' '))
			abort();
		free(line);
	}
	if ((json = utf8_json_unnul(in, size, &nj)) != NULL) {
		if (memchr(json, '\0', nj) != NULL)
			abort();
		free(json);
	}
	free(once);
	free(twice);
	return 0;
}
