/*
 * plugin.c: loads channel plugins with dlopen(RTLD_NOW | RTLD_LOCAL),
 * checks their ABI version, and implements the host API table they call.
 * A replyd run from the build tree finds build/plugins beside its own
 * executable, so `make run` needs no configuration.
 */
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/config.h"
#include "io/fetch.h"
#include "base/form.h"
#include "base/html.h"
#include "base/log.h"
#include "base/mask.h"
#include "base/multipart.h"
#include "io/plugin.h"

#include "gen/paths.h"	/* generated: the installation paths */

#ifndef REPLYD_PLUGIN_DIR
#define REPLYD_PLUGIN_DIR "/usr/local/lib/replyd/plugins"
#endif

/* A parsed body handed to a plugin: form or multipart. */
struct replyd_form {
	int			is_multipart;
	struct form		form;
	struct multipart	mp;
};

/* The plugin folder: configured, beside the executable, or the default. */
const char *
plugin_dir(const struct config *cfg, char *buf, size_t len)
{
	char		 exe[PATH_MAX];
	ssize_t		 n;
	struct stat	 st;

	if (cfg->plugin_dir != NULL) {
		snprintf(buf, len, "%s", cfg->plugin_dir);
		return buf;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(buf, len, "%s/plugins", dirname(exe));
		if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return buf;
	}
	snprintf(buf, len, "%s", REPLYD_PLUGIN_DIR);
	return buf;
}

/* api->log: prefix lines with the channel's name. */
static void
plugin_log(struct replyd_host *h, enum replyd_log pri, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	switch (pri) {
	case REPLYD_LOG_ERR:
		log_error("%s: %s", h->name, buf);
		break;
	case REPLYD_LOG_WARNING:
		log_warnx("%s: %s", h->name, buf);
		break;
	case REPLYD_LOG_INFO:
		log_info("%s: %s", h->name, buf);
		break;
	default:
		log_debug("%s: %s", h->name, buf);
		break;
	}
}

/* api->config: a plugin's own section. */
static struct replyd_config *
plugin_config(struct replyd_host *h)
{
	return (struct replyd_config *)h;
}

/* api->config_string. */
static const char *
plugin_config_string(struct replyd_config *c, const char *key, int required,
    int secret)
{
	struct replyd_host	*h = (struct replyd_host *)c;
	struct jv		*v;
	char			*s, **ns;

	if ((v = jv_get(h->section, key)) == NULL) {
		if (required)
			jerr_at(h->errs, h->section, "%s: missing key \"%s\"",
			    jv_path(h->section), key);
		return NULL;
	}
	if (secret && v->type == JV_OBJECT) {
		if (config_secret(h->basedir, v, &s, h->errs) == -1)
			return NULL;
		ns = realloc(h->secrets, (h->nsecrets + 1) * sizeof *ns);
		if (ns == NULL) {
			free(s);
			return NULL;
		}
		h->secrets = ns;
		h->secrets[h->nsecrets++] = s;
		return s;
	}
	if (jv_expect(h->errs, v, JV_STRING) == -1)
		return NULL;
	if (v->len == 0 && required) {
		jerr_at(h->errs, v, "%s: must not be empty", jv_path(v));
		return NULL;
	}
	return v->str;
}

/* api->config_int. */
static long long
plugin_config_int(struct replyd_config *c, const char *key, long long def,
    long long min, long long max)
{
	struct replyd_host	*h = (struct replyd_host *)c;
	struct jv		*v;

	if ((v = jv_get(h->section, key)) == NULL)
		return def;
	if (jv_expect(h->errs, v, JV_NUMBER) == -1)
		return def;
	if (v->num != (double)(long long)v->num || v->num < (double)min ||
	    v->num > (double)max) {
		jerr_at(h->errs, v, "%s: expected a whole number from %lld to "
		    "%lld", jv_path(v), min, max);
		return def;
	}
	return (long long)v->num;
}

/* api->config_bool. */
static int
plugin_config_bool(struct replyd_config *c, const char *key, int def)
{
	struct replyd_host	*h = (struct replyd_host *)c;
	struct jv		*v;

	if ((v = jv_get(h->section, key)) == NULL)
		return def;
	if (jv_expect(h->errs, v, JV_TRUE) == -1)
		return def;
	return v->type == JV_TRUE;
}

