/*
 * escalate.c: see escalate.h.  Several replyd instances may run against
 * one Redis: the claim script moves a due item to the stream exactly once,
 * the consumer group hands each stream entry to one instance, and an entry
 * is deleted only after its alerts were delivered (or definitely failed).
 * A crash between claim and acknowledgement leaves the entry pending; an
 * instance takes it over after escalation.claim_idle.  A duplicate alert
 * after a crash is acceptable; a missed one is not.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "rules/calendar.h"
#include "conf/config.h"
#include "io/db.h"
#include "serve/escalate.h"
#include "serve/gen.h"
#include "base/log.h"
#include "base/metrics.h"
#include "io/plugin.h"
#include "serve/send.h"
#include "serve/server.h"
#include "store/conv.h"
#include "store/store.h"

#define ESC_TICK_MS		500	/* other instances add due items too */
#define ESC_CLAIM_LIMIT		500
#define ESC_READ_COUNT		64
#define ESC_GROUP		"replyd"
#define ESC_MAX_TARGETS		16

struct escalate {
	struct server	*srv;
	struct db	*rdb;		/* blocking stream reads only */
	struct event	*tick_ev;
	struct event	*read_ev;
	struct event	*claim_ev;
	char		 consumer[128];
	int		 reading;
	int		 ticking;
	int		 again;		/* something fell due mid-tick */
	int		 groups_ready;
	int		 inflight;
	int64_t		 next_due;
	struct esc_item	*items;		/* being delivered */
};

struct esc_item;

struct esc_target {
	struct esc_item		*item;
	struct replyd_host	*hosts[2];	/* first choice, fallback */
	const char		*to[2];
	int			 tried;
	char			 label[64];
};

struct esc_item {
	struct escalate		*e;
	struct gen		*gen;		/* pinned while delivering */
	struct esc_item		*next;
	int			 p;
	char			 entry[64];	/* stream entry id */
	char			 conv[32];
	char			 kind[16];	/* step number, "w", or "uN" */
	int64_t			 due_ms;
	int64_t			 claimed_ms;
	int			 step;		/* -1 for urgent and waiting */
	const char		*event;
	char			 team[128];
	char			 worker[128];
	int64_t			 deadline_ms;
	struct esc_target	 targets[ESC_MAX_TARGETS];
	int			 ntargets;
	int			 pending;
	int			 delivered;
	int			 failed;
	char			 text[1024];
	char			 subject[128];
	char			 due_at[64];
	char			 link[256];
};

/*
 * KEYS: due, stream.  ARGV: prefix, limit, ack pause granularity.
 * Returns {claimed, next due (ms) or -1}.
 */
static struct db_script esc_claim_script = {
	.name = "claim",
	.source =
"local t = redis.call('TIME')\n"
"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
"local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now,\n"
"  'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))\n"
"local n = 0\n"
"for i = 1, #due, 2 do\n"
"  local m, score = due[i], due[i + 1]\n"
"  redis.call('ZREM', KEYS[1], m)\n"
"  local id, kind = string.match(m, '^(.-):(.+)$')\n"
"  local c = ARGV[1] .. 'c:' .. (id or '')\n"
"  local f = redis.call('HMGET', c, 'state', 'step', 'ack_until')\n"
"  if id and f[1] == 'awaiting' then\n"
"    local ack = tonumber(f[3] or '0')\n"
"    if string.match(kind, '^%d+$') and kind ~= f[2] then\n"
"      -- a stale step: the conversation moved on\n"
"    elseif string.match(kind, '^%d+$') and ack > now then\n"
"      redis.call('ZADD', KEYS[1], ack, m)\n"
"    else\n"
"      redis.call('XADD', KEYS[2], '*', 'id', id, 'kind', kind,\n"
"        'due', score, 'claimed', now)\n"
"      n = n + 1\n"
"    end\n"
"  end\n"
"end\n"
"local nx = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')\n"
"return {n, nx[2] or '-1'}\n"
};

/*
 * Move a conversation to its next step.  KEYS: conversation, due.
 * ARGV: id, step, next due (ms) or -1.  Idempotent: a repeat is a no-op.
 */
static struct db_script esc_advance_script = {
	.name = "advance",
	.source =
"local f = redis.call('HMGET', KEYS[1], 'state', 'step')\n"
"if f[1] ~= 'awaiting' or f[2] ~= ARGV[2] then return 0 end\n"
"local nx = tonumber(ARGV[2]) + 1\n"
"redis.call('HSET', KEYS[1], 'step', nx)\n"
"if ARGV[3] ~= '-1' then\n"
"  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1] .. ':' .. nx)\n"
"end\n"
"return 1\n"
};

