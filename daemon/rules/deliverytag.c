/*
 * deliverytag.c: see deliverytag.h.
 */
#include <stdio.h>
#include <string.h>

#include "rules/deliverytag.h"

/* Whether c may stand for itself in a tag's value (RFC 3986 unreserved). */
static int
deliverytag_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* Append key=value (percent-encoded); -1 when it does not fit. */
static int
deliverytag_add(char *buf, size_t len, size_t *off, const char *key,
    const char *v)
{
	const unsigned char	*p;
	int			 n;

	if (v == NULL || v[0] == '\0')
		return 0;
	n = snprintf(buf + *off, len - *off, "%s%s=", *off > 0 ? "&" : "",
	    key);
	if (n < 0 || (size_t)n >= len - *off)
		return -1;
	*off += (size_t)n;
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (deliverytag_plain(*p))
			n = snprintf(buf + *off, len - *off, "%c", *p);
		else
			n = snprintf(buf + *off, len - *off, "%%%02X", *p);
		if (n < 0 || (size_t)n >= len - *off)
			return -1;
		*off += (size_t)n;
	}
	return 0;
}

/* Whether a conversation id is "P-N" (digits, a dash, digits). */
static int
deliverytag_conv_ok(const char *s)
{
	size_t	i = 0, a, b;

	for (a = 0; s[i] >= '0' && s[i] <= '9'; i++)
		a++;
	if (a == 0 || s[i++] != '-')
		return 0;
	for (b = 0; s[i] >= '0' && s[i] <= '9'; i++)
		b++;
	return b > 0 && s[i] == '\0';
}

/* Whether a kind is a step number, "w" or "u" and a number. */
static int
deliverytag_kind_ok(const char *s)
{
	size_t	i = 0;

	if (strcmp(s, "w") == 0)
		return 1;
	if (s[0] == 'u')
		i = 1;
	if (s[i] == '\0')
		return 0;
	for (; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Whether a purpose is one replyd sends. */
static int
deliverytag_purpose_ok(const char *s)
{
	return strcmp(s, "alert") == 0 || strcmp(s, "reply") == 0 ||
	    strcmp(s, "receipt") == 0 || strcmp(s, "staff") == 0;
}

/* Whether a person id has no control character (it is a key of the
 * configuration's "people": any other byte is percent-encoded). */
static int
deliverytag_person_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

/* Write a tag. */
int
deliverytag_make(const struct deliverytag *t, char *buf, size_t len)
{
	size_t	off = 0;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	if ((t->conv[0] != '\0' && !deliverytag_conv_ok(t->conv)) ||
	    !deliverytag_purpose_ok(t->purpose) ||
	    (t->kind[0] != '\0' && !deliverytag_kind_ok(t->kind)) ||
	    !deliverytag_person_ok(t->person))
		return -1;
	if (deliverytag_add(buf, len, &off, "c", t->conv) == -1 ||
	    deliverytag_add(buf, len, &off, "u", t->purpose) == -1 ||
	    deliverytag_add(buf, len, &off, "k", t->kind) == -1 ||
	    deliverytag_add(buf, len, &off, "p", t->person) == -1 ||
	    deliverytag_add(buf, len, &off, "f", t->failover ? "1" : NULL) ==
	    -1) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

/* The value of a hex digit, or -1. */
static int
deliverytag_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s[0..len) into out (size bytes, NUL-terminated); -1 if it is
 * malformed, too long, or decodes to a NUL or control byte. */
static int
deliverytag_decode(const char *s, size_t len, char *out, size_t size)
{
	size_t	i, o = 0;
	int		hi, lo;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= len || (hi = deliverytag_hex(
			    (unsigned char)s[i + 1])) == -1 ||
			    (lo = deliverytag_hex((unsigned char)s[i + 2])) ==
			    -1)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+')
			c = ' ';
		if (c < 0x20 || c == 0x7f || o + 1 >= size)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* Read a tag. */
int
deliverytag_parse(const char *s, size_t len, struct deliverytag *out)
{
	const char	*p = s, *end = s + len, *amp, *eq;
	char		 key[8], f[4];
	char		*dst;
	size_t		 size;

	memset(out, 0, sizeof *out);
	if (s == NULL)
		return -1;
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL || eq == p || (size_t)(eq - p) >= sizeof key)
			goto bad;
		memcpy(key, p, (size_t)(eq - p));
		key[eq - p] = '\0';
		dst = NULL;
		size = 0;
		if (strcmp(key, "c") == 0) {
			dst = out->conv;
			size = sizeof out->conv;
		} else if (strcmp(key, "u") == 0) {
			dst = out->purpose;
			size = sizeof out->purpose;
		} else if (strcmp(key, "k") == 0) {
			dst = out->kind;
			size = sizeof out->kind;
		} else if (strcmp(key, "p") == 0) {
			dst = out->person;
			size = sizeof out->person;
		} else if (strcmp(key, "f") == 0) {
			dst = f;
			size = sizeof f;
		}
		if (dst != NULL && deliverytag_decode(eq + 1,
		    (size_t)(amp - eq - 1), dst, size) == -1)
			goto bad;
		if (dst == f)
			out->failover = strcmp(f, "1") == 0;
		p = amp + 1;
	}
	if ((out->conv[0] != '\0' && !deliverytag_conv_ok(out->conv)) ||
	    (out->purpose[0] != '\0' && !deliverytag_purpose_ok(out->purpose)) ||
	    (out->kind[0] != '\0' && !deliverytag_kind_ok(out->kind)) ||
	    !deliverytag_person_ok(out->person))
		goto bad;
	return 0;
bad:
	memset(out, 0, sizeof *out);
	return -1;
}
