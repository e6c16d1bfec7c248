/* test-csv.c: the contacts CSV reader (RFC 4180). */
#include <string.h>

#include "check.h"
#include "base/csv.h"

/* Parse all of text; return records seen (the first in *first), or -1 with
 * err and nothing to free. */
static int
parse(const char *text, struct csv_record *first, char *err)
{
	struct csv_record	rec;
	size_t			pos = 0;
	int			line = 1, rc, n = 0;

	while ((rc = csv_next(text, strlen(text), &pos, &line, &rec, err,
	    128)) == 1) {
		if (n++ == 0)
			*first = rec;
		else
			csv_record_free(&rec);
	}
	if (rc == -1 && n > 0)
		csv_record_free(first);
	return rc == -1 ? -1 : n;
}

static void
test_plain_fields_split_on_commas(void)
{
	struct csv_record	r;
	char			err[128];

	CHECK_INT(parse("a,b,,c\n", &r, err), 1);
	CHECK_INT(r.n, 4);
	CHECK_STR(r.fields[2], "");
	CHECK_STR(r.fields[3], "c");
	csv_record_free(&r);
}

static void
test_quoted_field_keeps_commas_quotes_and_newlines(void)
{
	struct csv_record	r;
	char			err[128];

	CHECK_INT(parse("\"a, \"\"b\"\"\nc\",d\r\n", &r, err), 1);
	CHECK_STR(r.fields[0], "a, \"b\"\nc");
	CHECK_STR(r.fields[1], "d");
	csv_record_free(&r);
}

static void
test_records_know_their_line(void)
{
	struct csv_record	rec;
	const char		*t = "h\n\"x\ny\"\n\nz\n";
	size_t			 pos = 0;
	int			 line = 1;
	char			 err[128];

	CHECK_INT(csv_next(t, strlen(t), &pos, &line, &rec, err, 128), 1);
	CHECK_INT(rec.line, 1);
	csv_record_free(&rec);
	CHECK_INT(csv_next(t, strlen(t), &pos, &line, &rec, err, 128), 1);
	CHECK_INT(rec.line, 2);
	csv_record_free(&rec);
	CHECK_INT(csv_next(t, strlen(t), &pos, &line, &rec, err, 128), 1);
	CHECK_INT(rec.line, 5);
	CHECK_STR(rec.fields[0], "z");
	csv_record_free(&rec);
	CHECK_INT(csv_next(t, strlen(t), &pos, &line, &rec, err, 128), 0);
}

static void
test_unterminated_quote_is_an_error_naming_the_line(void)
{
	struct csv_record	r;
	char			err[128];

	CHECK_INT(parse("a\n\"open\n", &r, err), -1);
	CHECK(strstr(err, "line 2") != NULL);
}

static void
test_text_after_a_closing_quote_is_an_error(void)
{
	struct csv_record	r;
	char			err[128];

	CHECK_INT(parse("\"a\"b\n", &r, err), -1);
}

static const struct check_test tests[] = {
	TEST(test_plain_fields_split_on_commas),
	TEST(test_quoted_field_keeps_commas_quotes_and_newlines),
	TEST(test_records_know_their_line),
	TEST(test_unterminated_quote_is_an_error_naming_the_line),
	TEST(test_text_after_a_closing_quote_is_an_error),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("csv", tests, argc, argv);
}
