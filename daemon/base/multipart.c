/*
 * multipart.c: a multipart/form-data parser.  Structure (delimiters, header
 * blocks) is checked strictly; what came from an email's sender (filenames,
 * odd parameters) is taken leniently, because refusing a webhook makes the
 * provider drop a young person's message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/form.h"
#include "base/multipart.h"

/* Where the next delimiter line is, as found by multipart_delimiter. */
struct multipart_delim {
	size_t	start;		/* offset of its "--" */
	size_t	next;		/* offset just after its line end */
	int	closing;	/* "--boundary--" */
};

/* Write a formatted error message into err if there is room for one. */
static void __attribute__((format(printf, 3, 4)))
multipart_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Whether c is linear white space inside a header. */
static int
multipart_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Copy a parameter value starting at p (quoted or a token) into v, which
 * may be NULL to only skip it; return where the value ends.
 */
static const char *
multipart_param_value(const char *p, char *v)
{
	size_t	o = 0;

	if (*p == '"') {
		/* \" and \\ are escapes; an unclosed quote ends here. */
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			if (v != NULL)
				v[o++] = *p;
		}
		if (*p == '"')
			p++;
	} else {
		for (; *p != '\0' && *p != ';'; p++)
			if (v != NULL)
				v[o++] = *p;
		while (v != NULL && o > 0 && multipart_space(v[o - 1]))
			o--;
	}
	if (v != NULL)
		v[o] = '\0';
	return p;
}

/*
 * Find the value of parameter want in a header value such as
 * "form-data; name=\"a\"; filename=b" and store a copy in *out (NULL when
 * absent).  Malformed parameters are skipped, not refused.
 */
static int
multipart_param(const char *value, const char *want, char **out)
{
	const char	*p, *name, *end;
	size_t		 name_len, wlen = strlen(want);

	*out = NULL;
	p = strchr(value, ';');
	while (p != NULL && *p != '\0') {
		p++;				/* the ';' */
		while (multipart_space(*p))
			p++;
		name = p;
		while (*p != '\0' && *p != '=' && *p != ';' &&
		    !multipart_space(*p))
			p++;
		name_len = p - name;
		while (multipart_space(*p))
			p++;
		if (*p != '=') {
			p = strchr(p, ';');	/* no value: skip it */
			continue;
		}
		p++;
		while (multipart_space(*p))
			p++;
		end = multipart_param_value(p, NULL);
		if (name_len == wlen && strncasecmp(name, want, wlen) == 0) {
			if ((*out = malloc(end - p + 1)) == NULL)
				return -1;
			multipart_param_value(p, *out);
			return 0;
		}
		p = strchr(end, ';');
	}
	return 0;
}

/* Copy the boundary of a multipart/form-data Content-Type value. */
int
multipart_boundary(const char *content_type, char *out, size_t outlen,
    char *err, size_t errlen)
{
	const char	*p, *type = "multipart/form-data";
	char		*b;
	size_t		 n, i;

	if (content_type == NULL) {
		multipart_error(err, errlen, "no Content-Type");
		return -1;
	}
	for (p = content_type; multipart_space(*p); p++)
		;
	n = strlen(type);
	if (strncasecmp(p, type, n) != 0 ||
	    (p[n] != '\0' && p[n] != ';' && !multipart_space(p[n]))) {
		multipart_error(err, errlen,
		    "Content-Type is not multipart/form-data");
		return -1;
	}
	if (multipart_param(p, "boundary", &b) == -1) {
		multipart_error(err, errlen, "out of memory");
		return -1;
	}
	if (b == NULL || *b == '\0') {
		multipart_error(err, errlen, "no boundary in Content-Type");
		free(b);
		return -1;
	}
	if ((n = strlen(b)) > MULTIPART_MAX_BOUNDARY) {
		multipart_error(err, errlen, "boundary longer than %d "
		    "characters", MULTIPART_MAX_BOUNDARY);
		free(b);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)b[i] < 0x20 || b[i] == 0x7f) {
			multipart_error(err, errlen,
			    "control character in boundary");
			free(b);
			return -1;
		}
	}
	if (n + 1 > outlen) {
		multipart_error(err, errlen, "boundary buffer too small");
		free(b);
		return -1;
	}
	memcpy(out, b, n + 1);
	free(b);
	return 0;
}

/*
 * Find the first delimiter line for delim ("--boundary") at or after from:
 * at the start of a line, then "--", or optional spaces and a line end.
 */
