/*
 * hex.h: bytes as lower-case hex, for key names, digests and cursors.
 */
#ifndef HEX_H
#define HEX_H

#include <stddef.h>

/* Write n bytes as 2n hex digits and a NUL into out (2n + 1 bytes). */
void	hex_encode(const void *bytes, size_t n, char *out);

#endif
