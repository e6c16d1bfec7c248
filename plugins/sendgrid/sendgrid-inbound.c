/*
 * sendgrid-inbound.c: reads SendGrid Inbound Parse posts (credentials are
 * checked by plugins/shared/http-auth.c): the fields that need more than
 * a lookup.
 * No I/O, no state between calls.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "strict-json.h"
#include "sendgrid-inbound.h"

/* Is c a space or a tab? */
static int
sendgrid_inbound_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The end of the line starting at i (its LF, or len). */
static size_t
sendgrid_inbound_eol(const char *s, size_t len, size_t i)
{
	const char	*nl = memchr(s + i, '\n', len - i);

	return nl ? (size_t)(nl - s) : len;
}

/* The value of a header in a header block, unfolded and trimmed, or NULL. */
char *
sendgrid_inbound_header(const char *block, size_t len, const char *name)
{
	size_t	 nlen, i = 0, e, c, k, vlen = 0;
	char	*v;

	if (block == NULL || name == NULL || (nlen = strlen(name)) == 0)
		return NULL;
	while (i < len) {
		e = sendgrid_inbound_eol(block, len, i);
		c = e > i && block[e - 1] == '\r' ? e - 1 : e;
		if (c == i)
			return NULL;		/* the empty line ends it */
		/* "Name:" or "Name :" at the start of a line (not folded). */
		k = i + nlen;
		while (k < c && sendgrid_inbound_blank(block[k]))
			k++;
		if (!sendgrid_inbound_blank(block[i]) && i + nlen < c &&
		    strncasecmp(block + i, name, nlen) == 0 && k < c &&
		    block[k] == ':')
			break;
		i = e + 1;
	}
	if (i >= len)
		return NULL;
	if ((v = malloc(len - i + 1)) == NULL)
		return NULL;
	k++;		/* past ':' */
	for (;;) {
		memcpy(v + vlen, block + k, c - k);
		vlen += c - k;
		/* Unfold: the next line continues it if it starts blank. */
		i = e + 1;
		if (i >= len || !sendgrid_inbound_blank(block[i]))
			break;
		e = sendgrid_inbound_eol(block, len, i);
		c = e > i && block[e - 1] == '\r' ? e - 1 : e;
		k = i;
	}
	/* A NUL would end the string early: the value ends there. */
	vlen = strnlen(v, vlen);
	k = 0;
	while (k < vlen && sendgrid_inbound_blank(v[k]))
		k++;
	while (vlen > k && (sendgrid_inbound_blank(v[vlen - 1]) ||
	    v[vlen - 1] == '\r'))
		vlen--;
	memmove(v, v + k, vlen - k);
	v[vlen - k] = '\0';
	return v;
}

/* Names and count of the attachments in attachment-info JSON. */
char *
sendgrid_inbound_attachment_names(const char *json, size_t len, int *count)
{
	cJSON		*j;
	const cJSON	*a, *fn;
	const char	*p;
	char		*names = NULL;
	size_t		 size = 0;
	int		 named = 0;
	FILE		*f;

	*count = 0;
	if (json == NULL || (j = strict_json(json, len)) == NULL)
		return NULL;
	if (!cJSON_IsObject(j) || (f = open_memstream(&names, &size)) == NULL) {
		cJSON_Delete(j);
		return NULL;
	}
	cJSON_ArrayForEach(a, j) {
		if (!cJSON_IsObject(a))
			continue;
		(*count)++;
		fn = cJSON_GetObjectItemCaseSensitive(a, "filename");
		if (!cJSON_IsString(fn) || fn->valuestring[0] == '\0')
			fn = cJSON_GetObjectItemCaseSensitive(a, "name");
		if (!cJSON_IsString(fn) || fn->valuestring[0] == '\0')
			continue;
		if (named++ > 0)
			fputc(',', f);
		for (p = fn->valuestring; *p != '\0'; p++)
			fputc(*p == ',' || (unsigned char)*p < 0x20 ||
			    *p == 0x7f ? '_' : *p, f);
	}
	cJSON_Delete(j);
	if (fclose(f) != 0 || named == 0) {
		free(names);
		return NULL;
	}
	return names;
}

/* What Windows-1252 puts at 0x80 to 0x9f (0: undefined, kept as C1). */
static const unsigned short sendgrid_inbound_cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178
};

/* Is this the name of Latin-1 or Windows-1252? */
static int
sendgrid_inbound_is_latin1(const char *cs)
{
	static const char *const names[] = {
		"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1",
		"l1", "windows-1252", "cp1252", "x-cp1252"
	};
	size_t	i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(cs, names[i]) == 0)
			return 1;
	return 0;
}

/* A Latin-1 or Windows-1252 field as UTF-8, or NULL to keep it. */
char *
sendgrid_inbound_utf8(const char *charsets, size_t charsets_len,
    const char *field, const char *in, size_t len, size_t *outlen)
{
	cJSON		*j;
	const cJSON	*cs;
	unsigned	 cp;
	size_t		 i, n = 0;
	char		*out;
	int		 latin1;

	if (charsets == NULL || field == NULL || in == NULL ||
	    (j = strict_json(charsets, charsets_len)) == NULL)
		return NULL;
	cs = cJSON_GetObjectItemCaseSensitive(j, field);
	latin1 = cJSON_IsString(cs) && sendgrid_inbound_is_latin1(
	    cs->valuestring);
	cJSON_Delete(j);
	if (!latin1 || len > (SIZE_MAX - 1) / 3 ||
	    (out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		cp = (unsigned char)in[i];
		if (cp >= 0x80 && cp < 0xa0 &&
		    sendgrid_inbound_cp1252[cp - 0x80] != 0)
			cp = sendgrid_inbound_cp1252[cp - 0x80];
		if (cp < 0x80)
			out[n++] = (char)cp;
		else if (cp < 0x800) {
			out[n++] = (char)(0xc0 | (cp >> 6));
			out[n++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[n++] = (char)(0xe0 | (cp >> 12));
			out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[n++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

char *
sendgrid_inbound_envelope_from(const char *json, size_t len)
{
	cJSON		*j;
	const cJSON	*from;
	char		*out = NULL;

	if (json == NULL || (j = strict_json(json, len)) == NULL)
		return NULL;
	from = cJSON_GetObjectItemCaseSensitive(j, "from");
	if (cJSON_IsString(from) && from->valuestring[0] != '\0')
		out = strdup(from->valuestring);
	cJSON_Delete(j);
	return out;
}
