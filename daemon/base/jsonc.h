/*
 * jsonc: JSON with // and block comments, parsed into a tree that remembers
 * the FILE:LINE:COL of every key and value, so that configuration errors can
 * point at the exact place a person has to fix.  Errors are collected in a
 * struct jerrs rather than stopping at the first one.
 *
 * This module owns parsing and error collection only; it never decides what
 * a key means.
 */
#ifndef JSONC_H
#define JSONC_H

#include <stddef.h>
#include <stdarg.h>

enum jv_type {
	JV_NULL,
	JV_FALSE,
	JV_TRUE,
	JV_NUMBER,
	JV_STRING,
	JV_ARRAY,
	JV_OBJECT
};

struct jv {
	enum jv_type	 type;
	const char	*file;		/* shared by the whole tree */
	int		 line, col;	/* where the value starts, 1-based */
	char		*key;		/* member name when inside an object */
	int		 key_line, key_col;
	char		*str;		/* JV_STRING: decoded, NUL-terminated */
	size_t		 len;		/* JV_STRING: bytes in str */
	double		 num;		/* JV_NUMBER */
	struct jv	*child;		/* first element or member */
	struct jv	*next;		/* next sibling */
	struct jv	*parent;
	int		 seen;		/* set by jv_get; see jv_unknown_keys */
};

/* A list of error messages, each already formatted "FILE:LINE:COL: msg". */
struct jerrs {
	char	**msg;
	size_t	  n;
	size_t	  cap;
};

/* Parse text (len bytes) read from file; NULL and an error on bad syntax. */
struct jv	*jv_parse(const char *file, const char *text, size_t len,
		    struct jerrs *errs);
/* Read and parse a file; NULL and an error naming the file on failure. */
struct jv	*jv_load(const char *path, struct jerrs *errs);
/* Free a tree returned by jv_parse or jv_load. */
void		 jv_free(struct jv *root);

/* Member of an object by name (marks it seen), or NULL. */
struct jv	*jv_get(struct jv *obj, const char *key);
/*
 * Have fn called with every jv_get (the object, the key asked for, and
 * the member found or NULL), or stop with fn NULL.  For tools that list
 * the keys a reader accepts (tools/config-keys.c); the daemon never sets
 * it.
 */
void		 jv_trace(void (*fn)(const struct jv *obj, const char *key,
		    const struct jv *found, void *arg), void *arg);
/* Number of elements or members. */
size_t		 jv_count(const struct jv *v);
/* Name of a type for error messages ("a string", "an object"). */
const char	*jv_type_name(enum jv_type t);
/* Check v's type; on mismatch add "KEY: expected T" at v and return -1. */
int		 jv_expect(struct jerrs *errs, const struct jv *v,
		    enum jv_type t);
/* Add an "unknown key" error for every member of obj not marked seen. */
void		 jv_unknown_keys(const struct jv *obj, struct jerrs *errs);
/* Mark every member of obj seen (for sections another module validates). */
void		 jv_mark_all(struct jv *obj);
/* Path of a node for messages, e.g. "calendars.office.hours" (static). */
const char	*jv_path(const struct jv *v);

/* Add an error at a value's position. */
void		 jerr_at(struct jerrs *errs, const struct jv *v,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Add an error at the position of a member's key. */
void		 jerr_key(struct jerrs *errs, const struct jv *v,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Add an error at an explicit position (line or col 0: omitted). */
void		 jerr_add(struct jerrs *errs, const char *file, int line,
		    int col, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
void		 jerr_vadd(struct jerrs *errs, const char *file, int line,
		    int col, const char *fmt, va_list ap);
/* Free the messages (the struct itself is the caller's). */
void		 jerrs_clear(struct jerrs *errs);

#endif
