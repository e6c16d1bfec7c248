/*
 * store.c: see store.h.  The scripts come from the table tools/embed-lua
 * builds from daemon/store/scripts; each is sent by SHA, and in full when
 * Redis does not know it (db.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "base/hex.h"
#include "base/log.h"
#include "io/db.h"
#include "store/internal.h"
#include "store/keys.h"
#include "store/scripts.h"
#include "store/store.h"

#define STORE_MAX_SCRIPTS	64

static struct db_script	store_scripts[STORE_MAX_SCRIPTS];
static int		store_nkeys[STORE_MAX_SCRIPTS];
static size_t		store_nscripts;
static int		store_initing;

static int	store_script_index(const char *);

/* Compute every embedded script's SHA once. */
int
store_init(void)
{
	const struct script_source	*s;

	if (store_nscripts > 0)
		return 0;
	store_initing = 1;
	for (s = script_sources; s->name != NULL; s++) {
		if (store_script_index(s->name) != -1 ||
		    store_nscripts == STORE_MAX_SCRIPTS) {
			log_error("store: script %s: %s", s->file,
			    store_nscripts == STORE_MAX_SCRIPTS ? "too many "
			    "scripts" : "another script has this name");
			store_initing = 0;
			return -1;
		}
		store_scripts[store_nscripts].name = s->name;
		store_scripts[store_nscripts].source = s->source;
		db_script_init(&store_scripts[store_nscripts]);
		store_nkeys[store_nscripts] = s->nkeys;
		store_nscripts++;
	}
	store_initing = 0;
	return 0;
}

