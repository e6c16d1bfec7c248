"""Hostile input (issue 11): forged staff email (item 1), text that hides or
breaks (item 5), subjects that break replies (item 6), Twilio requests
re-split under the same signature (item 7), WhatsApp and sender formats
replyd does not know (item 10), Mailgun timestamps from the future.  One
test per rule, named for it; each fails without the fix."""

import json
import time
import urllib.parse
import uuid

import pytest

from fakes import FakeSMTP, FakeTwilio, make_certificate
from harness import base_config, wait_for
from providers import (basic_auth, form_body, mailgun_signature, multipart_body,
                       twilio_signature)

TW_TOKEN = "twilio-auth-token-for-tests"
TW_SID = "ACtest"
TW_FROM = "+447700900000"
TW_URL = "https://replyd.test/webhooks/twilio"
MG_KEY = "key-for-mailgun-tests-0123456789abcdef"
SG_USER, SG_PASSWORD = "inbound", "sendgrid-password-for-tests-0123"
PM_USER, PM_PASSWORD = "postmark", "postmark-password-for-tests-0123"
NOTIFY_TOKEN = "notify-callback-token-0123456789"
YP_PHONE = "+447700900123"
YP_EMAIL = "yp@example.org"
STAFF = "alice@example.gov.uk"
DUTY = "+447700900001"          # alice, on duty every day in base_config
FFFD = "\ufffd"


# --- configuration and deliveries ------------------------------------------

def config(redis_port, tmpdir, twilio_url="http://127.0.0.1:9", smtp=None, **tw_extra):
    cfg = base_config(redis_port, tmpdir)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    tw = {"auth_token": TW_TOKEN, "account_sid": TW_SID, "from": TW_FROM,
          "api_base": twilio_url}
    tw.update(tw_extra)
    cfg["channels"] = {
        "twilio": tw,
        "mailgun": {"signing_key": MG_KEY},
        "sendgrid": {"username": SG_USER, "password": SG_PASSWORD},
        "postmark": {"username": PM_USER, "password": PM_PASSWORD},
        "notify": {"callback_token": NOTIFY_TOKEN},
    }
    cfg["alerts"] = {"sms": "twilio"}
    if smtp is not None:
        cfg["channels"]["smtp"] = {"url": smtp.url, "from": "replies@council.test",
                                   "ca_file": smtp.ca_file, "timeout_ms": 5000}
        cfg["alerts"]["email"] = "smtp"
    cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s"}
    cfg["urgent"] = {"keywords": ["unsafe", "scared"]}
    return cfg


@pytest.fixture
def twilio():
    fake = FakeTwilio(TW_SID, TW_TOKEN)
    yield fake
    fake.close()


@pytest.fixture
def replyd(make_replyd, redis_server, tmpdir_path, twilio):
    return make_replyd(config(redis_server.port, tmpdir_path, twilio.url))


def sid():
    return "SM" + uuid.uuid4().hex


def post_twilio(d, params, signed_params=None):
    """A correctly signed Twilio POST; body is the raw urlencoded params."""
    sig = twilio_signature(TW_TOKEN, TW_URL, signed_params or params)
    return d.request("POST", "/webhooks/twilio", form_body(params),
                     {"Content-Type": "application/x-www-form-urlencoded",
                      "X-Twilio-Signature": sig})


def sms(sender=YP_PHONE, body="can you call me?", message_sid=None, extra=()):
    return [("MessageSid", message_sid or sid()), ("AccountSid", TW_SID), ("From", sender),
            ("To", TW_FROM), ("Body", body), ("NumMedia", "0")] + list(extra)


def mailgun_fields(sender, to="inbound@replyd.test", subject="Help please",
                   text="Can you call me?", headers=(), timestamp=None):
    ts = timestamp or str(int(time.time()))
    token = uuid.uuid4().hex + uuid.uuid4().hex[:18]
    return [("recipient", "inbound@replyd.test"), ("sender", sender),
            ("from", "Someone <%s>" % sender), ("To", to), ("subject", subject),
            ("body-plain", text),
            ("Message-Id", "<%s@mail.example.org>" % uuid.uuid4().hex),
            ("message-headers", json.dumps(list(headers))),
            ("timestamp", ts), ("token", token),
            ("signature", mailgun_signature(MG_KEY, ts, token))]


def post_mailgun(d, fields):
    return d.request("POST", "/webhooks/mailgun", form_body(fields),
                     {"Content-Type": "application/x-www-form-urlencoded"})


