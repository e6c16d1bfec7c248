"""Escalation (SPEC §7) on an all-day calendar with deadlines of a few
working seconds: steps fire in order, stop at a response, survive crashes
and Redis restarts, and alerts never carry message text."""

import re
import signal
import time
import uuid

import pytest

from harness import base_config, wait_for
from providers import form_body, twilio_signature
from sink import TwilioSink

TOKEN = "twilio-auth-token-for-tests"
URL = "https://replyd.test/webhooks/twilio"
DUTY, MANAGER = "+447700900001", "+447700900004"


@pytest.fixture
def sink():
    s = TwilioSink()
    yield s
    s.close()


def esc_config(redis_port, tmpdir, sink, within="3 working seconds", **extra):
    cfg = base_config(redis_port, tmpdir, **extra)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cfg["promise"]["respond_within"] = within
    cfg["channels"] = {"twilio": {"auth_token": TOKEN, "account_sid": "ACtest",
                                  "from": "+447700900000", "api_base": sink.url}}
    cfg["alerts"] = {"sms": "twilio"}
    cfg["teams"]["leaving-care"]["escalation"] = [
        {"after": "0s", "notify": ["duty-worker"]},
        {"after": "2 working seconds", "notify": ["duty-manager"]}]
    cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s", "claim_idle": "2s"}
    return cfg


def known(replyd, phone="+447700900123"):
    """Make the sender a contact of a present worker (no waiting notice)."""
    assert replyd.api("PUT", "/v1/contacts/yp-1", {"phone": phone, "worker": "alice"})[0] == 201


def send_sms(replyd, sender, body="please call me back"):
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("From", sender),
              ("To", "+447700900000"), ("Body", body)]
    status, _, _ = replyd.request("POST", "/webhooks/twilio", form_body(params),
                                  {"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Twilio-Signature": twilio_signature(TOKEN, URL, params)})
    assert status == 200


def only_conversation(replyd):
    status, data = replyd.api("GET", "/v1/conversations")
    [c] = data["conversations"]
    return c["id"]


def test_duty_worker_then_duty_manager_are_alerted_after_the_deadline(
        make_replyd, redis_server, tmpdir_path, sink):
    d = make_replyd(esc_config(redis_server.port, tmpdir_path, sink))
    known(d)
    send_sms(d, "+447700900123", body="secret message text")
    wait_for(lambda: sink.to(DUTY), timeout=10, what="duty worker alert")
    assert not sink.to(MANAGER)
    wait_for(lambda: sink.to(MANAGER), timeout=10, what="duty manager alert")
    conv = only_conversation(d)
    for body in sink.bodies():
        assert conv in body and "secret" not in body and "447700900123" not in body
        assert "https://replyd.test/c/" + conv in body
    status, full = d.api("GET", "/v1/conversations/" + conv)
    types = [e["type"] for e in full["events"]]
    assert types.count("escalation") == 2 and "send" in types
    assert len(sink.to(DUTY)) == 1 and len(sink.to(MANAGER)) == 1


def test_a_response_before_the_deadline_stops_every_step(
        make_replyd, redis_server, tmpdir_path, sink):
    d = make_replyd(esc_config(redis_server.port, tmpdir_path, sink))
    known(d)
    send_sms(d, "+447700900123")
    conv = only_conversation(d)
    assert d.api("POST", "/v1/conversations/%s/responded" % conv,
                 {"by": "alice", "how": "phone"})[0] == 200
    time.sleep(6)
    assert sink.messages == []


def test_a_response_after_the_first_step_stops_the_second(
        make_replyd, redis_server, tmpdir_path, sink):
    d = make_replyd(esc_config(redis_server.port, tmpdir_path, sink))
    known(d)
    send_sms(d, "+447700900123")
    wait_for(lambda: sink.to(DUTY), timeout=10, what="duty worker alert")
    d.api("POST", "/v1/conversations/%s/responded" % only_conversation(d),
          {"by": "alice", "how": "phone"})
    time.sleep(4)
    assert not sink.to(MANAGER)


def test_steps_due_while_redis_was_down_fire_when_it_returns(
        make_replyd, redis_server, tmpdir_path, sink):
    d = make_replyd(esc_config(redis_server.port, tmpdir_path, sink))
    known(d)
    send_sms(d, "+447700900123")
    redis_server.stop()
    time.sleep(5)                       # the deadline passes meanwhile
    assert sink.messages == []
    redis_server.start()
    wait_for(lambda: sink.to(DUTY), timeout=15, what="duty worker alert after restart")


def test_steps_due_while_replyd_was_down_fire_when_it_starts(
        make_replyd, redis_server, tmpdir_path, sink):
    d = make_replyd(esc_config(redis_server.port, tmpdir_path, sink))
    known(d)
    send_sms(d, "+447700900123")
    d.kill()
    time.sleep(5)
    d.start()
    wait_for(lambda: sink.to(DUTY), timeout=15, what="alert after restart")
    wait_for(lambda: sink.to(MANAGER), timeout=15, what="manager alert after restart")


def test_provider_429_then_201_delivers_the_alert_once(
        make_replyd, redis_server, tmpdir_path, sink):
    sink.answers = [429]
    d = make_replyd(esc_config(redis_server.port, tmpdir_path, sink))
    known(d)
    send_sms(d, "+447700900123")
    wait_for(lambda: sink.to(DUTY), timeout=15, what="alert after a 429")
    time.sleep(1)
    assert len(sink.to(DUTY)) == 1