static int
multipart_delimiter(const char *body, size_t len, size_t from,
    const char *delim, size_t dlen, struct multipart_delim *d)
{
	const char	*hit;
	size_t		 p, q;

	while (from < len &&
	    (hit = memmem(body + from, len - from, delim, dlen)) != NULL) {
		p = hit - body;
		from = p + 1;
		if (p > 0 && body[p - 1] != '\n')
			continue;
		q = p + dlen;
		if (len - q >= 2 && body[q] == '-' && body[q + 1] == '-') {
			d->start = p;
			d->next = q + 2;
			d->closing = 1;
			return 0;
		}
		while (q < len && multipart_space(body[q]))
			q++;
		if (q < len && body[q] == '\n')
			q++;
		else if (len - q >= 2 && body[q] == '\r' && body[q + 1] == '\n')
			q += 2;
		else
			continue;	/* "--boundaryX": part of the data */
		d->start = p;
		d->next = q;
		d->closing = 0;
		return 0;
	}
	return -1;
}

/* Take what a part needs from one unfolded header line. */
static int
multipart_header(char *line, size_t partno, struct multipart_part *part,
    char *err, size_t errlen)
{
	char	*colon, *value, *end, *star;
	size_t	 n;

	if ((colon = strchr(line, ':')) == NULL || colon == line) {
		multipart_error(err, errlen, "part %zu: malformed header line",
		    partno);
		return -1;
	}
	for (end = colon; end > line && multipart_space(end[-1]); end--)
		;
	*end = '\0';
	for (value = colon + 1; multipart_space(*value); value++)
		;
	for (end = value + strlen(value); end > value &&
	    multipart_space(end[-1]); end--)
		;
	*end = '\0';

	if (strcasecmp(line, "Content-Type") == 0) {
		if (part->content_type == NULL &&
		    (part->content_type = strdup(value)) == NULL)
			goto nomem;
		return 0;
	}
	if (strcasecmp(line, "Content-Disposition") != 0 || part->name != NULL)
		return 0;
	/* The disposition type is not checked: only its parameters matter. */
	if (multipart_param(value, "name", &part->name) == -1)
		goto nomem;
	if (part->name == NULL) {
		multipart_error(err, errlen,
		    "part %zu: no name in Content-Disposition", partno);
		return -1;
	}
	if (multipart_param(value, "filename", &part->filename) == -1)
		goto nomem;
	if (part->filename != NULL)
		return 0;
	/* RFC 5987 filename*=charset'lang'percent-encoded, decoded if valid. */
	if (multipart_param(value, "filename*", &star) == -1)
		goto nomem;
	if (star == NULL)
		return 0;
	if ((value = strchr(star, '\'')) == NULL ||
	    (value = strchr(value + 1, '\'')) == NULL) {
		part->filename = star;		/* not RFC 5987: keep it */
		return 0;
	}
	value++;
	if ((part->filename = malloc(strlen(value) + 1)) == NULL) {
		free(star);
		goto nomem;
	}
	if (form_decode(value, strlen(value), 0, part->filename, &n,
	    NULL) == -1)
		memcpy(part->filename, value, strlen(value) + 1);
	free(star);
	return 0;

nomem:
	multipart_error(err, errlen, "out of memory");
	return -1;
}

/*
 * Read the header block of part partno starting at pos; on success store
 * where its data starts in *data.
 */
static int
multipart_headers(const char *body, size_t len, size_t pos, size_t partno,
    struct multipart_part *part, size_t *data, char *err, size_t errlen)
{
	const char	*nl;
	char		*line;
	size_t		 cur = pos, avail, lstart = 0, lend = 0, i, o;
	int		 have = 0, blank;

