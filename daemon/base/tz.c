/*
 * tz.c: TZif reader and POSIX TZ rules.  The transitions of the file give
 * the offset up to the last transition; after it, the footer's POSIX rule
 * is evaluated for the year in question.  Offsets are bounded to +-26 hours
 * so that local-to-UTC conversion can look at a bounded window.  Only
 * tz_load touches the file system.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "base/tz.h"

#define TZ_MAX_FILE	(1024 * 1024)
#define TZ_MAX_OFFSET	(26 * 3600)	/* beyond any real zone */
#define TZ_MAX_NAME	255

enum tz_rule_kind {
	TZ_RULE_JULIAN,		/* Jn: 1-365, February 29 never counted */
	TZ_RULE_DAY,		/* n: 0-365, February 29 counted */
	TZ_RULE_MONTH		/* Mm.w.d: day d of week w of month m */
};

struct tz_rule {
	enum tz_rule_kind	 kind;
	int			 day, week, month;
	int32_t			 time;	/* seconds after local midnight */
};

struct tz_posixrule {
	int32_t		 std_off;	/* seconds east of UTC */
	int32_t		 dst_off;
	int		 has_dst;
	struct tz_rule	 start, end;
};

struct tz {
	char			*name;
	int64_t			*trans;		/* ascending */
	int32_t			*after;		/* offset from trans[i] on */
	size_t			 ntrans;
	int32_t			 before;	/* offset before trans[0] */
	int			 has_footer;
	struct tz_posixrule	 footer;
};

/* Write an error message if there is room for one. */
static void
tz_error(char *err, size_t errlen, const char *fmt, const char *arg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, fmt, arg);
}

/* Read a big-endian 32-bit integer. */
static int64_t
tz_be32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

/* Read a big-endian 64-bit integer. */
static int64_t
tz_be64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

/* Read a POSIX zone name (alphabetic, or <quoted>); advance s. */
static int
tz_posix_name(const char **sp)
{
	const char	*s = *sp;
	size_t		 n = 0;

	if (*s == '<') {
		s++;
		while (*s != '\0' && *s != '>') {
			if (!((*s >= 'A' && *s <= 'Z') ||
			    (*s >= 'a' && *s <= 'z') ||
			    (*s >= '0' && *s <= '9') || *s == '+' || *s == '-'))
				return -1;
			s++;
			n++;
		}
		if (*s != '>' || n < 3)
			return -1;
		*sp = s + 1;
		return 0;
	}
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) {
		s++;
		n++;
	}
	if (n < 3)
		return -1;
	*sp = s;
	return 0;
}

