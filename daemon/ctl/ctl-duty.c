/*
 * ctl-duty.c: replyctl's rota and absence commands, over the API of SPEC
 * §9: `duty show TEAM [--days N] [--from DATE]` (who is on duty each day,
 * an override or the weekly pattern), `duty set TEAM DATE --worker P
 * [--manager P]`, `duty clear TEAM DATE`, and `absences list|add|end`.
 * Dates are the team's (or the promise's) calendar days when the
 * configuration is at hand, else this machine's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base/timeutil.h"
#include "conf/config.h"
#include "rules/calendar.h"
#include "ctl/ctl.h"
#include "ctl/ctl-api.h"

#define CTL_TEAM_HINT	"see \"teams\" in the configuration"

static const char *const ctl_duty_days[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

/* The calendar dates are counted in: the team's, else the promise's. */
static const struct calendar *
ctl_duty_calendar(const struct ctl_api *a, const char *team)
{
	const struct config	*cfg = a->h.cfg;

	if (cfg == NULL)
		return NULL;
	return config_team_calendar(cfg, team ? config_team(cfg, team) : NULL);
}

/* Today's date (days since 1970) on a calendar, or on this machine. */
static int32_t
ctl_duty_today(const struct calendar *cal)
{
	time_t		now = time(NULL);
	struct tm	tm;

	if (cal == NULL || calendar_local(cal, (int64_t)now, &tm) == -1)
		localtime_r(&now, &tm);
	return (int32_t)timeutil_days_from_civil(tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
}

/* Check a YYYY-MM-DD argument; -1 after saying what is wrong. */
static int
ctl_duty_date(const char *cmd, const char *s, int32_t *days)
{
	if (strlen(s) != 10 || timeutil_parse_date(s, days) == -1) {
		fprintf(stderr, "replyctl %s: \"%s\" is not a date: expected "
		    "YYYY-MM-DD, e.g. 2026-05-26\n", cmd, s);
		return -1;
	}
	return 0;
}

/* replyctl duty show TEAM [--days N] [--from DATE] */
static int
ctl_duty_show(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "duty show", .usage = "duty show TEAM "
			    "[--days N] [--from YYYY-MM-DD]" };
	static const char *const keys[] = { "date", "day", "duty_worker",
	    "duty_manager", "override" };
	static const char *const titles[] = { "DATE", "DAY", "DUTY WORKER",
	    "DUTY MANAGER", "OVERRIDE" };
	const char	*days = NULL, *from = NULL;
	const struct ctl_opt opts[] = {
		{ "--days", &days, NULL },
		{ "--from", &from, NULL },
		{ NULL, NULL, NULL }
	};
	struct ctl_table t;
	char		*pos[1], *team, *path, date[16], w[128], m[128], what[160];
	const char	*cells[5];
	cJSON		*all, *j;
	int32_t		 start;
	long		 n = 14, i;
	int		 npos, help, rc = CTL_OK;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, opts, pos, 1, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if (npos != 1)
		return ctl_api_usage(&a);
	if (days != NULL) {
		char *end;

		n = strtol(days, &end, 10);
		if (days[0] == '\0' || *end != '\0' || n < 1 || n > 366) {
			fprintf(stderr, "replyctl duty show: --days must be a "
			    "number from 1 to 366\n");
			return CTL_USAGE;
		}
	}
	if (from != NULL && ctl_duty_date(a.cmd, from, &start) == -1)
		return CTL_USAGE;
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	if (from == NULL)
		start = ctl_duty_today(ctl_duty_calendar(&a, pos[0]));
	snprintf(what, sizeof what, "team %s", pos[0]);
	team = ctl_api_escape(&a, pos[0]);
	all = cJSON_CreateArray();
	for (i = 0; team != NULL && i < n; i++) {
		timeutil_format_date(start + (int32_t)i, date, sizeof date);
		if (asprintf(&path, "/v1/teams/%s/duty/%s", team, date) == -1) {
			rc = CTL_UNREACHABLE;
			break;
		}
		rc = ctl_api_call(&a, "GET", path, NULL, &j, what,
		    CTL_TEAM_HINT);
		free(path);
		if (rc != CTL_OK)
			break;
		cJSON_AddItemToArray(all, j);
	}
	free(team);
	if (rc == CTL_OK && a.format == CTL_JSON) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "team", pos[0]);
		cJSON_AddItemToObject(j, "days", all);
		all = NULL;
		ctl_api_print_json(j);
		cJSON_Delete(j);
	} else if (rc == CTL_OK) {
		ctl_table_init(&t, 5, keys, titles);
		cJSON_ArrayForEach(j, all) {
			int32_t d;

			ctl_api_text(j, "date", date, sizeof date);
			cells[0] = date;
			cells[1] = timeutil_parse_date(date, &d) == 0 ?
			    ctl_duty_days[timeutil_weekday(d)] : "";
			cells[2] = ctl_api_text(j, "duty_worker", w, sizeof w);
			cells[3] = ctl_api_text(j, "duty_manager", m, sizeof m);
			cells[4] = cJSON_IsTrue(cJSON_GetObjectItem(j,
			    "override")) ? (a.format == CTL_CSV ? "true" :
			    "yes") : (a.format == CTL_CSV ? "false" : "");
			ctl_table_row(&t, cells);
		}
		ctl_table_print(&t, a.format, "No days.");
	}
	cJSON_Delete(all);
	ctl_api_close(&a);
	return rc;
}

