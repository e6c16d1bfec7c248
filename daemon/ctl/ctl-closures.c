/*
 * ctl-closures.c: replyctl's unplanned closures, over the API of SPEC §18
 * (docs/calendar.md): `closures add CALENDAR DATE --reason TEXT` (POST
 * /v1/calendars/{name}/closures), `closures remove CALENDAR DATE` (DELETE
 * /v1/calendars/{name}/closures/{date}) and `closures list CALENDAR` (the
 * "closures" of GET /v1/calendars/{name}).  Adding and removing need a
 * manager's or admin's token; the daemon recomputes the open deadlines on
 * the calendar itself, so these commands only say whether it does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/timeutil.h"
#include "ctl/ctl.h"
#include "ctl/ctl-api.h"

#define CTL_CALENDAR_HINT	"see \"calendars\" in the configuration"

/*
 * Check the DATE argument: YYYY-MM-DD in the years a calendar covers
 * (checked here too so the message names the argument, not the API's
 * field); -1 after saying what is wrong.
 */
static int
ctl_closures_date(const char *cmd, const char *s)
{
	int64_t	y;
	int32_t	days;
	int	m, d;

	if (strlen(s) != 10 || timeutil_parse_date(s, &days) == -1) {
		fprintf(stderr, "replyctl %s: DATE \"%.40s\" is not a date: "
		    "expected YYYY-MM-DD, e.g. 2026-12-02\n", cmd, s);
		return -1;
	}
	timeutil_civil_from_days(days, &y, &m, &d);
	if (y < 2000 || y > 2100) {
		fprintf(stderr, "replyctl %s: DATE %s is outside 2000-2100, "
		    "the years a calendar covers\n", cmd, s);
		return -1;
	}
	return 0;
}

/* The API path of a calendar with an optional tail (malloc'd, or NULL). */
static char *
ctl_closures_path(struct ctl_api *a, const char *calendar, const char *tail)
{
	char	*name, *path;

	if ((name = ctl_api_escape(a, calendar)) == NULL)
		return NULL;
	if (asprintf(&path, "/v1/calendars/%s%s", name, tail) == -1)
		path = NULL;
	free(name);
	return path;
}

/* What the daemon said about the open deadlines, for a sentence. */
static const char *
ctl_closures_recompute(const cJSON *j)
{
	return cJSON_IsTrue(cJSON_GetObjectItem(j, "recompute")) ?
	    "the open conversations' deadlines on it are being recomputed" :
	    "no deadline changes (the day had no working time to lose or "
	    "gain)";
}

/* replyctl closures add CALENDAR DATE --reason TEXT [--by PERSON] */
static int
ctl_closures_add(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "closures add", .usage = "closures add "
			    "CALENDAR YYYY-MM-DD --reason TEXT [--by PERSON]" };
	const char	*reason = NULL;
	const struct ctl_opt opts[] = {
		{ "--reason", &reason, NULL },
		{ NULL, NULL, NULL }
	};
	char		*pos[2], *path, what[300], by[128], why[256];
	cJSON		*body, *j = NULL;
	int		 npos, help, rc;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, opts, pos, 2, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if (npos != 2)
		return ctl_api_usage(&a);
	if (ctl_closures_date(a.cmd, pos[1]) == -1)
		return CTL_USAGE;
	if (reason == NULL || reason[0] == '\0') {
		fprintf(stderr, "replyctl closures add: give --reason TEXT: "
		    "why the day is closed (e.g. \"snow\"), as staff will "
		    "see it\n");
		return ctl_api_usage(&a);
	}
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "date", pos[1]);
	cJSON_AddStringToObject(body, "reason", reason);
	if (a.by != NULL)
		cJSON_AddStringToObject(body, "by", a.by);
	snprintf(what, sizeof what, "calendar %s", pos[0]);
	path = ctl_closures_path(&a, pos[0], "/closures");
	rc = path != NULL ? ctl_api_call(&a, "POST", path, body, &j, what,
	    CTL_CALENDAR_HINT) : CTL_UNREACHABLE;
	free(path);
	cJSON_Delete(body);
	if (rc == CTL_OK) {
		ctl_api_text(j, "by", by, sizeof by);
		ctl_api_text(j, "reason", why, sizeof why);
		if (a.format == CTL_JSON)
			ctl_api_print_json(j);
		else if (a.format == CTL_CSV) {
			struct ctl_table t;
			static const char *const keys[] = { "calendar", "date",
			    "reason", "by", "recompute" };
			const char *cells[5] = { pos[0], pos[1], why, by,
			    cJSON_IsTrue(cJSON_GetObjectItem(j, "recompute")) ?
			    "true" : "false" };

			ctl_table_init(&t, 5, keys, keys);
			ctl_table_row(&t, cells);
			ctl_table_print(&t, CTL_CSV, "");
		} else
			printf("Calendar %s is closed on %s (%s)%s%s: %s.\n",
			    pos[0], pos[1], why, by[0] != '\0' ? ", added by " :
			    "", by, ctl_closures_recompute(j));
	}
	cJSON_Delete(j);
	ctl_api_close(&a);
	return rc;
}

