/*
 * address.c: see address.h.
 */
#include <ctype.h>
#include <string.h>

#include "base/address.h"

/* Normalise an email address ("Name <A@B>" -> "a@b"). */
int
address_email(const char *in, char *out, size_t len)
{
	const char	*s = in, *e, *lt, *at;
	size_t		 n, i;

	if ((lt = strrchr(in, '<')) != NULL) {
		s = lt + 1;
		if ((e = strchr(s, '>')) == NULL)
			return -1;
	} else {
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
	}
	n = (size_t)(e - s);
	if (n == 0 || n >= len)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == '<' || c == '>' || c == ',' || c >= 0x7f)
			return -1;
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	at = strchr(out, '@');
	if (at == NULL || at == out || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return -1;
	return 0;
}
