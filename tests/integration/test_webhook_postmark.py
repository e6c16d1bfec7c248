"""POST /webhooks/postmark: Postmark inbound JSON, Basic auth, storage, dedupe
on MessageID, status codes, staff responses (SPEC §5, §6)."""

import json
import uuid

import pytest

from harness import base_config, wait_for
from providers import basic_auth

USER = "postmark"
PASSWORD = "postmark-password-for-tests-0123"
PATH = "/webhooks/postmark"


def all_day_config(redis_port, tmpdir, **extra):
    cfg = base_config(redis_port, tmpdir, **extra)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cfg["channels"] = {"postmark": {"username": USER, "password": PASSWORD}}
    return cfg


@pytest.fixture
def replyd(make_replyd, redis_server, tmpdir_path):
    return make_replyd(all_day_config(redis_server.port, tmpdir_path))


def email(sender="yp@example.org", to="inbound@replyd.test", subject="Help please",
          text="Can you call me?", html=None, message_id=None, headers=None,
          attachments=None):
    """A body shaped like Postmark's inbound webhook documentation."""
    return {
        "FromName": "Young Person",
        "MessageStream": "inbound",
        "From": sender,
        "FromFull": {"Email": sender, "Name": "Young Person", "MailboxHash": ""},
        "To": to,
        "ToFull": [{"Email": to, "Name": "", "MailboxHash": ""}],
        "Cc": "", "CcFull": [], "Bcc": "", "BccFull": [],
        "OriginalRecipient": "inbound@replyd.test",
        "Subject": subject,
        "MessageID": message_id or str(uuid.uuid4()),
        "ReplyTo": "", "MailboxHash": "",
        "Date": "Sun, 22 Nov 2026 10:30:00 +0000",
        "TextBody": text if text is not None else "",
        "HtmlBody": html if html is not None else "",
        "StrippedTextReply": "stripped reply text",
        "Tag": "",
        "Headers": headers if headers is not None else [
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "Message-ID", "Value": "<%s@mail.example.org>" % uuid.uuid4().hex}],
        "Attachments": attachments or [],
    }


def post(replyd, body, auth=(USER, PASSWORD)):
    headers = {"Content-Type": "application/json"}
    if auth is not None:
        headers["Authorization"] = basic_auth(*auth)
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
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
    # TextBody, not StrippedTextReply.
    assert m["text"] == "Subject: Help please\n\nCan you call me?"


def test_message_id_and_in_reply_to_come_from_headers(replyd):
    hs = [{"Name": "message-id", "Value": "<abc@mail.example.org>"},
          {"Name": "In-Reply-To", "Value": "<conv-1@replyd.test>"}]
    assert post(replyd, email(headers=hs))[0] == 200
    [c] = conversations(replyd)
    [m] = messages(replyd, c["id"])
    assert m["meta"]["message_id"] == "<abc@mail.example.org>"
    assert m["meta"]["in_reply_to"] == "<conv-1@replyd.test>"


def test_attachments_are_counted_and_named_not_stored(replyd):
    atts = [{"Name": "letter.pdf", "Content": "JVBERi0xLjQK",
             "ContentType": "application/pdf", "ContentLength": 9},
            {"Name": "photo.jpg", "Content": "/9j/4A==", "ContentType": "image/jpeg",
             "ContentLength": 4}]
    assert post(replyd, email(attachments=atts))[0] == 200
    [c] = conversations(replyd)
    [m] = messages(replyd, c["id"])
    assert m["meta"]["attachments"] == 2
    assert m["meta"]["attachment_names"] == "letter.pdf,photo.jpg"
    assert "JVBERi0" not in json.dumps(m)


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
    body = email(message_id="22c74902-a0c1-4511-804f-341342852c90")
    assert post(replyd, body)[0] == 200
    status, _, answer = post(replyd, body)
    assert status == 200 and json.loads(answer) == {}
    [c] = conversations(replyd)
    assert len(messages(replyd, c["id"])) == 1


