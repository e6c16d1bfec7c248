"""A store written by the release before (the layout of docs/data-model.md
before issue 17) is fully readable by this one and escalates correctly: its
conversations list, open, report and escalate, their senders' next
messages join them, repeats of their messages are still recognised, and the
older arrival index is folded into the day ranges in the background.

The older layout is written here command by command, as the previous
release's ingest script left it.  With REPLYD_PREVIOUS_BUILD naming that
release's build directory, a second test also lets the previous binary
itself write the store."""

import hashlib
import os
import re
import time
import uuid

import pytest

import harness
from harness import base_config, wait_for
from providers import form_body, twilio_signature
from sink import TwilioSink

TOKEN = "twilio-auth-token-for-tests"
URL = "https://replyd.test/webhooks/twilio"
DUTY = "+447700900001"
YP, UNKNOWN, ANSWERED = "+447700900123", "+447700900456", "+447700900789"
REF = re.compile(r"ref (\d+-\d+)")
DAY_MS = 86400 * 1000
SID_DUE, SID_OPEN, SID_ANSWERED = ("SM" + hashlib.sha256(k.encode()).hexdigest()[:32]
                                   for k in ("due", "open", "answered"))


@pytest.fixture
def sink():
    s = TwilioSink()
    yield s
    s.close()


def config(redis_port, tmpdir, sink):
    cfg = base_config(redis_port, tmpdir)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cfg["promise"]["respond_within"] = "1 working day"
    cfg["channels"] = {"twilio": {"auth_token": TOKEN, "account_sid": "ACtest",
                                  "from": "+447700900000", "api_base": sink.url}}
    cfg["alerts"] = {"sms": "twilio"}
    cfg["teams"]["leaving-care"]["escalation"] = [{"after": "0s", "notify": ["duty-worker"]}]
    cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s"}
    return cfg


def sha(s, n=40):
    return hashlib.sha256(s.encode()).hexdigest()[:n]


def partition(addr):
    return int(sha(addr)[:2], 16) % 16


def sms(d, sender, body="hello again", sid=None):
    params = [("MessageSid", sid or "SM" + uuid.uuid4().hex), ("AccountSid", "ACtest"),
              ("From", sender), ("To", "+447700900000"), ("Body", body), ("NumMedia", "0")]
    return d.request("POST", "/webhooks/twilio", form_body(params),
                     {"Content-Type": "application/x-www-form-urlencoded",
                      "X-Twilio-Signature": twilio_signature(TOKEN, URL, params)})[0]


def old_conversation(cmds, addr, n, sid, text, received, deadline, due, contact="",
                     responded=None):
    """The commands with which the previous release stored the first SMS of
    a conversation (and, with responded, its response)."""
    p, ah = partition(addr), sha(addr)
    cid = "%d-%d" % (p, n)
    c = "rd:{%d}:c:%s" % (p, cid)
    cmds.append(["HSET", c, "id", cid, "state", "awaiting", "team", "leaving-care",
                 "worker", "alice" if contact else "", "contact", contact, "channel", "sms",
                 "provider", "twilio", "addr", addr, "ah", ah, "received_at", received,
                 "deadline", deadline, "step", 0, "n", 1, "urgent", 0])
    cmds.append(["RPUSH", "rd:{%d}:e:%s" % (p, cid),
                 '{"type":"message","at":%d,"n":1,"channel":"sms","provider":"twilio",'
                 '"urgent":false,"meta":{}}' % received])
    cmds.append(["HSET", "rd:{%d}:t:%s" % (p, cid), "1", text])
    cmds.append(["EXPIRE", "rd:{%d}:t:%s" % (p, cid), 30 * 86400])
    cmds.append(["SET", "rd:{%d}:d:twilio:%s" % (p, sha(sid)), cid, "EX", 35 * 86400])
    cmds.append(["ZADD", "rd:{%d}:rx" % p, received, cid])
    cmds.append(["SET", "rd:{%d}:seq" % p, n])
    if responded is None:
        cmds.append(["SET", "rd:{%d}:o:%s" % (p, ah), cid])
        cmds.append(["ZADD", "rd:{%d}:due" % p, due, cid + ":0"])
        cmds.append(["ZADD", "rd:{%d}:aw" % p, deadline, cid])
    else:
        cmds.append(["HSET", c, "state", "responded", "responded_at", responded,
                     "responded_by", "alice", "how", "phone"])
        cmds.append(["RPUSH", "rd:{%d}:e:%s" % (p, cid),
                     '{"type":"response","at":%d,"by":"alice","how":"phone","note":""}'
                     % responded])
        cmds.append(["ZADD", "rd:{%d}:rs" % p, responded, cid])
        cmds.append(["HINCRBY", "rd:{%d}:stats" % p, "in_time", 1])
        cmds.append(["EXPIRE", c, 400 * 86400])
        cmds.append(["EXPIRE", "rd:{%d}:e:%s" % (p, cid), 400 * 86400])
    return cid


