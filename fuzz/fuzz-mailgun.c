/*
 * fuzz-mailgun.c: the mailgun plugin's pure readers on arbitrary bytes: the
 * input as message-headers JSON, and split at its first two newlines into
 * timestamp, token and signature for the signature and window checks.  The
 * plugin's pure sources are included (fuzz targets link only libreplyd.a).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/mailgun/mailgun-inbound.c"
#include "../plugins/mailgun/mailgun-signature.c"
#include "../plugins/shared/mail-auth.c"
#include "../plugins/shared/json-unnul.c"
#include "../plugins/shared/strict-json.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAILGUN_KEY	"fuzz-signing-key"

/* Read one input as headers JSON and as a signed triple. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data, *a, *b;
	char		*v, *sig, want[MAILGUN_SIGNATURE_SIZE];
	size_t		 tslen, toklen, siglen;
	struct mail_auth auth;

	if ((v = mailgun_inbound_header(s, size, "Message-Id")) != NULL)
		free(v);
	if ((v = mailgun_inbound_header(s, size, "In-Reply-To")) != NULL)
		free(v);
	/* Verdicts: a listed DKIM domain is never more than one domain. */
	if (mailgun_inbound_auth_json(s, size, "a@b.example", &auth) == 0 &&
	    strchr(auth.dkim, ',') != NULL)
		abort();

	if ((a = memchr(s, '\n', size)) == NULL)
		return 0;
	if ((b = memchr(a + 1, '\n', size - (size_t)(a + 1 - s))) == NULL)
		return 0;
	tslen = (size_t)(a - s);
	toklen = (size_t)(b - a - 1);
	siglen = size - (size_t)(b + 1 - s);
	if ((sig = malloc(siglen + 1)) == NULL)
		return 0;
	memcpy(sig, b + 1, siglen);
	sig[siglen] = '\0';
	if (mailgun_signature_verify(FUZZ_MAILGUN_KEY, s, tslen, a + 1, toklen,
	    sig) == 0) {
		/* Only the right signature verifies. */
		if (mailgun_signature_compute(FUZZ_MAILGUN_KEY, s, tslen,
		    a + 1, toklen, want, sizeof want) == -1 ||
		    strcasecmp(want, sig) != 0)
			abort();
	}
	(void)mailgun_signature_fresh(s, tslen, 1539112500, 43200);
	free(sig);
	return 0;
}
