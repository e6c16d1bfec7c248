/*
 * address.h: email addresses as replyd keys them.  Pure.
 */
#ifndef ADDRESS_H
#define ADDRESS_H

#include <stddef.h>

/* Normalise an email address ("Name <A@B>" -> "a@b"); -1 if not one. */
int	address_email(const char *in, char *out, size_t len);

#endif
