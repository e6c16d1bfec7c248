/*
 * notify-inbound.c: parses GOV.UK Notify's received
 * text message callbacks.  No I/O, no state between calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "strict-json.h"
#include "json-unnul.h"
#include "notify-inbound.h"

#define NOTIFY_INBOUND_MIN_DIGITS	7
#define NOTIFY_INBOUND_MAX_DIGITS	15

/* Set a parse error. */
static int
notify_inbound_error(const char **field, const char *name, char *err,
    size_t errlen, const char *why)
{
	*field = name;
	if (errlen > 0)
		snprintf(err, errlen, "%s %s", name, why);
	return -1;
}

/*
 * The string at key: 0 with *out set (NULL when absent or null), -1 when
 * it is some other type or an empty string that must not be.
 */
static int
notify_inbound_string(const cJSON *obj, const char *key, int required,
    const char **out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return required ? -1 : 0;
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return -1;
	*out = v->valuestring;
	return 0;
}

/* Does s look like a phone number (digits and the usual punctuation)? */
static int
notify_inbound_phone_like(const char *s)
{
	size_t	digits = 0;

	if (*s == '+')
		s++;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s != ' ' && *s != '-' && *s != '.' && *s != '(' &&
		    *s != ')')
			return 0;
	}
	return digits >= NOTIFY_INBOUND_MIN_DIGITS &&
	    digits <= NOTIFY_INBOUND_MAX_DIGITS;
}

/* Parse one callback body. */
int
notify_inbound_parse(const char *body, size_t len, struct notify_inbound *out,
    const char **field, char *err, size_t errlen)
{
	cJSON	*j;
	int	 rc = -1;

	memset(out, 0, sizeof *out);
	if (body == NULL || (j = strict_json(body, len)) == NULL)
		return notify_inbound_error(field, "body", err, errlen,
		    "is not valid JSON");
	if (!cJSON_IsObject(j))
		notify_inbound_error(field, "body", err, errlen,
		    "is not a JSON object");
	else if (notify_inbound_string(j, "id", 1, &out->id) == -1 ||
	    out->id[0] == '\0')
		notify_inbound_error(field, "id", err, errlen,
		    "must be a non-empty string");
	else if (notify_inbound_string(j, "source_number", 1,
	    &out->source_number) == -1 ||
	    !notify_inbound_phone_like(out->source_number))
		notify_inbound_error(field, "source_number", err, errlen,
		    "must be a phone number");
	else if (notify_inbound_string(j, "message", 1, &out->message) == -1)
		notify_inbound_error(field, "message", err, errlen,
		    "must be a string");
	else if (notify_inbound_string(j, "destination_number", 0,
	    &out->destination_number) == -1)
		notify_inbound_error(field, "destination_number", err, errlen,
		    "must be a string");
	else if (notify_inbound_string(j, "date_received", 0,
	    &out->date_received) == -1)
		notify_inbound_error(field, "date_received", err, errlen,
		    "must be a string");
	else
		rc = 0;
	if (rc == -1) {
		cJSON_Delete(j);
		memset(out, 0, sizeof *out);
		return -1;
	}
	out->message_len = strlen(out->message);
	out->json = j;
	return 0;
}

/* Free what notify_inbound_parse kept. */
void
notify_inbound_free(struct notify_inbound *in)
{
	if (in == NULL)
		return;
	cJSON_Delete(in->json);
	memset(in, 0, sizeof *in);
}
