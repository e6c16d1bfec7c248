#!lua
-- An acknowledgement pauses a conversation's escalation steps (not its
-- urgent alerts or waiting notices): put a step that fell due meanwhile
-- back in the due set at the pause's end.  Delivery saw the pause; this
-- checks again, by Redis TIME, with the record as it is now.
-- KEYS: the conversation, the partition's due set
-- ARGV: id, step
-- Returns {'deferred', the pause's end (ms)}; {'due'} when the pause has
-- ended (alert now); {'gone'} when the conversation is no longer awaiting
-- or is at another step (nothing to do).
--#include now.lua
local f = redis.call('HMGET', KEYS[1], 'state', 'step', 'ack_until')
if f[1] ~= 'awaiting' or (f[2] or '0') ~= ARGV[2] then return {'gone'} end
local ack = tonumber(f[3] or '0') or 0
if ack <= now_ms() then return {'due'} end
redis.call('ZADD', KEYS[2], ack, ARGV[1] .. ':' .. ARGV[2])
return {'deferred', f[3]}