/* api->config_error: at the key, or at the section. */
static void
plugin_config_error(struct replyd_config *c, const char *key,
    const char *fmt, ...)
{
	struct replyd_host	*h = (struct replyd_host *)c;
	struct jv		*v = key ? jv_get(h->section, key) : NULL;
	char			 buf[512];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (v == NULL)
		v = h->section;
	jerr_at(h->errs, v, "%s: %s", jv_path(v), buf);
}

/* api->public_url. */
static const char *
plugin_public_url(struct replyd_host *h)
{
	return h->public_url ? h->public_url : "";
}

/* api->name. */
static const char *
plugin_name(struct replyd_host *h)
{
	return h->name;
}

/* api->register_webhook: kept until the server routes it. */
static int
plugin_register_webhook(struct replyd_host *h, const struct replyd_webhook *w)
{
	struct replyd_webhook	*nw;
	size_t			 first = offsetof(struct replyd_webhook, free);

	if (w->size < first || w->path == NULL || w->handle == NULL ||
	    strncmp(w->path, "/webhooks/", 10) != 0) {
		jerr_at(h->errs, h->section, "%s: plugin %s registered a bad "
		    "webhook", jv_path(h->section), h->plugin);
		return -1;
	}
	nw = realloc(h->webhooks, (h->nwebhooks + 1) * sizeof *nw);
	if (nw == NULL)
		return -1;
	h->webhooks = nw;
	nw = &h->webhooks[h->nwebhooks++];
	memset(nw, 0, sizeof *nw);
	memcpy(nw, w, w->size < sizeof *nw ? w->size : sizeof *nw);
	nw->size = sizeof *nw;
	return 0;
}

/* api->register_page: "/" + the channel's name, or below it. */
static int
plugin_register_page(struct replyd_host *h, const struct replyd_page *pg)
{
	struct replyd_page	*np;
	size_t			 n = strlen(h->name), first;
	const char		*p;

	first = offsetof(struct replyd_page, free);
	p = pg->path;
	if (h->errs == NULL || pg->size < first || p == NULL ||
	    pg->handle == NULL || p[0] != '/' ||
	    strncmp(p + 1, h->name, n) != 0 ||
	    (p[1 + n] != '\0' && (p[1 + n] != '/' || p[2 + n] == '\0' ||
	    strchr(p + 2 + n, '/') != NULL))) {
		if (h->errs != NULL)
			jerr_at(h->errs, h->section, "%s: plugin %s registered "
			    "a bad page (its path must be /%s or /%s/NAME)",
			    jv_path(h->section), h->plugin, h->name, h->name);
		return -1;
	}
	np = realloc(h->pages, (h->npages + 1) * sizeof *np);
	if (np == NULL)
		return -1;
	h->pages = np;
	np = &h->pages[h->npages++];
	memset(np, 0, sizeof *np);
	memcpy(np, pg, pg->size < sizeof *np ? pg->size : sizeof *np);
	np->size = sizeof *np;
	return 0;
}

/* api->register_sender. */
static int
plugin_register_sender(struct replyd_host *h, const struct replyd_sender *s)
{
	/* The first layout ended at state; later fields may be missing. */
	size_t	first = offsetof(struct replyd_sender, whatsapp);

	if (s->size < first || s->send == NULL) {
		jerr_at(h->errs, h->section, "%s: plugin %s registered a bad "
		    "sender", jv_path(h->section), h->plugin);
		return -1;
	}
	memset(&h->sender, 0, sizeof h->sender);
	memcpy(&h->sender, s, s->size < sizeof *s ? s->size : sizeof *s);
	h->sender.size = sizeof h->sender;
	h->has_sender = 1;
	return 0;
}

/* api->register_backfill. */
static int
plugin_register_backfill(struct replyd_host *h,
    const struct replyd_backfill *b)
{
	if (b->size < offsetof(struct replyd_backfill, state) +
	    sizeof b->state || b->fetch == NULL || h->has_backfill) {
		jerr_at(h->errs, h->section, "%s: plugin %s registered a bad "
		    "backfill", jv_path(h->section), h->plugin);
		return -1;
	}
	memset(&h->backfill, 0, sizeof h->backfill);
	memcpy(&h->backfill, b, b->size < sizeof *b ? b->size : sizeof *b);
	h->backfill.size = sizeof h->backfill;
	h->has_backfill = 1;
	return 0;
}

