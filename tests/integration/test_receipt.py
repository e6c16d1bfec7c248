"""The receipt (SPEC §6): on the first message of a conversation the young
person hears, on the channel they used, that it arrived and by when they will
hear back; out of hours with the urgent-help text; never for a contact who
switched it off; never a response; never a word about a worker's absence."""

import datetime
import uuid
import zoneinfo

import pytest

from fakes import FakeTwilio
from harness import base_config, wait_for
from providers import form_body, twilio_signature

TOKEN = "twilio-auth-token-for-tests"
SID = "ACtest"
FROM = "+447700900000"
YP = "+447700900123"
LONDON = zoneinfo.ZoneInfo("Europe/London")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TEXT = "Thanks, we have your message. We will reply by {deadline}."
URGENT = "If you need help now, call the emergency duty team on 0300 000 0000, or 999."


def receipt_config(redis_port, tmpdir, twilio_url, hours=None, **receipt):
    cfg = base_config(redis_port, tmpdir)
    cfg["calendars"]["office"]["hours"] = hours or {d: ["00:00-24:00"] for d in DAYS}
    cfg["channels"] = {"twilio": {"auth_token": TOKEN, "account_sid": SID, "from": FROM,
                                  "api_base": twilio_url}}
    r = {"text": TEXT, "out_of_hours": URGENT}
    r.update(receipt)
    cfg["receipt"] = r
    cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s"}
    return cfg


@pytest.fixture
def twilio():
    fake = FakeTwilio(SID, TOKEN)
    yield fake
    fake.close()


@pytest.fixture
def replyd(make_replyd, redis_server, tmpdir_path, twilio):
    return make_replyd(receipt_config(redis_server.port, tmpdir_path, twilio.url))


def send_sms(replyd, sender=YP, body="can you call me?"):
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("AccountSid", SID),
              ("From", sender), ("To", FROM), ("Body", body), ("NumMedia", "0")]
    sig = twilio_signature(TOKEN, "https://replyd.test/webhooks/twilio", params)
    status, _, _ = replyd.request("POST", "/webhooks/twilio", form_body(params),
                                  {"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Twilio-Signature": sig})
    assert status == 200


def only_conversation(replyd):
    [c] = replyd.api("GET", "/v1/conversations")[1]["conversations"]
    return c


def receipts(twilio, to=YP):
    return [m["Body"] for m in twilio.messages() if m["To"] == to]


def sends(replyd, cid):
    return [(e["purpose"], e["outcome"])
            for e in replyd.api("GET", "/v1/conversations/" + cid)[1]["events"]
            if e["type"] == "send"]


def metrics(replyd):
    return replyd.request("GET", "/metrics")[2].decode()


def clock(t):
    """GOV.UK style: 9am, 4:55pm, midday."""
    if (t.hour, t.minute) == (12, 0):
        return "midday"
    h = t.hour % 12 or 12
    ampm = "am" if t.hour < 12 else "pm"
    return "%d%s" % (h, ampm) if t.minute == 0 else "%d:%02d%s" % (h, t.minute, ampm)


def in_words(deadline, now):
    """The deadline as the receipt should put it, written from the rule."""
    if deadline.second or deadline.microsecond:
        deadline = deadline.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    day = deadline.date()
    if (deadline.hour, deadline.minute) == (0, 0):
        day -= datetime.timedelta(days=1)
        when, today = "midnight", "tonight"
    else:
        when, today = clock(deadline), "today"
    ahead = (day - now.date()).days
    if ahead == 0:
        return "%s %s" % (when, today)
    if ahead == 1:
        return "%s tomorrow" % when
    date = "%s %d %s" % (day.strftime("%A"), day.day, day.strftime("%B"))
    if ahead >= 180:
        date += " %d" % day.year
    return "%s on %s" % (when, date)


def expected_receipt(c, out_of_hours):
    deadline = datetime.datetime.fromisoformat(c["deadline"]).astimezone(LONDON)
    received = datetime.datetime.fromisoformat(c["received_at"]).astimezone(LONDON)
    text = TEXT.replace("{deadline}", in_words(deadline, received))
    return text + " " + URGENT if out_of_hours else text


def test_new_conversation_gets_a_receipt_with_the_deadline_in_words(replyd, twilio):
    send_sms(replyd)
    wait_for(lambda: receipts(twilio), what="the receipt")
    c = only_conversation(replyd)
    [body] = receipts(twilio)
    # All-day calendar: open now, deadline 24 hours on, so "... tomorrow".
    assert body == expected_receipt(c, out_of_hours=False)
    assert "tomorrow." in body and URGENT not in body
    [msg] = [m for m in twilio.messages() if m["To"] == YP]
    assert msg["From"] == FROM
    # replyd records the send once Twilio's answer is back: after Twilio
    # saw the request, so wait for it.
    wait_for(lambda: sends(replyd, c["id"]), what="the receipt's send on the record")
    assert sends(replyd, c["id"]) == [("receipt", "sent")]