static void	esc_deliver_entry(struct escalate *, int, const redisReply *);
static void	esc_read(struct escalate *);

/* Arm a timer ms from now. */
static void
esc_arm(struct event *ev, int64_t ms)
{
	struct timeval	tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/* The partition's keys. */
static void
esc_keys(int p, char *due, char *stream, char *pfx, size_t len)
{
	snprintf(due, len, "rd:{%d}:due", p);
	snprintf(stream, len, "rd:{%d}:esc", p);
	snprintf(pfx, len, "rd:{%d}:", p);
}

struct esc_tick {
	struct escalate	*e;
	int		 pending;
	int64_t		 next;
	int		 claimed;
};

/* One partition's claim answered. */
static void
esc_claim_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_tick	*t = arg;
	struct escalate	*e = t->e;
	int64_t		 nx, now, wait;

	if (e->srv->closing) {
		if (--t->pending == 0)
			free(t);
		return;
	}
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
		t->claimed += (int)r->element[0]->integer;
		nx = r->element[1]->str ? strtoll(r->element[1]->str, NULL,
		    10) : -1;
		if (nx >= 0 && (t->next < 0 || nx < t->next))
			t->next = nx;
	} else if (err != NULL)
		log_debug("escalation claim: %s", err);
	if (--t->pending > 0)
		return;
	e->ticking = 0;
	if (t->claimed > 0)
		log_debug("escalation: %d items fell due", t->claimed);
	now = server_time_ms(e->srv);
	wait = ESC_TICK_MS;
	if (t->next >= 0 && t->next - now < wait)
		wait = t->next - now;
	if (e->again)
		wait = 0;
	e->again = 0;
	e->next_due = t->next;
	esc_arm(e->tick_ev, wait);
	free(t);
}

/* Claim what is due in every partition. */
static void
esc_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct escalate	*e = arg;
	struct esc_tick	*t;
	char		 due[32], stream[32], pfx[32], lim[16];
	const char	*argv[5];
	int		 p;

	if (e->ticking || e->srv->draining)
		return;
	if (!db_ready(e->srv->db) || (t = calloc(1, sizeof *t)) == NULL) {
		esc_arm(e->tick_ev, ESC_TICK_MS);
		return;
	}
	t->e = e;
	t->next = -1;
	e->ticking = 1;
	snprintf(lim, sizeof lim, "%d", ESC_CLAIM_LIMIT);
	t->pending = STORE_PARTITIONS + 1;	/* +1: guard until all sent */
	for (p = 0; p < STORE_PARTITIONS; p++) {
		esc_keys(p, due, stream, pfx, sizeof due);
		argv[0] = due;
		argv[1] = stream;
		argv[2] = pfx;
		argv[3] = lim;
		argv[4] = "0";
		if (db_eval(e->srv->db, &esc_claim_script, esc_claim_done, t,
		    2, 5, argv, NULL) == -1)
			t->pending--;
	}
	esc_claim_done(e->srv->db, NULL, NULL, t);
}

/* A field of a stream entry's field list. */
static const char *
esc_entry_field(const redisReply *fields, const char *name)
{
	size_t	i;

	if (fields == NULL || fields->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < fields->elements; i += 2)
		if (fields->element[i]->str != NULL &&
		    strcmp(fields->element[i]->str, name) == 0)
			return fields->element[i + 1]->str;
	return NULL;
}

/* Deliver every entry of an XREADGROUP/XAUTOCLAIM entry list. */
static void
esc_entries(struct escalate *e, int p, const redisReply *list)
{
	size_t	i;

	if (list == NULL || list->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < list->elements; i++)
		esc_deliver_entry(e, p, list->element[i]);
}

/* XREADGROUP answered: deliver, then read again. */
static void
esc_read_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct escalate	*e = arg;
	size_t		 i;
	int		 p;

	if (e->srv->closing) {
		e->reading = 0;
		return;
	}
	e->reading = 0;
	if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++) {
			const redisReply *s = r->element[i];

			if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
			    s->element[0]->str == NULL)
				continue;
			/* "rd:{P}:esc": the partition is the tag. */
			if (strchr(s->element[0]->str, '{') == NULL)
				continue;
			p = atoi(strchr(s->element[0]->str, '{') + 1);
			esc_entries(e, p, s->element[1]);
		}
	else if (err != NULL && strncmp(err, "NOGROUP", 7) == 0)
		e->groups_ready = 0;
	/* Read again from the loop, not from inside this callback. */
	esc_arm(e->read_ev, r == NULL || r->type == REDIS_REPLY_ERROR ? 200 : 0);
}

