"""POST /v1/conversations/{id}/reply: the reply goes to the young person on
the channel they used, through a provider that checks what the real one
checks, and is recorded as the response only once the provider accepted it
(SPEC §6, §7.4, §8, §9)."""

import quopri
import time
import uuid

import pytest

from fakes import HANG, FakeSMTP, FakeTwilio, make_certificate
from harness import base_config, wait_for
from providers import basic_auth, form_body, twilio_signature

TOKEN = "twilio-auth-token-for-tests"
SID = "ACtest"
FROM = "+447700900000"
YP = "+447700900123"
TEXT = "Hi, it's Alice. I can call you at 3pm today, is that OK?"

PM_USER = "postmark"
PM_PASSWORD = "postmark-password-for-tests-0123"


def reply_config(redis_port, tmpdir, twilio_url, **twilio_extra):
    cfg = base_config(redis_port, tmpdir)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    tw = {"auth_token": TOKEN, "account_sid": SID, "from": FROM, "api_base": twilio_url}
    tw.update(twilio_extra)
    cfg["channels"] = {"twilio": tw}
    cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s"}
    return cfg


@pytest.fixture
def twilio():
    fake = FakeTwilio(SID, TOKEN)
    yield fake
    fake.close()


@pytest.fixture
def replyd(make_replyd, redis_server, tmpdir_path, twilio):
    return make_replyd(reply_config(redis_server.port, tmpdir_path, twilio.url))


def send_sms(replyd, sender=YP, body="can you call me?"):
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("AccountSid", SID),
              ("From", sender), ("To", FROM), ("Body", body), ("NumMedia", "0")]
    sig = twilio_signature(TOKEN, "https://replyd.test/webhooks/twilio", params)
    status, _, _ = replyd.request("POST", "/webhooks/twilio", form_body(params),
                                  {"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Twilio-Signature": sig})
    assert status == 200


def conversation_id(replyd):
    [c] = replyd.api("GET", "/v1/conversations")[1]["conversations"]
    return c["id"]


def reply(replyd, cid, text=TEXT, by="alice"):
    return replyd.api("POST", "/v1/conversations/%s/reply" % cid, {"by": by, "text": text})


def conversation(replyd, cid):
    status, c = replyd.api("GET", "/v1/conversations/" + cid)
    assert status == 200
    return c


def events(replyd, cid, kind):
    return [e for e in conversation(replyd, cid)["events"] if e["type"] == kind]


def test_the_record_keeps_the_number_as_digits_and_the_reply_goes_to_it_whole(
        replyd, redis_server, twilio):
    send_sms(replyd)
    cid = conversation_id(replyd)
    # An integer in the record's listpack (docs/data-model.md), not text.
    key = "rd:{%s}:c:%s" % (cid.split("-")[0], cid)
    assert redis_server.cli("--raw", "HGET", key, "a").strip() == YP[1:]
    assert reply(replyd, cid)[0] == 200
    [req] = twilio.requests
    assert req.form["To"] == YP


def test_reply_reaches_twilio_with_basic_auth_and_becomes_the_response(replyd, twilio):
    send_sms(replyd)
    cid = conversation_id(replyd)
    status, body = reply(replyd, cid)
    assert status == 200, body
    assert body["state"] == "responded" and body["attempts"] == 1
    [req] = twilio.requests
    assert req.headers["Authorization"] == basic_auth(SID, TOKEN)
    assert req.path == "/2010-04-01/Accounts/%s/Messages.json" % SID
    # Every send asks for its delivery status (SPEC §17), tagged with its
    # conversation.
    assert req.form.pop("StatusCallback") == \
        "https://replyd.test/webhooks/twilio/status?c=%s&u=reply" % cid
    assert req.form == {"To": YP, "From": FROM, "Body": TEXT}
    c = conversation(replyd, cid)
    assert c["state"] == "responded" and c["responded_by"] == "alice" and c["how"] == "reply"
    [r] = events(replyd, cid, "reply")
    assert (r["by"], r["channel"], r["via"]) == ("alice", "sms", "twilio")
    [resp] = events(replyd, cid, "response")
    assert resp["how"] == "reply"
    [sent] = events(replyd, cid, "send")
    assert (sent["purpose"], sent["outcome"], sent["status"]) == ("reply", "sent", 201)


