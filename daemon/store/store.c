/*
 * store.c: the conversation store's Lua scripts and the C calls that run
 * them.  Scripts take "now" from Redis TIME for everything they decide
 * themselves (response times), so instances with skewed clocks agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include "io/db.h"
#include "store/store.h"

static int	store_run(struct db *, const struct db_script *, store_reply_cb,
		    void *, int, int, const char **);

/* Record a response to conversation id; shared by two scripts. */
#define STORE_LUA_RESPOND \
"local function respond(pre, id, by, how, note, ttl)\n" \
"  local c = pre .. 'c:' .. id\n" \
"  local state = redis.call('HGET', c, 'state')\n" \
"  if not state then return 'missing' end\n" \
"  if state ~= 'awaiting' then return 'already' end\n" \
"  local t = redis.call('TIME')\n" \
"  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n" \
"  local f = redis.call('HMGET', c, 'step', 'ah', 'deadline')\n" \
"  redis.call('HSET', c, 'state', 'responded', 'responded_at', now,\n" \
"    'responded_by', by, 'how', how)\n" \
"  redis.call('ZREM', pre .. 'aw', id)\n" \
"  redis.call('ZREM', pre .. 'due', id .. ':' .. (f[1] or '0'))\n" \
"  redis.call('ZADD', pre .. 'rs', now, id)\n" \
"  redis.call('HINCRBY', pre .. 'stats', now <= tonumber(f[3] or '0')\n" \
"    and 'in_time' or 'late', 1)\n" \
"  local o = pre .. 'o:' .. (f[2] or '')\n" \
"  if redis.call('GET', o) == id then redis.call('DEL', o) end\n" \
"  redis.call('RPUSH', pre .. 'e:' .. id, cjson.encode({type = 'response',\n" \
"    at = now, by = by, how = how, note = note}))\n" \
"  redis.call('EXPIRE', c, ttl)\n" \
"  redis.call('EXPIRE', pre .. 'e:' .. id, ttl)\n" \
"  return 'responded'\n" \
"end\n"

/*
 * KEYS: dedupe, route, open, seq, due, awaiting.
 * ARGV: P, prefix, arrival_ms, channel, provider, address, address hash,
 * text, meta json, default team, urgent, text ttl, dedupe ttl,
 * response_by, meta ttl, nteams, then team/deadline/due triples.
 */
