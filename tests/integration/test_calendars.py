"""Calendars that change (SPEC section 18): unplanned closures through the
API, effective on every instance; every change of calendar data (a
closure, a reload, a refreshed bank-holiday feed) recomputes the deadline
and the pending escalation step of every open conversation from its
arrival, once, with a deadline_changed event; the bank-holiday feed is
fetched from bank_holidays.url, checked, and stored for every instance.

The calendar is open all day every day with no bank holidays (unless a
test gives it a feed), so a working day is 24 real hours and the expected
deadlines are worked out here from the rule alone.  A conversation that
"arrived yesterday" is a real one whose arrival time is moved back in its
record: the recompute starts from the arrival."""

import copy
import datetime
import http.server
import json
import os
import re
import signal
import subprocess
import threading
import time
import uuid
from zoneinfo import ZoneInfo

import pytest

from harness import BUILD, FEED, base_config, free_port, index_claimed_to_now, wait_for
from providers import form_body, twilio_signature
from sink import TwilioSink

LONDON = ZoneInfo("Europe/London")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TWILIO_TOKEN = "twilio-auth-token-for-tests"
URL = "https://replyd.test/webhooks/twilio"
WORKER_TOKEN = "test-worker-token-0123456789"
DUTY, MANAGER = "+447700900001", "+447700900004"
DAY = 86400


@pytest.fixture
def sink():
    s = TwilioSink()
    yield s
    s.close()


def cal_config(redis_port, tmpdir, sink, within="1 working day", steps=None,
               hours=("00:00-24:00",)):
    cfg = base_config(redis_port, tmpdir)
    office = cfg["calendars"]["office"]
    office["hours"] = {d: list(hours) for d in DAYS}
    del office["bank_holidays"]
    cfg["promise"]["respond_within"] = within
    cfg["channels"] = {"twilio": {"auth_token": TWILIO_TOKEN, "account_sid": "ACtest",
                                  "from": "+447700900000", "api_base": sink.url}}
    cfg["alerts"] = {"sms": "twilio"}
    cfg["teams"]["leaving-care"]["escalation"] = steps or [
        {"after": "2 working days", "notify": ["duty-worker"]},
        {"after": "3 working days", "notify": ["duty-manager"]}]
    cfg["api"]["tokens"][WORKER_TOKEN] = {"name": "board", "role": "worker"}
    cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s", "claim_idle": "2s"}
    return cfg


def second(cfg):
    """The same configuration on another port: a second instance."""
    other = copy.deepcopy(cfg)
    other["listen"] = "127.0.0.1:%d" % free_port()
    return other


# --- the rule, worked out here ----------------------------------------------

def midnight(day):
    """The instant local midnight begins a London date."""
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=LONDON).timestamp())


def local_at(day, hour):
    if hour == 24:
        return midnight(day + datetime.timedelta(days=1))
    return int(datetime.datetime(day.year, day.month, day.day, hour,
                                 tzinfo=LONDON).timestamp())


def deadline(arrival, need, windows=((0, 24),), closed=()):
    """When `need` working seconds have passed since arrival, with the given
    daily windows (whole hours, local time) and closed dates."""
    day = datetime.datetime.fromtimestamp(arrival, LONDON).date()
    while True:
        if day not in closed:
            for a, b in windows:
                s, e = max(local_at(day, a), arrival), local_at(day, b)
                if s < e:
                    if e - s >= need:
                        return s + need
                    need -= e - s
        day += datetime.timedelta(days=1)


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, LONDON).isoformat()


def today():
    return datetime.datetime.now(LONDON).date()


def yesterdays_arrival():
    """An arrival yesterday, about 23 hours ago."""
    start = midnight(today())
    return min(int(time.time()) - 23 * 3600, start - 3600)


# --- driving replyd --------------------------------------------------------

def send_sms(d, sender):
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("From", sender),
              ("To", "+447700900000"), ("Body", "can you call me")]
    status, _, _ = d.request("POST", "/webhooks/twilio", form_body(params), {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, URL, params)})
    assert status == 200


def known(d, phone, cid="yp-1"):
    """The sender is a contact of a present worker: no waiting notice."""
    assert d.api("PUT", "/v1/contacts/" + cid, {"phone": phone, "worker": "alice"})[0] == 201


def conversations(d):
    return {c["id"]: c for c in d.api("GET", "/v1/conversations")[1]["conversations"]}


