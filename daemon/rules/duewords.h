/*
 * duewords.h: when a conversation is due, in the words the staff pages
 * use (SPEC §16): "due in 3 working hours", "overdue by 1 day".  Pure:
 * the time left or past is working time on the team's calendar, so a
 * deadline on Monday morning seen on Friday evening is "due in 2 working
 * hours", not "due in 2 days".
 */
#ifndef DUEWORDS_H
#define DUEWORDS_H

#include <stddef.h>
#include <stdint.h>

struct calendar;

/*
 * Write the words for a deadline due (unix seconds) seen at now into buf;
 * returns 1 when it is overdue, 0 when not.  A NULL calendar counts
 * every hour as working time.
 */
int	due_words(const struct calendar *, int64_t now, int64_t due,
	    char *buf, size_t len);

#endif
