#!lua
-- The first half of storing a message: the open conversation of the
-- sender's address, or a new conversation id when none is open, so that
-- the ingest script can be given every key it touches.
-- KEYS: open pointer of the address, the partition's id sequence
-- ARGV: partition number, '1' to allocate a new id when none is open
-- Returns {open id or '', new id or ''}.
local id = redis.call('GET', KEYS[1])
if id then return {id, ''} end
if ARGV[2] ~= '1' then return {'', ''} end
return {'', ARGV[1] .. '-' .. redis.call('INCR', KEYS[2])}
