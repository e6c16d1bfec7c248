/*
 * mail-auth.c: see mail-auth.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail-auth.h"

/* Is c a character of a domain name? */
static int
mail_auth_domain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.';
}

int
mail_auth_domain(const char *s, size_t len, char *out, size_t outlen)
{
	const char	*at, *lt, *d, *e;
	size_t		 i, n;

	if (outlen > 0)
		out[0] = '\0';
	if (s == NULL || outlen == 0)
		return -1;
	/* "Name <a@b>": what is inside the last angle brackets. */
	for (lt = NULL, i = 0; i < len; i++)
		if (s[i] == '<')
			lt = s + i;
	if (lt != NULL) {
		len -= (size_t)(lt + 1 - s);
		s = lt + 1;
		if ((e = memchr(s, '>', len)) != NULL)
			len = (size_t)(e - s);
	}
	for (at = NULL, i = 0; i < len; i++)
		if (s[i] == '@')
			at = s + i;
	d = at ? at + 1 : s;
	e = s + len;
	while (d < e && (*d == ' ' || *d == '\t'))
		d++;
	while (e > d && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '.'))
		e--;
	n = (size_t)(e - d);
	if (n == 0 || n >= outlen || n > 253 || d[0] == '.' || d[0] == '-')
		return -1;
	for (i = 0; i < n; i++) {
		if (!mail_auth_domain_char((unsigned char)d[i]) ||
		    (d[i] == '.' && i + 1 < n && d[i + 1] == '.'))
			return -1;
		out[i] = (char)tolower((unsigned char)d[i]);
	}
	out[n] = '\0';
	if (strchr(out, '.') == NULL) {		/* "localhost" is no sender */
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
mail_auth_result(const char *s, char *out, size_t outlen)
{
	size_t	n = 0;

	if (outlen > 0)
		out[0] = '\0';
	if (s == NULL || outlen == 0)
		return -1;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	while (n + 1 < outlen && isalpha((unsigned char)s[n])) {
		out[n] = (char)tolower((unsigned char)s[n]);
		n++;
	}
	if (n == 0 || isalpha((unsigned char)s[n])) {
		out[0] = '\0';
		return -1;
	}
	out[n] = '\0';
	return 0;
}

void
mail_auth_add_dkim(struct mail_auth *a, const char *domain)
{
	size_t	n = strlen(a->dkim), d = strlen(domain);
	char	*p;

	if (d == 0)
		return;
	/* Already listed? */
	for (p = a->dkim; (p = strstr(p, domain)) != NULL; p += d)
		if ((p == a->dkim || p[-1] == ',') &&
		    (p[d] == ',' || p[d] == '\0'))
			return;
	if (n + (n > 0) + d + 1 > sizeof a->dkim)
		return;
	if (n > 0)
		a->dkim[n++] = ',';
	memcpy(a->dkim + n, domain, d + 1);
}

/*
 * A copy of a header value with comments (nested parentheses) turned into
 * spaces and quotes removed; inside quotes, ';' and white space become '_'
 * so a quoted value stays one token.  malloc'd, or NULL.
 */
static char *
mail_auth_clean(const char *v)
{
	size_t	 i, n = 0, len = strlen(v);
	char	*out;
	int	 depth = 0, quoted = 0;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		char c = v[i];

		if (quoted) {
			if (c == '\\' && i + 1 < len)
				c = v[++i];
			else if (c == '"') {
				quoted = 0;
				continue;
			}
			out[n++] = c == ';' || c == ' ' || c == '\t' ||
			    c == '\r' || c == '\n' ? '_' : c;
			continue;
		}
		if (depth > 0) {
			if (c == '\\' && i + 1 < len)
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			if (depth == 0)
				out[n++] = ' ';
			continue;
		}
		if (c == '(')
			depth = 1;
		else if (c == '"')
			quoted = 1;
		else
			out[n++] = c == '\t' || c == '\r' || c == '\n' ?
			    ' ' : c;
	}
	out[n] = '\0';
	return out;
}

/* The value of "name=" among the space-separated tokens of one part. */
static const char *
mail_auth_prop(char *part, const char *name, size_t *len)
{
	size_t	nlen = strlen(name);
	char	*p = part, *e;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		e = p + strcspn(p, " ");
		if ((size_t)(e - p) > nlen && strncasecmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			*len = (size_t)(e - p) - nlen - 1;
			return p + nlen + 1;
		}
		p = e;
	}
	return NULL;
}

