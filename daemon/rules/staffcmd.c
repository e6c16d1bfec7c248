/*
 * staffcmd.c: see staffcmd.h.
 */
#include <stddef.h>

#include "rules/staffcmd.h"

/* Length of the white space at p (0 when none). */
static size_t
staffcmd_space(const unsigned char *p, size_t len)
{
	if (len >= 1 && (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' ||
	    p[0] == '\n'))
		return 1;
	if (len >= 2 && p[0] == 0xc2 && p[1] == 0xa0)	/* U+00A0 */
		return 2;
	return 0;
}

/* Skip white space. */
static size_t
staffcmd_skip(const unsigned char *p, size_t len, size_t i)
{
	size_t	n;

	while (i < len && (n = staffcmd_space(p + i, len - i)) > 0)
		i += n;
	return i;
}

/* What a staff member's text asks for. */
enum staffcmd_kind
staffcmd_parse(const char *text, size_t len, int *code)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 i, first;
	int			 n = 0;

	*code = 0;
	if (text == NULL)
		return STAFFCMD_OTHER;
	i = first = staffcmd_skip(p, len, 0);
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
		/* "0001A" is 1A; a number past the codes is no command. */
		if (i - first >= 6 || (n = n * 10 + (p[i] - '0')) >
		    STAFFCMD_MAX_CODE)
			return STAFFCMD_OTHER;
	}
	if (i > first)
		i = staffcmd_skip(p, len, i);
	if (i >= len || (p[i] != 'A' && p[i] != 'a'))
		return STAFFCMD_OTHER;
	i = staffcmd_skip(p, len, i + 1);
	if (i < len && (p[i] == '.' || p[i] == '!'))
		i = staffcmd_skip(p, len, i + 1);
	if (i != len)
		return STAFFCMD_OTHER;
	if (p[first] == 'A' || p[first] == 'a')
		return STAFFCMD_TAKE_LATEST;
	*code = n;
	return STAFFCMD_TAKE;
}
