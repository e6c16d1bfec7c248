/*
 * cursor.c: see cursor.h.  The text is the hex of "KIND KEY ID" followed by
 * eight hex digits of an FNV-1a checksum of those bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cursor.h"
#include "base/hex.h"

/* FNV-1a over a string, folded to 32 bits. */
static uint32_t
cursor_sum(const char *s, size_t len)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return (uint32_t)(h ^ (h >> 32));
}

/* Write the cursor of list kind after (key, id). */
int
cursor_encode(char kind, int64_t key, const char *id, char *buf, size_t len)
{
	char	plain[24 + CURSOR_ID_MAX + 24];
	size_t	n;
	int	w;

	if (strlen(id) >= CURSOR_ID_MAX || strchr(id, ' ') != NULL)
		return -1;
	w = snprintf(plain, sizeof plain, "%c %lld %s", kind, (long long)key,
	    id);
	if (w < 0 || (size_t)w >= sizeof plain)
		return -1;
	n = (size_t)w;
	if (len < 2 * n + 9)
		return -1;
	hex_encode(plain, n, buf);
	snprintf(buf + 2 * n, 9, "%08x", (unsigned)cursor_sum(plain, n));
	return 0;
}

/* One hex digit's value, or -1. */
static int
cursor_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Read a cursor of list kind. */
int
cursor_decode(const char *s, char kind, struct cursor *out)
{
	char		 plain[24 + CURSOR_ID_MAX + 24], sum[9], *end;
	const char	*p, *id;
	size_t		 len = strlen(s), n, i;
	long long	 key;
	int		 hi, lo;

	if (len < 8 + 2 * 5 || len % 2 != 0 || (len - 8) / 2 >= sizeof plain)
		return -1;
	n = (len - 8) / 2;
	for (i = 0; i < n; i++) {
		if ((hi = cursor_hex(s[2 * i])) == -1 ||
		    (lo = cursor_hex(s[2 * i + 1])) == -1)
			return -1;
		plain[i] = (char)(hi << 4 | lo);
		if (plain[i] == '\0')
			return -1;
	}
	plain[n] = '\0';
	snprintf(sum, sizeof sum, "%08x", (unsigned)cursor_sum(plain, n));
	if (strcmp(sum, s + 2 * n) != 0)
		return -1;
	if (plain[0] != kind || plain[1] != ' ')
		return -1;
	p = plain + 2;
	if (*p != '-' && (*p < '0' || *p > '9'))
		return -1;
	key = strtoll(p, &end, 10);
	if (end == p || *end != ' ')
		return -1;
	id = end + 1;
	if (*id == '\0' || strlen(id) >= CURSOR_ID_MAX ||
	    strchr(id, ' ') != NULL)
		return -1;
	out->kind = kind;
	out->key = key;
	snprintf(out->id, sizeof out->id, "%s", id);
	return 0;
}
