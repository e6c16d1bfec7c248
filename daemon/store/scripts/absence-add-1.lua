#!lua
-- Add an absence to a person's list: the hash holds, per person, a JSON
-- array of [id, from (ms), to (ms)] ranges.  The id comes from the counter
-- rd:absences:seq, taken with INCR before this runs: the counter is in
-- another slot, and a script's keys must share one on Redis Cluster.
-- KEYS: absences hash
-- ARGV: person, absence id, from (ms), to (ms)
-- Returns the absence's id.
local id = tonumber(ARGV[2])
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local list = cur and cjson.decode(cur) or {}
list[#list + 1] = {id, tonumber(ARGV[3]), tonumber(ARGV[4])}
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(list))
return id
