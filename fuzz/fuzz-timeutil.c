/*
 * fuzz-timeutil.c: the strict date and instant parsers on arbitrary bytes.
 * Their input comes from anyone: a date in a page's path (/rota/T/DATE) or
 * query, the API's absences and closures, providers' timestamps.  Besides
 * not crashing: a date that parses writes back as the same ten bytes, and
 * an instant that parses falls within a day of the date it starts with
 * (its offset is less than a day).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, date[11], buf[16];
	int32_t	 day, first;
	int64_t	 t, d;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (timeutil_parse_date(s, &day) == 0) {
		if (timeutil_format_date(day, buf, sizeof buf) == -1 ||
		    strcmp(buf, s) != 0)
			abort();
	}
	if (timeutil_parse_rfc3339(s, &t) == 0) {
		memcpy(date, s, 10);
		date[10] = '\0';
		if (timeutil_parse_date(date, &first) == -1)
			abort();
		d = timeutil_day_of(t);
		if (d < (int64_t)first - 1 || d > (int64_t)first + 1)
			abort();
	}
	free(s);
	return 0;
}
