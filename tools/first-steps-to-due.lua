-- Before going back to a replyd release older than claim-4 (one that
-- claims escalation steps from the due set only): give every open
-- conversation whose first step this release would claim from the
-- awaiting index a member ID:0 in the due set, as the older release
-- expects, and forget the claim mark.  Run it with every replyd stopped,
-- once per partition P (0 to 15; README, "Upgrades"):
--   redis-cli --eval first-steps-to-due.lua 'rd:{P}:aw' 'rd:{P}:due' \
--       'rd:{P}:stats' 'rd:{P}:esc'
-- KEYS: the partition's awaiting index, due set, stats hash, escalation
--       stream
-- Returns {first steps put in the due set, claimed entries put back}.
-- A deadline after the mark has not been claimed: its first step goes in
-- at the deadline (NX keeps a member already there, as for a team whose
-- first step comes later).  A deadline claimed but not yet delivered (an
-- entry of kind d in the stream, which the older release does not know)
-- goes back at the deadline it was claimed at.  Without a mark there is
-- nothing to do: every first step is in the due set already.
local mark = redis.call('HGET', KEYS[3], 'aw_claimed')
if not mark then return {0, 0} end
local added, back = 0, 0
local aw = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. mark, '+inf',
  'WITHSCORES')
for i = 1, #aw, 2 do
  added = added + redis.call('ZADD', KEYS[2], 'NX', aw[i + 1],
    aw[i] .. ':0')
end
for _, e in ipairs(redis.call('XRANGE', KEYS[4], '-', '+')) do
  local f = {}
  for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
  if f.kind == 'd' and f.id and f.due then
    back = back + redis.call('ZADD', KEYS[2], 'NX', f.due, f.id .. ':0')
  end
end
redis.call('HDEL', KEYS[3], 'aw_claimed')
return {added, back}
