#!lua flags=no-writes
-- A conversation with its audit trail and the texts still kept.
-- KEYS: conversation, events, texts
-- ARGV: none
-- Returns false when there is no such conversation, else {record (HGETALL),
-- events (oldest first), texts (HGETALL: message number -> text)}.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return {redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0,
  -1), redis.call('HGETALL', KEYS[3])}