/* replyctl duty set TEAM DATE --worker P [--manager P], duty clear. */
static int
ctl_duty_change(int argc, char **argv, int clear)
{
	struct ctl_api	 a = { .cmd = clear ? "duty clear" : "duty set",
			    .usage = clear ? "duty clear TEAM YYYY-MM-DD" :
			    "duty set TEAM YYYY-MM-DD --worker P [--manager P]" };
	const char	*worker = NULL, *manager = NULL;
	const struct ctl_opt opts[] = {
		{ "--worker", &worker, NULL },
		{ "--manager", &manager, NULL },
		{ NULL, NULL, NULL }
	};
	char		*pos[2], *team, *path, what[160];
	cJSON		*body = NULL, *j = NULL;
	int32_t		 d;
	int		 npos, help, rc;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, clear ? NULL : opts,
	    pos, 2, &npos, &help)) != CTL_OK || help)
		return rc;
	if (npos != 2 || (!clear && worker == NULL && manager == NULL))
		return ctl_api_usage(&a);
	if (ctl_duty_date(a.cmd, pos[1], &d) == -1)
		return CTL_USAGE;
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	if (!clear) {
		body = cJSON_CreateObject();
		if (worker != NULL)
			cJSON_AddStringToObject(body, "worker", worker);
		if (manager != NULL)
			cJSON_AddStringToObject(body, "manager", manager);
	}
	snprintf(what, sizeof what, "team %s", pos[0]);
	team = ctl_api_escape(&a, pos[0]);
	if (team == NULL || asprintf(&path, "/v1/teams/%s/duty/%s", team,
	    pos[1]) == -1)
		path = NULL;
	free(team);
	rc = path ? ctl_api_call(&a, clear ? "DELETE" : "PUT", path, body, &j,
	    what, CTL_TEAM_HINT) : CTL_UNREACHABLE;
	free(path);
	cJSON_Delete(body);
	if (rc == CTL_OK) {
		if (a.format == CTL_JSON)
			ctl_api_print_json(j);
		else if (a.format == CTL_CSV)
			printf("team,date,duty_worker,duty_manager\n%s,%s,%s,%s"
			    "\n", pos[0], pos[1], worker ? worker : "",
			    manager ? manager : "");
		else if (clear)
			printf("Duty on %s for %s is the weekly pattern "
			    "again.\n", pos[1], pos[0]);
		else
			printf("Duty on %s for %s:%s%s%s%s.\n", pos[1], pos[0],
			    worker ? " duty worker " : "", worker ? worker : "",
			    manager ? (worker ? ", duty manager " :
			    " duty manager ") : "", manager ? manager : "");
	}
	cJSON_Delete(j);
	ctl_api_close(&a);
	return rc;
}