/* Issue the next blocking read of all partitions' streams. */
static void
esc_read(struct escalate *e)
{
	const char	*argv[9 + 2 * STORE_PARTITIONS];
	char		 keys[STORE_PARTITIONS][32], block[16], count[16];
	int		 argc = 0, p, ms;

	if (e->reading || e->srv->draining || !db_ready(e->rdb) ||
	    !e->groups_ready)
		return;
	/* Block for less than the command deadline, or we would time out. */
	ms = e->srv->cfg->redis.timeout_ms / 2;
	if (ms > 1000)
		ms = 1000;
	snprintf(block, sizeof block, "%d", ms);
	snprintf(count, sizeof count, "%d", ESC_READ_COUNT);
	argv[argc++] = "XREADGROUP";
	argv[argc++] = "GROUP";
	argv[argc++] = ESC_GROUP;
	argv[argc++] = e->consumer;
	argv[argc++] = "COUNT";
	argv[argc++] = count;
	argv[argc++] = "BLOCK";
	argv[argc++] = block;
	argv[argc++] = "STREAMS";
	for (p = 0; p < STORE_PARTITIONS; p++) {
		snprintf(keys[p], sizeof keys[p], "rd:{%d}:esc", p);
		argv[argc++] = keys[p];
	}
	for (p = 0; p < STORE_PARTITIONS; p++)
		argv[argc++] = ">";
	if (db_commandv(e->rdb, esc_read_done, e, argc, argv, NULL) == 0)
		e->reading = 1;
}

/* Read timer: start a read if none is running. */
static void
esc_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct escalate	*e = arg;

	esc_read(e);
	if (!e->reading && !e->srv->draining)
		esc_arm(e->read_ev, 200);
}

struct esc_autoclaim {
	struct escalate	*e;
	int		 p;
};

/* XAUTOCLAIM answered: deliver what a dead instance left pending. */
static void
esc_autoclaim_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_autoclaim	*a = arg;

	if (a->e->srv->closing) {
		free(a);
		return;
	}
	/* Reply: [next cursor, [entries...], (deleted ids)]. */
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
	    r->element[1]->type == REDIS_REPLY_ARRAY &&
	    r->element[1]->elements > 0) {
		log_info("escalation: taking over %zu entries of partition %d "
		    "left by another instance", r->element[1]->elements, a->p);
		esc_entries(a->e, a->p, r->element[1]);
	}
	free(a);
}

/* Ignore a reply. */
static void
esc_ignore(struct db *db, redisReply *r, const char *err, void *arg)
{
}

/* Ignore a script's reply. */
static void
esc_event_done(int failed, void *arg)
{
	if (failed)
		log_warnx("escalation: an alert's audit event was not stored");
}

/* Free an item (its generation reference with it). */
static void
esc_item_free(struct esc_item *it)
{
	gen_unref(it->gen);
	free(it);
}

/* Forget an item without acknowledging it: it will be taken over. */
static void
esc_finish_unacked(struct esc_item *it)
{
	struct escalate	*e = it->e;
	struct esc_item	**pp;

	for (pp = &e->items; *pp != NULL; pp = &(*pp)->next)
		if (*pp == it) {
			*pp = it->next;
			break;
		}
	e->inflight--;
	esc_item_free(it);
}