def conversation(d, cid):
    status, body = d.api("GET", "/v1/conversations/" + cid)
    assert status == 200
    return body


def arrived_yesterday(redis, cid):
    """Move a conversation's arrival back to yesterday; returns it (s).
    The record's field r (docs/data-model.md)."""
    arrival = yesterdays_arrival()
    p = int(cid.split("-")[0])
    redis.cli("HSET", "rd:{%d}:c:%s" % (p, cid), "r", str(arrival * 1000))
    return arrival


def zscore(redis, cid, step):
    p = int(cid.split("-")[0])
    out = redis.cli("ZSCORE", "rd:{%d}:due" % p, "%s:%d" % (cid, step)).strip('"')
    return None if out in ("", "(nil)") else int(float(out))


def changes(d, cid):
    return [e for e in conversation(d, cid)["events"] if e["type"] == "deadline_changed"]


def day_of(d, date, token=None):
    kw = {"token": token} if token else {}
    status, body = d.api("GET", "/v1/calendars/office?from=%s&to=%s" % (date, date), **kw)
    assert status == 200, body
    return body["days"][0]


def close_today(d, reason="snow"):
    status, body = d.api("POST", "/v1/calendars/office/closures",
                         {"date": today().isoformat(), "reason": reason})
    assert status == 201, body
    return body


def metric(d, name, labels=""):
    want = name + ("{%s}" % labels if labels else "")
    for line in d.request("GET", "/metrics")[2].decode().splitlines():
        if line.startswith(want + " "):
            return float(line.split()[1])
    return 0.0


def reload(d, cfg):
    before = d.logtext().count("configuration reloaded")
    d.write_config(cfg)
    d.signal(signal.SIGHUP)
    wait_for(lambda: d.logtext().count("configuration reloaded") > before, what="the reload")


# --- unplanned closures ----------------------------------------------------

def test_a_closure_added_for_today_moves_yesterdays_deadline_and_due_step_on_every_instance(
        make_replyd, redis_server, tmpdir_path, sink):
    cfg = cal_config(redis_server.port, tmpdir_path, sink)
    d1 = make_replyd(cfg)
    d2 = make_replyd(second(cfg))
    known(d1, "+447700900123")
    send_sms(d1, "+447700900123")
    [cid] = conversations(d1)
    arrival = arrived_yesterday(redis_server, cid)

    body = close_today(d1)
    assert body["recompute"] is True and body["reason"] == "snow"
    moved = deadline(arrival, DAY, closed={today()})
    assert moved > arrival + DAY             # today no longer counts
    wait_for(lambda: conversations(d2)[cid]["deadline"] == rfc3339(moved),
             what="the deadline to move past today")
    # The pending step (the first: 2 working days after the deadline) too.
    assert zscore(redis_server, cid, 0) == deadline(moved, 2 * DAY, closed={today()}) * 1000
    # The second instance closes today too, and stores deadlines that way.
    wait_for(lambda: day_of(d2, today().isoformat())["kind"] == "unplanned_closure",
             what="the second instance to see the closure")
    assert day_of(d2, today().isoformat())["reason"] == "snow"
    send_sms(d2, "+447700900777")
    [new] = [c for c in conversations(d2) if c != cid]
    tomorrow = midnight(today() + datetime.timedelta(days=1))
    assert conversations(d2)[new]["deadline"] == rfc3339(tomorrow + DAY)


def test_removing_the_closure_moves_the_deadline_and_due_step_back(
        make_replyd, redis_server, tmpdir_path, sink):
    d = make_replyd(cal_config(redis_server.port, tmpdir_path, sink))
    known(d, "+447700900123")
    send_sms(d, "+447700900123")
    [cid] = conversations(d)
    arrival = arrived_yesterday(redis_server, cid)
    close_today(d)
    moved = deadline(arrival, DAY, closed={today()})
    wait_for(lambda: conversations(d)[cid]["deadline"] == rfc3339(moved), what="the move")

    status, body = d.api("DELETE", "/v1/calendars/office/closures/" + today().isoformat())
    assert status == 200 and body["deleted"] is True
    back = deadline(arrival, DAY)
    wait_for(lambda: conversations(d)[cid]["deadline"] == rfc3339(back), what="the move back")
    assert zscore(redis_server, cid, 0) == (back + 2 * DAY) * 1000
    assert day_of(d, today().isoformat())["kind"] == "weekly"
    assert d.api("DELETE", "/v1/calendars/office/closures/" + today().isoformat())[0] == 404


