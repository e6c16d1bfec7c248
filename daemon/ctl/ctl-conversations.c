/*
 * ctl-conversations.c: replyctl's conversation commands, over the API of
 * SPEC §9: `conversations` (the list), `show ID`, `reply ID TEXT`,
 * `responded ID --how HOW`, `ack ID`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ctl/ctl.h"
#include "ctl/ctl-api.h"

#define CTL_CONV_HINT	"`replyctl conversations` lists the open ones"
#define CTL_TEXT_MAX	(64 * 1024)

/* The columns of a conversation in lists and CSV. */
static const char *const ctl_conv_keys[] = {
	"id", "state", "team", "worker", "channel", "received_at", "deadline",
	"responded_at", "escalation_step", "urgent", "acknowledged_by"
};
static const char *const ctl_conv_titles[] = {
	"ID", "STATE", "TEAM", "WORKER", "CHANNEL", "RECEIVED", "DEADLINE",
	"RESPONDED", "STEP", "URGENT", "TAKEN BY"
};
#define CTL_CONV_COLS	(sizeof ctl_conv_keys / sizeof ctl_conv_keys[0])

/* One conversation as a row (times shortened for a table). */
static void
ctl_conv_row(struct ctl_table *t, const cJSON *c, enum ctl_format f)
{
	char		 buf[CTL_CONV_COLS][128];
	const char	*cells[CTL_CONV_COLS];
	size_t		 i;

	for (i = 0; i < CTL_CONV_COLS; i++) {
		ctl_api_text(c, ctl_conv_keys[i], buf[i], sizeof buf[i]);
		if (f == CTL_TABLE && strstr(ctl_conv_keys[i], "_at") != NULL)
			ctl_api_short_time(cJSON_GetStringValue(
			    cJSON_GetObjectItem(c, ctl_conv_keys[i])), buf[i],
			    sizeof buf[i]);
		if (f == CTL_TABLE && strcmp(ctl_conv_keys[i], "deadline") == 0)
			ctl_api_short_time(cJSON_GetStringValue(
			    cJSON_GetObjectItem(c, "deadline")), buf[i],
			    sizeof buf[i]);
		if (f == CTL_TABLE && strcmp(ctl_conv_keys[i], "urgent") == 0)
			snprintf(buf[i], sizeof buf[i], "%s",
			    cJSON_IsTrue(cJSON_GetObjectItem(c, "urgent")) ?
			    "yes" : "");
		cells[i] = buf[i];
	}
	ctl_table_row(t, cells);
}

/* Whether a conversation is the person's: allocated to or taken by. */
static int
ctl_conv_mine(const cJSON *c, const char *person)
{
	const char	*w = cJSON_GetStringValue(cJSON_GetObjectItem(c,
			    "worker"));
	const char	*a = cJSON_GetStringValue(cJSON_GetObjectItem(c,
			    "acknowledged_by"));

	return (w != NULL && strcmp(w, person) == 0) ||
	    (a != NULL && strcmp(a, person) == 0);
}

