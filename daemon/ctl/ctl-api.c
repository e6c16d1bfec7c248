/*
 * ctl-api.c: see ctl-api.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "conf/config.h"
#include "ctl/ctl-api.h"
#include "ctl/ctl-http.h"

#include "gen/paths.h"	/* generated: the installation paths */

#ifndef REPLYD_CONFIG_FILE
#define REPLYD_CONFIG_FILE	"/etc/replyd/replyd.json"
#endif

/* Print the command's usage; CTL_USAGE. */
int
ctl_api_usage(const struct ctl_api *a)
{
	fprintf(stderr, "usage: replyctl %s\n"
	    "  common options: -c FILE, --url URL, --token TOKEN, --by PERSON,"
	    " --format table|csv|json\n"
	    "  (see replyctl(1); `replyctl help` lists every command)\n",
	    a->usage);
	return CTL_USAGE;
}

/* An option's value: "--name=value" or "--name value". */
static int
ctl_api_value(int argc, char **argv, int *a, const char *name,
    const char **out)
{
	const char	*s = argv[*a];
	size_t		 n = strlen(name);

	if (strncmp(s, name, n) != 0)
		return 0;
	if (s[n] == '=') {
		*out = s + n + 1;
		return 1;
	}
	if (s[n] != '\0')
		return 0;
	if (*a + 1 >= argc) {
		fprintf(stderr, "replyctl: %s needs a value\n", name);
		return -1;
	}
	*out = argv[++*a];
	return 1;
}

/* Parse the common options, the command's own, and the positionals. */
int
ctl_api_args(struct ctl_api *ap, int argc, char **argv,
    const struct ctl_opt *opts, char **pos, int maxpos, int *npos, int *help)
{
	static const char *const common[] = { "--config", "-c", "--url",
	    "--token", "--by", "--format" };
	const char	**dest[6];
	const char	 *format = NULL;
	const struct ctl_opt *o;
	int		  a, i, rc, done = 0;

	dest[0] = dest[1] = &ap->config;
	dest[2] = &ap->url;
	dest[3] = &ap->token;
	dest[4] = &ap->by;
	dest[5] = &format;
	*npos = 0;
	*help = 0;
	for (a = 0; a < argc; a++) {
		const char *s = argv[a];

		if (done || s[0] != '-' || strcmp(s, "-") == 0) {
			if (*npos >= maxpos) {
				fprintf(stderr, "replyctl %s: unexpected "
				    "argument \"%s\"\n", ap->cmd, s);
				return ctl_api_usage(ap);
			}
			pos[(*npos)++] = argv[a];
			continue;
		}
		if (strcmp(s, "--") == 0) {
			done = 1;
			continue;
		}
		if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			*help = 1;
			printf("usage: replyctl %s\n", ap->usage);
			return CTL_OK;
		}
		rc = 0;
		for (i = 0; rc == 0 && i < 6; i++)
			rc = ctl_api_value(argc, argv, &a, common[i], dest[i]);
		for (o = opts; rc == 0 && o != NULL && o->name != NULL; o++) {
			if (o->flag != NULL) {
				if (strcmp(s, o->name) == 0) {
					*o->flag = 1;
					rc = 1;
				}
			} else
				rc = ctl_api_value(argc, argv, &a, o->name,
				    o->value);
		}
		if (rc == -1)
			return ctl_api_usage(ap);
		if (rc == 0) {
			fprintf(stderr, "replyctl %s: unknown option \"%s\"\n",
			    ap->cmd, s);
			return ctl_api_usage(ap);
		}
	}
	if (format == NULL || strcmp(format, "table") == 0)
		ap->format = CTL_TABLE;
	else if (strcmp(format, "csv") == 0)
		ap->format = CTL_CSV;
	else if (strcmp(format, "json") == 0)
		ap->format = CTL_JSON;
	else {
		fprintf(stderr, "replyctl %s: --format must be table, csv or "
		    "json, not \"%s\"\n", ap->cmd, format);
		return ctl_api_usage(ap);
	}
	if (ap->by == NULL)
		ap->by = getenv("REPLYD_PERSON");
	if (ap->by != NULL && ap->by[0] == '\0')
		ap->by = NULL;
	return CTL_OK;
}

/* Connect to the daemon named by the configuration or --url. */
int
ctl_api_open(struct ctl_api *ap)
{
	if (ap->config == NULL && ap->url == NULL) {
		ap->config = getenv("REPLYD_CONFIG");
		if (ap->config == NULL || ap->config[0] == '\0')
			ap->config = REPLYD_CONFIG_FILE;
		if (access(ap->config, R_OK) == -1) {
			fprintf(stderr, "replyctl: cannot read %s (%s): give "
			    "-c FILE or --url URL and --token TOKEN%s\n",
			    ap->config, strerror(errno), errno == EACCES ?
			    "; or run as root or a member of group replyd" :
			    "");
			return CTL_USAGE;
		}
	}
	if (ctl_http_open(&ap->h, ap->config, ap->url, ap->token) == -1)
		return CTL_USAGE;
	ap->open = 1;
	return CTL_OK;
}

