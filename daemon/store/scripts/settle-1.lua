#!lua flags=allow-oom
-- Done with an escalation stream entry (its alerts went out, definitely
-- failed, or were not wanted): acknowledge it in the consumer group and
-- delete it, together.  allow-oom: this only frees memory, and an entry
-- left pending would be delivered again.
-- KEYS: the partition's escalation stream
-- ARGV: the consumer group, the entry id
-- Returns how many entries were deleted (0 when it was already gone).
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return redis.call('XDEL', KEYS[1], ARGV[2])