/* The index of an embedded script, or -1. */
static int
store_script_index(const char *name)
{
	size_t	i;

	if (store_nscripts == 0 && !store_initing)
		store_init();
	for (i = 0; i < store_nscripts; i++)
		if (strcmp(store_scripts[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* An embedded script by name. */
const struct db_script *
store_script(const char *name)
{
	int	i = store_script_index(name);

	return i == -1 ? NULL : &store_scripts[i];
}

/* Run a script whose KEYS come first in argv. */
int
store_run(struct db *db, const char *name, db_cb cb, void *arg, int argc,
    const char **argv, const size_t *lens)
{
	int	i = store_script_index(name);

	if (i == -1) {
		log_error("store: no script \"%s\" in this build", name);
		return -1;
	}
	if (argc < store_nkeys[i]) {
		log_error("store: script %s needs %d keys, given %d arguments",
		    name, store_nkeys[i], argc);
		return -1;
	}
	return db_eval(db, &store_scripts[i], cb, arg, store_nkeys[i], argc,
	    argv, lens);
}

/* A record's field by either of its names. */
const char *
store_rec_field(const redisReply *h, const char *name, const char *old)
{
	const char	*v = store_field(h, name);

	return v != NULL ? v : store_field(h, old);
}

/* A phone number's digits, else the address. */
const char *
store_addr_pack(const char *addr)
{
	size_t	n;

	if (addr[0] != '+' || addr[1] < '1' || addr[1] > '9')
		return addr;
	n = strspn(addr + 1, "0123456789");
	return n <= 15 && addr[1 + n] == '\0' ? addr + 1 : addr;
}

/* Digits are a phone number: E.164 gets its '+' back. */
void
store_addr_unpack(char *dst, size_t len, const char *field)
{
	if (field == NULL)
		field = "";
	if (field[0] != '\0' && field[strspn(field, "0123456789")] == '\0')
		snprintf(dst, len, "+%s", field);
	else
		snprintf(dst, len, "%s", field);
}

/* Element i of an HMGET reply, else element j. */
const redisReply *
store_either(const redisReply *r, size_t i, size_t j)
{
	if (r->element[i]->type == REDIS_REPLY_STRING)
		return r->element[i];
	return r->element[j];
}

/* A field of an HGETALL reply, or NULL. */
const char *
store_field(const redisReply *h, const char *name)
{
	size_t	i;

	if (h == NULL || h->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < h->elements; i += 2)
		if (h->element[i]->str != NULL &&
		    strcmp(h->element[i]->str, name) == 0)
			return h->element[i + 1]->str;
	return NULL;
}

/* A reply element's string, or "". */
const char *
store_str(const redisReply *r)
{
	return r != NULL && r->str != NULL ? r->str : "";
}

/* A reply element as a number. */
int64_t
store_num(const redisReply *r)
{
	if (r == NULL)
		return 0;
	if (r->type == REDIS_REPLY_INTEGER)
		return r->integer;
	return r->str != NULL ? strtoll(r->str, NULL, 10) : 0;
}

/* SHA-256 of a string as hex (first 40 characters). */
void
store_hash(const char *s, size_t len, char out[41])
{
	unsigned char	md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)s, len, md);
	hex_encode(md, 20, out);
}

/*
 * A dedupe key's names for a provider's message id, from one SHA-256:
 * short, its first 14 bytes (112 bits: no two ids of 35 days' messages
 * share one) in base64url without padding, 19 characters, short enough
 * that Redis keeps "rd:{P}:d:twilio:" and it in a 40-byte allocation;
 * hex, the release before's, store_hash's 40 hex characters (64).
 */
void
store_hash_dedupe(const char *s, size_t len, char hex[41], char out[20])
{
	unsigned char	md[SHA256_DIGEST_LENGTH], b64[24];
	int		i, n;

	SHA256((const unsigned char *)s, len, md);
	hex_encode(md, 20, hex);
	n = EVP_EncodeBlock(b64, md, 14);	/* 20 characters, one '=' */
	for (i = 0; i < n && i < 19 && b64[i] != '='; i++)
		out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' :
		    (char)b64[i];
	out[i] = '\0';
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
		sr->st.in_time += (double)store_num(r->element[0]);
		sr->st.late += (double)store_num(r->element[1]);
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

/* The ids a partition's day ranges give for arrivals in [from, to). */
int
store_days_range(const redisReply *days, int64_t from_ms, int64_t to_ms,
    int64_t *lo, int64_t *hi)
{
	long long	 d, a, b;
	int64_t		 first = from_ms / STORE_DAY_MS;
	int64_t		 last = (to_ms - 1) / STORE_DAY_MS;
	size_t		 i;
	int		 found = 0;

	*lo = *hi = 0;
	for (i = 0; i + 1 < days->elements; i += 2) {
		if (days->element[i]->str == NULL ||
		    days->element[i + 1]->str == NULL ||
		    sscanf(days->element[i]->str, "%lld", &d) != 1 ||
		    sscanf(days->element[i + 1]->str, "%lld:%lld", &a,
		    &b) != 2 || d < first || d > last || a > b)
			continue;
		if (!found || a < *lo)
			*lo = a;
		if (!found || b > *hi)
			*hi = b;
		found = 1;
	}
	return found ? 0 : -1;
}

/* Gather the stats of every partition. */
int
store_stats(struct db *db, int64_t now_ms, store_stats_cb cb, void *arg)
{
	struct store_stats_req	*sr;
	char			 key[32];
	int			 p;

	if ((sr = calloc(1, sizeof *sr)) == NULL)
		return -1;
	sr->cb = cb;
	sr->arg = arg;
	sr->pending = 1;
	for (p = 0; p < STORE_PARTITIONS; p++) {
		snprintf(key, sizeof key, KEY_STATS, p);
		if (db_command(db, store_stats_counts, sr,
		    "HMGET %s in_time late", key) == 0)
			sr->pending++;
		else
			sr->failed = 1;
		snprintf(key, sizeof key, KEY_AWAITING, p);
		if (db_command(db, store_stats_overdue, sr,
		    "ZCOUNT %s -inf %lld", key, (long long)now_ms) == 0)
			sr->pending++;
		else
			sr->failed = 1;
	}
	store_stats_release(sr);
	return 0;
}

struct store_claim_req {
	store_claim_cb	 cb;
	void		*arg;
	char		*message_id;
};

/* The token's previous owner (or none) is known. */
static void
store_claim_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct store_claim_req	*cr = arg;
	enum store_claim_result	 res = STORE_CLAIM_OURS;

	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		res = STORE_CLAIM_FAILED;
	else if (r->type == REDIS_REPLY_STRING &&
	    strcmp(r->str, cr->message_id) != 0)
		res = STORE_CLAIM_TAKEN;
	cr->cb(res, cr->arg);
	free(cr->message_id);
	free(cr);
}

/* Claim a single-use token for a message. */
int
store_claim_token(struct db *db, const char *provider, const char *token,
    const char *message_id, int ttl, store_claim_cb cb, void *arg)
{
	struct store_claim_req	*cr;
	char			 h[41], key[128];

	if ((cr = calloc(1, sizeof *cr)) == NULL ||
	    (cr->message_id = strdup(message_id)) == NULL) {
		free(cr);
		return -1;
	}
	cr->cb = cb;
	cr->arg = arg;
	store_hash(token, strlen(token), h);
	snprintf(key, sizeof key, KEY_REPLAY, provider, h);
	if (db_command(db, store_claim_done, cr, "SET %s %s NX GET EX %d",
	    key, message_id, ttl > 0 ? ttl : 86400) == -1) {
		free(cr->message_id);
		free(cr);
		return -1;
	}
	return 0;
}

struct store_wait_req {
	store_wait_cb	 cb;
	void		*arg;
};

/* WAIT answered. */
static void
store_wait_done(struct db *db, redisReply *r, const char *err, void *arg)
{
	struct store_wait_req	*wr = arg;

	wr->cb(r != NULL && r->type == REDIS_REPLY_INTEGER ?
	    (int)r->integer : -1, wr->arg);
	free(wr);
}

/* Wait until replicas have the writes so far. */
int
store_wait(struct db *db, int replicas, int timeout_ms, store_wait_cb cb,
    void *arg)
{
	struct store_wait_req	*wr;

	if ((wr = calloc(1, sizeof *wr)) == NULL)
		return -1;
	wr->cb = cb;
	wr->arg = arg;
	if (db_command(db, store_wait_done, wr, "WAIT %d %d", replicas,
	    timeout_ms) == -1) {
		free(wr);
		return -1;
	}
	return 0;
}
