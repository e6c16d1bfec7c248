/*
 * ctl-contacts.c: `replyctl contacts import -c FILE [--url URL]
 * [--token TOKEN] CSV`.  Each CSV row (header: id, name, phone, email,
 * worker, team, receipt) becomes PUT /v1/contacts/{id} on the running
 * daemon, so the daemon checks every field exactly as the API does.
 * `contacts list [--q TEXT]`, `contacts show ID` and `contacts export`
 * read them back (GET /v1/contacts, GET /v1/contacts/{id}); export writes
 * the CSV that import reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "conf/config.h"
#include "base/csv.h"
#include "ctl/ctl.h"
#include "ctl/ctl-api.h"
#include "ctl/ctl-http.h"

static const char *ctl_contacts_columns[] = {
	"id", "name", "phone", "email", "worker", "team", "receipt", NULL
};

/* Read a whole file into memory. */
static char *
ctl_contacts_read(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 cap = 0, n;
	char	 chunk[8192];

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	*len = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		char *nb;

		if (*len + n + 1 > cap) {
			cap = (*len + n + 1) * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		memcpy(buf + *len, chunk, n);
		*len += n;
	}
	fclose(f);
	if (buf == NULL)
		buf = calloc(1, 1);
	return buf;
}

/* PUT one contact; print the outcome; return 0 on success. */
static int
ctl_contacts_put(struct ctl_http *h, const char *csvpath,
    const struct csv_record *rec, const int *col)
{
	cJSON	*j = cJSON_CreateObject(), *err;
	char	*body, *path = NULL, *esc, *resp;
	long	 status;
	int	 i, ok = -1;

	for (i = 1; ctl_contacts_columns[i] != NULL; i++) {
		const char *v;

		if (col[i] < 0 || (size_t)col[i] >= rec->n)
			continue;
		v = rec->fields[col[i]];
		if (v[0] == '\0')
			continue;
		if (strcmp(ctl_contacts_columns[i], "receipt") == 0)
			cJSON_AddBoolToObject(j, "receipt",
			    strcasecmp(v, "false") != 0 &&
			    strcasecmp(v, "no") != 0 && strcmp(v, "0") != 0);
		else
			cJSON_AddStringToObject(j, ctl_contacts_columns[i], v);
	}
	body = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	esc = curl_easy_escape(h->curl, rec->fields[col[0]], 0);
	if (body == NULL || esc == NULL ||
	    asprintf(&path, "/v1/contacts/%s", esc) == -1) {
		fprintf(stderr, "%s:%d: out of memory\n", csvpath, rec->line);
		free(body);
		curl_free(esc);
		return -1;
	}
	status = ctl_http_request(h, "PUT", path, body, &resp);
	if (status == 200 || status == 201) {
		printf("%s %s\n", status == 201 ? "added  " : "updated",
		    rec->fields[col[0]]);
		ok = 0;
	} else if (status != 0) {
		j = resp ? cJSON_Parse(resp) : NULL;
		err = j ? cJSON_GetObjectItem(j, "detail") : NULL;
		fprintf(stderr, "%s:%d: %s: %ld %s\n", csvpath, rec->line,
		    rec->fields[col[0]], status, cJSON_IsString(err) ?
		    err->valuestring : "refused");
		cJSON_Delete(j);
	}
	curl_free(esc);
	free(path);
	free(body);
	free(resp);
	return ok;
}

