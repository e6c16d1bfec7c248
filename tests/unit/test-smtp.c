/* test-smtp.c: the smtp plugin's RFC 5322 messages (smtp-message.h). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "check.h"
#include "smtp-message.h"

/* 2026-05-26T16:55:00Z, a Tuesday. */
#define DATE	1779814500

static char	*built;
static size_t	 built_len;

/* A message with the usual fields. */
static struct smtp_message
message(const char *subject, const char *text)
{
	struct smtp_message	m;
	size_t			i;

	memset(&m, 0, sizeof m);
	m.from = "replyd@example.gov.uk";
	m.to = "young.person@example.org";
	m.subject = subject;
	m.text = text;
	m.date = DATE;
	for (i = 0; i < SMTP_MESSAGE_RANDOM; i++)
		m.random[i] = (unsigned char)(0xa0 + i);
	return m;
}

/* Build m, which must succeed; the text lives until the next build. */
static const char *
build(const struct smtp_message *m)
{
	const char	*why = NULL;

	free(built);
	built = NULL;
	CHECK_INT(smtp_message_build(m, &built, &built_len, &why), 0);
	CHECK(built != NULL);
	CHECK_INT(strlen(built), built_len);
	return built;
}

/* Whether building m fails. */
static int
refused(const struct smtp_message *m)
{
	char		*out = NULL;
	size_t		 len;
	const char	*why = NULL;
	int		 rc;

	rc = smtp_message_build(m, &out, &len, &why);
	free(out);
	return rc == -1 && why != NULL;
}

/* The body: everything after the blank line. */
static const char *
body_of(const char *msg)
{
	const char	*p = strstr(msg, "\r\n\r\n");

	CHECK(p != NULL);
	return p + 4;
}

