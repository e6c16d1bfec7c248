#!lua
-- Move a conversation to its next escalation step and schedule that step,
-- before the current step's alerts go out: a crash then repeats an alert
-- (acceptable) but never loses the next step.  Idempotent: a repeat, or a
-- conversation no longer awaiting, changes nothing.
-- The next step's due time was worked out from the deadline the caller
-- read; if a calendar change moved the deadline since (recompute-5), it
-- changes nothing and says so, and the caller works it out again.
-- KEYS: the conversation, the partition's due set
-- ARGV: id, the step being alerted, the next step's due time (ms) or '-1'
--       when there is none, the deadline (ms) it was worked out from
-- Returns 1 when it moved the step on, 0 when it changed nothing, 2 when
-- the deadline is no longer ARGV[4].
local f = redis.call('HMGET', KEYS[1], 'state', 'step', 'deadline')
if f[1] ~= 'awaiting' or (f[2] or '0') ~= ARGV[2] then return 0 end
if ARGV[4] and f[3] ~= ARGV[4] then return 2 end
local nx = tonumber(ARGV[2]) + 1
redis.call('HSET', KEYS[1], 'step', nx)
if ARGV[3] ~= '-1' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1] .. ':' .. nx)
end
return 1
