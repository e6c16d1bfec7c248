/*
 * fuzz-netaddr.c: what a client says about its address (base/netaddr.h):
 * an X-Forwarded-For header behind a trusted proxy, and the addresses and
 * ranges themselves; and the Cookie header (base/cookie.h).  The client
 * found must be the peer or an address the header named.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cookie.h"
#include "base/netaddr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One input as X-Forwarded-For, as an address, and as a Cookie header. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netaddr	 trusted[2], a;
	char		*text, out[NETADDR_STRLEN + 1], val[64];
	const char	*c;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (netaddr_parse("127.0.0.1", 1, &trusted[0]) == -1 ||
	    netaddr_parse("10.0.0.0/8", 1, &trusted[1]) == -1)
		abort();
	c = netaddr_client("127.0.0.1", text, trusted, 2, out, sizeof out);
	if (c != out || (strcmp(out, "127.0.0.1") != 0 &&
	    (strstr(text, out) == NULL || netaddr_parse(out, 0, &a) == -1)))
		abort();
	if (netaddr_parse(text, 1, &a) == 0 && (a.prefix < 0 ||
	    a.prefix > (a.family == 4 ? 32 : 128)))
		abort();
	if ((c = cookie_get(text, "__Host-replyd-session", val,
	    sizeof val)) != NULL && (c != val || strlen(val) == 0 ||
	    strlen(val) >= sizeof val || strchr(val, ';') != NULL))
		abort();
	free(text);
	return 0;
}
