/*
 * staffauth.c: see staffauth.h.
 */
#include <string.h>
#include <strings.h>

#include "rules/staffauth.h"

int
staffauth_aligned(const char *d, const char *from_domain)
{
	size_t	dl, fl;

	if (d == NULL || from_domain == NULL ||
	    (fl = strlen(from_domain)) == 0 || (dl = strlen(d)) < fl)
		return 0;
	if (dl == fl)
		return strcasecmp(d, from_domain) == 0;
	return d[dl - fl - 1] == '.' &&
	    strcasecmp(d + dl - fl, from_domain) == 0;
}

int
staffauth_verified(const char *from, const char *spf, const char *spf_domain,
    const char *dkim_pass)
{
	const char	*at, *p, *e;
	char		 d[256];
	size_t		 n;

	if (from == NULL || (at = strrchr(from, '@')) == NULL ||
	    at[1] == '\0')
		return 0;
	at++;
	if (spf != NULL && strcasecmp(spf, "pass") == 0 &&
	    staffauth_aligned(spf_domain, at))
		return 1;
	for (p = dkim_pass; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, ",");
		n = (size_t)(e - p);
		while (n > 0 && *p == ' ')
			p++, n--;
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == 0 || n >= sizeof d)
			continue;
		memcpy(d, p, n);
		d[n] = '\0';
		if (staffauth_aligned(d, at))
			return 1;
	}
	return 0;
}