/* Read [+-]hh[:mm[:ss]] with hh up to maxh; advance s. */
static int
tz_posix_hms(const char **sp, int maxh, int32_t *out)
{
	const char	*s = *sp;
	int		 sign = 1, h = 0, m = 0, sec = 0, nd = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	while (*s >= '0' && *s <= '9' && nd < 3) {
		h = h * 10 + (*s++ - '0');
		nd++;
	}
	if (nd == 0 || h > maxh)
		return -1;
	if (*s == ':') {
		s++;
		if (s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9')
			return -1;
		m = (s[0] - '0') * 10 + (s[1] - '0');
		s += 2;
		if (*s == ':') {
			s++;
			if (s[0] < '0' || s[0] > '5' || s[1] < '0' ||
			    s[1] > '9')
				return -1;
			sec = (s[0] - '0') * 10 + (s[1] - '0');
			s += 2;
		}
	}
	*out = sign * (h * 3600 + m * 60 + sec);
	*sp = s;
	return 0;
}

/* Read a small decimal number; advance s. */
static int
tz_posix_num(const char **sp, int min, int max, int *out)
{
	const char	*s = *sp;
	int		 v = 0, nd = 0;

	while (*s >= '0' && *s <= '9' && nd < 4) {
		v = v * 10 + (*s++ - '0');
		nd++;
	}
	if (nd == 0 || v < min || v > max)
		return -1;
	*out = v;
	*sp = s;
	return 0;
}

/* Read one rule date[/time]; advance s. */
static int
tz_posix_rule(const char **sp, struct tz_rule *r)
{
	const char	*s = *sp;

	if (*s == 'J') {
		s++;
		r->kind = TZ_RULE_JULIAN;
		if (tz_posix_num(&s, 1, 365, &r->day) == -1)
			return -1;
	} else if (*s == 'M') {
		s++;
		r->kind = TZ_RULE_MONTH;
		if (tz_posix_num(&s, 1, 12, &r->month) == -1 || *s++ != '.' ||
		    tz_posix_num(&s, 1, 5, &r->week) == -1 || *s++ != '.' ||
		    tz_posix_num(&s, 0, 6, &r->day) == -1)
			return -1;
	} else {
		r->kind = TZ_RULE_DAY;
		if (tz_posix_num(&s, 0, 365, &r->day) == -1)
			return -1;
	}
	r->time = 2 * 3600;
	if (*s == '/') {
		s++;
		/* RFC 8536 extends the hour to -167..167. */
		if (tz_posix_hms(&s, 167, &r->time) == -1)
			return -1;
	}
	*sp = s;
	return 0;
}

/* Parse a POSIX TZ string such as "GMT0BST,M3.5.0/1,M10.5.0". */
static int
tz_posix_parse(const char *s, struct tz_posixrule *p)
{
	int32_t	off;

	memset(p, 0, sizeof *p);
	if (tz_posix_name(&s) == -1 || tz_posix_hms(&s, 24, &off) == -1)
		return -1;
	p->std_off = -off;	/* POSIX counts west as positive */
	p->dst_off = p->std_off;
	if (*s == '\0')
		return 0;
	if (tz_posix_name(&s) == -1)
		return -1;
	p->has_dst = 1;
	p->dst_off = p->std_off + 3600;
	if (*s != ',' && *s != '\0') {
		if (tz_posix_hms(&s, 24, &off) == -1)
			return -1;
		p->dst_off = -off;
	}
	if (*s == '\0') {
		/* POSIX leaves the default open; use the US rule like glibc. */
		p->start = (struct tz_rule){ TZ_RULE_MONTH, 0, 2, 3, 7200 };
		p->end = (struct tz_rule){ TZ_RULE_MONTH, 0, 1, 11, 7200 };
		return 0;
	}
	if (*s++ != ',' || tz_posix_rule(&s, &p->start) == -1 ||
	    *s++ != ',' || tz_posix_rule(&s, &p->end) == -1 || *s != '\0')
		return -1;
	return 0;
}

/* Local seconds (as if UTC) at which a rule fires in a year. */
static int64_t
tz_rule_local(const struct tz_rule *r, int64_t year)
{
	int64_t	jan1 = timeutil_days_from_civil(year, 1, 1), day, first;
	int	dim;

	switch (r->kind) {
	case TZ_RULE_JULIAN:
		day = jan1 + r->day - 1;
		if (timeutil_is_leap(year) && r->day >= 60)
			day++;
		break;
	case TZ_RULE_DAY:
		day = jan1 + r->day;
		break;
	default:
		first = timeutil_days_from_civil(year, r->month, 1);
		dim = timeutil_days_in_month(year, r->month);
		day = first + (r->day - timeutil_weekday(first) + 7) % 7 +
		    7 * (r->week - 1);
		while (day >= first + dim)
			day -= 7;
		break;
	}
	return day * 86400 + r->time;
}

/* Offset of a POSIX rule at instant t. */
static int32_t
tz_posix_offset(const struct tz_posixrule *p, int64_t t)
{
	int64_t	y, best = INT64_MIN, at;
	int32_t	off = p->std_off;
	int	m, d, i;

	if (!p->has_dst)
		return p->std_off;
	timeutil_civil_from_days(timeutil_day_of(t + p->std_off), &y, &m, &d);
	/*
	 * The latest rule event at or before t decides.  At equal instants
	 * (year-round DST written as an end and a start that meet) the start
	 * wins, so such a zone stays on DST.
	 */
	for (i = -1; i <= 1; i++) {
		at = tz_rule_local(&p->end, y + i) - p->dst_off;
		if (at <= t && at > best) {
			best = at;
			off = p->std_off;
		}
		at = tz_rule_local(&p->start, y + i) - p->std_off;
		if (at <= t && at >= best) {
			best = at;
			off = p->dst_off;
		}
	}
	if (best == INT64_MIN) {
		/* Before every event we looked at: the state before the
		 * year's first event. */
		off = tz_rule_local(&p->start, y - 1) - p->std_off <
		    tz_rule_local(&p->end, y - 1) - p->dst_off ?
		    p->std_off : p->dst_off;
	}
	return off;
}

/* First instant after t at which a POSIX rule changes the offset. */
static int
tz_posix_next(const struct tz_posixrule *p, int64_t t, int64_t *when)
{
	int64_t	y, cand[8], best;
	int	m, d, i, j, n;

	if (!p->has_dst || p->std_off == p->dst_off)
		return -1;
	timeutil_civil_from_days(timeutil_day_of(t + p->std_off), &y, &m, &d);
	n = 0;
	for (i = -1; i <= 2; i++) {
		cand[n++] = tz_rule_local(&p->start, y + i) - p->std_off;
		cand[n++] = tz_rule_local(&p->end, y + i) - p->dst_off;
	}
	/* Candidates in time order; take the first that changes anything. */
	for (;;) {
		best = INT64_MAX;
		j = -1;
		for (i = 0; i < n; i++)
			if (cand[i] > t && cand[i] < best) {
				best = cand[i];
				j = i;
			}
		if (j == -1)
			return -1;
		if (tz_posix_offset(p, best) != tz_posix_offset(p, best - 1)) {
			*when = best;
			return 0;
		}
		t = best;
	}
}

/* Allocate a zone with a copy of its name. */
static struct tz *
tz_new(const char *name)
{
	struct tz	*z;

	if ((z = calloc(1, sizeof *z)) == NULL)
		return NULL;
	if ((z->name = strdup(name)) == NULL) {
		free(z);
		return NULL;
	}
	return z;
}

/* Build a zone from a POSIX TZ string alone. */
struct tz *
tz_posix(const char *spec, char *err, size_t errlen)
{
	struct tz	*z;

	if ((z = tz_new(spec)) == NULL) {
		tz_error(err, errlen, "%s: out of memory", spec);
		return NULL;
	}
	if (tz_posix_parse(spec, &z->footer) == -1) {
		tz_error(err, errlen, "bad POSIX TZ string \"%s\"", spec);
		tz_free(z);
		return NULL;
	}
	z->has_footer = 1;
	z->before = z->footer.std_off;
	return z;
}

/*
 * Read the counts of a TZif header and the size of its data block; with
 * strict, also check them (the 32-bit block of a version 2+ file is only
 * skipped, and "slim" files may leave it empty).
 */
static int
tz_counts(const uint8_t *h, int tsize, int strict, uint32_t c[6],
    size_t *blocklen)
{
	int	i;

	/* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
	for (i = 0; i < 6; i++) {
		c[i] = (uint32_t)tz_be32(h + 20 + 4 * i);
		if (c[i] > 1000000)
			return -1;
	}
	if (strict && (c[4] == 0 || c[4] > 256 || c[5] == 0 ||
	    (c[0] != 0 && c[0] != c[4]) || (c[1] != 0 && c[1] != c[4])))
		return -1;
	*blocklen = (size_t)c[3] * (size_t)(tsize + 1) + (size_t)c[4] * 6 +
	    c[5] + (size_t)c[2] * (size_t)(tsize + 4) + c[1] + c[0];
	return 0;
}

/* Build a zone from the bytes of a TZif file. */
struct tz *
tz_parse(const char *name, const uint8_t *data, size_t len, char *err,
    size_t errlen)
{
	const uint8_t	*h = data, *p, *types, *idx, *end = data + len;
	uint32_t	 c[6];
	size_t		 blocklen, i, nt;
	int		 tsize = 4;
	int32_t		*offs = NULL;
	struct tz	*z = NULL;
	char		 footer[256];
	const uint8_t	*nl;

	if (len < 44 || memcmp(data, "TZif", 4) != 0) {
		tz_error(err, errlen, "%s: not a TZif time zone file", name);
		return NULL;
	}
	if (tz_counts(h, 4, data[4] < '2', c, &blocklen) == -1 ||
	    blocklen > len - 44)
		goto bad;
	if (data[4] >= '2') {
		/* Skip the 32-bit block; use the 64-bit one that follows. */
		h = data + 44 + blocklen;
		if ((size_t)(end - h) < 44 || memcmp(h, "TZif", 4) != 0)
			goto bad;
		tsize = 8;
		if (tz_counts(h, 8, 1, c, &blocklen) == -1 ||
		    blocklen > (size_t)(end - h) - 44)
			goto bad;
	}
	if (c[2] != 0) {
		tz_error(err, errlen, "%s: leap-second time zones are not "
		    "supported", name);
		return NULL;
	}
	p = h + 44;
	nt = c[3];
	idx = p + nt * (size_t)tsize;
	types = idx + nt;
	if ((z = tz_new(name)) == NULL ||
	    (offs = calloc(c[4], sizeof *offs)) == NULL ||
	    (nt > 0 && ((z->trans = calloc(nt, sizeof *z->trans)) == NULL ||
	    (z->after = calloc(nt, sizeof *z->after)) == NULL))) {
		tz_error(err, errlen, "%s: out of memory", name);
		free(offs);
		tz_free(z);
		return NULL;
	}
	for (i = 0; i < c[4]; i++) {
		offs[i] = (int32_t)tz_be32(types + 6 * i);
		if (offs[i] < -TZ_MAX_OFFSET || offs[i] > TZ_MAX_OFFSET ||
		    types[6 * i + 4] > 1)
			goto bad;
	}
	for (i = 0; i < nt; i++) {
		z->trans[i] = tsize == 8 ? tz_be64(p + 8 * i) :
		    tz_be32(p + 4 * i);
		if (idx[i] >= c[4] || (i > 0 && z->trans[i] <= z->trans[i - 1]))
			goto bad;
		z->after[i] = offs[idx[i]];
	}
	/* Times before the first transition use the first type (RFC 8536). */
	z->before = offs[0];
	z->ntrans = nt;
	if (tsize == 8) {
		p = h + 44 + blocklen;
		if (p < end && *p == '\n' && (nl = memchr(p + 1, '\n',
		    (size_t)(end - p - 1))) != NULL && nl > p + 1) {
			if ((size_t)(nl - p - 1) >= sizeof footer)
				goto bad;
			memcpy(footer, p + 1, (size_t)(nl - p - 1));
			footer[nl - p - 1] = '\0';
			if (tz_posix_parse(footer, &z->footer) == -1) {
				tz_error(err, errlen, "%s: bad POSIX TZ "
				    "footer", name);
				goto fail;
			}
			z->has_footer = 1;
		}
	}
	/* The footer governs from the last transition on. */
	if (z->has_footer && nt > 0)
		z->after[nt - 1] = tz_posix_offset(&z->footer,
		    z->trans[nt - 1]);
	if (z->has_footer && nt == 0)
		z->before = z->footer.std_off;
	free(offs);
	return z;
bad:
	tz_error(err, errlen, "%s: malformed TZif time zone file", name);
fail:
	free(offs);
	tz_free(z);
	return NULL;
}

/* Whether a zone name is safe to append to the zoneinfo directory. */
static int
tz_name_ok(const char *name)
{
	const char	*s;

	if (name[0] == '\0' || name[0] == '/' || strlen(name) > TZ_MAX_NAME ||
	    strstr(name, "..") != NULL)
		return 0;
	for (s = name; *s != '\0'; s++) {
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '/' || *s == '_' ||
		    *s == '-' || *s == '+'))
			return 0;
	}
	return 1;
}