/* api->now. */
static int64_t
plugin_now(struct replyd_host *h)
{
	const struct plugin_env	*env = h->set->env;

	return env != NULL && env->now != NULL ? env->now(env->arg) :
	    (int64_t)time(NULL);
}

/* api->form_parse. */
static struct replyd_form *
plugin_form_parse(const char *body, size_t len, char *err, size_t errlen)
{
	struct replyd_form	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return NULL;
	if (form_parse(body, len, &f->form, err, errlen) == -1) {
		free(f);
		return NULL;
	}
	return f;
}

/* api->multipart_parse. */
static struct replyd_form *
plugin_multipart_parse(const char *ctype, const char *body, size_t len,
    char *err, size_t errlen)
{
	struct replyd_form	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return NULL;
	f->is_multipart = 1;
	if (multipart_parse(ctype, body, len, &f->mp, err, errlen) == -1) {
		free(f);
		return NULL;
	}
	return f;
}

/* api->form_count. */
static size_t
plugin_form_count(const struct replyd_form *f)
{
	return f->is_multipart ? f->mp.n : f->form.n;
}

/* api->form_field. */
static int
plugin_form_field(const struct replyd_form *f, size_t i, const char **name,
    size_t *name_len, const char **value, size_t *value_len,
    const char **filename)
{
	if (i >= plugin_form_count(f))
		return -1;
	if (f->is_multipart) {
		const struct multipart_part *p = &f->mp.parts[i];

		*name = p->name;
		*name_len = strlen(p->name);
		*value = p->data;
		*value_len = p->len;
		if (filename != NULL)
			*filename = p->filename;
	} else {
		const struct form_pair *p = &f->form.pairs[i];

		*name = p->key;
		*name_len = p->key_len;
		*value = p->value;
		*value_len = p->value_len;
		if (filename != NULL)
			*filename = NULL;
	}
	return 0;
}

/* api->form_get. */
static const char *
plugin_form_get(const struct replyd_form *f, const char *name, size_t *len)
{
	if (f->is_multipart) {
		const struct multipart_part *p = multipart_get(&f->mp, name);

		if (p == NULL)
			return NULL;
		if (len != NULL)
			*len = p->len;
		return p->data;
	} else {
		const struct form_pair *p = form_get(&f->form, name);

		if (p == NULL)
			return NULL;
		if (len != NULL)
			*len = p->value_len;
		return p->value;
	}
}

/* api->form_free. */
static void
plugin_form_free(struct replyd_form *f)
{
	if (f == NULL)
		return;
	if (f->is_multipart)
		multipart_free(&f->mp);
	else
		form_free(&f->form);
	free(f);
}

/* api->http: through the shared libcurl multi handle. */
static int
plugin_http(struct replyd_host *h, const struct replyd_http_request *req,
    replyd_http_done done, void *arg)
{
	if (h->set->env == NULL || h->set->env->fetch == NULL)
		return -1;
	return fetch_http(h->set->env->fetch, req, done, arg);
}

/* api->smtp: through the shared libcurl multi handle. */
static int
plugin_smtp(struct replyd_host *h, const struct replyd_smtp_request *req,
    replyd_http_done done, void *arg)
{
	if (h->set->env == NULL || h->set->env->fetch == NULL)
		return -1;
	return fetch_smtp(h->set->env->fetch, req, done, arg);
}

static const struct replyd_host_api plugin_host_api = {
	.abi = REPLYD_PLUGIN_ABI,
	.size = sizeof(struct replyd_host_api),
	.log = plugin_log,
	.mask_phone = mask_phone,
	.mask_email = mask_email,
	.config = plugin_config,
	.config_string = plugin_config_string,
	.config_int = plugin_config_int,
	.config_bool = plugin_config_bool,
	.config_error = plugin_config_error,
	.public_url = plugin_public_url,
	.name = plugin_name,
	.register_webhook = plugin_register_webhook,
	.register_sender = plugin_register_sender,
	.now = plugin_now,
	.form_parse = plugin_form_parse,
	.multipart_parse = plugin_multipart_parse,
	.form_count = plugin_form_count,
	.form_field = plugin_form_field,
	.form_get = plugin_form_get,
	.form_free = plugin_form_free,
	.html_to_text = html_to_text,
	.http = plugin_http,
	.smtp = plugin_smtp,
	.register_backfill = plugin_register_backfill,
	.register_page = plugin_register_page,
};

