/*
 * fuzz-duration.c: the duration parser on arbitrary bytes.  An accepted
 * duration must be within bounds and read back the same after formatting;
 * a refused one must come with a bounded, terminated message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/duration.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parse one input and check the invariants of the result. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct duration	 d, again;
	char		*text, err[128], buf[64];
	int64_t		 secs;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(err, 'x', sizeof err);
	if (duration_parse(text, &d, err, sizeof err) == -1) {
		if (memchr(err, '\0', sizeof err) == NULL || err[0] == '\0')
			abort();
		free(text);
		return 0;
	}
	secs = duration_seconds(&d, 86400);
	if (d.amount < 0 || secs < 0 || secs > DURATION_MAX_SECONDS)
		abort();
	if (duration_seconds(&d, 28800) > secs ||
	    duration_is_working(&d) != d.working)
		abort();
	if (duration_format(&d, buf, sizeof buf) == -1 ||
	    duration_parse(buf, &again, err, sizeof err) == -1 ||
	    again.amount != d.amount || again.unit != d.unit ||
	    again.working != d.working)
		abort();
	free(text);
	return 0;
}
