#!lua
-- Add an absence to a person's list: the hash holds, per person, a JSON
-- array of [id, from (ms), to (ms)] ranges; ids come from one counter.
-- KEYS: absences hash, absence id sequence
-- ARGV: person, from (ms), to (ms)
-- Returns the new absence's id.
local id = redis.call('INCR', KEYS[2])
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local list = cur and cjson.decode(cur) or {}
list[#list + 1] = {id, tonumber(ARGV[2]), tonumber(ARGV[3])}
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(list))
return id
