"""POST /webhooks/twilio: authentication, storage, dedupe, status codes,
routing and the staff API's view of the result (SPEC §5, §6, §9)."""

import base64
import datetime
import hashlib
import uuid

import pytest

from harness import base_config, text_bucket, text_field, wait_for
from providers import form_body, twilio_signature

TOKEN = "twilio-auth-token-for-tests"
URL = "https://replyd.test/webhooks/twilio"


def all_day_config(redis_port, tmpdir, **extra):
    cfg = base_config(redis_port, tmpdir, **extra)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cfg["channels"] = {"twilio": {"auth_token": TOKEN, "account_sid": "ACtest",
                                  "from": "+447700900000", "api_base": "http://127.0.0.1:9"}}
    return cfg


@pytest.fixture
def replyd(make_replyd, redis_server, tmpdir_path):
    return make_replyd(all_day_config(redis_server.port, tmpdir_path))


def sms(sender="+447700900123", body="hello, can you call me", sid=None):
    return [("MessageSid", sid or "SM" + uuid.uuid4().hex), ("AccountSid", "ACtest"),
            ("From", sender), ("To", "+447700900000"), ("Body", body), ("NumMedia", "0")]


def post(replyd, params, url=URL, signature=None, path="/webhooks/twilio"):
    sig = signature if signature is not None else twilio_signature(TOKEN, url, params)
    return replyd.request("POST", path, form_body(params),
                          {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Twilio-Signature": sig})


def conversations(replyd, query=""):
    status, data = replyd.api("GET", "/v1/conversations" + query)
    assert status == 200, data
    return data["conversations"]


def stored_keys(redis_server):
    """Keys holding anything a delivery left (escalation streams exist empty)."""
    return [k for k in redis_server.cli("--raw", "KEYS", "rd:*").splitlines()
            if k and not k.endswith(":esc")]


def parse(ts):
    return datetime.datetime.fromisoformat(ts)


def test_signed_sms_is_stored_and_answered_with_empty_twiml(replyd):
    status, headers, body = post(replyd, sms())
    assert status == 200
    assert headers["content-type"] == "text/xml"
    assert body.endswith(b"<Response/>")
    [c] = conversations(replyd)
    assert c["state"] == "awaiting" and c["team"] == "leaving-care"


def test_deadline_is_one_working_day_after_arrival(replyd):
    post(replyd, sms())
    [c] = conversations(replyd)
    gap = (parse(c["deadline"]) - parse(c["received_at"])).total_seconds()
    assert 86400 <= gap <= 86401       # 24/7 calendar: 1 working day = 24 h


def test_wrong_signature_is_refused_and_nothing_is_stored(replyd, redis_server):
    params = sms()
    status, _, body = post(replyd, params, signature=twilio_signature("wrong", URL, params))
    assert status == 403
    assert stored_keys(redis_server) == []
    assert 'replyd_webhook_rejections_total{reason="signature"} 1' in \
        replyd.request("GET", "/metrics")[2].decode()


def test_tampered_body_is_refused(replyd, redis_server):
    params = sms(body="original")
    sig = twilio_signature(TOKEN, URL, params)
    params[4] = ("Body", "tampered")
    assert post(replyd, params, signature=sig)[0] == 403
    assert stored_keys(redis_server) == []


def test_missing_signature_is_refused(replyd, redis_server):
    status, _, _ = replyd.request("POST", "/webhooks/twilio", form_body(sms()),
                                  {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    assert stored_keys(redis_server) == []


def test_url_signed_with_port_443_is_accepted(replyd):
    params = sms()
    sig = twilio_signature(TOKEN, "https://replyd.test:443/webhooks/twilio", params)
    assert post(replyd, params, signature=sig)[0] == 200


def test_query_string_is_part_of_the_signed_url(replyd):
    params = sms()
    sig = twilio_signature(TOKEN, URL + "?team=x", params)
    assert post(replyd, params, signature=sig, path="/webhooks/twilio?team=x")[0] == 200
    assert post(replyd, sms(), signature=twilio_signature(TOKEN, URL, sms()),
                path="/webhooks/twilio?team=x")[0] == 403


def test_same_message_twice_is_stored_once(replyd, redis_server):
    params = sms(sid="SM" + "d" * 32)
    assert post(replyd, params)[0] == 200
    assert post(replyd, params)[0] == 200
    [c] = conversations(replyd)
    status, full = replyd.api("GET", "/v1/conversations/" + c["id"])
    assert len(full["messages"]) == 1
    # The dedupe key keeps the conversation's number; the repeat names it.
    assert "repeat of a stored message (conversation %s)" % c["id"] in replyd.logtext()


def test_dedupe_key_is_named_by_19_characters_of_the_sid_hash_for_35_days(
        replyd, redis_server):
    sid = "SM" + "e" * 32
    assert post(replyd, sms(sender="+447700900555", sid=sid))[0] == 200
    [c] = conversations(replyd)
    p = c["id"].split("-")[0]
    name = base64.urlsafe_b64encode(hashlib.sha256(sid.encode()).digest()[:14]).decode()[:19]
    key = "rd:{%s}:d:twilio:%s" % (p, name)
    assert [k for k in stored_keys(redis_server) if ":d:" in k] == [key]
    assert redis_server.cli("--raw", "GET", key).strip() == c["id"].split("-")[1]
    assert 35 * 86400 - 60 < int(redis_server.cli("--raw", "TTL", key)) <= 35 * 86400


def test_repeat_of_a_message_under_the_release_befores_dedupe_name_is_stored_once(
        replyd, redis_server):
    post(replyd, sms(sender="+447700900556", body="first"))
    [c] = conversations(replyd)
    p, n = c["id"].split("-")
    sid = "SM" + "f" * 32
    old = "rd:{%s}:d:twilio:%s" % (p, hashlib.sha256(sid.encode()).hexdigest()[:40])
    redis_server.cli("SET", old, n, "EX", "3600")
    assert post(replyd, sms(sender="+447700900556", body="again", sid=sid))[0] == 200
    status, full = replyd.api("GET", "/v1/conversations/" + c["id"])
    assert [m["text"] for m in full["messages"]] == ["first"]
    assert "repeat of a stored message (conversation %s)" % c["id"] in replyd.logtext()


def test_second_message_joins_the_conversation_without_moving_the_deadline(replyd):
    post(replyd, sms(body="first"))
    [first] = conversations(replyd)
    post(replyd, sms(body="second"))
    [c] = conversations(replyd)
    assert c["id"] == first["id"] and c["deadline"] == first["deadline"]
    status, full = replyd.api("GET", "/v1/conversations/" + c["id"])
    assert [m["text"] for m in full["messages"]] == ["first", "second"]


def test_missing_message_sid_is_a_400_naming_the_field(replyd, redis_server):
    params = [p for p in sms() if p[0] != "MessageSid"]
    status, _, body = post(replyd, params)
    assert status == 400
    assert b"MessageSid" in body
    assert stored_keys(redis_server) == []


def test_oversized_body_is_413(tmpdir_path, redis_server, make_replyd):
    cfg = all_day_config(redis_server.port, tmpdir_path, limits={"sms_body_bytes": 2048})
    d = make_replyd(cfg)
    status, _, _ = post(d, sms(body="x" * 4000))
    assert status == 413
    assert stored_keys(redis_server) == []


def test_redis_down_answers_503_with_retry_after_then_accepts(replyd, redis_server):
    redis_server.stop()
    wait_for(lambda: replyd.status("/readyz") == 503, what="readyz 503")
    params = sms(sid="SM" + "0" * 31 + "1")
    status, headers, _ = post(replyd, params)
    assert status == 503 and "retry-after" in headers
    redis_server.start()
    wait_for(lambda: replyd.status("/readyz") == 200, what="readyz 200")
    assert post(replyd, params)[0] == 200
    assert len(conversations(replyd)) == 1


def test_unknown_sender_goes_to_the_default_team_with_no_worker(replyd):
    post(replyd, sms(sender="+447700900999"))
    [c] = conversations(replyd)
    assert c["team"] == "leaving-care" and c["worker"] is None and c["contact"] is None


def test_known_contact_is_routed_to_their_worker(replyd):
    status, contact = replyd.api("PUT", "/v1/contacts/yp-1",
                                 {"phone": "07700 900123", "worker": "alice"})
    assert status == 201 and contact["phone"] == "+447700900123"
    post(replyd, sms(sender="+447700900123"))
    [c] = conversations(replyd)
    assert (c["worker"], c["contact"]) == ("alice", "yp-1")


def test_recorded_response_stops_the_clock(replyd):
    post(replyd, sms())
    [c] = conversations(replyd)
    status, body = replyd.api("POST", "/v1/conversations/%s/responded" % c["id"],
                              {"by": "alice", "how": "phone", "note": "called back"})
    assert status == 200
    assert conversations(replyd, "?state=awaiting") == []
    [r] = conversations(replyd, "?state=responded")
    assert r["id"] == c["id"] and r["responded_at"] is not None
    status, body = replyd.api("POST", "/v1/conversations/%s/responded" % c["id"],
                              {"by": "alice", "how": "phone"})
    assert status == 409


def test_message_after_a_response_opens_a_new_conversation(replyd):
    post(replyd, sms())
    [c] = conversations(replyd)
    replyd.api("POST", "/v1/conversations/%s/responded" % c["id"], {"by": "alice", "how": "phone"})
    post(replyd, sms())
    [new] = conversations(replyd, "?state=awaiting")
    assert new["id"] != c["id"]


def address_key(redis_server, address):
    """The address's hash (docs/data-model.md: routing and its open
    conversation), read whole."""
    ah = hashlib.sha256(address.encode()).hexdigest()
    key = "rd:{%d}:r:%s" % (int(ah[:2], 16) % 16, ah[:40])
    pairs = redis_server.cli("--raw", "HGETALL", key).splitlines()
    return dict(zip(pairs[0::2], pairs[1::2]))


def test_the_open_conversation_is_a_field_of_the_address_and_goes_with_the_response(
        replyd, redis_server):
    post(replyd, sms(sender="+447700900999"))
    [c] = conversations(replyd)
    assert address_key(redis_server, "+447700900999") == {"o": c["id"]}
    assert not [k for k in stored_keys(redis_server) if ":o:" in k]
    replyd.api("POST", "/v1/conversations/%s/responded" % c["id"], {"by": "alice", "how": "phone"})
    # An unknown sender's address leaves nothing behind once answered.
    assert address_key(redis_server, "+447700900999") == {}


def test_a_contact_removed_while_their_conversation_is_open_keeps_it_open(replyd, redis_server):
    assert replyd.api("PUT", "/v1/contacts/yp-1",
                      {"phone": "07700 900123", "worker": "alice"})[0] == 201
    post(replyd, sms(sender="+447700900123"))
    [c] = conversations(replyd)
    assert replyd.api("DELETE", "/v1/contacts/yp-1")[0] in (200, 204)
    assert address_key(redis_server, "+447700900123") == {"o": c["id"]}
    post(replyd, sms(sender="+447700900123"))
    [same] = conversations(replyd)
    assert same["id"] == c["id"]
    assert len(replyd.api("GET", "/v1/conversations/" + c["id"])[1]["messages"]) == 2


def test_short_texts_of_neighbouring_conversations_share_one_listpack(replyd, redis_server):
    for i in range(3):
        post(replyd, sms(sender="+4477009002%02d" % i, body="ok %d" % i))
    ids = [c["id"] for c in conversations(replyd)]
    for cid in ids:
        p = cid.split("-")[0]
        x1 = redis_server.cli("--raw", "HGET", "rd:{%s}:c:%s" % (p, cid), "x1").strip()
        key = text_bucket(cid, x1)
        assert redis_server.cli("--raw", "HGET", key, text_field(cid, "1")).startswith("ok ")
        assert redis_server.cli("--raw", "OBJECT", "ENCODING", key).strip() == "listpack"


def test_a_text_in_the_release_befores_bucket_is_still_read(replyd, redis_server):
    post(replyd, sms(sender="+447700900321", body="kept where it was"))
    [c] = conversations(replyd)
    p = c["id"].split("-")[0]
    x1 = redis_server.cli("--raw", "HGET", "rd:{%s}:c:%s" % (p, c["id"]), "x1").strip()
    # The release before kept a partition's texts of one expiry in one
    # hash, each named by its conversation's id.
    redis_server.cli("DEL", text_bucket(c["id"], x1))
    redis_server.cli("HSET", "rd:{%s}:x:%s" % (p, x1), c["id"] + ":1", "kept where it was")
    [m] = replyd.api("GET", "/v1/conversations/" + c["id"])[1]["messages"]
    assert m["text"] == "kept where it was"


def test_a_text_named_by_its_conversation_id_in_the_block_is_still_read(replyd, redis_server):
    post(replyd, sms(sender="+447700900322", body="named by the id"))
    [c] = conversations(replyd)
    p = c["id"].split("-")[0]
    key = text_bucket(c["id"], redis_server.cli("--raw", "HGET", "rd:{%s}:c:%s" % (p, c["id"]),
                                                 "x1").strip())
    # The first release with blocks named a text by its conversation's id.
    redis_server.cli("HDEL", key, text_field(c["id"], "1"))
    redis_server.cli("HSET", key, c["id"] + ":1", "named by the id")
    [m] = replyd.api("GET", "/v1/conversations/" + c["id"])[1]["messages"]
    assert m["text"] == "named by the id"


def test_logs_never_contain_message_text_or_full_numbers(replyd):
    post(replyd, sms(sender="+447700900123", body="secret words here"))
    post(replyd, sms(sender="+447700900123", body="secret words here"), signature="bad")
    log = replyd.logtext()
    assert "secret words" not in log
    assert "+447700900123" not in log and "447700900123" not in log
    assert TOKEN not in log


def test_metrics_count_received_in_time_and_overdue(tmpdir_path, redis_server, make_replyd):
    cfg = all_day_config(redis_server.port, tmpdir_path)
    cfg["promise"]["respond_within"] = "1 working seconds"
    d = make_replyd(cfg)
    post(d, sms(sender="+447700900201"))
    post(d, sms(sender="+447700900202"))
    [first] = [c for c in conversations(d)][:1]
    d.api("POST", "/v1/conversations/%s/responded" % first["id"], {"by": "alice", "how": "phone"})
    wait_for(lambda: "replyd_conversations_overdue 1" in d.request("GET", "/metrics")[2].decode(),
             timeout=5, what="one overdue conversation")
    text = d.request("GET", "/metrics")[2].decode()
    assert 'replyd_messages_received_total{channel="sms"} 2' in text
    assert "replyd_responses_in_time 1" in text or "replyd_responses_late 1" in text


def test_each_message_event_says_whether_that_message_was_urgent(make_replyd, redis_server,
                                                                 tmpdir_path):
    # The first message's event is kept in the record (docs/data-model.md):
    # a later urgent message makes the conversation urgent, not the first.
    d = make_replyd(all_day_config(redis_server.port, tmpdir_path,
                                   urgent={"keywords": ["scared"]}))
    assert post(d, sms(body="can you call me"))[0] == 200
    assert post(d, sms(body="I am scared"))[0] == 200
    assert post(d, sms(sender="+447700900124", body="I am scared"))[0] == 200
    assert post(d, sms(sender="+447700900124", body="it's fine now"))[0] == 200
    for c in conversations(d):
        full = d.api("GET", "/v1/conversations/" + c["id"])[1]
        assert full["urgent"] is True
        assert [e["n"] for e in full["events"] if e["type"] == "message"] == [1, 2]
    got = sorted([m["urgent"] for m in d.api("GET", "/v1/conversations/" + c["id"])[1]
                  ["messages"]] for c in conversations(d))
    assert got == [[False, True], [True, False]]
