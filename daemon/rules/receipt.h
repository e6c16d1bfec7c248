/*
 * receipt.h: the words of the receipt, the acknowledgement a young person
 * gets on the first message of a conversation (SPEC §6): the deadline in
 * plain English ("4:55pm today", "midday tomorrow", "4:55pm on Tuesday
 * 26 May") and the configured template with {deadline} filled in and, out
 * of hours, the urgent-help text appended.
 *
 * Pure functions on local civil times: no clock, no time zones, no I/O.
 * The caller turns instants into local times with calendar_local().  This
 * module never sees a worker's name or why anyone is away, so the receipt
 * cannot say either unless an operator wrote it into the template.
 */
#ifndef RECEIPT_H
#define RECEIPT_H

#include <stddef.h>
#include <time.h>

/* Longest deadline in words, with its NUL. */
#define RECEIPT_WORDS_SIZE	64

/*
 * The deadline in words, relative to now (both local times in the same
 * zone; tm_year, tm_mon, tm_mday, tm_hour, tm_min, tm_sec are read).  The
 * time is rounded up to the minute, so the promise is never earlier than
 * the deadline.  Written to fit after "by": "4:55pm today", "9am
 * tomorrow", "midday on Friday 29 May", "midnight tonight" (00:00 is the
 * end of the day before).  The year is added for a date 180 days or more
 * ahead.  -1 if it does not fit in len.
 */
int	 receipt_deadline_words(const struct tm *deadline,
	    const struct tm *now, char *buf, size_t len);
/*
 * The receipt: tmpl with every "{deadline}" replaced by words, then, when
 * out_of_hours is neither NULL nor empty, a space and out_of_hours.
 * malloc'd (free with free(3)), or NULL when out of memory.
 */
char	*receipt_text(const char *tmpl, const char *words,
	    const char *out_of_hours);

#endif
