/*
 * netaddr.h: IP addresses and CIDR ranges ("10.0.0.0/8", "::1",
 * "2001:db8::/32"), for deciding whether a peer is a trusted proxy and for
 * reading the client's address out of X-Forwarded-For.  Pure: no
 * resolving, no I/O.  An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is
 * the IPv4 address it maps.
 */
#ifndef NETADDR_H
#define NETADDR_H

#include <stddef.h>

/* Room for any address as text. */
#define NETADDR_STRLEN	46

struct netaddr {
	int		family;		/* 4 or 6 */
	unsigned char	addr[16];	/* IPv4 in the first 4 bytes */
	int		prefix;		/* bits that must match */
};

/* Parse an address, or with allow_prefix a range ADDR/BITS; -1 if not. */
int	netaddr_parse(const char *s, int allow_prefix, struct netaddr *out);
/* Whether address a lies in range r. */
int	netaddr_in(const struct netaddr *a, const struct netaddr *r);
/* Whether the address s lies in any of the n ranges. */
int	netaddr_in_any(const char *s, const struct netaddr *ranges, size_t n);
/*
 * The client's address: the peer, unless the peer is in trusted, in which
 * case X-Forwarded-For (xff, may be NULL) is read right to left and the
 * first address not in trusted is the client (every hop before it was
 * added by a proxy we trust).  Writes it to out; returns out, or the peer
 * itself when xff says nothing usable.
 */
const char *netaddr_client(const char *peer, const char *xff,
	    const struct netaddr *trusted, size_t n, char *out, size_t len);

#endif