def test_urgent_keyword_alerts_at_once(make_replyd, redis_server, tmpdir_path, sink):
    cfg = esc_config(redis_server.port, tmpdir_path, sink, within="1 working day",
                     urgent={"keywords": ["scared", "hurt myself"]})
    d = make_replyd(cfg)
    known(d)
    send_sms(d, "+447700900123", body="I am SCARED tonight")
    wait_for(lambda: sink.to(MANAGER), timeout=5, what="urgent alert to the duty manager")
    assert any("URGENT" in b for b in sink.bodies())
    assert all("SCARED" not in b and "scared" not in b for b in sink.bodies())


def test_unknown_sender_sends_the_waiting_notice_to_the_duty_worker(
        make_replyd, redis_server, tmpdir_path, sink):
    d = make_replyd(esc_config(redis_server.port, tmpdir_path, sink, within="1 working day"))
    send_sms(d, "+447700900999")
    wait_for(lambda: sink.to(DUTY), timeout=5, what="waiting notice")
    assert "waiting" in sink.to(DUTY)[0]["Body"]


def test_acknowledgement_pauses_the_next_step_then_escalation_resumes(
        make_replyd, redis_server, tmpdir_path, sink):
    cfg = esc_config(redis_server.port, tmpdir_path, sink, ack_timeout="4 working seconds")
    d = make_replyd(cfg)
    known(d)
    send_sms(d, "+447700900123")
    wait_for(lambda: sink.to(DUTY), timeout=10, what="duty worker alert")
    conv = only_conversation(d)
    status, body = d.api("POST", "/v1/conversations/%s/ack" % conv, {"by": "alice"})
    assert status == 200 and body["state"] == "acknowledged"
    time.sleep(2.5)                     # step 2 was due 2 s after step 1
    assert not sink.to(MANAGER)
    wait_for(lambda: sink.to(MANAGER), timeout=10, what="escalation after the pause")


def test_dated_duty_override_beats_the_weekly_pattern(
        make_replyd, redis_server, tmpdir_path, sink):
    d = make_replyd(esc_config(redis_server.port, tmpdir_path, sink))
    today = time.strftime("%Y-%m-%d", time.localtime())
    for date in (today, time.strftime("%Y-%m-%d", time.gmtime())):
        assert d.api("PUT", "/v1/teams/leaving-care/duty/" + date, {"worker": "dora"})[0] == 200
    status, duty = d.api("GET", "/v1/teams/leaving-care/duty/" + today)
    assert (duty["duty_worker"], duty["override"]) == ("dora", True)
    known(d)
    send_sms(d, "+447700900123")
    wait_for(lambda: sink.to(MANAGER), timeout=10, what="alert to the override")
    time.sleep(0.5)
    assert not sink.to(DUTY)


def test_message_for_an_absent_worker_sends_the_waiting_notice(
        make_replyd, redis_server, tmpdir_path, sink):
    cfg = esc_config(redis_server.port, tmpdir_path, sink, within="1 working day")
    cfg["teams"]["leaving-care"]["duty"] = {d: "dora" for d in
                                            ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    d = make_replyd(cfg)
    known(d)
    status, _ = d.api("POST", "/v1/absences", {"person": "alice", "from": "2020-01-01",
                                               "to": "2099-12-31"})
    assert status == 201
    send_sms(d, "+447700900123")
    wait_for(lambda: sink.to(MANAGER), timeout=5, what="waiting notice to the duty worker")
    body = sink.to(MANAGER)[0]["Body"]
    assert "waiting" in body and "leave" not in body and "alice" not in body.lower()


def test_three_instances_and_a_crash_miss_no_step(
        make_replyd, redis_server, tmpdir_path, sink):
    cfg = esc_config(redis_server.port, tmpdir_path, sink, within="4 working seconds")
    cfg["teams"]["leaving-care"]["escalation"] = [{"after": "0s", "notify": ["duty-worker"]}]
    instances = [make_replyd(cfg)]
    for _ in range(2):
        c = dict(cfg, listen="127.0.0.1:%d" % __import__("harness").free_port())
        instances.append(make_replyd(c))
    senders = ["+4477009%05d" % i for i in range(200)]
    for i, s in enumerate(senders):
        inst = instances[i % 3]
        assert inst.api("PUT", "/v1/contacts/yp-%d" % i, {"phone": s, "worker": "alice"})[0] == 201
        send_sms(inst, s)
    convs = {c["contact"]: c["id"] for c in instances[0].api("GET", "/v1/conversations")[1]["conversations"]}
    for i in range(50):
        assert instances[1].api("POST", "/v1/conversations/%s/responded" % convs["yp-%d" % i],
                                {"by": "alice", "how": "phone"})[0] == 200
    time.sleep(4.5)
    instances[2].kill()                 # mid-run: some entries may be pending there
    want = {convs["yp-%d" % i] for i in range(50, 200)}
    got = lambda: {re.search(r"ref (\d+-\d+)", b).group(1) for b in sink.bodies()}
    wait_for(lambda: want <= got(), timeout=40, what="a step for every unanswered conversation")
    time.sleep(1)
    assert not (got() & {convs["yp-%d" % i] for i in range(50)})
    assert len(sink.messages) <= len(want) + 20      # duplicates only around the crash
