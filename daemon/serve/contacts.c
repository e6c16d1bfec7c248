/*
 * contacts.c: young people known to replyd (SPEC §6): PUT/GET/DELETE
 * /v1/contacts/{id}.  This file checks and normalises a contact (phone
 * numbers to E.164, email addresses to lower case), chooses its team and
 * answers HTTP; store/contacts.h stores the contact and the routing entry
 * of each of its addresses, which the ingest script reads to route a
 * message in the same round trip that stores it.
 *
 * A contact belongs to its team (SPEC §15): others answer 404 as if it did
 * not exist, and only the team's managers change it.  Every read of a
 * contact's details is recorded in the contact's read trail before the
 * details are returned; admins and the team's managers can read the trail.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/address.h"
#include "base/log.h"
#include "base/phone.h"
#include "conf/config.h"
#include "io/http.h"
#include "serve/api.h"
#include "serve/contacts.h"
#include "serve/server.h"
#include "store/auth.h"
#include "store/contacts.h"

struct contacts_put {
	struct api_call	*call;
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
};

int
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

/* Free a request's state. */
static void
contacts_put_free(struct contacts_put *c)
{
	free(c->name);
	free(c);
}

/* The change is stored (or not). */
static void
contacts_changed(enum store_contact_result res, void *arg)
{
	struct contacts_put	*c = arg;
	cJSON			*j;

	switch (res) {
	case STORE_CONTACT_FAILED:
		http_unavailable(c->req, "storage unavailable");
		break;
	case STORE_CONTACT_DELETED:
		http_reply(c->req, 204, NULL, NULL, 0);
		break;
	case STORE_CONTACT_MISSING:
		http_error(c->req, 404, "not found", "no such contact");
		break;
	case STORE_CONTACT_CREATED:
	case STORE_CONTACT_REPLACED:
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
		http_reply_json(c->req, res == STORE_CONTACT_REPLACED ? 200 :
		    201, j);
		break;
	}
	contacts_put_free(c);
}

/* Replace or delete the contact (its team's manager may). */
static void
contacts_store(struct contacts_put *c)
{
	struct store_contact	sc;
	int			rc;

	if (c->delete)
		rc = store_contact_delete(c->srv->db, c->id, contacts_changed,
		    c);
	else {
		sc.id = c->id;
		sc.name = c->name != NULL ? c->name : "";
		sc.phone = c->phone;
		sc.email = c->email;
		sc.worker = c->worker;
		sc.team = c->team;
		sc.receipt = c->receipt;
		rc = store_contact_put(c->srv->db, &sc, contacts_changed, c);
	}
	if (rc == -1) {
		http_unavailable(c->req, "storage unavailable");
		contacts_put_free(c);
	}
}

/* The contact as it is now is read: the caller must manage its team. */
static void
contacts_existing(const struct store_contact *old, int failed, void *arg)
{
	struct contacts_put	*c = arg;

	if (failed) {
		http_unavailable(c->req, "storage unavailable");
		contacts_put_free(c);
		return;
	}
	if (old == NULL && c->delete) {
		http_error(c->req, 404, "not found", "no such contact");
		contacts_put_free(c);
		return;
	}
	/* Moving a contact needs both teams: the one it leaves too. */
	if (old != NULL && !api_manage(c->call, old->team,
	    "no such contact")) {
		contacts_put_free(c);
		return;
	}
	contacts_store(c);
}

