/*
 * mask.c: masking of phone numbers and email addresses for log lines.
 */
#include <string.h>

#include "base/mask.h"

#define MASK_FULL	"***"

/* A kept character as it may appear in a log line. */
static char
mask_printable(char c)
{
	return c >= 0x20 && c < 0x7f ? c : '?';
}

/* Mask a phone number, keeping its start and its last digits. */
const char *
mask_phone(const char *e164, char *buf, size_t len)
{
	size_t	n, keep_head, keep_tail, i;

	if (e164 == NULL || buf == NULL)
		return MASK_FULL;
	n = strlen(e164);
	if (n >= 12) {
		keep_head = 6;
		keep_tail = 3;
	} else if (n >= 5) {
		keep_head = 0;
		keep_tail = 2;
	} else
		return MASK_FULL;
	if (n + 1 > len)
		return MASK_FULL;
	for (i = 0; i < n; i++) {
		if (i < keep_head || i >= n - keep_tail)
			buf[i] = mask_printable(e164[i]);
		else
			buf[i] = '*';
	}
	buf[n] = '\0';
	return buf;
}

/* Mask an email address, keeping the first letter and the domain. */
const char *
mask_email(const char *addr, char *buf, size_t len)
{
	const char	*at;
	size_t		 local, domain, o = 0, i;

	if (addr == NULL || buf == NULL || (at = strrchr(addr, '@')) == NULL)
		return MASK_FULL;
	local = at - addr;
	domain = strlen(at + 1);
	/* First letter, "***", '@', domain, NUL. */
	if (1 + 3 + 1 + domain + 1 > len)
		return MASK_FULL;
	if (local >= 2)
		buf[o++] = mask_printable(addr[0]);
	memcpy(buf + o, MASK_FULL "@", 4);
	o += 4;
	for (i = 0; i < domain; i++)
		buf[o++] = mask_printable(at[1 + i]);
	buf[o] = '\0';
	return buf;
}
