"""POST /webhooks/sendgrid: SendGrid Inbound Parse, Basic auth, the Message-ID
from the raw headers, storage, dedupe, status codes (SPEC §5, §6)."""

import json
import uuid

import pytest

from harness import base_config, wait_for
from providers import basic_auth, multipart_body

USER = "inbound"
PASSWORD = "sendgrid-password-for-tests-0123"
PATH = "/webhooks/sendgrid"


def all_day_config(redis_port, tmpdir, **extra):
    cfg = base_config(redis_port, tmpdir, **extra)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cfg["channels"] = {"sendgrid": {"username": USER, "password": PASSWORD}}
    return cfg


@pytest.fixture
def replyd(make_replyd, redis_server, tmpdir_path):
    return make_replyd(all_day_config(redis_server.port, tmpdir_path))


def headers_block(message_id, in_reply_to=None):
    lines = ["Received: by mx0.sendgrid.net with SMTP id abc",
             "\tSun, 22 Nov 2026 10:30:00 +0000 (UTC)",
             "From: Young Person <yp@example.org>",
             # Folded, as some mailers do.
             "Message-ID:",
             " " + message_id]
    if in_reply_to:
        lines.append("In-Reply-To: " + in_reply_to)
    return "\r\n".join(lines + ["Subject: Help please", ""])


def email(sender="Young Person <yp@example.org>", to="inbound@replyd.test",
          subject="Help please", text="Can you call me?", html=None, message_id=None,
          in_reply_to=None, headers=True, extra=(), envelope_from="yp@example.org"):
    message_id = message_id or "<%s@mail.example.org>" % uuid.uuid4().hex
    fields = []
    if headers:
        fields.append(("headers", headers_block(message_id, in_reply_to)))
    fields += [("from", sender), ("to", to), ("subject", subject),
               ("envelope", json.dumps({"to": ["inbound@replyd.test"],
                                        "from": envelope_from})),
               ("charsets", json.dumps({"to": "UTF-8", "subject": "UTF-8",
                                        "from": "UTF-8", "text": "UTF-8"})),
               ("SPF", "pass")]
    if text is not None:
        fields.append(("text", text))
    if html is not None:
        fields.append(("html", html))
    return fields + list(extra)


def post(replyd, fields, files=(), auth=(USER, PASSWORD)):
    body, ctype = multipart_body(fields, files)
    headers = {"Content-Type": ctype}
    if auth is not None:
        headers["Authorization"] = basic_auth(*auth)
    return replyd.request("POST", PATH, body, headers)


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


def test_authenticated_email_is_stored_and_answered_with_empty_json(replyd):
    status, headers, body = post(replyd, email())
    assert status == 200
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body) == {}
    [c] = conversations(replyd)
    assert c["state"] == "awaiting" and c["team"] == "leaving-care"
    [m] = messages(replyd, c["id"])
    assert m["text"] == "Subject: Help please\n\nCan you call me?"


def test_message_id_and_in_reply_to_come_from_the_raw_headers(replyd):
    assert post(replyd, email(message_id="<CAF=abc@mail.gmail.com>",
                              in_reply_to="<conv-1@replyd.test>"))[0] == 200
    [c] = conversations(replyd)
    [m] = messages(replyd, c["id"])
    assert m["meta"]["message_id"] == "<CAF=abc@mail.gmail.com>"
    assert m["meta"]["in_reply_to"] == "<conv-1@replyd.test>"


def test_attachments_are_counted_and_named_not_stored(replyd):
    files = [("attachment1", "letter.pdf", "application/pdf", b"%PDF-1.4\n"),
             ("attachment2", "photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0")]
    info = json.dumps({"attachment1": {"filename": "letter.pdf", "type": "application/pdf"},
                       "attachment2": {"filename": "photo.jpg", "type": "image/jpeg"}})
    assert post(replyd, email(extra=[("attachments", "2"), ("attachment-info", info)]),
                files)[0] == 200
    [c] = conversations(replyd)
    [m] = messages(replyd, c["id"])
    assert m["meta"]["attachments"] == 2
    assert m["meta"]["attachment_names"] == "letter.pdf,photo.jpg"
    assert "%PDF" not in json.dumps(m)


def test_wrong_password_is_refused_and_nothing_is_stored(replyd, redis_server):
    status, _, body = post(replyd, email(), auth=(USER, "wrong"))
    assert status == 403
    assert json.loads(body)["error"] == "forbidden"
    assert stored_keys(redis_server) == []
    assert 'replyd_webhook_rejections_total{reason="credentials"} 1' in \
        replyd.request("GET", "/metrics")[2].decode()


def test_missing_or_wrong_user_is_refused(replyd, redis_server):
    assert post(replyd, email(), auth=None)[0] == 403
    assert post(replyd, email(), auth=("other", PASSWORD))[0] == 403
    assert stored_keys(redis_server) == []


