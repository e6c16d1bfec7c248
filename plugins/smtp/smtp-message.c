/*
 * smtp-message.c: see smtp-message.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtp-message.h"

#define SMTP_LINE_MAX		998	/* RFC 5322 2.1.1, without CRLF */
#define SMTP_QP_LINE		76	/* RFC 2045 6.7 (5) */
#define SMTP_WORD_BYTES		45	/* 60 base64 chars: a 72-char word */
#define SMTP_SUBJECT_WORD_BYTES	42	/* after "Subject: ", within 78 */
#define SMTP_ADDRESS_MAX	254

static const char	smtp_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Whether s is an addr-spec: one '@', both sides non-empty, no specials. */
int
smtp_message_address_ok(const char *s)
{
	const char	*at = NULL, *p;

	if (s == NULL || s[0] == '\0' || strlen(s) > SMTP_ADDRESS_MAX)
		return 0;
	for (p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 0x7f || strchr("<>()[],;:\\\"", c) != NULL)
			return 0;
		if (c == '@') {
			if (at != NULL)
				return 0;
			at = p;
		}
	}
	return at != NULL && at != s && at[1] != '\0';
}

/* Whether s is "<id> <id> ...": each printable ASCII with an '@', no
 * space or bracket inside, at most 998 characters in all. */
int
smtp_message_ids_ok(const char *s)
{
	const char	*p = s, *end;
	size_t		 n = 0;

	if (s == NULL || s[0] == '\0' || strlen(s) > SMTP_LINE_MAX - 16)
		return 0;
	while (*p != '\0') {
		if (*p != '<' || (end = strchr(p, '>')) == NULL || end == p + 1)
			return 0;
		if (memchr(p + 1, '@', (size_t)(end - p - 1)) == NULL)
			return 0;
		for (p++; p < end; p++)
			if ((unsigned char)*p <= ' ' ||
			    (unsigned char)*p >= 0x7f || *p == '<')
				return 0;
		p++;
		n++;
		if (*p == ' ' && p[1] == '<')
			p++;
		else if (*p != '\0')
			return 0;
	}
	return n > 0;
}

/* Length of the UTF-8 sequence starting at p, or 0 if it is not valid. */
static size_t
smtp_utf8_len(const unsigned char *p)
{
	size_t		n, i;
	unsigned int	c;

	if (*p < 0x80)
		return 1;
	if (*p >= 0xc2 && *p <= 0xdf) {
		n = 2;
		c = *p & 0x1f;
	} else if (*p >= 0xe0 && *p <= 0xef) {
		n = 3;
		c = *p & 0x0f;
	} else if (*p >= 0xf0 && *p <= 0xf4) {
		n = 4;
		c = *p & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

/*
 * Check a header value: UTF-8, no control characters (so no CR or LF can
 * start a header of its own).  Sets *ascii when it is plain ASCII.
 */
static int
smtp_header_ok(const char *s, int *ascii)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	*ascii = 1;
	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return -1;
		if ((n = smtp_utf8_len(p)) == 0)
			return -1;
		if (n > 1)
			*ascii = 0;
		p += n;
	}
	return 0;
}

/* Write len bytes of s in base64. */
static void
smtp_base64(FILE *f, const unsigned char *s, size_t len)
{
	size_t		i;
	unsigned int	v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned int)s[i] << 16 | (unsigned int)s[i + 1] << 8 |
		    s[i + 2];
		fputc(smtp_b64[v >> 18], f);
		fputc(smtp_b64[(v >> 12) & 63], f);
		fputc(smtp_b64[(v >> 6) & 63], f);
		fputc(smtp_b64[v & 63], f);
	}
	if (len - i == 1) {
		v = (unsigned int)s[i] << 16;
		fputc(smtp_b64[v >> 18], f);
		fputc(smtp_b64[(v >> 12) & 63], f);
		fputs("==", f);
	} else if (len - i == 2) {
		v = (unsigned int)s[i] << 16 | (unsigned int)s[i + 1] << 8;
		fputc(smtp_b64[v >> 18], f);
		fputc(smtp_b64[(v >> 12) & 63], f);
		fputc(smtp_b64[(v >> 6) & 63], f);
		fputc('=', f);
	}
}

/*
 * Write s (checked UTF-8) as RFC 2047 "B" encoded words, each on its own
 * folded line, never splitting a character between two words; the first
 * word holds at most first_max bytes (it shares its line with the name).
 */
static void
smtp_encoded_words(FILE *f, const char *s, size_t first_max)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, c;
	int			 first = 1;

	while (*p != '\0') {
		for (n = 0; p[n] != '\0'; n += c) {
			c = smtp_utf8_len(p + n);
			if (n + c > (first ? first_max : SMTP_WORD_BYTES))
				break;
		}
		fputs(first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?", f);
		smtp_base64(f, p, n);
		fputs("?=", f);
		p += n;
		first = 0;
	}
}

/* A display name: quoted when plain ASCII, encoded words otherwise. */
static void
smtp_display_name(FILE *f, const char *name, int ascii)
{
	const char	*p;

	if (!ascii || strlen(name) > 60) {
		smtp_encoded_words(f, name, SMTP_WORD_BYTES);
		return;
	}
	fputc('"', f);
	for (p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

/* Whether the body can go as 7bit: ASCII with lines SMTP can carry. */
static int
smtp_body_is_7bit(const char *s)
{
	const unsigned char	*p;
	size_t			 line = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n') {
			line = 0;
			continue;
		}
		if (*p >= 0x80 || (*p < 0x20 && *p != '\t') || *p == 0x7f ||
		    ++line > SMTP_LINE_MAX)
			return 0;
	}
	return 1;
}

