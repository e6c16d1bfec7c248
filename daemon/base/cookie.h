/*
 * cookie.h: reading one cookie out of a request's Cookie header
 * (RFC 6265 section 5.4: "name=value" pairs separated by "; ").  Pure;
 * the header comes from outside, so it has a fuzz target.
 */
#ifndef COOKIE_H
#define COOKIE_H

#include <stddef.h>

/*
 * The value of the first cookie called name in header (which may be
 * NULL), copied to buf (len bytes); NULL when there is none, when it is
 * empty, or when it does not fit.
 */
const char	*cookie_get(const char *header, const char *name, char *buf,
		    size_t len);

#endif