def post_sendgrid(d, sender, to, spf="pass", envelope_from=None, dkim=None,
                  text="I will call you at 3pm"):
    mid = "<%s@mail.example.gov.uk>" % uuid.uuid4().hex
    fields = [("headers", "From: %s\r\nMessage-ID: %s\r\n" % (sender, mid)),
              ("from", sender), ("to", to), ("subject", "Re: Help please"),
              ("envelope", json.dumps({"to": ["inbound@replyd.test"],
                                       "from": envelope_from or sender})),
              ("SPF", spf), ("text", text)]
    if dkim is not None:
        fields.append(("dkim", dkim))
    body, ctype = multipart_body(fields)
    return d.request("POST", "/webhooks/sendgrid", body,
                     {"Content-Type": ctype, "Authorization": basic_auth(SG_USER, SG_PASSWORD)})


def post_postmark(d, sender, to, headers=(), subject="Re: Help please", text="ok"):
    body = {"From": sender, "To": to, "Subject": subject, "MessageID": str(uuid.uuid4()),
            "TextBody": text, "Headers": [{"Name": n, "Value": v} for n, v in headers]}
    return d.request("POST", "/webhooks/postmark", body,
                     {"Authorization": basic_auth(PM_USER, PM_PASSWORD)})


def received_spf(result, envelope_from=STAFF):
    return ("Received-SPF", "%s (sender SPF authorized) identity=mailfrom; "
            "client-ip=192.0.2.10; helo=mail.example.gov.uk; envelope-from=%s; "
            "receiver=abc@inbound.postmarkapp.com" % (result, envelope_from))


def conversations(d, query=""):
    status, data = d.api("GET", "/v1/conversations" + query)
    assert status == 200, data
    return data["conversations"]


def full(d, cid):
    status, c = d.api("GET", "/v1/conversations/" + cid)
    assert status == 200, c
    return c


def events(d, cid, kind):
    return [e for e in full(d, cid)["events"] if e["type"] == kind]


def rejections(d, reason):
    text = d.request("GET", "/metrics")[2].decode()
    line = 'replyd_webhook_rejections_total{reason="%s"} ' % reason
    for l in text.splitlines():
        if l.startswith(line):
            return int(float(l[len(line):]))
    return 0


def young_person_emails(d):
    """A young person's email, so a staff email has something to answer."""
    status, _, _ = post_mailgun(d, mailgun_fields(YP_EMAIL))
    assert status == 200
    [c] = conversations(d)
    return c["id"]


def assert_response(d, cid):
    [r] = conversations(d, "?state=responded")
    assert r["id"] == cid
    assert events(d, cid, "unverified_staff_email") == []


def assert_unverified(d, cid, count=1):
    """The clock runs on, the conversation records it, the metric counts it."""
    [c] = conversations(d, "?state=awaiting")
    assert c["id"] == cid and c["responded_at"] is None
    assert len(events(d, cid, "unverified_staff_email")) == count
    assert events(d, cid, "response") == []
    assert rejections(d, "unverified_staff") == count


# --- item 1: a staff email counts only when its From domain authenticated ----

MG_SPF_PASS = [["X-Mailgun-Spf", "Pass"], ["X-Mailgun-Dkim-Check-Result", "Fail"]]
MG_DKIM_PASS = [["X-Mailgun-Spf", "Fail"], ["X-Mailgun-Dkim-Check-Result", "Pass"],
                ["DKIM-Signature", "v=1; a=rsa-sha256; d=example.gov.uk; s=s1; b=x"]]
MG_FAIL = [["X-Mailgun-Spf", "Fail"], ["X-Mailgun-Dkim-Check-Result", "Fail"],
           ["DKIM-Signature", "v=1; a=rsa-sha256; d=example.gov.uk; s=s1; b=x"]]


def test_mailgun_staff_email_with_spf_pass_is_the_response(replyd):
    cid = young_person_emails(replyd)
    status, _, _ = post_mailgun(replyd, mailgun_fields(STAFF, to=YP_EMAIL, headers=MG_SPF_PASS))
    assert status == 200
    assert_response(replyd, cid)


def test_mailgun_staff_email_with_dkim_pass_for_the_from_domain_is_the_response(replyd):
    cid = young_person_emails(replyd)
    status, _, _ = post_mailgun(replyd, mailgun_fields(STAFF, to=YP_EMAIL, headers=MG_DKIM_PASS))
    assert status == 200
    assert_response(replyd, cid)