/* Without a host that serves pages (replyd -n), none is requested. */
static const char *
plugin_no_page_string(struct replyd_page_request *r)
{
	return NULL;
}

static const char *
plugin_no_page_named(struct replyd_page_request *r, const char *name)
{
	return NULL;
}

static const char *
plugin_no_page_body(struct replyd_page_request *r, size_t *len)
{
	if (len != NULL)
		*len = 0;
	return "";
}

static void
plugin_no_page_reply(struct replyd_page_request *r,
    const struct replyd_page_reply *reply)
{
}

static int
plugin_no_submit(struct replyd_host *h, const struct replyd_message *m,
    replyd_submit_done done, void *arg)
{
	return -1;
}

/* Without an inbound host (replyd -n), requests never arrive. */
static const char *
plugin_no_header(struct replyd_request *r, const char *name)
{
	return NULL;
}

static const char *
plugin_no_body(struct replyd_request *r, size_t *len)
{
	if (len != NULL)
		*len = 0;
	return "";
}

static const char *
plugin_no_string(struct replyd_request *r)
{
	return NULL;
}

static void
plugin_no_accept(struct replyd_request *r, const struct replyd_message *m)
{
}

static void
plugin_no_refuse(struct replyd_request *r, int status, const char *reason,
    const char *field, const char *detail)
{
}

static void
plugin_no_receipt(struct replyd_request *r, const struct replyd_receipt *rc)
{
}

/* A set's API table: the common calls and its host's request calls. */
static void
plugin_api_init(struct plugins *ps, const struct plugin_env *env)
{
	ps->api = plugin_host_api;
	ps->env = env;
	ps->api.req_header = env && env->req_header ? env->req_header :
	    plugin_no_header;
	ps->api.req_body = env && env->req_body ? env->req_body :
	    plugin_no_body;
	ps->api.req_path = env && env->req_path ? env->req_path :
	    plugin_no_string;
	ps->api.req_query = env && env->req_query ? env->req_query :
	    plugin_no_string;
	ps->api.accept = env && env->accept ? env->accept : plugin_no_accept;
	ps->api.refuse = env && env->refuse ? env->refuse : plugin_no_refuse;
	ps->api.receipt = env && env->receipt ? env->receipt :
	    plugin_no_receipt;
	ps->api.page_method = env && env->page_method ? env->page_method :
	    plugin_no_page_string;
	ps->api.page_path = env && env->page_path ? env->page_path :
	    plugin_no_page_string;
	ps->api.page_query = env && env->page_query ? env->page_query :
	    plugin_no_page_named;
	ps->api.page_header = env && env->page_header ? env->page_header :
	    plugin_no_page_named;
	ps->api.page_body = env && env->page_body ? env->page_body :
	    plugin_no_page_body;
	ps->api.page_reply = env && env->page_reply ? env->page_reply :
	    plugin_no_page_reply;
	ps->api.submit = env && env->submit ? env->submit : plugin_no_submit;
}

/* The API table plugins of this set were given. */
const struct replyd_host_api *
plugin_api(const struct plugins *ps)
{
	return &ps->api;
}

/* Does webhook i free its state (not freed by the sender or before)? */
static int
plugin_webhook_frees(const struct replyd_host *h, size_t i)
{
	const struct replyd_webhook	*w = &h->webhooks[i];
	size_t				 j;

	if (w->free == NULL)
		return 0;
	if (h->has_sender && h->sender.free != NULL &&
	    h->sender.state == w->state)
		return 0;
	for (j = 0; j < i; j++)
		if (h->webhooks[j].free != NULL &&
		    h->webhooks[j].state == w->state)
			return 0;
	return 1;
}

/* Does page i free its state (not freed by the sender, a webhook or an
 * earlier page)? */
