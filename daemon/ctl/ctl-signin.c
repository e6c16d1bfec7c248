/*
 * ctl-signin.c: `replyctl signin-link -c FILE [--url URL] [--token TOKEN]
 * PERSON` prints a sign-in link for a person (SPEC §15): public_url +
 * /signin/link?token=..., good once, within auth.link_ttl.  The running
 * daemon makes it (POST /v1/signin-links) with an admin's API token from
 * the configuration, so replyctl needs no Redis of its own.  With
 * auth.oidc configured, links sign in admins only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conf/config.h"
#include "ctl/ctl.h"
#include "ctl/ctl-http.h"

/* The first admin token of the configuration: a service token with the
 * admin role, or an admin person's. */
static const char *
ctl_signin_admin_token(const struct config *cfg)
{
	size_t	i;

	for (i = 0; cfg != NULL && i < cfg->ntokens; i++)
		if (cfg->tokens[i].role == ROLE_ADMIN)
			return cfg->tokens[i].secret;
	return NULL;
}

/* Usage, exit status 2. */
static int
ctl_signin_usage(void)
{
	fprintf(stderr, "usage: replyctl signin-link -c FILE [--url URL] "
	    "[--token TOKEN] PERSON\n");
	return 2;
}

/* replyctl signin-link */
int
ctl_signin(int argc, char **argv)
{
	struct ctl_http	 h;
	const char	*cfgpath = NULL, *url = NULL, *token = NULL;
	const char	*person = NULL, *admin;
	char		*body, *resp = NULL;
	cJSON		*j, *link, *detail;
	long		 status;
	int		 a, rc = 1;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-c") == 0 && a + 1 < argc)
			cfgpath = argv[++a];
		else if (strcmp(argv[a], "--url") == 0 && a + 1 < argc)
			url = argv[++a];
		else if (strcmp(argv[a], "--token") == 0 && a + 1 < argc)
			token = argv[++a];
		else if (argv[a][0] != '-' && person == NULL)
			person = argv[a];
		else
			return ctl_signin_usage();
	}
	if (person == NULL || (cfgpath == NULL && url == NULL))
		return ctl_signin_usage();
	if (ctl_http_open(&h, cfgpath, url, token) == -1)
		return 1;
	/* Making links is an admin's: prefer the configuration's admin
	 * token to the manager token ctl_http_open picks. */
	if (token == NULL && getenv("REPLYD_TOKEN") == NULL) {
		if ((admin = ctl_signin_admin_token(h.cfg)) == NULL) {
			fprintf(stderr, "replyctl: %s has no admin token "
			    "(api.tokens: a service token with \"role\": "
			    "\"admin\", or an admin person's): give --token\n",
			    cfgpath);
			ctl_http_close(&h);
			return 1;
		}
		h.token = admin;
	}
	if ((j = cJSON_CreateObject()) == NULL) {
		ctl_http_close(&h);
		return 1;
	}
	cJSON_AddStringToObject(j, "person", person);
	body = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	status = body ? ctl_http_request(&h, "POST", "/v1/signin-links", body,
	    &resp) : 0;
	free(body);
	j = resp != NULL ? cJSON_Parse(resp) : NULL;
	link = cJSON_GetObjectItemCaseSensitive(j, "link");
	if (status == 201 && cJSON_IsString(link)) {
		printf("%s\n", link->valuestring);
		rc = 0;
	} else if (status != 0) {
		detail = cJSON_GetObjectItemCaseSensitive(j, "detail");
		fprintf(stderr, "replyctl: signin-link: the daemon answered "
		    "%ld: %s\n", status, cJSON_IsString(detail) ?
		    detail->valuestring : "no detail");
	}
	cJSON_Delete(j);
	free(resp);
	ctl_http_close(&h);
	return rc;
}
