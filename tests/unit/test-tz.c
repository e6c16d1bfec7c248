/* test-tz.c: TZif zones, POSIX footers, local time to instants. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "base/timeutil.h"
#include "base/tz.h"

/* Load a zone that must exist. */
static struct tz *
load(const char *name)
{
	struct tz	*z;
	char		 err[256];

	if ((z = tz_load(name, NULL, err, sizeof err)) == NULL)
		check_fail(__FILE__, __LINE__, "%s: %s", name, err);
	return z;
}

/* An instant from RFC 3339 text. */
static int64_t
at(const char *s)
{
	int64_t	t;

	if (timeutil_parse_rfc3339(s, &t) == -1)
		check_fail(__FILE__, __LINE__, "bad instant %s", s);
	return t;
}

/* Local wall time as seconds, from "YYYY-MM-DDTHH:MM:SSZ" notation. */
#define LOCAL(s)	at(s)

static void
test_offset_changes_at_0100_utc_when_clocks_go_forward(void)
{
	struct tz	*z = load("Europe/London");

	CHECK_INT(tz_offset(z, at("2026-03-29T00:59:59Z")), 0);
	CHECK_INT(tz_offset(z, at("2026-03-29T01:00:00Z")), 3600);
	tz_free(z);
}

static void
test_offset_changes_at_0100_utc_when_clocks_go_back(void)
{
	struct tz	*z = load("Europe/London");

	CHECK_INT(tz_offset(z, at("2026-10-25T00:59:59Z")), 3600);
	CHECK_INT(tz_offset(z, at("2026-10-25T01:00:00Z")), 0);
	tz_free(z);
}

static void
test_local_time_in_the_gap_moves_forward_by_the_gap(void)
{
	struct tz	*z = load("Europe/London");

	/* 01:30 does not exist on 2026-03-29: it becomes 02:30 BST. */
	CHECK_INT(tz_from_local(z, LOCAL("2026-03-29T01:30:00Z")),
	    at("2026-03-29T01:30:00Z"));
	CHECK_INT(tz_from_local(z, LOCAL("2026-03-29T01:00:00Z")),
	    at("2026-03-29T01:00:00Z"));
	CHECK_INT(tz_from_local(z, LOCAL("2026-03-29T02:00:00Z")),
	    at("2026-03-29T01:00:00Z"));
	CHECK_INT(tz_from_local(z, LOCAL("2026-03-29T00:59:59Z")),
	    at("2026-03-29T00:59:59Z"));
	tz_free(z);
}

static void
test_ambiguous_local_time_means_the_earlier_instant(void)
{
	struct tz	*z = load("Europe/London");

	/* 01:30 happens twice on 2026-10-25: BST first (00:30 UTC). */
	CHECK_INT(tz_from_local(z, LOCAL("2026-10-25T01:30:00Z")),
	    at("2026-10-25T00:30:00Z"));
	CHECK_INT(tz_from_local(z, LOCAL("2026-10-25T01:00:00Z")),
	    at("2026-10-25T00:00:00Z"));
	CHECK_INT(tz_from_local(z, LOCAL("2026-10-25T02:00:00Z")),
	    at("2026-10-25T02:00:00Z"));
	CHECK_INT(tz_from_local(z, LOCAL("2026-10-25T00:59:59Z")),
	    at("2026-10-24T23:59:59Z"));
	tz_free(z);
}

static void
test_posix_footer_governs_after_the_last_transition(void)
{
	struct tz	*z = load("Europe/London");

	/* 2090: last Sundays are 26 March and 29 October. */
	CHECK_INT(tz_offset(z, at("2090-01-15T12:00:00Z")), 0);
	CHECK_INT(tz_offset(z, at("2090-03-26T00:59:59Z")), 0);
	CHECK_INT(tz_offset(z, at("2090-03-26T01:00:00Z")), 3600);
	CHECK_INT(tz_offset(z, at("2090-07-01T12:00:00Z")), 3600);
	CHECK_INT(tz_offset(z, at("2090-10-29T00:59:59Z")), 3600);
	CHECK_INT(tz_offset(z, at("2090-10-29T01:00:00Z")), 0);
	CHECK_INT(tz_from_local(z, LOCAL("2090-03-26T01:30:00Z")),
	    at("2090-03-26T01:30:00Z"));
	CHECK_INT(tz_from_local(z, LOCAL("2090-10-29T01:30:00Z")),
	    at("2090-10-29T00:30:00Z"));
	tz_free(z);
}