def test_mailgun_staff_email_failing_spf_and_dkim_leaves_the_clock_running(replyd):
    cid = young_person_emails(replyd)
    status, _, body = post_mailgun(replyd, mailgun_fields(STAFF, to=YP_EMAIL, headers=MG_FAIL))
    assert status == 200 and json.loads(body) == {}      # no retry
    assert_unverified(replyd, cid)
    [e] = events(replyd, cid, "unverified_staff_email")
    assert e["by"] == "alice" and e["meta"]["auth"]["spf"] == "fail"
    log = replyd.logtext()
    assert STAFF not in log and YP_EMAIL not in log


def test_mailgun_staff_email_dkim_pass_for_another_domain_is_unverified(replyd):
    cid = young_person_emails(replyd)
    forged = [["X-Mailgun-Spf", "Pass"], ["X-Mailgun-Dkim-Check-Result", "Pass"],
              ["DKIM-Signature", "v=1; d=forger.example; s=s1; b=x"]]
    # SPF passed for the forger's envelope domain, DKIM for the forger's own.
    fields = mailgun_fields(STAFF, to=YP_EMAIL, headers=forged)
    fields = [(k, "bounce@forger.example" if k == "sender" else v) for k, v in fields]
    fields = [(k, "Alice <%s>" % STAFF if k == "from" else v) for k, v in fields]
    assert post_mailgun(replyd, fields)[0] == 200
    assert_unverified(replyd, cid)


def test_mailgun_verdict_header_brought_by_the_message_is_not_trusted(replyd):
    cid = young_person_emails(replyd)
    headers = [["X-Mailgun-Spf", "Fail"], ["X-Mailgun-Dkim-Check-Result", "Fail"],
               ["X-Mailgun-Spf", "Pass"], ["X-Mailgun-Dkim-Check-Result", "Pass"]]
    assert post_mailgun(replyd, mailgun_fields(STAFF, to=YP_EMAIL, headers=headers))[0] == 200
    assert_unverified(replyd, cid)


def test_sendgrid_staff_email_with_spf_pass_for_the_from_domain_is_the_response(replyd):
    cid = young_person_emails(replyd)
    assert post_sendgrid(replyd, "Alice <%s>" % STAFF, YP_EMAIL, spf="pass",
                         envelope_from="bounce@example.gov.uk")[0] == 200
    assert_response(replyd, cid)


def test_sendgrid_staff_email_with_dkim_pass_for_the_from_domain_is_the_response(replyd):
    cid = young_person_emails(replyd)
    assert post_sendgrid(replyd, STAFF, YP_EMAIL, spf="softfail",
                         envelope_from="bounce@sendgrid.net",
                         dkim="{@sendgrid.net : pass, @example.gov.uk : pass}")[0] == 200
    assert_response(replyd, cid)


def test_sendgrid_staff_email_failing_spf_and_dkim_leaves_the_clock_running(replyd):
    cid = young_person_emails(replyd)
    assert post_sendgrid(replyd, STAFF, YP_EMAIL, spf="fail",
                         dkim="{@example.gov.uk : fail}")[0] == 200
    assert_unverified(replyd, cid)
    # SPF pass, but for the forger's envelope, is no better.
    assert post_sendgrid(replyd, STAFF, YP_EMAIL, spf="pass",
                         envelope_from="x@forger.example",
                         dkim="{@forger.example : pass}")[0] == 200
    assert_unverified(replyd, cid, count=2)


def test_postmark_staff_email_with_received_spf_pass_is_the_response(replyd):
    cid = young_person_emails(replyd)
    headers = [("X-Spam-Status", "No"), received_spf("Pass"),
               ("Message-ID", "<a@mail.example.gov.uk>")]
    assert post_postmark(replyd, STAFF, YP_EMAIL, headers)[0] == 200
    assert_response(replyd, cid)


def test_postmark_staff_email_with_dkim_pass_in_postmarks_own_headers_is_the_response(replyd):
    cid = young_person_emails(replyd)
    headers = [("Authentication-Results", "inbound.postmarkapp.com; dkim=pass "
                "header.d=example.gov.uk header.s=s1"), received_spf("SoftFail")]
    assert post_postmark(replyd, STAFF, YP_EMAIL, headers)[0] == 200
    assert_response(replyd, cid)


