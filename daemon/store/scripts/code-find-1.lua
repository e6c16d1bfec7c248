#!lua flags=no-writes
-- The conversation a staff member's alert code takes ("1A"), or of their
-- latest alert ("A").
-- KEYS: the person's codes hash
-- ARGV: the code, or '0' for the latest alert
-- Returns {conversation or '', the code (0 when there is none)}.
local code = ARGV[1]
if code == '0' then
  code = redis.call('HGET', KEYS[1], 'last')
  if not code then return {'', 0} end
end
local conv = redis.call('HGET', KEYS[1], code)
if not conv then return {'', tonumber(code) or 0} end
return {conv, tonumber(code) or 0}