/* replyctl conversations [--state S] [--team T] [--mine] */
int
ctl_conversations(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "conversations", .usage =
			    "conversations [--state S] [--team T] [--mine]" };
	const char	*state = NULL, *team = NULL, *cursor = NULL;
	int		 mine = 0, help, npos, rc;
	const struct ctl_opt opts[] = {
		{ "--state", &state, NULL },
		{ "--team", &team, NULL },
		{ "--mine", NULL, &mine },
		{ NULL, NULL, NULL }
	};
	struct ctl_table t;
	cJSON		*all, *page, *c, *next;
	char		*path, *es, *et, *ec;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, opts, NULL, 0, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if (mine && a.by == NULL) {
		fprintf(stderr, "replyctl conversations: --mine needs to know "
		    "who you are: give --by PERSON or set REPLYD_PERSON\n");
		return CTL_USAGE;
	}
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	all = cJSON_CreateArray();
	es = state ? ctl_api_escape(&a, state) : NULL;
	et = team ? ctl_api_escape(&a, team) : NULL;
	/* Pages, when the daemon hands out next_cursor. */
	for (;;) {
		ec = cursor ? ctl_api_escape(&a, cursor) : NULL;
		if (asprintf(&path, "/v1/conversations?limit=1000%s%s%s%s%s%s",
		    es ? "&state=" : "", es ? es : "", et ? "&team=" : "",
		    et ? et : "", ec ? "&cursor=" : "", ec ? ec : "") == -1)
			path = NULL;
		free(ec);
		rc = path ? ctl_api_call(&a, "GET", path, NULL, &page, team ?
		    team : NULL, "see \"teams\" in the configuration") :
		    CTL_UNREACHABLE;
		free(path);
		if (rc != CTL_OK)
			break;
		cJSON_ArrayForEach(c, cJSON_GetObjectItem(page,
		    "conversations"))
			if (!mine || ctl_conv_mine(c, a.by))
				cJSON_AddItemToArray(all, cJSON_Duplicate(c,
				    1));
		next = cJSON_GetObjectItem(page, "next_cursor");
		if (!cJSON_IsString(next) || next->valuestring[0] == '\0') {
			cJSON_Delete(page);
			break;
		}
		free((char *)cursor);
		cursor = strdup(next->valuestring);
		cJSON_Delete(page);
	}
	free((char *)cursor);
	free(es);
	free(et);
	if (rc == CTL_OK) {
		if (a.format == CTL_JSON) {
			page = cJSON_CreateObject();
			cJSON_AddItemToObject(page, "conversations", all);
			all = NULL;
			ctl_api_print_json(page);
			cJSON_Delete(page);
		} else {
			ctl_table_init(&t, CTL_CONV_COLS, ctl_conv_keys,
			    ctl_conv_titles);
			cJSON_ArrayForEach(c, all)
				ctl_conv_row(&t, c, a.format);
			ctl_table_print(&t, a.format, "No conversations.");
		}
	}
	cJSON_Delete(all);
	ctl_api_close(&a);
	return rc;
}

/* An event's details: every member but type and at, as key=value. */
static void
ctl_conv_details(const cJSON *e, char *buf, size_t len)
{
	const cJSON	*m;
	char		 v[256];
	size_t		 n = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(m, e) {
		if (m->string == NULL || strcmp(m->string, "type") == 0 ||
		    strcmp(m->string, "at") == 0 || strcmp(m->string, "text") == 0 ||
		    cJSON_IsNull(m) || cJSON_IsObject(m) || cJSON_IsArray(m))
			continue;
		ctl_api_text(e, m->string, v, sizeof v);
		if (v[0] == '\0')
			continue;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s=%s",
		    n ? " " : "", m->string, v);
		if (n >= len)
			break;
	}
}

