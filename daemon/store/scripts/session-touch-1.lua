#!lua
-- Use a staff session: refused (and deleted) once it has been idle for the
-- idle timeout or alive for the absolute one, else marked as seen now and
-- kept for another idle period (never past its absolute end).  Both
-- timeouts come from the running configuration, so a reload applies them
-- to sessions already open.  "seen" is written only when it is older than
-- the refresh interval, so that a busy session does not cost a write (an
-- fsync, with appendfsync always) on every request: an idle session may
-- end up to that interval early.
-- KEYS: the session
-- ARGV: idle timeout (ms), absolute timeout (ms), refresh interval (ms)
-- Returns false when there is no such live session, else {person, who,
-- csrf, created (ms), via}.
--#include now.lua
local s = redis.call('HMGET', KEYS[1], 'person', 'who', 'csrf', 'created',
  'seen', 'via')
if not s[1] then return false end
local now = now_ms()
local created, seen = tonumber(s[4]) or 0, tonumber(s[5]) or 0
local idle, max = tonumber(ARGV[1]), tonumber(ARGV[2])
if now - seen >= idle or now - created >= max then
  redis.call('DEL', KEYS[1])
  return false
end
if now - seen >= (tonumber(ARGV[3]) or 0) then
  redis.call('HSET', KEYS[1], 'seen', now)
  redis.call('PEXPIRE', KEYS[1], math.min(idle, created + max - now))
end
return {s[1], s[2] or '', s[3] or '', tostring(created), s[6] or ''}
