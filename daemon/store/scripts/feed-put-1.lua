#!lua
-- Store the outcome of fetching a bank-holiday feed and release the
-- fetch lock.  A valid feed that differs from the stored one replaces it
-- (and bumps rev, which every instance polls); one equal to it only
-- records when it was checked; a failure keeps the stored copy and
-- records the error.  Then the next fetch falls due after ARGV[3] ms.
-- KEYS: the feed's hash (rd:feed:H)
-- ARGV: 1 'valid' or 'failed', 2 URL, 3 ms until the next fetch, 4 the
--       body ('valid') or the error ('failed')
-- Returns {'updated', 'unchanged' or 'failed', revision, SHA-1 of the
-- stored body or ''}.
--#include now.lua
local now = now_ms()
redis.call('HSET', KEYS[1], 'url', ARGV[2], 'next_at', now +
  tonumber(ARGV[3]), 'lock_until', 0)
local f = redis.call('HMGET', KEYS[1], 'rev', 'sha')
local rev, sha = tonumber(f[1] or '0'), f[2] or ''
if ARGV[1] == 'failed' then
  redis.call('HSET', KEYS[1], 'error', ARGV[4], 'failed_at', now)
  return {'failed', rev, sha}
end
redis.call('HSET', KEYS[1], 'fetched_at', now, 'error', '')
local new = redis.sha1hex(ARGV[4])
if new == sha then return {'unchanged', rev, sha} end
redis.call('HSET', KEYS[1], 'body', ARGV[4], 'sha', new)
return {'updated', redis.call('HINCRBY', KEYS[1], 'rev', 1), new}
