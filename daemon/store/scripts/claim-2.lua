#!lua
-- Claim what is due in one partition: move each member of the due set
-- whose time has come by Redis TIME (at most ARGV[1] of them) to the
-- escalation stream, where the consumer group hands each entry to one
-- instance.  Whether the alert is still wanted (the conversation still
-- awaiting, the step still current, no acknowledgement pausing it) is
-- decided at delivery, which reads the conversation: a script may touch
-- only its KEYS.  A malformed member is dropped.
-- KEYS: the partition's due set, its escalation stream
-- ARGV: the most members to move
-- Returns {claimed, the next due time (ms) left in the set or '-1'}.
--#include now.lua
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now,
  'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
local n = 0
for i = 1, #due, 2 do
  local m, score = due[i], due[i + 1]
  redis.call('ZREM', KEYS[1], m)
  local id, kind = string.match(m, '^(.-):(.+)$')
  if id and id ~= '' then
    redis.call('XADD', KEYS[2], '*', 'id', id, 'kind', kind, 'due', score,
      'claimed', now)
    n = n + 1
  end
end
local nx = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {n, nx[2] or '-1'}