@pytest.mark.parametrize("change,field", [
    ({"MessageID": None}, "MessageID"),
    ({"MessageID": ""}, "MessageID"),
    ({"From": None, "FromFull": None}, "From"),
    ({"Subject": 7}, "Subject"),
    ({"TextBody": ["x"]}, "TextBody"),
    ({"Headers": {"Message-ID": "x"}}, "Headers"),
    ({"Attachments": "none"}, "Attachments"),
])
def test_malformed_email_is_a_400_naming_the_field(replyd, redis_server, change, field):
    body = email()
    body.update(change)
    status, _, answer = post(replyd, body)
    assert status == 400
    assert json.loads(answer)["field"] == field
    assert stored_keys(redis_server) == []


def test_body_that_is_not_json_is_a_400(replyd, redis_server):
    status, _, answer = post(replyd, b"{\"MessageID\": ")
    assert status == 400 and json.loads(answer)["field"] == "body"
    assert stored_keys(redis_server) == []


def test_from_full_stands_in_for_an_empty_from(replyd):
    body = email()
    body["From"] = ""
    assert post(replyd, body)[0] == 200
    assert len(conversations(replyd)) == 1


def test_html_only_email_is_stored_as_plain_text(replyd):
    html = ("<html><head><style>.x{}</style></head><body><p>Hi Alice,</p>"
            "<ul><li>my phone broke</li><li>call me &amp; my carer</li></ul>"
            "<script>alert(1)</script></body></html>")
    assert post(replyd, email(text="", html=html))[0] == 200
    [c] = conversations(replyd)
    [m] = messages(replyd, c["id"])
    assert m["text"] == ("Subject: Help please\n\nHi Alice,\nmy phone broke\n"
                         "call me & my carer")


def test_oversized_body_is_403_so_postmark_stops_retrying(tmpdir_path, redis_server,
                                                          make_replyd):
    d = make_replyd(all_day_config(redis_server.port, tmpdir_path,
                                   limits={"email_body_bytes": 2048}))
    status, _, _ = post(d, email(text="x" * 4000))
    assert status == 403
    assert stored_keys(redis_server) == []


def test_redis_down_answers_503_with_retry_after_then_accepts(replyd, redis_server):
    redis_server.stop()
    wait_for(lambda: replyd.status("/readyz") == 503, what="readyz 503")
    body = email(message_id="outage-0001")
    status, headers, _ = post(replyd, body)
    assert status == 503 and "retry-after" in headers
    redis_server.start()
    wait_for(lambda: replyd.status("/readyz") == 200, what="readyz 200")
    assert post(replyd, body)[0] == 200
    assert len(conversations(replyd)) == 1


def test_staff_email_to_the_young_person_is_recorded_as_the_response(replyd):
    assert post(replyd, email(sender="yp@example.org"))[0] == 200
    [c] = conversations(replyd)
    # Postmark's Received-SPF header says SPF passed for Alice's domain.
    reply = email(sender="alice@example.gov.uk", to="yp@example.org",
                  subject="Re: Help please", text="I will call you at 3pm",
                  headers=[{"Name": "Received-SPF", "Value":
                            "Pass (sender SPF authorized) identity=mailfrom; "
                            "envelope-from=alice@example.gov.uk"}])
    assert post(replyd, reply)[0] == 200
    [r] = conversations(replyd, "?state=responded")
    assert r["id"] == c["id"]
    assert conversations(replyd, "?state=awaiting") == []


def test_logs_never_contain_message_text_addresses_or_password(replyd):
    post(replyd, email(sender="yp@example.org", text="secret words here"))
    post(replyd, email(sender="yp@example.org", text="secret words here"),
         auth=(USER, "wrong"))
    log = replyd.logtext()
    assert "secret words" not in log
    assert "yp@example.org" not in log
    assert PASSWORD not in log