def test_postmark_staff_email_failing_spf_leaves_the_clock_running(replyd):
    cid = young_person_emails(replyd)
    # Postmark's own verdict first; the forger's own "pass" headers below it.
    headers = [received_spf("Fail"), received_spf("Pass"),
               ("Authentication-Results", "mx.forger.example; dkim=pass header.d=example.gov.uk")]
    assert post_postmark(replyd, STAFF, YP_EMAIL, headers)[0] == 200
    assert_unverified(replyd, cid)


def test_unverified_staff_email_with_nothing_open_is_counted_and_answered(replyd):
    status, _, _ = post_mailgun(replyd, mailgun_fields(STAFF, to=YP_EMAIL, headers=MG_FAIL))
    assert status == 200
    assert conversations(replyd) == []
    assert rejections(replyd, "unverified_staff") == 1


# --- item 5: text is stored whole and valid ---------------------------------

def only_message(d):
    [c] = conversations(d)
    c = full(d, c["id"])
    [m] = c["messages"]
    return c, m


def test_nul_in_an_sms_hides_nothing_from_staff(replyd):
    assert post_twilio(replyd, sms(body="nul\0inside unsafe"))[0] == 200
    c, m = only_message(replyd)
    assert m["text"] == "nul" + FFFD + "inside unsafe"
    assert m["urgent"] is True          # what staff read is what was checked


def test_invalid_utf8_in_an_sms_is_repaired_and_the_api_stays_json(replyd):
    # The Body holds the Latin-1 byte 0xE9; Twilio signs the bytes as sent.
    params = [(k, v.encode()) for k, v in sms()]
    params = [(k, b"caf\xe9" if k == "Body" else v) for k, v in params]
    sig = twilio_signature_bytes([(k, v.decode("latin-1")) for k, v in params])
    status, _, _ = replyd.request("POST", "/webhooks/twilio", urllib.parse.urlencode(params).encode(),
                                  {"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Twilio-Signature": sig})
    assert status == 200
    raw_json = replyd.request("GET", "/v1/conversations/" + conversations(replyd)[0]["id"],
                              headers={"Authorization": "Bearer test-manager-token-0123456789"})[2]
    raw_json.decode("utf-8")            # strictly valid UTF-8
    _, m = only_message(replyd)
    assert m["text"] == "caf" + FFFD


def twilio_signature_bytes(params):
    """twilio_signature over byte strings given as Latin-1 text."""
    import base64
    import hashlib
    import hmac
    data = TW_URL.encode()
    for key in sorted({k for k, _ in params}):
        for value in sorted(v for k, v in params if k == key):
            data += key.encode("latin-1") + value.encode("latin-1")
    return base64.b64encode(hmac.new(TW_TOKEN.encode(), data, hashlib.sha1).digest()).decode()


def test_nul_in_a_notify_message_and_id_hides_nothing(replyd):
    body = ('{"id": "3d1ce039\\u0000tail", "source_number": "447700900123", '
            '"destination_number": "07700900000", "message": "nul\\u0000inside unsafe", '
            '"date_received": "2026-03-05T10:30:00.000000Z"}').encode()
    status, _, _ = replyd.request("POST", "/webhooks/notify", body,
                                  {"Content-Type": "application/json",
                                   "Authorization": "Bearer " + NOTIFY_TOKEN})
    assert status == 200
    _, m = only_message(replyd)
    assert m["text"] == "nul" + FFFD + "inside unsafe"
    assert m["urgent"] is True


def test_nul_and_latin1_in_an_email_subject_are_repaired_not_cut(replyd):
    fields = mailgun_fields(YP_EMAIL, subject="a\0b c\tf")
    body = form_body(fields).replace(b"subject=a%00b+c%09f", b"subject=a%00b+c%E9%09f")
    assert b"%E9" in body
    assert replyd.request("POST", "/webhooks/mailgun", body,
                          {"Content-Type": "application/x-www-form-urlencoded"})[0] == 200
    _, m = only_message(replyd)
    assert m["text"].startswith("Subject: a" + FFFD + "b c" + FFFD + " f\n\n")


def test_responded_note_with_invalid_utf8_is_stored_repaired(replyd):
    assert post_twilio(replyd, sms())[0] == 200
    [c] = conversations(replyd)
    body = b'{"by": "alice", "how": "phone", "note": "rang caf\xe9"}'
    status, _, data = replyd.request("POST", "/v1/conversations/%s/responded" % c["id"], body,
                                     {"Content-Type": "application/json",
                                      "Authorization": "Bearer test-manager-token-0123456789"})
    assert status == 200, data
    [e] = events(replyd, c["id"], "response")
    assert e["note"] == "rang caf" + FFFD


