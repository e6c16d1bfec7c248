"""GET /v1/conversations is paged (SPEC §9): `limit` (default 100, at most
1000) and an opaque `cursor`; `next_cursor` is null at the end.  A cursor
names the last conversation handed out by its place in the list (deadline,
then id), so conversations arriving or leaving meanwhile never make a walk
skip or repeat one that stayed, and nothing is ever silently left out."""

import concurrent.futures
import json
import os
import subprocess
import urllib.parse
import uuid

import pytest

from harness import BUILD, base_config, wait_for
from providers import form_body, twilio_signature

TOKEN = "twilio-auth-token-for-tests"
URL = "https://replyd.test/webhooks/twilio"


def config(redis_port, tmpdir):
    """Open one minute a week: nearly every message waits for the same
    opening, so most conversations share one deadline (ties are the hard
    case for a cursor)."""
    cfg = base_config(redis_port, tmpdir)
    cfg["calendars"]["office"]["hours"] = {"sun": ["03:00-03:01"]}
    cfg["promise"] = {"respond_within": "30 working seconds", "calendar": "office"}
    cfg["channels"] = {"twilio": {"auth_token": TOKEN, "account_sid": "ACtest",
                                  "from": "+447700900000", "api_base": "http://127.0.0.1:9"}}
    return cfg


@pytest.fixture
def replyd(make_replyd, redis_server, tmpdir_path):
    return make_replyd(config(redis_server.port, tmpdir_path))


def send(replyd, sender):
    """One SMS, sent again after a 503 as Twilio does (a loaded replyd
    sheds load that way)."""
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("AccountSid", "ACtest"),
              ("From", sender), ("To", "+447700900000"), ("Body", "hello"), ("NumMedia", "0")]
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": twilio_signature(TOKEN, URL, params)}
    wait_for(lambda: replyd.request("POST", "/webhooks/twilio", form_body(params),
                                    headers)[0] == 200, timeout=30, interval=0.2,
             what="the message accepted")


def senders(first, n):
    return ["+4477%08d" % (first + i) for i in range(n)]


def send_all(replyd, numbers):
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda s: send(replyd, s), numbers))


def page(replyd, query="", cursor=None, limit=None):
    q = query
    if limit is not None:
        q += "&limit=%d" % limit
    if cursor is not None:
        q += "&cursor=" + urllib.parse.quote(cursor)
    status, body = replyd.api("GET", "/v1/conversations?" + q.lstrip("&"))
    assert status == 200, body
    return body


def walk(replyd, query="", limit=None):
    """Every page: (ids in order, number of pages)."""
    ids, cursor, pages = [], None, 0
    while True:
        body = page(replyd, query, cursor, limit)
        ids += [c["id"] for c in body["conversations"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages


def test_paging_through_2500_conversations_returns_each_exactly_once(replyd):
    send_all(replyd, senders(10000000, 2500))
    ids, pages = walk(replyd, limit=300)
    assert len(ids) == 2500
    assert len(set(ids)) == 2500
    assert pages == 9
    # The default page is 100 and the largest 1000: still all of them.
    assert len(set(walk(replyd, limit=1000)[0])) == 2500
    assert len(page(replyd)["conversations"]) == 100


def test_a_conversation_arriving_mid_paging_causes_no_duplicate_or_skip(replyd):
    send_all(replyd, senders(20000000, 40))
    before = set(walk(replyd, limit=1000)[0])
    assert len(before) == 40
    first = page(replyd, limit=10)
    seen = [c["id"] for c in first["conversations"]]
    send_all(replyd, senders(21000000, 15))
    ids, cursor = list(seen), first["next_cursor"]
    while cursor is not None:
        body = page(replyd, cursor=cursor, limit=10)
        ids += [c["id"] for c in body["conversations"]]
        cursor = body["next_cursor"]
    assert len(ids) == len(set(ids))
    # Every conversation there before the walk began was listed, once.
    assert before <= set(ids)
    assert len(set(walk(replyd, limit=1000)[0])) == 55


def test_a_conversation_answered_mid_paging_leaves_the_rest_in_place(replyd):
    send_all(replyd, senders(30000000, 30))
    first = page(replyd, limit=10)
    seen = [c["id"] for c in first["conversations"]]
    # The cursor's own conversation leaves the list: the walk goes on
    # from where it was.
    status, body = replyd.api("POST", "/v1/conversations/%s/responded" % seen[-1],
                              {"by": "alice", "how": "phone"})
    assert status == 200, body
    ids, cursor = list(seen), first["next_cursor"]
    while cursor is not None:
        body = page(replyd, cursor=cursor, limit=10)
        ids += [c["id"] for c in body["conversations"]]
        cursor = body["next_cursor"]
    assert len(ids) == 30
    assert len(set(ids)) == 30


def test_next_cursor_is_null_at_the_end(replyd):
    send_all(replyd, senders(40000000, 5))
    body = page(replyd, limit=5)
    assert len(body["conversations"]) == 5
    assert body["next_cursor"] is None
    ids, pages = walk(replyd, limit=2)
    assert len(set(ids)) == 5
    assert pages == 3


def test_responded_conversations_are_paged_too(replyd):
    send_all(replyd, senders(50000000, 7))
    for cid in walk(replyd)[0]:
        assert replyd.api("POST", "/v1/conversations/%s/responded" % cid,
                          {"by": "alice", "how": "phone"})[0] == 200
    ids, pages = walk(replyd, "state=responded", limit=3)
    assert len(set(ids)) == 7
    assert pages == 3
    assert walk(replyd)[0] == []


def test_a_forged_cursor_is_400_naming_the_cursor(replyd):
    send_all(replyd, senders(60000000, 3))
    good = page(replyd, limit=1)["next_cursor"]
    tampered = good[:4] + ("1" if good[4] != "1" else "2") + good[5:]
    for cursor in ("abc", "", "0", tampered, good + "00"):
        status, body = replyd.api("GET", "/v1/conversations?cursor=" + urllib.parse.quote(cursor))
        assert status == 400, cursor
        assert "cursor" in body["detail"]
    # A cursor of the open list is not one of the responded list.
    status, body = replyd.api("GET", "/v1/conversations?state=responded&cursor=" + good)
    assert status == 400
    assert "cursor" in body["detail"]


def test_a_bad_limit_is_400_naming_the_limit(replyd):
    for limit in ("0", "1001", "x", "", "-1", "10a"):
        status, body = replyd.api("GET", "/v1/conversations?limit=" + limit)
        assert status == 400, limit
        assert "limit" in body["detail"]


def test_replyctl_conversations_follows_next_cursor_to_list_everything(replyd):
    send_all(replyd, senders(70000000, 1200))
    env = {k: v for k, v in os.environ.items()
           if k not in ("REPLYD_TOKEN", "REPLYD_PERSON", "REPLYD_CONFIG")}
    out = subprocess.run([os.path.join(BUILD, "replyctl"), "conversations", "--format=json",
                          "-c", replyd.path], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    ids = [c["id"] for c in json.loads(out.stdout)["conversations"]]
    assert len(ids) == 1200
    assert len(set(ids)) == 1200
