/*
 * utf8.c: see utf8.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

/*
 * The sequence at p (n > 0 bytes left): its length when it is valid
 * UTF-8, else minus the length of its maximal ill-formed subpart (at
 * least 1).  A NUL is valid here; callers decide about it.
 */
static int
utf8_seq(const unsigned char *p, size_t n, unsigned *cp)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	unsigned	c;
	int		need, i;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 1;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 2;
		c = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;		/* no overlong forms */
		else if (p[0] == 0xed)
			hi = 0x9f;		/* no surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 3;
		c = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;		/* nothing past U+10FFFF */
	} else
		return -1;
	for (i = 1; i <= need; i++) {
		if ((size_t)i >= n || p[i] < lo || p[i] > hi)
			return -i;
		c = (c << 6) | (p[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return need + 1;
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0;
	unsigned		 c;
	int			 k;

	if (s == NULL)
		return len == 0;
	while (i < len) {
		if ((k = utf8_seq(p + i, len - i, &c)) < 0 || c == 0)
			return 0;
		i += (size_t)k;
	}
	return 1;
}

char *
utf8_repair(const char *s, size_t len, size_t *outlen)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n = 0;
	unsigned		 c;
	char			*out;
	int			 k;

	/* Each bad byte grows to at most three. */
	if (len > (SIZE_MAX - 1) / 3 || (out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	while (i < len) {
		k = utf8_seq(p + i, len - i, &c);
		if (k > 0 && c != 0) {
			memcpy(out + n, p + i, (size_t)k);
			n += (size_t)k;
			i += (size_t)k;
			continue;
		}
		memcpy(out + n, UTF8_REPLACEMENT, 3);
		n += 3;
		i += (size_t)(k > 0 ? k : -k);
	}
	out[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return out;
}

char *
utf8_line(const char *s, size_t len)
{
	char		*r, *out;
	size_t		 rlen, i = 0, n = 0;
	unsigned	 c;
	int		 k, space = 0;

	if ((r = utf8_repair(s, len, &rlen)) == NULL)
		return NULL;
	if ((out = malloc(rlen + 1)) == NULL) {
		free(r);
		return NULL;
	}
	while (i < rlen) {
		k = utf8_seq((const unsigned char *)r + i, rlen - i, &c);
		if (k <= 0)		/* cannot happen after a repair */
			k = 1, c = 0xfffd;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = n > 0;
			i += (size_t)k;
			continue;
		}
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
			i += (size_t)k;
			continue;
		}
		if (space) {
			out[n++] = ' ';
			space = 0;
		}
		memcpy(out + n, r + i, (size_t)k);
		n += (size_t)k;
		i += (size_t)k;
	}
	out[n] = '\0';
	free(r);
	return out;
}

/* The value of four hex digits at p, or -1. */
static long
utf8_hex4(const char *p)
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
utf8_json_unnul(const char *s, size_t len, size_t *outlen)
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
		    (v = utf8_hex4(s + i + 2)) == -1) {
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
		    (w = utf8_hex4(s + i + 8)) >= 0xdc00 && w <= 0xdfff) {
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
