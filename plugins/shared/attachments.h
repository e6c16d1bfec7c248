/*
 * attachments.h: what an inbound email plugin says about attachments.
 * They are counted and named, never stored (SPEC section 5).  Shared by
 * the plugins whose providers send files as form parts (mailgun,
 * sendgrid).
 */
#ifndef ATTACHMENTS_H
#define ATTACHMENTS_H

#include "replyd-plugin.h"

#define ATTACHMENTS_MAX	10000	/* a count above this is capped */

/*
 * Count the form's file parts and list their names, comma-separated and
 * malloc'd (a comma or control character in a name becomes '_'); NULL
 * when there are none or memory ran out.
 */
char	*attachments_named(const struct replyd_host_api *,
	    const struct replyd_form *, int *count);
/* A count given as decimal digits (capped at ATTACHMENTS_MAX), or 0. */
int	 attachments_count(const char *digits);

#endif
