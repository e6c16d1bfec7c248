#!lua
-- Take over a calendar's recompute job whose owner stopped renewing its
-- lease (it crashed or lost Redis), provided the job is still the current
-- one, unfinished, and for the version the caller has (see calclaim-1).
-- KEYS: the calendar's hash (rd:cal:NAME)
-- ARGV: seq, version, owner, lease (ms)
-- Returns {'mine', started, why} or {'no'}.
--#include now.lua
local f = redis.call('HMGET', KEYS[1], 'seq', 'ver', 'done', 'lease',
  'started', 'job_why')
local now = now_ms()
if f[1] ~= ARGV[1] or f[2] ~= ARGV[2] or
    (tonumber(f[3]) or 0) >= tonumber(ARGV[1]) or
    (tonumber(f[4]) or 0) > now then
  return {'no'}
end
redis.call('HSET', KEYS[1], 'owner', ARGV[3], 'lease',
  now + tonumber(ARGV[4]))
return {'mine', f[5] or '0', f[6] or ''}