def test_the_deadline_changed_event_says_old_new_and_why(
        make_replyd, redis_server, tmpdir_path, sink):
    d = make_replyd(cal_config(redis_server.port, tmpdir_path, sink))
    known(d, "+447700900123")
    send_sms(d, "+447700900123")
    [cid] = conversations(d)
    old = conversations(d)[cid]["deadline"]
    arrival = arrived_yesterday(redis_server, cid)
    close_today(d, reason="staff strike")
    [event] = wait_for(lambda: changes(d, cid), what="the deadline_changed event")
    new = deadline(arrival, DAY, closed={today()})
    assert event["old"] == old
    assert event["new"] == rfc3339(new)
    assert event["why"] == "unplanned closure on %s added: staff strike" % today().isoformat()
    assert event["calendar"] == "office" and event["step"] == 0
    assert event["step_due"] == rfc3339(new + 2 * DAY)


def test_an_escalation_step_that_already_fired_is_not_fired_again(
        make_replyd, redis_server, tmpdir_path, sink):
    steps = [{"after": "0s", "notify": ["duty-worker"]},
             {"after": "1 working hour", "notify": ["duty-manager"]}]
    d = make_replyd(cal_config(redis_server.port, tmpdir_path, sink,
                               within="3 working seconds", steps=steps))
    known(d, "+447700900123")
    send_sms(d, "+447700900123")
    [cid] = conversations(d)
    wait_for(lambda: sink.to(DUTY), what="the first step's alert")
    wait_for(lambda: conversations(d)[cid]["escalation_step"] == 1, what="step 1 pending")

    close_today(d)
    [event] = wait_for(lambda: changes(d, cid), what="the recompute")
    # Arrived today, which is now closed: the clock starts tomorrow.
    tomorrow = midnight(today() + datetime.timedelta(days=1))
    assert event["new"] == rfc3339(tomorrow + 3) and event["step"] == 1
    assert zscore(redis_server, cid, 1) == (tomorrow + 3 + 3600) * 1000
    assert zscore(redis_server, cid, 0) is None
    assert conversations(d)[cid]["escalation_step"] == 1
    assert len(sink.to(DUTY)) == 1 and not sink.to(MANAGER)


def test_a_deadline_moved_back_before_the_claimed_index_fires_from_the_due_set(
        make_replyd, redis_server, tmpdir_path, sink):
    steps = [{"after": "0s", "notify": ["duty-worker"]}]
    d = make_replyd(cal_config(redis_server.port, tmpdir_path, sink, steps=steps))
    known(d, "+447700900123")
    index_claimed_to_now(redis_server)
    send_sms(d, "+447700900123")
    [cid] = conversations(d)
    assert zscore(redis_server, cid, 0) is None     # the awaiting index has it
    # Arrived two days ago: the recompute's deadline is yesterday, a time
    # the index has been claimed past.
    arrival = int(time.time()) - 2 * DAY
    redis_server.cli("HSET", "rd:{%s}:c:%s" % (cid.split("-")[0], cid), "r",
                     str(arrival * 1000))
    close_today(d)
    wait_for(lambda: conversations(d)[cid]["deadline"] == rfc3339(arrival + DAY),
             what="the deadline moved back")
    wait_for(lambda: sink.to(DUTY), what="the first step's alert")
    assert len(sink.to(DUTY)) == 1


def test_closures_need_a_manager_a_real_calendar_and_a_valid_date(
        make_replyd, redis_server, tmpdir_path, sink):
    d = make_replyd(cal_config(redis_server.port, tmpdir_path, sink))
    date = today().isoformat()
    assert d.api("POST", "/v1/calendars/office/closures", {"date": date, "reason": "snow"},
                 token=WORKER_TOKEN)[0] == 403
    assert d.api("DELETE", "/v1/calendars/office/closures/" + date, token=WORKER_TOKEN)[0] == 403
    assert d.api("POST", "/v1/calendars/nowhere/closures", {"date": date, "reason": "x"})[0] == 404
    for bad in ({"date": "2026-02-30", "reason": "x"}, {"date": "1999-12-31", "reason": "x"},
                {"date": date}, {"date": date, "reason": ""}, {"date": date, "reason": "x" * 201}):
        assert d.api("POST", "/v1/calendars/office/closures", bad)[0] == 400, bad
    # Staff of any role see what replyd believes.
    assert day_of(d, date, token=WORKER_TOKEN)["kind"] == "weekly"


