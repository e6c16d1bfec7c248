-- Record a response in a conversation.  Shared by respond and ingest, which
-- both pass these first eight KEYS: the conversation, its events, the open
-- pointer key of its address (the release before's; the open id is now the
-- field 'o' of the address's hash), the awaiting index, the due set, the
-- responded index, the partition's stats and the address's hash.
-- Returns 'responded', 'already' or 'missing', and with 'responded' the
-- conversation's team and the step it had reached (for the log).  Needs
-- now.lua.
local function respond(id, by, how, note, ttl)
  local state = redis.call('HGET', KEYS[1], 'state')
  if not state then return 'missing' end
  if state ~= 'awaiting' then return 'already' end
  local now = now_ms()
  local f = redis.call('HMGET', KEYS[1], 'step', 'deadline', 't', 'team')
  redis.call('HSET', KEYS[1], 'state', 'responded', 'responded_at', now,
    'responded_by', by, 'how', how)
  redis.call('ZREM', KEYS[4], id)
  redis.call('ZREM', KEYS[5], id .. ':' .. (f[1] or '0'))
  redis.call('ZADD', KEYS[6], now, id)
  redis.call('HINCRBY', KEYS[7],
    now <= tonumber(f[2] or '0') and 'in_time' or 'late', 1)
  if redis.call('HGET', KEYS[8], 'o') == id then
    redis.call('HDEL', KEYS[8], 'o')
  end
  if redis.call('GET', KEYS[3]) == id then redis.call('DEL', KEYS[3]) end
  redis.call('RPUSH', KEYS[2], cjson.encode({type = 'response', at = now,
    by = by, how = how, note = note}))
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
  return 'responded', f[3] or f[4] or '', f[1] or '0'
end
