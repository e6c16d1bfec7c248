/*
 * log.h: one line per event on stderr, each prefixed with its syslog
 * priority (<3> error ... <7> debug) so journald files it correctly.
 * Callers must never pass message text, tokens or unmasked phone numbers
 * and email addresses: see mask.h.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

/* Set verbosity (debug lines only when verbose). */
void	log_init(int verbose);
/* A line at syslog priority pri (3 error, 4 warning, 6 info, 7 debug). */
void	log_at(int pri, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	log_verbose(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
