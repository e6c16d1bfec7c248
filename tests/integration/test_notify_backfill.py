"""GOV.UK Notify keeps the texts whose callback replyd never answered; after
replyd was down (or Redis was), replyd pages through them and stores each
missed text once (SPEC §5: nothing lost).  Notify's delivery receipts land
in the notification log.  Staff texts through Notify are duty commands."""

import json
import time
import uuid
from datetime import datetime

import pytest

from dutyfakes import KeepingNotify
from harness import base_config, wait_for

CALLBACK = "notify-callback-token-for-tests-0123"
API_KEY = "replyd-test-" + str(uuid.uuid4()) + "-" + str(uuid.uuid4())
SMS_TEMPLATE = "f1c7a2b0-0000-4000-8000-000000000001"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def notify():
    fake = KeepingNotify(API_KEY, page_size=2)
    yield fake
    fake.close()


def notify_config(redis_port, tmpdir, notify, **extra):
    cfg = base_config(redis_port, tmpdir, **extra)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in DAYS}
    cfg["channels"] = {"notify": {"callback_token": CALLBACK, "api_key": API_KEY,
                                  "api_base": notify.url, "sms_template_id": SMS_TEMPLATE,
                                  "timeout_ms": 5000}}
    cfg["alerts"] = {"sms": "notify"}
    return cfg


def conversations(d):
    status, data = d.api("GET", "/v1/conversations")
    assert status == 200, data
    return data["conversations"]


def texts(d):
    """Every stored message's text, with its conversation ([] while the
    API cannot answer: Redis is away)."""
    out = []
    status, data = d.api("GET", "/v1/conversations")
    if status != 200:
        return []
    for c in data["conversations"]:
        full = d.api("GET", "/v1/conversations/" + c["id"])[1]
        out += [(c["id"], m["text"]) for m in full["messages"]]
    return out


def post(d, path, body):
    return d.request("POST", path, json.dumps(body).encode(),
                     {"Content-Type": "application/json", "Authorization": "Bearer " + CALLBACK})


@pytest.mark.slow(4)
def test_notify_backfill_after_replyd_was_down_stores_the_missed_text_once(
        make_replyd, redis_server, tmpdir_path, notify):
    d = make_replyd(notify_config(redis_server.port, tmpdir_path, notify))
    wait_for(lambda: notify.gets, what="the backfill at start")
    # Texts that came by the webhook; Notify keeps them too.
    for i in range(3):
        old = notify.keep("4477009002%02d" % i, "old %d" % i, created=time.time() - 3600 + i)
        assert post(d, "/webhooks/notify", {
            "id": old["id"], "source_number": old["user_number"],
            "destination_number": "07700900000", "message": old["content"],
            "date_received": old["created_at"]})[0] == 200
    d.stop()
    # While replyd is down a young person texts: Notify's callback fails,
    # and Notify keeps the text.
    sent = time.time() - 120
    missed = notify.keep("447700900123", "are you there? text me back", created=sent)
    before = len(notify.gets)
    d.start()
    wait_for(lambda: [t for t in texts(d) if t[1] == "are you there? text me back"],
             what="the missed text stored")
    [(cid, _)] = [t for t in texts(d) if t[1] == "are you there? text me back"]
    # The promise runs from when it was sent, not from when replyd saw it.
    c = d.api("GET", "/v1/conversations/" + cid)[1]
    assert abs(datetime.fromisoformat(c["received_at"]).timestamp() - sent) < 2
    # Pages of two: the first held the missed text, the second only texts
    # already stored, so the walk stopped there.
    wait_for(lambda: len(notify.gets) == before + 2, what="two pages")
    assert notify.gets[before + 1]["older_than"] == notify.kept[1]["id"]
    # A second restart, and the late callback itself: still stored once.
    d.stop()
    d.start()
    wait_for(lambda: len(notify.gets) > before + 2, what="the backfill after the restart")
    assert post(d, "/webhooks/notify", {
        "id": missed["id"], "source_number": missed["user_number"],
        "destination_number": "07700900000", "message": missed["content"],
        "date_received": missed["created_at"]})[0] == 200
    assert [t[1] for t in texts(d)].count("are you there? text me back") == 1
    assert len(texts(d)) == 4


