/*
 * ctl-deadline.c: `replyctl deadline`, the promise's deadline for given
 * arrival instants.  The calendar is the configuration file's, given what
 * the running daemon shares with every instance (SPEC section 18): its
 * unplanned closures and the bank-holiday feed fetched from
 * bank_holidays.url, read once from GET /v1/calendars/NAME with a token
 * from the file (or REPLYD_TOKEN).  When no daemon answers, or with
 * --offline, the file's data alone is used, and stderr says so when the
 * daemon was asked.  One output line per instant, so thousands can be
 * piped through and compared line by line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "rules/calendar.h"
#include "conf/config.h"
#include "ctl/ctl.h"
#include "base/duration.h"
#include "base/timeutil.h"

#define CTL_DEADLINE_USAGE \
	"usage: replyctl deadline -c FILE [--calendar NAME] " \
	"[--within DURATION] [--offline] [INSTANT ...]\n"
#define CTL_DEADLINE_MAX_REPLY	(4 * 1024 * 1024)

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

struct ctl_deadline_buf {
	char	*data;
	size_t	 len;
};

/* Collect the daemon's answer (bounded). */
static size_t
ctl_deadline_write(char *p, size_t size, size_t n, void *arg)
{
	struct ctl_deadline_buf	*b = arg;
	size_t			 len = size * n;
	char			*nd;

	if (b->len + len > CTL_DEADLINE_MAX_REPLY ||
	    (nd = realloc(b->data, b->len + len + 1)) == NULL)
		return 0;
	b->data = nd;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* GET a path of the daemon's API: the body (free it), or NULL with why. */
static char *
ctl_deadline_get(const struct config *cfg, const char *path, char *why,
    size_t len)
{
	struct ctl_deadline_buf	 b = { NULL, 0 };
	struct curl_slist	*hdrs = NULL;
	const char		*token = getenv("REPLYD_TOKEN");
	char			*url = NULL, auth[512];
	long			 status = 0;
	CURL			*curl;
	CURLcode		 rc;

	if (token == NULL && cfg->ntokens > 0)
		token = cfg->tokens[0].secret;
	if (token == NULL) {
		snprintf(why, len, "no API token in the file or REPLYD_TOKEN");
		return NULL;
	}
	if (asprintf(&url, "http://%s:%d%s", strcmp(cfg->listen_host,
	    "0.0.0.0") == 0 ? "127.0.0.1" : cfg->listen_host,
	    cfg->listen_port, path) == -1 ||
	    (curl = curl_easy_init()) == NULL) {
		free(url);
		snprintf(why, len, "out of memory");
		return NULL;
	}
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	hdrs = curl_slist_append(hdrs, auth);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ctl_deadline_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if ((rc = curl_easy_perform(curl)) != CURLE_OK)
		snprintf(why, len, "%s", curl_easy_strerror(rc));
	else if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE,
	    &status) != CURLE_OK || status != 200)
		snprintf(why, len, "it answered HTTP %ld", status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(curl);
	free(url);
	if (rc != CURLE_OK || status != 200) {
		free(b.data);
		return NULL;
	}
	return b.data;
}

/* Give cal the unplanned closures and fetched feed in the daemon's
 * answer; -1 with why when the answer is not what GET returns. */
