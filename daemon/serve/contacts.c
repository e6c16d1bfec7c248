/*
 * contacts.c: young people known to replyd (SPEC §6): PUT/GET/DELETE
 * /v1/contacts/{id}.  A contact is stored once (rd:contact:ID) and
 * indexed by each of its addresses in that address's partition
 * (rd:{P}:r:HASH), so the ingest script routes a message in the same
 * round trip that stores it.  Phone numbers are normalised to E.164.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "serve/api.h"
#include "serve/contacts.h"
#include "conf/config.h"
#include "io/db.h"
#include "io/http.h"
#include "base/log.h"
#include "base/phone.h"
#include "serve/server.h"
#include "store/store.h"
#include "base/address.h"

struct contacts_put {
	struct server	*srv;
	struct http_req	*req;
	char		 id[65];
	char		*name;
	char		 phone[32];
	char		 email[320];
	char		 worker[128];
	char		 team[128];
	int		 receipt;
	int		 delete;
	int		 existed;
};

/* Check a contact id: 1-64 of [A-Za-z0-9._-]. */
static int
contacts_id_ok(const char *id)
{
	size_t	i, n = id ? strlen(id) : 0;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '.' &&
		    id[i] != '_' && id[i] != '-')
			return 0;
	return 1;
}

/* The routing key of an address. */
static void
contacts_route_key(const char *addr, char *buf, size_t len)
{
	char	ah[41];
	int	p = store_partition(addr, ah);

	snprintf(buf, len, "rd:{%d}:r:%s", p, ah);
}

/* Free a request's state. */
static void
contacts_put_free(struct contacts_put *c)
{
	free(c->name);
	free(c);
}

/* EXEC answered: the change is stored. */
static void
contacts_exec_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct contacts_put	*c = arg;
	cJSON			*j;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		http_unavailable(c->req, "storage unavailable");
		contacts_put_free(c);
		return;
	}
	if (c->delete) {
		if (c->existed)
			http_reply(c->req, 204, NULL, NULL, 0);
		else
			http_error(c->req, 404, "not found", "no such contact");
		contacts_put_free(c);
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", c->id);
	if (c->name != NULL)
		cJSON_AddStringToObject(j, "name", c->name);
	if (c->phone[0] != '\0')
		cJSON_AddStringToObject(j, "phone", c->phone);
	if (c->email[0] != '\0')
		cJSON_AddStringToObject(j, "email", c->email);
	if (c->worker[0] != '\0')
		cJSON_AddStringToObject(j, "worker", c->worker);
	cJSON_AddStringToObject(j, "team", c->team);
	cJSON_AddBoolToObject(j, "receipt", c->receipt);
	http_reply_json(c->req, c->existed ? 200 : 201, j);
	contacts_put_free(c);
}

/* MULTI and the queued commands: their own replies carry nothing. */
static void
contacts_ignore(struct db *db, redisReply *r, const char *err, void *arg)
{
}

/* The old addresses are known: replace the contact in one MULTI. */
static void
contacts_old_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct contacts_put	*c = arg;
	char			 key[96], ckey[96];
	size_t			 i;
	int			 rc = 0;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
		http_unavailable(c->req, "storage unavailable");
		contacts_put_free(c);
		return;
	}
	c->existed = r->element[0]->type == REDIS_REPLY_STRING ||
	    r->element[1]->type == REDIS_REPLY_STRING;
	snprintf(ckey, sizeof ckey, "rd:contact:%s", c->id);
	/* Commands on one connection are never interleaved with others. */
	rc |= db_command(db, contacts_ignore, NULL, "MULTI");
	for (i = 0; i < 2; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    r->element[i]->len > 0) {
			contacts_route_key(r->element[i]->str, key, sizeof key);
			rc |= db_command(db, contacts_ignore, NULL, "DEL %s",
			    key);
		}
	rc |= db_command(db, contacts_ignore, NULL, "DEL %s", ckey);
	if (!c->delete) {
		rc |= db_command(db, contacts_ignore, NULL, "HSET %s id %s "
		    "name %s phone %s email %s worker %s team %s receipt %d",
		    ckey, c->id, c->name ? c->name : "", c->phone, c->email,
		    c->worker, c->team, c->receipt);
		if (c->phone[0] != '\0') {
			contacts_route_key(c->phone, key, sizeof key);
			rc |= db_command(db, contacts_ignore, NULL, "HSET %s "
			    "contact %s team %s worker %s receipt %d", key,
			    c->id, c->team, c->worker, c->receipt);
		}
		if (c->email[0] != '\0') {
			contacts_route_key(c->email, key, sizeof key);
			rc |= db_command(db, contacts_ignore, NULL, "HSET %s "
			    "contact %s team %s worker %s receipt %d", key,
			    c->id, c->team, c->worker, c->receipt);
		}
	}
	if (rc != 0 || db_command(db, contacts_exec_done, c, "EXEC") == -1) {
		/* The connection dropped mid-way: MULTI dies with it. */
		http_unavailable(c->req, "storage unavailable");
		contacts_put_free(c);
	}
}

/* Read the old addresses, then replace or delete. */
static void
contacts_change(struct contacts_put *c)
{
	if (db_command(c->srv->db, contacts_old_done, c,
	    "HMGET rd:contact:%s phone email", c->id) == -1) {
		http_unavailable(c->req, "storage unavailable");
		contacts_put_free(c);
	}
}

