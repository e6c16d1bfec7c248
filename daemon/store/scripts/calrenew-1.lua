#!lua
-- The owner of a calendar's recompute job renews its lease, or marks the
-- job finished; either only while the job is still its own and current.
-- KEYS: the calendar's hash (rd:cal:NAME)
-- ARGV: seq, owner, lease (ms), '1' when the job is finished
-- Returns 'ok', or 'lost' (another job replaced it, or another instance
-- took it over).
--#include now.lua
local f = redis.call('HMGET', KEYS[1], 'seq', 'owner')
if f[1] ~= ARGV[1] or f[2] ~= ARGV[2] then return 'lost' end
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], 'done', ARGV[1], 'lease', 0)
else
  redis.call('HSET', KEYS[1], 'lease', now_ms() + tonumber(ARGV[3]))
end
return 'ok'
