/*
 * fuzz-twilio.c: what a Twilio webhook may hold (twilio-inbound.h) on
 * arbitrary bytes, each line a parameter name or a message id.  An
 * accepted name is letters and digits starting with a capital; an
 * accepted id is SM or MM and 32 hex digits; a refusal always says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/twilio/twilio-inbound.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *e, *why, *base;
	size_t		 n, i;

	while (size > 0) {
		e = memchr(p, '\n', size);
		n = e ? (size_t)(e - p) : size;
		if (twilio_inbound_name_ok(p, n, &why, &base)) {
			if (n == 0 || p[0] < 'A' || p[0] > 'Z')
				abort();
			for (i = 0; i < n; i++)
				if (!((p[i] >= 'a' && p[i] <= 'z') ||
				    (p[i] >= 'A' && p[i] <= 'Z') ||
				    (p[i] >= '0' && p[i] <= '9')))
					abort();
		} else if (why == NULL)
			abort();
		if (twilio_inbound_sid_ok(p, n) && (n != 34 || p[1] != 'M'))
			abort();
		if (e == NULL)
			break;
		size -= n + 1;
		p = e + 1;
	}
	return 0;
}
