/* fuzz-csv.c: the contacts CSV reader must never crash, leak or loop. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_record	rec;
	size_t			pos = 0, i;
	int			line = 1, rc, records = 0;
	char			err[128];

	while ((rc = csv_next((const char *)data, size, &pos, &line, &rec,
	    err, sizeof err)) == 1) {
		for (i = 0; i < rec.n; i++)
			if (rec.fields[i] == NULL)
				abort();
		csv_record_free(&rec);
		if (++records > (int)size + 1)
			abort();	/* no progress */
	}
	if (pos > size)
		abort();
	return 0;
}
