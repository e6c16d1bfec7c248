#!lua
-- Remove an unplanned closure of a calendar and bump its data revision
-- (see closure-add-1).
-- KEYS: the calendar's hash (rd:cal:NAME)
-- ARGV: date (YYYY-MM-DD), why
-- Returns {'missing', revision} when there was no such closure, else
-- {'deleted', revision, then every closure left as field, value pairs}.
if redis.call('HDEL', KEYS[1], 'c:' .. ARGV[1]) == 0 then
  return {'missing', tonumber(redis.call('HGET', KEYS[1], 'rev') or '0')}
end
redis.call('HSET', KEYS[1], 'why', ARGV[2])
local rev = redis.call('HINCRBY', KEYS[1], 'rev', 1)
local all = redis.call('HGETALL', KEYS[1])
local out = {'deleted', rev}
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'c:' then
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
return out
