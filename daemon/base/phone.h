/*
 * phone.h: phone numbers as people and providers write them, turned into
 * E.164 ("+447700900123"), the one form contacts are stored and matched in.
 *
 * Accepted, with spaces, tabs, '-', '.' and one level of brackets anywhere:
 * - international with '+': "+44 7700 900123";
 * - international with "00": "0044 7700 900123";
 * - international without either, as GOV.UK Notify sends it:
 *   "447700900123" (any number not starting with 0 is taken this way, so a
 *   UK mobile without its leading 0 is not recognised);
 * - national with a trunk 0, given a default country code: "07700 900123",
 *   "(07700) 900123" -> "+447700900123" with default_cc "44";
 * - the UK-style "(0)" after a country code is dropped:
 *   "+44 (0)7700 900123" -> "+447700900123".
 * Refused: empty input, letters or any other character, a '+' that is not
 * first, unbalanced or nested brackets, a country code starting with 0, fewer
 * than PHONE_MIN_DIGITS or more than PHONE_MAX_DIGITS (E.164) digits, and
 * national numbers when default_cc is NULL or not 1 to 3 digits.
 *
 * This module is pure: no I/O, no logging (callers log with mask.h).
 */
#ifndef PHONE_H
#define PHONE_H

#include <stddef.h>

#define PHONE_MIN_DIGITS	7
#define PHONE_MAX_DIGITS	15
#define PHONE_BUFSIZE		(PHONE_MAX_DIGITS + 2)	/* '+', NUL */

/*
 * Write in as E.164 into out (outlen bytes, PHONE_BUFSIZE is always enough);
 * default_cc ("44" or "+44") is the country of national numbers.
 */
int	phone_normalise(const char *in, const char *default_cc, char *out,
	    size_t outlen);

#endif
