#!lua
-- Remove an address's routing entry only if it still points at the given
-- contact: another contact may have taken the address since, and its entry
-- must stay.
-- KEYS: route of the address
-- ARGV: contact id
-- Returns 1 when the entry was removed, 0 when it was gone or another's.
if redis.call('HGET', KEYS[1], 'contact') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