/* replyctl duty show|set|clear ... */
int
ctl_duty(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return ctl_duty_show(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "set") == 0)
		return ctl_duty_change(argc - 1, argv + 1, 0);
	if (argc >= 2 && strcmp(argv[1], "clear") == 0)
		return ctl_duty_change(argc - 1, argv + 1, 1);
	fprintf(stderr, "usage: replyctl duty show TEAM [--days N] "
	    "[--from YYYY-MM-DD]\n"
	    "       replyctl duty set TEAM YYYY-MM-DD --worker P "
	    "[--manager P]\n"
	    "       replyctl duty clear TEAM YYYY-MM-DD\n");
	return CTL_USAGE;
}

/*
 * An absence bound as text: the date when it is a local midnight on the
 * calendar (an end is shown as the last day, inclusive), else the time.
 */
static void
ctl_absence_bound(const struct calendar *cal, double secs, int end,
    char *buf, size_t len)
{
	int64_t		t = (int64_t)secs;
	struct tm	tm;
	time_t		tt;

	if (cal != NULL && calendar_local(cal, t, &tm) == 0) {
		if (tm.tm_hour == 0 && tm.tm_min == 0 && tm.tm_sec == 0) {
			if (end && calendar_local(cal, t - 1, &tm) == -1)
				goto plain;
			snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday);
			return;
		}
		if (calendar_format(cal, t, buf, len) == 0)
			return;
	}
plain:
	tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* replyctl absences list [--person P] */
static int
ctl_absences_list(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "absences list", .usage = "absences "
			    "list [--person P]" };
	static const char *const keys[] = { "id", "person", "from", "to" };
	static const char *const titles[] = { "ID", "PERSON", "FROM",
	    "TO (INCLUSIVE)" };
	const char	*person = NULL;
	const struct ctl_opt opts[] = {
		{ "--person", &person, NULL },
		{ NULL, NULL, NULL }
	};
	const struct calendar *cal;
	struct ctl_table t;
	char		 id[32], from[64], to[64];
	const char	*cells[4];
	cJSON		*j, *e, *p, *keep;
	int		 npos, help, rc;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, opts, NULL, 0, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	if ((rc = ctl_api_call(&a, "GET", "/v1/absences", NULL, &j, NULL,
	    NULL)) != CTL_OK) {
		ctl_api_close(&a);
		return rc;
	}
	keep = cJSON_CreateArray();
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "absences")) {
		p = cJSON_GetObjectItem(e, "person");
		if (person == NULL || (cJSON_IsString(p) &&
		    strcmp(p->valuestring, person) == 0))
			cJSON_AddItemToArray(keep, cJSON_Duplicate(e, 1));
	}
	cJSON_Delete(j);
	cal = ctl_duty_calendar(&a, NULL);
	if (a.format == CTL_JSON) {
		j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "absences", keep);
		ctl_api_print_json(j);
		cJSON_Delete(j);
	} else {
		ctl_table_init(&t, 4, keys, titles);
		cJSON_ArrayForEach(e, keep) {
			ctl_api_text(e, "id", id, sizeof id);
			ctl_absence_bound(cal, cJSON_GetNumberValue(
			    cJSON_GetObjectItem(e, "from")), 0, from,
			    sizeof from);
			ctl_absence_bound(cal, cJSON_GetNumberValue(
			    cJSON_GetObjectItem(e, "to")), 1, to, sizeof to);
			cells[0] = id;
			cells[1] = cJSON_GetStringValue(cJSON_GetObjectItem(e,
			    "person"));
			cells[2] = from;
			cells[3] = to;
			ctl_table_row(&t, cells);
		}
		ctl_table_print(&t, a.format, "No absences.");
		cJSON_Delete(keep);
	}
	ctl_api_close(&a);
	return CTL_OK;
}

