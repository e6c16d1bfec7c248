#!lua
-- Record that someone read a contact's details (SPEC section 15: who read
-- what).  The trail is kept for as long as conversation metadata, from
-- its latest entry.
-- KEYS: the contact's read trail
-- ARGV: the entry (JSON), how long to keep the trail (seconds)
-- Returns the trail's length.
local n = redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return n
