/*
 * notify-receipt.c: see notify-receipt.h.  No I/O, no state between
 * calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json-unnul.h"
#include "notify-receipt.h"
#include "strict-json.h"

#define NOTIFY_PAGE_MAX		1000	/* Notify pages are 250 */

/* A string member: 0 with *out (NULL when absent or null), -1 when it is
 * another type. */
static int
notify_string(const cJSON *obj, const char *key, const char **out)
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

/* Set an error naming the field. */
static int
notify_error(const char **field, const char *name, char *err, size_t errlen,
    const char *why)
{
	if (field != NULL)
		*field = name;
	if (errlen > 0)
		snprintf(err, errlen, "%s %s", name, why);
	return -1;
}

/* Whether s is a status word: lower-case letters and '-', 1 to 31. */
static int
notify_word(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '-') || n >= 31)
			return 0;
	return n > 0;
}

/* Parse a delivery receipt. */
int
notify_receipt_parse(const char *body, size_t len, struct notify_receipt *out,
    const char **field, char *err, size_t errlen)
{
	cJSON	*j;
	int	 rc = -1;

	memset(out, 0, sizeof *out);
	if (body == NULL || (j = strict_json(body, len)) == NULL)
		return notify_error(field, "body", err, errlen,
		    "is not valid JSON");
	if (!cJSON_IsObject(j))
		notify_error(field, "body", err, errlen, "is not a JSON object");
	else if (notify_string(j, "id", &out->id) == -1 || out->id == NULL ||
	    out->id[0] == '\0')
		notify_error(field, "id", err, errlen,
		    "must be a non-empty string");
	else if (notify_string(j, "status", &out->status) == -1 ||
	    out->status == NULL || !notify_word(out->status))
		notify_error(field, "status", err, errlen,
		    "must be a status word");
	else if (notify_string(j, "reference", &out->reference) == -1)
		notify_error(field, "reference", err, errlen,
		    "must be a string");
	else if (notify_string(j, "notification_type", &out->type) == -1)
		notify_error(field, "notification_type", err, errlen,
		    "must be a string");
	else
		rc = 0;
	if (rc == -1) {
		cJSON_Delete(j);
		memset(out, 0, sizeof *out);
		return -1;
	}
	out->delivery = REPLYD_DELIVERY_PENDING;
	if (strcmp(out->status, "delivered") == 0)
		out->delivery = REPLYD_DELIVERY_DELIVERED;
	else if (strcmp(out->status, "permanent-failure") == 0 ||
	    strcmp(out->status, "temporary-failure") == 0 ||
	    strcmp(out->status, "technical-failure") == 0)
		out->delivery = REPLYD_DELIVERY_FAILED;
	out->json = j;
	return 0;
}

/* Free what notify_receipt_parse kept. */
void
notify_receipt_free(struct notify_receipt *r)
{
	if (r == NULL)
		return;
	cJSON_Delete(r->json);
	memset(r, 0, sizeof *r);
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t
notify_days(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Read n digits at s; -1 when they are not. */
static int
notify_digits(const char *s, int n)
{
	int	v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* An ISO 8601 UTC time as Notify writes it. */
int64_t
notify_time(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 y, mo, d, h, mi, se;
	size_t	 i = 19;

	if (s == NULL || strlen(s) < 19 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
		return -1;
	if ((y = notify_digits(s, 4)) < 1970 || (mo = notify_digits(s + 5,
	    2)) < 1 || mo > 12 || (d = notify_digits(s + 8, 2)) < 1 ||
	    d > mdays[mo - 1] || (h = notify_digits(s + 11, 2)) < 0 ||
	    h > 23 || (mi = notify_digits(s + 14, 2)) < 0 || mi > 59 ||
	    (se = notify_digits(s + 17, 2)) < 0 || se > 60)
		return -1;
	if (s[i] == '.')
		for (i++; s[i] >= '0' && s[i] <= '9' && i < 40; i++)
			;
	if (!(s[i] == '\0' || strcmp(s + i, "Z") == 0 ||
	    strcmp(s + i, "+00:00") == 0))
		return -1;
	return notify_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
}

/* Whether s looks like a phone number: digits, an optional '+', and the
 * usual punctuation, 7 to 15 digits. */
static int
notify_phone_like(const char *s)
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
	return digits >= 7 && digits <= 15;
}

/* Parse a page of received text messages. */
int
notify_page_parse(const char *body, size_t len, struct notify_page *out,
    char *err, size_t errlen)
{
	const cJSON		*list, *e, *links;
	struct notify_received	*m;
	cJSON			*j;
	const char		*v;
	size_t			 n;

	memset(out, 0, sizeof *out);
	if (body == NULL || (j = strict_json(body, len)) == NULL)
		return notify_error(NULL, "body", err, errlen,
		    "is not valid JSON");
	list = cJSON_GetObjectItemCaseSensitive(j, "received_text_messages");
	if (!cJSON_IsObject(j) || !cJSON_IsArray(list) ||
	    (n = (size_t)cJSON_GetArraySize(list)) > NOTIFY_PAGE_MAX) {
		cJSON_Delete(j);
		return notify_error(NULL, "received_text_messages", err, errlen,
		    "must be a list of at most 1000");
	}
	if (n > 0 && (out->messages = calloc(n, sizeof *out->messages)) ==
	    NULL) {
		cJSON_Delete(j);
		return notify_error(NULL, "body", err, errlen,
		    "is too large (out of memory)");
	}
	cJSON_ArrayForEach(e, list) {
		m = &out->messages[out->n];
		memset(m, 0, sizeof *m);
		if (!cJSON_IsObject(e) || notify_string(e, "id", &m->id) ==
		    -1 || m->id == NULL || m->id[0] == '\0' ||
		    notify_string(e, "user_number", &m->user_number) == -1 ||
		    m->user_number == NULL ||
		    !notify_phone_like(m->user_number) ||
		    notify_string(e, "content", &m->content) == -1 ||
		    m->content == NULL ||
		    notify_string(e, "notify_number", &m->notify_number) == -1) {
			out->skipped++;
			continue;
		}
		m->content_len = strlen(m->content);
		if (notify_string(e, "created_at", &v) == 0 && v != NULL &&
		    notify_time(v) > 0)
			m->created_at = notify_time(v);
		out->n++;
	}
	links = cJSON_GetObjectItemCaseSensitive(j, "links");
	if (out->n > 0 && cJSON_IsObject(links) &&
	    notify_string(links, "next", &v) == 0 && v != NULL && v[0] != '\0')
		out->older_than = out->messages[out->n - 1].id;
	out->json = j;
	return 0;
}

/* Free what notify_page_parse kept. */
void
notify_page_free(struct notify_page *p)
{
	if (p == NULL)
		return;
	free(p->messages);
	cJSON_Delete(p->json);
	memset(p, 0, sizeof *p);
}
