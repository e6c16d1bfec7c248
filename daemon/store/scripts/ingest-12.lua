#!lua
-- Store one message atomically: dedupe, route to the contact's worker and
-- team, join the open conversation or open one, schedule its first
-- escalation step, and a waiting notice or urgent alert that is due now.
-- An observed staff email is recorded as the response instead.
-- KEYS: 1 conversation, 2 its events (the open one, else the new id's),
--       3 the release before's open pointer of the address (read while
--       one is left), 4 awaiting, 5 due, 6 responded, 7 stats (its
--       'aw_claimed': how far claim-4 has read the awaiting index), 8 the
--       address's hash (routing of a known contact's address, and 'o':
--       its open conversation), 9 dedupe key, 10 the text bucket of what
--       expires at ARGV[12], 11 the partition's day ranges, 12 the
--       message's dedupe key as the release before named it (read, never
--       written: such keys are gone 35 days after an upgrade)
-- ARGV: 1 the open id open-2 saw ('' none), 2 the new id it allocated
--       ('' none), 3 arrival (ms), 4 channel, 5 provider, 6 address
--       (a phone number's digits without the '+': store_addr_pack),
--       7 address hash (unused: the record keeps the address), 8 text, 9 metadata (JSON, no text), 10 default
--       team, 11 urgent ('0'/'1'), 12 when the text expires (unix
--       seconds: its bucket's expiry, named in the record), 13 dedupe ttl,
--       14 staff member for an observed response ('' none), 15 record
--       ttl after a response, 16 workers absent now (",a,b,"),
--       17 '1' when the staff email was not authenticated (it is only
--       an event, never a response), 18 the media links (JSON, or ''),
--       19 number of teams, 20 the conversation's slot in its block of
--       texts (N of P-N modulo TEXT_BLOCK: its texts' fields in the bucket
--       are 'SLOT:n', 'SLOT:mn', 'SLOT:r'), then per team: id, deadline
--       (ms), first step due (ms)
-- Returns {'duplicate', id}, {'retry'} (the open pointer moved: run open-2
-- again), {'responded', id}, {'none', id}, {'unverified', id} (an
-- unverified_staff_email event was recorded in conversation id) or
-- {status, id, team, worker, contact, receipt, deadline, due now} with
-- status 'opened' or 'joined'.
--#include now.lua
--#include respond.lua
-- The dedupe key holds the number N of conversation P-N (an integer
-- Redis keeps in the key's object), '-' for none; the releases before's
-- hold N or P-N.
local dups = redis.call('MGET', KEYS[9], KEYS[12])
local dup = dups[1] or dups[2]
if dup then
  if string.match(dup, '^%d+$') then
    dup = string.match(KEYS[9], '^rd:{(%d+)}') .. '-' .. dup
  end
  return {'duplicate', dup}
end
local function seen(id)
  redis.call('SET', KEYS[9], id ~= '' and string.match(id, '%-(%d+)$') or
    '-', 'EX', ARGV[13])
end
local expected, fresh = ARGV[1], ARGV[2]
local cur = redis.call('HGET', KEYS[8], 'o') or redis.call('GET', KEYS[3])
if (cur or '') ~= expected then return {'retry'} end
if ARGV[14] ~= '' and ARGV[17] == '1' then
  -- A staff From the provider did not authenticate: the clock runs on;
  -- the open conversation (if any) records that it came.
  local state = expected ~= '' and redis.call('HGET', KEYS[1], 'state')
  seen(expected)
  if state ~= 'awaiting' then return {'none', expected} end
  redis.call('RPUSH', KEYS[2], '{"type":"unverified_staff_email","at":' ..
    now_ms() .. ',"by":' .. cjson.encode(ARGV[14]) .. ',"channel":' ..
    cjson.encode(ARGV[4]) .. ',"provider":' .. cjson.encode(ARGV[5]) ..
    ',"meta":' .. ARGV[9] .. '}')
  return {'unverified', expected}
end
if ARGV[14] ~= '' then
  local r, rteam, rstep = 'missing', '', '0'
  if expected ~= '' then
    r, rteam, rstep = respond(expected, ARGV[14], 'email', '', ARGV[15])
  end
  seen(expected)
  if r == 'responded' then
    -- The worker's words are part of the record, kept like a message's.
    redis.call('HSET', KEYS[10], ARGV[20] .. ':r', ARGV[8])
    redis.call('EXPIREAT', KEYS[10], ARGV[12], 'NX')
    redis.call('HSET', KEYS[1], 'xr', ARGV[12])
    return {'responded', expected, rteam, rstep}
  end
  return {'none', expected}
end
local function lookup(team)
  for i = 0, tonumber(ARGV[19]) - 1 do
    local b = 21 + i * 3
    if ARGV[b] == team then return ARGV[b + 1], ARGV[b + 2] end
  end
end
-- Only a conversation's first message gets a receipt: a later one's
-- receipt flag is not read.
local team, deadline, due, worker, contact, receipt
local id, status = expected, 'joined'
if id ~= '' then
  -- A record of the release before names team, worker and contact in
  -- full (docs/data-model.md).
  local f = redis.call('HMGET', KEYS[1], 'state', 't', 'w', 'c',
    'deadline', 'urgent', 'team', 'worker', 'contact')
  if f[1] ~= 'awaiting' then
    -- The pointer outlived its conversation: drop it and start again.
    redis.call('HDEL', KEYS[8], 'o')
    redis.call('DEL', KEYS[3])
    return {'retry'}
  end
  team, worker, contact = f[2] or f[7], f[3] or f[8], f[4] or f[9]
  deadline = f[5]
  if ARGV[11] == '1' and f[6] ~= '1' then
    -- The first message was not urgent: say so before urgent changes.
    redis.call('HSETNX', KEYS[1], 'e1u', '0')
    redis.call('HSET', KEYS[1], 'urgent', 1)
  end
else
  if fresh == '' then return {'retry'} end
  id, status = fresh, 'opened'
  local r = redis.call('HMGET', KEYS[8], 'contact', 'team', 'worker',
    'receipt')
  team = r[2] or ARGV[10]
  deadline, due = lookup(team)
  if not deadline then team = ARGV[10]; deadline, due = lookup(team) end
  worker, contact, receipt = r[3] or '', r[1] or '', r[4]
  -- The first message's event is the record's own fields (x1: its
  -- text's bucket, which says the record holds it; e1m: its metadata
  -- unless empty; whether it was urgent: urgent, or e1u once a later
  -- message made the conversation urgent): the audit trail is made by
  -- the second event.
  -- Short names for what every record holds (t team, w worker, c
  -- contact, ch channel, p provider, a address, r arrival); step and
  -- urgent only once they are not 0.
  redis.call('HSET', KEYS[1], 'id', id, 'state', 'awaiting', 't', team,
    'w', worker, 'c', contact, 'ch', ARGV[4], 'p', ARGV[5], 'a', ARGV[6],
    'r', ARGV[3], 'deadline', deadline, 'n', 1, 'x1', ARGV[12])
  if ARGV[11] == '1' then redis.call('HSET', KEYS[1], 'urgent', 1) end
  if ARGV[9] ~= '{}' then redis.call('HSET', KEYS[1], 'e1m', ARGV[9]) end
  redis.call('HSET', KEYS[8], 'o', id)
  -- The first step falls due with the deadline: claim-4 finds it in the
  -- awaiting index, unless the index has been claimed past it already,
  -- or none has been claimed yet, or the team's first step waits longer.
  local mark = redis.call('HGET', KEYS[7], 'aw_claimed')
  if not mark or due ~= deadline or tonumber(deadline) <= tonumber(mark)
      then
    redis.call('ZADD', KEYS[5], due, id .. ':0')
  end
  redis.call('ZADD', KEYS[4], deadline, id)
  -- The report finds a day's conversations by the lowest and highest id
  -- that opened on it (ids only grow).
  local day = tostring(math.floor(tonumber(ARGV[3]) / 86400000))
  local num = tonumber(string.match(id, '%-(%d+)$'))
  local range = redis.call('HGET', KEYS[11], day)
  local lo, hi = num, num
  if range then
    lo, hi = string.match(range, '^(%d+):(%d+)$')
    lo, hi = math.min(tonumber(lo), num), math.max(tonumber(hi), num)
  end
  if range ~= lo .. ':' .. hi then
    redis.call('HSET', KEYS[11], day, lo .. ':' .. hi)
  end
end
local n = 1
if status == 'joined' then n = redis.call('HINCRBY', KEYS[1], 'n', 1) end
local now = '0'
if status == 'opened' and (contact == '' or (worker ~= '' and
    string.find(ARGV[16], ',' .. worker .. ',', 1, true))) then
  -- An unknown sender, or a worker who is away: the duty worker hears now.
  redis.call('ZADD', KEYS[5], ARGV[3], id .. ':w')
  now = '1'
end
if ARGV[11] == '1' then
  redis.call('ZADD', KEYS[5], ARGV[3], id .. ':u' .. n)
  now = '1'
end
if status == 'joined' then
  redis.call('RPUSH', KEYS[2], '{"type":"message","at":' .. ARGV[3] ..
    ',"n":' .. n .. ',"channel":' .. cjson.encode(ARGV[4]) ..
    ',"provider":' .. cjson.encode(ARGV[5]) .. ',"urgent":' ..
    (ARGV[11] == '1' and 'true' or 'false') .. ',"meta":' .. ARGV[9] ..
    ',"x":' .. ARGV[12] .. '}')
end
-- The text in the bucket of texts that expire when it does (the record or
-- its event says which): one field, not a key, per message.
redis.call('HSET', KEYS[10], ARGV[20] .. ':' .. n, ARGV[8])
if ARGV[18] ~= '' then
  redis.call('HSET', KEYS[10], ARGV[20] .. ':m' .. n, ARGV[18])
end
redis.call('EXPIREAT', KEYS[10], ARGV[12], 'NX')
seen(id)
return {status, id, team, worker, contact, receipt or '1', deadline, now}