def write_old_store(redis_server):
    """Three conversations as the previous release left them: one awaiting
    whose first step falls due in 3 s, one of an unknown sender due
    tomorrow, one answered."""
    now = int(time.time() * 1000)
    cmds = []
    # A known contact and their routing, as contacts were then (unchanged).
    cmds.append(["HSET", "rd:contact:yp-1", "id", "yp-1", "name", "Sam", "phone", YP,
                 "email", "", "worker", "alice", "team", "leaving-care", "receipt", "0"])
    cmds.append(["HSET", "rd:{%d}:r:%s" % (partition(YP), sha(YP)), "contact", "yp-1",
                 "team", "leaving-care", "worker", "alice", "receipt", "0"])
    ids = {
        "due": old_conversation(cmds, YP, 7, SID_DUE, "old text, due soon",
                                now - 60000, now + 3000, now + 3000, contact="yp-1"),
        "open": old_conversation(cmds, UNKNOWN, 8, SID_OPEN, "old text, open",
                                 now - 120000, now + DAY_MS, now + DAY_MS),
        "answered": old_conversation(cmds, ANSWERED, 9, SID_ANSWERED, "old text, answered",
                                     now - 300000, now + DAY_MS, now + DAY_MS,
                                     responded=now - 200000),
    }
    for c in cmds:
        out = redis_server.cli(*[str(a) for a in c])
        assert "ERR" not in out, (c, out)
    return ids


def today_span():
    t = time.gmtime()
    day = time.strftime("%Y-%m-%d", t)
    return "from=%s&to=%s" % (day, day)


def check_readable_and_escalating(d, redis_server, sink, ids, texts=True):
    open_ids = {c["id"] for c in d.api("GET", "/v1/conversations")[1]["conversations"]}
    assert {ids["due"], ids["open"]} <= open_ids
    answered = d.api("GET", "/v1/conversations?state=responded")[1]["conversations"]
    assert ids["answered"] in {c["id"] for c in answered}
    for key in ("due", "open", "answered"):
        status, full = d.api("GET", "/v1/conversations/" + ids[key])
        assert status == 200, full
        # The first message once: in the older layout it is in the trail.
        [m] = full["messages"]
        assert m["n"] == 1
        if texts:
            assert m["text"].startswith("old text") or m["text"] == "hello"
        assert [e["type"] for e in full["events"]].count("message") == 1
    # The report counts them, before and after the older index is folded.
    assert d.api("GET", "/v1/report?" + today_span())[1]["received"] == 3
    wait_for(lambda: not any(redis_server.cli("--raw", "EXISTS", "rd:{%d}:rx" % p).strip() == "1"
                             for p in range(16)), what="the arrival index folded")
    assert d.api("GET", "/v1/report?" + today_span())[1]["received"] == 3
    # The due step escalates to the duty worker.
    wait_for(lambda: any(REF.search(m["Body"]) and REF.search(m["Body"]).group(1) == ids["due"]
                         and m["To"] == DUTY for m in list(sink.messages)),
             timeout=15, what="the older conversation's step alerted")
    # The next message of its sender joins it; a repeat of its first is
    # still recognised (nothing stored twice).
    assert sms(d, YP) == 200
    assert sms(d, YP, sid=SID_DUE) == 200
    wait_for(lambda: len(d.api("GET", "/v1/conversations/" + ids["due"])[1]["messages"]) == 2,
             what="the next message joining the older conversation")
    assert len(d.api("GET", "/v1/conversations/" + ids["due"])[1]["messages"]) == 2
    assert "repeat of a stored message (conversation %s)" % ids["due"] in d.logtext()
    # A response closes it: the sender's next message opens a new one.
    assert d.api("POST", "/v1/conversations/%s/responded" % ids["open"],
                 {"by": "alice", "how": "phone"})[0] == 200
    assert sms(d, UNKNOWN) == 200
    opened = [c for c in d.api("GET", "/v1/conversations")[1]["conversations"]
              if c["id"] not in (ids["due"], ids["open"])]
    assert len(opened) == 1


def test_a_store_of_the_previous_release_is_readable_and_escalates(
        make_replyd, redis_server, tmpdir_path, sink):
    ids = write_old_store(redis_server)
    d = make_replyd(config(redis_server.port, tmpdir_path, sink))
    check_readable_and_escalating(d, redis_server, sink, ids)


@pytest.mark.skipif(not os.environ.get("REPLYD_PREVIOUS_BUILD"),
                    reason="REPLYD_PREVIOUS_BUILD names no build of the previous release")
def test_a_store_the_previous_binary_wrote_is_readable_and_escalates(
        make_replyd, redis_server, tmpdir_path, sink):
    cfg = config(redis_server.port, tmpdir_path, sink)
    cfg["promise"]["respond_within"] = "6 working seconds"
    old_build, harness.BUILD = harness.BUILD, os.environ["REPLYD_PREVIOUS_BUILD"]
    try:
        old = make_replyd(cfg)
    finally:
        harness.BUILD = old_build
    names = {"due": ("yp-1", YP), "open": ("yp-2", UNKNOWN), "answered": ("yp-3", ANSWERED)}
    for contact, phone in names.values():
        assert old.api("PUT", "/v1/contacts/" + contact, {"phone": phone, "worker": "alice"})[0] == 201
    assert sms(old, YP, body="hello", sid=SID_DUE) == 200
    assert sms(old, UNKNOWN, body="hello") == 200
    assert sms(old, ANSWERED, body="hello") == 200
    convs = {c["contact"]: c["id"] for c in old.api("GET", "/v1/conversations")[1]["conversations"]}
    ids = {key: convs[contact] for key, (contact, _) in names.items()}
    assert old.api("POST", "/v1/conversations/%s/responded" % ids["answered"],
                   {"by": "alice", "how": "phone"})[0] == 200
    assert old.stop() == 0
    old.proc = None
    d = make_replyd(dict(cfg, listen="127.0.0.1:%d" % harness.free_port()))
    check_readable_and_escalating(d, redis_server, sink, ids)
