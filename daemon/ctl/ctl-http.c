/*
 * ctl-http.c: see ctl-http.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "conf/config.h"
#include "ctl/ctl-http.h"

struct ctl_http_buf {
	char	*data;
	size_t	 len;
};

/* Collect a response body (bounded: replies are small JSON). */
static size_t
ctl_http_write(char *p, size_t size, size_t n, void *arg)
{
	struct ctl_http_buf	*b = arg;
	size_t			 len = size * n;
	char			*nd;

	if (b->len + len > 16 * 1024 * 1024)
		return 0;
	if ((nd = realloc(b->data, b->len + len + 1)) == NULL)
		return 0;
	b->data = nd;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* Set up the daemon's address and a token. */
int
ctl_http_open(struct ctl_http *h, const char *cfgpath, const char *url,
    const char *token)
{
	struct jerrs	errs = { 0 };
	size_t		i;

	memset(h, 0, sizeof *h);
	h->token = token ? token : getenv("REPLYD_TOKEN");
	if (cfgpath != NULL) {
		if ((h->cfg = config_load(cfgpath, &errs)) == NULL) {
			for (i = 0; i < errs.n; i++)
				fprintf(stderr, "%s\n", errs.msg[i]);
			jerrs_clear(&errs);
			return -1;
		}
		for (i = 0; h->token == NULL && i < h->cfg->ntokens; i++)
			if (h->cfg->tokens[i].role >= ROLE_MANAGER)
				h->token = h->cfg->tokens[i].secret;
	}
	if (url != NULL)
		h->base = strdup(url);
	else if (h->cfg != NULL && asprintf(&h->base, "http://%s:%d",
	    strcmp(h->cfg->listen_host, "0.0.0.0") == 0 ? "127.0.0.1" :
	    h->cfg->listen_host, h->cfg->listen_port) == -1)
		h->base = NULL;
	if (h->base == NULL || h->token == NULL) {
		fprintf(stderr, "replyctl: %s\n", h->base == NULL ? "give -c "
		    "FILE or --url URL" : h->cfg != NULL ? "the configuration "
		    "has no manager or admin token in \"api.tokens\": give "
		    "--token or set REPLYD_TOKEN" : "no token: give --token, "
		    "set REPLYD_TOKEN, or -c the daemon's configuration");
		ctl_http_close(h);
		return -1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((h->curl = curl_easy_init()) == NULL) {
		ctl_http_close(h);
		return -1;
	}
	return 0;
}

/* Free everything. */
void
ctl_http_close(struct ctl_http *h)
{
	if (h->curl != NULL) {
		curl_easy_cleanup(h->curl);
		curl_global_cleanup();
	}
	free(h->base);
	config_free(h->cfg);
	memset(h, 0, sizeof *h);
}

/* One request with the bearer token. */
long
ctl_http_request(struct ctl_http *h, const char *method, const char *path,
    const char *json, char **resp)
{
	struct curl_slist	*hdrs = NULL;
	struct ctl_http_buf	 b = { NULL, 0 };
	char			*url = NULL, auth[512];
	long			 status = 0;
	CURLcode		 rc;

	*resp = NULL;
	if (asprintf(&url, "%s%s", h->base, path) == -1)
		return 0;
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", h->token);
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_reset(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, method);
	if (json != NULL)
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, ctl_http_write);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	rc = curl_easy_perform(h->curl);
	if (rc != CURLE_OK)
		fprintf(stderr, "replyctl: cannot reach replyd at %s (%s): is "
		    "it running (systemctl status replyd)?  The address is "
		    "\"listen\" in %s; --url gives another\n", h->base,
		    curl_easy_strerror(rc), h->cfg != NULL ? h->cfg->path :
		    "the configuration");
	else
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	free(url);
	*resp = b.data;
	return status;
}