def test_readyz_and_the_calendar_describe_the_closure(make_replyd, redis_server, tmpdir_path,
                                                       sink):
    cfg = cal_config(redis_server.port, tmpdir_path, sink)
    cfg["calendars"]["office"]["special_hours"] = {"2030-12-24": ["09:00-12:00"]}
    cfg["calendars"]["office"]["closures"] = ["2030-12-27"]
    d = make_replyd(cfg)
    close_today(d, reason="boiler broken")
    ready = json.loads(d.request("GET", "/readyz")[2])
    # /readyz answers anyone: the day and the reason, not who added it.
    [c] = ready["calendars"]["office"]["unplanned_closures"]
    assert c == {"date": today().isoformat(), "reason": "boiler broken"}
    status, body = d.api("GET", "/v1/calendars/office?from=2030-12-24&to=2030-12-27")
    assert status == 200
    kinds = [(x["date"], x["kind"], x["open"]) for x in body["days"]]
    assert kinds == [("2030-12-24", "special_hours", True), ("2030-12-25", "weekly", True),
                     ("2030-12-26", "weekly", True), ("2030-12-27", "closure", False)]
    assert body["days"][0]["windows"] == [{"from": "2030-12-24T09:00:00+00:00",
                                           "to": "2030-12-24T12:00:00+00:00"}]
    [c] = body["closures"]
    assert (c["date"], c["reason"], c["by"]) == (today().isoformat(), "boiler broken", "tests")
    assert d.api("GET", "/v1/calendars/office?from=2030-12-27&to=2030-12-24")[0] == 400
    assert d.api("GET", "/v1/calendars/nowhere")[0] == 404


# --- reloads ---------------------------------------------------------------

def test_a_reload_with_new_hours_recomputes_open_deadlines(
        make_replyd, redis_server, tmpdir_path, sink):
    cfg = cal_config(redis_server.port, tmpdir_path, sink)
    d = make_replyd(cfg)
    known(d, "+447700900123")
    send_sms(d, "+447700900123")
    [cid] = conversations(d)
    arrival = arrived_yesterday(redis_server, cid)
    mornings = copy.deepcopy(cfg)
    mornings["calendars"]["office"]["hours"] = {x: ["00:00-12:00"] for x in DAYS}
    reload(d, mornings)
    # A working day is now 12 hours, worked before noon.
    new = deadline(arrival, 12 * 3600, windows=((0, 12),))
    wait_for(lambda: conversations(d)[cid]["deadline"] == rfc3339(new), what="the recompute")
    [event] = changes(d, cid)
    assert event["why"] == "the configuration was reloaded"
    assert zscore(redis_server, cid, 0) == deadline(new, 2 * 12 * 3600, windows=((0, 12),)) * 1000


def test_a_restart_with_new_hours_recomputes_open_deadlines(
        make_replyd, redis_server, tmpdir_path, sink):
    cfg = cal_config(redis_server.port, tmpdir_path, sink)
    d = make_replyd(cfg)
    known(d, "+447700900123")
    send_sms(d, "+447700900123")
    [cid] = conversations(d)
    arrival = arrived_yesterday(redis_server, cid)
    # Once there is something to recompute, the data it was computed with
    # is recorded.
    wait_for(lambda: redis_server.cli("HEXISTS", "rd:cal:office", "ver") == "(integer) 1",
             what="the version to be recorded")
    assert d.stop() == 0
    d.write_config(dict(cfg, calendars={"office": dict(
        cfg["calendars"]["office"], hours={x: ["00:00-12:00"] for x in DAYS})}))
    d.start()
    new = deadline(arrival, 12 * 3600, windows=((0, 12),))
    wait_for(lambda: conversations(d)[cid]["deadline"] == rfc3339(new), what="the recompute")
    [event] = changes(d, cid)
    assert event["why"].startswith("replyd started with calendar data")


