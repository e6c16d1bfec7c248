/*
 * fuzz-form.c: the urlencoded parser and percent-decoder on arbitrary
 * bytes.  Besides not crashing, every result must keep form.h's promises
 * (NUL-terminated, no longer than the raw text, pairs found by form_get).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/form.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Check what form.h promises about one parsed pair. */
static void
fuzz_form_pair(const struct form *f, const struct form_pair *p, size_t size)
{
	const struct form_pair	*first;

	if (p->key[p->key_len] != '\0' || p->value[p->value_len] != '\0' ||
	    p->raw_key[p->raw_key_len] != '\0' ||
	    p->raw_value[p->raw_value_len] != '\0')
		abort();
	if (p->key_len > p->raw_key_len || p->value_len > p->raw_value_len ||
	    p->raw_key_len + p->raw_value_len > size)
		abort();
	if (memchr(p->raw_key, '&', p->raw_key_len) != NULL ||
	    memchr(p->raw_key, '=', p->raw_key_len) != NULL ||
	    memchr(p->raw_value, '&', p->raw_value_len) != NULL)
		abort();
	/* form_get compares NUL-terminated keys: only keys without a NUL. */
	if (memchr(p->key, '\0', p->key_len) == NULL) {
		if ((first = form_get(f, p->key)) == NULL || first > p ||
		    first->key_len != p->key_len)
			abort();
	}
}

/* Parse one input as a form and decode it both ways, checking the results. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form	 f;
	char		 err[128], *buf;
	size_t		 i, n, off;
	int		 rc;

	if (form_parse((const char *)data, size, &f, err, sizeof err) == 0) {
		if (f.n > FORM_MAX_PAIRS || (f.n > 0) != (f.pairs != NULL))
			abort();
		for (i = 0; i < f.n; i++)
			fuzz_form_pair(&f, &f.pairs[i], size);
		form_free(&f);
	} else if (f.n != 0 || f.pairs != NULL || f.mem != NULL ||
	    strlen(err) == 0)
		abort();

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	for (i = 0; i < 2; i++) {
		off = SIZE_MAX;
		rc = form_decode((const char *)data, size,
		    i ? FORM_PLUS_IS_SPACE : 0, buf, &n, &off);
		if (n > size || buf[n] != '\0')
			abort();
		if (rc == -1 && (off >= size || data[off] != '%'))
			abort();
		if (rc == 0 && memchr(data, '%', size) == NULL &&
		    memchr(data, '+', size) == NULL &&
		    (n != size || memcmp(buf, data, size) != 0))
			abort();
	}
	free(buf);
	return 0;
}
