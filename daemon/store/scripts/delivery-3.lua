#!lua
-- Record a delivery receipt (a Twilio status callback, a Notify delivery
-- receipt) in the notification log of the conversation the send was for:
-- each status of one sent message once (providers repeat callbacks), and
-- whether this is the first report that the message failed, so that the
-- alert is sent again on another channel only once.
-- KEYS: the conversation, its events, the receipts seen for this message
-- ARGV: the provider's status word, the event (JSON), '1' when the status
--       is a failure, ttl of the receipts hash (seconds)
-- Returns {1 when the event was recorded, 1 when it is the first failure};
-- {0, 0} when the conversation has expired.  The trail may not exist yet
-- (a new conversation's first message is in its record): made here, it
-- expires with the record.
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local fresh = redis.call('HSETNX', KEYS[3], 's:' .. ARGV[1], 1)
if fresh == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 and redis.call('PTTL', KEYS[2]) < 0 then
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
end
local first = 0
if ARGV[3] == '1' then first = redis.call('HSETNX', KEYS[3], 'failed', 1) end
redis.call('EXPIRE', KEYS[3], ARGV[4])
return {fresh, first}
