/*
 * tz.h: time zones read from TZif files (RFC 8536, version 1 to 4) in the
 * zoneinfo directory, including the POSIX TZ rule in the footer that governs
 * every instant after the last transition in the file (Debian's files may be
 * "slim" and list few transitions).  The zone is immutable once loaded and
 * its queries do no I/O.  Leap-second ("right/") zones are refused.
 */
#ifndef TZ_H
#define TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/* The zoneinfo directory used when tz_load is given none and TZDIR is unset. */
#define TZ_DEFAULT_DIR	"/usr/share/zoneinfo"

/*
 * Load zone name (e.g. "Europe/London") from dir, or from $TZDIR or
 * TZ_DEFAULT_DIR when dir is NULL.  Names containing ".." or starting with
 * "/" are refused.  NULL and a message in err on failure.
 */
struct tz	*tz_load(const char *name, const char *dir, char *err,
		    size_t errlen);
/* Build a zone from the bytes of a TZif file; NULL and err on failure. */
struct tz	*tz_parse(const char *name, const uint8_t *data, size_t len,
		    char *err, size_t errlen);
/* Build a zone from a POSIX TZ string alone ("GMT0BST,M3.5.0/1,M10.5.0"). */
struct tz	*tz_posix(const char *spec, char *err, size_t errlen);
/* Free a zone. */
void		 tz_free(struct tz *);
/* The name the zone was loaded under. */
const char	*tz_name(const struct tz *);
/* Offset from UTC in seconds (east positive) in force at instant t. */
int32_t		 tz_offset(const struct tz *, int64_t t);
/*
 * The instant of local wall time `local` (seconds since 1970-01-01 00:00 as
 * if local time were UTC).  A local time in a gap (clocks going forward)
 * moves forward by the length of the gap; an ambiguous one (clocks going
 * back) means its earlier instant.
 */
int64_t		 tz_from_local(const struct tz *, int64_t local);
/* The first instant after t at which the offset changes; -1 if none. */
int		 tz_next_transition(const struct tz *, int64_t t,
		    int64_t *when);

#endif