def test_second_message_in_the_conversation_gets_no_receipt(replyd, twilio):
    send_sms(replyd, body="first")
    wait_for(lambda: receipts(twilio), what="the receipt")
    send_sms(replyd, body="second")
    send_sms(replyd, body="third")
    # A receipt decided for "second" or "third" would be on its way before
    # the one for a conversation opened after them.
    other = "+447700900456"
    assert replyd.api("PUT", "/v1/contacts/yp-2", {"phone": other, "worker": "alice"})[0] == 201
    send_sms(replyd, sender=other)
    wait_for(lambda: receipts(twilio, other), what="the next conversation's receipt")
    assert len(receipts(twilio)) == 1
    assert len([c for c in replyd.api("GET", "/v1/conversations")[1]["conversations"]
                if c["contact"] != "yp-2"]) == 1


def test_contact_with_receipts_off_gets_none(replyd, twilio):
    assert replyd.api("PUT", "/v1/contacts/yp-1", {"phone": YP, "worker": "alice",
                                                   "receipt": False})[0] == 201
    send_sms(replyd)
    other = "+447700900456"
    send_sms(replyd, sender=other)
    wait_for(lambda: receipts(twilio, other), what="the other young person's receipt")
    # Decided at once when the message is stored, before anything is sent.
    assert 'replyd_receipts_total{outcome="opted_out"} 1' in metrics(replyd)
    assert receipts(twilio) == []


def test_receipts_switched_off_for_the_deployment_send_nothing(
        make_replyd, redis_server, tmpdir_path, twilio):
    d = make_replyd(receipt_config(redis_server.port, tmpdir_path, twilio.url, enabled=False))
    send_sms(d)
    # A receipt would be decided when the message is stored and be on its
    # way before a reply sent afterwards has been accepted.
    cid = only_conversation(d)["id"]
    status, _ = d.api("POST", "/v1/conversations/%s/reply" % cid, {"by": "alice", "text": "hi"})
    assert status == 200
    assert [r.form["Body"] for r in twilio.requests] == ["hi"]
    assert sends(d, cid) == [("reply", "sent")]
    assert "\nreplyd_receipts_total{" not in metrics(d)     # no receipt, not even tried


def test_out_of_hours_receipt_adds_the_urgent_help_text(
        make_replyd, redis_server, tmpdir_path, twilio):
    # Open only on the weekday two days from now: closed now, whatever the hour.
    later = (datetime.datetime.now(LONDON) + datetime.timedelta(days=2)).weekday()
    d = make_replyd(receipt_config(redis_server.port, tmpdir_path, twilio.url,
                                   hours={DAYS[later]: ["09:00-17:00"]}))
    send_sms(d)
    wait_for(lambda: receipts(twilio), what="the receipt")
    c = only_conversation(d)
    [body] = receipts(twilio)
    assert body == expected_receipt(c, out_of_hours=True)
    assert body.endswith(". " + URGENT)
    assert "5pm on " in body                     # closes at 17:00 on that day


def test_receipt_in_hours_has_no_urgent_help_text(replyd, twilio):
    send_sms(replyd)
    wait_for(lambda: receipts(twilio), what="the receipt")
    assert URGENT not in receipts(twilio)[0]


def test_receipt_is_never_a_response(replyd, twilio):
    send_sms(replyd)
    wait_for(lambda: receipts(twilio), what="the receipt")
    # Done with the receipt once its send is on the record.
    cid = only_conversation(replyd)["id"]
    wait_for(lambda: sends(replyd, cid) == [("receipt", "sent")], what="the receipt recorded")
    c = only_conversation(replyd)
    assert c["state"] == "awaiting" and c["responded_at"] is None
    events = replyd.api("GET", "/v1/conversations/" + c["id"])[1]["events"]
    assert [e for e in events if e["type"] in ("response", "reply")] == []
    assert "replyd_responses_total{" not in replyd.request("GET", "/metrics")[2].decode()


def test_receipt_never_names_the_worker_or_their_absence(replyd, twilio):
    assert replyd.api("PUT", "/v1/contacts/yp-1", {"phone": YP, "worker": "alice"})[0] == 201
    assert replyd.api("POST", "/v1/absences", {"person": "alice", "from": "2020-01-01",
                                               "to": "2099-12-31"})[0] == 201
    send_sms(replyd)
    wait_for(lambda: receipts(twilio), what="the receipt")
    [body] = receipts(twilio)
    for word in ("alice", "leave", "absent", "away", "holiday", "sick"):
        assert word not in body.lower()
    assert body == expected_receipt(only_conversation(replyd), out_of_hours=False)


def test_receipt_provider_busy_is_retried_once_delivered(replyd, twilio):
    twilio.script = [(429, {"Retry-After": "1"}), 201]
    send_sms(replyd)
    wait_for(lambda: receipts(twilio), timeout=10, what="the receipt after a retry")
    assert [r.status for r in twilio.requests] == [429, 201]
