/*
 * hex.c: see hex.h.  A table lookup per digit: snprintf("%02x") per byte
 * showed in the ingest profile (store_hash, twice a message).
 */
#include "base/hex.h"

/* Write n bytes as hex. */
void
hex_encode(const void *bytes, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	const unsigned char	*b = bytes;
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}
