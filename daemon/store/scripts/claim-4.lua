#!lua
-- Claim what is due in one partition: move each member of the due set
-- whose time has come by Redis TIME, and each awaiting conversation whose
-- deadline passed since the last claim (its first escalation step, kind
-- 'd'), to the escalation stream, where the consumer group hands each
-- entry to one instance.  At most ARGV[1] of them, the due set first.
-- The awaiting index is read from the stats hash's 'aw_claimed' (the
-- deadline, ms, up to which it has been claimed) to Redis TIME; without
-- one (a store of the release before, or one where nothing opened yet:
-- every first step is in the due set) it starts after the latest deadline
-- the index holds, or now.  Whether the alert is still wanted
-- (the conversation still awaiting, the step still current, no
-- acknowledgement pausing it) is decided at delivery, which reads the
-- conversation: a script may touch only its KEYS.  A malformed member is
-- dropped.
-- KEYS: the partition's due set, its escalation stream, its awaiting
--       index, its stats hash
-- ARGV: the most members to move
-- Returns {claimed, the next due time (ms) left, or '-1'}.
--#include now.lua
local now = now_ms()
local limit = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now,
  'WITHSCORES', 'LIMIT', 0, limit)
local n = 0
for i = 1, #due, 2 do
  local m, score = due[i], due[i + 1]
  redis.call('ZREM', KEYS[1], m)
  local id, kind = string.match(m, '^(.-):(.+)$')
  if id and id ~= '' then
    redis.call('XADD', KEYS[2], '*', 'id', id, 'kind', kind, 'due', score,
      'claimed', now)
    n = n + 1
  end
end
local nx = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
local from = tonumber(redis.call('HGET', KEYS[4], 'aw_claimed') or '')
if not from then
  -- Every awaiting conversation's first step is in the due set: the index
  -- is read past the last of their deadlines (a store with none awaiting
  -- is left as it is).
  local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')[2]
  from = now
  if last then
    if tonumber(last) > now then from = tonumber(last) end
    redis.call('HSET', KEYS[4], 'aw_claimed', from)
  end
elseif from < now and n < limit then
  local aw = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. from, now,
    'WITHSCORES', 'LIMIT', 0, limit - n)
  local to = now
  if #aw / 2 == limit - n then
    -- Cut short: claim the rest of the last deadline too, so the mark
    -- can stand at it with nothing of it left behind.
    to = tonumber(aw[#aw])
    local last, seen = aw[#aw], {}
    for i = 1, #aw, 2 do
      if aw[i + 1] == last then seen[aw[i]] = true end
    end
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], last, last)) do
      if not seen[m] then
        aw[#aw + 1] = m
        aw[#aw + 1] = last
      end
    end
  end
  for i = 1, #aw, 2 do
    redis.call('XADD', KEYS[2], '*', 'id', aw[i], 'kind', 'd', 'due',
      aw[i + 1], 'claimed', now)
    n = n + 1
  end
  -- Moved only when something was claimed: an idle claim writes nothing
  -- (and the empty range before now is read again, at no cost).
  if #aw > 0 then
    redis.call('HSET', KEYS[4], 'aw_claimed', to)
    from = to
  end
end
local anx = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. from, '+inf',
  'WITHSCORES', 'LIMIT', 0, 1)[2]
if anx and (not nx or tonumber(anx) < tonumber(nx)) then nx = anx end
return {n, nx or '-1'}
