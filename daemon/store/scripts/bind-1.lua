#!lua
-- Bind a person to an identity provider's subject on their first OpenID
-- Connect sign-in.  Once bound, only that subject signs in as the person:
-- another subject claiming the person's email is refused.
-- KEYS: the person's binding
-- ARGV: the subject's hash (of issuer and subject)
-- Returns 'ok' (bound now, or already to this subject) or 'other'.
--#include now.lua
local cur = redis.call('HGET', KEYS[1], 'subject')
if cur then
  if cur == ARGV[1] then return 'ok' end
  return 'other'
end
redis.call('HSET', KEYS[1], 'subject', ARGV[1], 'at', now_ms())
return 'ok'
