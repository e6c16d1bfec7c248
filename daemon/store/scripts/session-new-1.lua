#!lua
-- Start a staff session (SPEC section 15).  The key is named by the hash
-- of the cookie's value; the value itself is never stored.
-- KEYS: the session
-- ARGV: person, who (the email or phone they had at sign-in), CSRF token,
--   how they signed in ("link", "oidc"), idle timeout (ms)
-- Returns 'ok', or 'exists' (a hash collision: never in practice).
--#include now.lua
if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
local now = now_ms()
redis.call('HSET', KEYS[1], 'person', ARGV[1], 'who', ARGV[2],
  'csrf', ARGV[3], 'via', ARGV[4], 'created', now, 'seen', now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]))
return 'ok'
