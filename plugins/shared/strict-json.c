/*
 * strict-json.c: see strict-json.h.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "json-unnul.h"
#include "strict-json.h"

/* Parse exactly len bytes of JSON (nothing but spaces after it). */
cJSON *
strict_json(const char *in, size_t inlen)
{
	cJSON		*j;
	const char	*end = NULL;
	char		*s;
	size_t		 len;

	if (in == NULL || (s = json_unnul(in, inlen, &len)) == NULL)
		return NULL;
	if ((j = cJSON_ParseWithLengthOpts(s, len, &end, 0)) != NULL) {
		while (end != NULL && end < s + len && (*end == ' ' ||
		    *end == '\t' || *end == '\r' || *end == '\n'))
			end++;
		if (end != s + len) {
			cJSON_Delete(j);
			j = NULL;
		}
	}
	free(s);
	return j;
}
