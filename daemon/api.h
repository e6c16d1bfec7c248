/*
 * api.h: the staff HTTP API (SPEC §9) and the helpers its modules share
 * (token check, JSON bodies).  contacts.c adds the contact routes.
 */
#ifndef API_H
#define API_H

#include "config.h"

struct cJSON;
struct http_req;
struct server;

void	api_routes(struct server *);
void	api_free(struct server *);
void	contacts_routes(struct server *);

/* Check the bearer token and role; answers 401/403 and returns NULL. */
const struct config_token *api_auth(struct http_req *, struct server *,
	    enum config_role);
/* Answer 503 unless Redis is ready; -1 when it answered. */
int	api_need_db(struct http_req *, struct server *);
/* The body as a JSON object, or NULL after answering 400. */
struct cJSON *api_body(struct http_req *);
/* A string member; answers 400 and sets *failed when wrong. */
const char *api_string(struct http_req *, struct cJSON *, const char *key,
	    int required, int *failed);

#endif