/* Periodically: keep our own entries fresh, take over stale ones. */
static void
esc_claim_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct escalate		*e = arg;
	struct esc_item		*it;
	struct esc_autoclaim	*a;
	char			 key[32], idle[24];
	int64_t			 idle_ms = e->srv->cfg->delivery.claim_idle_ms;
	int			 p;

	if (db_ready(e->srv->db) && e->groups_ready && !e->srv->draining) {
		/* Entries we are still delivering must not look abandoned. */
		for (it = e->items; it != NULL; it = it->next)
			db_command(e->srv->db, esc_ignore, NULL, "XCLAIM "
			    "rd:{%d}:esc " ESC_GROUP " %s 0 %s JUSTID", it->p,
			    e->consumer, it->entry);
		snprintf(idle, sizeof idle, "%lld", (long long)idle_ms);
		for (p = 0; p < STORE_PARTITIONS; p++) {
			if ((a = calloc(1, sizeof *a)) == NULL)
				break;
			a->e = e;
			a->p = p;
			snprintf(key, sizeof key, "rd:{%d}:esc", p);
			if (db_command(e->srv->db, esc_autoclaim_done, a,
			    "XAUTOCLAIM %s " ESC_GROUP " %s %s 0-0 COUNT %d",
			    key, e->consumer, idle, ESC_READ_COUNT) == -1)
				free(a);
		}
	}
	esc_arm(e->claim_ev, idle_ms / 3 > 0 ? idle_ms / 3 : 1000);
}

/* Free a delivered item and acknowledge its stream entry. */
static void
esc_finish(struct esc_item *it)
{
	struct escalate	*e = it->e;
	struct esc_item	**pp;
	cJSON		*j;
	char		*json, labels[96];
	int		 ok = it->delivered > 0;

	if (it->event != NULL) {
		snprintf(labels, sizeof labels, "level=\"%s\",outcome=\"%s\"",
		    it->step >= 0 ? (char[8]){ 0 } : it->event,
		    ok ? "delivered" : "failed");
		if (it->step >= 0)
			snprintf(labels, sizeof labels, "level=\"%d\","
			    "outcome=\"%s\"", it->step + 1,
			    ok ? "delivered" : "failed");
		metrics_inc("replyd_escalations_total", labels);
		if (!ok)
			log_error("escalation: %s %s of conversation %s: no "
			    "target could be reached (%d failed)", it->event,
			    it->kind, it->conv, it->failed);
		if ((j = cJSON_CreateObject()) != NULL) {
			cJSON_AddStringToObject(j, "type", ok ? it->event :
			    "step_failed");
			cJSON_AddStringToObject(j, "event", it->event);
			cJSON_AddNumberToObject(j, "at",
			    (double)server_time_ms(e->srv));
			cJSON_AddNumberToObject(j, "step", it->step + 1);
			cJSON_AddNumberToObject(j, "delivered", it->delivered);
			cJSON_AddNumberToObject(j, "failed", it->failed);
			cJSON_AddNumberToObject(j, "lateness_ms",
			    (double)(it->claimed_ms - it->due_ms));
			if ((json = cJSON_PrintUnformatted(j)) != NULL)
				store_event(e->srv->db, it->conv, json,
				    esc_event_done, NULL);
			free(json);
			cJSON_Delete(j);
		}
	}
	db_command(e->srv->db, esc_ignore, NULL, "XACK rd:{%d}:esc " ESC_GROUP
	    " %s", it->p, it->entry);
	db_command(e->srv->db, esc_ignore, NULL, "XDEL rd:{%d}:esc %s", it->p,
	    it->entry);
	for (pp = &e->items; *pp != NULL; pp = &(*pp)->next)
		if (*pp == it) {
			*pp = it->next;
			break;
		}
	e->inflight--;
	esc_item_free(it);
}

/* One target's send finished. */
static void
esc_sent(const struct send_outcome *o, void *arg)
{
	struct esc_target	*t = arg;
	struct esc_item		*it = t->item;
	struct replyd_send	 msg;

	if (it->e->srv->closing)
		return;	/* escalate_free frees the item */
	if (o->outcome == REPLYD_SENT)
		it->delivered++;
	else if (t->tried == 0 && t->hosts[1] != NULL) {
		/* A person's first channel failed: try the other. */
		t->tried = 1;
		memset(&msg, 0, sizeof msg);
		msg.size = sizeof msg;
		msg.purpose = REPLYD_SEND_ALERT;
		msg.to = t->to[1];
		msg.subject = it->subject;
		msg.text = it->text;
		msg.event = it->event;
		msg.conversation = it->conv;
		msg.team = it->team;
		msg.worker = it->worker;
		msg.step = it->step + 1;
		msg.due_at = it->due_at;
		msg.link = it->link;
		if (send_start(it->e->srv, it->gen, t->hosts[1], &msg,
		    it->conv, it->gen->cfg->delivery.max_attempts, esc_sent,
		    t) == 0)
			return;
		it->failed++;
	} else
		it->failed++;
	if (--it->pending == 0)
		esc_finish(it);
}

