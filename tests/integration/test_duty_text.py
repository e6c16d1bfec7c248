"""Duty staff by text (SPEC §17): alert texts end with "Reply {N}A to take
it" and a duty worker takes the conversation from their phone; staff
phones never open conversations; the next step names who took it; urgent
messages find who is in; delivery receipts send an undelivered alert by
email.  All-day calendars and deadlines of a few working seconds."""

import os
import re
import subprocess
import uuid

import pytest

from dutyfakes import StatusTwilio
from fakes import FakeSMTP, make_certificate
from harness import BUILD, base_config, wait_for
from providers import form_body, twilio_signature

TOKEN = "twilio-auth-token-for-tests"
SID = "ACtest"
FROM = "+447700900000"             # the number young people text
ALICE, BOB, DORA = "+447700900001", "+447700900002", "+447700900004"
YP, YP2 = "+447700900123", "+447700900124"
REF = re.compile(r"ref (\d+-\d+)")
CODE = re.compile(r"Reply (\d+)A to take it$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def twilio():
    fake = StatusTwilio(SID, TOKEN)
    yield fake
    fake.close()


@pytest.fixture
def smtp(tmpdir_path):
    cert, key = make_certificate(tmpdir_path)
    fake = FakeSMTP(cert, key, mode="smtps")
    fake.ca_file = cert
    yield fake
    fake.close()


def duty_config(redis_port, tmpdir, twilio, within="2 working seconds", smtp=None, **extra):
    cfg = base_config(redis_port, tmpdir, **extra)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in DAYS}
    cfg["promise"]["respond_within"] = within
    cfg["people"] = {
        "alice": {"name": "Alice", "phone": ALICE, "email": "alice@example.gov.uk"},
        "bob": {"name": "Bob", "phone": BOB, "email": "bob@example.gov.uk"},
        "dora": {"name": "Dora", "phone": DORA},
    }
    team = cfg["teams"]["leaving-care"]
    team["workers"] = ["alice", "bob"]
    team["escalation"] = [{"after": "0s", "notify": ["duty-worker"]},
                          {"after": "3 working seconds", "notify": ["duty-manager"]}]
    cfg["channels"] = {"twilio": {"auth_token": TOKEN, "account_sid": SID, "from": FROM,
                                  "api_base": twilio.url}}
    cfg["alerts"] = {"sms": "twilio"}
    if smtp is not None:
        cfg["channels"]["smtp"] = {"url": smtp.url, "from": "replyd@council.test",
                                   "ca_file": smtp.ca_file, "timeout_ms": 5000}
        cfg["alerts"]["email"] = "smtp"
    cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s", "claim_idle": "2s"}
    return cfg


def start(make_replyd, cfg, twilio):
    d = make_replyd(cfg)
    twilio.replyd = d
    return d


def known(d, phone=YP, contact="yp-1", worker="alice"):
    assert d.api("PUT", "/v1/contacts/" + contact, {"phone": phone, "worker": worker})[0] == 201


def text(d, sender, body, to=FROM):
    """A text to replyd through Twilio's inbound webhook."""
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("AccountSid", SID), ("From", sender),
              ("To", to), ("Body", body), ("NumMedia", "0")]
    sig = twilio_signature(TOKEN, "https://replyd.test/webhooks/twilio", params)
    status, headers, _ = d.request("POST", "/webhooks/twilio", form_body(params),
                                   {"Content-Type": "application/x-www-form-urlencoded",
                                    "X-Twilio-Signature": sig})
    assert status == 200 and headers["content-type"].startswith("text/xml")
    return params


def conversations(d, query=""):
    status, data = d.api("GET", "/v1/conversations" + query)
    assert status == 200, data
    return data["conversations"]


def conversation(d, cid):
    status, c = d.api("GET", "/v1/conversations/" + cid)
    assert status == 200, c
    return c


def events(d, cid, kind):
    return [e for e in conversation(d, cid)["events"] if e["type"] == kind]


def alerts_about(twilio, cid, to):
    return [m for m in twilio.to(to) if REF.search(m["Body"]) and
            REF.search(m["Body"]).group(1) == cid]


def conversation_of(d, contact):
    [c] = [c for c in conversations(d) if c["contact"] == contact]
    return c["id"]


