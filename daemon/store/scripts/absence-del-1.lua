#!lua
-- Remove one absence of a person; the person's field goes with the last.
-- KEYS: absences hash
-- ARGV: person, absence id
-- Returns 1 when it was removed, 0 when the person has no such absence.
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local out, found = {}, 0
for _, r in ipairs(cjson.decode(cur)) do
  if tostring(r[1]) == ARGV[2] then found = 1 else out[#out + 1] = r end
end
if #out == 0 then redis.call('HDEL', KEYS[1], ARGV[1])
else redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(out)) end
return found
