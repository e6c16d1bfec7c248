/*
 * fuzz-multipart.c: the multipart/form-data parser on arbitrary bytes.  The
 * first line of the input is the Content-Type value, the rest the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/multipart.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parse one input as a Content-Type line and a body, checking the parts. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct multipart		 mp;
	const struct multipart_part	*p, *q;
	const uint8_t			*nl;
	char				*ct, err[160];
	size_t				 ctlen, i, total = 0;

	if ((nl = memchr(data, '\n', size)) == NULL)
		nl = data + size;
	ctlen = nl - data;
	if (ctlen > 0 && data[ctlen - 1] == '\r')
		ctlen--;
	if ((ct = malloc(ctlen + 1)) == NULL)
		return 0;
	memcpy(ct, data, ctlen);
	ct[ctlen] = '\0';
	if (nl < data + size)
		nl++;

	if (multipart_parse(ct, (const char *)nl, size - (nl - data), &mp,
	    err, sizeof err) == 0) {
		if (mp.n > MULTIPART_MAX_PARTS ||
		    multipart_attachments(&mp) > mp.n)
			abort();
		for (i = 0; i < mp.n; i++) {
			p = &mp.parts[i];
			if (p->name == NULL || p->data == NULL ||
			    p->data[p->len] != '\0')
				abort();
			total += p->len;
			if ((q = multipart_get(&mp, p->name)) == NULL ||
			    q > p || strcmp(q->name, p->name) != 0)
				abort();
		}
		if (total > size)
			abort();
		multipart_free(&mp);
	} else if (mp.n != 0 || mp.parts != NULL || strlen(err) == 0)
		abort();
	free(ct);
	return 0;
}