@pytest.mark.slow(4)
def test_a_redis_outage_is_followed_by_a_backfill(make_replyd, redis_server, tmpdir_path,
                                                  notify):
    d = make_replyd(notify_config(redis_server.port, tmpdir_path, notify))
    wait_for(lambda: notify.gets, what="the backfill at start")
    redis_server.stop()
    notify.keep("447700900123", "sent while redis was down")
    redis_server.start()
    wait_for(lambda: [t for t in texts(d) if t[1] == "sent while redis was down"], timeout=15,
             what="the text stored after the outage")


@pytest.mark.slow(3)
def test_backfill_pages_back_until_a_page_holds_nothing_new(make_replyd, redis_server,
                                                            tmpdir_path, notify):
    now = time.time()
    for i in range(5):                      # pages of 2: three pages
        notify.keep("4477009003%02d" % i, "kept %d" % i, created=now - 600 + i)
    d = make_replyd(notify_config(redis_server.port, tmpdir_path, notify))
    wait_for(lambda: len(texts(d)) == 5, what="every kept text")
    assert [g.get("older_than") for g in notify.gets][:3] == \
        [None, notify.kept[1]["id"], notify.kept[3]["id"]]
    # After a restart the first page holds nothing new: one page only.
    before = len(notify.gets)
    d.stop()
    d.start()
    wait_for(lambda: len(notify.gets) > before, what="the backfill after a restart")
    assert len(texts(d)) == 5


def test_a_notify_delivery_receipt_is_recorded_in_the_notification_log(
        make_replyd, redis_server, tmpdir_path, notify):
    d = make_replyd(notify_config(redis_server.port, tmpdir_path, notify))
    assert post(d, "/webhooks/notify", {"id": str(uuid.uuid4()),
                                        "source_number": "447700900123",
                                        "message": "hello"})[0] == 200
    [c] = conversations(d)
    # The waiting notice (an unknown sender) went through Notify, with the
    # delivery tag as its reference.
    [sent] = wait_for(lambda: [r for r in notify.accepted() if r.path == "/v2/notifications/sms"],
                      what="the waiting notice")
    ref = sent.json["reference"]
    assert ref.startswith("c=%s&u=alert&k=w&p=alice" % c["id"])
    status, _, _ = post(d, "/webhooks/notify/status", {
        "id": str(uuid.uuid4()), "reference": ref, "to": "07700900001",
        "status": "delivered", "notification_type": "sms",
        "created_at": "2026-03-11T10:30:00.000000Z"})
    assert status == 200
    wait_for(lambda: [e for e in d.api("GET", "/v1/conversations/" + c["id"])[1]["events"]
                      if e["type"] == "delivery" and e["status"] == "delivered"],
             what="the receipt on the record")
    # Authenticated like every Notify callback.
    assert d.request("POST", "/webhooks/notify/status", b"{}",
                     {"Authorization": "Bearer wrong"})[0] == 403


def test_a_staff_text_through_notify_is_a_duty_command(make_replyd, redis_server, tmpdir_path,
                                                       notify):
    d = make_replyd(notify_config(redis_server.port, tmpdir_path, notify))
    assert post(d, "/webhooks/notify", {"id": str(uuid.uuid4()),
                                        "source_number": "447700900001",   # alice
                                        "message": "hi"})[0] == 200
    [help_text] = wait_for(lambda: [r for r in notify.accepted()
                                    if r.path == "/v2/notifications/sms"], what="the help text")
    assert help_text.json["phone_number"] == "+447700900001"
    assert "1A" in help_text.json["personalisation"]["message"]
    assert conversations(d) == []