def test_same_message_id_twice_is_stored_once(replyd):
    fields = email(message_id="<dup-1@mail.example.org>")
    assert post(replyd, fields)[0] == 200
    status, _, body = post(replyd, fields)
    assert status == 200 and json.loads(body) == {}
    [c] = conversations(replyd)
    assert len(messages(replyd, c["id"])) == 1


def test_missing_message_id_is_a_400_naming_the_field(replyd, redis_server):
    status, _, body = post(replyd, email(headers=False))
    assert status == 400 and json.loads(body)["field"] == "Message-ID"
    fields = [("headers", "From: yp@example.org\r\nSubject: x\r\n")] + email(headers=False)
    status, _, body = post(replyd, fields)
    assert status == 400 and json.loads(body)["field"] == "Message-ID"
    assert stored_keys(redis_server) == []


def test_missing_sender_is_a_400_naming_the_field(replyd, redis_server):
    fields = [f for f in email() if f[0] != "from"]
    status, _, body = post(replyd, fields)
    assert status == 400 and json.loads(body)["field"] == "from"
    assert stored_keys(redis_server) == []


def test_truncated_multipart_body_is_a_400(replyd, redis_server):
    body, ctype = multipart_body(email())
    status, _, answer = replyd.request(
        "POST", PATH, body[:-40],
        {"Content-Type": ctype, "Authorization": basic_auth(USER, PASSWORD)})
    assert status == 400 and json.loads(answer)["field"] == "body"
    assert stored_keys(redis_server) == []


def test_html_only_email_is_stored_as_plain_text(replyd):
    html = ("<html><head><title>x</title></head><body><div>Hi Alice,</div>"
            "<div><br></div><div>Can you call me&nbsp;today?</div></body></html>")
    assert post(replyd, email(text=None, html=html))[0] == 200
    [c] = conversations(replyd)
    [m] = messages(replyd, c["id"])
    assert m["text"] == "Subject: Help please\n\nHi Alice,\n\nCan you call me today?"


def test_latin1_text_is_stored_as_utf8(replyd):
    fields = [f for f in email(text=None) if f[0] != "charsets"]
    fields += [("charsets", json.dumps({"subject": "UTF-8", "text": "iso-8859-1"})),
               ("text", "caf\xe9 \xa35".encode("latin-1"))]
    assert post(replyd, fields)[0] == 200
    [c] = conversations(replyd)
    [m] = messages(replyd, c["id"])
    assert m["text"] == "Subject: Help please\n\ncaf\u00e9 \u00a35"


def test_oversized_body_is_413(tmpdir_path, redis_server, make_replyd):
    d = make_replyd(all_day_config(redis_server.port, tmpdir_path,
                                   limits={"email_body_bytes": 2048}))
    status, _, _ = post(d, email(text="x" * 4000))
    assert status == 413
    assert stored_keys(redis_server) == []


def test_redis_down_answers_503_with_retry_after_then_accepts(replyd, redis_server):
    redis_server.stop()
    wait_for(lambda: replyd.status("/readyz") == 503, what="readyz 503")
    fields = email(message_id="<outage@mail.example.org>")
    status, headers, _ = post(replyd, fields)
    assert status == 503 and "retry-after" in headers
    redis_server.start()
    wait_for(lambda: replyd.status("/readyz") == 200, what="readyz 200")
    assert post(replyd, fields)[0] == 200
    assert len(conversations(replyd)) == 1


def test_staff_email_to_the_young_person_is_recorded_as_the_response(replyd):
    assert post(replyd, email(sender="yp@example.org"))[0] == 200
    [c] = conversations(replyd)
    # SendGrid reports that SPF passed for the envelope sender, Alice's domain.
    reply = email(sender="Alice <Alice@Example.gov.uk>", to="yp@example.org",
                  subject="Re: Help please", text="I will call you at 3pm",
                  envelope_from="alice@example.gov.uk")
    assert post(replyd, reply)[0] == 200
    [r] = conversations(replyd, "?state=responded")
    assert r["id"] == c["id"]
    assert conversations(replyd, "?state=awaiting") == []


def test_username_with_a_colon_is_a_configuration_error(tmpdir_path, redis_server):
    from harness import Replyd, check_config
    cfg = all_day_config(redis_server.port, tmpdir_path)
    cfg["channels"]["sendgrid"]["username"] = "in:bound"
    rc, out = check_config(Replyd(tmpdir_path, cfg, name="bad").path)
    assert rc == 1 and "username" in out, out


def test_logs_never_contain_message_text_addresses_or_password(replyd):
    post(replyd, email(sender="yp@example.org", text="secret words here"))
    post(replyd, email(sender="yp@example.org", text="secret words here"),
         auth=(USER, "wrong"))
    log = replyd.logtext()
    assert "secret words" not in log
    assert "yp@example.org" not in log
    assert PASSWORD not in log