static int
plugin_page_frees(const struct replyd_host *h, size_t i)
{
	const struct replyd_page	*p = &h->pages[i];
	size_t				 j;

	if (p->free == NULL)
		return 0;
	if (h->has_sender && h->sender.free != NULL &&
	    h->sender.state == p->state)
		return 0;
	for (j = 0; j < h->nwebhooks; j++)
		if (h->webhooks[j].free != NULL &&
		    h->webhooks[j].state == p->state)
			return 0;
	for (j = 0; j < i; j++)
		if (h->pages[j].free != NULL && h->pages[j].state == p->state)
			return 0;
	return 1;
}

/* Free one loaded plugin. */
static void
plugin_host_free(struct replyd_host *h)
{
	size_t	i;

	if (h == NULL)
		return;
	if (h->has_sender && h->sender.free != NULL)
		h->sender.free(h->sender.state);
	for (i = 0; i < h->nwebhooks; i++)
		if (plugin_webhook_frees(h, i))
			h->webhooks[i].free(h->webhooks[i].state);
	for (i = 0; i < h->npages; i++)
		if (plugin_page_frees(h, i))
			h->pages[i].free(h->pages[i].state);
	for (i = 0; i < h->nsecrets; i++) {
		explicit_bzero(h->secrets[i], strlen(h->secrets[i]));
		free(h->secrets[i]);
	}
	free(h->secrets);
	free(h->webhooks);
	free(h->pages);
	/* Unloading is skipped under sanitizers' leak checks for symbols. */
	if (h->dl != NULL)
		dlclose(h->dl);
	free(h->name);
	free(h->plugin);
	free(h);
}

/* Load one plugin for a channel or notifier section. */
static struct replyd_host *
plugin_load_one(const char *dir, const char *name, const char *plugin,
    struct jv *section, struct jv *where, struct config *cfg,
    struct plugins *ps, struct jerrs *errs)
{
	struct replyd_host	*h;
	const unsigned		*abi;
	int			(*init)(const struct replyd_host_api *,
				    struct replyd_host *);
	char			 path[PATH_MAX];
	size_t			 before = errs->n;

