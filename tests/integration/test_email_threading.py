"""Email replies find their thread (RFC 5322 In-Reply-To and References of
the young person's message) and a Reply-To that brings the answer back to
replyd's inbound address; a staff member's observed email response keeps
its words in the record, under the retention of message text."""

import json
import uuid

import pytest

from fakes import FakeSMTP, make_certificate
from harness import base_config, text_bucket, text_field, wait_for
from providers import basic_auth

PM_USER = "postmark"
PM_PASSWORD = "postmark-password-for-tests-0123"
INBOUND = "replies@inbound.replyd.test"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def smtp(tmpdir_path):
    cert, key = make_certificate(tmpdir_path)
    fake = FakeSMTP(cert, key, mode="smtps")
    fake.ca_file = cert
    yield fake
    fake.close()


def email_config(redis_port, tmpdir, smtp, **extra):
    cfg = base_config(redis_port, tmpdir, **extra)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in DAYS}
    cfg["channels"] = {"postmark": {"username": PM_USER, "password": PM_PASSWORD},
                       "smtp": {"url": smtp.url, "from": "replies@council.test",
                                "reply_to": INBOUND, "ca_file": smtp.ca_file,
                                "timeout_ms": 5000}}
    cfg["alerts"] = {"email": "smtp"}
    return cfg


def send_email(d, sender="yp@example.org", to=INBOUND, subject="Help please",
               text="Can you call me?", message_id=None, in_reply_to=None, headers=()):
    hdrs = [{"Name": "Message-ID", "Value": message_id or "<%s@mail.example.org>"
             % uuid.uuid4().hex}]
    if in_reply_to:
        hdrs.append({"Name": "In-Reply-To", "Value": in_reply_to})
    body = {"From": sender, "FromFull": {"Email": sender, "Name": ""}, "To": to,
            "Subject": subject, "MessageID": str(uuid.uuid4()), "TextBody": text,
            "HtmlBody": "", "Headers": hdrs + list(headers), "Attachments": []}
    status, _, data = d.request("POST", "/webhooks/postmark", json.dumps(body).encode(),
                                {"Content-Type": "application/json",
                                 "Authorization": basic_auth(PM_USER, PM_PASSWORD)})
    assert status == 200, data


def conversations(d, query=""):
    return d.api("GET", "/v1/conversations" + query)[1]["conversations"]


def headers_of(mail):
    head = mail.data.partition(b"\r\n\r\n")[0].decode()
    return dict(line.split(": ", 1) for line in head.split("\r\n") if ": " in line)


def test_an_email_reply_is_threaded_to_the_young_persons_message(make_replyd, redis_server,
                                                                 tmpdir_path, smtp):
    d = make_replyd(email_config(redis_server.port, tmpdir_path, smtp))
    assert d.api("PUT", "/v1/contacts/yp-1", {"email": "yp@example.org",
                                              "worker": "alice"})[0] == 201
    send_email(d, message_id="<m1@mail.example.org>", in_reply_to="<earlier@council.test>")
    [c] = conversations(d)
    status, body = d.api("POST", "/v1/conversations/%s/reply" % c["id"],
                         {"by": "alice", "text": "I'll call you at 3pm."})
    assert status == 200, body
    [mail] = [m for m in smtp.received() if m.rcpt == ["yp@example.org"]]
    h = headers_of(mail)
    assert h["In-Reply-To"] == "<m1@mail.example.org>"
    assert h["References"] == "<earlier@council.test> <m1@mail.example.org>"
    assert h["Reply-To"] == INBOUND
    assert h["Subject"] == "Re: Help please"


def test_the_receipt_is_threaded_too_but_alerts_carry_no_reply_to(make_replyd, redis_server,
                                                                  tmpdir_path, smtp):
    cfg = email_config(redis_server.port, tmpdir_path, smtp,
                       receipt={"text": "Thanks, we will reply by {deadline}."})
    d = make_replyd(cfg)
    send_email(d, message_id="<m2@mail.example.org>")     # unknown: a waiting notice
    receipt = wait_for(lambda: [m for m in smtp.received() if m.rcpt == ["yp@example.org"]],
                       what="the receipt")
    assert headers_of(receipt[0])["In-Reply-To"] == "<m2@mail.example.org>"
    assert headers_of(receipt[0])["Reply-To"] == INBOUND
    alert = wait_for(lambda: [m for m in smtp.received()
                              if m.rcpt == ["alice@example.gov.uk"]], what="the alert")
    assert "Reply-To" not in headers_of(alert[0])
    assert "In-Reply-To" not in headers_of(alert[0])


def test_a_staff_email_response_keeps_its_text(make_replyd, redis_server, tmpdir_path, smtp):
    d = make_replyd(email_config(redis_server.port, tmpdir_path, smtp))
    send_email(d)
    [c] = conversations(d)
    send_email(d, sender="alice@example.gov.uk", to="yp@example.org", subject="Re: Help please",
               text="I will call you at 3pm",
               headers=[{"Name": "Received-SPF", "Value": "Pass (sender SPF authorized) "
                         "identity=mailfrom; envelope-from=alice@example.gov.uk"}])
    full = d.api("GET", "/v1/conversations/" + c["id"])[1]
    assert full["state"] == "responded" and full["how"] == "email"
    [response] = [e for e in full["events"] if e["type"] == "response"]
    assert response["by"] == "alice"
    assert "I will call you at 3pm" in response["text"]
    # Kept like message text: with the texts, which expire before the record.
    p = c["id"].split("-")[0]
    bucket = redis_server.cli("--raw", "HGET", "rd:{%s}:c:%s" % (p, c["id"]), "xr").strip()
    key = text_bucket(c["id"], bucket)
    assert "I will call you at 3pm" in redis_server.cli("--raw", "HGET", key, text_field(c["id"], "r"))
    ttl = int(redis_server.cli("--raw", "TTL", key))
    assert 0 < ttl <= 30 * 86400 + 3600
    assert "I will call you" not in d.logtext()
