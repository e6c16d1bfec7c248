#!lua
-- End one absence of a person early: its end becomes ARGV[3] if that is
-- sooner (an absence never grows here).  One that has not begun by then
-- is removed, as a cancelled one is; the person's field goes with the last.
-- KEYS: absences hash
-- ARGV: person, absence id, the new end (ms)
-- Returns 1 when it ended (or was already over), 2 when it was removed,
-- 0 when the person has no such absence.
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local to = tonumber(ARGV[3])
local out, found = {}, 0
for _, r in ipairs(cjson.decode(cur)) do
  if tostring(r[1]) == ARGV[2] then
    if r[2] >= to then found = 2
    else
      found = 1
      if r[3] > to then r[3] = to end
      out[#out + 1] = r
    end
  else out[#out + 1] = r end
end
if found == 0 then return 0 end
if #out == 0 then redis.call('HDEL', KEYS[1], ARGV[1])
else redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(out)) end
return found
