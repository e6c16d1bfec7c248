/*
 * check.h: the unit-test harness.  A test file lists its tests in a table,
 * each named for the rule it checks, and main() calls check_run().  A failed
 * CHECK records the file, line and expression and ends that test; the suite
 * prints one line per test and a closing "N passed, N failed" line.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>
#include <setjmp.h>

struct check_test {
	const char	*name;
	void		(*fn)(void);
};

extern jmp_buf	check_jmp;
extern int	check_failed;

void	check_fail(const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4), noreturn));
int	check_run(const char *suite, const struct check_test *tests,
	    int argc, char **argv);

#define CHECK(e) do {							\
	if (!(e))							\
		check_fail(__FILE__, __LINE__, "%s", #e);		\
} while (0)

#define CHECK_INT(a, b) do {						\
	long long check_a_ = (long long)(a), check_b_ = (long long)(b);	\
	if (check_a_ != check_b_)					\
		check_fail(__FILE__, __LINE__, "%s == %lld, want %lld",	\
		    #a, check_a_, check_b_);				\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *check_a_ = (a), *check_b_ = (b);			\
	if (check_a_ == NULL || check_b_ == NULL ||			\
	    strcmp(check_a_, check_b_) != 0)				\
		check_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", \
		    #a, check_a_ ? check_a_ : "(null)",			\
		    check_b_ ? check_b_ : "(null)");			\
} while (0)

#define TEST(fn)	{ #fn, fn }

#endif
