/*
 * fuzz-sendgrid.c: SendGrid Inbound Parse's field readers on arbitrary
 * bytes: the input is a raw header block (Message-ID, In-Reply-To), an
 * attachment-info object, a charsets object for converting itself, and its
 * first line an Authorization header.  The plugin's pure source is included
 * (fuzz targets link only libreplyd.a).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/sendgrid/sendgrid-inbound.c"
#include "../plugins/shared/http-auth.c"
#include "../plugins/shared/mail-auth.c"
#include "../plugins/shared/json-unnul.c"
#include "../plugins/shared/strict-json.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Look one header up and check the value's shape. */
static void
fuzz_sendgrid_header(const char *s, size_t size, const char *name)
{
	char	*v;
	size_t	 n;

	if ((v = sendgrid_inbound_header(s, size, name)) == NULL)
		return;
	n = strlen(v);
	if (n > size || (n > 0 && (v[0] == ' ' || v[0] == '\t' ||
	    v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r')) ||
	    memchr(v, '\n', n) != NULL)
		abort();
	free(v);
}

/* Read one input every way the plugin reads a field. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data, *nl;
	char		*names, *t, *line;
	size_t		 n;
	int		 count = -1;

	fuzz_sendgrid_header(s, size, "Message-ID");
	fuzz_sendgrid_header(s, size, "In-Reply-To");

	names = sendgrid_inbound_attachment_names(s, size, &count);
	if (count < 0 || (names != NULL && (count == 0 || names[0] == '\0' ||
	    strchr(names, '\n') != NULL)))
		abort();
	free(names);

	if ((t = sendgrid_inbound_utf8(s, size, "text", s, size, &n)) != NULL) {
		if (n < size || n > 3 * size || t[n] != '\0')
			abort();
		free(t);
	}

	nl = memchr(s, '\n', size);
	n = nl ? (size_t)(nl - s) : size;
	if ((line = malloc(n + 1)) == NULL)
		return 0;
	memcpy(line, s, n);
	line[n] = '\0';
	/* "fuzz:pw" is ZnV6ejpwdw== */
	if (http_auth_basic(line, "fuzz", "pw") == 0 &&
	    strstr(line, "ZnV6ejpwdw==") == NULL)
		abort();
	free(line);
	return 0;
}