static int
ctl_deadline_apply(struct calendar *cal, const char *json, char *why,
    size_t len)
{
	struct calendar_holiday	*cl = NULL, *bh = NULL;
	struct calendar_feed	*feed = NULL;
	cJSON			*j, *a, *e, *bank;
	const char		*date, *text;
	size_t			 n = 0, nb = 0;
	int			 rc = -1;
	char			 ver[24];

	if ((j = cJSON_Parse(json)) == NULL || !cJSON_IsArray(a =
	    cJSON_GetObjectItem(j, "closures")) || !cJSON_IsObject(bank =
	    cJSON_GetObjectItem(j, "bank_holidays"))) {
		snprintf(why, len, "its answer is not a calendar");
		goto out;
	}
	cl = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *cl);
	cJSON_ArrayForEach(e, a) {
		date = cJSON_GetStringValue(cJSON_GetObjectItem(e, "date"));
		text = cJSON_GetStringValue(cJSON_GetObjectItem(e, "reason"));
		if (cl == NULL || date == NULL ||
		    timeutil_parse_date(date, &cl[n].day) == -1)
			continue;
		cl[n++].title = text != NULL ? text : "";
	}
	text = cJSON_GetStringValue(cJSON_GetObjectItem(bank, "source"));
	if (text != NULL && strcmp(text, "url") == 0 &&
	    cJSON_IsArray(a = cJSON_GetObjectItem(bank, "dates"))) {
		bh = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *bh);
		cJSON_ArrayForEach(e, a) {
			date = cJSON_GetStringValue(cJSON_GetObjectItem(e,
			    "date"));
			text = cJSON_GetStringValue(cJSON_GetObjectItem(e,
			    "title"));
			if (bh == NULL || date == NULL ||
			    timeutil_parse_date(date, &bh[nb].day) == -1)
				continue;
			bh[nb++].title = text != NULL ? text : "";
		}
		if (nb > 0 && (feed = calendar_feed_new(bh, nb)) == NULL) {
			snprintf(why, len, "out of memory");
			goto out;
		}
	}
	if (calendar_update(cal, cl, n, feed) == -1) {
		snprintf(why, len, "out of memory");
		goto out;
	}
	rc = 0;
	/* Its own reading of the same data gives the same version. */
	snprintf(ver, sizeof ver, "%016llx",
	    (unsigned long long)calendar_version(cal));
	text = cJSON_GetStringValue(cJSON_GetObjectItem(j, "version"));
	if (text != NULL && strcmp(text, ver) != 0)
		fprintf(stderr, "replyctl: note: the running daemon's calendar "
		    "\"%s\" differs from this file's (reload it?); using the "
		    "file with the daemon's closures and bank holidays\n",
		    calendar_name(cal));
out:
	calendar_feed_free(feed);
	free(cl);
	free(bh);
	cJSON_Delete(j);
	return rc;
}

/* Ask the daemon for what it shares about cal; say when it cannot. */
static void
ctl_deadline_shared(const struct config *cfg, struct calendar *cal,
    const char *path)
{
	char	*p = NULL, *json, why[256];
	char	*name;

	if ((name = curl_easy_escape(NULL, calendar_name(cal), 0)) == NULL ||
	    asprintf(&p, "/v1/calendars/%s?from=2000-01-01&to=2000-01-01",
	    name) == -1)
		p = NULL;
	curl_free(name);
	if (p == NULL)
		return;
	if ((json = ctl_deadline_get(cfg, p, why, sizeof why)) == NULL ||
	    ctl_deadline_apply(cal, json, why, sizeof why) == -1)
		fprintf(stderr, "replyctl: note: the daemon of %s was not asked "
		    "or did not answer (%s): these deadlines use the file's "
		    "calendar data only, without unplanned closures or a "
		    "refreshed bank-holiday feed (--offline says so "
		    "deliberately)\n", path, why);
	free(json);
	free(p);
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
		{ "offline", no_argument, NULL, 'o' },
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
	struct calendar			*cal;
	char				 err[256], where[64];
	size_t				 i;
	int				 ch, rc = 0, offline = 0;

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
		case 'o':
			offline = 1;
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
	job.cal = cal = cfg->promise.calendar != NULL ?
	    calendars_get(cfg->calendars,
	    calendar_name(cfg->promise.calendar)) : NULL;
	if (calname != NULL &&
	    (job.cal = cal = calendars_get(cfg->calendars, calname)) == NULL) {
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
	if (!offline)
		ctl_deadline_shared(cfg, cal, path);
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
