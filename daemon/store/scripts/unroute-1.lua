#!lua
-- Remove an address's routing entry only if it still points at the given
-- contact: another contact may have taken the address since, and its entry
-- must stay.  The address's open conversation (field 'o') stays: the hash
-- is gone only once that is answered too.
-- KEYS: route of the address
-- ARGV: contact id
-- Returns 1 when the entry was removed, 0 when it was gone or another's.
if redis.call('HGET', KEYS[1], 'contact') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'contact', 'team', 'worker', 'receipt')
return 1
