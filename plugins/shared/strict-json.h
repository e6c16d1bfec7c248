/*
 * strict-json.h: a provider's JSON, parsed whole or not at all.  Exactly
 * len bytes must be one JSON value (white space may follow it, nothing
 * else), so a body with trailing bytes is refused rather than half read;
 * NULs and escaped lone surrogates are made U+FFFD first (json-unnul.h)
 * so no string is cut short.  Shared by the inbound plugins; pure.
 */
#ifndef STRICT_JSON_H
#define STRICT_JSON_H

#include <stddef.h>

struct cJSON;

/* The parsed value (free with cJSON_Delete), or NULL. */
struct cJSON	*strict_json(const char *s, size_t len);

#endif