/* Load a zone from the zoneinfo directory. */
struct tz *
tz_load(const char *name, const char *dir, char *err, size_t errlen)
{
	struct stat	 st;
	struct tz	*z;
	uint8_t		*buf;
	char		 path[4096];
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd, w;

	if (!tz_name_ok(name)) {
		tz_error(err, errlen, "bad time zone name \"%.64s\": expected "
		    "a zoneinfo name such as \"Europe/London\"", name);
		return NULL;
	}
	if (dir == NULL && (dir = getenv("TZDIR")) == NULL)
		dir = TZ_DEFAULT_DIR;
	w = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (w < 0 || (size_t)w >= sizeof path) {
		tz_error(err, errlen, "time zone \"%s\": path too long", name);
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			tz_error(err, errlen, "unknown time zone \"%s\"", name);
		else if (err != NULL && errlen > 0)
			snprintf(err, errlen, "time zone \"%s\": %s: %s", name,
			    path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > TZ_MAX_FILE) {
		tz_error(err, errlen, "unknown time zone \"%s\"", name);
		close(fd);
		return NULL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		tz_error(err, errlen, "time zone \"%s\": out of memory", name);
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	z = tz_parse(name, buf, got, err, errlen);
	free(buf);
	return z;
}

/* Free a zone. */
void
tz_free(struct tz *z)
{
	if (z == NULL)
		return;
	free(z->name);
	free(z->trans);
	free(z->after);
	free(z);
}

/* The zone's name. */
const char *
tz_name(const struct tz *z)
{
	return z->name;
}

/* Index of the last transition at or before t, or -1. */
static ssize_t
tz_find(const struct tz *z, int64_t t)
{
	size_t	lo = 0, hi = z->ntrans, mid;

	/* First transition after t, minus one. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ssize_t)lo - 1;
}

/* Offset in force at instant t. */
int32_t
tz_offset(const struct tz *z, int64_t t)
{
	ssize_t	i;

	if (z->ntrans == 0)
		return z->has_footer ? tz_posix_offset(&z->footer, t) :
		    z->before;
	i = tz_find(z, t);
	if (i < 0)
		return z->before;
	if ((size_t)i == z->ntrans - 1 && z->has_footer)
		return tz_posix_offset(&z->footer, t);
	return z->after[i];
}

/* First instant after t at which the offset changes. */
int
tz_next_transition(const struct tz *z, int64_t t, int64_t *when)
{
	ssize_t	i;
	size_t	j;
	int32_t	prev;

	if (z->ntrans == 0)
		return z->has_footer ? tz_posix_next(&z->footer, t, when) : -1;
	i = tz_find(z, t);
	prev = i < 0 ? z->before : z->after[i];
	for (j = (size_t)(i + 1); j < z->ntrans; j++) {
		if (z->after[j] != prev) {
			*when = z->trans[j];
			return 0;
		}
	}
	if (!z->has_footer)
		return -1;
	if (t < z->trans[z->ntrans - 1])
		t = z->trans[z->ntrans - 1];
	return tz_posix_next(&z->footer, t, when);
}

/* The instant of a local wall time (gap: forward; overlap: earlier). */
int64_t
tz_from_local(const struct tz *z, int64_t local)
{
	int64_t	seg = local - TZ_MAX_OFFSET - 1, next, cand;
	int32_t	off = tz_offset(z, seg), off2;
	int	has, i;

	/*
	 * Walk the offset segments that can contain an instant with this
	 * wall time, in time order; the first that does is the earlier of
	 * two.  A wall time skipped by a transition maps to local - the
	 * offset before it, i.e. forward by the gap.
	 */
	for (i = 0; i < 64; i++) {
		has = tz_next_transition(z, seg, &next) == 0 &&
		    next <= local + TZ_MAX_OFFSET;
		cand = local - off;
		if (cand >= seg && (!has || cand < next))
			return cand;
		if (!has)
			break;
		off2 = tz_offset(z, next);
		if (off2 > off && local >= next + off && local < next + off2)
			return local - off;
		seg = next;
		off = off2;
	}
	return local - off;
}
