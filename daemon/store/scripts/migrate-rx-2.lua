#!lua
-- Migration from the layout of the release before: fold a batch of a
-- partition's arrival index (rx, every conversation by arrival) into its
-- day ranges (each UTC day's lowest and highest id that opened on it),
-- removing what it folded.  Safe to run by several instances at once and
-- again after a crash: a range only ever widens.
-- KEYS: the partition's rx, its day ranges
-- ARGV: the most entries to fold
-- Returns {entries folded, entries left in rx}.
local e = redis.call('ZPOPMIN', KEYS[1], tonumber(ARGV[1]))
local ranges = {}
for i = 1, #e, 2 do
  local num = tonumber(string.match(e[i], '%-(%d+)$'))
  if num then
    local day = string.format('%d', math.floor(tonumber(e[i + 1]) / 86400000))
    local r = ranges[day]
    if not r then
      local cur = redis.call('HGET', KEYS[2], day)
      local lo, hi = num, num
      if cur then
        local a, b = string.match(cur, '^(%d+):(%d+)$')
        if a then lo, hi = tonumber(a), tonumber(b) end
      end
      r = {lo, hi}
      ranges[day] = r
    end
    r[1] = math.min(r[1], num)
    r[2] = math.max(r[2], num)
  end
end
for day, r in pairs(ranges) do
  redis.call('HSET', KEYS[2], day, string.format('%d:%d', r[1], r[2]))
end
return {#e / 2, redis.call('ZCARD', KEYS[1])}
