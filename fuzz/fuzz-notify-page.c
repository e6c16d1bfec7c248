/*
 * fuzz-notify-page.c: a page of GOV.UK Notify's received text messages,
 * what the backfill reads (notify-receipt.h), on arbitrary bytes; the
 * first line is also tried as a Notify time.  Every message of a page
 * has an id, a phone-like number and its whole content; the cursor is
 * one of the page's ids.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/notify/notify-receipt.c"
#include "../plugins/shared/json-unnul.c"
#include "../plugins/shared/strict-json.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct notify_page	 p;
	const char		*nl;
	char			 err[160], *line;
	size_t			 i, n;

	if (notify_page_parse((const char *)data, size, &p, err,
	    sizeof err) == 0) {
		for (i = 0; i < p.n; i++)
			if (p.messages[i].id == NULL ||
			    p.messages[i].id[0] == '\0' ||
			    p.messages[i].user_number == NULL ||
			    p.messages[i].content == NULL ||
			    strlen(p.messages[i].content) !=
			    p.messages[i].content_len ||
			    p.messages[i].created_at < 0)
				abort();
		if (p.older_than != NULL && (p.n == 0 ||
		    p.older_than != p.messages[p.n - 1].id))
			abort();
		notify_page_free(&p);
	} else if (p.json != NULL || p.messages != NULL || strlen(err) == 0)
		abort();

	nl = memchr(data, '\n', size);
	n = nl ? (size_t)(nl - (const char *)data) : size;
	if ((line = malloc(n + 1)) == NULL)
		return 0;
	memcpy(line, data, n);
	line[n] = '\0';
	if (notify_time(line) < -1)
		abort();
	free(line);
	return 0;
}