/* PUT /v1/contacts/{id} */
static void
contacts_put(struct api_call *call)
{
	struct http_req			*req = call->req;
	struct server			*srv = call->srv;
	const struct config		*cfg = call->cfg;
	struct contacts_put		*c;
	const struct config_team	*team = NULL;
	const char			*id = api_param(call, 0);
	const char			*name, *phone, *email, *worker, *tname;
	cJSON				*rc;
	size_t				 i, k;
	int				 failed = 0;

	if (!contacts_id_ok(id)) {
		http_error(req, 400, "bad request", "a contact id is 1-64 "
		    "letters, digits, '.', '_' or '-'");
		return;
	}
	name = api_string(call, "name", 0, &failed);
	phone = api_string(call, "phone", 0, &failed);
	email = api_string(call, "email", 0, &failed);
	worker = api_string(call, "worker", 0, &failed);
	tname = api_string(call, "team", 0, &failed);
	if (failed)
		return;
	rc = cJSON_GetObjectItemCaseSensitive(call->body, "receipt");
	if (rc != NULL && !cJSON_IsBool(rc)) {
		http_error(req, 400, "bad request", "field \"receipt\" must be "
		    "true or false");
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	c->srv = srv;
	c->req = req;
	snprintf(c->id, sizeof c->id, "%s", id);
	c->receipt = rc == NULL || cJSON_IsTrue(rc);
	if (name != NULL && (c->name = strdup(name)) == NULL)
		goto fail503;
	if (phone == NULL && email == NULL) {
		http_error(req, 400, "bad request", "a contact needs \"phone\" "
		    "or \"email\"");
		goto fail;
	}
	if (phone != NULL && phone_normalise(phone, "44", c->phone,
	    sizeof c->phone) == -1) {
		http_error(req, 400, "bad request", "field \"phone\" is not a "
		    "phone number");
		goto fail;
	}
	if (email != NULL && address_email(email, c->email,
	    sizeof c->email) == -1) {
		http_error(req, 400, "bad request", "field \"email\" is not an "
		    "email address");
		goto fail;
	}
	if (worker != NULL) {
		if (config_person(cfg, worker) == NULL) {
			http_error(req, 400, "bad request", "field \"worker\": "
			    "no person \"%s\"", worker);
			goto fail;
		}
		snprintf(c->worker, sizeof c->worker, "%s", worker);
	}
	if (tname != NULL && (team = config_team(cfg, tname)) == NULL) {
		http_error(req, 400, "bad request", "field \"team\": no team "
		    "\"%s\"", tname);
		goto fail;
	}
	/* Without a team: the worker's team, else the default team. */
	for (i = 0; team == NULL && worker != NULL && i < cfg->nteams; i++)
		for (k = 0; k < cfg->teams[i].nworkers; k++)
			if (strcmp(cfg->teams[i].workers[k], worker) == 0)
				team = &cfg->teams[i];
	if (team == NULL)
		team = cfg->default_team;
	snprintf(c->team, sizeof c->team, "%s", team->id);
	contacts_change(c);
	return;
fail503:
	http_unavailable(req, "out of memory");
fail:
	contacts_put_free(c);
}

/* DELETE /v1/contacts/{id} */
static void
contacts_delete(struct api_call *call)
{
	struct http_req		*req = call->req;
	struct server		*srv = call->srv;
	struct contacts_put	*c;
	const char		*id = api_param(call, 0);

	if (!contacts_id_ok(id)) {
		http_error(req, 404, "not found", "no such contact");
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		http_unavailable(req, "out of memory");
		return;
	}
	c->srv = srv;
	c->req = req;
	c->delete = 1;
	snprintf(c->id, sizeof c->id, "%s", id);
	contacts_change(c);
}

/* HGETALL answered for GET. */
static void
contacts_get_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct http_req	*req = arg;
	cJSON		*j;
	size_t		 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		http_unavailable(req, "storage unavailable");
		return;
	}
	if (r->elements == 0) {
		http_error(req, 404, "not found", "no such contact");
		return;
	}
	j = cJSON_CreateObject();
	for (i = 0; i + 1 < r->elements; i += 2) {
		const char *k = r->element[i]->str, *v = r->element[i + 1]->str;

		if (k == NULL || v == NULL || v[0] == '\0')
			continue;
		if (strcmp(k, "receipt") == 0)
			cJSON_AddBoolToObject(j, k, strcmp(v, "0") != 0);
		else
			cJSON_AddStringToObject(j, k, v);
	}
	http_reply_json(req, 200, j);
}

/* GET /v1/contacts/{id} */
static void
contacts_get(struct api_call *call)
{
	struct http_req	*req = call->req;
	struct server	*srv = call->srv;
	const char	*id = api_param(call, 0);

	if (!contacts_id_ok(id)) {
		http_error(req, 404, "not found", "no such contact");
		return;
	}
	if (db_command(srv->db, contacts_get_done, req,
	    "HGETALL rd:contact:%s", id) == -1)
		http_unavailable(req, "storage unavailable");
}

static const struct api_route contacts_routes[] = {
	{ HTTP_PUT, "/v1/contacts/*", ROLE_MANAGER, API_BODY | API_DB,
	    contacts_put },
	{ HTTP_GET, "/v1/contacts/*", ROLE_WORKER, API_DB, contacts_get },
	{ HTTP_DELETE, "/v1/contacts/*", ROLE_MANAGER, API_DB,
	    contacts_delete },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module contacts_api = {
	.name = "contacts",
	.routes = contacts_routes,
};
