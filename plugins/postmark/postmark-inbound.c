/*
 * postmark-inbound.c: parses Postmark's inbound webhook (its credentials
 * are checked by plugins/shared/http-auth.c).
 * No I/O, no state between calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "strict-json.h"
#include "json-unnul.h"
#include "postmark-inbound.h"

/*
 * The string at key: 0 with *out set (NULL when absent or null), -1 when
 * it is of another type.
 */
static int
postmark_inbound_string(const cJSON *obj, const char *key, const char **out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return -1;
	*out = v->valuestring;
	return 0;
}

/* The item at key if it has the given type: 0, or -1 if of another type. */
static int
postmark_inbound_item(const cJSON *obj, const char *key, int array,
    const cJSON **out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (array ? !cJSON_IsArray(v) : !cJSON_IsObject(v))
		return -1;
	*out = v;
	return 0;
}

/* Set a parse error. */
static int
postmark_inbound_error(const char **field, const char *name, char *err,
    size_t errlen, const char *why)
{
	*field = name;
	if (errlen > 0)
		snprintf(err, errlen, "%s %s", name, why);
	return -1;
}

/* The sender and recipient, from the plain fields or the *Full ones. */
static int
postmark_inbound_addresses(const cJSON *j, struct postmark_inbound *out,
    const char **field, char *err, size_t errlen)
{
	const cJSON	*full, *first;

	if (postmark_inbound_string(j, "From", &out->from) == -1)
		return postmark_inbound_error(field, "From", err, errlen,
		    "must be a string");
	if (out->from == NULL || out->from[0] == '\0') {
		if (postmark_inbound_item(j, "FromFull", 0, &full) == -1)
			return postmark_inbound_error(field, "FromFull", err,
			    errlen, "must be an object");
		if (full == NULL || postmark_inbound_string(full, "Email",
		    &out->from) == -1 || out->from == NULL ||
		    out->from[0] == '\0')
			return postmark_inbound_error(field, "From", err,
			    errlen, "(or FromFull.Email) must be an address");
	}
	if (postmark_inbound_string(j, "To", &out->to) == -1)
		return postmark_inbound_error(field, "To", err, errlen,
		    "must be a string");
	if (out->to == NULL || out->to[0] == '\0') {
		out->to = NULL;
		if (postmark_inbound_item(j, "ToFull", 1, &full) == -1)
			return postmark_inbound_error(field, "ToFull", err,
			    errlen, "must be an array");
		first = full ? cJSON_GetArrayItem(full, 0) : NULL;
		if (cJSON_IsObject(first) && postmark_inbound_string(first,
		    "Email", &out->to) == -1)
			return postmark_inbound_error(field, "ToFull", err,
			    errlen, "Email must be a string");
	}
	return 0;
}

/* Message-ID and In-Reply-To from the Headers array. */
static int
postmark_inbound_headers(const cJSON *j, struct postmark_inbound *out,
    const char **field, char *err, size_t errlen)
{
	const cJSON	*hs, *h, *name, *value;

	if (postmark_inbound_item(j, "Headers", 1, &hs) == -1)
		return postmark_inbound_error(field, "Headers", err, errlen,
		    "must be an array");
	if (hs == NULL)
		return 0;
	/* Postmark's own block: up to its Received-SPF (postmark-inbound.h). */
	cJSON_ArrayForEach(h, hs) {
		name = cJSON_GetObjectItemCaseSensitive(h, "Name");
		value = cJSON_GetObjectItemCaseSensitive(h, "Value");
		if (!cJSON_IsString(name) || !cJSON_IsString(value))
			continue;
		if (strcasecmp(name->valuestring, "Received-SPF") == 0) {
			mail_auth_received_spf(&out->auth, value->valuestring);
			break;
		}
	}
	if (h == NULL)		/* no Received-SPF: trust nothing */
		memset(&out->auth, 0, sizeof out->auth);
	else {
		const cJSON *g;

		cJSON_ArrayForEach(g, hs) {
			if (g == h)
				break;
			name = cJSON_GetObjectItemCaseSensitive(g, "Name");
			value = cJSON_GetObjectItemCaseSensitive(g, "Value");
			if (cJSON_IsString(name) && cJSON_IsString(value) &&
			    strcasecmp(name->valuestring,
			    "Authentication-Results") == 0)
				mail_auth_results(&out->auth,
				    value->valuestring);
		}
	}
	cJSON_ArrayForEach(h, hs) {
		name = cJSON_GetObjectItemCaseSensitive(h, "Name");
		value = cJSON_GetObjectItemCaseSensitive(h, "Value");
		if (!cJSON_IsString(name) || !cJSON_IsString(value))
			continue;
		if (out->message_id == NULL &&
		    strcasecmp(name->valuestring, "Message-ID") == 0)
			out->message_id = value->valuestring;
		else if (out->in_reply_to == NULL &&
		    strcasecmp(name->valuestring, "In-Reply-To") == 0)
			out->in_reply_to = value->valuestring;
	}
	return 0;
}

