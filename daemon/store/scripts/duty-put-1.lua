#!lua
-- Set a team's rota for one date in one step: each of the duty worker and
-- the duty manager is either named (an override) or given as "" (back to
-- the weekly pattern), so a change of one never leaves the other half
-- written (the page sets both at once).
-- KEYS: the team's overrides hash (rd:duty:TEAM)
-- ARGV: date (YYYY-MM-DD), worker or "", manager or ""
-- Returns 1.
local roles = {'worker', 'manager'}
for i, role in ipairs(roles) do
  local f = ARGV[1] .. ':' .. role
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], f)
  else redis.call('HSET', KEYS[1], f, ARGV[i + 1]) end
end
return 1