/* Add a person's channels as a target. */
static void
esc_add_person(struct esc_item *it, const char *id)
{
	const struct config		*cfg = it->gen->cfg;
	const struct config_person	*p;
	struct esc_target		*t;
	struct replyd_host		*sms, *email;
	int				 i, n = 0;

	if (id == NULL || id[0] == '\0' || it->ntargets >= ESC_MAX_TARGETS ||
	    (p = config_person(cfg, id)) == NULL)
		return;
	for (i = 0; i < it->ntargets; i++)
		if (strcmp(it->targets[i].label, id) == 0)
			return;	/* the same person twice: one alert */
	t = &it->targets[it->ntargets];
	memset(t, 0, sizeof *t);
	t->item = it;
	snprintf(t->label, sizeof t->label, "%s", id);
	sms = cfg->alert_sms ? plugins_find(&it->gen->plugins,
	    cfg->alert_sms) : NULL;
	email = cfg->alert_email ? plugins_find(&it->gen->plugins,
	    cfg->alert_email) : NULL;
	if (p->phone != NULL && sms != NULL && sms->has_sender) {
		t->hosts[n] = sms;
		t->to[n++] = p->phone;
	}
	if (p->email != NULL && email != NULL && email->has_sender) {
		t->hosts[n] = email;
		t->to[n++] = p->email;
	}
	if (n == 0)
		log_warnx("escalation: %s has no phone or email that an "
		    "alerts channel can reach", id);
	it->ntargets++;
}

/* Add a notifier (a channel needing no address) as a target. */
static void
esc_add_notifier(struct esc_item *it, const char *name)
{
	struct esc_target	*t;

	if (it->ntargets >= ESC_MAX_TARGETS)
		return;
	t = &it->targets[it->ntargets++];
	memset(t, 0, sizeof *t);
	t->item = it;
	snprintf(t->label, sizeof t->label, "%s", name);
	t->hosts[0] = plugins_find(&it->gen->plugins, name);
}

/* Resolve one configured target to people or notifiers. */
static void
esc_add_target(struct esc_item *it, const struct config_team *team,
    const struct config_target *tg, const char *duty_worker,
    const char *duty_manager)
{
	switch (tg->kind) {
	case TARGET_WORKER:
		/* No allocated worker: the duty worker stands in. */
		esc_add_person(it, it->worker[0] ? it->worker : duty_worker);
		break;
	case TARGET_DUTY_WORKER:
		esc_add_person(it, duty_worker);
		break;
	case TARGET_DUTY_MANAGER:
		esc_add_person(it, duty_manager);
		break;
	case TARGET_TEAM_MANAGER:
		esc_add_person(it, team->manager ? team->manager :
		    team->duty_manager);
		break;
	case TARGET_PERSON:
		esc_add_person(it, tg->name);
		break;
	case TARGET_NOTIFIER:
		esc_add_notifier(it, tg->name);
		break;
	}
}

