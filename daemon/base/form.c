/*
 * form.c: an application/x-www-form-urlencoded parser that keeps every pair
 * byte-exact, in order, decoded and raw.  All strings of one form live in a
 * single allocation so a Twilio webhook costs two mallocs, not dozens.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/form.h"

/* Write a formatted error message into err if there is room for one. */
static void __attribute__((format(printf, 3, 4)))
form_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The value of one hex digit, or -1 if c is not one. */
static int
form_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode in into out (len + 1 bytes), '+' as space if asked. */
int
form_decode(const char *in, size_t len, int flags, char *out, size_t *outlen,
    size_t *erroff)
{
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 i, o = 0;
	int			 hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (len - i < 3 ||
			    (hi = form_hex(s[i + 1])) == -1 ||
			    (lo = form_hex(s[i + 2])) == -1) {
				if (erroff != NULL)
					*erroff = i;
				out[o] = '\0';
				*outlen = o;
				return -1;
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && (flags & FORM_PLUS_IS_SPACE))
			out[o++] = ' ';
		else
			out[o++] = (char)s[i];
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/* Copy n bytes to *mem as a NUL-terminated string and advance *mem. */
static char *
form_copy(char **mem, const char *s, size_t n)
{
	char	*p = *mem;

	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	*mem += n + 1;
	return p;
}

/* Parse a urlencoded body into ordered, decoded and raw pairs. */
int
form_parse(const char *body, size_t len, struct form *out, char *err,
    size_t errlen)
{
	struct form_pair	*fp;
	const char		*p, *end, *amp, *eq;
	char			*mem;
	size_t			 n = 0, klen, vlen, off;

	memset(out, 0, sizeof *out);
	if (len > 0 && body == NULL) {
		form_error(err, errlen, "no body");
		return -1;
	}
	/* Each byte is stored twice (raw and decoded) plus four NULs a pair. */
	if (len > (SIZE_MAX - 4 * (FORM_MAX_PAIRS + 1)) / 2) {
		form_error(err, errlen, "body too large");
		return -1;
	}

	/* First pass: count the non-empty pairs. */
	end = body + len;
	for (p = body; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', end - p)) == NULL)
			amp = end;
		if (amp != p && ++n > FORM_MAX_PAIRS) {
			form_error(err, errlen, "more than %d pairs",
			    FORM_MAX_PAIRS);
			return -1;
		}
	}
	if (n == 0)
		return 0;

	if ((out->pairs = calloc(n, sizeof *out->pairs)) == NULL ||
	    (out->mem = malloc(2 * len + 4 * n)) == NULL) {
		form_error(err, errlen, "out of memory");
		form_free(out);
		return -1;
	}
	mem = out->mem;

	/* Second pass: copy and decode each pair. */
	for (p = body; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', end - p)) == NULL)
			amp = end;
		if (amp == p)
			continue;
		fp = &out->pairs[out->n++];
		if ((eq = memchr(p, '=', amp - p)) != NULL) {
			klen = eq - p;
			vlen = amp - eq - 1;
		} else {
			klen = amp - p;
			vlen = 0;
		}
		fp->raw_key = form_copy(&mem, p, klen);
		fp->raw_key_len = klen;
		fp->raw_value = form_copy(&mem, eq != NULL ? eq + 1 : "", vlen);
		fp->raw_value_len = vlen;

		fp->key = mem;
		if (form_decode(p, klen, FORM_PLUS_IS_SPACE, fp->key,
		    &fp->key_len, &off) == -1) {
			form_error(err, errlen, "pair %zu: malformed escape "
			    "in key at offset %zu", out->n, (size_t)(p - body) +
			    off);
			form_free(out);
			return -1;
		}
		mem += fp->key_len + 1;
		fp->value = mem;
		if (form_decode(eq != NULL ? eq + 1 : "", vlen,
		    FORM_PLUS_IS_SPACE, fp->value, &fp->value_len,
		    &off) == -1) {
			form_error(err, errlen, "pair %zu: malformed escape "
			    "in value at offset %zu", out->n,
			    (size_t)(eq + 1 - body) + off);
			form_free(out);
			return -1;
		}
		mem += fp->value_len + 1;
	}
	return 0;
}

/* Find the first pair with the given decoded key. */
const struct form_pair *
form_get(const struct form *form, const char *key)
{
	size_t	i, len = strlen(key);

	for (i = 0; i < form->n; i++) {
		if (form->pairs[i].key_len == len &&
		    memcmp(form->pairs[i].key, key, len) == 0)
			return &form->pairs[i];
	}
	return NULL;
}

/* Release a parsed form. */
void
form_free(struct form *form)
{
	free(form->pairs);
	free(form->mem);
	memset(form, 0, sizeof *form);
}
