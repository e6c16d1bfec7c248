/*
 * fuzz-staffcmd.c: a staff member's text (rules/staffcmd.h) on arbitrary
 * bytes.  A take names a code from 0 to STAFFCMD_MAX_CODE and holds an A;
 * a bare A names none; nothing is read past the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/staffcmd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			 code = -1;
	enum staffcmd_kind	 k;

	k = staffcmd_parse((const char *)data, size, &code);
	switch (k) {
	case STAFFCMD_TAKE:
		if (code < 0 || code > STAFFCMD_MAX_CODE ||
		    (memchr(data, 'A', size) == NULL &&
		    memchr(data, 'a', size) == NULL))
			abort();
		break;
	case STAFFCMD_TAKE_LATEST:
		if (code != 0 || (memchr(data, 'A', size) == NULL &&
		    memchr(data, 'a', size) == NULL))
			abort();
		break;
	case STAFFCMD_OTHER:
		if (code != 0)
			abort();
		break;
	}
	return 0;
}
