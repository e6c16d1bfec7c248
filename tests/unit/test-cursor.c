/* test-cursor.c: the opaque cursors of paged lists (cursor.h). */
#include <string.h>

#include "check.h"
#include "base/cursor.h"

static void
test_a_cursor_reads_back_as_the_place_it_names(void)
{
	char		buf[CURSOR_BUFSIZE];
	struct cursor	c;

	CHECK_INT(cursor_encode('o', 1795350394312LL, "10-62120", buf,
	    sizeof buf), 0);
	CHECK_INT(cursor_decode(buf, 'o', &c), 0);
	CHECK_INT(c.key, 1795350394312LL);
	CHECK_STR(c.id, "10-62120");
}

static void
test_a_cursor_of_another_list_is_refused(void)
{
	char		buf[CURSOR_BUFSIZE];
	struct cursor	c;

	CHECK_INT(cursor_encode('o', 5, "1-1", buf, sizeof buf), 0);
	CHECK_INT(cursor_decode(buf, 'r', &c), -1);
}

static void
test_a_changed_or_made_up_cursor_is_refused(void)
{
	char		buf[CURSOR_BUFSIZE];
	struct cursor	c;

	CHECK_INT(cursor_encode('o', 5, "1-1", buf, sizeof buf), 0);
	buf[3] = buf[3] == '0' ? '1' : '0';
	CHECK_INT(cursor_decode(buf, 'o', &c), -1);
	CHECK_INT(cursor_decode("", 'o', &c), -1);
	CHECK_INT(cursor_decode("abc", 'o', &c), -1);
	CHECK_INT(cursor_decode("123456789", 'o', &c), -1);
	CHECK_INT(cursor_decode("zz00000000000000000000", 'o', &c), -1);
}

static void
test_a_negative_key_survives(void)
{
	char		buf[CURSOR_BUFSIZE];
	struct cursor	c;

	CHECK_INT(cursor_encode('c', -1, "yp-1", buf, sizeof buf), 0);
	CHECK_INT(cursor_decode(buf, 'c', &c), 0);
	CHECK_INT(c.key, -1);
	CHECK_STR(c.id, "yp-1");
}

static void
test_an_id_too_long_for_a_cursor_is_refused(void)
{
	char	buf[CURSOR_BUFSIZE], id[CURSOR_ID_MAX + 1];

	memset(id, 'a', sizeof id - 1);
	id[sizeof id - 1] = '\0';
	CHECK_INT(cursor_encode('o', 1, id, buf, sizeof buf), -1);
}

static const struct check_test tests[] = {
	TEST(test_a_cursor_reads_back_as_the_place_it_names),
	TEST(test_a_cursor_of_another_list_is_refused),
	TEST(test_a_changed_or_made_up_cursor_is_refused),
	TEST(test_a_negative_key_survives),
	TEST(test_an_id_too_long_for_a_cursor_is_refused),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("cursor", tests, argc, argv);
}