static struct db_script store_ingest_script = {
	.name = "ingest",
	.source = STORE_LUA_RESPOND
"local P, pre = ARGV[1], ARGV[2]\n"
"local dup = redis.call('GET', KEYS[1])\n"
"if dup then return {'duplicate', dup} end\n"
"if ARGV[14] ~= '' then\n"
"  local id = redis.call('GET', KEYS[3])\n"
"  local r = 'missing'\n"
"  if id then r = respond(pre, id, ARGV[14], 'email', '', ARGV[15]) end\n"
"  redis.call('SET', KEYS[1], id or '-', 'EX', ARGV[13])\n"
"  if r == 'responded' then return {'responded', id} end\n"
"  return {'none', id or ''}\n"
"end\n"
"local r = redis.call('HMGET', KEYS[2], 'contact', 'team', 'worker',\n"
"  'receipt')\n"
"local function lookup(team)\n"
"  for i = 0, tonumber(ARGV[16]) - 1 do\n"
"    local b = 17 + i * 3\n"
"    if ARGV[b] == team then return ARGV[b + 1], ARGV[b + 2] end\n"
"  end\n"
"end\n"
"local team = r[2] or ARGV[10]\n"
"local deadline, due = lookup(team)\n"
"if not deadline then team = ARGV[10]; deadline, due = lookup(team) end\n"
"local worker, contact = r[3] or '', r[1] or ''\n"
"local id = redis.call('GET', KEYS[3])\n"
"local c\n"
"if id then\n"
"  c = pre .. 'c:' .. id\n"
"  local f = redis.call('HMGET', c, 'state', 'team', 'worker', 'contact',\n"
"    'deadline')\n"
"  if f[1] == 'awaiting' then\n"
"    team, worker, contact, deadline = f[2], f[3], f[4], f[5]\n"
"  else id = nil end\n"
"end\n"
"local status = 'joined'\n"
"if not id then\n"
"  status = 'opened'\n"
"  id = P .. '-' .. redis.call('INCR', KEYS[4])\n"
"  c = pre .. 'c:' .. id\n"
"  redis.call('HSET', c, 'id', id, 'state', 'awaiting', 'team', team,\n"
"    'worker', worker, 'contact', contact, 'channel', ARGV[4],\n"
"    'provider', ARGV[5], 'addr', ARGV[6], 'ah', ARGV[7],\n"
"    'received_at', ARGV[3], 'deadline', deadline, 'step', 0, 'n', 0,\n"
"    'urgent', ARGV[11])\n"
"  redis.call('SET', KEYS[3], id)\n"
"  redis.call('ZADD', KEYS[5], due, id .. ':0')\n"
"  redis.call('ZADD', KEYS[6], deadline, id)\n"
"  redis.call('ZADD', ARGV[2] .. 'rx', ARGV[3], id)\n"
"elseif ARGV[11] == '1' then\n"
"  redis.call('HSET', c, 'urgent', 1)\n"
"end\n"
"local n = redis.call('HINCRBY', c, 'n', 1)\n"
"local now = '0'\n"
"if status == 'opened' then\n"
"  local waiting = contact == ''\n"
"  if not waiting and worker ~= '' then\n"
"    local a = redis.call('HGET', 'rd:absences', worker)\n"
"    if a then\n"
"      for _, r in ipairs(cjson.decode(a)) do\n"
"        local t = tonumber(ARGV[3])\n"
"        if t >= r[2] and t < r[3] then waiting = true end\n"
"      end\n"
"    end\n"
"  end\n"
"  if waiting then\n"
"    redis.call('ZADD', KEYS[5], ARGV[3], id .. ':w')\n"
"    now = '1'\n"
"  end\n"
"end\n"
"if ARGV[11] == '1' then\n"
"  redis.call('ZADD', KEYS[5], ARGV[3], id .. ':u' .. n)\n"
"  now = '1'\n"
"end\n"
"redis.call('RPUSH', pre .. 'e:' .. id, '{\"type\":\"message\",\"at\":' ..\n"
"  ARGV[3] .. ',\"n\":' .. n .. ',\"channel\":' .. cjson.encode(ARGV[4]) ..\n"
"  ',\"provider\":' .. cjson.encode(ARGV[5]) .. ',\"urgent\":' ..\n"
"  (ARGV[11] == '1' and 'true' or 'false') .. ',\"meta\":' .. ARGV[9] ..\n"
"  '}')\n"
"redis.call('HSET', pre .. 't:' .. id, n, ARGV[8])\n"
"redis.call('EXPIRE', pre .. 't:' .. id, ARGV[12])\n"
"redis.call('SET', KEYS[1], id, 'EX', ARGV[13])\n"
"return {status, id, team, worker, contact, r[4] or '1', deadline, now}\n"
};

/* KEYS: none.  ARGV: prefix, id, by, how, note, meta ttl. */
static struct db_script store_respond_script = {
	.name = "respond",
	.source = STORE_LUA_RESPOND
"return respond(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])\n"
};

/* KEYS: conversation, events, texts. */
static struct db_script store_get_script = {
	.name = "get",
	.source =
"if redis.call('EXISTS', KEYS[1]) == 0 then return false end\n"
"return {redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0,\n"
"  -1), redis.call('HGETALL', KEYS[3])}\n"
};

/* KEYS: a state's zset.  ARGV: prefix, limit. */
static struct db_script store_list_script = {
	.name = "list",
	.source =
"local ids = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)\n"
"local out = {}\n"
"for i, id in ipairs(ids) do\n"
"  local h = redis.call('HGETALL', ARGV[1] .. 'c:' .. id)\n"
"  if #h > 0 then out[#out + 1] = h end\n"
"end\n"
"return out\n"
};

/*
 * KEYS: arrival index.  ARGV: prefix, from ms, to ms.  Conversations whose
 * records expired are dropped from the index on the way.
 */
static struct db_script store_report_script = {
	.name = "report",
	.source =
"local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '(' .. ARGV[3])\n"
"local out = {}\n"
"for _, id in ipairs(ids) do\n"
"  local f = redis.call('HMGET', ARGV[1] .. 'c:' .. id, 'team',\n"
"    'received_at', 'deadline', 'responded_at', 'step', 'urgent',\n"
"    'contact')\n"
"  if f[1] then out[#out + 1] = f\n"
"  else redis.call('ZREM', KEYS[1], id) end\n"
"end\n"
"return out\n"
};

/* Compute every script's SHA once. */
int
store_init(void)
{
	db_script_init(&store_ingest_script);
	db_script_init(&store_respond_script);
	db_script_init(&store_get_script);
	db_script_init(&store_list_script);
	db_script_init(&store_report_script);
	return 0;
}

struct store_stats_req {
	struct store_stats	 st;
	store_stats_cb		 cb;
	void			*arg;
	int			 pending;
	int			 failed;
};