void
mail_auth_received_spf(struct mail_auth *a, const char *value)
{
	char		 result[MAIL_AUTH_RESULT], *c;
	const char	*v;
	size_t		 len = 0;

	if (value == NULL || a->spf[0] != '\0' ||
	    mail_auth_result(value, result, sizeof result) == -1)
		return;
	memcpy(a->spf, result, sizeof a->spf);
	a->spf_domain[0] = '\0';
	if ((c = mail_auth_clean(value)) == NULL)
		return;
	/* key=value pairs end at ';' as well as at white space. */
	for (char *p = c; *p != '\0'; p++)
		if (*p == ';')
			*p = ' ';
	if ((v = mail_auth_prop(c, "identity", &len)) != NULL &&
	    !(len == 8 && strncasecmp(v, "mailfrom", 8) == 0)) {
		free(c);
		return;
	}
	if ((v = mail_auth_prop(c, "envelope-from", &len)) != NULL)
		mail_auth_domain(v, len, a->spf_domain, sizeof a->spf_domain);
	free(c);
}

void
mail_auth_results(struct mail_auth *a, const char *value)
{
	char		*c, *part, *next, method[MAIL_AUTH_RESULT];
	char		 result[MAIL_AUTH_RESULT], domain[MAIL_AUTH_DOMAIN];
	const char	*v;
	size_t		 len = 0, m;
	int		 first = 1;

	if (value == NULL || (c = mail_auth_clean(value)) == NULL)
		return;
	for (part = c; part != NULL; part = next, first = 0) {
		if ((next = strchr(part, ';')) != NULL)
			*next++ = '\0';
		if (first)
			continue;		/* the authserv-id */
		while (*part == ' ')
			part++;
		/* "method[/version]=result" */
		m = strcspn(part, "=/ ");
		if (m == 0 || m >= sizeof method || part[m] == ' ' ||
		    part[m] == '\0')
			continue;
		memcpy(method, part, m);
		method[m] = '\0';
		v = part + m;
		if (*v == '/')
			v += strcspn(v, "=");
		if (*v != '=' || mail_auth_result(v + 1, result,
		    sizeof result) == -1)
			continue;
		if (strcasecmp(method, "dkim") == 0 &&
		    strcmp(result, "pass") == 0) {
			if (((v = mail_auth_prop(part, "header.d", &len)) !=
			    NULL || (v = mail_auth_prop(part, "header.i",
			    &len)) != NULL) &&
			    mail_auth_domain(v, len, domain, sizeof domain) == 0)
				mail_auth_add_dkim(a, domain);
		} else if (strcasecmp(method, "spf") == 0 &&
		    a->spf[0] == '\0') {
			memcpy(a->spf, result, sizeof a->spf);
			if ((v = mail_auth_prop(part, "smtp.mailfrom",
			    &len)) != NULL)
				mail_auth_domain(v, len, a->spf_domain,
				    sizeof a->spf_domain);
		}
	}
	free(c);
}

void
mail_auth_sendgrid_dkim(struct mail_auth *a, const char *value)
{
	char		 domain[MAIL_AUTH_DOMAIN], result[MAIL_AUTH_RESULT];
	const char	*p, *e, *colon;

	if (value == NULL)
		return;
	p = value;
	while (*p == ' ' || *p == '{')
		p++;
	while (*p != '\0' && *p != '}') {
		e = p + strcspn(p, ",}");
		/* "@b.example : pass" */
		if ((colon = memchr(p, ':', (size_t)(e - p))) != NULL &&
		    mail_auth_domain(p, (size_t)(colon - p), domain,
		    sizeof domain) == 0 &&
		    mail_auth_result(colon + 1, result, sizeof result) == 0 &&
		    strcmp(result, "pass") == 0) {
			/* Nothing but the word may follow it. */
			const char *r = colon + 1;

			while (*r == ' ')
				r++;
			r += strlen(result);
			while (r < e && *r == ' ')
				r++;
			if (r == e)
				mail_auth_add_dkim(a, domain);
		}
		p = *e == ',' ? e + 1 : e;
	}
}

int
mail_auth_dkim_signature_d(const char *value, char *out, size_t outlen)
{
	const char	*p, *e, *v, *ve;

	if (outlen > 0)
		out[0] = '\0';
	if (value == NULL)
		return -1;
	for (p = value; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, ";");
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'))
			p++;
		if (p >= e || *p != 'd')
			continue;
		v = p + 1;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		if (v >= e || *v != '=')
			continue;
		v++;
		ve = e;
		while (v < ve && (*v == ' ' || *v == '\t' || *v == '\r' ||
		    *v == '\n'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' ||
		    ve[-1] == '\r' || ve[-1] == '\n'))
			ve--;
		return mail_auth_domain(v, (size_t)(ve - v), out, outlen);
	}
	return -1;
}
