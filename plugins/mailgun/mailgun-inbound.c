/*
 * mailgun-inbound.c: reads one header from a Mailgun route's
 * "message-headers" JSON.  No I/O, no state between calls.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "mailgun-inbound.h"

/* Parse exactly len bytes of JSON (nothing but spaces after it), or NULL. */
static cJSON *
mailgun_inbound_json(const char *s, size_t len)
{
	cJSON		*j;
	const char	*end = NULL;

	if ((j = cJSON_ParseWithLengthOpts(s, len, &end, 0)) == NULL)
		return NULL;
	while (end != NULL && end < s + len && (*end == ' ' || *end == '\t' ||
	    *end == '\r' || *end == '\n'))
		end++;
	if (end != s + len) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* The value of header name in message-headers JSON, malloc'd, or NULL. */
char *
mailgun_inbound_header(const char *json, size_t len, const char *name)
{
	cJSON		*j;
	const cJSON	*pair, *k, *v;
	char		*value = NULL;

	if (json == NULL || name == NULL ||
	    (j = mailgun_inbound_json(json, len)) == NULL)
		return NULL;
	if (cJSON_IsArray(j)) {
		cJSON_ArrayForEach(pair, j) {
			if (!cJSON_IsArray(pair) ||
			    cJSON_GetArraySize(pair) != 2)
				continue;
			k = cJSON_GetArrayItem(pair, 0);
			v = cJSON_GetArrayItem(pair, 1);
			if (!cJSON_IsString(k) || !cJSON_IsString(v) ||
			    strcasecmp(k->valuestring, name) != 0)
				continue;
			value = strdup(v->valuestring);
			break;
		}
	}
	cJSON_Delete(j);
	return value;
}
