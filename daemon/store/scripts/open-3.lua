#!lua
-- The first half of storing a message: the open conversation of the
-- sender's address, or a new conversation id when none is open, so that
-- the ingest script can be given every key it touches.
-- KEYS: the address's hash (its field 'o': the open id), the partition's
--       id sequence, the release before's open pointer of the address
-- ARGV: partition number, '1' to allocate a new id when none is open
-- Returns {open id or '', new id or ''}.
local id = redis.call('HGET', KEYS[1], 'o') or redis.call('GET', KEYS[3])
if id then return {id, ''} end
if ARGV[2] ~= '1' then return {'', ''} end
return {'', ARGV[1] .. '-' .. redis.call('INCR', KEYS[2])}
