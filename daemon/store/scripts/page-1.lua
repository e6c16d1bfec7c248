#!lua flags=no-writes
-- One partition's part of a page of a list: the entries of a sorted set of
-- conversation ids that come after a cursor in descending (score, id)
-- order, the order ZREVRANGE gives, within a range of scores.  The cursor
-- is the last entry a page handed out: when it is still in the set with
-- that score, the page starts at its rank; when it has left or moved, at
-- the entries with its score and a lower id, then those with lower scores.
-- So an entry added or removed meanwhile never makes the page skip or
-- repeat one that stayed.
-- KEYS: the sorted set
-- ARGV: 1 highest score (ms, inclusive), 2 lowest score, 3 the cursor's
--       score ('' for the first page), 4 the cursor's id, 5 how many
-- Returns {id, score, id, score, ...}, at most ARGV[5] entries.
local hi, lo, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[5])
local out = {}
-- Whether a sorts before b byte by byte, as Redis sorts members (Lua's <
-- follows the locale).
local function before(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = a:byte(i), b:byte(i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local function keep(list)
  for i = 1, #list, 2 do
    if #out >= 2 * n then return end
    local s = tonumber(list[i + 1])
    if s >= lo and s <= hi then
      out[#out + 1] = list[i]
      out[#out + 1] = list[i + 1]
    end
  end
end
if ARGV[3] == '' or tonumber(ARGV[3]) > hi then
  return redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2],
    'WITHSCORES', 'LIMIT', 0, n)
end
local cs, cid = tonumber(ARGV[3]), ARGV[4]
local at = redis.call('ZSCORE', KEYS[1], cid)
if at and tonumber(at) == cs then
  local rank = redis.call('ZREVRANK', KEYS[1], cid)
  keep(redis.call('ZREVRANGE', KEYS[1], rank + 1, rank + n, 'WITHSCORES'))
  return out
end
-- Ids of one score come in descending byte order, as Redis sorts them.
local same = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[3], ARGV[3],
  'WITHSCORES')
local after = {}
for i = 1, #same, 2 do
  if before(same[i], cid) then
    after[#after + 1] = same[i]
    after[#after + 1] = same[i + 1]
  end
end
keep(after)
if #out < 2 * n then
  keep(redis.call('ZREVRANGEBYSCORE', KEYS[1], '(' .. ARGV[3], ARGV[2],
    'WITHSCORES', 'LIMIT', 0, n - #out / 2))
end
return out
