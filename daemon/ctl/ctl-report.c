/*
 * ctl-report.c: `replyctl report --month YYYY-MM [--team T]
 * [--format table|csv|json] -c FILE`: the promise report for a month, from
 * the daemon's GET /v1/report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ctl/ctl.h"
#include "ctl/ctl-http.h"
#include "base/timeutil.h"

static const char *ctl_report_rows[][2] = {
	{ "received", "Messages received" },
	{ "responded_in_time", "Responded within the promise" },
	{ "responded_in_time_percent", "  as a percentage" },
	{ "late", "Responded late" },
	{ "still_open", "Still open" },
	{ "overdue_now", "  of which overdue now" },
	{ "median_response_working_hours", "Median response (working hours)" },
	{ "p90_response_working_hours", "90th percentile (working hours)" },
	{ "unknown_sender", "From unknown senders" },
	{ NULL, NULL }
};

/* A value as text ("-" for null). */
static void
ctl_report_value(const cJSON *v, char *buf, size_t len)
{
	if (cJSON_IsNumber(v))
		snprintf(buf, len, "%g", v->valuedouble);
	else if (cJSON_IsString(v))
		snprintf(buf, len, "%s", v->valuestring);
	else
		snprintf(buf, len, "-");
}

/* Print one summary (overall or a team) as a table or CSV rows. */
static void
ctl_report_print(const char *scope, const cJSON *s, int csv)
{
	const cJSON	*v;
	char		 buf[64], label[32];
	int		 i;

	if (!csv)
		printf("\n%s\n", scope);
	for (i = 0; ctl_report_rows[i][0] != NULL; i++) {
		ctl_report_value(cJSON_GetObjectItem(s, ctl_report_rows[i][0]),
		    buf, sizeof buf);
		if (csv)
			printf("%s,%s,%s\n", scope, ctl_report_rows[i][0], buf);
		else
			printf("  %-36s %s\n", ctl_report_rows[i][1], buf);
	}
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(s, "escalations")) {
		ctl_report_value(v, buf, sizeof buf);
		snprintf(label, sizeof label, "escalations_step_%s", v->string);
		if (csv)
			printf("%s,%s,%s\n", scope, label, buf);
		else
			printf("  Escalations at step %-16s %s\n", v->string,
			    buf);
	}
	v = cJSON_GetObjectItem(s, "urgent");
	ctl_report_value(cJSON_GetObjectItem(v, "count"), buf, sizeof buf);
	if (csv)
		printf("%s,urgent,%s\n", scope, buf);
	else
		printf("  %-36s %s\n", "Urgent messages", buf);
	ctl_report_value(cJSON_GetObjectItem(v, "median_response_minutes"),
	    buf, sizeof buf);
	if (csv)
		printf("%s,urgent_median_response_minutes,%s\n", scope, buf);
	else
		printf("  %-36s %s\n", "  median response (minutes)", buf);
}

/* replyctl report ... */
int
ctl_report(int argc, char **argv)
{
	struct ctl_http	 h;
	const char	*cfgpath = NULL, *url = NULL, *token = NULL;
	const char	*month = NULL, *team = NULL, *format = "table";
	char		 path[256], from[16], to[16], *resp = NULL, *out;
	int		 a, y, m, rc = 1;
	long		 status;
	cJSON		*j, *t;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-c") == 0 && a + 1 < argc)
			cfgpath = argv[++a];
		else if (strcmp(argv[a], "--url") == 0 && a + 1 < argc)
			url = argv[++a];
		else if (strcmp(argv[a], "--token") == 0 && a + 1 < argc)
			token = argv[++a];
		else if (strcmp(argv[a], "--month") == 0 && a + 1 < argc)
			month = argv[++a];
		else if (strcmp(argv[a], "--team") == 0 && a + 1 < argc)
			team = argv[++a];
		else if (strcmp(argv[a], "--format") == 0 && a + 1 < argc)
			format = argv[++a];
		else
			goto usage;
	}
	if (month == NULL || timeutil_parse_month(month, &y, &m) == -1) {
		fprintf(stderr, "replyctl: --month must be YYYY-MM\n");
		return 1;
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "csv") != 0 &&
	    strcmp(format, "json") != 0)
		goto usage;
	snprintf(from, sizeof from, "%04d-%02d-01", y, m);
	snprintf(to, sizeof to, "%04d-%02d-%02d", y, m,
	    timeutil_days_in_month(y, m));
	snprintf(path, sizeof path, "/v1/report?from=%s&to=%s%s%s", from, to,
	    team ? "&team=" : "", team ? team : "");
	if (ctl_http_open(&h, cfgpath, url, token) == -1)
		return 1;
	status = ctl_http_request(&h, "GET", path, NULL, &resp);
	if (status != 200 || resp == NULL ||
	    (j = cJSON_Parse(resp)) == NULL) {
		if (status != 0)
			fprintf(stderr, "replyctl: report: %ld %s\n", status,
			    resp ? resp : "");
		goto out;
	}
	if (strcmp(format, "json") == 0) {
		out = cJSON_Print(j);
		printf("%s\n", out ? out : "{}");
		free(out);
	} else {
		if (strcmp(format, "csv") == 0)
			printf("scope,measure,value\n");
		else
			printf("replyd promise report, %s to %s\n", from, to);
		ctl_report_print(team ? team : "all", j,
		    strcmp(format, "csv") == 0);
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(j, "teams"))
			if (team == NULL)
				ctl_report_print(t->string, t,
				    strcmp(format, "csv") == 0);
		if (strcmp(format, "table") == 0)
			printf("\n(team figures below 5 are shown as <5; "
			    "\"suppressed\" hides figures that would give "
			    "one away)\n");
	}
	cJSON_Delete(j);
	rc = 0;
out:
	free(resp);
	ctl_http_close(&h);
	return rc;
usage:
	fprintf(stderr, "usage: replyctl report -c FILE --month YYYY-MM "
	    "[--team T] [--format table|csv|json]\n");
	return 1;
}