def test_responded_note_with_an_escaped_nul_keeps_what_follows(replyd):
    assert post_twilio(replyd, sms())[0] == 200
    [c] = conversations(replyd)
    body = b'{"by": "alice", "how": "phone", "note": "rang\\u0000 she is safe"}'
    status, _, data = replyd.request("POST", "/v1/conversations/%s/responded" % c["id"], body,
                                     {"Content-Type": "application/json",
                                      "Authorization": "Bearer test-manager-token-0123456789"})
    assert status == 200, data
    [e] = events(replyd, c["id"], "response")
    assert e["note"] == "rang" + FFFD + " she is safe"


# --- item 6: replies to any subject can be sent -----------------------------

@pytest.fixture
def smtp(tmpdir_path):
    cert, key = make_certificate(tmpdir_path)
    fake = FakeSMTP(cert, key, mode="smtps")
    fake.ca_file = cert
    yield fake
    fake.close()


@pytest.fixture
def email_replyd(smtp, make_replyd, redis_server, tmpdir_path, twilio):
    return make_replyd(config(redis_server.port, tmpdir_path, twilio.url, smtp=smtp))


def subject_of(mail):
    head = mail.data.partition(b"\r\n\r\n")[0].decode()
    return [l for l in head.split("\r\n") if l.startswith("Subject:")][0]


def reply(d, cid, text="I'll call you at 3pm"):
    return d.api("POST", "/v1/conversations/%s/reply" % cid, {"by": "alice", "text": text})


def test_reply_to_a_subject_with_tab_controls_and_latin1_gets_a_clean_re_subject(
        email_replyd, smtp, redis_server):
    assert post_postmark(email_replyd, YP_EMAIL, "inbound@replyd.test",
                         subject="Help\tplease\x01 now")[0] == 200
    [c] = conversations(email_replyd)
    status, body = reply(email_replyd, c["id"])
    assert status == 200, body
    [mail] = smtp.received()
    assert subject_of(mail) == "Subject: Re: Help please now"


def test_reply_to_a_subject_stored_raw_before_repair_is_still_sent(
        email_replyd, smtp, redis_server):
    assert post_postmark(email_replyd, YP_EMAIL, "inbound@replyd.test", subject="x")[0] == 200
    [c] = conversations(email_replyd)
    # Text stored by an older replyd (in its layout: one hash per
    # conversation, rd:{P}:t:ID): a tab, an ESC and a Latin-1 byte.
    p = c["id"].split("-")[0]
    key = "rd:{%s}:t:%s" % (p, c["id"])
    redis_server.cli("HDEL", "rd:{%s}:c:%s" % (p, c["id"]), "x1")
    import subprocess
    subprocess.run(["redis-cli", "-p", str(redis_server.port), "-x", "HSET", key, "1"],
                   input=b"Subject: Caf\xe9\tmenu\x1b\n\nhello", check=True,
                   capture_output=True)
    status, body = reply(email_replyd, c["id"])
    assert status == 200, body
    [mail] = smtp.received()
    assert b"Subject: " in mail.data and b"\x1b" not in mail.data and b"\t" not in \
        mail.data.partition(b"\r\n\r\n")[0]


def test_reply_to_a_subject_with_nothing_left_uses_the_default_subject(
        email_replyd, smtp):
    assert post_postmark(email_replyd, YP_EMAIL, "inbound@replyd.test",
                         subject="\x01\x02\t")[0] == 200
    [c] = conversations(email_replyd)
    assert reply(email_replyd, c["id"])[0] == 200
    [mail] = smtp.received()
    assert subject_of(mail) == "Subject: Reply to your message"


# --- item 7: Twilio requests re-split under the same signature -------------

def test_twilio_message_sid_resplit_into_a_new_id_is_refused_naming_the_field(replyd):
    message_sid = sid()
    good = sms(message_sid=message_sid)
    assert post_twilio(replyd, good)[0] == 200
    # "MessageSid=SMx&NumMedia=0" signs exactly like "MessageSid=SMxNumMedia0".
    resplit = [(k, v) for k, v in good if k != "NumMedia"]
    resplit = [(k, message_sid + "NumMedia0" if k == "MessageSid" else v) for k, v in resplit]
    status, _, body = post_twilio(replyd, resplit, signed_params=good)
    assert status == 400
    assert json.loads(body)["field"] == "MessageSid"
    [c] = conversations(replyd)
    assert len(full(replyd, c["id"])["messages"]) == 1
    assert "MessageSid" in replyd.logtext()


