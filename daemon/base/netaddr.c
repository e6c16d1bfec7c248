/*
 * netaddr.c: see netaddr.h.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/netaddr.h"

static const unsigned char netaddr_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Parse an address or a range. */
int
netaddr_parse(const char *s, int allow_prefix, struct netaddr *out)
{
	char		 buf[NETADDR_STRLEN + 8], *slash, *end;
	long		 bits = -1;
	size_t		 n;

	memset(out, 0, sizeof *out);
	if (s == NULL || (n = strlen(s)) == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n + 1);
	if ((slash = strchr(buf, '/')) != NULL) {
		if (!allow_prefix || !isdigit((unsigned char)slash[1]))
			return -1;
		*slash = '\0';
		bits = strtol(slash + 1, &end, 10);
		if (*end != '\0' || (slash[1] == '0' && slash[2] != '\0'))
			return -1;
	}
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		out->prefix = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = 6;
		out->prefix = 128;
		if (memcmp(out->addr, netaddr_v4mapped, 12) == 0) {
			memmove(out->addr, out->addr + 12, 4);
			memset(out->addr + 4, 0, 12);
			out->family = 4;
			out->prefix = 32;
			if (bits >= 96)
				bits -= 96;
			else if (bits >= 0)
				return -1;
		}
	} else
		return -1;
	if (bits >= 0) {
		if (bits > out->prefix)
			return -1;
		out->prefix = (int)bits;
	}
	return 0;
}

/* Whether address a lies in range r. */
int
netaddr_in(const struct netaddr *a, const struct netaddr *r)
{
	int		whole = r->prefix / 8, rest = r->prefix % 8;
	unsigned char	mask;

	if (a->family != r->family)
		return 0;
	if (memcmp(a->addr, r->addr, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a->addr[whole] & mask) == (r->addr[whole] & mask);
}

/* Whether s lies in any range. */
int
netaddr_in_any(const char *s, const struct netaddr *ranges, size_t n)
{
	struct netaddr	a;
	size_t		i;

	if (netaddr_parse(s, 0, &a) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (netaddr_in(&a, &ranges[i]))
			return 1;
	return 0;
}

/* The client's address, reading X-Forwarded-For behind trusted proxies. */
const char *
netaddr_client(const char *peer, const char *xff,
    const struct netaddr *trusted, size_t n, char *out, size_t len)
{
	const char	*end, *start, *p;
	char		 one[NETADDR_STRLEN + 1];
	struct netaddr	 a;
	size_t		 k;

	snprintf(out, len, "%s", peer != NULL ? peer : "");
	if (peer == NULL || xff == NULL || n == 0 ||
	    !netaddr_in_any(peer, trusted, n))
		return out;
	end = xff + strlen(xff);
	while (end > xff) {
		/* One comma-separated entry, right to left, trimmed. */
		for (start = end; start > xff && start[-1] != ','; start--)
			;
		p = start;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		k = (size_t)(end - p);
		while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		end = start > xff ? start - 1 : xff;
		if (k == 0 || k >= sizeof one)
			return out;	/* unusable: trust nothing further */
		memcpy(one, p, k);
		one[k] = '\0';
		if (netaddr_parse(one, 0, &a) == -1)
			return out;
		snprintf(out, len, "%s", one);
		if (!netaddr_in_any(one, trusted, n))
			return out;
	}
	return out;
}