/* Check the contact's current team, then replace or delete it. */
static void
contacts_change(struct contacts_put *c)
{
	if (store_contact_get(c->srv->db, c->id, contacts_existing, c) == -1) {
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
	c->call = call;
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
	/* Texts from a staff phone are duty commands (SPEC §17). */
	if (c->phone[0] != '\0' && config_staff_phone(cfg, c->phone) != NULL) {
		http_error(req, 400, "bad request", "field \"phone\" is the "
		    "phone of staff member \"%s\": a staff phone is never a "
		    "contact (its texts take alerts, they never open a "
		    "conversation)", config_staff_phone(cfg, c->phone)->id);
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
	/* Without a team: the worker's team, else the one team a manager
	 * manages, else the default team. */
	for (i = 0; team == NULL && worker != NULL && i < cfg->nteams; i++)
		for (k = 0; k < cfg->teams[i].nworkers; k++)
			if (strcmp(cfg->teams[i].workers[k], worker) == 0)
				team = &cfg->teams[i];
	if (team == NULL)
		team = api_managed_team(call);
	if (team == NULL)
		team = cfg->default_team;
	if (!api_manage(call, team->id, "no such team"))
		goto fail;
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
	c->call = call;
	c->srv = srv;
	c->req = req;
	c->delete = 1;
	snprintf(c->id, sizeof c->id, "%s", id);
	contacts_change(c);
}

/* A string member, unless empty. */
static void
contacts_add(cJSON *j, const char *key, const char *v)
{
	if (v[0] != '\0')
		cJSON_AddStringToObject(j, key, v);
}

/* A contact's details, waiting for the read to be recorded. */
struct contacts_view {
	struct api_call	*call;
	cJSON		*json;
};

/* The read is recorded: only now are the details returned. */
static void
contacts_recorded(int failed, void *arg)
{
	struct contacts_view	*v = arg;

	if (failed) {
		log_warnx("contacts: a read could not be recorded; the details "
		    "were not returned");
		cJSON_Delete(v->json);
		http_unavailable(v->call->req, "the read trail is unavailable");
	} else
		http_reply_json(v->call->req, 200, v->json);
	free(v);
}

/* The contact was read for GET. */
static void
contacts_get_done(const struct store_contact *c, int failed, void *arg)
{
	struct api_call		*call = arg;
	struct http_req		*req = call->req;
	struct contacts_view	*v;
	cJSON			*j, *e;
	const char		*actor;
	char			*json;
	int			 service;

	if (failed) {
		http_unavailable(req, "storage unavailable");
		return;
	}
	if (c == NULL) {
		http_error(req, 404, "not found", "no such contact");
		return;
	}
	if (!api_see(call, c->team, "no such contact"))
		return;
	j = cJSON_CreateObject();
	contacts_add(j, "id", c->id);
	contacts_add(j, "name", c->name);
	contacts_add(j, "phone", c->phone);
	contacts_add(j, "email", c->email);
	contacts_add(j, "worker", c->worker);
	contacts_add(j, "team", c->team);
	cJSON_AddBoolToObject(j, "receipt", c->receipt);
	e = cJSON_CreateObject();
	actor = api_actor(call, &service);
	cJSON_AddStringToObject(e, "by", actor);
	if (service)
		cJSON_AddBoolToObject(e, "service", 1);
	cJSON_AddNumberToObject(e, "at", (double)api_now_ms(call));
	json = cJSON_PrintUnformatted(e);
	cJSON_Delete(e);
	if ((v = calloc(1, sizeof *v)) == NULL || json == NULL) {
		free(v);
		free(json);
		cJSON_Delete(j);
		http_unavailable(req, "out of memory");
		return;
	}
	v->call = call;
	v->json = j;
	if (store_contact_read(call->srv->db, c->id, json,
	    call->cfg->retention_meta, contacts_recorded, v) == -1) {
		cJSON_Delete(j);
		free(v);
		http_unavailable(req, "storage unavailable");
	}
	free(json);
}

/* GET /v1/contacts/{id} */
static void
contacts_get(struct api_call *call)
{
	struct http_req	*req = call->req;
	const char	*id = api_param(call, 0);

	if (!contacts_id_ok(id)) {
		http_error(req, 404, "not found", "no such contact");
		return;
	}
	if (store_contact_get(call->srv->db, id, contacts_get_done,
	    call) == -1)
		http_unavailable(req, "storage unavailable");
}

/* The read trail answered. */
static void
contacts_reads_done(const char **lines, size_t n, int failed, void *arg)
{
	struct api_call		*call = arg;
	const struct calendar	*cal = call->cfg->promise.calendar;
	cJSON			*j, *list, *e, *at;
	char			 buf[64];
	size_t			 i;

	if (failed) {
		http_unavailable(call->req, "storage unavailable");
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "contact", api_param(call, 0));
	list = cJSON_AddArrayToObject(j, "reads");
	for (i = 0; i < n; i++) {
		if ((e = cJSON_Parse(lines[i])) == NULL)
			continue;
		at = cJSON_GetObjectItemCaseSensitive(e, "at");
		if (cJSON_IsNumber(at)) {
			api_time(cal, (int64_t)at->valuedouble, buf,
			    sizeof buf);
			cJSON_ReplaceItemInObjectCaseSensitive(e, "at",
			    cJSON_CreateString(buf));
		}
		cJSON_AddItemToArray(list, e);
	}
	http_reply_json(call->req, 200, j);
}

/* The contact is read: its team's managers and admins see the trail. */
static void
contacts_reads_contact(const struct store_contact *c, int failed, void *arg)
{
	struct api_call	*call = arg;

	if (failed) {
		http_unavailable(call->req, "storage unavailable");
		return;
	}
	if (c == NULL) {
		http_error(call->req, 404, "not found", "no such contact");
		return;
	}
	if (!api_manage(call, c->team, "no such contact"))
		return;
	if (store_contact_reads(call->srv->db, c->id, contacts_reads_done,
	    call) == -1)
		http_unavailable(call->req, "storage unavailable");
}

/* GET /v1/contacts/{id}/reads: who read the contact's details, when. */
static void
contacts_reads(struct api_call *call)
{
	const char	*id = api_param(call, 0);

	if (!contacts_id_ok(id)) {
		http_error(call->req, 404, "not found", "no such contact");
		return;
	}
	if (store_contact_get(call->srv->db, id, contacts_reads_contact,
	    call) == -1)
		http_unavailable(call->req, "storage unavailable");
}

static const struct api_route contacts_routes[] = {
	{ HTTP_PUT, "/v1/contacts/*", ROLE_MANAGER, API_BODY | API_DB,
	    contacts_put },
	{ HTTP_GET, "/v1/contacts/*", ROLE_WORKER, API_DB, contacts_get },
	{ HTTP_GET, "/v1/contacts/*/reads", ROLE_MANAGER, API_DB,
	    contacts_reads },
	{ HTTP_DELETE, "/v1/contacts/*", ROLE_MANAGER, API_DB,
	    contacts_delete },
	{ 0, NULL, 0, 0, NULL }
};

const struct api_module contacts_api = {
	.name = "contacts",
	.routes = contacts_routes,
};
