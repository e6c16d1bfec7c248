/*
 * sendgrid-inbound.h: SendGrid Inbound Parse, as pure logic of the sendgrid
 * plugin (libc, libcrypto and cJSON only).
 *
 * - Authentication is HTTP Basic (the credentials are part of the URL set
 *   in SendGrid); the decoded "user:password" is compared with the
 *   configured pair in constant time (as SHA-256 digests).  The scheme is
 *   case-insensitive; the base64 must be canonical (padded, no junk).
 * - "headers" is the email's raw header block: a header is found by
 *   case-insensitive name, continuation lines (starting with a space or a
 *   tab) are unfolded, the value is trimmed; the first of a repeated header
 *   wins; an empty line ends the block; CRLF or LF line ends.
 * - "attachment-info" is a JSON object of {"filename"|"name", "type"}
 *   objects, one per attachment, in order.
 * - Fields come in the email's own character set, named per field in the
 *   "charsets" JSON object ({"text": "iso-8859-1", ...}).  Latin-1 and
 *   Windows-1252 (read alike, as browsers do) become UTF-8 here; UTF-8 and
 *   ASCII need nothing; other character sets are left as they are.
 */
#ifndef SENDGRID_INBOUND_H
#define SENDGRID_INBOUND_H

#include <stddef.h>

/*
 * The value of header name in len bytes of a header block, unfolded and
 * trimmed, malloc'd (free with free(3)); NULL if absent.
 */
char	*sendgrid_inbound_header(const char *block, size_t len,
	    const char *name);
/*
 * From len bytes of attachment-info JSON: the number of attachments in
 * *count and their names comma-separated (commas and control characters in
 * a name become '_'), malloc'd, or NULL if none has a name.
 */
char	*sendgrid_inbound_attachment_names(const char *json, size_t len,
	    int *count);

/*
 * If charsets (len bytes of JSON) names Latin-1 or Windows-1252 for field,
 * in (len bytes) converted to UTF-8, malloc'd, its length in *outlen;
 * otherwise NULL: use in as it is.
 */
char	*sendgrid_inbound_utf8(const char *charsets, size_t charsets_len,
	    const char *field, const char *in, size_t len, size_t *outlen);

/*
 * The "from" of the "envelope" field (len bytes of JSON: {"to": [...],
 * "from": "bounce@b.example"}), the SMTP MAIL FROM that SendGrid's SPF
 * result is about; malloc'd, or NULL.
 */
char	*sendgrid_inbound_envelope_from(const char *json, size_t len);

#endif
