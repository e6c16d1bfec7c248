/*
 * attachments.c: see attachments.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "attachments.h"

/* Count file parts and list their names. */
char *
attachments_named(const struct replyd_host_api *api,
    const struct replyd_form *form, int *count)
{
	const char	*k, *v, *fn, *p;
	size_t		 i, n, klen, vlen, size = 0;
	char		*names = NULL;
	FILE		*f;

	*count = 0;
	if ((f = open_memstream(&names, &size)) == NULL)
		return NULL;
	n = api->form_count(form);
	for (i = 0; i < n; i++) {
		fn = NULL;
		if (api->form_field(form, i, &k, &klen, &v, &vlen,
		    &fn) == -1 || fn == NULL || fn[0] == '\0')
			continue;
		if ((*count)++ > 0)
			fputc(',', f);
		/* A comma would split the list; controls have no place. */
		for (p = fn; *p != '\0'; p++)
			fputc(*p == ',' || (unsigned char)*p < 0x20 ||
			    *p == 0x7f ? '_' : *p, f);
	}
	if (fclose(f) != 0 || *count == 0) {
		free(names);
		return NULL;
	}
	return names;
}

/* A count field of decimal digits, or 0. */
int
attachments_count(const char *s)
{
	long	n = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		n = n * 10 + (*s - '0');
		if (n > ATTACHMENTS_MAX)
			return ATTACHMENTS_MAX;
	}
	return (int)n;
}
