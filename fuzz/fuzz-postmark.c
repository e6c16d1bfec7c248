/*
 * fuzz-postmark.c: Postmark's inbound JSON parser on arbitrary bytes, and
 * the HTML body it finds through html_to_text.  The plugin's pure source is
 * included (fuzz targets link only libreplyd.a).  A parse that succeeds
 * must hand over what postmark-inbound.h promises; one that fails must
 * name a field and leave nothing behind.  The first line of the input is
 * also tried as an Authorization header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/html.h"

#include "../plugins/postmark/postmark-inbound.c"
#include "../plugins/shared/http-auth.c"
#include "../plugins/shared/json-unnul.c"
#include "../plugins/shared/mail-auth.c"
#include "../plugins/shared/strict-json.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Check one parsed body. */
static void
fuzz_postmark_check(const struct postmark_inbound *in)
{
	char	*t;
	size_t	 n;

	if (in->id == NULL || in->id[0] == '\0' || in->from == NULL ||
	    in->from[0] == '\0' || in->json == NULL || in->attachments < 0)
		abort();
	if ((in->text == NULL && in->text_len != 0) ||
	    (in->text != NULL && strlen(in->text) != in->text_len) ||
	    (in->html != NULL && strlen(in->html) != in->html_len))
		abort();
	if (in->attachment_names != NULL && (in->attachments == 0 ||
	    in->attachment_names[0] == '\0'))
		abort();
	if (in->html != NULL &&
	    (t = html_to_text(in->html, in->html_len, &n)) != NULL) {
		if (n > in->html_len)
			abort();
		free(t);
	}
}

/* Parse one input as an inbound body and check the result. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct postmark_inbound	 in;
	const char		*field = NULL, *nl;
	char			 err[160], *line;
	size_t			 n;

	if (postmark_inbound_parse((const char *)data, size, &in, &field, err,
	    sizeof err) == 0) {
		fuzz_postmark_check(&in);
		postmark_inbound_free(&in);
	} else if (field == NULL || in.json != NULL || in.id != NULL ||
	    in.attachment_names != NULL || strlen(err) == 0)
		abort();

	nl = memchr(data, '\n', size);
	n = nl ? (size_t)(nl - (const char *)data) : size;
	if ((line = malloc(n + 1)) == NULL)
		return 0;
	memcpy(line, data, n);
	line[n] = '\0';
	/* "fuzz:pw" is ZnV6ejpwdw== */
	if (http_auth_basic(line, "fuzz", "pw") == 0 &&
	    strstr(line, "ZnV6ejpwdw==") == NULL)
		abort();
	free(line);
	return 0;
}
