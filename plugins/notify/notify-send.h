/*
 * notify-send.h: the notify plugin's outbound side, SMS and email through
 * GOV.UK Notify templates: POST /v2/notifications/sms or /email with the
 * template id and the text as the personalisation "message" (the template
 * must say ((message))), authenticated by a JWT (HS256, {"iss": service id,
 * "iat": now}) signed with the secret half of the API key.
 *
 * The key parsing, the JWT and the request body are pure functions (unit
 * tested); notify_send_init is the glue that reads the configuration and
 * registers the sender.  Never logs the API key, the token, the text or
 * an unmasked address.
 */
#ifndef NOTIFY_SEND_H
#define NOTIFY_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "replyd-plugin.h"

#define NOTIFY_SEND_UUID	36

/* The two halves of an API key "{key name}-{service id}-{secret key}". */
struct notify_key {
	char	service_id[NOTIFY_SEND_UUID + 1];
	char	secret[NOTIFY_SEND_UUID + 1];
};

/* Whether s is a UUID in its 8-4-4-4-12 hexadecimal text form. */
int	 notify_send_uuid_ok(const char *s, size_t len);
/* Split an API key: the service id is the 36 characters before the last
 * 37 ("-" and the secret).  -1 if it is not of that form. */
int	 notify_send_parse_key(const char *api_key, struct notify_key *);
/* The bearer token for instant iat; -1 if it does not fit in len. */
int	 notify_send_jwt(const struct notify_key *, int64_t iat, char *buf,
	    size_t len);
/*
 * The JSON body for msg: {"phone_number"|"email_address", "template_id",
 * "personalisation": {"message": text}, "reference": conversation}.
 * malloc'd, or NULL when out of memory.
 */
char	*notify_send_body(const struct replyd_send *msg, int email,
	    const char *template_id);

/*
 * Read "api_key" (a secret), "api_base", "sms_template_id",
 * "email_template_id" and "timeout_ms" from the plugin's section and, when
 * api_key is set, register a sender (SMS if there is an SMS template,
 * email if there is an email template).  Returns 1 when it registered the
 * sender, 0 when outbound is not configured (nothing registered), -1 after
 * reporting a configuration error.
 */
int	 notify_send_init(const struct replyd_host_api *,
	    struct replyd_host *, struct replyd_config *);

#endif
