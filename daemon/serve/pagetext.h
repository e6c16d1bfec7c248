/*
 * pagetext.h: the GOV.UK date input (three fields: day, month, year) on
 * the staff pages' forms, and dates in words.  A form names a date by a
 * prefix: fields PREFIX-day, PREFIX-month, PREFIX-year.  Reading one says
 * whether it was left empty, is not a real date, or is a day; drawing one
 * hands a template what the date input needs (the values as typed, so a
 * form with errors shows them again, and its error).  No I/O.
 */
#ifndef PAGETEXT_DATE_H
#define PAGETEXT_DATE_H

#include <stddef.h>
#include <stdint.h>

struct api_call;
struct calendar;
struct config;
struct template_node;

enum pagetext_date_result {
	PAGETEXT_DATE_OK,
	PAGETEXT_DATE_EMPTY,		/* all three fields empty */
	PAGETEXT_DATE_INVALID	/* something typed, but not a real date */
};

/* The date of form fields PREFIX-day, -month, -year (days since
 * 1970-01-01 in *day). */
enum pagetext_date_result pagetext_date(const struct api_call *,
	    const char *prefix, int32_t *day);

/*
 * Append to list a date input for the template: id (prefix), legend, hint,
 * the three values as posted (empty when c has no form), and error (the
 * message, or missing when NULL).  Returns the new object.
 */
struct template_node *pagetext_date_field(struct template_node *list,
	    const struct api_call *, const char *prefix, const char *legend,
	    const char *hint, const char *error);

/* A day in words, "Tuesday 1 December", with the year when it is not
 * this_year's ("Friday 1 January 2027"); short: "Tue 1 Dec". */
void	pagetext_day(int32_t day, int32_t today, int brief, char *buf,
	    size_t len);

/* The first instant (Unix seconds) of day in the calendar's zone. */
int64_t	pagetext_midnight(const struct calendar *, int32_t day);

/* A person's name as staff know it (the id when no longer configured). */
const char	*pagetext_name(const struct config *, const char *id);
/* Percent-encode s for a path segment or a query value. */
void		 pagetext_encode(const char *s, char *buf, size_t len);

#endif
