/*
 * fuzz-phone.c: phone number normalisation, and the log masks, on arbitrary
 * bytes.  A normalised number must be E.164 and normalise to itself; a mask
 * must never return its input and must be printable ASCII.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mask.h"
#include "base/phone.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Abort unless a mask result is safe to log. */
static void
fuzz_phone_masked(const char *in, const char *out, size_t bufsize)
{
	size_t	i, n;

	if (out == NULL || out == in || (n = strlen(out)) >= bufsize)
		abort();
	for (i = 0; i < n; i++)
		if (out[i] < 0x20 || out[i] >= 0x7f)
			abort();
	if (strchr(out, '*') == NULL)
		abort();
}

/* Abort unless out is E.164 that normalises to itself. */
static void
fuzz_phone_e164(const char *out)
{
	char	again[PHONE_BUFSIZE];
	size_t	n = strlen(out);

	if (out[0] != '+' || out[1] == '0' || n < 1 + PHONE_MIN_DIGITS ||
	    n > 1 + PHONE_MAX_DIGITS || strspn(out + 1, "0123456789") != n - 1)
		abort();
	if (phone_normalise(out, NULL, again, sizeof again) == -1 ||
	    strcmp(again, out) != 0)
		abort();
}

/* Normalise and mask one input, checking every result. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, out[PHONE_BUFSIZE], buf[MASK_BUFSIZE];

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (phone_normalise(s, "44", out, sizeof out) == 0) {
		fuzz_phone_e164(out);
		fuzz_phone_masked(out, mask_phone(out, buf, sizeof buf),
		    sizeof buf);
	} else if (out[0] != '\0')
		abort();
	if (phone_normalise(s, NULL, out, sizeof out) == 0)
		fuzz_phone_e164(out);
	if (phone_normalise(s, "+353", out, sizeof out) == 0)
		fuzz_phone_e164(out);

	fuzz_phone_masked(s, mask_phone(s, buf, sizeof buf), sizeof buf);
	fuzz_phone_masked(s, mask_email(s, buf, sizeof buf), sizeof buf);
	fuzz_phone_masked(s, mask_phone(s, buf, 8), 8);
	fuzz_phone_masked(s, mask_email(s, buf, 8), 8);
	free(s);
	return 0;
}
