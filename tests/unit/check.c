/* check.c: runs a table of unit tests and reports each one. */
#include <stdarg.h>
#include <stdlib.h>

#include "check.h"

jmp_buf	check_jmp;
int	check_failed;

/* Record a failed check and unwind to the runner. */
void
check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	check_failed = 1;
	longjmp(check_jmp, 1);
}

/* Run every test (or those named on the command line) and summarise. */
int
check_run(const char *suite, const struct check_test *tests, int argc,
    char **argv)
{
	/* volatile: these live across setjmp/longjmp. */
	const struct check_test	*volatile t;
	volatile int		 passed = 0, failed = 0;
	int			 i, want;

	for (t = tests; t->name != NULL; t++) {
		want = argc <= 1;
		for (i = 1; i < argc; i++)
			if (strcmp(argv[i], t->name) == 0)
				want = 1;
		if (!want)
			continue;
		check_failed = 0;
		if (setjmp(check_jmp) == 0)
			t->fn();
		if (check_failed) {
			printf("FAIL %s\n", t->name);
			failed++;
		} else {
			printf("ok   %s\n", t->name);
			passed++;
		}
		fflush(stdout);
	}
	printf("%s: %d passed, %d failed\n", suite, passed, failed);
	return failed ? 1 : 0;
}