static void
test_next_transition_finds_each_clock_change(void)
{
	struct tz	*z = load("Europe/London");
	int64_t		 t;

	CHECK_INT(tz_next_transition(z, at("2026-01-01T00:00:00Z"), &t), 0);
	CHECK_INT(t, at("2026-03-29T01:00:00Z"));
	CHECK_INT(tz_next_transition(z, t, &t), 0);
	CHECK_INT(t, at("2026-10-25T01:00:00Z"));
	CHECK_INT(tz_next_transition(z, at("2090-04-01T00:00:00Z"), &t), 0);
	CHECK_INT(t, at("2090-10-29T01:00:00Z"));
	tz_free(z);
}

static void
test_london_agrees_with_libc_from_1900_to_2100(void)
{
	struct tz	*z = load("Europe/London");
	struct tm	 tm;
	time_t		 tt;
	int64_t		 t, local;

	setenv("TZ", "Europe/London", 1);
	tzset();
	for (t = at("1900-01-01T00:00:00Z"); t < at("2100-01-01T00:00:00Z");
	    t += 3599 * 7) {
		tt = (time_t)t;
		localtime_r(&tt, &tm);
		CHECK_INT(tz_offset(z, t), tm.tm_gmtoff);
		local = t + tm.tm_gmtoff;
		/* The instant of a local time never comes after t. */
		CHECK(tz_from_local(z, local) <= t);
		CHECK_INT(tz_from_local(z, local) +
		    tz_offset(z, tz_from_local(z, local)), local);
	}
	tz_free(z);
}

static void
test_posix_strings_both_hemispheres_and_negative_dst(void)
{
	struct tz	*z;
	char		 err[256];

	CHECK((z = tz_posix("GMT0BST,M3.5.0/1,M10.5.0", err,
	    sizeof err)) != NULL);
	CHECK_INT(tz_offset(z, at("2026-03-29T01:00:00Z")), 3600);
	CHECK_INT(tz_offset(z, at("2026-10-25T01:00:00Z")), 0);
	tz_free(z);

	CHECK((z = tz_posix("AEST-10AEDT,M10.1.0,M4.1.0/3", err,
	    sizeof err)) != NULL);
	CHECK_INT(tz_offset(z, at("2026-01-15T00:00:00Z")), 11 * 3600);
	CHECK_INT(tz_offset(z, at("2026-07-15T00:00:00Z")), 10 * 3600);
	/* Sydney 2026: DST ends 5 April 03:00 local (16:00 UTC on the 4th). */
	CHECK_INT(tz_offset(z, at("2026-04-04T15:59:59Z")), 11 * 3600);
	CHECK_INT(tz_offset(z, at("2026-04-04T16:00:00Z")), 10 * 3600);
	tz_free(z);

	/* Ireland: winter time is the "daylight" one, one hour behind. */
	CHECK((z = tz_posix("IST-1GMT0,M10.5.0,M3.5.0/1", err,
	    sizeof err)) != NULL);
	CHECK_INT(tz_offset(z, at("2026-01-15T00:00:00Z")), 0);
	CHECK_INT(tz_offset(z, at("2026-07-15T00:00:00Z")), 3600);
	tz_free(z);

	CHECK((z = tz_posix("<+0530>-5:30", err, sizeof err)) != NULL);
	CHECK_INT(tz_offset(z, at("2026-07-15T00:00:00Z")), 19800);
	tz_free(z);

	CHECK((z = tz_posix("EST5EDT", err, sizeof err)) != NULL);
	CHECK_INT(tz_offset(z, at("2026-07-15T00:00:00Z")), -4 * 3600);
	CHECK_INT(tz_offset(z, at("2026-01-15T00:00:00Z")), -5 * 3600);
	tz_free(z);
}

static void
test_bad_posix_strings_are_refused(void)
{
	static const char *const bad[] = {
		"", "G", "GMT", "GMT0BST,", "GMT0BST,M3.5.0",
		"GMT0BST,M13.5.0,M10.5.0", "GMT0BST,M3.6.0,M10.5.0",
		"GMT0BST,M3.5.7,M10.5.0",
		"GMT0BST,J0,J365", "GMT25", "<AB>0", "GMT0BST,M3.5.0/1,M10.5.0x",
	};
	char	err[256];
	size_t	i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (tz_posix(bad[i], err, sizeof err) != NULL)
			check_fail(__FILE__, __LINE__, "accepted \"%s\"",
			    bad[i]);
}

static void
test_unsafe_or_unknown_names_are_refused(void)
{
	static const char *const bad[] = {
		"../../etc/passwd", "/etc/localtime", "Europe/../UTC", "",
		"Europe/London\n", "Europe/Lon don",
	};
	char	err[256];
	size_t	i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (tz_load(bad[i], NULL, err, sizeof err) != NULL)
			check_fail(__FILE__, __LINE__, "accepted \"%s\"",
			    bad[i]);
		CHECK(strstr(err, "bad time zone name") != NULL);
	}
	CHECK(tz_load("Nowhere/Atlantis", NULL, err, sizeof err) == NULL);
	CHECK_STR(err, "unknown time zone \"Nowhere/Atlantis\"");
	CHECK(tz_load("Europe", NULL, err, sizeof err) == NULL);
	CHECK(tz_load("zone.tab", NULL, err, sizeof err) == NULL);
}