/* replyctl show ID */
int
ctl_show(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "show", .usage = "show ID" };
	static const char *const ekeys[] = { "at", "type", "details" };
	static const char *const etitles[] = { "AT", "EVENT", "DETAILS" };
	struct ctl_table t;
	char		*pos[1], *id, *path, what[160], buf[1024], tbuf[64];
	const cJSON	*m, *e;
	cJSON		*j;
	int		 npos, help, rc;
	size_t		 i;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, NULL, pos, 1, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if (npos != 1)
		return ctl_api_usage(&a);
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	snprintf(what, sizeof what, "conversation %s", pos[0]);
	id = ctl_api_escape(&a, pos[0]);
	if (id == NULL || asprintf(&path, "/v1/conversations/%s", id) == -1)
		path = NULL;
	free(id);
	rc = path ? ctl_api_call(&a, "GET", path, NULL, &j, what,
	    CTL_CONV_HINT) : CTL_UNREACHABLE;
	free(path);
	if (rc != CTL_OK) {
		ctl_api_close(&a);
		return rc;
	}
	if (a.format == CTL_JSON)
		ctl_api_print_json(j);
	else if (a.format == CTL_CSV) {
		ctl_table_init(&t, CTL_CONV_COLS, ctl_conv_keys,
		    ctl_conv_titles);
		ctl_conv_row(&t, j, CTL_CSV);
		ctl_table_print(&t, CTL_CSV, "");
	} else {
		for (i = 0; i < CTL_CONV_COLS; i++) {
			ctl_api_text(j, ctl_conv_keys[i], buf, sizeof buf);
			if (buf[0] != '\0')
				printf("%-16s %s\n", ctl_conv_titles[i], buf);
		}
		printf("\nMessages\n");
		cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "messages")) {
			ctl_api_short_time(cJSON_GetStringValue(
			    cJSON_GetObjectItem(m, "at")), tbuf, sizeof tbuf);
			ctl_api_text(m, "text", buf, sizeof buf);
			printf("  %s  %s\n", tbuf, cJSON_IsString(
			    cJSON_GetObjectItem(m, "text")) ? buf :
			    "(text expired)");
		}
		printf("\n");
		ctl_table_init(&t, 3, ekeys, etitles);
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "events")) {
			const char *cells[3];
			char det[1024];

			ctl_api_short_time(cJSON_GetStringValue(
			    cJSON_GetObjectItem(e, "at")), tbuf, sizeof tbuf);
			ctl_conv_details(e, det, sizeof det);
			cells[0] = tbuf;
			cells[1] = cJSON_GetStringValue(cJSON_GetObjectItem(e,
			    "type"));
			cells[2] = det;
			ctl_table_row(&t, cells);
		}
		ctl_table_print(&t, CTL_TABLE, "No events.");
	}
	cJSON_Delete(j);
	ctl_api_close(&a);
	return CTL_OK;
}

/* Read the text of a reply from standard input ("-"). */
static char *
ctl_conv_stdin(void)
{
	char	*buf;
	size_t	 n;

	if ((buf = malloc(CTL_TEXT_MAX + 1)) == NULL)
		return NULL;
	n = fread(buf, 1, CTL_TEXT_MAX + 1, stdin);
	if (n > CTL_TEXT_MAX) {
		free(buf);
		fprintf(stderr, "replyctl reply: the text on standard input "
		    "is longer than %d bytes\n", CTL_TEXT_MAX);
		return NULL;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return buf;
}

/* POST one action on a conversation; print its outcome. */
static int
ctl_conv_post(struct ctl_api *a, const char *id, const char *action,
    cJSON *body, cJSON **out)
{
	char	*eid, *path, what[160];
	int	 rc;

	if (a->by != NULL)
		cJSON_AddStringToObject(body, "by", a->by);
	snprintf(what, sizeof what, "conversation %s", id);
	eid = ctl_api_escape(a, id);
	if (eid == NULL || asprintf(&path, "/v1/conversations/%s/%s", eid,
	    action) == -1)
		path = NULL;
	free(eid);
	rc = path ? ctl_api_call(a, "POST", path, body, out, what,
	    CTL_CONV_HINT) : CTL_UNREACHABLE;
	free(path);
	return rc;
}

/* replyctl reply ID TEXT|- [--by PERSON] */
int
ctl_reply(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "reply", .usage = "reply ID TEXT|- "
			    "[--by PERSON]" };
	char		*pos[2], *text = NULL, buf[64];
	cJSON		*body, *j;
	int		 npos, help, rc;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, NULL, pos, 2, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if (npos != 2)
		return ctl_api_usage(&a);
	if (strcmp(pos[1], "-") == 0 && (text = ctl_conv_stdin()) == NULL)
		return CTL_USAGE;
	if ((text ? text : pos[1])[0] == '\0') {
		fprintf(stderr, "replyctl reply: the text is empty\n");
		free(text);
		return CTL_USAGE;
	}
	if ((rc = ctl_api_open(&a)) != CTL_OK) {
		free(text);
		return rc;
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "text", text ? text : pos[1]);
	free(text);
	rc = ctl_conv_post(&a, pos[0], "reply", body, &j);
	cJSON_Delete(body);
	if (rc == CTL_OK) {
		if (a.format == CTL_JSON)
			ctl_api_print_json(j);
		else if (a.format == CTL_CSV)
			printf("id,state,channel,via\n%s,responded,%s,%s\n",
			    pos[0], ctl_api_text(j, "channel", buf, sizeof buf),
			    cJSON_GetStringValue(cJSON_GetObjectItem(j,
			    "via")) ? cJSON_GetObjectItem(j, "via")->valuestring
			    : "");
		else
			printf("Reply sent to conversation %s by %s (%s); the "
			    "response is recorded.\n", pos[0],
			    ctl_api_text(j, "channel", buf, sizeof buf),
			    cJSON_GetStringValue(cJSON_GetObjectItem(j,
			    "via")) ? cJSON_GetObjectItem(j, "via")->valuestring
			    : "?");
	}
	cJSON_Delete(j);
	ctl_api_close(&a);
	return rc;
}

