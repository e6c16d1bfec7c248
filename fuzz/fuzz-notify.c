/*
 * fuzz-notify.c: GOV.UK Notify's callback parser on arbitrary bytes.  The
 * plugin's pure source is included (fuzz targets link only libreplyd.a).
 * A parse that succeeds must hand over the fields notify-inbound.h
 * promises; one that fails must name a field and leave nothing behind.
 * The first line of the input is also tried as an Authorization header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/notify/notify-inbound.c"
#include "../plugins/shared/http-auth.c"
#include "../plugins/shared/json-unnul.c"
#include "../plugins/shared/strict-json.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parse one input as a callback body and check the result. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct notify_inbound	 in;
	const char		*field = NULL, *nl;
	char			 err[160], *line;
	size_t			 n;

	if (notify_inbound_parse((const char *)data, size, &in, &field, err,
	    sizeof err) == 0) {
		if (in.id == NULL || in.id[0] == '\0' ||
		    in.source_number == NULL || in.message == NULL ||
		    strlen(in.message) != in.message_len || in.json == NULL)
			abort();
		notify_inbound_free(&in);
	} else if (field == NULL || in.json != NULL || in.id != NULL ||
	    strlen(err) == 0)
		abort();

	nl = memchr(data, '\n', size);
	n = nl ? (size_t)(nl - (const char *)data) : size;
	if ((line = malloc(n + 1)) == NULL)
		return 0;
	memcpy(line, data, n);
	line[n] = '\0';
	if (http_auth_bearer(line, "fuzz-token") == 0 &&
	    strstr(line, "fuzz-token") == NULL)
		abort();
	free(line);
	return 0;
}
