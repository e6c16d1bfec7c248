/*
 * json-unnul.c: see json-unnul.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json-unnul.h"

/* The value of four hex digits at p, or -1. */
static long
json_unnul_hex4(const char *p)
{
	long	v = 0;
	int	i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= p[i] - 'A' + 10;
		else
			return -1;
	}
	return v;
}

char *
json_unnul(const char *s, size_t len, size_t *outlen)
{
	static const char	 fffd[] = "\\ufffd";
	char			*out;
	size_t			 i = 0, n = 0;
	long			 v, w;
	int			 in_string = 0;

	/* A raw NUL (one byte) grows to six. */
	if (len > (SIZE_MAX - 1) / 6 || (out = malloc(len * 6 + 1)) == NULL)
		return NULL;
	while (i < len) {
		if (s[i] == '\0') {
			memcpy(out + n, fffd, 6);
			n += 6;
			i++;
			continue;
		}
		if (s[i] == '"') {
			in_string = !in_string;
			out[n++] = s[i++];
			continue;
		}
		if (!in_string || s[i] != '\\' || i + 1 >= len) {
			out[n++] = s[i++];
			continue;
		}
		if (s[i + 1] != 'u' || i + 6 > len ||
		    (v = json_unnul_hex4(s + i + 2)) == -1) {
			/* Another escape: copy it whole (it may be \"). */
			out[n++] = s[i++];
			if (s[i] == '\0') {
				memcpy(out + n, fffd, 6);
				n += 6;
				i++;
			} else
				out[n++] = s[i++];
			continue;
		}
		if (v >= 0xd800 && v <= 0xdbff && i + 12 <= len &&
		    s[i + 6] == '\\' && s[i + 7] == 'u' &&
		    (w = json_unnul_hex4(s + i + 8)) >= 0xdc00 && w <= 0xdfff) {
			memcpy(out + n, s + i, 12);	/* a surrogate pair */
			n += 12;
			i += 12;
			continue;
		}
		if (v == 0 || (v >= 0xd800 && v <= 0xdfff)) {
			memcpy(out + n, fffd, 6);
			n += 6;
		} else {
			memcpy(out + n, s + i, 6);
			n += 6;
		}
		i += 6;
	}
	out[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return out;
}