	if (strchr(plugin, '/') != NULL || plugin[0] == '.' ||
	    plugin[0] == '\0') {
		jerr_key(errs, where, "\"%s\" is not a plugin name", plugin);
		return NULL;
	}
	if (section->type != JV_OBJECT) {
		jv_expect(errs, section, JV_OBJECT);
		return NULL;
	}
	snprintf(path, sizeof path, "%s/%s.so", dir, plugin);
	if ((h = calloc(1, sizeof *h)) == NULL)
		return NULL;
	h->name = strdup(name);
	h->plugin = strdup(plugin);
	h->section = section;
	h->basedir = cfg->basedir;
	h->errs = errs;
	h->set = ps;
	h->public_url = cfg->public_url;
	if ((h->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		jerr_key(errs, where, "cannot load plugin \"%s\": %s", plugin,
		    dlerror());
		plugin_host_free(h);
		return NULL;
	}
	abi = dlsym(h->dl, "replyd_plugin_abi");
	*(void **)&init = dlsym(h->dl, "replyd_plugin_init");
	if (abi == NULL || init == NULL) {
		jerr_key(errs, where, "%s is not a replyd plugin (no "
		    "replyd_plugin_abi or replyd_plugin_init)", path);
		plugin_host_free(h);
		return NULL;
	}
	if (*abi != REPLYD_PLUGIN_ABI) {
		jerr_key(errs, where, "plugin \"%s\" was built for plugin ABI "
		    "%u, this replyd speaks ABI %u: rebuild the plugin",
		    plugin, *abi, REPLYD_PLUGIN_ABI);
		plugin_host_free(h);
		return NULL;
	}
	if (init(&ps->api, h) == -1) {
		/* A failing plugin frees its own state: forget it. */
		h->has_sender = 0;
		h->has_backfill = 0;
		h->nwebhooks = 0;
		h->npages = 0;
		if (errs->n == before)
			jerr_key(errs, where, "plugin \"%s\" failed to start",
			    plugin);
	}
	jv_unknown_keys(section, errs);
	h->errs = NULL;
	if (errs->n > before) {
		plugin_host_free(h);
		return NULL;
	}
	return h;
}

/* Add a loaded plugin to the set. */
static int
plugins_add(struct plugins *ps, struct replyd_host *h)
{
	struct replyd_host	**nh;

	nh = realloc(ps->hosts, (ps->n + 1) * sizeof *nh);
	if (nh == NULL)
		return -1;
	ps->hosts = nh;
	ps->hosts[ps->n++] = h;
	return 0;
}

/* Load every channel and notifier plugin the configuration names. */
int
plugins_load(struct plugins *ps, struct config *cfg,
    const struct plugin_env *env, struct jerrs *errs)
{
	char			 dir[PATH_MAX];
	struct jv		*c, *p;
	struct replyd_host	*h;
	size_t			 before = errs->n;

	plugin_api_init(ps, env);
	plugin_dir(cfg, dir, sizeof dir);
	if (cfg->channels != NULL)
		for (c = cfg->channels->child; c != NULL; c = c->next) {
			h = plugin_load_one(dir, c->key, c->key, c, c, cfg,
			    ps, errs);
			if (h != NULL && plugins_add(ps, h) == -1)
				plugin_host_free(h);
		}
	if (cfg->notifiers != NULL)
		for (c = cfg->notifiers->child; c != NULL; c = c->next) {
			if (c->type != JV_OBJECT ||
			    (p = jv_get(c, "plugin")) == NULL ||
			    p->type != JV_STRING) {
				jerr_at(errs, c, "notifiers.%s: expected "
				    "{\"plugin\": NAME, ...}", c->key);
				continue;
			}
			h = plugin_load_one(dir, c->key, p->str, c, p, cfg,
			    ps, errs);
			if (h != NULL && !h->has_sender) {
				jerr_at(errs, p, "notifiers.%s: plugin \"%s\" "
				    "cannot send", c->key, p->str);
				plugin_host_free(h);
				continue;
			}
			if (h != NULL && plugins_add(ps, h) == -1)
				plugin_host_free(h);
		}
	return errs->n > before ? -1 : 0;
}

/* Unload every plugin. */
void
plugins_free(struct plugins *ps)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		plugin_host_free(ps->hosts[i]);
	free(ps->hosts);
	ps->hosts = NULL;
	ps->n = 0;
}

/* A loaded channel or notifier by name. */
struct replyd_host *
plugins_find(const struct plugins *ps, const char *name)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->hosts[i]->name, name) == 0)
			return ps->hosts[i];
	return NULL;
}

/* Load every plugin once to check its configuration, then unload. */
int
plugin_check(struct config *cfg, struct jerrs *errs)
{
	struct plugins	*ps;
	int		 rc;

	if ((ps = calloc(1, sizeof *ps)) == NULL)
		return -1;
	rc = plugins_load(ps, cfg, NULL, errs);
	plugins_free(ps);
	free(ps);
	return rc;
}

/* Load every plugin once and say what the set can reach. */
int
plugin_check_reach(struct config *cfg, struct jerrs *errs,
    struct plugin_reach *r)
{
	struct plugins		*ps;
	struct replyd_host	*h;
	size_t			 i;
	int			 rc;

	memset(r, 0, sizeof *r);
	if ((ps = calloc(1, sizeof *ps)) == NULL)
		return -1;
	rc = plugins_load(ps, cfg, NULL, errs);
	for (i = 0; i < ps->n; i++) {
		size_t	k;

		h = ps->hosts[i];
		r->webhooks += h->nwebhooks;
		/* A page that takes a form brings messages in too (sandbox). */
		for (k = 0; k < h->npages; k++)
			r->webhooks += h->pages[k].post != 0;
		if (h->has_sender && jv_get(cfg->notifiers, h->name) != NULL)
			r->notifiers++;
	}
	if (cfg->alert_sms != NULL &&
	    (h = plugins_find(ps, cfg->alert_sms)) != NULL &&
	    h->has_sender && h->sender.sms)
		r->alert_sms = 1;
	if (cfg->alert_email != NULL &&
	    (h = plugins_find(ps, cfg->alert_email)) != NULL &&
	    h->has_sender && h->sender.email)
		r->alert_email = 1;
	plugins_free(ps);
	free(ps);
	return rc;
}
