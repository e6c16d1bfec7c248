#!lua
-- Give a staff member's alert its code, GoAlert's way: the smallest number
-- not used by that person's open alerts, kept for as long as the alert is
-- open (another alert of the same conversation keeps the same code).
-- Codes of alerts now closed (the conversation answered or taken, which
-- the caller checked: a script may touch only its KEYS) are freed first,
-- each only if it still names the conversation the caller saw.
-- KEYS: the person's codes hash
-- ARGV: conversation id, ttl of the hash (seconds), then pairs of code and
--       conversation to free
-- Returns the code.
for i = 3, #ARGV - 1, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
local all = redis.call('HGETALL', KEYS[1])
local used, mine = {}, nil
for i = 1, #all - 1, 2 do
  local n = tonumber(all[i])
  if n then
    used[n] = true
    if all[i + 1] == ARGV[1] then mine = n end
  end
end
if not mine then
  mine = 1
  while used[mine] do mine = mine + 1 end
  redis.call('HSET', KEYS[1], tostring(mine), ARGV[1])
end
redis.call('HSET', KEYS[1], 'last', tostring(mine))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return mine
