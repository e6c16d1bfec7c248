#!lua
-- Record a delivery receipt (a Twilio status callback, a Notify delivery
-- receipt) in the notification log of the conversation the send was for:
-- each status of one sent message once (providers repeat callbacks), and
-- whether this is the first report that the message failed, so that the
-- alert is sent again on another channel only once.
-- KEYS: the conversation's events, the receipts seen for this message
-- ARGV: the provider's status word, the event (JSON), '1' when the status
--       is a failure, ttl of the receipts hash (seconds)
-- Returns {1 when the event was recorded, 1 when it is the first failure};
-- {0, 0} when the conversation's trail has expired.
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local fresh = redis.call('HSETNX', KEYS[2], 's:' .. ARGV[1], 1)
if fresh == 1 then redis.call('RPUSH', KEYS[1], ARGV[2]) end
local first = 0
if ARGV[3] == '1' then first = redis.call('HSETNX', KEYS[2], 'failed', 1) end
redis.call('EXPIRE', KEYS[2], ARGV[4])
return {fresh, first}