/* Decode a quoted-printable body into a new string. */
static char *
qp_decode(const char *s)
{
	char	*out = malloc(strlen(s) + 1), *o = out;

	while (*s != '\0') {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 3;
		} else if (s[0] == '=') {
			char hex[3] = { s[1], s[2], '\0' };

			*o++ = (char)strtol(hex, NULL, 16);
			s += 3;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* Decode the encoded words of a Subject header's value. */
static char *
words_decode(const char *s)
{
	char		*out = calloc(1, strlen(s) + 1);
	unsigned char	 buf[256];
	const char	*p, *q;
	int		 n;

	for (p = s; (p = strstr(p, "=?UTF-8?B?")) != NULL; p = q + 2) {
		p += 10;
		q = strstr(p, "?=");
		CHECK(q != NULL && q - p < 200);
		n = EVP_DecodeBlock(buf, (const unsigned char *)p, (int)(q - p));
		CHECK(n >= 0);
		/* EVP_DecodeBlock counts padding bytes as zeros. */
		if (q - p >= 1 && q[-1] == '=')
			n--;
		if (q - p >= 2 && q[-2] == '=')
			n--;
		strncat(out, (char *)buf, (size_t)n);
	}
	return out;
}

/* Whether every line end in s is CRLF and no line is longer than max. */
static int
lines_ok(const char *s, size_t max)
{
	size_t	col = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\n')
			return 0;	/* a bare LF */
		if (*s == '\r') {
			if (s[1] != '\n')
				return 0;
			s++;
			col = 0;
			continue;
		}
		if (++col > max)
			return 0;
	}
	return 1;
}

static void
test_headers_carry_date_from_to_subject_and_mime(void)
{
	struct smtp_message	m = message("Reply to your message", "Hello.");
	const char		*s = build(&m);

	CHECK(strncmp(s, "Date: Tue, 26 May 2026 16:55:00 +0000\r\n", 39) == 0);
	CHECK(strstr(s, "\r\nFrom: replyd@example.gov.uk\r\n") != NULL);
	CHECK(strstr(s, "\r\nTo: young.person@example.org\r\n") != NULL);
	CHECK(strstr(s, "\r\nSubject: Reply to your message\r\n") != NULL);
	CHECK(strstr(s, "\r\nMIME-Version: 1.0\r\n") != NULL);
	CHECK(strstr(s, "\r\nContent-Type: text/plain; charset=utf-8\r\n") !=
	    NULL);
	CHECK(strstr(s, "\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
	    "Hello.\r\n") != NULL);
	CHECK(strstr(s, "Auto-Submitted") == NULL);
}

static void
test_every_line_ends_with_crlf(void)
{
	struct smtp_message	m = message("Hi", "one\ntwo\r\nthree\rfour");

	CHECK(lines_ok(build(&m), 998));
	CHECK_STR(body_of(built), "one\r\ntwo\r\nthree\r\nfour\r\n");
}

static void
test_message_id_is_random_hex_at_the_from_domain(void)
{
	struct smtp_message	m = message("Hi", "x");

	CHECK(strstr(build(&m), "\r\nMessage-ID: <a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
	    "@example.gov.uk>\r\n") != NULL);
	m.random[0] = 0x01;
	CHECK(strstr(build(&m), "<01a1a2") != NULL);
}

static void
test_display_name_is_quoted_or_encoded(void)
{
	struct smtp_message	m = message("Hi", "x");

	m.from_name = "Leaving Care \"Team\"";
	CHECK(strstr(build(&m), "\r\nFrom: \"Leaving Care \\\"Team\\\"\" "
	    "<replyd@example.gov.uk>\r\n") != NULL);
	m.from_name = "Gwasanaeth Gadael Gofal – Cyngor";
	CHECK(strstr(build(&m), "\r\nFrom: =?UTF-8?B?") != NULL);
}

static void
test_non_ascii_subject_is_rfc2047_encoded(void)
{
	const char		*subject = "Re: café – à bientôt 😀";
	struct smtp_message	 m = message(subject, "x");
	const char		*s = build(&m), *h, *e;
	char			*hv, *dec;

	CHECK((h = strstr(s, "\r\nSubject: =?UTF-8?B?")) != NULL);
	h += 11;
	e = strstr(h, "\r\nMessage-ID");
	CHECK(e != NULL);
	hv = strndup(h, (size_t)(e - h));
	dec = words_decode(hv);
	CHECK_STR(dec, subject);
	free(hv);
	free(dec);
}

static void
test_long_subject_is_folded_into_short_words(void)
{
	char			 subject[400], *hv, *dec;
	struct smtp_message	 m;
	const char		*s, *h, *e;
	size_t			 i;

	for (i = 0; i < sizeof subject - 1; i++)
		subject[i] = i % 7 == 6 ? ' ' : (char)('a' + i % 26);
	subject[sizeof subject - 1] = '\0';
	m = message(subject, "x");
	s = build(&m);
	CHECK(lines_ok(s, 78));
	h = strstr(s, "\r\nSubject: ") + 11;
	e = strstr(h, "\r\nMessage-ID");
	hv = strndup(h, (size_t)(e - h));
	dec = words_decode(hv);
	CHECK_STR(dec, subject);
	free(hv);
	free(dec);
}

static void
test_encoded_words_never_split_a_character(void)
{
	/* 40 two-byte characters: 80 bytes, more than one word holds. */
	char			 subject[128] = "", *hv, *dec;
	struct smtp_message	 m;
	const char		*s, *h, *e;
	int			 i;

	for (i = 0; i < 40; i++)
		strcat(subject, "é");
	m = message(subject, "x");
	s = build(&m);
	h = strstr(s, "\r\nSubject: ") + 11;
	e = strstr(h, "\r\nMessage-ID");
	hv = strndup(h, (size_t)(e - h));
	CHECK(strstr(hv, "\r\n =?UTF-8?B?") != NULL);
	dec = words_decode(hv);
	CHECK_STR(dec, subject);
	free(hv);
	free(dec);
}

static void
test_cr_or_lf_in_a_header_value_is_refused(void)
{
	struct smtp_message	m = message("Hi\r\nBcc: victim@example.org", "x");

	CHECK(refused(&m));
	m.subject = "Hi\nBcc: victim@example.org";
	CHECK(refused(&m));
	m.subject = "Hi";
	m.to = "a@example.org\r\nBcc: victim@example.org";
	CHECK(refused(&m));
	m.to = "a@example.org";
	m.from_name = "Team\r\nBcc: victim@example.org";
	CHECK(refused(&m));
	m.from_name = NULL;
	m.from = "replyd@example.gov.uk\n";
	CHECK(refused(&m));
}

static void
test_addresses_must_be_plain_addr_specs(void)
{
	CHECK(smtp_message_address_ok("a@example.org"));
	CHECK(smtp_message_address_ok("first.last+tag@sub.example.org"));
	CHECK(!smtp_message_address_ok(""));
	CHECK(!smtp_message_address_ok("example.org"));
	CHECK(!smtp_message_address_ok("@example.org"));
	CHECK(!smtp_message_address_ok("a@"));
	CHECK(!smtp_message_address_ok("a@b@c"));
	CHECK(!smtp_message_address_ok("A <a@example.org>"));
	CHECK(!smtp_message_address_ok("a@example.org, b@example.org"));
	CHECK(!smtp_message_address_ok("a b@example.org"));
}

static void
test_subject_with_invalid_utf8_is_refused(void)
{
	struct smtp_message	m = message("caf\xe9", "x");

	CHECK(refused(&m));
}

static void
test_non_ascii_body_is_quoted_printable_and_decodes_back(void)
{
	const char		*text = "Hi Sam,\nsee you at the café = 3pm. "
	    "Bring your ID 😀\n";
	struct smtp_message	 m = message("Hi", text);
	char			*dec;

	CHECK(strstr(build(&m), "\r\nContent-Transfer-Encoding: "
	    "quoted-printable\r\n\r\n") != NULL);
	CHECK(lines_ok(built, 76));
	dec = qp_decode(body_of(built));
	CHECK_STR(dec, "Hi Sam,\r\nsee you at the café = 3pm. Bring your ID "
	    "😀\r\n");
	free(dec);
}

static void
test_long_line_is_quoted_printable_with_short_lines(void)
{
	char			 text[1601];
	struct smtp_message	 m;
	char			*dec;

	memset(text, 'a', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	text[500] = ' ';
	m = message("Hi", text);
	CHECK(strstr(build(&m), "quoted-printable") != NULL);
	CHECK(lines_ok(built, 76));
	dec = qp_decode(body_of(built));
	CHECK_INT(strlen(dec), 1602);
	CHECK(strncmp(dec, text, 1600) == 0);
	free(dec);
}

static void
test_trailing_white_space_survives_quoted_printable(void)
{
	struct smtp_message	 m = message("Hi", "é \nend\t");
	char			*dec;

	build(&m);
	CHECK(strstr(body_of(built), "=20\r\n") != NULL);
	CHECK(strstr(body_of(built), "=09\r\n") != NULL);
	dec = qp_decode(body_of(built));
	CHECK_STR(dec, "é \r\nend\t\r\n");
	free(dec);
}

static void
test_lone_dot_lines_are_left_for_libcurl(void)
{
	struct smtp_message	m = message("Hi", "a\n.\nb");

	CHECK_STR(body_of(build(&m)), "a\r\n.\r\nb\r\n");
}

static void
test_receipts_are_marked_auto_replied(void)
{
	struct smtp_message	m = message("Hi", "x");

	m.auto_submitted = "auto-replied";
	CHECK(strstr(build(&m), "\r\nAuto-Submitted: auto-replied\r\n") !=
	    NULL);
	m.auto_submitted = "no\r\nBcc: x@example.org";
	CHECK(refused(&m));
}

static void
test_no_subject_means_no_subject_header(void)
{
	struct smtp_message	m = message(NULL, "x");

	CHECK(strstr(build(&m), "Subject:") == NULL);
}

static const struct check_test tests[] = {
	TEST(test_headers_carry_date_from_to_subject_and_mime),
	TEST(test_every_line_ends_with_crlf),
	TEST(test_message_id_is_random_hex_at_the_from_domain),
	TEST(test_display_name_is_quoted_or_encoded),
	TEST(test_non_ascii_subject_is_rfc2047_encoded),
	TEST(test_long_subject_is_folded_into_short_words),
	TEST(test_encoded_words_never_split_a_character),
	TEST(test_cr_or_lf_in_a_header_value_is_refused),
	TEST(test_addresses_must_be_plain_addr_specs),
	TEST(test_subject_with_invalid_utf8_is_refused),
	TEST(test_non_ascii_body_is_quoted_printable_and_decodes_back),
	TEST(test_long_line_is_quoted_printable_with_short_lines),
	TEST(test_trailing_white_space_survives_quoted_printable),
	TEST(test_lone_dot_lines_are_left_for_libcurl),
	TEST(test_receipts_are_marked_auto_replied),
	TEST(test_no_subject_means_no_subject_header),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	int	rc = check_run("smtp", tests, argc, argv);

	free(built);
	return rc;
}
