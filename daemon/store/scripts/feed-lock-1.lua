#!lua
-- Take the right to fetch a bank-holiday feed now, so that one instance
-- fetches it when it falls due (next_at) and the others wait for the
-- stored copy.  The lock expires by itself if its holder disappears.
-- KEYS: the feed's hash (rd:feed:H, H the hash of its URL)
-- ARGV: owner, lock (ms)
-- Returns 'ok', 'notdue' (fetched recently enough) or 'busy' (another
-- instance is fetching it).
--#include now.lua
local f = redis.call('HMGET', KEYS[1], 'next_at', 'lock_until')
local now = now_ms()
if (tonumber(f[1]) or 0) > now then return 'notdue' end
if (tonumber(f[2]) or 0) > now then return 'busy' end
redis.call('HSET', KEYS[1], 'lock_until', now + tonumber(ARGV[2]),
  'lock_owner', ARGV[1])
return 'ok'
