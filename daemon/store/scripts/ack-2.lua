#!lua
-- Acknowledge an awaiting conversation: escalation pauses until the time
-- given (the caller works it out with the team's calendar).
-- KEYS: conversation, events
-- ARGV: by, until (ms), '1' to take it only if nobody else holds it now
--       (a take by text; the API takes it over) or '' / absent, how it was
--       taken ('sms', or '' / absent for the API)
-- Returns 'ok', 'already' (it has a response) or 'missing'; with ARGV[3]
-- '1', {'held', by, until (ms)} when another person holds it until later.
--#include now.lua
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state ~= 'awaiting' then return 'already' end
local now = now_ms()
if ARGV[3] == '1' then
  local f = redis.call('HMGET', KEYS[1], 'ack_by', 'ack_until')
  if f[1] and f[1] ~= '' and f[1] ~= ARGV[1] and
      (tonumber(f[2] or '0') or 0) > now then
    return {'held', f[1], f[2]}
  end
end
redis.call('HSET', KEYS[1], 'ack_by', ARGV[1], 'ack_until', ARGV[2],
  'ack_at', now)
local ev = {type = 'ack', at = now, by = ARGV[1],
  until_ms = tonumber(ARGV[2])}
if ARGV[4] and ARGV[4] ~= '' then ev.via = ARGV[4] end
redis.call('RPUSH', KEYS[2], cjson.encode(ev))
return 'ok'
