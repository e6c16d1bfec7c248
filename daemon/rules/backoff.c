/*
 * backoff.c: see backoff.h.
 */
#include "rules/backoff.h"

/* The delay before retry n, honouring Retry-After. */
int64_t
backoff_ms(int64_t base, int64_t cap, int n, int retry_after, long rnd)
{
	int64_t	d = base;
	int	i;

	for (i = 1; i < n && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	if (d < 0)
		d = 0;
	/* Full jitter on the upper half keeps instances from lock-step. */
	d = d / 2 + (int64_t)((rnd < 0 ? -rnd : rnd) % (d / 2 + 1));
	if (retry_after >= 0 && (int64_t)retry_after * 1000 > d)
		d = (int64_t)retry_after * 1000;
	return d;
}