/* Close the connection. */
void
ctl_api_close(struct ctl_api *ap)
{
	if (ap->open)
		ctl_http_close(&ap->h);
	ap->open = 0;
}

/* The error detail of an answer, or its body, or "no detail". */
static const char *
ctl_api_detail(const cJSON *j, const char *resp)
{
	const cJSON	*d = cJSON_GetObjectItem(j, "detail");

	if (cJSON_IsString(d))
		return d->valuestring;
	d = cJSON_GetObjectItem(j, "error");
	if (cJSON_IsString(d))
		return d->valuestring;
	return resp != NULL && resp[0] != '\0' ? resp : "no detail";
}

/* One request; the answer as an exit status. */
int
ctl_api_call(struct ctl_api *ap, const char *method, const char *path,
    const cJSON *body, cJSON **out, const char *what, const char *hint)
{
	char		*json = NULL, *resp = NULL;
	const char	*detail, *error;
	cJSON		*j = NULL;
	long		 status;
	int		 rc;

	*out = NULL;
	if (body != NULL && (json = cJSON_PrintUnformatted(body)) == NULL) {
		fprintf(stderr, "replyctl: out of memory\n");
		return CTL_UNREACHABLE;
	}
	status = ctl_http_request(&ap->h, method, path, json, &resp);
	free(json);
	if (status == 0) {
		free(resp);
		return CTL_UNREACHABLE;	/* ctl_http_request said why */
	}
	if (resp != NULL && resp[0] != '\0')
		j = cJSON_Parse(resp);
	if (status >= 200 && status < 300) {
		if (resp != NULL && resp[0] != '\0' && j == NULL) {
			fprintf(stderr, "replyctl: %s %s: replyd answered %ld "
			    "with a body that is not JSON\n", method, path,
			    status);
			free(resp);
			return CTL_UNREACHABLE;
		}
		free(resp);
		*out = j;
		return CTL_OK;
	}
	detail = ctl_api_detail(j, resp);
	error = cJSON_GetStringValue(cJSON_GetObjectItem(j, "error"));
	switch (status) {
	case 400:
		if (ap->by == NULL && strstr(detail, "\"by\"") != NULL)
			fprintf(stderr, "replyctl %s: replyd needs to know who "
			    "is acting: give --by PERSON (a person in "
			    "\"people\"), or set REPLYD_PERSON\n", ap->cmd);
		else
			fprintf(stderr, "replyctl %s: replyd refused the "
			    "request: %s\n", ap->cmd, detail);
		rc = CTL_USAGE;
		break;
	case 401:
		fprintf(stderr, "replyctl %s: replyd refused the token (%s): "
		    "give one of the tokens in \"api.tokens\" with --token or "
		    "REPLYD_TOKEN, or -c the daemon's configuration\n",
		    ap->cmd, detail);
		rc = CTL_REFUSED;
		break;
	case 403:
		fprintf(stderr, "replyctl %s: not allowed with this token: %s; "
		    "use a token with that role (api.tokens)\n", ap->cmd,
		    detail);
		rc = CTL_REFUSED;
		break;
	case 404:
		fprintf(stderr, "replyctl %s: %s: not found (%s)%s%s\n",
		    ap->cmd, what ? what : path, detail, hint ? "; " : "",
		    hint ? hint : "");
		rc = CTL_NOT_FOUND;
		break;
	case 409:
		fprintf(stderr, "replyctl %s: %s: %s\n", ap->cmd,
		    what ? what : path, detail);
		rc = CTL_REFUSED;
		break;
	case 502:
		if (error != NULL && strcmp(error, "provider refused") == 0) {
			fprintf(stderr, "replyctl %s: the provider refused the "
			    "message (%s): nothing was recorded; check the "
			    "young person's address, or record another "
			    "contact with `replyctl responded`\n", ap->cmd,
			    detail);
			rc = CTL_REFUSED;
		} else {
			fprintf(stderr, "replyctl %s: the provider did not "
			    "take the message (%s): nothing was recorded; "
			    "try again later\n", ap->cmd, detail);
			rc = CTL_UNREACHABLE;
		}
		break;
	case 503:
		fprintf(stderr, "replyctl %s: replyd is not ready (%s): is "
		    "Redis running?  See %s/readyz and `journalctl -u "
		    "replyd`, then try again\n", ap->cmd, detail, ap->h.base);
		rc = CTL_UNREACHABLE;
		break;
	default:
		fprintf(stderr, "replyctl %s: replyd answered %ld: %s%s\n",
		    ap->cmd, status, detail, status >= 500 ?
		    "; see `journalctl -u replyd`" : "");
		rc = status >= 500 ? CTL_UNREACHABLE : CTL_USAGE;
		break;
	}
	cJSON_Delete(j);
	free(resp);
	return rc;
}

