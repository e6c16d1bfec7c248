/*
 * staffauth.h: whether a staff email may count as a response (SPEC section
 * 5): only when the provider reports the From domain authenticated, by SPF
 * or by DKIM.  Pure.
 *
 * A reported domain covers the From domain when it is the same domain or a
 * subdomain of it (any case): whoever controls example.gov.uk controls
 * mail.example.gov.uk, but not the other way round, and never an
 * unrelated domain (a forger's own DKIM signature passes too, for the
 * forger's domain).  SPF counts only as "pass" for a covering domain (the
 * envelope sender's: SPF says nothing about any other); DKIM counts for
 * any covering domain in the list of passing signatures.
 */
#ifndef STAFFAUTH_H
#define STAFFAUTH_H

/* Whether domain d is from_domain or a subdomain of it. */
int	staffauth_aligned(const char *d, const char *from_domain);
/*
 * Whether the report authenticates from (a normalised address "a@b");
 * spf, spf_domain and dkim_pass (comma-separated) may be NULL.
 */
int	staffauth_verified(const char *from, const char *spf,
	    const char *spf_domain, const char *dkim_pass);

#endif