static void
test_zoneinfo_directory_can_be_overridden(void)
{
	struct tz	*z;
	char		 err[256];

	CHECK((z = tz_load("London", "/usr/share/zoneinfo/Europe", err,
	    sizeof err)) != NULL);
	CHECK_STR(tz_name(z), "London");
	CHECK_INT(tz_offset(z, at("2026-07-01T00:00:00Z")), 3600);
	tz_free(z);
	CHECK(tz_load("Europe/London", "/nonexistent", err,
	    sizeof err) == NULL);
}

/* Append a big-endian 32-bit number. */
static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

/* A "slim" TZif v2 file: no transitions at all, only the footer. */
static size_t
slim_file(uint8_t *buf, const char *footer)
{
	uint8_t	*p = buf;
	int	 half;

	for (half = 0; half < 2; half++) {
		memcpy(p, "TZif2", 5);
		memset(p + 5, 0, 15);
		p += 20;
		p = put32(p, 0);	/* isutcnt */
		p = put32(p, 0);	/* isstdcnt */
		p = put32(p, 0);	/* leapcnt */
		p = put32(p, 0);	/* timecnt */
		p = put32(p, 1);	/* typecnt */
		p = put32(p, 4);	/* charcnt */
		p = put32(p, 0);	/* utoff */
		*p++ = 0;		/* isdst */
		*p++ = 0;		/* desigidx */
		memcpy(p, "GMT", 4);
		p += 4;
	}
	p += sprintf((char *)p, "\n%s\n", footer);
	return (size_t)(p - buf);
}

static void
test_slim_file_with_only_a_footer(void)
{
	uint8_t		 buf[256];
	char		 dir[] = "/tmp/test-tz-XXXXXX", path[512], err[256];
	struct tz	*z;
	FILE		*f;
	size_t		 n;

	n = slim_file(buf, "GMT0BST,M3.5.0/1,M10.5.0");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/Slim", dir);
	CHECK((f = fopen(path, "wb")) != NULL);
	CHECK_INT(fwrite(buf, 1, n, f), n);
	fclose(f);
	z = tz_load("Slim", dir, err, sizeof err);
	unlink(path);
	rmdir(dir);
	if (z == NULL)
		check_fail(__FILE__, __LINE__, "%s", err);
	CHECK_INT(tz_offset(z, at("2026-03-29T00:59:59Z")), 0);
	CHECK_INT(tz_offset(z, at("2026-03-29T01:00:00Z")), 3600);
	CHECK_INT(tz_offset(z, at("1990-07-01T00:00:00Z")), 3600);
	CHECK_INT(tz_from_local(z, LOCAL("2026-10-25T01:30:00Z")),
	    at("2026-10-25T00:30:00Z"));
	tz_free(z);
}

static void
test_malformed_files_are_refused(void)
{
	uint8_t	buf[256];
	char	err[256];
	size_t	n, cut;

	n = slim_file(buf, "GMT0BST,M3.5.0/1,M10.5.0");
	CHECK(tz_parse("x", (const uint8_t *)"not a zone", 10, err,
	    sizeof err) == NULL);
	CHECK(strstr(err, "not a TZif") != NULL);
	for (cut = 0; cut < n - 30; cut++)
		CHECK(tz_parse("x", buf, cut, err, sizeof err) == NULL);
	buf[n - 3] = '!';	/* corrupt the footer */
	CHECK(tz_parse("x", buf, n, err, sizeof err) == NULL);
}

static const struct check_test tests[] = {
	TEST(test_offset_changes_at_0100_utc_when_clocks_go_forward),
	TEST(test_offset_changes_at_0100_utc_when_clocks_go_back),
	TEST(test_local_time_in_the_gap_moves_forward_by_the_gap),
	TEST(test_ambiguous_local_time_means_the_earlier_instant),
	TEST(test_posix_footer_governs_after_the_last_transition),
	TEST(test_next_transition_finds_each_clock_change),
	TEST(test_london_agrees_with_libc_from_1900_to_2100),
	TEST(test_posix_strings_both_hemispheres_and_negative_dst),
	TEST(test_bad_posix_strings_are_refused),
	TEST(test_unsafe_or_unknown_names_are_refused),
	TEST(test_zoneinfo_directory_can_be_overridden),
	TEST(test_slim_file_with_only_a_footer),
	TEST(test_malformed_files_are_refused),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("tz", tests, argc, argv);
}
