"""claim-4 on a real Redis (docs/data-model.md, "Escalation"): besides the
due set, the awaiting index from the claim mark on, as entries of kind d;
the mark moves only when something was claimed and never splits one
deadline; a store without a mark is read past its latest deadline."""

import os

from test_scripts import SCRIPTS, expanded

CLAIM = expanded(os.path.join(SCRIPTS, "claim-4.lua"))
DUE, ESC, AW, STATS = ("rd:{0}:" + k for k in ("due", "esc", "aw", "stats"))


def claim(redis_server, limit=500):
    """Run the claim; (how many it claimed, the next due time or -1)."""
    n, nx = redis_server.cli("--raw", "EVAL", CLAIM, "4", DUE, ESC, AW, STATS,
                             str(limit)).split()
    return int(n), int(float(nx))


ENTRIES = """
local out = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local f = {}
  for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
  out[#out + 1] = f.id .. ' ' .. f.kind .. ' ' .. f.due
end
return out"""


def entries(redis_server):
    """The stream's entries as (id, kind, due)."""
    out = redis_server.cli("--raw", "EVAL", ENTRIES, "1", ESC).splitlines()
    return [(i, k, int(d)) for i, k, d in (line.split() for line in out if line)]


def now_ms(redis_server):
    secs, micros = redis_server.cli("--raw", "TIME").split()
    return int(secs) * 1000 + int(micros) // 1000


def mark(redis_server):
    out = redis_server.cli("--raw", "HGET", STATS, "aw_claimed").strip()
    return int(out) if out else None


def writes(redis_server):
    info = redis_server.cli("--raw", "INFO", "persistence")
    return int(info.split("rdb_changes_since_last_save:")[1].split()[0])


def test_deadlines_passed_since_the_mark_are_claimed_as_kind_d(redis_server):
    now = now_ms(redis_server)
    redis_server.cli("HSET", STATS, "aw_claimed", str(now - 10000))
    redis_server.cli("ZADD", AW, str(now - 10001), "0-1", str(now - 5000), "0-2",
                     str(now + 3600000), "0-3")
    assert claim(redis_server) == (1, now + 3600000)
    assert entries(redis_server) == [("0-2", "d", now - 5000)]
    assert now - 5000 <= mark(redis_server) <= now_ms(redis_server)
    assert claim(redis_server) == (0, now + 3600000)        # nothing twice


def test_the_limit_never_splits_a_deadline(redis_server):
    now = now_ms(redis_server)
    redis_server.cli("HSET", STATS, "aw_claimed", str(now - 10000))
    shared = [x for i in range(600) for x in (str(now - 5000), "0-%d" % (i + 1))]
    redis_server.cli("ZADD", AW, *shared)
    redis_server.cli("ZADD", AW, *[x for i in range(10)
                                   for x in (str(now - 4000), "0-%d" % (i + 601))])
    assert claim(redis_server, 500)[0] == 600
    assert mark(redis_server) == now - 5000
    assert claim(redis_server, 500)[0] == 10
    assert {e[0] for e in entries(redis_server)} == {"0-%d" % i for i in range(1, 611)}


def test_a_claim_with_nothing_passed_writes_nothing(redis_server):
    now = now_ms(redis_server)
    redis_server.cli("HSET", STATS, "aw_claimed", str(now - 10000))
    redis_server.cli("ZADD", AW, str(now + 3600000), "0-1")
    before = writes(redis_server)
    assert claim(redis_server) == (0, now + 3600000)
    assert writes(redis_server) == before and mark(redis_server) == now - 10000


def test_without_a_mark_the_index_is_read_past_its_latest_deadline(redis_server):
    assert claim(redis_server) == (0, -1) and mark(redis_server) is None    # nothing open
    now = now_ms(redis_server)
    # A store of the release before: every first step is in the due set.
    redis_server.cli("ZADD", AW, str(now - 1000), "0-1", str(now + 3600000), "0-2")
    redis_server.cli("ZADD", DUE, str(now + 3600000), "0-2:0")
    assert claim(redis_server)[0] == 0
    assert mark(redis_server) == now + 3600000
    assert entries(redis_server) == []