@pytest.mark.slow(4)
def test_take_by_1a_from_the_duty_workers_phone(make_replyd, redis_server, tmpdir_path, twilio):
    cfg = duty_config(redis_server.port, tmpdir_path, twilio,
                      receipt={"text": "Thanks, we will reply by {deadline}."})
    d = start(make_replyd, cfg, twilio)
    known(d)
    text(d, YP, "can you ring me")
    cid = conversation_of(d, "yp-1")
    [alert] = wait_for(lambda: alerts_about(twilio, cid, ALICE), what="the duty worker's alert")
    assert CODE.search(alert["Body"]).group(1) == "1"
    text(d, ALICE, "1a")
    taken = wait_for(lambda: [m for m in twilio.to(ALICE) if "you have taken" in m["Body"]],
                     what="the answer to 1a")
    assert len(taken) == 1 and "ref %s" % cid in taken[0]["Body"]
    assert "until" in taken[0]["Body"]
    c = conversation(d, cid)
    assert c["state"] == "acknowledged" and c["acknowledged_by"] == "alice"
    assert c["acknowledged_until"] is not None
    [ack] = events(d, cid, "ack")
    assert ack["by"] == "alice" and ack["via"] == "sms"
    # Alice's text opened nothing: one conversation, no receipt or notice
    # to her phone (the alert and the answer only).
    assert [c["id"] for c in conversations(d)] == [cid]
    assert all(("ref %s" % cid) in m["Body"] for m in twilio.to(ALICE))
    assert len(twilio.to(ALICE)) == 2
    assert [c["id"] for c in conversations(d, "?state=acknowledged")] == [cid]


@pytest.mark.slow(5)
def test_a_bare_a_takes_the_latest_alert(make_replyd, redis_server, tmpdir_path, twilio):
    d = start(make_replyd, duty_config(redis_server.port, tmpdir_path, twilio), twilio)
    known(d)
    known(d, YP2, "yp-2")
    text(d, YP, "first")
    first = conversation_of(d, "yp-1")
    [a1] = wait_for(lambda: alerts_about(twilio, first, ALICE), what="the first alert")
    text(d, YP2, "second")
    second = conversation_of(d, "yp-2")
    [a2] = wait_for(lambda: alerts_about(twilio, second, ALICE), what="the second alert")
    # Codes are the smallest free number among the person's open alerts.
    assert (CODE.search(a1["Body"]).group(1), CODE.search(a2["Body"]).group(1)) == ("1", "2")
    text(d, ALICE, " A ")
    wait_for(lambda: conversation(d, second)["state"] == "acknowledged",
             what="the latest alert taken")
    assert conversation(d, first)["acknowledged_by"] is None
    wait_for(lambda: [m for m in twilio.to(ALICE) if "you have taken ref %s" % second in m["Body"]],
             what="the answer to A")
    text(d, ALICE, "1 A")
    wait_for(lambda: conversation(d, first)["acknowledged_by"] == "alice",
             what="the first taken by 1 A")


@pytest.mark.slow(9)
def test_a_code_is_reused_only_once_its_alert_is_closed(make_replyd, redis_server, tmpdir_path,
                                                        twilio):
    d = start(make_replyd, duty_config(redis_server.port, tmpdir_path, twilio), twilio)
    known(d)
    known(d, YP2, "yp-2")
    text(d, YP, "first")
    first = conversation_of(d, "yp-1")
    [a1] = wait_for(lambda: alerts_about(twilio, first, ALICE), what="the first alert")
    # Answered: its alert is closed, so its code is free again.
    assert d.api("POST", "/v1/conversations/%s/responded" % first,
                 {"by": "alice", "how": "phone"})[0] == 200
    text(d, YP2, "second")
    second = conversation_of(d, "yp-2")
    [a2] = wait_for(lambda: alerts_about(twilio, second, ALICE), what="the second alert")
    assert CODE.search(a1["Body"]).group(1) == CODE.search(a2["Body"]).group(1) == "1"
    # While that one is open, the next alert takes the next free number.
    known(d, "+447700900125", "yp-3")
    text(d, "+447700900125", "third")
    third = conversation_of(d, "yp-3")
    [a3] = wait_for(lambda: alerts_about(twilio, third, ALICE), what="the third alert")
    assert CODE.search(a3["Body"]).group(1) == "2"