/* Import every row of a CSV file. */
static int
ctl_contacts_import(struct ctl_http *h, const char *path)
{
	struct csv_record	 rec;
	char			*buf, err[256];
	size_t			 len, pos = 0, i;
	int			 line = 1, rc, col[8], k, failed = 0, done = 0;

	if ((buf = ctl_contacts_read(path, &len)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	if ((rc = csv_next(buf, len, &pos, &line, &rec, err,
	    sizeof err)) != 1) {
		fprintf(stderr, "%s: %s\n", path, rc == 0 ? "empty file" : err);
		free(buf);
		return 1;
	}
	for (k = 0; ctl_contacts_columns[k] != NULL; k++) {
		col[k] = -1;
		for (i = 0; i < rec.n; i++)
			if (strcasecmp(rec.fields[i],
			    ctl_contacts_columns[k]) == 0)
				col[k] = (int)i;
	}
	for (i = 0; i < rec.n; i++) {
		for (k = 0; ctl_contacts_columns[k] != NULL; k++)
			if (col[k] == (int)i)
				break;
		if (ctl_contacts_columns[k] == NULL) {
			fprintf(stderr, "%s:%d: unknown column \"%s\" (known: "
			    "id, name, phone, email, worker, team, receipt)\n",
			    path, rec.line, rec.fields[i]);
			csv_record_free(&rec);
			free(buf);
			return 1;
		}
	}
	csv_record_free(&rec);
	if (col[0] < 0) {
		fprintf(stderr, "%s:1: the header has no \"id\" column\n", path);
		free(buf);
		return 1;
	}
	while ((rc = csv_next(buf, len, &pos, &line, &rec, err,
	    sizeof err)) == 1) {
		if ((size_t)col[0] >= rec.n || rec.fields[col[0]][0] == '\0') {
			fprintf(stderr, "%s:%d: no id\n", path, rec.line);
			failed++;
		} else if (ctl_contacts_put(h, path, &rec, col) == -1)
			failed++;
		else
			done++;
		csv_record_free(&rec);
	}
	if (rc == -1) {
		fprintf(stderr, "%s: %s\n", path, err);
		failed++;
	}
	free(buf);
	printf("%d imported, %d failed\n", done, failed);
	return failed ? 1 : 0;
}

static const char *const ctl_contacts_titles[] = {
	"ID", "NAME", "PHONE", "EMAIL", "WORKER", "TEAM", "RECEIPT", NULL
};

/* Order contacts by id. */
static int
ctl_contacts_cmp(const void *a, const void *b)
{
	const cJSON	*x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
	const char	*s = cJSON_GetStringValue(cJSON_GetObjectItem(x, "id"));
	const char	*t = cJSON_GetStringValue(cJSON_GetObjectItem(y, "id"));

	return strcmp(s ? s : "", t ? t : "");
}

/* Every contact matching q (all pages), sorted by id; an exit status. */
static int
ctl_contacts_all(struct ctl_api *a, const char *q, cJSON **out)
{
	cJSON	*all, *page, *c, *next, **v;
	char	*eq, *ec, *path, *cursor = NULL;
	int	 rc, n, i;

	*out = NULL;
	all = cJSON_CreateArray();
	eq = q ? ctl_api_escape(a, q) : NULL;
	for (;;) {
		ec = cursor ? ctl_api_escape(a, cursor) : NULL;
		if (asprintf(&path, "/v1/contacts?limit=1000%s%s%s%s",
		    eq ? "&q=" : "", eq ? eq : "", ec ? "&cursor=" : "",
		    ec ? ec : "") == -1)
			path = NULL;
		free(ec);
		rc = path ? ctl_api_call(a, "GET", path, NULL, &page, NULL,
		    NULL) : CTL_UNREACHABLE;
		free(path);
		if (rc != CTL_OK)
			break;
		cJSON_ArrayForEach(c, cJSON_GetObjectItem(page, "contacts"))
			cJSON_AddItemToArray(all, cJSON_Duplicate(c, 1));
		next = cJSON_GetObjectItem(page, "next_cursor");
		free(cursor);
		cursor = cJSON_IsString(next) ? strdup(next->valuestring) :
		    NULL;
		cJSON_Delete(page);
		if (cursor == NULL)
			break;
	}
	free(cursor);
	free(eq);
	if (rc != CTL_OK) {
		cJSON_Delete(all);
		return rc;
	}
	/* Sorted, and without the repeats a walk may bring. */
	n = cJSON_GetArraySize(all);
	if ((v = calloc((size_t)n + 1, sizeof *v)) == NULL) {
		cJSON_Delete(all);
		return CTL_UNREACHABLE;
	}
	for (i = 0; i < n; i++)
		v[i] = cJSON_DetachItemFromArray(all, 0);
	qsort(v, (size_t)n, sizeof *v, ctl_contacts_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && ctl_contacts_cmp(&v[i - 1], &v[i]) == 0)
			cJSON_Delete(v[i]);
		else
			cJSON_AddItemToArray(all, v[i]);
	}
	free(v);
	*out = all;
	return CTL_OK;
}

/* Contacts as table or CSV rows (export: the import format). */
static void
ctl_contacts_print(const cJSON *all, enum ctl_format f, int export)
{
	struct ctl_table	 t;
	const cJSON		*c;
	const char		*cells[7];
	char			 buf[7][320];
	int			 i;

	ctl_table_init(&t, 7, ctl_contacts_columns, ctl_contacts_titles);
	cJSON_ArrayForEach(c, all) {
		for (i = 0; i < 7; i++)
			cells[i] = ctl_api_text(c, ctl_contacts_columns[i],
			    buf[i], sizeof buf[i]);
		if (f == CTL_TABLE && !export)
			cells[6] = cJSON_IsFalse(cJSON_GetObjectItem(c,
			    "receipt")) ? "off" : "on";
		ctl_table_row(&t, cells);
	}
	ctl_table_print(&t, f, "No contacts.");
}

/* replyctl contacts list [--q TEXT] | export [--q TEXT] */
static int
ctl_contacts_list(int argc, char **argv, int export)
{
	struct ctl_api	 a = { .cmd = export ? "contacts export" :
			    "contacts list", .usage = export ? "contacts "
			    "export [--q TEXT] > contacts.csv" : "contacts list "
			    "[--q TEXT]" };
	const char	*q = NULL;
	const struct ctl_opt opts[] = {
		{ "--q", &q, NULL },
		{ NULL, NULL, NULL }
	};
	cJSON		*all, *j;
	int		 npos, help, rc;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, opts, NULL, 0, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	if ((rc = ctl_contacts_all(&a, q, &all)) == CTL_OK) {
		if (a.format == CTL_JSON) {
			j = cJSON_CreateObject();
			cJSON_AddItemToObject(j, "contacts", all);
			ctl_api_print_json(j);
			cJSON_Delete(j);
		} else {
			ctl_contacts_print(all, export ? CTL_CSV : a.format,
			    export);
			cJSON_Delete(all);
		}
	}
	ctl_api_close(&a);
	return rc;
}

/* replyctl contacts show ID */
static int
ctl_contacts_show(int argc, char **argv)
{
	struct ctl_api	 a = { .cmd = "contacts show", .usage = "contacts "
			    "show ID" };
	char		*pos[1], *id, *path, what[128], buf[320];
	cJSON		*j, *all;
	int		 npos, help, rc, i;

	if ((rc = ctl_api_args(&a, argc - 1, argv + 1, NULL, pos, 1, &npos,
	    &help)) != CTL_OK || help)
		return rc;
	if (npos != 1)
		return ctl_api_usage(&a);
	if ((rc = ctl_api_open(&a)) != CTL_OK)
		return rc;
	snprintf(what, sizeof what, "contact %s", pos[0]);
	id = ctl_api_escape(&a, pos[0]);
	if (id == NULL || asprintf(&path, "/v1/contacts/%s", id) == -1)
		path = NULL;
	free(id);
	rc = path ? ctl_api_call(&a, "GET", path, NULL, &j, what,
	    "`replyctl contacts list --q TEXT` finds one") : CTL_UNREACHABLE;
	free(path);
	if (rc == CTL_OK) {
		if (a.format == CTL_JSON)
			ctl_api_print_json(j);
		else if (a.format == CTL_CSV) {
			all = cJSON_CreateArray();
			cJSON_AddItemToArray(all, j);
			ctl_contacts_print(all, CTL_CSV, 1);
			j = all;
		} else
			for (i = 0; ctl_contacts_columns[i] != NULL; i++) {
				ctl_api_text(j, ctl_contacts_columns[i], buf,
				    sizeof buf);
				printf("%-8s %s\n", ctl_contacts_titles[i],
				    buf[0] != '\0' ? buf : "-");
			}
		cJSON_Delete(j);
	}
	ctl_api_close(&a);
	return rc;
}

/* replyctl contacts import|list|show|export ... */
int
ctl_contacts(int argc, char **argv)
{
	struct ctl_http	 h;
	const char	*cfgpath = NULL, *url = NULL, *token = NULL, *csv = NULL;
	int		 a, rc;

	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return ctl_contacts_list(argc - 1, argv + 1, 0);
	if (argc >= 2 && strcmp(argv[1], "export") == 0)
		return ctl_contacts_list(argc - 1, argv + 1, 1);
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return ctl_contacts_show(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "import") != 0)
		goto usage;
	for (a = 2; a < argc; a++) {
		if (strcmp(argv[a], "-c") == 0 && a + 1 < argc)
			cfgpath = argv[++a];
		else if (strcmp(argv[a], "--url") == 0 && a + 1 < argc)
			url = argv[++a];
		else if (strcmp(argv[a], "--token") == 0 && a + 1 < argc)
			token = argv[++a];
		else if (argv[a][0] != '-' && csv == NULL)
			csv = argv[a];
		else
			goto usage;
	}
	if (csv == NULL)
		goto usage;
	if (ctl_http_open(&h, cfgpath, url, token) == -1)
		return 1;
	rc = ctl_contacts_import(&h, csv);
	ctl_http_close(&h);
	return rc;
usage:
	fprintf(stderr, "usage: replyctl contacts import -c FILE [--url URL] "
	    "[--token TOKEN] CSV\n"
	    "       replyctl contacts list [--q TEXT]\n"
	    "       replyctl contacts show ID\n"
	    "       replyctl contacts export [--q TEXT] > contacts.csv\n");
	return 1;
}