def test_instances_reloading_at_once_recompute_each_conversation_once(
        make_replyd, redis_server, tmpdir_path, sink):
    cfg = cal_config(redis_server.port, tmpdir_path, sink)
    d1 = make_replyd(cfg)
    d2 = make_replyd(second(cfg))
    for i in range(20):
        send_sms(d1 if i % 2 else d2, "+4477009002%02d" % i)
    ids = sorted(conversations(d1))
    assert len(ids) == 20
    arrivals = {cid: arrived_yesterday(redis_server, cid) for cid in ids}
    for d in (d1, d2):
        c = copy.deepcopy(d.config)
        c["calendars"]["office"]["hours"] = {x: ["00:00-12:00"] for x in DAYS}
        d.write_config(c)
    for d in (d1, d2):
        d.signal(signal.SIGHUP)
    want = {cid: rfc3339(deadline(a, 12 * 3600, windows=((0, 12),)))
            for cid, a in arrivals.items()}
    wait_for(lambda: {c: v["deadline"] for c, v in conversations(d1).items()} == want,
             timeout=20, what="every deadline to move")
    for cid in ids:
        assert len(changes(d1, cid)) == 1, cid
    wait_for(lambda: d1.logtext().count("recompute done") +
             d2.logtext().count("recompute done") >= 1, what="the job to finish")
    assert d1.logtext().count("recompute done") + d2.logtext().count("recompute done") == 1
    assert d1.logtext().count("recomputing open conversations") + \
        d2.logtext().count("recomputing open conversations") == 1


def test_a_job_whose_instance_died_is_finished_by_another(
        make_replyd, redis_server, tmpdir_path, sink):
    cfg = cal_config(redis_server.port, tmpdir_path, sink)
    d1 = make_replyd(cfg)
    d2 = make_replyd(second(cfg))
    send_sms(d1, "+447700900123")
    [cid] = conversations(d1)
    arrival = arrived_yesterday(redis_server, cid)
    close_today(d1)
    # d1 owns the job and dies before it is done (it waits a few seconds
    # for the others before its last sweep).
    wait_for(lambda: "-%d-" % d1.proc.pid in redis_server.cli("HGET", "rd:cal:office", "owner"),
             what="the first instance to own the job")
    d1.kill()
    wait_for(lambda: "taking over recompute job" in d2.logtext(), timeout=25,
             what="the second instance to take the job over")
    wait_for(lambda: redis_server.cli("HGET", "rd:cal:office", "done") ==
             redis_server.cli("HGET", "rd:cal:office", "seq"), timeout=15,
             what="the job to be marked done")
    assert conversations(d2)[cid]["deadline"] == rfc3339(deadline(arrival, DAY,
                                                                  closed={today()}))
    assert len(changes(d2, cid)) == 1


# --- the bank-holiday feed -------------------------------------------------

class FeedServer:
    """Serves one body (or status) at /bank-holidays.json and counts GETs."""

    def __init__(self, body):
        self.body = body
        self.status = 200
        self.gets = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.gets += 1
                data = server.body.encode() if isinstance(server.body, str) else server.body
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/bank-holidays.json" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def govuk(extra=None, keep=lambda date: True, swap=False):
    """The shipped gov.uk feed with an extra England and Wales holiday,
    some dates dropped, or two dates out of order."""
    with open(FEED) as f:
        feed = json.load(f)
    events = [e for e in feed["england-and-wales"]["events"] if keep(e["date"])]
    if extra:
        events.append({"title": extra[1], "date": extra[0], "notes": "", "bunting": True})
    events.sort(key=lambda e: e["date"])
    if swap:
        events[3], events[4] = events[4], events[3]
    feed["england-and-wales"]["events"] = events
    return json.dumps(feed)


def an_ordinary_day():
    """A date from tomorrow on that the shipped feed does not list."""
    with open(FEED) as f:
        listed = {e["date"] for e in json.load(f)["england-and-wales"]["events"]}
    day = today() + datetime.timedelta(days=1)
    while day.isoformat() in listed:
        day += datetime.timedelta(days=1)
    return day.isoformat()


@pytest.fixture
def feed_server():
    s = FeedServer("")
    yield s
    s.close()


def feed_config(redis_port, tmpdir, sink, url, refresh=None):
    cfg = cal_config(redis_port, tmpdir, sink)
    cfg["calendars"]["office"]["bank_holidays"] = {"file": FEED, "division": "england-and-wales",
                                                   "url": url}
    if refresh:
        cfg["calendars"]["office"]["bank_holidays"]["refresh"] = refresh
    return cfg


