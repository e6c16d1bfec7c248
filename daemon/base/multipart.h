/*
 * multipart.h: multipart/form-data bodies (RFC 7578), as posted by SendGrid
 * Inbound Parse and Mailgun routes.
 *
 * Rules:
 * - the boundary comes from the Content-Type value, which must be
 *   multipart/form-data; it may be quoted, other parameters may come before
 *   or after it; missing, empty, longer than 70 characters or holding a
 *   control character is an error;
 * - a delimiter is "--boundary" at the start of a line, followed by optional
 *   spaces or tabs and a line end (CRLF or a bare LF); "--boundary--" closes
 *   the body; the preamble before the first delimiter and the epilogue after
 *   the closing one are ignored; a body without the closing delimiter is an
 *   error (a truncated upload);
 * - part headers end at an empty line; a header line starting with a space
 *   or tab continues the previous one; names are case-insensitive; each
 *   part's header block is at most MULTIPART_MAX_HEADER bytes;
 * - every part needs "Content-Disposition: form-data; name=..."; "filename"
 *   (or, failing that, a percent-encoded RFC 5987 "filename*") makes it an
 *   attachment; parameter values may be quoted, where \" and \\ are escapes
 *   and any other backslash is kept (old browsers sent C:\path unescaped);
 * - a part's data is the bytes between its header block and the line end
 *   before the next delimiter, byte-exact (it may hold NULs); a
 *   Content-Transfer-Encoding is not undone (RFC 7578 4.7 deprecates it);
 * - at most MULTIPART_MAX_PARTS parts.
 *
 * This module owns parsing only: no I/O, no logging.
 */
#ifndef MULTIPART_H
#define MULTIPART_H

#include <stddef.h>

#define MULTIPART_MAX_PARTS	1000
#define MULTIPART_MAX_HEADER	8192	/* bytes of headers in one part */
#define MULTIPART_MAX_BOUNDARY	70	/* RFC 2046 5.1.1 */

struct multipart_part {
	char	*name;		/* Content-Disposition name, NUL-terminated */
	char	*filename;	/* NULL if none: not an attachment */
	char	*content_type;	/* as sent, NULL if none (means text/plain) */
	char	*data;		/* a copy of the part's bytes, NUL-terminated */
	size_t	 len;		/* bytes in data, without the NUL */
};

struct multipart {
	struct multipart_part	*parts;
	size_t			 n;
};

/*
 * Copy the boundary of a multipart/form-data Content-Type value into out
 * (which needs MULTIPART_MAX_BOUNDARY + 1 bytes); -1 and err if there is none.
 */
int	multipart_boundary(const char *content_type, char *out, size_t outlen,
	    char *err, size_t errlen);
/*
 * Parse len bytes of body sent with the given Content-Type value into out,
 * which the caller frees with multipart_free.  On error return -1 with a
 * message in err (if errlen > 0) and out empty.
 */
int	multipart_parse(const char *content_type, const char *body, size_t len,
	    struct multipart *out, char *err, size_t errlen);
/* The first part with the given name, or NULL. */
const struct multipart_part *multipart_get(const struct multipart *mp,
	    const char *name);
/* The number of parts that carry a filename (attachments). */
size_t	multipart_attachments(const struct multipart *mp);
/* Free what multipart_parse allocated and empty the struct. */
void	multipart_free(struct multipart *mp);

#endif