def test_reply_text_is_never_logged_or_stored(replyd, twilio, redis_server):
    send_sms(replyd)
    cid = conversation_id(replyd)
    assert reply(replyd, cid)[0] == 200
    assert "3pm today" not in replyd.logtext()
    assert "3pm today" not in str(conversation(replyd, cid))
    dump = redis_server.cli("--raw", "EVAL", "local o = {} for _, k in ipairs("
                            "redis.call('KEYS', 'rd:*')) do local t = redis.call('TYPE', k).ok "
                            "if t == 'list' then for _, v in ipairs(redis.call('LRANGE', k, 0, -1)) "
                            "do o[#o + 1] = v end elseif t == 'hash' then for _, v in ipairs("
                            "redis.call('HVALS', k)) do o[#o + 1] = v end end end "
                            "return table.concat(o, '|')", "0")
    assert "3pm today" not in dump


def test_provider_429_then_201_gets_the_message_exactly_once(replyd, twilio):
    twilio.script = [(429, {"Retry-After": "1"}), 201]
    send_sms(replyd)
    cid = conversation_id(replyd)
    t0 = time.monotonic()
    status, body = reply(replyd, cid)
    assert status == 200, body
    assert body["attempts"] == 2
    assert time.monotonic() - t0 >= 0.9          # Retry-After: 1 (timers are coarse)
    assert [r.status for r in twilio.requests] == [429, 201]
    assert len(twilio.messages()) == 1
    assert conversation(replyd, cid)["state"] == "responded"
    assert [e["outcome"] for e in events(replyd, cid, "send")] == ["retry", "sent"]


@pytest.mark.slow(2)
def test_retry_after_longer_than_the_backoff_is_honoured(replyd, twilio):
    twilio.script = [(429, {"Retry-After": "2"}), 201]
    send_sms(replyd)
    cid = conversation_id(replyd)
    assert reply(replyd, cid)[0] == 200
    first, second = twilio.requests
    # retry_base 1s would retry within a second; Retry-After asked for 2.
    assert second.at - first.at >= 1.9
    assert len(twilio.messages()) == 1


def test_provider_400_is_tried_once_answered_502_and_no_response_is_recorded(replyd, twilio):
    twilio.script = [400]
    send_sms(replyd)
    cid = conversation_id(replyd)
    status, body = reply(replyd, cid)
    assert status == 502
    assert body["error"] == "provider refused" and "400" in body["detail"]
    assert body["attempts"] == 1
    # A retry would come within retry_base (1 s, jittered) of the refusal.
    while time.monotonic() < twilio.requests[0].at + 1.5:
        time.sleep(0.02)
    assert len(twilio.requests) == 1
    c = conversation(replyd, cid)
    assert c["state"] == "awaiting" and c["responded_at"] is None
    assert events(replyd, cid, "response") == [] and events(replyd, cid, "reply") == []
    assert [e["outcome"] for e in events(replyd, cid, "send")] == ["failed"]


def test_provider_500_then_201_is_retried_and_recorded(replyd, twilio):
    twilio.script = [500, 201]
    send_sms(replyd)
    cid = conversation_id(replyd)
    status, body = reply(replyd, cid)
    assert status == 200 and body["attempts"] == 2
    assert len(twilio.messages()) == 1
    assert conversation(replyd, cid)["state"] == "responded"


@pytest.mark.slow(4)
def test_provider_that_never_answers_is_tried_a_few_times_then_502(
        make_replyd, redis_server, tmpdir_path, twilio):
    d = make_replyd(reply_config(redis_server.port, tmpdir_path, twilio.url, timeout_ms=400))
    twilio.script = [HANG, HANG, HANG]
    send_sms(d)
    cid = conversation_id(d)
    t0 = time.monotonic()
    status, body = reply(d, cid)
    assert status == 502, body
    assert body["error"] == "provider unavailable" and body["attempts"] == 3
    assert time.monotonic() - t0 < 10
    assert len(twilio.requests) == 3
    assert conversation(d, cid)["state"] == "awaiting"
    twilio.release.set()