/* Duty overrides are known: resolve the targets and send. */
static void
esc_duty_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_item			*it = arg;
	struct server			*srv = it->e->srv;
	const struct config		*cfg = it->gen->cfg;
	const struct config_team	*team = config_team(cfg, it->team);
	const struct calendar		*cal;
	const char			*dw, *dm;
	struct replyd_send		 msg;
	struct tm			 tm;
	int64_t				 now = server_time(srv), over;
	size_t				 i;
	int				 k, in_hours;

	if (srv->closing)
		return;
	if (team == NULL)
		team = cfg->default_team;
	cal = team->calendar ? team->calendar : cfg->promise.calendar;
	calendar_local(cal, now, &tm);
	/* The rota in force now: a dated override beats the pattern. */
	dw = team->duty[tm.tm_wday];
	dm = team->duty_manager;
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
		if (r->element[0]->str != NULL)
			dw = r->element[0]->str;
		if (r->element[1]->str != NULL)
			dm = r->element[1]->str;
	}
	if (it->step >= 0) {
		for (i = 0; i < team->steps[it->step].ntargets; i++)
			esc_add_target(it, team, &team->steps[it->step].targets[i],
			    dw, dm);
	} else if (strcmp(it->event, "waiting") == 0) {
		esc_add_person(it, dw);
	} else {
		in_hours = calendar_is_open(cal, now);
		if (in_hours || cfg->urgent.nemergency == 0) {
			esc_add_person(it, it->worker[0] ? it->worker : dw);
			esc_add_person(it, dm);
		} else
			for (i = 0; i < cfg->urgent.nemergency; i++)
				esc_add_target(it, team,
				    &cfg->urgent.emergency[i], dw, dm);
	}
	over = now - it->deadline_ms / 1000;
	if (over < 0)
		over = 0;
	calendar_format(cal, it->due_ms / 1000, it->due_at,
	    sizeof it->due_at);
	snprintf(it->link, sizeof it->link, "%s/c/%s", cfg->public_url,
	    it->conv);
	if (strcmp(it->event, "escalation") == 0) {
		snprintf(it->subject, sizeof it->subject, "replyd: "
		    "conversation %s is overdue", it->conv);
		snprintf(it->text, sizeof it->text, "replyd: a young person's "
		    "message (ref %s, team %s%s%s) has had no reply and is "
		    "%lldh %02lldm past its deadline. Escalation step %d. "
		    "Please respond or acknowledge: %s", it->conv, it->team,
		    it->worker[0] ? ", worker " : "", it->worker,
		    (long long)(over / 3600), (long long)(over / 60 % 60),
		    it->step + 1, it->link);
	} else if (strcmp(it->event, "urgent") == 0) {
		snprintf(it->subject, sizeof it->subject, "replyd: URGENT "
		    "message %s", it->conv);
		snprintf(it->text, sizeof it->text, "replyd: URGENT - a young "
		    "person's message (ref %s, team %s) may need action now. "
		    "Please read it and respond: %s", it->conv, it->team,
		    it->link);
	} else {
		snprintf(it->subject, sizeof it->subject, "replyd: message "
		    "%s is waiting", it->conv);
		snprintf(it->text, sizeof it->text, "replyd: a message (ref "
		    "%s, team %s) is waiting with no available worker. Please "
		    "pick it up: %s", it->conv, it->team, it->link);
	}
	memset(&msg, 0, sizeof msg);
	msg.size = sizeof msg;
	msg.purpose = REPLYD_SEND_ALERT;
	msg.subject = it->subject;
	msg.text = it->text;
	msg.event = it->event;
	msg.conversation = it->conv;
	msg.team = it->team;
	msg.worker = it->worker;
	msg.step = it->step >= 0 ? it->step + 1 : 0;
	msg.due_at = it->due_at;
	msg.overdue_seconds = over;
	msg.link = it->link;
	it->pending = 1;	/* guard while starting */
	for (k = 0; k < it->ntargets; k++) {
		struct esc_target *t = &it->targets[k];

		if (t->hosts[0] == NULL) {
			it->failed++;
			continue;
		}
		msg.to = t->to[0];
		it->pending++;
		if (send_start(srv, it->gen, t->hosts[0], &msg, it->conv,
		    cfg->delivery.max_attempts, esc_sent, t) == -1) {
			it->pending--;
			it->failed++;
		}
	}
	if (--it->pending == 0)
		esc_finish(it);
}