def test_a_staff_text_never_opens_a_conversation(make_replyd, redis_server, tmpdir_path,
                                                  twilio):
    cfg = duty_config(redis_server.port, tmpdir_path, twilio, within="1 working day",
                      receipt={"text": "Thanks, we will reply by {deadline}."})
    d = start(make_replyd, cfg, twilio)
    text(d, ALICE, "OK taking ref 10-1")
    [help_text] = wait_for(lambda: twilio.to(ALICE), what="the help text")
    assert "1A" in help_text["Body"] and "ref" not in help_text["Body"]
    # At most one help text an hour per phone.
    text(d, ALICE, "hello?")
    text(d, DORA, "what is this")
    wait_for(lambda: twilio.to(DORA), what="the other phone's help text")
    assert len(twilio.to(ALICE)) == 1
    # No conversation, so no receipt, waiting notice or escalation.
    assert conversations(d) == []
    assert len(twilio.messages()) == 2
    assert "replyd_staff_texts_total{outcome=\"help\"} 2" in \
        d.request("GET", "/metrics")[2].decode()


@pytest.mark.slow(8)
def test_the_step_after_an_ack_names_the_owner(make_replyd, redis_server, tmpdir_path, twilio):
    cfg = duty_config(redis_server.port, tmpdir_path, twilio, ack_timeout="2 working seconds")
    d = start(make_replyd, cfg, twilio)
    known(d)
    text(d, YP, "hello")
    cid = conversation_of(d, "yp-1")
    wait_for(lambda: alerts_about(twilio, cid, ALICE), what="the first step")
    assert d.api("POST", "/v1/conversations/%s/ack" % cid, {"by": "bob"})[0] == 200
    [ack] = events(d, cid, "ack")
    [alert] = wait_for(lambda: alerts_about(twilio, cid, DORA), timeout=15,
                       what="the duty manager's alert after the pause")
    taken = re.search(r"Taken by Bob at (\d\d:\d\d), no reply yet\.", alert["Body"])
    assert taken, alert["Body"]
    # The time of the acknowledgement on the team's calendar (London).
    assert taken.group(1) in ack["at"]
    assert CODE.search(alert["Body"])


def test_urgent_with_the_worker_absent_reaches_the_duty_worker(make_replyd, redis_server,
                                                                tmpdir_path, twilio):
    cfg = duty_config(redis_server.port, tmpdir_path, twilio, within="1 working day",
                      urgent={"keywords": ["scared"]})
    cfg["teams"]["leaving-care"]["duty"] = {day: "bob" for day in DAYS}
    d = start(make_replyd, cfg, twilio)
    known(d)                                # allocated worker: alice
    assert d.api("POST", "/v1/absences", {"person": "alice", "from": "2020-01-01",
                                          "to": "2099-12-31"})[0] == 201
    text(d, YP, "I am scared")
    cid = conversation_of(d, "yp-1")
    wait_for(lambda: [m for m in twilio.to(BOB) if "URGENT" in m["Body"]],
             what="the urgent alert to the duty worker")
    wait_for(lambda: [m for m in twilio.to(DORA) if "URGENT" in m["Body"]],
             what="the urgent alert to the duty manager")
    wait_for(lambda: events(d, cid, "urgent"), what="the urgent alert recorded")
    assert twilio.to(ALICE) == []           # away: not alerted


@pytest.mark.slow(4)
def test_an_undelivered_status_sends_the_alert_by_email(make_replyd, redis_server, tmpdir_path,
                                                        twilio, smtp):
    twilio.outcomes[ALICE] = ("undelivered", "30003")
    cfg = duty_config(redis_server.port, tmpdir_path, twilio, smtp=smtp)
    d = start(make_replyd, cfg, twilio)
    known(d)
    text(d, YP, "please call")
    cid = conversation_of(d, "yp-1")
    [mail] = wait_for(lambda: [m for m in smtp.received() if m.rcpt == ["alice@example.gov.uk"]],
                      what="the alert by email")
    assert ("ref %s" % cid).encode() in mail.data
    assert b"Auto-Submitted: auto-generated" in mail.data
    wait_for(lambda: events(d, cid, "resent"), what="the alert sent again on the record")
    [failed] = [e for e in events(d, cid, "delivery") if e["delivery"] == "failed"]
    assert (failed["status"], failed["error"], failed["to"]) == ("undelivered", "30003", "alice")
    assert failed["purpose"] == "alert" and failed["channel"] == "twilio"
    assert all(code == 200 for code in twilio.answered())


