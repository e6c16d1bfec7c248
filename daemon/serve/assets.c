/*
 * assets.c: see assets.h.  The folder is read once, at start, before the
 * loop runs (so the reads may block); afterwards a request is answered
 * from memory.  Only plain files directly in the folder are served, by
 * their exact name, so no path a browser sends can reach another file.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "base/log.h"
#include "conf/config.h"
#include "io/http.h"
#include "serve/assets.h"

#include "gen/paths.h"	/* generated: the installation paths */

#ifndef REPLYD_ASSETS_DIR
#define REPLYD_ASSETS_DIR "/usr/local/share/replyd/assets"
#endif

#define ASSETS_MAX_FILES	256
#define ASSETS_MAX_BYTES	(16 * 1024 * 1024)	/* one file */
#define ASSETS_IMMUTABLE	"public, max-age=31536000, immutable"

struct asset {
	char		*name;
	char		*body;
	size_t		 len;
	const char	*type;
	char		 etag[20];	/* "16 hex" with the quotes */
};

static struct asset	*assets;
static size_t		 nassets;
static char		 assets_version[16];
static char		 assets_path[40] = "/assets/none";

static const struct {
	const char	*ext;
	const char	*type;
} assets_types[] = {
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "map", "application/json" },
	{ "json", "application/json" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "ico", "image/x-icon" },
	{ "woff2", "font/woff2" },
	{ "woff", "font/woff" },
	{ "txt", "text/plain; charset=utf-8" },
	{ NULL, NULL }
};

/* The Content-Type of a file, by its extension. */
const char *
assets_type(const char *name)
{
	const char	*dot = strrchr(name, '.');
	size_t		 i;

	for (i = 0; dot != NULL && assets_types[i].ext != NULL; i++)
		if (strcasecmp(dot + 1, assets_types[i].ext) == 0)
			return assets_types[i].type;
	return "application/octet-stream";
}

/* Whether a file name is one we serve: [A-Za-z0-9._-], not hidden. */
static int
assets_name_ok(const char *name)
{
	const char	*p;

	if (name[0] == '\0' || name[0] == '.' || strlen(name) > 100)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-'))
			return 0;
	return 1;
}

/* The folder: configured, build/assets beside build/replyd, installed. */
static const char *
assets_dir(const struct config *cfg, char *buf, size_t len)
{
	char		 exe[PATH_MAX];
	ssize_t		 n;
	struct stat	 st;

	if (cfg->assets_dir != NULL) {
		snprintf(buf, len, "%s", cfg->assets_dir);
		return buf;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(buf, len, "%s/assets", dirname(exe));
		if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return buf;
	}
	snprintf(buf, len, "%s", REPLYD_ASSETS_DIR);
	return buf;
}

/* Read one file whole; -1 with a logged warning. */
static int
assets_read(const char *dir, const char *name, struct asset *a)
{
	char		 path[PATH_MAX];
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	struct stat	 st;
	FILE		*f;

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    (int)sizeof path)
		return -1;	/* a path too long to be one of ours */
	if ((f = fopen(path, "rb")) == NULL) {
		log_warn("assets: %s", path);
		return -1;
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return -1;	/* a folder or device: not an asset */
	}
	if (st.st_size > ASSETS_MAX_BYTES) {
		fclose(f);
		log_warnx("assets: %s: larger than %d bytes: not served",
		    path, ASSETS_MAX_BYTES);
		return -1;
	}
	a->len = (size_t)st.st_size;
	if ((a->body = malloc(a->len + 1)) == NULL ||
	    fread(a->body, 1, a->len, f) != a->len ||
	    (a->name = strdup(name)) == NULL) {
		log_warnx("assets: %s: cannot read it", path);
		free(a->body);
		a->body = NULL;
		fclose(f);
		return -1;
	}
	fclose(f);
	a->type = assets_type(name);
	SHA256((const unsigned char *)a->body, a->len, md);
	snprintf(a->etag, sizeof a->etag, "\"%02x%02x%02x%02x%02x%02x%02x"
	    "%02x\"", md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7]);
	return 0;
}

static int
assets_cmp(const void *a, const void *b)
{
	return strcmp(((const struct asset *)a)->name,
	    ((const struct asset *)b)->name);
}

