#!lua
-- Move one open conversation to its calendar's new data (SPEC section
-- 18): its deadline, its place in the awaiting index and its pending
-- escalation step (the record's "step"; steps already alerted stay
-- alerted), with a deadline_changed event when anything moved.  The
-- caller computed the new times from the conversation's arrival with the
-- new calendar.  The record's "cal" (NAME:SEQ) says which recompute job
-- last touched it, so a repeat, or an older job running late on another
-- instance, changes nothing.  A pending step the escalation engine has
-- already claimed (not in the due set) is left to it (a first step
-- claimed at its old deadline is dropped at delivery: see below); a step
-- paused by an acknowledgement stays paused until the pause ends.
-- KEYS: the conversation, its events, the awaiting index, the due set,
--       the partition's stats (its 'aw_claimed', see claim-4)
-- ARGV: 1 id, 2 calendar name, 3 job seq, 4 the deadline the caller read
--       (ms), 5 the new deadline (ms), 6 the old deadline as text, 7 the
--       new one as text, 8 why, 9 the team the caller computed for,
--       10 number of steps N, then for each step: due (ms), due as text
-- Returns 'closed' (not awaiting), 'current' (this job or a later one
-- was here), 'moved' (deadline or team not as read: read it again),
-- 'same' (nothing moved) or 'changed'.
--#include now.lua
local f = redis.call('HMGET', KEYS[1], 'state', 't', 'deadline', 'step',
  'cal', 'ack_until', 'team')
f[2] = f[2] or f[7]         -- the release before's name
if f[1] ~= 'awaiting' then return 'closed' end
local name, seq = string.match(f[5] or '', '^(.*):(%d+)$')
if name == ARGV[2] and tonumber(seq) >= tonumber(ARGV[3]) then
  return 'current'
end
if f[2] ~= ARGV[9] or f[3] ~= ARGV[4] then return 'moved' end
redis.call('HSET', KEYS[1], 'cal', ARGV[2] .. ':' .. ARGV[3])
local step = tonumber(f[4]) or 0
local n = tonumber(ARGV[10])
local member = ARGV[1] .. ':' .. step
local due_text
if step < n then
  local old = redis.call('ZSCORE', KEYS[4], member)
  local due = tonumber(ARGV[11 + step * 2])
  local ack = tonumber(f[6] or '0') or 0
  if ack > due and ack > now_ms() then due = ack end
  if old then
    if tonumber(old) ~= due then
      redis.call('ZADD', KEYS[4], 'XX', due, member)
      due_text = ARGV[12 + step * 2]
    end
  elseif step == 0 and ARGV[5] ~= f[3] and ARGV[11] == ARGV[5] then
    -- A first step at the deadline is found in the awaiting index by
    -- claim-4 (a claim of the old deadline sees it moved and drops it),
    -- unless the index has been claimed past the new deadline: then the
    -- due set has it.  (One not at the deadline was put in the due set:
    -- not there, it has been claimed.)
    local mark = redis.call('HGET', KEYS[5], 'aw_claimed')
    if mark then
      if tonumber(ARGV[5]) <= tonumber(mark) then
        redis.call('ZADD', KEYS[4], due, member)
      end
      due_text = ARGV[12]
    end
  end
end
local moved = ARGV[5] ~= f[3]
if not moved and not due_text then return 'same' end
if moved then
  redis.call('HSET', KEYS[1], 'deadline', ARGV[5])
  redis.call('ZADD', KEYS[3], 'XX', ARGV[5], ARGV[1])
end
local ev = {type = 'deadline_changed', at = now_ms(), old = ARGV[6],
  new = ARGV[7], why = ARGV[8], calendar = ARGV[2], step = step}
if due_text then ev.step_due = due_text end
redis.call('RPUSH', KEYS[2], cjson.encode(ev))
return 'changed'
