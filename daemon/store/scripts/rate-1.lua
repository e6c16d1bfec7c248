#!lua
-- Count one attempt in a fixed window (sign-in rate limits): the first
-- attempt starts the window.
-- KEYS: the counter
-- ARGV: the window (ms)
-- Returns {attempts in this window, ms until the window ends}.
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
