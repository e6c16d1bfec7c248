"""POST /webhooks/notify: GOV.UK Notify's received text messages, bearer
token authentication, storage, dedupe and status codes (SPEC §5, §11)."""

import json
import os
import uuid

import pytest

from harness import base_config, check_config, Replyd, wait_for

TOKEN = "notify-callback-token-for-tests-0123"
PATH = "/webhooks/notify"


def all_day_config(redis_port, tmpdir, **extra):
    cfg = base_config(redis_port, tmpdir, **extra)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cfg["channels"] = {"notify": {"callback_token": TOKEN,
                                  "api_key": "replyd-test-" + str(uuid.uuid4()) + "-" + str(uuid.uuid4()),
                                  "api_base": "http://127.0.0.1:9",
                                  "sms_template_id": "f1c7a2b0-0000-4000-8000-000000000001",
                                  "timeout_ms": 5000}}
    return cfg


@pytest.fixture
def replyd(make_replyd, redis_server, tmpdir_path):
    return make_replyd(all_day_config(redis_server.port, tmpdir_path))


def callback(source="447700900123", message="hello, can you call me", id=None):
    return {"id": id or str(uuid.uuid4()), "source_number": source,
            "destination_number": "07700900000", "message": message,
            "date_received": "2026-03-11 10:30:00.000000"}


def post(replyd, body, token=TOKEN, headers=None):
    h = {"Content-Type": "application/json"}
    if token is not None:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return replyd.request("POST", PATH, body, h)


def conversations(replyd, query=""):
    status, data = replyd.api("GET", "/v1/conversations" + query)
    assert status == 200, data
    return data["conversations"]


def messages(replyd, cid):
    status, full = replyd.api("GET", "/v1/conversations/" + cid)
    assert status == 200, full
    return full["messages"]


def stored_keys(redis_server):
    """Keys holding anything a delivery left (escalation streams exist empty)."""
    return [k for k in redis_server.cli("--raw", "KEYS", "rd:*").splitlines()
            if k and not k.endswith(":esc")]


def test_callback_with_the_bearer_token_is_stored_and_answered_with_empty_json(replyd):
    status, headers, body = post(replyd, callback(message="please ring me back"))
    assert status == 200
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body) == {}
    [c] = conversations(replyd)
    assert c["state"] == "awaiting" and c["team"] == "leaving-care"
    [m] = messages(replyd, c["id"])
    assert m["text"] == "please ring me back"


def test_source_number_without_plus_is_matched_as_e164(replyd):
    status, contact = replyd.api("PUT", "/v1/contacts/yp-1",
                                 {"phone": "+447700900123", "worker": "alice"})
    assert status == 201
    assert post(replyd, callback(source="447700900123"))[0] == 200
    [c] = conversations(replyd)
    assert (c["worker"], c["contact"]) == ("alice", "yp-1")


def test_wrong_token_is_refused_and_nothing_is_stored(replyd, redis_server):
    status, _, body = post(replyd, callback(), token="not-the-token")
    assert status == 403
    assert json.loads(body)["error"] == "forbidden"
    assert stored_keys(redis_server) == []
    assert 'replyd_webhook_rejections_total{reason="credentials"} 1' in \
        replyd.request("GET", "/metrics")[2].decode()


def test_missing_or_other_authorization_is_refused(replyd, redis_server):
    assert post(replyd, callback(), token=None)[0] == 403
    assert post(replyd, callback(), token=None,
                headers={"Authorization": "Basic " + TOKEN})[0] == 403
    assert post(replyd, callback(), token=TOKEN[:-1])[0] == 403
    assert stored_keys(redis_server) == []


def test_same_callback_twice_is_stored_once(replyd):
    body = callback(id="3d1ce039-5476-414c-99b2-fac1e6add62c")
    assert post(replyd, body)[0] == 200
    status, _, answer = post(replyd, body)
    assert status == 200 and json.loads(answer) == {}
    [c] = conversations(replyd)
    assert len(messages(replyd, c["id"])) == 1


@pytest.mark.parametrize("body,field", [
    ({"source_number": "447700900123", "message": "m"}, "id"),
    ({"id": "", "source_number": "447700900123", "message": "m"}, "id"),
    ({"id": "x", "message": "m"}, "source_number"),
    ({"id": "x", "source_number": "not a number", "message": "m"}, "source_number"),
    ({"id": "x", "source_number": 447700900123, "message": "m"}, "source_number"),
    ({"id": "x", "source_number": "447700900123"}, "message"),
    ([1, 2], "body"),
])
def test_malformed_callback_is_a_400_naming_the_field(replyd, redis_server, body, field):
    status, _, answer = post(replyd, body)
    assert status == 400
    assert json.loads(answer)["field"] == field
    assert stored_keys(redis_server) == []


def test_body_that_is_not_json_is_a_400(replyd, redis_server):
    status, _, answer = post(replyd, b"id=x&source_number=447700900123")
    assert status == 400 and json.loads(answer)["field"] == "body"
    assert stored_keys(redis_server) == []


def test_oversized_body_is_413(tmpdir_path, redis_server, make_replyd):
    d = make_replyd(all_day_config(redis_server.port, tmpdir_path,
                                   limits={"sms_body_bytes": 2048}))
    status, _, _ = post(d, callback(message="x" * 4000))
    assert status == 413
    assert stored_keys(redis_server) == []
    assert post(d, callback(message="x" * 1000))[0] == 200


def test_redis_down_answers_503_with_retry_after_then_accepts(replyd, redis_server):
    redis_server.stop()
    wait_for(lambda: replyd.status("/readyz") == 503, what="readyz 503")
    body = callback(id="outage-0001")
    status, headers, _ = post(replyd, body)
    assert status == 503 and "retry-after" in headers
    redis_server.start()
    wait_for(lambda: replyd.status("/readyz") == 200, what="readyz 200")
    assert post(replyd, body)[0] == 200
    assert len(conversations(replyd)) == 1


def test_callback_token_is_read_from_a_secret_file(tmpdir_path, redis_server, make_replyd):
    secret = os.path.join(tmpdir_path, "notify-callback-token")
    with open(secret, "w") as f:
        f.write(TOKEN + "\n")
    cfg = all_day_config(redis_server.port, tmpdir_path)
    cfg["channels"]["notify"]["callback_token"] = {"file": secret}
    d = make_replyd(cfg)
    assert post(d, callback())[0] == 200
    assert TOKEN not in d.logtext()


def test_missing_callback_token_is_a_configuration_error(tmpdir_path, redis_server):
    cfg = all_day_config(redis_server.port, tmpdir_path)
    del cfg["channels"]["notify"]["callback_token"]
    d = Replyd(tmpdir_path, cfg, name="bad")
    rc, out = check_config(d.path)
    assert rc == 1
    assert 'missing key "callback_token"' in out, out


def test_unknown_notify_key_is_a_configuration_error(tmpdir_path, redis_server):
    cfg = all_day_config(redis_server.port, tmpdir_path)
    cfg["channels"]["notify"]["callback_tokne"] = "x"
    d = Replyd(tmpdir_path, cfg, name="bad")
    rc, out = check_config(d.path)
    assert rc == 1 and "callback_tokne" in out, out


def test_logs_never_contain_message_text_numbers_or_the_token(replyd):
    post(replyd, callback(source="447700900123", message="secret words here"))
    post(replyd, callback(source="447700900123", message="secret words here"),
         token="wrong-token")
    log = replyd.logtext()
    assert "secret words" not in log
    assert "447700900123" not in log
    assert TOKEN not in log
