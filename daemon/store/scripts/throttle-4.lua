#!lua
-- Keep texts to one phone inside what the networks allow (GOV.UK Notify
-- documents 100 texts, or 20 identical ones, per number per hour), and
-- vary their wording: the caller gives three wordings of one text; the
-- next one in turn is chosen (the count of texts in the hour picks where
-- to start), passing over a wording already sent 20 times in the hour.
-- Each set holds the texts of the last hour (ms, members unique).
-- KEYS: the phone's texts, then its texts of each of the three wordings
-- ARGV: most texts per hour, most identical per hour, the window (ms)
-- Returns {wording (1-3), texts in the hour with this one}, or {0,
-- 'hour'} / {0, 'identical'} when the text must not go.
--#include now.lua
local now = now_ms()
local from = now - tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', from)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', from)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', from)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', from)
local total = redis.call('ZCARD', KEYS[1])
if total >= tonumber(ARGV[1]) then return {0, 'hour'} end
local same = {redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3]),
  redis.call('ZCARD', KEYS[4])}
local chosen = 0
for j = 0, 2 do
  local v = (total + j) % 3 + 1
  if same[v] < tonumber(ARGV[2]) then chosen = v; break end
end
if chosen == 0 then return {0, 'identical'} end
local t = redis.call('TIME')
local m = t[1] .. '.' .. t[2] .. '.' .. total
redis.call('ZADD', KEYS[1], now, m)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if chosen == 1 then
  redis.call('ZADD', KEYS[2], now, m)
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
elseif chosen == 2 then
  redis.call('ZADD', KEYS[3], now, m)
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
else
  redis.call('ZADD', KEYS[4], now, m)
  redis.call('PEXPIRE', KEYS[4], ARGV[3])
end
return {chosen, total + 1}
