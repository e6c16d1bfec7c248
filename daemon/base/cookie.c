/*
 * cookie.c: see cookie.h.
 */
#include <string.h>

#include "base/cookie.h"

/* The value of a cookie by name. */
const char *
cookie_get(const char *header, const char *name, char *buf, size_t len)
{
	const char	*p, *v, *end;
	size_t		 n = strlen(name), k;

	for (p = header; p != NULL && *p != '\0'; p = end) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) <= n || strncmp(p, name, n) != 0 ||
		    p[n] != '=')
			continue;
		v = p + n + 1;
		k = (size_t)(end - v);
		while (k > 0 && (v[k - 1] == ' ' || v[k - 1] == '\t'))
			k--;
		if (k == 0 || k >= len)
			return NULL;
		memcpy(buf, v, k);
		buf[k] = '\0';
		return buf;
	}
	return NULL;
}