/* One answer is in: hand over the sums after the last. */
static void
store_stats_release(struct store_stats_req *sr)
{
	if (--sr->pending > 0)
		return;
	sr->cb(sr->failed ? NULL : &sr->st, sr->arg);
	free(sr);
}

/* One partition's response counts. */
static void
store_stats_counts(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct store_stats_req	*sr = arg;

	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
		if (r->element[0]->str != NULL)
			sr->st.in_time += atof(r->element[0]->str);
		if (r->element[1]->str != NULL)
			sr->st.late += atof(r->element[1]->str);
	} else
		sr->failed = 1;
	store_stats_release(sr);
}

/* One partition's overdue count. */
static void
store_stats_overdue(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct store_stats_req	*sr = arg;

	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		sr->st.overdue += (double)r->integer;
	else
		sr->failed = 1;
	store_stats_release(sr);
}

/* Gather the stats of every partition. */
int
store_stats(struct db *db, int64_t now_ms, store_stats_cb cb, void *arg)
{
	struct store_stats_req	*sr;
	int			 p;

	if ((sr = calloc(1, sizeof *sr)) == NULL)
		return -1;
	sr->cb = cb;
	sr->arg = arg;
	sr->pending = 1;
	for (p = 0; p < STORE_PARTITIONS; p++) {
		if (db_command(db, store_stats_counts, sr,
		    "HMGET rd:{%d}:stats in_time late", p) == 0)
			sr->pending++;
		else
			sr->failed = 1;
		if (db_command(db, store_stats_overdue, sr,
		    "ZCOUNT rd:{%d}:aw -inf %lld", p, (long long)now_ms) == 0)
			sr->pending++;
		else
			sr->failed = 1;
	}
	store_stats_release(sr);
	return 0;
}

/* One partition's conversations that arrived in [from, to). */
int
store_report(struct db *db, int partition, int64_t from_ms, int64_t to_ms,
    store_reply_cb cb, void *arg)
{
	char		 key[32], pfx[32], f[24], t[24];
	const char	*argv[4];

	snprintf(key, sizeof key, "rd:{%d}:rx", partition);
	snprintf(pfx, sizeof pfx, "rd:{%d}:", partition);
	snprintf(f, sizeof f, "%lld", (long long)from_ms);
	snprintf(t, sizeof t, "%lld", (long long)to_ms);
	argv[0] = key;
	argv[1] = pfx;
	argv[2] = f;
	argv[3] = t;
	return store_run(db, &store_report_script, cb, arg, 1, 4, argv);
}

/* SHA-256 of a string as hex (first 40 characters). */
static void
store_hash(const char *s, size_t len, char out[41])
{
	unsigned char	md[SHA256_DIGEST_LENGTH];
	int		i;

	SHA256((const unsigned char *)s, len, md);
	for (i = 0; i < 20; i++)
		snprintf(out + i * 2, 3, "%02x", md[i]);
}

/* Partition of an address, and its hash for key names. */
int
store_partition(const char *address, char ah[41])
{
	store_hash(address, strlen(address), ah);
	/* The hash is uniform, so its first byte spreads partitions evenly. */
	return (int)strtol((char[]){ ah[0], ah[1], '\0' }, NULL, 16) %
	    STORE_PARTITIONS;
}

/* Partition from an id "P-N". */
int
store_id_partition(const char *id)
{
	char	*end;
	long	 p, n;

	if (id == NULL || id[0] < '0' || id[0] > '9')
		return -1;
	p = strtol(id, &end, 10);
	if (*end != '-' || p < 0 || p >= STORE_PARTITIONS)
		return -1;
	if (end[1] < '1' || end[1] > '9')
		return -1;
	n = strtol(end + 1, &end, 10);
	if (*end != '\0' || n <= 0)
		return -1;
	return (int)p;
}

struct store_ingest_ctx {
	store_ingest_cb	 cb;
	void		*arg;
};

/* Copy a reply element's string into a buffer. */
static void
store_copy(char *dst, size_t len, const redisReply *r)
{
	snprintf(dst, len, "%s", r != NULL && r->str != NULL ? r->str : "");
}

