/*
 * twilio-inbound.c: see twilio-inbound.h.
 */
#include <string.h>

#include "twilio-inbound.h"

#define TWILIO_SID_HEX		32
#define TWILIO_NAME_MAX		64

/* Twilio's fixed-form parameters: nothing Twilio sends extends their names. */
static const char *const twilio_inbound_fixed[] = {
	"MessageSid", "SmsSid", "SmsMessageSid", "AccountSid",
	"MessagingServiceSid", "NumMedia", "NumSegments"
};

int
twilio_inbound_sid_ok(const char *sid, size_t len)
{
	size_t	i;
	char	c;

	if (sid == NULL || len != 2 + TWILIO_SID_HEX ||
	    (sid[0] != 'S' && sid[0] != 'M') || sid[1] != 'M')
		return 0;
	for (i = 2; i < len; i++) {
		c = sid[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

int
twilio_inbound_name_ok(const char *name, size_t len, const char **why,
    const char **base)
{
	size_t	i, n;
	char	c;

	*why = NULL;
	*base = NULL;
	if (name == NULL || len == 0 || len > TWILIO_NAME_MAX ||
	    name[0] < 'A' || name[0] > 'Z') {
		*why = "is not a name Twilio sends (it must be letters and "
		    "digits starting with a capital, at most 64)";
		return 0;
	}
	for (i = 0; i < len; i++) {
		c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))) {
			*why = "is not a name Twilio sends (it must be letters "
			    "and digits starting with a capital, at most 64)";
			return 0;
		}
	}
	for (i = 0; i < sizeof twilio_inbound_fixed /
	    sizeof twilio_inbound_fixed[0]; i++) {
		n = strlen(twilio_inbound_fixed[i]);
		if (len > n && memcmp(name, twilio_inbound_fixed[i], n) == 0) {
			*why = "runs a parameter's name into its value, as a "
			    "re-split request does";
			*base = twilio_inbound_fixed[i];
			return 0;
		}
	}
	return 1;
}