/* Look up the rota overrides for today. */
static void
esc_resolve(struct esc_item *it)
{
	struct server			*srv = it->e->srv;
	const struct config		*cfg = it->gen->cfg;
	const struct config_team	*team = config_team(cfg, it->team);
	const struct calendar		*cal;
	struct tm			 tm;
	char				 date[16];

	if (team == NULL)
		team = cfg->default_team;
	cal = team->calendar ? team->calendar : cfg->promise.calendar;
	calendar_local(cal, server_time(srv), &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	if (db_command(srv->db, esc_duty_done, it, "HMGET rd:duty:%s "
	    "%s:worker %s:manager", team->id, date, date) == -1)
		esc_duty_done(srv->db, NULL, "unavailable", it);
}

/* The next step is scheduled (or already was): now alert. */
static void
esc_advanced(struct redisReply *r, const char *err, void *arg)
{
	struct esc_item	*it = arg;

	if (it->e->srv->closing)
		return;
	if (r == NULL) {
		/* Redis went away: the entry stays pending; retry later. */
		log_warnx("escalation: conversation %s: %s; will retry",
		    it->conv, err ? err : "no answer");
		it->event = NULL;
		esc_finish_unacked(it);
		return;
	}
	esc_resolve(it);
}

/* The conversation is loaded: decide what to do with the entry. */
static void
esc_conv_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_item			*it = arg;
	struct server			*srv = it->e->srv;
	const struct config_team	*team;
	const char			*state = NULL, *v, *argv[5];
	char				 kc[64], kd[32], step[16], next[24];
	int64_t				 nx;
	size_t				 i;

	if (srv->closing)
		return;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		esc_finish_unacked(it);
		return;
	}
	for (i = 0; i + 1 < r->elements; i += 2) {
		const char *k = r->element[i]->str;

		v = r->element[i + 1]->str;
		if (k == NULL || v == NULL)
			continue;
		if (strcmp(k, "state") == 0)
			state = v;
		else if (strcmp(k, "team") == 0)
			snprintf(it->team, sizeof it->team, "%s", v);
		else if (strcmp(k, "worker") == 0)
			snprintf(it->worker, sizeof it->worker, "%s", v);
		else if (strcmp(k, "deadline") == 0)
			it->deadline_ms = strtoll(v, NULL, 10);
	}
	/* Answered (or expired) since it was claimed: nothing to say. */
	if (state == NULL || strcmp(state, "awaiting") != 0) {
		it->event = NULL;
		esc_finish(it);
		return;
	}
	if ((team = config_team(it->gen->cfg, it->team)) == NULL)
		team = it->gen->cfg->default_team;
	if (it->kind[0] == 'w') {
		it->event = "waiting";
		esc_resolve(it);
		return;
	}
	if (it->kind[0] == 'u') {
		it->event = "urgent";
		esc_resolve(it);
		return;
	}
	it->step = atoi(it->kind);
	it->event = "escalation";
	if (it->step < 0 || (size_t)it->step >= team->nsteps) {
		it->event = NULL;
		esc_finish(it);
		return;
	}
	/* Schedule the next step before alerting: a crash then repeats an
	 * alert (acceptable) but never loses the next step. */
	nx = config_step_due(team, (size_t)it->step + 1,
	    it->deadline_ms / 1000);
	snprintf(kc, sizeof kc, "rd:{%d}:c:%s", it->p, it->conv);
	snprintf(kd, sizeof kd, "rd:{%d}:due", it->p);
	snprintf(step, sizeof step, "%d", it->step);
	snprintf(next, sizeof next, "%lld", nx < 0 ? -1LL : (long long)nx * 1000);
	argv[0] = kc;
	argv[1] = kd;
	argv[2] = it->conv;
	argv[3] = step;
	argv[4] = next;
	if (store_eval(srv->db, &esc_advance_script, esc_advanced, it, 2, 5,
	    argv) == -1)
		esc_finish_unacked(it);
}

/* Start delivering one stream entry ([id, [field, value, ...]]). */
static void
esc_deliver_entry(struct escalate *e, int p, const redisReply *entry)
{
	struct esc_item	*it;
	const char	*id, *kind, *due, *claimed;
	char		 kc[64];

	if (entry == NULL || entry->type != REDIS_REPLY_ARRAY ||
	    entry->elements != 2 || entry->element[0]->str == NULL)
		return;
	for (it = e->items; it != NULL; it = it->next)
		if (it->p == p && strcmp(it->entry, entry->element[0]->str) == 0)
			return;		/* already ours, in progress */
	id = esc_entry_field(entry->element[1], "id");
	kind = esc_entry_field(entry->element[1], "kind");
	due = esc_entry_field(entry->element[1], "due");
	claimed = esc_entry_field(entry->element[1], "claimed");
	if ((it = calloc(1, sizeof *it)) == NULL)
		return;
	it->e = e;
	it->gen = gen_ref(e->srv->gen);
	it->p = p;
	it->step = -1;
	snprintf(it->entry, sizeof it->entry, "%s", entry->element[0]->str);
	it->next = e->items;
	e->items = it;
	e->inflight++;
	if (id == NULL || kind == NULL || store_id_partition(id) != p) {
		/* A deleted or malformed entry: acknowledge and drop it. */
		esc_finish(it);
		return;
	}
	snprintf(it->conv, sizeof it->conv, "%s", id);
	snprintf(it->kind, sizeof it->kind, "%s", kind);
	it->due_ms = due ? strtoll(due, NULL, 10) : 0;
	it->claimed_ms = claimed ? strtoll(claimed, NULL, 10) : it->due_ms;
	snprintf(kc, sizeof kc, "rd:{%d}:c:%s", p, id);
	if (db_command(e->srv->db, esc_conv_done, it, "HGETALL %s", kc) == -1)
		esc_finish_unacked(it);
}

