/*
 * mailgun-inbound.c: reads one header from a Mailgun route's
 * "message-headers" JSON.  No I/O, no state between calls.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "strict-json.h"
#include "mail-auth.h"
#include "mailgun-inbound.h"

/* The value of header name in message-headers JSON, malloc'd, or NULL. */
char *
mailgun_inbound_header(const char *json, size_t len, const char *name)
{
	cJSON		*j;
	const cJSON	*pair, *k, *v;
	char		*value = NULL;

	if (json == NULL || name == NULL ||
	    (j = strict_json(json, len)) == NULL)
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

void
mailgun_inbound_auth(const char *const *names, const char *const *values,
    size_t n, const char *sender, struct mail_auth *out)
{
	const char	*spf = NULL, *dkim = NULL;
	char		 d[MAIL_AUTH_DOMAIN], first[MAIL_AUTH_DOMAIN];
	char		 word[MAIL_AUTH_RESULT];
	size_t		 i;
	int		 nspf = 0, ndkim = 0, nsig = 0, same = 1;

	memset(out, 0, sizeof *out);
	first[0] = '\0';
	for (i = 0; i < n; i++) {
		if (names[i] == NULL || values[i] == NULL)
			continue;
		if (strcasecmp(names[i], "X-Mailgun-Spf") == 0) {
			spf = values[i];
			nspf++;
		} else if (strcasecmp(names[i],
		    "X-Mailgun-Dkim-Check-Result") == 0) {
			dkim = values[i];
			ndkim++;
		} else if (strcasecmp(names[i], "DKIM-Signature") == 0) {
			if (mail_auth_dkim_signature_d(values[i], d,
			    sizeof d) == -1)
				same = 0;
			else if (nsig == 0)
				memcpy(first, d, sizeof first);
			else if (strcmp(first, d) != 0)
				same = 0;
			nsig++;
		}
	}
	if (nspf == 1 && mail_auth_result(spf, out->spf, sizeof out->spf) ==
	    0 && sender != NULL)
		mail_auth_domain(sender, strlen(sender), out->spf_domain,
		    sizeof out->spf_domain);
	if (ndkim == 1 && mail_auth_result(dkim, word, sizeof word) == 0 &&
	    strcmp(word, "pass") == 0 && nsig > 0 && same)
		mail_auth_add_dkim(out, first);
}

int
mailgun_inbound_auth_json(const char *json, size_t len, const char *sender,
    struct mail_auth *out)
{
	cJSON		*j;
	const cJSON	*pair, *k, *v;
	const char	**names = NULL, **values = NULL;
	size_t		 n = 0, cap;

	if (json == NULL || (j = strict_json(json, len)) == NULL)
		return -1;
	if (!cJSON_IsArray(j)) {
		cJSON_Delete(j);
		return -1;
	}
	cap = (size_t)cJSON_GetArraySize(j) + 1;
	names = calloc(cap, sizeof *names);
	values = calloc(cap, sizeof *values);
	if (names == NULL || values == NULL) {
		free(names);
		free(values);
		cJSON_Delete(j);
		return -1;
	}
	cJSON_ArrayForEach(pair, j) {
		if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2)
			continue;
		k = cJSON_GetArrayItem(pair, 0);
		v = cJSON_GetArrayItem(pair, 1);
		if (!cJSON_IsString(k) || !cJSON_IsString(v) || n + 1 >= cap)
			continue;
		names[n] = k->valuestring;
		values[n] = v->valuestring;
		n++;
	}
	mailgun_inbound_auth(names, values, n, sender, out);
	free(names);
	free(values);
	cJSON_Delete(j);
	return 0;
}
