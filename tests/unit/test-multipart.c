/* test-multipart.c: the multipart/form-data parser's rules (multipart.h). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/multipart.h"

#define CT	"multipart/form-data; boundary=XyZ"

/* Parse a string literal body, failing the test on error. */
static void
parse(const char *ct, const char *body, struct multipart *mp)
{
	char	err[160];

	if (multipart_parse(ct, body, strlen(body), mp, err, sizeof err) == -1)
		check_fail(__FILE__, __LINE__, "multipart_parse: %s", err);
}

/* Parse a body that must be refused; return the error message. */
static const char *
refuse(const char *ct, const char *body)
{
	static char		err[160];
	struct multipart	mp;

	strcpy(err, "(none)");
	if (multipart_parse(ct, body, strlen(body), &mp, err,
	    sizeof err) == 0) {
		multipart_free(&mp);
		check_fail(__FILE__, __LINE__, "accepted: %s", body);
	}
	if (mp.parts != NULL || mp.n != 0)
		check_fail(__FILE__, __LINE__, "not left empty");
	return err;
}

static void
test_unquoted_boundary_is_found(void)
{
	char	b[MULTIPART_MAX_BOUNDARY + 1];

	CHECK_INT(multipart_boundary("multipart/form-data; boundary=abc123",
	    b, sizeof b, NULL, 0), 0);
	CHECK_STR(b, "abc123");
	CHECK_INT(multipart_boundary("Multipart/Form-Data;"
	    "BOUNDARY=a'b(c)+_,-./:=?", b, sizeof b, NULL, 0), 0);
	CHECK_STR(b, "a'b(c)+_,-./:=?");
}

static void
test_quoted_boundary_among_other_parameters_is_found(void)
{
	char	b[MULTIPART_MAX_BOUNDARY + 1];

	CHECK_INT(multipart_boundary("multipart/form-data; charset=utf-8; "
	    "boundary=\"----=_Part 7;x\"; foo=bar", b, sizeof b, NULL, 0), 0);
	CHECK_STR(b, "----=_Part 7;x");
	CHECK_INT(multipart_boundary("multipart/form-data ; "
	    "x=\"a;boundary=no\"; boundary = yes ", b, sizeof b, NULL, 0), 0);
	CHECK_STR(b, "yes");
}

static void
test_missing_boundary_is_an_error(void)
{
	char	b[MULTIPART_MAX_BOUNDARY + 1], err[128];

	CHECK_INT(multipart_boundary("multipart/form-data", b, sizeof b, err,
	    sizeof err), -1);
	CHECK_STR(err, "no boundary in Content-Type");
	CHECK_INT(multipart_boundary("multipart/form-data; boundary=", b,
	    sizeof b, err, sizeof err), -1);
	CHECK_INT(multipart_boundary("multipart/form-data; boundary=\"\"", b,
	    sizeof b, err, sizeof err), -1);
	CHECK_INT(multipart_boundary(NULL, b, sizeof b, err, sizeof err), -1);
}

static void
test_boundary_longer_than_70_characters_is_an_error(void)
{
	char	b[MULTIPART_MAX_BOUNDARY + 1], err[128], ct[200];

	snprintf(ct, sizeof ct, "multipart/form-data; boundary=%070d", 7);
	CHECK_INT(multipart_boundary(ct, b, sizeof b, err, sizeof err), 0);
	CHECK_INT(strlen(b), 70);
	snprintf(ct, sizeof ct, "multipart/form-data; boundary=%071d", 7);
	CHECK_INT(multipart_boundary(ct, b, sizeof b, err, sizeof err), -1);
	CHECK_STR(err, "boundary longer than 70 characters");
}

static void
test_boundary_with_a_control_character_is_an_error(void)
{
	char	b[MULTIPART_MAX_BOUNDARY + 1];

	CHECK_INT(multipart_boundary("multipart/form-data; boundary=\"a\rb\"",
	    b, sizeof b, NULL, 0), -1);
}

