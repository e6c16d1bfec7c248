/*
 * csv.c: a small RFC 4180 reader.  Bounded: at most CSV_MAX_FIELDS fields
 * per record; an unterminated quote is an error naming its line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"

/* Free a record's fields. */
void
csv_record_free(struct csv_record *rec)
{
	size_t	i;

	for (i = 0; i < rec->n; i++)
		free(rec->fields[i]);
	rec->n = 0;
}

/* Append one field (len bytes of s, with "" undoubled if quoted). */
static int
csv_field(struct csv_record *rec, const char *s, size_t len, int quoted)
{
	char	*f;
	size_t	 i, o = 0;

	if (rec->n >= CSV_MAX_FIELDS)
		return -1;
	if ((f = malloc(len + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		f[o++] = s[i];
		if (quoted && s[i] == '"' && i + 1 < len && s[i + 1] == '"')
			i++;
	}
	f[o] = '\0';
	rec->fields[rec->n++] = f;
	return 0;
}

/* Parse the next record. */
int
csv_next(const char *buf, size_t len, size_t *pos, int *line,
    struct csv_record *rec, char *err, size_t errlen)
{
	size_t	p = *pos, start;

	memset(rec, 0, sizeof *rec);
	/* Skip blank lines between records. */
	while (p < len && (buf[p] == '\n' || buf[p] == '\r')) {
		if (buf[p] == '\n')
			(*line)++;
		p++;
	}
	if (p >= len) {
		*pos = p;
		return 0;
	}
	rec->line = *line;
	for (;;) {
		if (p < len && buf[p] == '"') {
			start = ++p;
			for (;;) {
				if (p >= len) {
					snprintf(err, errlen, "line %d: a quoted "
					    "field is never closed", rec->line);
					csv_record_free(rec);
					return -1;
				}
				if (buf[p] == '"') {
					if (p + 1 < len && buf[p + 1] == '"') {
						p += 2;
						continue;
					}
					break;
				}
				if (buf[p] == '\n')
					(*line)++;
				p++;
			}
			if (csv_field(rec, buf + start, p - start, 1) == -1)
				goto toomany;
			p++;	/* closing quote */
			if (p < len && buf[p] != ',' && buf[p] != '\n' &&
			    buf[p] != '\r') {
				snprintf(err, errlen, "line %d: text after a "
				    "closing quote", *line);
				csv_record_free(rec);
				return -1;
			}
		} else {
			start = p;
			while (p < len && buf[p] != ',' && buf[p] != '\n' &&
			    buf[p] != '\r')
				p++;
			if (csv_field(rec, buf + start, p - start, 0) == -1)
				goto toomany;
		}
		if (p < len && buf[p] == ',') {
			p++;
			continue;
		}
		break;
	}
	if (p < len && buf[p] == '\r')
		p++;
	if (p < len && buf[p] == '\n') {
		p++;
		(*line)++;
	}
	*pos = p;
	return 1;
toomany:
	snprintf(err, errlen, "line %d: more than %d fields", rec->line,
	    CSV_MAX_FIELDS);
	csv_record_free(rec);
	return -1;
}
