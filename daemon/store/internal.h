/*
 * internal.h: what the parts of store/ share among themselves: running an
 * embedded script and reading replies.  Only store/ includes it.
 */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

struct redisReply;

#include "io/db.h"

/* An embedded script by name (daemon/store/scripts/NAME-NKEYS.lua). */
const struct db_script *store_script(const char *name);
/* Run a script: its KEYS come first in argv, as many as its file name
 * says (lens may be NULL for strings). */
int	 store_run(struct db *, const char *script, db_cb, void *, int argc,
	    const char **argv, const size_t *lens);

/* A field of an HGETALL reply, or NULL. */
const char *store_field(const struct redisReply *h, const char *name);
/* A record's field by its name (keys.h's REC_*), else by the name a
 * record of the release before gave it; NULL when neither is there. */
const char *store_rec_field(const struct redisReply *h, const char *name,
	    const char *old);
/* Element i of an HMGET reply when it is there, else element j: an HMGET
 * of a record asks for both a field's names. */
const struct redisReply *store_either(const struct redisReply *r, size_t i,
	    size_t j);
/* The address as a record keeps it: a phone number (E.164) without its
 * '+', so that Redis keeps its digits in the record's listpack as one
 * integer (5 bytes less than the text); an email address as it is. */
const char *store_addr_pack(const char *addr);
/* A record's address field as it was given: the '+' back on digits. */
void	 store_addr_unpack(char *dst, size_t len, const char *field);
/* A reply element's string (NULL-safe), or "". */
const char *store_str(const struct redisReply *r);
/* A reply element as a number (0 when missing). */
int64_t	 store_num(const struct redisReply *r);
/*
 * The ids (numbers N of "P-N") a partition's day ranges (an HGETALL of
 * KEY_DAYS) give for conversations that arrived in [from, to): lo to hi;
 * -1 when none.
 */
int	 store_days_range(const struct redisReply *days, int64_t from_ms,
	    int64_t to_ms, int64_t *lo, int64_t *hi);
/* Hex SHA-256 (first 20 bytes) of a string, for key names. */
void	 store_hash(const char *s, size_t len, char out[41]);
/* A dedupe key's names: store_hash's hex and base64url SHA-256 (first 14
 * bytes), from one digest. */
void	 store_hash_dedupe(const char *s, size_t len, char hex[41],
	    char out[20]);

#endif
