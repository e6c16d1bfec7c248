/*
 * mail-auth.h: reading what an email provider says about a sender's
 * authentication (SPF, DKIM), for the host's staff-email decision (SPEC
 * section 5).  Pure: libc only, no state between calls.  Every domain it
 * hands back is lower case and made only of letters, digits, '-' and '.'
 * (at most 253 bytes); anything else is not a domain and is dropped, so a
 * crafted value can never smuggle a comma into a list.
 *
 * Formats read (the providers' own fields, never a decision):
 * - Received-SPF (RFC 7208 section 9.1), as Postmark adds it:
 *   "Pass (sender SPF authorized) identity=mailfrom; client-ip=...;
 *   helo=...; envelope-from=a@b.example; receiver=..."; the result is the
 *   first word; the domain is envelope-from's (only when identity is
 *   absent or "mailfrom": a HELO check says nothing of the From domain).
 * - Authentication-Results (RFC 8601): "authserv-id; dkim=pass
 *   header.d=b.example; spf=pass smtp.mailfrom=a@b.example"; comments in
 *   parentheses and quoted values are understood; a dkim=pass counts for
 *   header.d, else for the domain of header.i.
 * - SendGrid's dkim field: "{@b.example : pass, @c.example : fail}" (or
 *   "none"); the domains whose result is pass.
 * - A DKIM-Signature header's d= tag (RFC 6376 tag list).
 */
#ifndef MAIL_AUTH_H
#define MAIL_AUTH_H

#include <stddef.h>

#define MAIL_AUTH_DOMAIN	254	/* 253 bytes and a NUL */
#define MAIL_AUTH_LIST		1024	/* passing DKIM domains */
#define MAIL_AUTH_RESULT	16

struct mail_auth {
	char	spf[MAIL_AUTH_RESULT];		/* "" when not reported */
	char	spf_domain[MAIL_AUTH_DOMAIN];	/* "" when not known */
	char	dkim[MAIL_AUTH_LIST];		/* "a.example,b.example" */
};

/*
 * The domain of len bytes (an address "a@B.example", "<a@b>", "Name
 * <a@b>", "@b", or a bare domain) into out; 0, or -1 with out "" when
 * there is none.
 */
int	mail_auth_domain(const char *s, size_t len, char *out, size_t outlen);
/* A result word (first token, lower case) into out; -1 if none. */
int	mail_auth_result(const char *s, char *out, size_t outlen);
/* Add a passing DKIM domain to the list (once; dropped when full). */
void	mail_auth_add_dkim(struct mail_auth *, const char *domain);
/* Read a Received-SPF value into spf and spf_domain (when spf is unset). */
void	mail_auth_received_spf(struct mail_auth *, const char *value);
/* Read an Authentication-Results value (DKIM passes; SPF if unset). */
void	mail_auth_results(struct mail_auth *, const char *value);
/* Read SendGrid's dkim field. */
void	mail_auth_sendgrid_dkim(struct mail_auth *, const char *value);
/* A DKIM-Signature's d= domain into out; -1 if it has none. */
int	mail_auth_dkim_signature_d(const char *value, char *out,
	    size_t outlen);

#endif
