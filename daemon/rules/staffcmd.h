/*
 * staffcmd.h: what a staff member's text to replyd asks for (SPEC §17).
 * Every SMS alert to a person ends with "Reply {N}A to take it"; the
 * person answers "{N}A" (any case, spaces allowed: "1a", "1 A", " 12A ")
 * to take that alert's conversation, or a bare "A" to take their latest
 * alert.  Anything else is not a command (the sender gets a short help
 * text).  Pure: no I/O, no state.
 */
#ifndef STAFFCMD_H
#define STAFFCMD_H

#include <stddef.h>

/* The largest alert code a command may name (more digits: not a command). */
#define STAFFCMD_MAX_CODE	9999

enum staffcmd_kind {
	STAFFCMD_OTHER,		/* not a command: help */
	STAFFCMD_TAKE,		/* "{N}A": take the alert with code N */
	STAFFCMD_TAKE_LATEST	/* "A": take the latest alert */
};

/*
 * Read len bytes of text.  STAFFCMD_TAKE sets *code (1 to
 * STAFFCMD_MAX_CODE; "0A" is a command naming no alert, code 0).  White
 * space (space, tab, CR, LF, and the no-break space U+00A0 phones put in)
 * may come before, after and between the number and the A; one full stop
 * or exclamation mark may end it.  Bytes of any value are safe.
 */
enum staffcmd_kind staffcmd_parse(const char *text, size_t len, int *code);

#endif