/* replyctl closures remove CALENDAR DATE */
static int
ctl_closures_remove(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "closures remove", .usage = "closures "
			    "remove CALENDAR YYYY-MM-DD" };
	char		*pos[2], *path, *tail, what[300], hint[400];
	cJSON		*j = NULL;
	int		 npos, help, rc;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, NULL, pos, 2, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if (npos != 2)
		return ctl_api_usage(&a);
	if (ctl_closures_date(a.cmd, pos[1]) == -1)
		return CTL_USAGE;
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	/* A 404 is either the calendar or the closure: the detail says. */
	snprintf(what, sizeof what, "calendar %s", pos[0]);
	snprintf(hint, sizeof hint, "`replyctl closures list %.200s` shows its "
	    "unplanned closures; %s", pos[0], CTL_CALENDAR_HINT);
	if (asprintf(&tail, "/closures/%s", pos[1]) == -1)
		tail = NULL;
	path = tail != NULL ? ctl_closures_path(&a, pos[0], tail) : NULL;
	free(tail);
	rc = path != NULL ? ctl_api_call(&a, "DELETE", path, NULL, &j, what,
	    hint) : CTL_UNREACHABLE;
	free(path);
	if (rc == CTL_OK) {
		if (a.format == CTL_JSON)
			ctl_api_print_json(j);
		else if (a.format == CTL_CSV)
			printf("calendar,date,deleted,recompute\n%s,%s,true,%s\n",
			    pos[0], pos[1], cJSON_IsTrue(cJSON_GetObjectItem(j,
			    "recompute")) ? "true" : "false");
		else
			printf("Unplanned closure on %s removed from calendar "
			    "%s: the day has its usual hours again; %s.\n",
			    pos[1], pos[0], ctl_closures_recompute(j));
	}
	cJSON_Delete(j);
	ctl_api_close(&a);
	return rc;
}

/* replyctl closures list CALENDAR */
static int
ctl_closures_list(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "closures list", .usage = "closures list "
			    "CALENDAR" };
	static const char *const keys[] = { "date", "reason", "by", "at" };
	static const char *const titles[] = { "DATE", "REASON", "BY",
	    "ADDED" };
	struct ctl_table t;
	char		*pos[1], *path, what[300], date[16], why[256], by[128];
	char		 at[64], shortat[64];
	const char	*cells[4];
	cJSON		*j = NULL, *e, *out;
	int		 npos, help, rc;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, NULL, pos, 1, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if (npos != 1)
		return ctl_api_usage(&a);
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	snprintf(what, sizeof what, "calendar %s", pos[0]);
	/* One day of days: only the closures are wanted. */
	path = ctl_closures_path(&a, pos[0],
	    "?from=2000-01-01&to=2000-01-01");
	rc = path != NULL ? ctl_api_call(&a, "GET", path, NULL, &j, what,
	    CTL_CALENDAR_HINT) : CTL_UNREACHABLE;
	free(path);
	if (rc == CTL_OK && a.format == CTL_JSON) {
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "calendar", pos[0]);
		cJSON_AddItemToObject(out, "closures", cJSON_Duplicate(
		    cJSON_GetObjectItem(j, "closures"), 1));
		ctl_api_print_json(out);
		cJSON_Delete(out);
	} else if (rc == CTL_OK) {
		ctl_table_init(&t, 4, keys, titles);
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "closures")) {
			cells[0] = ctl_api_text(e, "date", date, sizeof date);
			cells[1] = ctl_api_text(e, "reason", why, sizeof why);
			cells[2] = ctl_api_text(e, "by", by, sizeof by);
			ctl_api_text(e, "at", at, sizeof at);
			if (a.format == CTL_TABLE) {
				ctl_api_short_time(at, shortat, sizeof shortat);
				cells[3] = shortat;
			} else
				cells[3] = at;
			ctl_table_row(&t, cells);
		}
		ctl_table_print(&t, a.format, "No unplanned closures.");
	}
	cJSON_Delete(j);
	ctl_api_close(&a);
	return rc;
}

/* replyctl closures add|remove|list ... */
int
ctl_closures(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return ctl_closures_add(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "remove") == 0)
		return ctl_closures_remove(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return ctl_closures_list(argc - 1, argv + 1);
	fprintf(stderr, "usage: replyctl closures add CALENDAR YYYY-MM-DD "
	    "--reason TEXT [--by PERSON]\n"
	    "       replyctl closures remove CALENDAR YYYY-MM-DD\n"
	    "       replyctl closures list CALENDAR\n");
	return CTL_USAGE;
}