	for (;;) {
		avail = len - cur;
		if (avail > MULTIPART_MAX_HEADER - (cur - pos))
			avail = MULTIPART_MAX_HEADER - (cur - pos);
		if ((nl = memchr(body + cur, '\n', avail)) == NULL) {
			if (avail < len - cur)
				multipart_error(err, errlen, "part %zu: "
				    "headers longer than %d bytes", partno,
				    MULTIPART_MAX_HEADER);
			else
				multipart_error(err, errlen,
				    "part %zu: headers not terminated", partno);
			return -1;
		}
		i = nl - body;
		blank = i == cur || (i == cur + 1 && body[cur] == '\r');
		if (!blank && multipart_space(body[cur]) && have) {
			lend = i;		/* a folded continuation */
			cur = i + 1;
			continue;
		}
		if (have) {
			/* Unfold: drop the line ends inside [lstart, lend). */
			if (memchr(body + lstart, '\0',
			    lend - lstart) != NULL) {
				multipart_error(err, errlen,
				    "part %zu: NUL byte in headers", partno);
				return -1;
			}
			if ((line = malloc(lend - lstart + 1)) == NULL) {
				multipart_error(err, errlen, "out of memory");
				return -1;
			}
			for (o = 0, i = lstart; i < lend; i++)
				if (body[i] != '\r' && body[i] != '\n')
					line[o++] = body[i];
			line[o] = '\0';
			if (multipart_header(line, partno, part, err,
			    errlen) == -1) {
				free(line);
				return -1;
			}
			free(line);
			have = 0;
		}
		if (blank) {
			*data = nl - body + 1;
			break;
		}
		if (multipart_space(body[cur])) {
			multipart_error(err, errlen, "part %zu: continuation "
			    "line before any header", partno);
			return -1;
		}
		lstart = cur;
		lend = nl - body;
		have = 1;
		cur = lend + 1;
	}
	if (part->name == NULL) {
		multipart_error(err, errlen,
		    "part %zu: no Content-Disposition header", partno);
		return -1;
	}
	return 0;
}

/* Parse a multipart/form-data body into its parts. */
int
multipart_parse(const char *content_type, const char *body, size_t len,
    struct multipart *out, char *err, size_t errlen)
{
	struct multipart_delim	 d;
	struct multipart_part	*part, *np;
	char			 delim[2 + MULTIPART_MAX_BOUNDARY + 1];
	size_t			 dlen, cap = 0, pos, data, end;

	memset(out, 0, sizeof *out);
	memcpy(delim, "--", 2);
	if (multipart_boundary(content_type, delim + 2, sizeof delim - 2, err,
	    errlen) == -1)
		return -1;
	dlen = strlen(delim);
	if (body == NULL)
		len = 0;

	if (multipart_delimiter(body, len, 0, delim, dlen, &d) == -1) {
		multipart_error(err, errlen, "no boundary delimiter in body");
		return -1;
	}
	while (!d.closing) {
		if (out->n == MULTIPART_MAX_PARTS) {
			multipart_error(err, errlen, "more than %d parts",
			    MULTIPART_MAX_PARTS);
			goto fail;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			if (cap > MULTIPART_MAX_PARTS)
				cap = MULTIPART_MAX_PARTS;
			if ((np = reallocarray(out->parts, cap,
			    sizeof *np)) == NULL) {
				multipart_error(err, errlen, "out of memory");
				goto fail;
			}
			out->parts = np;
		}
		part = &out->parts[out->n++];
		memset(part, 0, sizeof *part);

		pos = d.next;
		if (multipart_headers(body, len, pos, out->n, part, &data,
		    err, errlen) == -1)
			goto fail;
		if (multipart_delimiter(body, len, data, delim, dlen,
		    &d) == -1) {
			multipart_error(err, errlen,
			    "part %zu: missing closing delimiter", out->n);
			goto fail;
		}
		/* The line end before a delimiter belongs to the delimiter. */
		end = d.start;
		if (end > data && body[end - 1] == '\n')
			end--;
		if (end > data && body[end - 1] == '\r')
			end--;
		if ((part->data = malloc(end - data + 1)) == NULL) {
			multipart_error(err, errlen, "out of memory");
			goto fail;
		}
		if (end > data)
			memcpy(part->data, body + data, end - data);
		part->data[end - data] = '\0';
		part->len = end - data;
	}
	return 0;

fail:
	multipart_free(out);
	return -1;
}

/* Find the first part with the given name. */
const struct multipart_part *
multipart_get(const struct multipart *mp, const char *name)
{
	size_t	i;

	for (i = 0; i < mp->n; i++)
		if (strcmp(mp->parts[i].name, name) == 0)
			return &mp->parts[i];
	return NULL;
}

/* Count the parts that are attachments. */
size_t
multipart_attachments(const struct multipart *mp)
{
	size_t	i, n = 0;

	for (i = 0; i < mp->n; i++)
		if (mp->parts[i].filename != NULL)
			n++;
	return n;
}

/* Release a parsed body. */
void
multipart_free(struct multipart *mp)
{
	size_t	i;

	for (i = 0; i < mp->n; i++) {
		free(mp->parts[i].name);
		free(mp->parts[i].filename);
		free(mp->parts[i].content_type);
		free(mp->parts[i].data);
	}
	free(mp->parts);
	memset(mp, 0, sizeof *mp);
}
