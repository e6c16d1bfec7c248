#!lua
-- Record a response to a conversation (a reply sent, a call made).
-- KEYS: conversation, events, the release before's open pointer of its
--       address, awaiting, due, responded, stats, the address's hash
-- ARGV: id, by, how, note, ttl of the record afterwards (seconds)
-- Returns {'responded', team, step reached}, 'already' (it had one) or
-- 'missing'.
--#include now.lua
--#include respond.lua
local r, team, step = respond(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if r == 'responded' then return {r, team, step} end
return r
