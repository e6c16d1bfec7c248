/*
 * fuzz-mailauth.c: the readers of providers' SPF and DKIM verdicts
 * (plugins/shared/mail-auth.h) on arbitrary text.  Whatever they read, a
 * result is a lower-case word and every domain is lower-case letters,
 * digits, '-' and '.', so no crafted value can put a comma or anything
 * else into the list the host reads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/shared/mail-auth.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Abort unless s is made only of the characters of a domain. */
static void
domain_chars(const char *s, int comma)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '.' || (comma && *s == ',')))
			abort();
}

static void
check(const struct mail_auth *a)
{
	const char	*p;

	for (p = a->spf; *p != '\0'; p++)
		if (*p < 'a' || *p > 'z')
			abort();
	domain_chars(a->spf_domain, 0);
	domain_chars(a->dkim, 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_auth	 a;
	char			*s, d[MAIL_AUTH_DOMAIN];

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&a, 0, sizeof a);
	mail_auth_received_spf(&a, s);
	check(&a);
	memset(&a, 0, sizeof a);
	mail_auth_results(&a, s);
	check(&a);
	mail_auth_sendgrid_dkim(&a, s);
	check(&a);
	if (mail_auth_dkim_signature_d(s, d, sizeof d) == 0)
		domain_chars(d, 0);
	if (mail_auth_domain(s, strlen(s), d, sizeof d) == 0)
		domain_chars(d, 0);
	free(s);
	return 0;
}