/* Write the body as is, with every line end made CRLF. */
static void
smtp_body_7bit(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\r') {
			if (s[1] == '\n')
				s++;
			fputs("\r\n", f);
		} else if (*s == '\n')
			fputs("\r\n", f);
		else
			fputc(*s, f);
	}
}

/* Write the body quoted-printable (RFC 2045 6.7), line ends as CRLF. */
static void
smtp_body_qp(FILE *f, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 col = 0, w;
	char			 enc[4];
	int			 eol;

	for (; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n') {
			if (*p == '\r' && p[1] == '\n')
				p++;
			fputs("\r\n", f);
			col = 0;
			continue;
		}
		eol = p[1] == '\0' || p[1] == '\r' || p[1] == '\n';
		if ((*p >= 33 && *p <= 126 && *p != '=') ||
		    ((*p == ' ' || *p == '\t') && !eol)) {
			enc[0] = (char)*p;
			enc[1] = '\0';
		} else
			snprintf(enc, sizeof enc, "=%02X", *p);
		w = strlen(enc);
		/* Leave room for the '=' of a soft break, unless it ends the line. */
		if (col + w > SMTP_QP_LINE - (eol ? 0 : 1)) {
			fputs("=\r\n", f);
			col = 0;
		}
		fputs(enc, f);
		col += w;
	}
}

/* Build the message; see smtp-message.h. */
int
smtp_message_build(const struct smtp_message *m, char **out, size_t *len,
    const char **why)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char	*domain;
	time_t		 t = (time_t)m->date;
	struct tm	 tm;
	FILE		*f;
	size_t		 i;
	int		 name_ascii = 1, subject_ascii = 1;

	*out = NULL;
	*len = 0;
	if (!smtp_message_address_ok(m->from)) {
		*why = "\"from\" is not a plain email address";
		return -1;
	}
	if (!smtp_message_address_ok(m->to)) {
		*why = "the recipient is not a plain email address";
		return -1;
	}
	if (m->from_name != NULL && smtp_header_ok(m->from_name,
	    &name_ascii) == -1) {
		*why = "the sender's name has control characters or is not "
		    "UTF-8";
		return -1;
	}
	if (m->subject != NULL && smtp_header_ok(m->subject,
	    &subject_ascii) == -1) {
		*why = "the subject has control characters or is not UTF-8";
		return -1;
	}
	if (m->auto_submitted != NULL &&
	    strcmp(m->auto_submitted, "auto-replied") != 0 &&
	    strcmp(m->auto_submitted, "auto-generated") != 0) {
		*why = "Auto-Submitted must be auto-replied or auto-generated";
		return -1;
	}
	if (m->text == NULL) {
		*why = "no text";
		return -1;
	}
	if (m->reply_to != NULL && !smtp_message_address_ok(m->reply_to)) {
		*why = "Reply-To is not a plain email address";
		return -1;
	}
	if ((m->in_reply_to != NULL && !smtp_message_ids_ok(m->in_reply_to)) ||
	    (m->references != NULL && !smtp_message_ids_ok(m->references))) {
		*why = "In-Reply-To or References is not a list of Message-IDs";
		return -1;
	}
	if (gmtime_r(&t, &tm) == NULL) {
		*why = "the date is out of range";
		return -1;
	}
	domain = strchr(m->from, '@') + 1;
	if ((f = open_memstream(out, len)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	fprintf(f, "Date: %s, %d %s %d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
	fputs("From: ", f);
	if (m->from_name != NULL && m->from_name[0] != '\0') {
		smtp_display_name(f, m->from_name, name_ascii);
		fprintf(f, " <%s>\r\n", m->from);
	} else
		fprintf(f, "%s\r\n", m->from);
	fprintf(f, "To: %s\r\n", m->to);
	if (m->reply_to != NULL)
		fprintf(f, "Reply-To: %s\r\n", m->reply_to);
	if (m->subject != NULL) {
		fputs("Subject: ", f);
		if (subject_ascii && strlen(m->subject) <= 78 - 9)
			fputs(m->subject, f);
		else
			smtp_encoded_words(f, m->subject,
			    SMTP_SUBJECT_WORD_BYTES);
		fputs("\r\n", f);
	}
	fputs("Message-ID: <", f);
	for (i = 0; i < SMTP_MESSAGE_RANDOM; i++)
		fprintf(f, "%02x", m->random[i]);
	fprintf(f, "@%s>\r\n", domain);
	if (m->in_reply_to != NULL)
		fprintf(f, "In-Reply-To: %s\r\n", m->in_reply_to);
	if (m->references != NULL)
		fprintf(f, "References: %s\r\n", m->references);
	if (m->auto_submitted != NULL)
		fprintf(f, "Auto-Submitted: %s\r\n", m->auto_submitted);
	fputs("MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n", f);
	if (smtp_body_is_7bit(m->text)) {
		fputs("Content-Transfer-Encoding: 7bit\r\n\r\n", f);
		smtp_body_7bit(f, m->text);
	} else {
		fputs("Content-Transfer-Encoding: quoted-printable\r\n\r\n", f);
		smtp_body_qp(f, m->text);
	}
	/* The body ends with a line end, so the final "." stands alone. */
	if (m->text[0] == '\0' ||
	    strchr("\r\n", m->text[strlen(m->text) - 1]) == NULL)
		fputs("\r\n", f);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		*why = "out of memory";
		return -1;
	}
	return 0;
}