struct esc_groups {
	struct escalate	*e;
	int		 pending;
	int		 failed;
};

/* XGROUP CREATE answered (BUSYGROUP means it already exists). */
static void
esc_group_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct esc_groups	*g = arg;

	if (g->e->srv->closing) {
		if (--g->pending == 0)
			free(g);
		return;
	}
	if (r == NULL || (r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "BUSYGROUP", 9) != 0))
		g->failed = 1;
	if (--g->pending > 0)
		return;
	if (!g->failed) {
		g->e->groups_ready = 1;
		esc_read(g->e);
	}
	free(g);
}

/* Create the consumer group of every partition's stream. */
static void
esc_create_groups(struct escalate *e)
{
	struct esc_groups	*g;
	int			 p;

	if ((g = calloc(1, sizeof *g)) == NULL)
		return;
	g->e = e;
	g->pending = STORE_PARTITIONS;
	for (p = 0; p < STORE_PARTITIONS; p++)
		if (db_command(e->rdb, esc_group_done, g, "XGROUP CREATE "
		    "rd:{%d}:esc " ESC_GROUP " 0 MKSTREAM", p) == -1) {
			g->failed = 1;
			if (--g->pending == 0)
				free(g);
		}
}

/* The reading connection became ready (or was lost). */
static void
esc_rdb_state(struct db *db, int ready, void *arg)
{
	struct escalate	*e = arg;

	e->reading = 0;
	if (ready)
		esc_create_groups(e);
	else
		e->groups_ready = 0;
}

/* Start the escalation engine. */
int
escalate_start(struct server *srv)
{
	struct escalate	*e;
	char		 host[64];

	db_script_init(&esc_claim_script);
	db_script_init(&esc_advance_script);
	metrics_define("replyd_escalations_total", METRICS_COUNTER,
	    "Escalation steps, urgent alerts and waiting notices, by level "
	    "and outcome.");
	metrics_define("replyd_sends_total", METRICS_COUNTER,
	    "Messages sent through channel plugins, by channel and outcome.");
	if ((e = calloc(1, sizeof *e)) == NULL)
		return -1;
	e->srv = srv;
	e->next_due = -1;
	if (gethostname(host, sizeof host) == -1)
		snprintf(host, sizeof host, "replyd");
	host[sizeof host - 1] = '\0';
	snprintf(e->consumer, sizeof e->consumer, "%s-%ld-%ld", host,
	    (long)getpid(), (long)time(NULL));
	e->tick_ev = evtimer_new(srv->base, esc_tick_cb, e);
	e->read_ev = evtimer_new(srv->base, esc_read_cb, e);
	e->claim_ev = evtimer_new(srv->base, esc_claim_cb, e);
	/* A blocking read stalls a shared connection: it gets its own. */
	if ((e->rdb = db_new(srv->base, &srv->cfg->redis)) == NULL) {
		free(e);
		return -1;
	}
	db_set_state_cb(e->rdb, esc_rdb_state, e);
	srv->esc = e;
	esc_arm(e->tick_ev, 0);
	esc_arm(e->claim_ev, 1000);
	return 0;
}

/* Stop: pending entries stay pending in Redis for another instance. */
void
escalate_free(struct server *srv)
{
	struct escalate	*e = srv->esc;
	struct esc_item	*it, *next;

	if (e == NULL)
		return;
	db_free(e->rdb);
	for (it = e->items; it != NULL; it = next) {
		next = it->next;
		esc_item_free(it);
	}
	event_free(e->tick_ev);
	event_free(e->read_ev);
	event_free(e->claim_ev);
	free(e);
	srv->esc = NULL;
}

/* Redis is back: claim what fell due meanwhile, at once. */
void
escalate_ready(struct server *srv)
{
	if (srv->esc != NULL)
		esc_arm(srv->esc->tick_ev, 0);
}

/* Something may be due now (urgent, waiting): claim at once. */
void
escalate_after_ingest(struct server *srv, const struct store_ingested *res)
{
	/* Deadlines are found by the next tick; alerts due now go at once. */
	if (!res->due_now || srv->esc == NULL)
		return;
	if (srv->esc->ticking)
		srv->esc->again = 1;
	else
		esc_arm(srv->esc->tick_ev, 0);
}

/* Deliveries in progress. */
int
escalate_inflight(const struct server *srv)
{
	return srv->esc != NULL ? srv->esc->inflight : 0;
}
