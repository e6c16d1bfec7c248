/*
 * ctl-contacts.c: `replyctl contacts import -c FILE [--url URL]
 * [--token TOKEN] CSV`.  Each CSV row (header: id, name, phone, email,
 * worker, team, receipt) becomes PUT /v1/contacts/{id} on the running
 * daemon, so the daemon checks every field exactly as the API does.  The
 * daemon's address and a manager token come from the configuration unless
 * given.  A CLI may block: this uses libcurl's easy interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "config.h"
#include "csv.h"
#include "ctl.h"

static const char *ctl_contacts_columns[] = {
	"id", "name", "phone", "email", "worker", "team", "receipt", NULL
};

struct ctl_buf {
	char	*data;
	size_t	 len;
};

/* Collect a response body (bounded). */
static size_t
ctl_contacts_write(char *p, size_t size, size_t n, void *arg)
{
	struct ctl_buf	*b = arg;
	size_t		 len = size * n;
	char		*nd;

	if (b->len + len > 65536)
		return len;	/* enough to show the error */
	if ((nd = realloc(b->data, b->len + len + 1)) == NULL)
		return 0;
	b->data = nd;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

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
ctl_contacts_put(CURL *curl, const char *base, const char *token,
    const char *csvpath, const struct csv_record *rec, const int *col)
{
	struct curl_slist	*hdrs = NULL;
	struct ctl_buf		 resp = { NULL, 0 };
	cJSON			*j = cJSON_CreateObject(), *err;
	char			*body, *url = NULL, *esc, auth[512];
	long			 status = 0;
	CURLcode		 rc;
	int			 i, ok = -1;

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
	esc = curl_easy_escape(curl, rec->fields[col[0]], 0);
	if (body == NULL || esc == NULL ||
	    asprintf(&url, "%s/v1/contacts/%s", base, esc) == -1) {
		fprintf(stderr, "%s:%d: out of memory\n", csvpath, rec->line);
		free(body);
		curl_free(esc);
		return -1;
	}
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ctl_contacts_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		fprintf(stderr, "%s:%d: %s: %s\n", csvpath, rec->line,
		    rec->fields[col[0]], curl_easy_strerror(rc));
	else if (status == 200 || status == 201) {
		printf("%s %s\n", status == 201 ? "added  " : "updated",
		    rec->fields[col[0]]);
		ok = 0;
	} else {
		j = resp.data ? cJSON_Parse(resp.data) : NULL;
		err = j ? cJSON_GetObjectItem(j, "detail") : NULL;
		fprintf(stderr, "%s:%d: %s: %ld %s\n", csvpath, rec->line,
		    rec->fields[col[0]], status, cJSON_IsString(err) ?
		    err->valuestring : "refused");
		cJSON_Delete(j);
	}
	curl_slist_free_all(hdrs);
	curl_free(esc);
	free(url);
	free(body);
	free(resp.data);
	return ok;
}

/* Import every row of a CSV file. */
static int
ctl_contacts_import(const char *base, const char *token, const char *path)
{
	struct csv_record	 rec;
	CURL			*curl;
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
	if ((curl = curl_easy_init()) == NULL) {
		free(buf);
		return 1;
	}
	while ((rc = csv_next(buf, len, &pos, &line, &rec, err,
	    sizeof err)) == 1) {
		if ((size_t)col[0] >= rec.n || rec.fields[col[0]][0] == '\0') {
			fprintf(stderr, "%s:%d: no id\n", path, rec.line);
			failed++;
		} else if (ctl_contacts_put(curl, base, token, path, &rec,
		    col) == -1)
			failed++;
		else
			done++;
		csv_record_free(&rec);
	}
	if (rc == -1) {
		fprintf(stderr, "%s: %s\n", path, err);
		failed++;
	}
	curl_easy_cleanup(curl);
	free(buf);
	printf("%d imported, %d failed\n", done, failed);
	return failed ? 1 : 0;
}

/* replyctl contacts import ... */
int
ctl_contacts(int argc, char **argv)
{
	struct config	*cfg = NULL;
	struct jerrs	 errs = { 0 };
	const char	*cfgpath = NULL, *url = NULL, *token = NULL, *csv = NULL;
	char		*base = NULL;
	size_t		 i;
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
	if (csv == NULL || (cfgpath == NULL && (url == NULL || token == NULL)))
		goto usage;
	if (token == NULL)
		token = getenv("REPLYD_TOKEN");
	if (cfgpath != NULL) {
		if ((cfg = config_load(cfgpath, &errs)) == NULL) {
			for (i = 0; i < errs.n; i++)
				fprintf(stderr, "%s\n", errs.msg[i]);
			jerrs_clear(&errs);
			return 1;
		}
		if (url == NULL && asprintf(&base, "http://%s:%d",
		    strcmp(cfg->listen_host, "0.0.0.0") == 0 ? "127.0.0.1" :
		    cfg->listen_host, cfg->listen_port) == -1)
			base = NULL;
		for (i = 0; token == NULL && i < cfg->ntokens; i++)
			if (cfg->tokens[i].role >= ROLE_MANAGER)
				token = cfg->tokens[i].secret;
	}
	if (token == NULL) {
		fprintf(stderr, "replyctl: no manager or admin token: give "
		    "--token or set REPLYD_TOKEN\n");
		config_free(cfg);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = ctl_contacts_import(url ? url : base, token, csv);
	curl_global_cleanup();
	free(base);
	config_free(cfg);
	return rc;
usage:
	fprintf(stderr, "usage: replyctl contacts import -c FILE [--url URL] "
	    "[--token TOKEN] CSV\n");
	return 1;
}
