/*
 * ctl-deadline.c: `replyctl deadline`, the promise's deadline for given
 * arrival instants, computed offline from the configuration file alone
 * (no daemon, no Redis).  One output line per instant, so thousands can be
 * piped through and compared line by line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/calendar.h"
#include "conf/config.h"
#include "ctl/ctl.h"
#include "base/duration.h"
#include "base/timeutil.h"

#define CTL_DEADLINE_USAGE \
	"usage: replyctl deadline -c FILE [--calendar NAME] " \
	"[--within DURATION] [INSTANT ...]\n"

struct ctl_deadline_job {
	const struct calendar	*cal;
	int64_t			 within;	/* working seconds */
	enum calendar_mode	 mode;
};

/* Print the deadline of one instant; -1 with a message naming where. */
static int
ctl_deadline_one(const struct ctl_deadline_job *job, const char *text,
    const char *where)
{
	int64_t	arrival, deadline;
	char	buf[64];

	if (timeutil_parse_rfc3339(text, &arrival) == -1) {
		fprintf(stderr, "replyctl: %s: bad instant \"%.80s\": expected "
		    "RFC 3339 with Z or an offset, e.g. "
		    "2026-05-22T16:55:00+01:00\n", where, text);
		return -1;
	}
	deadline = calendar_deadline(job->cal, arrival, job->within,
	    job->mode);
	if (deadline == CALENDAR_NEVER ||
	    calendar_format(job->cal, deadline, buf, sizeof buf) == -1) {
		fprintf(stderr, "replyctl: %s: no deadline for \"%.80s\": it "
		    "lies beyond the years calendar \"%s\" covers\n", where,
		    text, calendar_name(job->cal));
		return -1;
	}
	fputs(buf, stdout);
	fputc('\n', stdout);
	return 0;
}

/* Read instants from standard input, one per line, until EOF. */
static int
ctl_deadline_stdin(const struct ctl_deadline_job *job)
{
	char	*line = NULL, *s, where[64];
	size_t	 cap = 0, n;
	ssize_t	 len;
	long	 lineno = 0;
	int	 rc = 0;

	while ((len = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		n = (size_t)len;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
		    line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		line[n] = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' && strlen(line) == n)
			continue;	/* blank */
		snprintf(where, sizeof where, "stdin:%ld", lineno);
		if (strlen(line) != n) {
			fprintf(stderr, "replyctl: %s: bad instant: the line "
			    "contains a NUL byte\n", where);
			rc = -1;
			break;
		}
		if (ctl_deadline_one(job, s, where) == -1) {
			rc = -1;
			break;
		}
	}
	free(line);
	if (rc == 0 && ferror(stdin)) {
		perror("replyctl: stdin");
		rc = -1;
	}
	return rc;
}

/* replyctl deadline -c FILE [--calendar NAME] [--within D] [INSTANT ...] */
int
ctl_deadline(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "calendar", required_argument, NULL, 'C' },
		{ "within", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char			 outbuf[1 << 16];
	struct ctl_deadline_job		 job;
	struct jerrs			 errs;
	struct config			*cfg;
	struct duration			 within;
	const char			*path = NULL, *calname = NULL;
	const char			*withintext = NULL;
	char				 err[256], where[64];
	size_t				 i;
	int				 ch, rc = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			calname = optarg;
			break;
		case 'w':
			withintext = optarg;
			break;
		case 'h':
			fputs(CTL_DEADLINE_USAGE, stdout);
			return 0;
		default:
			fputs(CTL_DEADLINE_USAGE, stderr);
			return 1;
		}
	}
	if (path == NULL) {
		fputs(CTL_DEADLINE_USAGE, stderr);
		return 1;
	}
	if (withintext != NULL) {
		if (duration_parse(withintext, &within, err,
		    sizeof err) == -1) {
			fprintf(stderr, "replyctl: --within: %s\n", err);
			return 1;
		}
		if (!duration_is_working(&within)) {
			fprintf(stderr, "replyctl: --within: expected working "
			    "time such as \"4 working hours\", not \"%s\"\n",
			    withintext);
			return 1;
		}
	}

	memset(&errs, 0, sizeof errs);
	if ((cfg = config_load(path, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		if (errs.n == 0)
			fprintf(stderr, "replyctl: %s: cannot load the "
			    "configuration\n", path);
		jerrs_clear(&errs);
		return 1;
	}
	jerrs_clear(&errs);

	job.mode = cfg->promise.mode;
	job.cal = cfg->promise.calendar;
	if (calname != NULL &&
	    (job.cal = calendars_get(cfg->calendars, calname)) == NULL) {
		fprintf(stderr, "replyctl: --calendar: no calendar \"%s\" in "
		    "%s\n", calname, path);
		config_free(cfg);
		return 1;
	}
	if (job.cal == NULL) {
		fprintf(stderr, "replyctl: %s: the promise has no calendar\n",
		    path);
		config_free(cfg);
		return 1;
	}
	/* The duration is measured on the calendar actually used. */
	job.within = duration_seconds(withintext != NULL ? &within :
	    &cfg->promise.within, calendar_working_day(job.cal));

	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	if (optind >= argc)
		rc = ctl_deadline_stdin(&job);
	else {
		for (i = (size_t)optind; i < (size_t)argc; i++) {
			snprintf(where, sizeof where, "argument %zu",
			    i - (size_t)optind + 1);
			if ((rc = ctl_deadline_one(&job, argv[i],
			    where)) == -1)
				break;
		}
	}
	if (fflush(stdout) == EOF) {
		perror("replyctl: stdout");
		rc = -1;
	}
	config_free(cfg);
	return rc == 0 ? 0 : 1;
}
