/*
 * fuzz-oidc.c: what an identity provider sends (rules/oidc.h): the
 * discovery document, the JWKS, the token endpoint's answer and the ID
 * token itself, on arbitrary bytes.  The first byte chooses which; an ID
 * token is verified against a fixed public key (kid "fuzz-1", whose
 * private half is not kept), so a crafted input must never verify.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/oidc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char fuzz_jwks_key[] =
    "{\"kty\":\"RSA\",\"kid\":\"fuzz-1\",\"e\":\"AQAB\",\"n\":\"w"
    "cVNJKrHQgyxaMAPPDg71W5jUOsZz7uYI7tF7jIweAyv30KMEGo3Ikkapaigz"
    "TdJnBoo9fgHYz1C3KeJYZo6ewDcX0EwYPoctU1S2q3cBTiItg6G-ApIwgGQe"
    "UAgbyEbhE0y_P8AIqtgWbVyUdvJS6DPaoPfLo5U8vFi6nRieOFWlL8jLE6Zm"
    "87oER8ev3X0_PCxq2ZVzKoQcMAZfBW9s72aRZ-T4Lxm2EMc__3Qar5zZCNxx"
    "mcr_aRoJVxUXmynEM4U-XINRoAk4J1WYxNyfTTXB_bBtrld5sIthDuHRL7OV"
    "CXgjhFmud-MorCT9YvN-XtcsH7F79gzonZBAk6PAQ\"}";

/* The fixed key set, made once. */
static struct oidc_keys *
fuzz_keys(void)
{
	static struct oidc_keys	*ks;
	char			 doc[sizeof fuzz_jwks_key + 32];

	if (ks == NULL) {
		strcpy(doc, "{\"keys\":[");
		strcat(doc, fuzz_jwks_key);
		strcat(doc, "]}");
		if ((ks = oidc_jwks_parse(doc, strlen(doc), NULL, 0)) == NULL)
			abort();
	}
	return ks;
}

/* One input: its first byte picks the parser, the rest is its text. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_expect	 x = { "https://issuer.example", "client", "n",
				    NULL, "email", 1700000050 };
	struct oidc_provider	 p;
	struct oidc_identity	 id;
	struct oidc_keys	*ks;
	char			*text, *s, err[256];

	if (size == 0 || (text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 5) {
	case 0:
		if (oidc_discovery_parse(text, size - 1, x.issuer, &p, err,
		    sizeof err) == 0) {
			if (p.token_endpoint == NULL || p.jwks_uri == NULL ||
			    strcmp(p.issuer, x.issuer) != 0)
				abort();
			oidc_provider_clear(&p);
		}
		break;
	case 1:
		if ((ks = oidc_jwks_parse(text, size - 1, err,
		    sizeof err)) != NULL) {
			if (oidc_keys_count(ks) == 0)
				abort();
			oidc_keys_free(ks);
		}
		break;
	case 2:
		free(oidc_token_response(text, size - 1, err, sizeof err));
		break;
	case 3:
		if (oidc_verify(text, fuzz_keys(), &x, &id) == OIDC_OK) {
			/* Only the seed signed with the real key verifies. */
			if (id.subject == NULL || id.sub == NULL)
				abort();
			oidc_identity_clear(&id);
		} else if (id.subject != NULL)
			abort();
		break;
	default:
		free((s = oidc_token_kid(text)));
		break;
	}
	free(text);
	return 0;
}
