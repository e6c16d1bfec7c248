/*
 * fuzz-deliverytag.c: a delivery tag as a provider hands it back
 * (rules/deliverytag.h) on arbitrary bytes.  A tag that parses can be made
 * again, and reads back the same; one that does not leaves nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/deliverytag.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct deliverytag	t, back;
	char			buf[DELIVERYTAG_SIZE * 4];

	if (deliverytag_parse((const char *)data, size, &t) == -1) {
		if (t.conv[0] != '\0' || t.person[0] != '\0' || t.failover)
			abort();
		return 0;
	}
	if (t.purpose[0] == '\0')
		return 0;	/* made tags always say what they are */
	if (deliverytag_make(&t, buf, sizeof buf) == -1)
		abort();
	if (deliverytag_parse(buf, strlen(buf), &back) == -1 ||
	    strcmp(t.conv, back.conv) != 0 ||
	    strcmp(t.purpose, back.purpose) != 0 ||
	    strcmp(t.kind, back.kind) != 0 ||
	    strcmp(t.person, back.person) != 0 || t.failover != back.failover)
		abort();
	return 0;
}