/* Percent-encode a path segment or query value. */
char *
ctl_api_escape(struct ctl_api *ap, const char *s)
{
	char	*e, *out;

	if ((e = curl_easy_escape(ap->h.curl, s, 0)) == NULL)
		return NULL;
	out = strdup(e);
	curl_free(e);
	return out;
}

/* Print a JSON value, indented. */
void
ctl_api_print_json(const cJSON *j)
{
	char	*s = j != NULL ? cJSON_Print(j) : NULL;

	printf("%s\n", s != NULL ? s : "null");
	free(s);
}

/* A member as text. */
const char *
ctl_api_text(const cJSON *obj, const char *key, char *buf, size_t len)
{
	const cJSON	*v = cJSON_GetObjectItem(obj, key);

	if (cJSON_IsString(v))
		snprintf(buf, len, "%s", v->valuestring);
	else if (cJSON_IsNumber(v))
		snprintf(buf, len, "%.15g", v->valuedouble);
	else if (cJSON_IsBool(v))
		snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else
		buf[0] = '\0';
	return buf;
}

/* "2026-05-26T16:55:00+01:00" as "2026-05-26 16:55". */
void
ctl_api_short_time(const char *t, char *buf, size_t len)
{
	if (t == NULL || strlen(t) < 16 || t[10] != 'T') {
		snprintf(buf, len, "%s", t ? t : "");
		return;
	}
	snprintf(buf, len, "%.10s %.5s", t, t + 11);
}

/* Start a table. */
void
ctl_table_init(struct ctl_table *t, size_t ncols, const char *const *keys,
    const char *const *titles)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	t->keys = keys;
	t->titles = titles;
}

/* Add a row. */
void
ctl_table_row(struct ctl_table *t, const char *const *cells)
{
	char	**nc;
	size_t	  i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		if ((nc = realloc(t->cells, t->cap * t->ncols *
		    sizeof *nc)) == NULL) {
			fprintf(stderr, "replyctl: out of memory\n");
			exit(CTL_UNREACHABLE);
		}
		t->cells = nc;
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = strdup(cells[i] ?
		    cells[i] : "");
	t->nrows++;
}

/* One CSV field, quoted when it must be (RFC 4180). */
static void
ctl_table_csv(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* Characters (not bytes) of UTF-8 text, for aligning columns. */
static size_t
ctl_table_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* One table cell padded to width w (the last one ends the line). */
static void
ctl_table_cell(const char *s, size_t w, int last)
{
	size_t	n = ctl_table_width(s);

	fputs(s, stdout);
	if (last) {
		putchar('\n');
		return;
	}
	for (; n < w + 2; n++)
		putchar(' ');
}

/* Print and free the rows. */
void
ctl_table_print(struct ctl_table *t, enum ctl_format f, const char *none)
{
	size_t	 r, c, *w, n;
	char	*cell;

	if (f == CTL_CSV) {
		for (c = 0; c < t->ncols; c++) {
			if (c > 0)
				putchar(',');
			ctl_table_csv(t->keys[c]);
		}
		putchar('\n');
		for (r = 0; r < t->nrows; r++) {
			for (c = 0; c < t->ncols; c++) {
				if (c > 0)
					putchar(',');
				ctl_table_csv(t->cells[r * t->ncols + c]);
			}
			putchar('\n');
		}
	} else if (t->nrows == 0)
		printf("%s\n", none);
	else if ((w = calloc(t->ncols, sizeof *w)) != NULL) {
		for (c = 0; c < t->ncols; c++)
			w[c] = ctl_table_width(t->titles[c]);
		for (r = 0; r < t->nrows; r++)
			for (c = 0; c < t->ncols; c++) {
				n = ctl_table_width(t->cells[r * t->ncols + c]);
				if (n > w[c])
					w[c] = n;
			}
		for (c = 0; c < t->ncols; c++)
			ctl_table_cell(t->titles[c], w[c], c + 1 == t->ncols);
		for (r = 0; r < t->nrows; r++)
			for (c = 0; c < t->ncols; c++) {
				cell = t->cells[r * t->ncols + c];
				ctl_table_cell(cell[0] != '\0' ? cell : "-",
				    w[c], c + 1 == t->ncols);
			}
		free(w);
	}
	for (r = 0; r < t->nrows * t->ncols; r++)
		free(t->cells[r]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}
