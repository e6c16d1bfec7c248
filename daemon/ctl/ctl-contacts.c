/*
 * ctl-contacts.c: `replyctl contacts import -c FILE [--url URL]
 * [--token TOKEN] CSV`.  Each CSV row (header: id, name, phone, email,
 * worker, team, receipt) becomes PUT /v1/contacts/{id} on the running
 * daemon, so the daemon checks every field exactly as the API does.
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

/* replyctl contacts import ... */
int
ctl_contacts(int argc, char **argv)
{
	struct ctl_http	 h;
	const char	*cfgpath = NULL, *url = NULL, *token = NULL, *csv = NULL;
	int		 a, rc;

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
	    "[--token TOKEN] CSV\n");
	return 1;
}
