/*
 * fuzz-twilio-status.c: a Twilio status callback's MessageStatus and
 * ErrorCode (twilio-status.h) on arbitrary bytes: the first line is the
 * status, the rest the error code.  An accepted status is a lower-case
 * word; a kept error code is digits; a refusal says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/twilio/twilio-status.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*p = (const char *)data, *nl, *why = NULL;
	struct twilio_status	 st;
	size_t			 n, i;

	nl = memchr(p, '\n', size);
	n = nl ? (size_t)(nl - p) : size;
	if (twilio_status_parse(p, n, nl ? nl + 1 : NULL, nl ? size - n - 1 :
	    0, &st, &why) == -1) {
		if (why == NULL || st.status[0] != '\0')
			abort();
		return 0;
	}
	if (st.status[0] == '\0' || strlen(st.status) != n)
		abort();
	for (i = 0; st.status[i] != '\0'; i++)
		if (!((st.status[i] >= 'a' && st.status[i] <= 'z') ||
		    st.status[i] == '_'))
			abort();
	for (i = 0; st.error[i] != '\0'; i++)
		if (st.error[i] < '0' || st.error[i] > '9')
			abort();
	if (st.delivery != REPLYD_DELIVERY_PENDING &&
	    st.delivery != REPLYD_DELIVERY_DELIVERED &&
	    st.delivery != REPLYD_DELIVERY_FAILED)
		abort();
	return 0;
}