/* The version: a hash over every file's name and contents. */
static void
assets_make_version(void)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	char		*all = NULL;
	size_t		 i, len = 0, n;

	for (i = 0; i < nassets; i++)
		len += strlen(assets[i].name) + 1 + strlen(assets[i].etag);
	if ((all = malloc(len + 1)) != NULL) {
		for (i = 0, n = 0; i < nassets; i++) {
			memcpy(all + n, assets[i].name,
			    strlen(assets[i].name) + 1);
			n += strlen(assets[i].name) + 1;
			memcpy(all + n, assets[i].etag, strlen(assets[i].etag));
			n += strlen(assets[i].etag);
		}
		SHA256((const unsigned char *)all, len, md);
		free(all);
	} else
		memset(md, 0, sizeof md);
	snprintf(assets_version, sizeof assets_version, "%02x%02x%02x%02x%02x"
	    "%02x", md[0], md[1], md[2], md[3], md[4], md[5]);
	snprintf(assets_path, sizeof assets_path, "/assets/%s",
	    assets_version);
}

/* Read the folder into memory. */
void
assets_load(const struct config *cfg)
{
	char		 dir[PATH_MAX];
	DIR		*d;
	struct dirent	*e;
	struct asset	*na;

	assets_dir(cfg, dir, sizeof dir);
	if ((d = opendir(dir)) == NULL) {
		log_warnx("assets: cannot open %s (%s): the staff pages will "
		    "have no styles; run make, or set assets_dir", dir,
		    strerror(errno));
		assets_make_version();
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (!assets_name_ok(e->d_name))
			continue;
		if (nassets == ASSETS_MAX_FILES) {
			log_warnx("assets: more than %d files in %s: the rest "
			    "are not served", ASSETS_MAX_FILES, dir);
			break;
		}
		if ((na = realloc(assets, (nassets + 1) * sizeof *na)) == NULL)
			break;
		assets = na;
		memset(&assets[nassets], 0, sizeof assets[nassets]);
		if (assets_read(dir, e->d_name, &assets[nassets]) == 0)
			nassets++;
	}
	closedir(d);
	if (nassets > 0)
		qsort(assets, nassets, sizeof *assets, assets_cmp);
	assets_make_version();
	log_info("assets: %zu files from %s, served under %s", nassets, dir,
	    assets_path);
}

/* The file of that name, or NULL. */
static const struct asset *
assets_find(const char *name)
{
	struct asset	key;

	if (name == NULL || nassets == 0)
		return NULL;
	key.name = (char *)name;
	return bsearch(&key, assets, nassets, sizeof *assets, assets_cmp);
}

/* Answer one asset; a versioned name of this build may be kept a year. */
static void
assets_serve(struct http_req *req, const char *version, const char *name)
{
	const struct asset	*a = assets_find(name);
	const char		*inm;

	if (a == NULL) {
		http_error(req, 404, "not found", "no such asset");
		return;
	}
	http_add_header(req, "Cache-Control", version != NULL &&
	    strcmp(version, assets_version) == 0 ? ASSETS_IMMUTABLE :
	    "no-cache");
	http_add_header(req, "ETag", a->etag);
	http_add_header(req, "X-Content-Type-Options", "nosniff");
	http_add_header(req, "Cross-Origin-Resource-Policy", "same-origin");
	http_add_header(req, "Content-Security-Policy",
	    "default-src 'none'; frame-ancestors 'none'");
	if ((inm = http_req_header(req, "If-None-Match")) != NULL &&
	    strstr(inm, a->etag) != NULL) {
		http_reply(req, 304, NULL, NULL, 0);
		return;
	}
	http_reply(req, 200, a->type, a->body, a->len);
}

/* GET /assets/NAME: the current file, checked again on each use. */
static void
assets_get(struct http_req *req, void *arg)
{
	assets_serve(req, NULL, http_req_param(req, 0));
}

/* GET /assets/VERSION/NAME. */
static void
assets_get_versioned(struct http_req *req, void *arg)
{
	assets_serve(req, http_req_param(req, 0), http_req_param(req, 1));
}

/* Route the assets. */
void
assets_routes(struct http *http)
{
	http_route(http, HTTP_GET, "/assets/*", 0, 0, assets_get, NULL);
	http_route(http, HTTP_GET, "/assets/*/*", 0, 0, assets_get_versioned,
	    NULL);
}

/* What pages put before an asset's name. */
const char *
assets_prefix(void)
{
	return assets_path;
}

/* How many files are served. */
size_t
assets_count(void)
{
	return nassets;
}

/* Free what was read. */
void
assets_free(void)
{
	size_t	i;

	for (i = 0; i < nassets; i++) {
		free(assets[i].name);
		free(assets[i].body);
	}
	free(assets);
	assets = NULL;
	nassets = 0;
}
