#!lua
-- Add (or replace) an unplanned closure of a calendar (SPEC section 18)
-- and bump the calendar's data revision, which every instance polls, so
-- all of them close the day within a poll.  The calendar's hash also
-- holds its recompute job (calclaim-1); this script leaves that alone.
-- KEYS: the calendar's hash (rd:cal:NAME)
-- ARGV: date (YYYY-MM-DD), the closure as JSON {reason, by, at}, why (for
--       the recompute its change starts)
-- Returns {'added' or 'replaced', revision, then every closure as field,
-- value pairs (fields "c:DATE")}.
local f = 'c:' .. ARGV[1]
local had = redis.call('HEXISTS', KEYS[1], f)
redis.call('HSET', KEYS[1], f, ARGV[2], 'why', ARGV[3])
local rev = redis.call('HINCRBY', KEYS[1], 'rev', 1)
local all = redis.call('HGETALL', KEYS[1])
local out = {had == 1 and 'replaced' or 'added', rev}
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'c:' then
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
return out