def test_reply_to_a_responded_conversation_is_still_sent(replyd, twilio):
    send_sms(replyd)
    cid = conversation_id(replyd)
    assert replyd.api("POST", "/v1/conversations/%s/responded" % cid,
                      {"by": "dora", "how": "phone"})[0] == 200
    status, body = reply(replyd, cid, "Following up on our call.")
    assert status == 200 and body["state"] == "responded"
    assert [m["Body"] for m in twilio.messages()] == ["Following up on our call."]
    c = conversation(replyd, cid)
    assert c["responded_by"] == "dora" and c["how"] == "phone"   # the first response stands
    assert len(events(replyd, cid, "reply")) == 1


@pytest.mark.parametrize("body,status", [
    ({"by": "zed", "text": "hi"}, 400),
    ({"by": "alice"}, 400),
    ({"by": "alice", "text": ""}, 400),
    ({"by": "alice", "text": "   \n "}, 400),
    ({"by": "alice", "text": "x" * 1601}, 400),
    ({"by": "alice", "text": 5}, 400),
    ({"text": "hi"}, 400),
])
def test_bad_replies_are_400_and_nothing_is_sent(replyd, twilio, body, status):
    send_sms(replyd)
    cid = conversation_id(replyd)
    got, err = replyd.api("POST", "/v1/conversations/%s/reply" % cid, body)
    assert got == status and "error" in err
    assert twilio.requests == []


def test_reply_of_1600_characters_is_accepted(replyd, twilio):
    send_sms(replyd)
    cid = conversation_id(replyd)
    text = "é" * 1600                           # characters, not bytes
    assert reply(replyd, cid, text)[0] == 200
    assert twilio.messages()[0]["Body"] == text


def test_reply_to_an_unknown_conversation_is_404(replyd, twilio):
    assert reply(replyd, "3-999")[0] == 404
    assert reply(replyd, "nonsense")[0] == 404
    assert twilio.requests == []


def test_reply_needs_a_token(replyd):
    status, _, _ = replyd.request("POST", "/v1/conversations/1-1/reply",
                                  {"by": "alice", "text": "hi"})
    assert status == 401


def test_reply_with_no_plugin_able_to_send_is_409(make_replyd, redis_server, tmpdir_path, twilio):
    cfg = reply_config(redis_server.port, tmpdir_path, twilio.url)
    del cfg["channels"]["twilio"]["from"]       # inbound only: cannot send
    d = make_replyd(cfg)
    send_sms(d)
    cid = conversation_id(d)
    status, body = reply(d, cid)
    assert status == 409 and body["error"] == "no sender"
    assert "sms" in body["detail"]
    assert conversation(d, cid)["state"] == "awaiting"


# Email: a conversation that arrived by Postmark (inbound only) is answered
# through alerts.email, the smtp plugin, over TLS.

@pytest.fixture
def smtp_fakes(tmpdir_path):
    """Make fake SMTP servers; requested before make_replyd, so they outlive
    replyd (which says QUIT to its cached connection when it stops)."""
    cert, key = make_certificate(tmpdir_path)
    made = []

    def make(**kwargs):
        fake = FakeSMTP(cert, key, **kwargs)
        fake.ca_file = cert
        made.append(fake)
        return fake

    yield make
    for fake in made:
        fake.close()


def email_config(redis_port, tmpdir, smtp, **smtp_extra):
    cfg = base_config(redis_port, tmpdir)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    s = {"url": smtp.url, "from": "replies@council.test", "from_name": "Leaving Care Team",
         "ca_file": smtp.ca_file, "timeout_ms": 5000}
    s.update(smtp_extra)
    cfg["channels"] = {"postmark": {"username": PM_USER, "password": PM_PASSWORD}, "smtp": s}
    cfg["alerts"] = {"email": "smtp"}
    cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s"}
    return cfg