/* The ingest script answered. */
static void
store_ingest_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct store_ingest_ctx	*ctx = arg;
	struct store_ingested	 out;

	memset(&out, 0, sizeof out);
	out.result = STORE_FAILED;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    r->element[0]->str == NULL) {
		out.error = err ? err : "unexpected reply";
		ctx->cb(&out, ctx->arg);
		free(ctx);
		return;
	}
	store_copy(out.id, sizeof out.id, r->element[1]);
	if (strcmp(r->element[0]->str, "duplicate") == 0)
		out.result = STORE_DUPLICATE;
	else if (strcmp(r->element[0]->str, "responded") == 0)
		out.result = STORE_RESPONDED;
	else if (strcmp(r->element[0]->str, "none") == 0)
		out.result = STORE_NO_CONVERSATION;
	else if (r->elements >= 7) {
		out.result = strcmp(r->element[0]->str, "opened") == 0 ?
		    STORE_OPENED : STORE_JOINED;
		store_copy(out.team, sizeof out.team, r->element[2]);
		store_copy(out.worker, sizeof out.worker, r->element[3]);
		store_copy(out.contact, sizeof out.contact, r->element[4]);
		out.receipt = r->element[5]->str != NULL &&
		    strcmp(r->element[5]->str, "0") != 0;
		out.deadline_ms = r->element[6]->str ?
		    strtoll(r->element[6]->str, NULL, 10) : 0;
		out.due_now = r->elements >= 8 && r->element[7]->str != NULL &&
		    strcmp(r->element[7]->str, "1") == 0;
	}
	ctx->cb(&out, ctx->arg);
	free(ctx);
}

/* Store one inbound message (or an observed staff response). */
int
store_ingest(struct db *db, const struct store_message *m,
    store_ingest_cb cb, void *arg)
{
	struct store_ingest_ctx	*ctx;
	char			 ah[41], idh[41], pfx[32], pn[8];
	char			 k_dd[256], k_route[96], k_open[96], k_seq[48];
	char			 k_due[48], k_aw[48], arrival[24], urgent[2];
	char			 tttl[24], dttl[24], mttl[24], nteams[16];
	char			 (*nums)[24];
	const char		**argv;
	size_t			*lens, i;
	int			 p, argc = 0, rc;

	p = store_partition(m->address, ah);
	store_hash(m->provider_id, strlen(m->provider_id), idh);
	snprintf(pfx, sizeof pfx, "rd:{%d}:", p);
	snprintf(pn, sizeof pn, "%d", p);
	snprintf(k_dd, sizeof k_dd, "%sd:%s:%s", pfx, m->provider, idh);
	snprintf(k_route, sizeof k_route, "%sr:%s", pfx, ah);
	snprintf(k_open, sizeof k_open, "%so:%s", pfx, ah);
	snprintf(k_seq, sizeof k_seq, "%sseq", pfx);
	snprintf(k_due, sizeof k_due, "%sdue", pfx);
	snprintf(k_aw, sizeof k_aw, "%saw", pfx);
	snprintf(arrival, sizeof arrival, "%lld", (long long)m->arrival_ms);
	snprintf(urgent, sizeof urgent, "%d", m->urgent ? 1 : 0);
	snprintf(tttl, sizeof tttl, "%lld", (long long)m->text_ttl);
	snprintf(dttl, sizeof dttl, "%lld", (long long)m->dedupe_ttl);
	snprintf(mttl, sizeof mttl, "%lld", (long long)m->meta_ttl);
	snprintf(nteams, sizeof nteams, "%zu", m->nteams);

	argv = calloc(22 + m->nteams * 3, sizeof *argv);
	lens = calloc(22 + m->nteams * 3, sizeof *lens);
	nums = calloc(m->nteams * 2 + 1, sizeof *nums);
	ctx = calloc(1, sizeof *ctx);
	if (argv == NULL || lens == NULL || nums == NULL || ctx == NULL) {
		free(argv);
		free(lens);
		free(nums);
		free(ctx);
		return -1;
	}
#define ARG(s) do { argv[argc] = (s); lens[argc] = strlen(s); argc++; } while (0)
	ARG(k_dd);
	ARG(k_route);
	ARG(k_open);
	ARG(k_seq);
	ARG(k_due);
	ARG(k_aw);
	ARG(pn);
	ARG(pfx);
	ARG(arrival);
	ARG(m->channel);
	ARG(m->provider);
	ARG(m->address);
	ARG(ah);
	argv[argc] = m->text ? m->text : "";
	lens[argc++] = m->text ? m->text_len : 0;
	ARG(m->meta_json ? m->meta_json : "{}");
	ARG(m->default_team);
	ARG(urgent);
	ARG(tttl);
	ARG(dttl);
	ARG(m->response_by ? m->response_by : "");
	ARG(mttl);
	ARG(nteams);
	for (i = 0; i < m->nteams; i++) {
		snprintf(nums[i * 2], 24, "%lld",
		    (long long)m->teams[i].deadline_ms);
		snprintf(nums[i * 2 + 1], 24, "%lld",
		    (long long)m->teams[i].due_ms);
		ARG(m->teams[i].team);
		ARG(nums[i * 2]);
		ARG(nums[i * 2 + 1]);
	}
#undef ARG
	ctx->cb = cb;
	ctx->arg = arg;
	rc = db_eval(db, &store_ingest_script, store_ingest_done, ctx, 6,
	    argc, argv, lens);
	free(argv);
	free(lens);
	free(nums);
	if (rc == -1)
		free(ctx);
	return rc;
}

