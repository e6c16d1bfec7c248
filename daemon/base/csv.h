/*
 * csv.h: RFC 4180 CSV records, for `replyctl contacts import`.  Quoted
 * fields may hold commas, doubled quotes and line breaks; CRLF or LF line
 * ends.  Pure: works on a buffer, no I/O.
 */
#ifndef CSV_H
#define CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS	64

struct csv_record {
	char	*fields[CSV_MAX_FIELDS];	/* NUL-terminated copies */
	size_t	 n;
	int	 line;		/* where the record starts, 1-based */
};

/*
 * Parse the record at *pos in buf; advance *pos past it.  Returns 1 with a
 * record, 0 at the end, -1 with err set (the line is named in err).
 */
int	csv_next(const char *buf, size_t len, size_t *pos, int *line,
	    struct csv_record *rec, char *err, size_t errlen);
void	csv_record_free(struct csv_record *);

#endif
