-- Before going back to a replyd release that names a text in its block's
-- bucket by its conversation's id (ID:n, ID:mn, ID:r; the releases of
-- 2026-12-02 before the one that installed this script): name the texts
-- of one bucket that way again.  The release after names them by the
-- conversation's slot in the block (S:n with S = N mod 32 of id P-N) and
-- reads both names; an older release reads only the id's, so without
-- this its pages would show those messages without their words.  Run it
-- with every replyd stopped, once per bucket (README, "Upgrades"):
--   redis-cli --scan --pattern 'rd:{*}:x:*:*' | while read -r k; do
--     redis-cli --eval texts-to-ids.lua "$k"; done
-- KEYS: a text bucket rd:{P}:x:T:B (another key is left alone)
-- Returns how many fields it renamed; a second run renames none.  HSET and
-- HDEL keep the bucket's expiry, so no text is kept longer than it was.
local p, b = string.match(KEYS[1], '^rd:{(%d+)}:x:%d+:(%d+)$')
if not p then return 0 end
local all = redis.call('HGETALL', KEYS[1])
local renamed = 0
for i = 1, #all, 2 do
  local slot, rest = string.match(all[i], '^(%d+):(.+)$')
  if slot then
    local id = p .. '-' .. (tonumber(b) * 32 + tonumber(slot))
    redis.call('HSET', KEYS[1], id .. ':' .. rest, all[i + 1])
    redis.call('HDEL', KEYS[1], all[i])
    renamed = renamed + 1
  end
end
return renamed