struct store_reply_ctx {
	store_reply_cb	 cb;
	void		*arg;
};

/* Hand a script's reply to the caller. */
static void
store_reply_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct store_reply_ctx	*ctx = arg;

	ctx->cb(r, err, ctx->arg);
	free(ctx);
}

/* Run a script with a plain callback. */
static int
store_run(struct db *db, const struct db_script *s, store_reply_cb cb,
    void *arg, int nkeys, int argc, const char **argv)
{
	struct store_reply_ctx	*ctx;

	if ((ctx = calloc(1, sizeof *ctx)) == NULL)
		return -1;
	ctx->cb = cb;
	ctx->arg = arg;
	if (db_eval(db, s, store_reply_done, ctx, nkeys, argc, argv,
	    NULL) == -1) {
		free(ctx);
		return -1;
	}
	return 0;
}

/* Run another module's script with a plain callback. */
int
store_eval(struct db *db, const struct db_script *s, store_reply_cb cb,
    void *arg, int nkeys, int argc, const char **argv)
{
	return store_run(db, s, cb, arg, nkeys, argc, argv);
}

/* Record a response. */
int
store_respond(struct db *db, const char *id, const char *by, const char *how,
    const char *note, int64_t meta_ttl, store_reply_cb cb, void *arg)
{
	char		 pfx[32], ttl[24];
	const char	*argv[6];
	int		 p;

	if ((p = store_id_partition(id)) == -1)
		return -1;
	snprintf(pfx, sizeof pfx, "rd:{%d}:", p);
	snprintf(ttl, sizeof ttl, "%lld", (long long)meta_ttl);
	argv[0] = pfx;
	argv[1] = id;
	argv[2] = by;
	argv[3] = how;
	argv[4] = note ? note : "";
	argv[5] = ttl;
	return store_run(db, &store_respond_script, cb, arg, 0, 6, argv);
}

/* A conversation with its events and texts. */
int
store_get(struct db *db, const char *id, store_reply_cb cb, void *arg)
{
	char		 kc[64], ke[64], kt[64];
	const char	*argv[3];
	int		 p;

	if ((p = store_id_partition(id)) == -1)
		return -1;
	snprintf(kc, sizeof kc, "rd:{%d}:c:%s", p, id);
	snprintf(ke, sizeof ke, "rd:{%d}:e:%s", p, id);
	snprintf(kt, sizeof kt, "rd:{%d}:t:%s", p, id);
	argv[0] = kc;
	argv[1] = ke;
	argv[2] = kt;
	return store_run(db, &store_get_script, cb, arg, 3, 3, argv);
}

/* One partition's conversations in a state. */
int
store_list(struct db *db, int partition, const char *state, int64_t limit,
    store_reply_cb cb, void *arg)
{
	char		 key[32], pfx[32], lim[24];
	const char	*argv[3];

	snprintf(key, sizeof key, "rd:{%d}:%s", partition,
	    strcmp(state, "responded") == 0 ? "rs" : "aw");
	snprintf(pfx, sizeof pfx, "rd:{%d}:", partition);
	snprintf(lim, sizeof lim, "%lld", (long long)limit);
	argv[0] = key;
	argv[1] = pfx;
	argv[2] = lim;
	return store_run(db, &store_list_script, cb, arg, 1, 3, argv);
}

/* Append an event to a conversation's audit trail. */
int
store_event(struct db *db, const char *id, const char *json,
    store_reply_cb cb, void *arg)
{
	struct store_reply_ctx	*ctx;
	char			 key[64];
	int			 p;

	if ((p = store_id_partition(id)) == -1 ||
	    (ctx = calloc(1, sizeof *ctx)) == NULL)
		return -1;
	snprintf(key, sizeof key, "rd:{%d}:e:%s", p, id);
	ctx->cb = cb;
	ctx->arg = arg;
	if (db_command(db, store_reply_done, ctx, "RPUSH %s %s", key,
	    json) == -1) {
		free(ctx);
		return -1;
	}
	return 0;
}