static void
test_content_type_must_be_multipart_form_data(void)
{
	CHECK_STR(refuse("application/x-www-form-urlencoded; boundary=XyZ",
	    "--XyZ--\r\n"), "Content-Type is not multipart/form-data");
	CHECK_STR(refuse("multipart/form-datax; boundary=XyZ", "--XyZ--\r\n"),
	    "Content-Type is not multipart/form-data");
}

static void
test_parts_with_crlf_line_ends(void)
{
	struct multipart	mp;

	parse(CT, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"from\"\r\n"
	    "\r\n"
	    "Alice <alice@example.org>\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"text\"\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "\r\n"
	    "line one\r\nline two\r\n"
	    "--XyZ--\r\n", &mp);
	CHECK_INT(mp.n, 2);
	CHECK_STR(mp.parts[0].name, "from");
	CHECK_STR(mp.parts[0].data, "Alice <alice@example.org>");
	CHECK(mp.parts[0].content_type == NULL);
	CHECK(mp.parts[0].filename == NULL);
	CHECK_STR(mp.parts[1].name, "text");
	CHECK_STR(mp.parts[1].content_type, "text/plain; charset=utf-8");
	CHECK_STR(mp.parts[1].data, "line one\r\nline two");
	CHECK_INT(mp.parts[1].len, 18);
	multipart_free(&mp);
}

static void
test_parts_with_bare_lf_line_ends(void)
{
	struct multipart	mp;

	parse(CT, "--XyZ\n"
	    "Content-Disposition: form-data; name=subject\n"
	    "\n"
	    "Hello\n"
	    "--XyZ\n"
	    "Content-Disposition: form-data; name=\"body\"\n"
	    "\n"
	    "a\nb\n"
	    "--XyZ--", &mp);
	CHECK_INT(mp.n, 2);
	CHECK_STR(mp.parts[0].name, "subject");
	CHECK_STR(mp.parts[0].data, "Hello");
	CHECK_STR(mp.parts[1].data, "a\nb");
	multipart_free(&mp);
}

static void
test_binary_part_with_nul_is_byte_exact(void)
{
	struct multipart	mp;
	const char		body[] = "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"bin\"; "
	    "filename=\"x.bin\"\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "\r\n"
	    "\x00\x01\r\n--XyZ is not here\xff\r\x00\r\n"
	    "\r\n--XyZ--\r\n";

	CHECK_INT(multipart_parse(CT, body, sizeof body - 1, &mp, NULL, 0), 0);
	CHECK_INT(mp.n, 1);
	CHECK_INT(mp.parts[0].len, 26);
	CHECK(memcmp(mp.parts[0].data,
	    "\x00\x01\r\n--XyZ is not here\xff\r\x00\r\n", 26) == 0);
	CHECK_INT(mp.parts[0].data[26], 0);
	multipart_free(&mp);
}

static void
test_a_part_with_a_filename_is_a_counted_attachment(void)
{
	struct multipart	mp;

	parse(CT, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"text\"\r\n\r\nhi\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"attachment1\"; "
	    "filename=\"photo.jpg\"\r\n"
	    "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"attachment2\"; "
	    "filename=\"\"\r\n\r\n\r\n"
	    "--XyZ--\r\n", &mp);
	CHECK_INT(mp.n, 3);
	CHECK_INT(multipart_attachments(&mp), 2);
	CHECK_STR(mp.parts[1].filename, "photo.jpg");
	CHECK_STR(mp.parts[1].content_type, "image/jpeg");
	CHECK_INT(mp.parts[1].len, 3);
	CHECK_STR(mp.parts[2].filename, "");
	CHECK_INT(mp.parts[2].len, 0);
	multipart_free(&mp);
}