def send_email(replyd, sender="yp@example.org", subject="Help please"):
    body = {"From": sender, "FromFull": {"Email": sender, "Name": "Young Person"},
            "To": "inbound@replyd.test", "Subject": subject,
            "MessageID": str(uuid.uuid4()), "TextBody": "Can you call me?", "HtmlBody": "",
            "Headers": [], "Attachments": []}
    status, _, data = replyd.request("POST", "/webhooks/postmark", body,
                                     {"Authorization": basic_auth(PM_USER, PM_PASSWORD)})
    assert status == 200, data


def mails_to(smtp, address):
    return [m for m in smtp.received() if m.rcpt == [address]]


@pytest.mark.parametrize("mode", ["smtps", "starttls"])
def test_email_reply_goes_through_smtp_over_tls(smtp_fakes, make_replyd, redis_server,
                                                tmpdir_path, mode):
    smtp = smtp_fakes(mode=mode, username="relay", password="relay-secret")
    d = make_replyd(email_config(redis_server.port, tmpdir_path, smtp,
                                 username="relay", password="relay-secret"))
    send_email(d)
    cid = conversation_id(d)
    status, body = reply(d, cid, "Hi Sam,\nI'll call you at 3pm. – Alice")
    assert status == 200, body
    assert body["via"] == "smtp" and body["channel"] == "email"
    [mail] = mails_to(smtp, "yp@example.org")
    assert mail.tls and mail.user == "relay"
    assert mail.mail_from == "replies@council.test"
    head, _, text = mail.data.partition(b"\r\n\r\n")
    assert b"\nSubject: Re: Help please\r" in head
    assert b"\nTo: yp@example.org\r" in head
    assert b"From: \"Leaving Care Team\" <replies@council.test>" in head
    assert b"@council.test>" in head.split(b"Message-ID:")[1].split(b"\r\n")[0]
    assert b"Content-Transfer-Encoding: quoted-printable" in head
    assert b"Auto-Submitted" not in head
    assert quopri.decodestring(text).decode() == "Hi Sam,\r\nI'll call you at 3pm. – Alice\r\n"
    assert b"\n" not in mail.data.replace(b"\r\n", b"")
    assert conversation(d, cid)["state"] == "responded"
    assert smtp.refusals == []


def test_smtp_refusal_5xx_is_502_and_not_retried(smtp_fakes, make_replyd, redis_server,
                                                 tmpdir_path):
    smtp = smtp_fakes(mode="smtps")
    d = make_replyd(email_config(redis_server.port, tmpdir_path, smtp))
    # A known contact with a worker: no waiting notice takes the script.
    assert d.api("PUT", "/v1/contacts/yp-1", {"email": "yp@example.org",
                                              "worker": "alice"})[0] == 201
    smtp.script = [554]
    send_email(d)
    cid = conversation_id(d)
    status, body = reply(d, cid, "hello")
    assert status == 502 and body["error"] == "provider refused" and body["attempts"] == 1
    assert mails_to(smtp, "yp@example.org") == []
    assert conversation(d, cid)["state"] == "awaiting"


def test_replyd_stops_promptly_when_the_smtp_server_never_answers_quit(
        smtp_fakes, make_replyd, redis_server, tmpdir_path):
    smtp = smtp_fakes(mode="smtps", answer_quit=False)
    d = make_replyd(email_config(redis_server.port, tmpdir_path, smtp))
    send_email(d)
    status, body = reply(d, conversation_id(d), "hello")
    assert status == 200, body
    # The connection stays cached; closing it says QUIT, never answered.
    started = time.monotonic()
    assert d.stop(timeout=30) == 0
    assert time.monotonic() - started < 5


@pytest.mark.slow(3)
def test_smtp_server_without_tls_is_never_given_the_message(smtp_fakes, make_replyd,
                                                            redis_server, tmpdir_path):
    # A server on smtp:// that offers no STARTTLS: replyd must not send.
    smtp = smtp_fakes(mode="plain")
    d = make_replyd(email_config(redis_server.port, tmpdir_path, smtp, timeout_ms=2000))
    send_email(d)
    cid = conversation_id(d)
    status, body = reply(d, cid, "hello")
    assert status == 502
    assert smtp.received() == [] and ("MAIL", 530) not in smtp.refusals
