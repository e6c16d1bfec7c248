/*
 * phone.c: normalisation of phone numbers to E.164.
 */
#include <string.h>

#include "base/phone.h"

/* Digits kept while scanning: E.164's 15, a "00" prefix and some slack. */
#define PHONE_SCAN_DIGITS	(PHONE_MAX_DIGITS + 3)

/* Check a default country code and return its digits, or NULL. */
static const char *
phone_country(const char *cc)
{
	size_t	n;

	if (cc == NULL)
		return NULL;
	if (*cc == '+')
		cc++;
	n = strspn(cc, "0123456789");
	if (n < 1 || n > 3 || cc[n] != '\0' || cc[0] == '0')
		return NULL;
	return cc;
}

/* Normalise a phone number to E.164. */
int
phone_normalise(const char *in, const char *default_cc, char *out,
    size_t outlen)
{
	char		 digits[PHONE_SCAN_DIGITS + 1];
	const char	*p, *cc = NULL, *rest;
	size_t		 nd = 0, bstart = 0, cclen = 0, restlen;
	int		 plus = 0, seen = 0, bracket = 0, intl;

	if (in == NULL || out == NULL || outlen == 0)
		return -1;
	out[0] = '\0';
	for (p = in; *p != '\0'; p++) {
		switch (*p) {
		case ' ':
		case '\t':
			continue;
		case '+':
			if (seen)
				return -1;
			plus = 1;
			break;
		case '-':
		case '.':
			break;
		case '(':
			if (bracket)
				return -1;
			bracket = 1;
			bstart = nd;
			break;
		case ')':
			if (!bracket)
				return -1;
			bracket = 0;
			/* "+44 (0)7700": the trunk 0 written after a code. */
			intl = plus || (bstart >= 2 && digits[0] == '0' &&
			    digits[1] == '0');
			if (intl && bstart > 0 && nd == bstart + 1 &&
			    digits[bstart] == '0')
				nd--;
			break;
		default:
			if (*p < '0' || *p > '9')
				return -1;
			if (nd == PHONE_SCAN_DIGITS)
				return -1;
			digits[nd++] = *p;
			break;
		}
		seen = 1;
	}
	if (bracket || nd == 0)
		return -1;
	digits[nd] = '\0';

	rest = digits;
	if (!plus && nd >= 2 && digits[0] == '0' && digits[1] == '0')
		rest += 2;			/* "0044 ..." */
	else if (!plus && digits[0] == '0') {
		if ((cc = phone_country(default_cc)) == NULL)
			return -1;
		cclen = strlen(cc);
		rest++;				/* the trunk 0 */
	}
	restlen = strlen(rest);
	if (cclen + restlen < PHONE_MIN_DIGITS ||
	    cclen + restlen > PHONE_MAX_DIGITS)
		return -1;
	if ((cc != NULL ? cc[0] : rest[0]) == '0')
		return -1;
	if (1 + cclen + restlen + 1 > outlen)
		return -1;
	out[0] = '+';
	if (cclen > 0)
		memcpy(out + 1, cc, cclen);
	memcpy(out + 1 + cclen, rest, restlen + 1);
	return 0;
}
