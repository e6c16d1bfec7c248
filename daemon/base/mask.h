/*
 * mask.h: phone numbers and email addresses as they may appear in logs
 * (SPEC section 11): enough to tell two people apart, never enough to
 * identify one.
 *
 * Both functions write into the caller's buffer and return it, or return the
 * fully masked "***" (a string literal) when the input is NULL, empty, too
 * short to mask meaningfully, or does not fit in the buffer.  They never
 * return their input.  Kept characters that are not printable ASCII become
 * '?', so a hostile value cannot forge log lines.
 */
#ifndef MASK_H
#define MASK_H

#include <stddef.h>

/* Buffer size that fits any masked value of an E.164 number or address. */
#define MASK_BUFSIZE	320

/*
 * Mask a phone number: 12 characters or more keep the first 6 (with the
 * '+') and the last 3, "+447700900123" -> "+44770****123"; 5 to 11 keep
 * only the last 2, "+4470012" -> "******12"; fewer give "***".
 */
const char	*mask_phone(const char *e164, char *buf, size_t len);
/*
 * Mask an email address: the first character of the local part, "***",
 * then '@' and the domain, "alice@example.org" -> "a***@example.org"; a
 * one-character local part is not kept; no '@' gives "***".
 */
const char	*mask_email(const char *addr, char *buf, size_t len);

#endif
