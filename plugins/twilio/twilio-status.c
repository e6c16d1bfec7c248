/*
 * twilio-status.c: see twilio-status.h.
 */
#include <string.h>

#include "twilio-status.h"

int
twilio_status_parse(const char *status, size_t len, const char *error,
    size_t elen, struct twilio_status *out, const char **why)
{
	static const char *const failed[] = { "undelivered", "failed",
	    "canceled" };
	static const char *const delivered[] = { "delivered", "read" };
	size_t	i;
	char	c;

	memset(out, 0, sizeof out[0]);
	out->delivery = REPLYD_DELIVERY_PENDING;
	if (status == NULL || len == 0) {
		*why = "MessageStatus is missing";
		return -1;
	}
	if (len >= sizeof out->status) {
		*why = "MessageStatus is too long";
		return -1;
	}
	for (i = 0; i < len; i++) {
		c = status[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || c == '_')) {
			*why = "MessageStatus is not a word";
			memset(out, 0, sizeof out[0]);
			return -1;
		}
		out->status[i] = c;
	}
	out->status[len] = '\0';
	for (i = 0; i < sizeof failed / sizeof failed[0]; i++)
		if (strcmp(out->status, failed[i]) == 0)
			out->delivery = REPLYD_DELIVERY_FAILED;
	for (i = 0; i < sizeof delivered / sizeof delivered[0]; i++)
		if (strcmp(out->status, delivered[i]) == 0)
			out->delivery = REPLYD_DELIVERY_DELIVERED;
	if (error != NULL && elen > 0 && elen <= 10) {
		for (i = 0; i < elen; i++)
			if (error[i] < '0' || error[i] > '9')
				break;
		if (i == elen) {
			memcpy(out->error, error, elen);
			out->error[elen] = '\0';
		}
	}
	*why = NULL;
	return 0;
}