@pytest.mark.slow(4)
def test_an_undelivered_alert_with_no_channel_left_fails_the_step(
        make_replyd, redis_server, tmpdir_path, twilio, smtp):
    twilio.outcomes[ALICE] = ("failed", "30005")
    cfg = duty_config(redis_server.port, tmpdir_path, twilio, smtp=smtp)
    del cfg["people"]["alice"]["email"]
    d = start(make_replyd, cfg, twilio)
    known(d)
    text(d, YP, "please call")
    cid = conversation_of(d, "yp-1")
    [failed] = wait_for(lambda: events(d, cid, "step_failed"), what="the step marked failed")
    assert failed["reason"] == "undelivered" and failed["to"] == "alice"
    assert 'replyd_escalations_total{level="1",outcome="failed"} 1' in \
        d.request("GET", "/metrics")[2].decode()
    assert "the step failed" in d.logtext()
    assert smtp.received() == []


def test_a_staff_phone_is_never_a_contact(make_replyd, redis_server, tmpdir_path, twilio):
    d = start(make_replyd, duty_config(redis_server.port, tmpdir_path, twilio), twilio)
    status, body = d.api("PUT", "/v1/contacts/yp-1", {"phone": "07700 900001"})
    assert status == 400
    assert "staff" in body["detail"] and "phone" in body["detail"]
    assert d.api("GET", "/v1/contacts/yp-1")[0] == 404


def test_contacts_import_refuses_a_staff_phone_naming_the_line(make_replyd, redis_server,
                                                               tmpdir_path, twilio):
    d = start(make_replyd, duty_config(redis_server.port, tmpdir_path, twilio), twilio)
    path = os.path.join(tmpdir_path, "contacts.csv")
    with open(path, "w") as f:
        f.write("id,phone,worker\nyp-1,07700 900123,alice\nyp-2,+447700900002,alice\n")
    out = subprocess.run([os.path.join(BUILD, "replyctl"), "contacts", "import", "-c", d.path,
                          path], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "%s:3: yp-2: 400" % path in out.stderr and "staff" in out.stderr
    assert "1 imported, 1 failed" in out.stdout


def test_a_status_callback_is_signed_like_any_twilio_webhook(make_replyd, redis_server,
                                                             tmpdir_path, twilio):
    d = start(make_replyd, duty_config(redis_server.port, tmpdir_path, twilio), twilio)
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("MessageStatus", "failed"),
              ("ErrorCode", "30003")]
    url = "https://replyd.test/webhooks/twilio/status?c=1-1&u=alert&k=0&p=alice"
    body = form_body(params)
    kind = {"Content-Type": "application/x-www-form-urlencoded"}
    bad = dict(kind, **{"X-Twilio-Signature": twilio_signature("not-the-token", url, params)})
    assert d.request("POST", url[len("https://replyd.test"):], body, bad)[0] == 403
    # Signed, about a conversation that does not exist: nothing to record.
    good = dict(kind, **{"X-Twilio-Signature": twilio_signature(TOKEN, url, params)})
    assert d.request("POST", url[len("https://replyd.test"):], body, good)[0] == 200
    assert conversations(d) == []


def test_every_conversation_says_who_has_it(make_replyd, redis_server, tmpdir_path, twilio):
    cfg = duty_config(redis_server.port, tmpdir_path, twilio, within="1 working day")
    d = start(make_replyd, cfg, twilio)
    known(d)
    known(d, YP2, "yp-2")
    text(d, YP, "one")
    text(d, YP2, "two")
    taken, other = conversation_of(d, "yp-1"), conversation_of(d, "yp-2")
    assert d.api("POST", "/v1/conversations/%s/ack" % taken, {"by": "bob"})[0] == 200
    listed = {c["id"]: c for c in conversations(d)}
    assert listed[taken]["state"] == "acknowledged"
    assert listed[taken]["acknowledged_by"] == "bob"
    assert listed[taken]["acknowledged_until"].startswith("20")
    assert listed[other]["state"] == "awaiting"
    assert (listed[other]["acknowledged_by"], listed[other]["acknowledged_until"]) == (None, None)
    assert [c["id"] for c in conversations(d, "?state=acknowledged")] == [taken]
    assert [c["id"] for c in conversations(d, "?state=awaiting")] == [other]


@pytest.mark.slow(4)
def test_a_conversation_someone_else_holds_is_not_taken_by_text(
        make_replyd, redis_server, tmpdir_path, twilio):
    d = start(make_replyd, duty_config(redis_server.port, tmpdir_path, twilio), twilio)
    known(d)
    text(d, YP, "hello")
    cid = conversation_of(d, "yp-1")
    wait_for(lambda: alerts_about(twilio, cid, ALICE), what="the alert")
    assert d.api("POST", "/v1/conversations/%s/ack" % cid, {"by": "bob"})[0] == 200
    text(d, ALICE, "1A")
    [answer] = wait_for(lambda: [m for m in twilio.to(ALICE) if "already taken" in m["Body"]],
                        what="the answer")
    assert "already taken by Bob until" in answer["Body"]
    assert conversation(d, cid)["acknowledged_by"] == "bob"
    # A code with no open alert behind it: nothing to take.
    text(d, ALICE, "7A")
    wait_for(lambda: [m for m in twilio.to(ALICE) if "no open alert 7A" in m["Body"]],
             what="nothing to take")


