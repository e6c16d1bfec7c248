/*
 * backoff.h: when to try a failed send again.  Pure.
 */
#ifndef BACKOFF_H
#define BACKOFF_H

#include <stdint.h>

/*
 * The delay before retry n (1-based), in ms: base doubled per retry up to
 * cap, with full jitter on the upper half (rnd is any non-negative random
 * number) so instances do not retry in lock-step; at least Retry-After
 * (seconds, or -1 when the provider gave none).
 */
int64_t	backoff_ms(int64_t base, int64_t cap, int n, int retry_after,
	    long rnd);

#endif