/* replyctl responded ID --how phone|in-person|other [--note TEXT] */
int
ctl_responded(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "responded", .usage = "responded ID "
			    "--how phone|in-person|other [--note TEXT] "
			    "[--by PERSON]" };
	const char	*how = NULL, *note = NULL;
	const struct ctl_opt opts[] = {
		{ "--how", &how, NULL },
		{ "--note", &note, NULL },
		{ NULL, NULL, NULL }
	};
	char		*pos[1];
	cJSON		*body, *j;
	int		 npos, help, rc;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, opts, pos, 1, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if (npos != 1 || how == NULL)
		return ctl_api_usage(&a);
	if (strcmp(how, "phone") != 0 && strcmp(how, "in-person") != 0 &&
	    strcmp(how, "other") != 0) {
		fprintf(stderr, "replyctl responded: --how must be phone, "
		    "in-person or other, not \"%s\"\n", how);
		return CTL_USAGE;
	}
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "how", how);
	if (note != NULL)
		cJSON_AddStringToObject(body, "note", note);
	rc = ctl_conv_post(&a, pos[0], "responded", body, &j);
	cJSON_Delete(body);
	if (rc == CTL_OK) {
		if (a.format == CTL_JSON)
			ctl_api_print_json(j);
		else if (a.format == CTL_CSV)
			printf("id,state,how\n%s,responded,%s\n", pos[0], how);
		else
			printf("Response recorded for conversation %s (%s); "
			    "its escalation has stopped.\n", pos[0], how);
	}
	cJSON_Delete(j);
	ctl_api_close(&a);
	return rc;
}

/* replyctl ack ID [--by PERSON] */
int
ctl_ack(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "ack", .usage = "ack ID [--by PERSON]" };
	char		*pos[1], by[128], until[64];
	cJSON		*body, *j;
	int		 npos, help, rc;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, NULL, pos, 1, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if (npos != 1)
		return ctl_api_usage(&a);
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	body = cJSON_CreateObject();
	rc = ctl_conv_post(&a, pos[0], "ack", body, &j);
	cJSON_Delete(body);
	if (rc == CTL_OK) {
		ctl_api_text(j, "by", by, sizeof by);
		ctl_api_text(j, "until", until, sizeof until);
		if (a.format == CTL_JSON)
			ctl_api_print_json(j);
		else if (a.format == CTL_CSV)
			printf("id,state,by,until\n%s,acknowledged,%s,%s\n",
			    pos[0], by, until);
		else
			printf("Conversation %s taken by %s until %s; "
			    "escalation resumes then if nobody has "
			    "responded.\n", pos[0], by, until);
	}
	cJSON_Delete(j);
	ctl_api_close(&a);
	return rc;
}