@pytest.mark.slow(3)
def test_alert_texts_come_from_alerts_sms_from(make_replyd, redis_server, tmpdir_path, twilio):
    cfg = duty_config(redis_server.port, tmpdir_path, twilio)
    cfg["alerts"]["sms_from"] = "+447700900009"
    d = start(make_replyd, cfg, twilio)
    known(d)
    text(d, YP, "hello")
    cid = conversation_of(d, "yp-1")
    [alert] = wait_for(lambda: alerts_about(twilio, cid, ALICE), what="the alert")
    assert alert["From"] == "+447700900009"
    # The duty worker answers the alert's number; replyd answers from it.
    text(d, ALICE, "1A", to="+447700900009")
    [answer] = wait_for(lambda: [m for m in twilio.to(ALICE) if "taken" in m["Body"]],
                        what="the answer")
    assert answer["From"] == "+447700900009"
    assert d.api("POST", "/v1/conversations/%s/reply" % cid,
                 {"by": "alice", "text": "Calling you now"})[0] == 200
    [reply] = twilio.to(YP)
    assert reply["From"] == FROM            # young people hear from their number


@pytest.mark.slow(3)
def test_texts_past_the_hourly_limit_go_by_email(make_replyd, redis_server, tmpdir_path, twilio,
                                                 smtp):
    cfg = duty_config(redis_server.port, tmpdir_path, twilio, smtp=smtp)
    cfg["alerts"]["sms_per_hour"] = 1
    d = start(make_replyd, cfg, twilio)
    known(d)
    known(d, YP2, "yp-2")
    text(d, YP, "one")
    first = conversation_of(d, "yp-1")
    wait_for(lambda: alerts_about(twilio, first, ALICE), what="the first alert by text")
    text(d, YP2, "two")
    second = conversation_of(d, "yp-2")
    [mail] = wait_for(lambda: [m for m in smtp.received() if ("ref %s" % second).encode()
                               in m.data], what="the second alert by email")
    assert mail.rcpt == ["alice@example.gov.uk"]
    assert alerts_about(twilio, second, ALICE) == []
    [throttled] = [e for e in events(d, second, "send") if e["outcome"] == "throttled"]
    assert throttled["detail"] == "hour"


@pytest.mark.slow(6)
def test_escalations_acknowledgements_and_responses_are_logged_without_personal_data(
        make_replyd, redis_server, tmpdir_path, twilio):
    cfg = duty_config(redis_server.port, tmpdir_path, twilio, urgent={"keywords": ["scared"]})
    d = start(make_replyd, cfg, twilio)
    text(d, YP, "I am scared, my name is Sam")       # unknown: a waiting notice too
    cid = conversations(d)[0]["id"]
    wait_for(lambda: [m for m in alerts_about(twilio, cid, ALICE)
                      if "Escalation step 1" in m["Body"]], what="the step")
    text(d, ALICE, "1A")
    wait_for(lambda: conversation(d, cid)["state"] == "acknowledged", what="taken")
    assert d.api("POST", "/v1/conversations/%s/responded" % cid,
                 {"by": "alice", "how": "phone"})[0] == 200
    wanted = [r"escalation: conversation %s team leaving-care step 1 fired" % cid,
              r"urgent alert: conversation %s team leaving-care step \d" % cid,
              r"waiting notice: conversation %s team leaving-care step \d" % cid,
              r"acknowledged: conversation %s team leaving-care step 1: taken by text" % cid,
              r"response: conversation %s team leaving-care step 1" % cid]
    wait_for(lambda: all(re.search(w, d.logtext()) for w in wanted), what="every log line")
    log = d.logtext()
    for line in log.splitlines():
        if any(w in line for w in ("escalation: conv", "urgent alert:", "waiting notice:",
                                   "acknowledged:", "response:")):
            assert "alice" not in line.lower() and "dora" not in line.lower(), line
    assert "447700900123" not in log and "447700900001" not in log
    assert "scared" not in log and "Sam" not in log