static void
test_missing_closing_delimiter_is_an_error(void)
{
	CHECK_STR(refuse(CT, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"b\"\r\n\r\ntruncat"),
	    "part 2: missing closing delimiter");
	CHECK_STR(refuse(CT, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ"),
	    "part 1: missing closing delimiter");
	CHECK_STR(refuse(CT, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ\r\n"),
	    "part 2: headers not terminated");
}

static void
test_missing_name_is_an_error_naming_the_part(void)
{
	CHECK_STR(refuse(CT, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; filename=\"c\"\r\n\r\n3\r\n"
	    "--XyZ--\r\n"), "part 3: no name in Content-Disposition");
}

static void
test_missing_content_disposition_is_an_error(void)
{
	CHECK_STR(refuse(CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\n1\r\n"
	    "--XyZ--\r\n"), "part 1: no Content-Disposition header");
	CHECK_STR(refuse(CT, "--XyZ\r\n\r\n1\r\n--XyZ--\r\n"),
	    "part 1: no Content-Disposition header");
}

static void
test_malformed_header_line_is_an_error(void)
{
	CHECK_STR(refuse(CT, "--XyZ\r\nContent-Disposition form-data\r\n\r\n"
	    "1\r\n--XyZ--\r\n"), "part 1: malformed header line");
	CHECK_STR(refuse(CT, "--XyZ\r\n Content-Disposition: form-data; "
	    "name=a\r\n\r\n1\r\n--XyZ--\r\n"),
	    "part 1: continuation line before any header");
}

static void
test_nul_in_headers_is_an_error(void)
{
	struct multipart	mp;
	char			err[128];
	const char		body[] = "--XyZ\r\nContent-Disposition: "
	    "form-data; name=\"a\0b\"\r\n\r\n1\r\n--XyZ--\r\n";

	CHECK_INT(multipart_parse(CT, body, sizeof body - 1, &mp, err,
	    sizeof err), -1);
	CHECK_STR(err, "part 1: NUL byte in headers");
}

static void
test_preamble_and_epilogue_are_ignored(void)
{
	struct multipart	mp;

	parse(CT, "This is a preamble --XyZ\r\nstill preamble\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
	    "--XyZ--\r\n"
	    "epilogue\r\n--XyZ\r\nContent-Disposition: form-data; name=b\r\n"
	    "\r\n2\r\n--XyZ--\r\n", &mp);
	CHECK_INT(mp.n, 1);
	CHECK_STR(mp.parts[0].data, "1");
	multipart_free(&mp);
}

static void
test_boundary_text_inside_data_is_not_a_delimiter(void)
{
	struct multipart	mp;

	parse(CT, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "x --XyZ\r\n--XyZX\r\n--XyZ-\r\n--XyZ y\r\n"
	    "--XyZ \t\r\n"
	    "Content-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n"
	    "--XyZ--\r\n", &mp);
	CHECK_INT(mp.n, 2);
	CHECK_STR(mp.parts[0].data, "x --XyZ\r\n--XyZX\r\n--XyZ-\r\n--XyZ y");
	CHECK_STR(mp.parts[1].data, "2");
	multipart_free(&mp);
}

static void
test_empty_part_data_is_kept(void)
{
	struct multipart	mp;

	parse(CT, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "\r\n--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"b\"\r\n\r\n"
	    "--XyZ--\r\n", &mp);
	CHECK_INT(mp.n, 2);
	CHECK_INT(mp.parts[0].len, 0);
	CHECK_STR(mp.parts[0].data, "");
	CHECK_INT(mp.parts[1].len, 0);
	multipart_free(&mp);
}

static void
test_a_body_with_only_the_closing_delimiter_has_no_parts(void)
{
	struct multipart	mp;

	parse(CT, "--XyZ--\r\n", &mp);
	CHECK_INT(mp.n, 0);
	CHECK_INT(multipart_attachments(&mp), 0);
	CHECK(multipart_get(&mp, "a") == NULL);
	multipart_free(&mp);
}

static void
test_a_body_without_any_delimiter_is_an_error(void)
{
	CHECK_STR(refuse(CT, "hello"), "no boundary delimiter in body");
	CHECK_STR(refuse(CT, ""), "no boundary delimiter in body");
	CHECK_STR(refuse(CT, "x--XyZ--\r\n"), "no boundary delimiter in body");
}

static void
test_header_names_and_parameters_are_case_insensitive(void)
{
	struct multipart	mp;

	parse(CT, "--XyZ\r\n"
	    "content-disposition: FORM-DATA; NAME=\"a\"; FileName=b.txt\r\n"
	    "CONTENT-TYPE:text/plain\r\n\r\n1\r\n--XyZ--\r\n", &mp);
	CHECK_STR(mp.parts[0].name, "a");
	CHECK_STR(mp.parts[0].filename, "b.txt");
	CHECK_STR(mp.parts[0].content_type, "text/plain");
	multipart_free(&mp);
}

static void
test_a_folded_header_line_continues_the_previous_one(void)
{
	struct multipart	mp;

	parse(CT, "--XyZ\r\n"
	    "Content-Disposition: form-data;\r\n\tname=\"a\";\r\n"
	    " filename=\"long name.pdf\"\r\n"
	    "X-Other: y\r\n\r\n1\r\n--XyZ--\r\n", &mp);
	CHECK_STR(mp.parts[0].name, "a");
	CHECK_STR(mp.parts[0].filename, "long name.pdf");
	multipart_free(&mp);
}

static void
test_quoted_values_unescape_quote_and_backslash_only(void)
{
	struct multipart	mp;

	parse(CT, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\\\"b\"; "
	    "filename=\"C:\\docs\\\\x \\\"y\\\".txt\"\r\n\r\n1\r\n"
	    "--XyZ--\r\n", &mp);
	CHECK_STR(mp.parts[0].name, "a\"b");
	CHECK_STR(mp.parts[0].filename, "C:\\docs\\x \"y\".txt");
	multipart_free(&mp);
}

static void
test_rfc5987_filename_star_is_decoded(void)
{
	struct multipart	mp;

	parse(CT, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"; "
	    "filename*=UTF-8''%E2%82%AC%20rates.pdf\r\n\r\n1\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"b\"; "
	    "filename*=UTF-8''bad%zz\r\n\r\n2\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"c\"; filename=plain; "
	    "filename*=UTF-8''other\r\n\r\n3\r\n"
	    "--XyZ--\r\n", &mp);
	CHECK_STR(mp.parts[0].filename, "\xe2\x82\xac rates.pdf");
	CHECK_STR(mp.parts[1].filename, "bad%zz");
	CHECK_STR(mp.parts[2].filename, "plain");
	CHECK_INT(multipart_attachments(&mp), 3);
	multipart_free(&mp);
}

static void
test_get_returns_the_first_part_of_a_name(void)
{
	struct multipart	mp;

	parse(CT, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"to\"\r\n\r\n1\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"to\"\r\n\r\n2\r\n"
	    "--XyZ--\r\n", &mp);
	CHECK(multipart_get(&mp, "to") == &mp.parts[0]);
	CHECK(multipart_get(&mp, "To") == NULL);
	multipart_free(&mp);
}

static void
test_headers_longer_than_the_limit_are_an_error(void)
{
	struct multipart	 mp;
	char			*body, err[128];
	size_t			 len;

	len = MULTIPART_MAX_HEADER + 200;
	CHECK((body = malloc(len)) != NULL);
	memset(body, 'x', len);
	memcpy(body, "--XyZ\r\nX-Pad: ", 14);
	CHECK_INT(multipart_parse(CT, body, len, &mp, err, sizeof err), -1);
	CHECK_STR(err, "part 1: headers longer than 8192 bytes");
	free(body);
}

static void
test_more_than_the_maximum_parts_is_an_error(void)
{
	struct multipart	 mp;
	static const char	 one[] = "--XyZ\r\n"
	    "Content-Disposition: form-data; name=a\r\n\r\n1\r\n";
	char			*body, err[128];
	size_t			 i, n = sizeof one - 1, len;

	len = (MULTIPART_MAX_PARTS + 1) * n + 9;
	CHECK((body = malloc(len)) != NULL);
	for (i = 0; i < MULTIPART_MAX_PARTS; i++)
		memcpy(body + i * n, one, n);
	memcpy(body + i * n, "--XyZ--\r\n", 9);
	CHECK_INT(multipart_parse(CT, body, i * n + 9, &mp, err,
	    sizeof err), 0);
	CHECK_INT(mp.n, MULTIPART_MAX_PARTS);
	multipart_free(&mp);
	memcpy(body + i * n, one, n);
	memcpy(body + (i + 1) * n, "--XyZ--\r\n", 9);
	CHECK_INT(multipart_parse(CT, body, len, &mp, err, sizeof err), -1);
	CHECK_STR(err, "more than 1000 parts");
	free(body);
}

static void
test_a_sendgrid_inbound_parse_body_is_read(void)
{
	struct multipart		 mp;
	const struct multipart_part	*p;

	parse("multipart/form-data; boundary=xYzZY",
	    "--xYzZY\r\n"
	    "Content-Disposition: form-data; name=\"headers\"\r\n\r\n"
	    "Message-ID: <CAF=abc@mail.gmail.com>\r\n"
	    "Subject: help\r\n\r\n"
	    "--xYzZY\r\n"
	    "Content-Disposition: form-data; name=\"from\"\r\n\r\n"
	    "Sam <sam@example.com>\r\n"
	    "--xYzZY\r\n"
	    "Content-Disposition: form-data; name=\"text\"\r\n\r\n"
	    "Can you call me?\r\n\r\n"
	    "--xYzZY\r\n"
	    "Content-Disposition: form-data; name=\"attachments\"\r\n\r\n"
	    "1\r\n"
	    "--xYzZY\r\n"
	    "Content-Disposition: form-data; name=\"attachment1\"; "
	    "filename=\"letter.pdf\"\r\n"
	    "Content-Type: application/pdf\r\n\r\n"
	    "%PDF-1.4\n\x01\x02\x03\r\n"
	    "--xYzZY--\r\n", &mp);
	CHECK_INT(mp.n, 5);
	CHECK((p = multipart_get(&mp, "headers")) != NULL);
	CHECK_STR(p->data, "Message-ID: <CAF=abc@mail.gmail.com>\r\n"
	    "Subject: help\r\n");
	CHECK((p = multipart_get(&mp, "text")) != NULL);
	CHECK_STR(p->data, "Can you call me?\r\n");
	CHECK((p = multipart_get(&mp, "attachment1")) != NULL);
	CHECK_INT(p->len, 12);
	CHECK_INT(multipart_attachments(&mp), 1);
	multipart_free(&mp);
}

static const struct check_test tests[] = {
	TEST(test_unquoted_boundary_is_found),
	TEST(test_quoted_boundary_among_other_parameters_is_found),
	TEST(test_missing_boundary_is_an_error),
	TEST(test_boundary_longer_than_70_characters_is_an_error),
	TEST(test_boundary_with_a_control_character_is_an_error),
	TEST(test_content_type_must_be_multipart_form_data),
	TEST(test_parts_with_crlf_line_ends),
	TEST(test_parts_with_bare_lf_line_ends),
	TEST(test_binary_part_with_nul_is_byte_exact),
	TEST(test_a_part_with_a_filename_is_a_counted_attachment),
	TEST(test_missing_closing_delimiter_is_an_error),
	TEST(test_missing_name_is_an_error_naming_the_part),
	TEST(test_missing_content_disposition_is_an_error),
	TEST(test_malformed_header_line_is_an_error),
	TEST(test_nul_in_headers_is_an_error),
	TEST(test_preamble_and_epilogue_are_ignored),
	TEST(test_boundary_text_inside_data_is_not_a_delimiter),
	TEST(test_empty_part_data_is_kept),
	TEST(test_a_body_with_only_the_closing_delimiter_has_no_parts),
	TEST(test_a_body_without_any_delimiter_is_an_error),
	TEST(test_header_names_and_parameters_are_case_insensitive),
	TEST(test_a_folded_header_line_continues_the_previous_one),
	TEST(test_quoted_values_unescape_quote_and_backslash_only),
	TEST(test_rfc5987_filename_star_is_decoded),
	TEST(test_get_returns_the_first_part_of_a_name),
	TEST(test_headers_longer_than_the_limit_are_an_error),
	TEST(test_more_than_the_maximum_parts_is_an_error),
	TEST(test_a_sendgrid_inbound_parse_body_is_read),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("multipart", tests, argc, argv);
}