/* replyctl absences add PERSON FROM TO */
static int
ctl_absences_add(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "absences add", .usage = "absences add "
			    "PERSON FROM TO  (dates YYYY-MM-DD, inclusive, or "
			    "RFC 3339 times)" };
	char		*pos[3], id[32];
	cJSON		*body, *j;
	int		 npos, help, rc;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, NULL, pos, 3, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if (npos != 3)
		return ctl_api_usage(&a);
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "person", pos[0]);
	cJSON_AddStringToObject(body, "from", pos[1]);
	cJSON_AddStringToObject(body, "to", pos[2]);
	rc = ctl_api_call(&a, "POST", "/v1/absences", body, &j, NULL, NULL);
	cJSON_Delete(body);
	if (rc == CTL_OK) {
		ctl_api_text(j, "id", id, sizeof id);
		if (a.format == CTL_JSON)
			ctl_api_print_json(j);
		else if (a.format == CTL_CSV)
			printf("id,person,from,to\n%s,%s,%s,%s\n", id, pos[0],
			    pos[1], pos[2]);
		else
			printf("Absence %s added: %s is away from %s to %s; "
			    "their messages go to the duty worker meanwhile."
			    "\n", id, pos[0], pos[1], pos[2]);
	}
	cJSON_Delete(j);
	ctl_api_close(&a);
	return rc;
}

/* replyctl absences end ID: the absence is removed (its person is found
 * from the list, since the API names an absence by person and id). */
static int
ctl_absences_end(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "absences end", .usage = "absences end "
			    "ID" };
	char		*pos[1], *path, *ep, what[64], id[32];
	const char	*person = NULL;
	cJSON		*j, *e, *out = NULL;
	int		 npos, help, rc;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, NULL, pos, 1, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if (npos != 1)
		return ctl_api_usage(&a);
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	if ((rc = ctl_api_call(&a, "GET", "/v1/absences", NULL, &j, NULL,
	    NULL)) != CTL_OK) {
		ctl_api_close(&a);
		return rc;
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "absences"))
		if (strcmp(ctl_api_text(e, "id", id, sizeof id), pos[0]) == 0)
			person = cJSON_GetStringValue(cJSON_GetObjectItem(e,
			    "person"));
	snprintf(what, sizeof what, "absence %s", pos[0]);
	if (person == NULL) {
		fprintf(stderr, "replyctl absences end: %s: not found; "
		    "`replyctl absences list` shows the ids\n", what);
		cJSON_Delete(j);
		ctl_api_close(&a);
		return CTL_NOT_FOUND;
	}
	ep = ctl_api_escape(&a, person);
	if (ep == NULL || asprintf(&path, "/v1/absences/%s/%s", ep,
	    pos[0]) == -1)
		path = NULL;
	free(ep);
	rc = path ? ctl_api_call(&a, "DELETE", path, NULL, &out, what,
	    "`replyctl absences list` shows the ids") : CTL_UNREACHABLE;
	free(path);
	if (rc == CTL_OK) {
		if (a.format == CTL_JSON) {
			cJSON_Delete(out);
			out = cJSON_CreateObject();
			cJSON_AddNumberToObject(out, "id", atof(pos[0]));
			cJSON_AddStringToObject(out, "person", person);
			cJSON_AddBoolToObject(out, "ended", 1);
			ctl_api_print_json(out);
		} else if (a.format == CTL_CSV)
			printf("id,person,ended\n%s,%s,true\n", pos[0], person);
		else
			printf("Absence %s of %s ended: %s counts as available "
			    "from now on.\n", pos[0], person, person);
	}
	cJSON_Delete(out);
	cJSON_Delete(j);
	ctl_api_close(&a);
	return rc;
}

/* replyctl absences list|add|end ... */
int
ctl_absences(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return ctl_absences_list(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return ctl_absences_add(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "end") == 0)
		return ctl_absences_end(argc - 1, argv + 1);
	fprintf(stderr, "usage: replyctl absences list [--person P]\n"
	    "       replyctl absences add PERSON FROM TO\n"
	    "       replyctl absences end ID\n");
	return CTL_USAGE;
}
