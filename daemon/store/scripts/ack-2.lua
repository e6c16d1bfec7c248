#!lua
-- Acknowledge an awaiting conversation: escalation pauses until the time
-- given (the caller works it out with the team's calendar).
-- KEYS: conversation, events
-- ARGV: by, until (ms)
-- Returns 'ok', 'already' (it has a response) or 'missing'.
--#include now.lua
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state ~= 'awaiting' then return 'already' end
local now = now_ms()
redis.call('HSET', KEYS[1], 'ack_by', ARGV[1], 'ack_until', ARGV[2])
redis.call('RPUSH', KEYS[2], cjson.encode({type = 'ack', at = now,
  by = ARGV[1], until_ms = tonumber(ARGV[2])}))
return 'ok'
