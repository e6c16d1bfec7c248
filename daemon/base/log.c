/*
 * log.c: stderr logging with syslog priority prefixes, in the manner of the
 * OpenBSD daemons.  libevent's own messages are routed here too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

#define LOG_PRI_ERR	3
#define LOG_PRI_WARNING	4
#define LOG_PRI_INFO	6
#define LOG_PRI_DEBUG	7

static int	log_verbosity;

/* Write one line with a priority prefix and, optionally, strerror. */
static void
log_vwrite(int pri, const char *errstr, const char *fmt, va_list ap)
{
	char	buf[2048];
	size_t	i;

	vsnprintf(buf, sizeof buf, fmt, ap);
	/* One event, one line: a newline in a value must not split it. */
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	if (errstr != NULL)
		fprintf(stderr, "<%d>%s: %s\n", pri, buf, errstr);
	else
		fprintf(stderr, "<%d>%s\n", pri, buf);
}

/* Set verbosity; stderr is line-buffered so lines never interleave. */
void
log_init(int verbose)
{
	log_verbosity = verbose;
	setvbuf(stderr, NULL, _IOLBF, 0);
}

/* One line at a given syslog priority (3 error ... 7 debug). */
void
log_at(int pri, const char *fmt, ...)
{
	va_list	ap;

	if (pri >= LOG_PRI_DEBUG && !log_verbosity)
		return;
	va_start(ap, fmt);
	log_vwrite(pri, NULL, fmt, ap);
	va_end(ap);
}

/* Whether debug lines are written. */
int
log_verbose(void)
{
	return log_verbosity;
}

/* A warning with the current errno's text. */
void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_PRI_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

/* A warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_PRI_WARNING, NULL, fmt, ap);
	va_end(ap);
}

/* An error that the daemon survives. */
void
log_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_PRI_ERR, NULL, fmt, ap);
	va_end(ap);
}

/* An informational line. */
void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_PRI_INFO, NULL, fmt, ap);
	va_end(ap);
}

/* A debug line, written only with -v. */
void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbosity)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_PRI_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

/* Log an error with errno's text and exit. */
void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_PRI_ERR, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log an error and exit. */
void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_PRI_ERR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