def test_a_feed_served_by_a_local_server_is_picked_up_for_every_instance(
        make_replyd, redis_server, tmpdir_path, sink, feed_server):
    extra = an_ordinary_day()
    feed_server.body = govuk(extra=(extra, "Royal funeral"))
    cfg = feed_config(redis_server.port, tmpdir_path, sink, feed_server.url)
    d1 = make_replyd(cfg)
    wait_for(lambda: day_of(d1, extra)["kind"] == "bank_holiday", what="the fetched feed")
    assert day_of(d1, extra)["reason"] == "Royal funeral"
    status, body = d1.api("GET", "/v1/calendars/office?from=%s&to=%s" % (extra, extra))
    assert body["bank_holidays"]["source"] == "url"
    assert metric(d1, "replyd_bank_holiday_fetches_total", 'outcome="updated"') == 1
    # Another instance uses the stored copy: fetched once a day, not once
    # an instance.
    d2 = make_replyd(second(cfg))
    assert day_of(d2, extra)["kind"] == "bank_holiday"
    assert feed_server.gets == 1


def test_an_invalid_feed_is_refused_and_the_old_data_kept(
        make_replyd, redis_server, tmpdir_path, sink, feed_server):
    extra = an_ordinary_day()
    feed_server.body = govuk(extra=(extra, "Royal funeral"))
    d = make_replyd(feed_config(redis_server.port, tmpdir_path, sink, feed_server.url,
                                refresh="1s"))
    wait_for(lambda: day_of(d, extra)["kind"] == "bank_holiday", what="the first feed")

    def refused(outcome, n):
        return metric(d, "replyd_bank_holiday_fetches_total", 'outcome="%s"' % outcome) >= n

    def last_error():
        ready = json.loads(d.request("GET", "/readyz")[2])
        return ready["calendars"]["office"]["bank_holidays"].get("last_error", "")

    feed_server.body = govuk(extra=(extra, "Royal funeral"), swap=True)
    wait_for(lambda: refused("invalid", 1), what="the out-of-order feed to be refused")
    wait_for(lambda: "in order" in last_error(), what="/readyz to say why")
    feed_server.body = govuk(keep=lambda date: date < "2027-01-01")
    wait_for(lambda: refused("invalid", 2), what="the shrinking feed to be refused")
    wait_for(lambda: "shrinks into the past" in last_error(), what="/readyz to say why")
    feed_server.body = "<html>Service unavailable</html>"
    wait_for(lambda: refused("invalid", 3), what="a page that is not a feed to be refused")
    feed_server.status = 503
    wait_for(lambda: refused("failed", 1), what="a failed fetch")
    day = day_of(d, extra)
    assert (day["kind"], day["reason"]) == ("bank_holiday", "Royal funeral")
    assert "keeping the bank-holiday data in use" in d.logtext()


def test_a_new_bank_holiday_in_the_feed_recomputes_open_deadlines(
        make_replyd, redis_server, tmpdir_path, sink, feed_server):
    feed_server.body = govuk()
    d = make_replyd(feed_config(redis_server.port, tmpdir_path, sink, feed_server.url,
                                refresh="1s"))
    wait_for(lambda: metric(d, "replyd_bank_holiday_fetches_total", 'outcome="updated"') == 1,
             what="the first feed")
    known(d, "+447700900123")
    send_sms(d, "+447700900123")
    [cid] = conversations(d)
    arrival = arrived_yesterday(redis_server, cid)
    feed_server.body = govuk(extra=(today().isoformat(), "Extra bank holiday"))
    [event] = wait_for(lambda: changes(d, cid), what="the recompute")
    assert event["new"] == rfc3339(deadline(arrival, DAY, closed={today()}))
    assert event["why"] == "the bank-holiday feed was refreshed"


# --- replyctl --------------------------------------------------------------

def replyctl_deadline(d, *instants):
    out = subprocess.run([os.path.join(BUILD, "replyctl"), "deadline", "-c", d.path] +
                         list(instants), capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.split(), out.stderr


def test_replyctl_deadline_sees_the_daemons_unplanned_closures(
        make_replyd, redis_server, tmpdir_path, sink):
    d = make_replyd(cal_config(redis_server.port, tmpdir_path, sink))
    now = int(time.time())
    instant = datetime.datetime.fromtimestamp(now, LONDON).isoformat()
    out, err = replyctl_deadline(d, instant)
    assert out == [rfc3339(now + DAY)] and err == ""
    close_today(d)
    tomorrow = midnight(today() + datetime.timedelta(days=1))
    out, err = replyctl_deadline(d, instant)
    assert out == [rfc3339(tomorrow + DAY)] and err == ""
    # Without the daemon: the file's data, and it says so.
    assert d.stop() == 0
    out, err = replyctl_deadline(d, instant)
    assert out == [rfc3339(now + DAY)]
    assert "file's calendar data only" in err