def test_twilio_parameter_name_twilio_never_sends_is_refused(replyd):
    good = sms(body="I am scared")
    # "Body=I am scared" re-split: the name runs into the value.
    resplit = [(k, v) for k, v in good if k != "Body"] + [("BodyI am scar", "ed")]
    status, _, body = post_twilio(replyd, resplit, signed_params=good)
    assert status == 400
    assert json.loads(body)["field"].startswith("parameter ")
    assert conversations(replyd) == []
    log = replyd.logtext()
    assert "refusing a signed request" in log and "scar" not in log


def test_twilio_parameters_twilio_may_add_later_are_accepted(replyd):
    extra = [("SmsSid", None), ("ProfileName", "Sam"), ("MediaUrl0", "https://x/y"),
             ("SomeFutureTwilioParameter", "1")]
    params = sms()
    message_sid = params[0][1]
    extra = [(k, message_sid if v is None else v) for k, v in extra]
    assert post_twilio(replyd, params + extra)[0] == 200
    assert len(conversations(replyd)) == 1


# --- item 10: WhatsApp, and senders replyd cannot read ----------------------

def test_whatsapp_message_is_stored_on_channel_whatsapp_and_answered_by_whatsapp(
        make_replyd, redis_server, tmpdir_path, twilio):
    d = make_replyd(config(redis_server.port, tmpdir_path, twilio.url,
                           whatsapp_from="+447700900555"))
    params = sms(sender="whatsapp:" + YP_PHONE, extra=[("ProfileName", "Sam"),
                                                       ("WaId", "447700900123")])
    params = [(k, "whatsapp:" + TW_FROM if k == "To" else v) for k, v in params]
    assert post_twilio(d, params)[0] == 200
    [c] = conversations(d)
    _, m = only_message(d)
    assert m["channel"] == "whatsapp"
    status, body = reply(d, c["id"])
    assert status == 200, body
    assert body["channel"] == "whatsapp" and body["via"] == "twilio"
    sent = [dict((k, v) for k, v in f.items() if k != "StatusCallback")
            for f in twilio.messages() if f["To"].startswith("whatsapp:")]
    assert sent == [{"To": "whatsapp:" + YP_PHONE, "From": "whatsapp:+447700900555",
                     "Body": "I'll call you at 3pm"}]
    assert full(d, c["id"])["state"] == "responded"


def test_whatsapp_without_whatsapp_from_is_stored_and_the_reply_says_what_is_missing(replyd):
    assert post_twilio(replyd, sms(sender="whatsapp:" + YP_PHONE))[0] == 200
    [c] = conversations(replyd)
    status, body = reply(replyd, c["id"])
    assert status == 409 and "whatsapp_from" in body["detail"]


def test_unknown_sender_format_is_stored_as_given_and_the_duty_worker_told_at_once(
        replyd, twilio):
    for sender in ("messenger:1234567890", "CouncilTest"):
        assert post_twilio(replyd, sms(sender=sender, body="help"))[0] == 200
    convs = conversations(replyd)
    assert len(convs) == 2
    for c in convs:
        [m] = full(replyd, c["id"])["messages"]
        assert m["meta"]["sender"] == "unrecognised"
    wait_for(lambda: len([f for f in twilio.messages() if f["To"] == DUTY]) >= 2,
             timeout=10, what="waiting notices to the duty worker")
    notices = [f for f in twilio.messages() if f["To"] == DUTY]
    assert all("waiting" in f["Body"] for f in notices)
    log = replyd.logtext()
    assert "messenger:1234567890" not in log and "CouncilTest" not in log


# --- Mailgun's timestamp: the past as configured, the future only skew ------

def test_mailgun_timestamp_an_hour_ahead_is_refused(replyd):
    ahead = str(int(time.time()) + 3600)
    status, _, _ = post_mailgun(replyd, mailgun_fields(YP_EMAIL, timestamp=ahead))
    assert status == 403
    assert rejections(replyd, "stale") == 1
    assert conversations(replyd) == []


def test_mailgun_timestamp_within_clock_skew_ahead_is_accepted(replyd):
    ahead = str(int(time.time()) + 120)
    assert post_mailgun(replyd, mailgun_fields(YP_EMAIL, timestamp=ahead))[0] == 200
