"""Going back to a release before: tools/first-steps-to-due.lua (installed
in /usr/share/replyd) gives every open conversation whose first step this
release would claim from the awaiting index its member in the due set,
and tools/texts-to-ids.lua names texts by their conversation's id again,
as the releases before read them (README, "Upgrades")."""

import os
import subprocess

import pytest

from harness import index_claimed_to_now, text_bucket, text_field, wait_for
from test_escalation import (DUTY, MANAGER, YP, deadline_ms, esc_config, events,  # noqa: F401
                             idle, known, only_conversation, send_sms, sink, step_due)

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
SCRIPT = os.path.join(TOOLS, "first-steps-to-due.lua")


def first_steps_to_due(redis_server):
    """The README's loop: the script once per partition; the totals."""
    added = back = 0
    for p in range(16):
        keys = ["rd:{%d}:%s" % (p, k) for k in ("aw", "due", "stats", "esc")]
        out = subprocess.run(["redis-cli", "-p", str(redis_server.port), "--raw", "--eval",
                              SCRIPT] + keys, capture_output=True, text=True, check=True)
        a, b = out.stdout.split()
        added, back = added + int(a), back + int(b)
    return added, back


def stopped_with_one_open(make_replyd, redis_server, tmpdir_path, sink, within):
    """A replyd, stopped, that opened one conversation whose first step
    the awaiting index holds; (replyd, conversation)."""
    d = make_replyd(esc_config(redis_server.port, tmpdir_path, sink, within=within))
    known(d)
    index_claimed_to_now(redis_server)
    send_sms(d, YP)
    conv = only_conversation(d)
    assert step_due(redis_server, conv, 0) is None
    d.stop()
    return d, conv


@pytest.mark.slow(8)
def test_first_steps_to_due_gives_each_unclaimed_first_step_its_due_member(
        make_replyd, redis_server, tmpdir_path, sink):
    d, conv = stopped_with_one_open(make_replyd, redis_server, tmpdir_path, sink,
                                    "6 working seconds")
    assert first_steps_to_due(redis_server) == (1, 0)
    assert step_due(redis_server, conv, 0) == deadline_ms(redis_server, conv)
    assert not any(redis_server.cli("--raw", "HEXISTS", "rd:{%d}:stats" % p,
                                    "aw_claimed").strip() == "1" for p in range(16))
    assert first_steps_to_due(redis_server) == (0, 0)   # a repeat changes nothing
    # A release that reads only the due set alerts from it; so does this
    # one started again, once.
    d.start()
    wait_for(lambda: sink.to(MANAGER), timeout=15, what="both steps' alerts")
    wait_for(lambda: len(events(d, conv, "escalation")) >= 2, what="both steps on the record")
    wait_for(lambda: idle(redis_server), what="nothing left due or in flight")
    assert len(sink.to(DUTY)) == 1 and len(events(d, conv, "escalation")) == 2


def test_first_steps_to_due_puts_back_a_first_step_claimed_but_not_delivered(
        make_replyd, redis_server, tmpdir_path, sink):
    d, conv = stopped_with_one_open(make_replyd, redis_server, tmpdir_path, sink,
                                    "1 working day")
    # As if its deadline had passed and been claimed (the mark past it), and
    # the instance stopped before delivering the entry.
    p, dl = conv.split("-")[0], deadline_ms(redis_server, conv)
    redis_server.cli("HSET", "rd:{%s}:stats" % p, "aw_claimed", str(dl))
    redis_server.cli("XADD", "rd:{%s}:esc" % p, "*", "id", conv, "kind", "d", "due", str(dl),
                     "claimed", str(dl))
    assert first_steps_to_due(redis_server) == (0, 1)
    assert step_due(redis_server, conv, 0) == dl


def texts_to_ids(redis_server):
    """The README's loop: the script once per text bucket; the total."""
    cli = ["redis-cli", "-p", str(redis_server.port), "--raw"]
    keys = subprocess.run(cli + ["--scan", "--pattern", "rd:{*}:x:*:*"], capture_output=True,
                          text=True, check=True).stdout.split()
    return sum(int(subprocess.run(cli + ["--eval", os.path.join(TOOLS, "texts-to-ids.lua"), k],
                                  capture_output=True, text=True, check=True).stdout)
               for k in keys)


def test_texts_to_ids_names_each_text_by_its_conversation_as_the_release_before_reads_it(
        make_replyd, redis_server, tmpdir_path, sink):
    d, conv = stopped_with_one_open(make_replyd, redis_server, tmpdir_path, sink,
                                    "1 working day")
    p = conv.split("-")[0]
    key = text_bucket(conv, redis_server.cli("--raw", "HGET", "rd:{%s}:c:%s" % (p, conv),
                                             "x1").strip())
    ttl = int(redis_server.cli("--raw", "TTL", key))
    assert redis_server.cli("--raw", "HEXISTS", key, text_field(conv, "1")).strip() == "1"
    assert texts_to_ids(redis_server) == 1
    assert redis_server.cli("--raw", "HKEYS", key).split() == [conv + ":1"]
    assert 0 < int(redis_server.cli("--raw", "TTL", key)) <= ttl
    assert texts_to_ids(redis_server) == 0              # a repeat changes nothing
    d.start()
    [m] = d.api("GET", "/v1/conversations/" + conv)[1]["messages"]
    assert m["text"] == "please call me back"
