#!lua
-- Decide who recomputes the open conversations of a calendar whose data
-- changed.  The calendar's hash records the deadline version every open
-- conversation is being moved to (ver) and the job doing it: seq (a
-- number that only grows, even if this hash is lost, because it is at
-- least Redis TIME in ms), owner, lease (ms), started (ms), done (the
-- last seq finished).  Instances that reload at once compute the same
-- version: the first to ask gets the job, the others hear 'current'.
-- KEYS: the calendar's hash (rd:cal:NAME)
-- ARGV: version, why, owner, lease (ms), '1' to only record a first
--       version (at start, or once open conversations appear: deadlines
--       already stored were computed with this data), '2' likewise but
--       writing nothing yet (at start: a Redis with nothing to recompute
--       stays untouched)
-- Returns {'current', seq, started, done, why} when that version is
-- already recorded, {'absent'} (with '2'), {'recorded', seq} or
-- {'mine', seq, started}.
--#include now.lua
local f = redis.call('HMGET', KEYS[1], 'ver', 'seq', 'started', 'done',
  'job_why')
if f[1] == ARGV[1] then
  return {'current', f[2] or '0', f[3] or '0', f[4] or '0', f[5] or ''}
end
local now = now_ms()
local seq = math.max((tonumber(f[2]) or 0) + 1, now)
if not f[1] and ARGV[5] == '2' then return {'absent'} end
if not f[1] and ARGV[5] == '1' then
  redis.call('HSET', KEYS[1], 'ver', ARGV[1], 'seq', seq, 'done', seq,
    'started', now, 'job_why', ARGV[2])
  return {'recorded', seq}
end
redis.call('HSET', KEYS[1], 'ver', ARGV[1], 'seq', seq, 'owner', ARGV[3],
  'lease', now + tonumber(ARGV[4]), 'started', now, 'job_why', ARGV[2])
return {'mine', seq, now}