/* Count and name the attachments. */
static int
postmark_inbound_attachments(const cJSON *j, struct postmark_inbound *out,
    const char **field, char *err, size_t errlen)
{
	const cJSON	*as, *a, *name;
	const char	*p;
	size_t		 size = 0;
	int		 named = 0;
	FILE		*f;

	if (postmark_inbound_item(j, "Attachments", 1, &as) == -1)
		return postmark_inbound_error(field, "Attachments", err,
		    errlen, "must be an array");
	if (as == NULL)
		return 0;
	if ((f = open_memstream(&out->attachment_names, &size)) == NULL)
		return postmark_inbound_error(field, "Attachments", err,
		    errlen, "cannot be read: out of memory");
	cJSON_ArrayForEach(a, as) {
		if (!cJSON_IsObject(a))
			continue;
		out->attachments++;
		name = cJSON_GetObjectItemCaseSensitive(a, "Name");
		if (!cJSON_IsString(name) || name->valuestring[0] == '\0')
			continue;
		if (named++ > 0)
			fputc(',', f);
		/* A comma would split the list; controls have no place. */
		for (p = name->valuestring; *p != '\0'; p++)
			fputc(*p == ',' || (unsigned char)*p < 0x20 ||
			    *p == 0x7f ? '_' : *p, f);
	}
	if (fclose(f) != 0 || named == 0) {
		free(out->attachment_names);
		out->attachment_names = NULL;
	}
	return 0;
}

/* Parse one inbound webhook body. */
int
postmark_inbound_parse(const char *body, size_t len,
    struct postmark_inbound *out, const char **field, char *err,
    size_t errlen)
{
	cJSON	*j;

	memset(out, 0, sizeof *out);
	if (body == NULL || (j = strict_json(body, len)) == NULL)
		return postmark_inbound_error(field, "body", err, errlen,
		    "is not valid JSON");
	if (!cJSON_IsObject(j)) {
		postmark_inbound_error(field, "body", err, errlen,
		    "is not a JSON object");
		goto fail;
	}
	if (postmark_inbound_string(j, "MessageID", &out->id) == -1 ||
	    out->id == NULL || out->id[0] == '\0') {
		postmark_inbound_error(field, "MessageID", err, errlen,
		    "must be a non-empty string");
		goto fail;
	}
	if (postmark_inbound_addresses(j, out, field, err, errlen) == -1)
		goto fail;
	if (postmark_inbound_string(j, "Subject", &out->subject) == -1) {
		postmark_inbound_error(field, "Subject", err, errlen,
		    "must be a string");
		goto fail;
	}
	if (postmark_inbound_string(j, "TextBody", &out->text) == -1) {
		postmark_inbound_error(field, "TextBody", err, errlen,
		    "must be a string");
		goto fail;
	}
	if (postmark_inbound_string(j, "HtmlBody", &out->html) == -1) {
		postmark_inbound_error(field, "HtmlBody", err, errlen,
		    "must be a string");
		goto fail;
	}
	if (postmark_inbound_headers(j, out, field, err, errlen) == -1 ||
	    postmark_inbound_attachments(j, out, field, err, errlen) == -1)
		goto fail;
	out->text_len = out->text ? strlen(out->text) : 0;
	out->html_len = out->html ? strlen(out->html) : 0;
	out->json = j;
	return 0;
fail:
	cJSON_Delete(j);
	free(out->attachment_names);
	memset(out, 0, sizeof *out);
	return -1;
}

/* Free what postmark_inbound_parse kept. */
void
postmark_inbound_free(struct postmark_inbound *in)
{
	if (in == NULL)
		return;
	cJSON_Delete(in->json);
	free(in->attachment_names);
	memset(in, 0, sizeof *in);
}
