#!lua
-- Append an event to a conversation's audit trail while its record
-- exists.  A new conversation's first message lives in its record, so the
-- trail is made by its second event; made after the response, it expires
-- with the record (never an immortal trail for a record that expired).
-- KEYS: the conversation, its events
-- ARGV: the event (JSON)
-- Returns 1 when it was appended, 0 when the record has expired.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 and redis.call('PTTL', KEYS[2]) < 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return 1
