"""The promise report (SPEC §9): for a month of generated conversations it
matches an independent count, and small team figures are suppressed."""

import datetime
import json
import math
import os
import random
import subprocess

from harness import BUILD, base_config

ALL_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def ms(y, mo, d, h=0, mi=0):
    return int(datetime.datetime(y, mo, d, h, mi, tzinfo=datetime.timezone.utc).timestamp() * 1000)


def generate(redis_server, n=300, seed=7, layout="days"):
    """Conversations in October 2026 (UTC+1 then UTC; all-day calendar),
    found by the day ranges replyd keeps (each day's lowest and highest id
    per partition), or by layout "rx": the arrival index of the release
    before, which a replyd must still read until its migration ends."""
    rnd = random.Random(seed)
    rows, cmds, days = [], [], {}

    def index(p, cid, rx):
        if layout == "rx":
            cmds.append(["ZADD", "rd:{%d}:rx" % p, rx, cid])
            return
        n = int(cid.split("-")[1])
        lo, hi = days.get((p, rx // 86400000), (n, n))
        days[(p, rx // 86400000)] = (min(lo, n), max(hi, n))
    for i in range(n):
        p = rnd.randrange(16)
        cid = "%d-%d" % (p, 1000 + i)
        team = "tiny" if i % 100 == 0 else "leaving-care"
        rx = ms(2026, 10, 2) + rnd.randrange(27 * 86400) * 1000
        deadline = rx + 86400 * 1000
        responded = None if rnd.random() < 0.15 else rx + rnd.randrange(2 * 86400) * 1000
        steps = rnd.choice([0, 0, 0, 1, 2])
        urgent = rnd.random() < 0.1
        contact = "" if rnd.random() < 0.2 else "yp-%d" % i
        rows.append(dict(team=team, rx=rx, deadline=deadline, responded=responded,
                         steps=steps, urgent=urgent, contact=contact))
        fields = ["id", cid, "state", "responded" if responded else "awaiting", "team", team,
                  "received_at", rx, "deadline", deadline, "step", steps,
                  "urgent", int(urgent), "contact", contact]
        if responded:
            fields += ["responded_at", responded]
        cmds.append(["HSET", "rd:{%d}:c:%s" % (p, cid)] + fields)
        index(p, cid, rx)
    # Outside the month: must not be counted.
    cmds.append(["HSET", "rd:{3}:c:3-1", "id", "3-1", "team", "leaving-care", "received_at",
                 ms(2026, 11, 1, 12), "deadline", ms(2026, 11, 2, 12), "step", 0])
    index(3, "3-1", ms(2026, 11, 1, 12))
    for (p, day), (lo, hi) in days.items():
        cmds.append(["HSET", "rd:{%d}:days" % p, day, "%d:%d" % (lo, hi)])
    text = "".join("*%d\r\n" % len(c) + "".join("$%d\r\n%s\r\n" % (len(str(a).encode()), a)
                                                for a in c) for c in cmds)
    out = subprocess.run(["redis-cli", "-p", str(redis_server.port), "--pipe"], input=text,
                         capture_output=True, text=True)
    assert "errors: 0" in out.stdout, out.stdout
    return rows


def nearest_rank(values, q):
    values = sorted(values)
    return values[max(1, math.ceil(q * len(values) - 1e-9)) - 1]


def expected(rows):
    answered = [r for r in rows if r["responded"]]
    times = [(r["responded"] - r["rx"]) // 1000 for r in answered]
    return {
        "received": len(rows),
        "responded_in_time": sum(r["responded"] <= r["deadline"] for r in answered),
        "late": sum(r["responded"] > r["deadline"] for r in answered),
        "still_open": len(rows) - len(answered),
        "median_response_working_hours": (nearest_rank(times, 0.5) // 36) / 100,
        "p90_response_working_hours": (nearest_rank(times, 0.9) // 36) / 100,
        "unknown_sender": sum(r["contact"] == "" for r in rows),
        "urgent": sum(r["urgent"] for r in rows),
        "escalations": {str(k): sum(r["steps"] >= k for r in rows) for k in (1, 2)},
    }


def report_config(redis_port, tmpdir):
    cfg = base_config(redis_port, tmpdir)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in ALL_WEEK}
    cfg["teams"]["tiny"] = {"calendar": "office", "workers": ["alice"], "duty_manager": "dora"}
    return cfg


def test_month_report_matches_an_independent_count(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(report_config(redis_server.port, tmpdir_path))
    rows = generate(redis_server)
    out = subprocess.run([os.path.join(BUILD, "replyctl"), "report", "-c", d.path,
                          "--month", "2026-10", "--format", "json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    want = expected(rows)
    for key in ("received", "responded_in_time", "late", "still_open", "unknown_sender",
                "median_response_working_hours", "p90_response_working_hours", "escalations"):
        assert got[key] == want[key], key
    assert got["urgent"]["count"] == want["urgent"]
    assert got["responded_in_time_percent"] == \
        math.floor(want["responded_in_time"] * 1000 / want["received"]) / 10
    lc = expected([r for r in rows if r["team"] == "leaving-care"])
    assert got["teams"]["leaving-care"]["received"] == lc["received"]
    # The tiny team has 3 conversations: its counts are suppressed.
    assert got["teams"]["tiny"]["received"] == "<5"


def test_month_report_still_reads_the_older_arrival_index(make_replyd, redis_server,
                                                          tmpdir_path):
    d = make_replyd(report_config(redis_server.port, tmpdir_path))
    rows = generate(redis_server, layout="rx")
    status, got = d.api("GET", "/v1/report?from=2026-10-01&to=2026-10-31")
    assert status == 200
    want = expected(rows)
    for key in ("received", "responded_in_time", "late", "still_open"):
        assert got[key] == want[key], key


def test_report_counts_conversations_stored_through_the_webhook(make_replyd, redis_server,
                                                                tmpdir_path):
    from staff import FROM, TWILIO_TOKEN, send_sms
    cfg = report_config(redis_server.port, tmpdir_path)
    cfg["channels"] = {"twilio": {"auth_token": TWILIO_TOKEN, "account_sid": "ACtest",
                                  "from": FROM, "api_base": "http://127.0.0.1:9"}}
    replyd = make_replyd(cfg)
    for i in range(3):
        send_sms(replyd, "+4477009%05d" % (700 + i))
    today = datetime.datetime.now(datetime.timezone.utc).date()
    span = "from=%s&to=%s" % (today - datetime.timedelta(days=1), today + datetime.timedelta(days=1))
    status, got = replyd.api("GET", "/v1/report?" + span)
    assert status == 200, got
    assert got["received"] == 3
    assert got["still_open"] == 3


def test_report_for_one_team_and_as_a_table(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(report_config(redis_server.port, tmpdir_path))
    rows = generate(redis_server)
    status, got = d.api("GET", "/v1/report?from=2026-10-01&to=2026-10-31&team=leaving-care")
    assert status == 200
    assert got["received"] == sum(r["team"] == "leaving-care" for r in rows)
    out = subprocess.run([os.path.join(BUILD, "replyctl"), "report", "-c", d.path,
                          "--month", "2026-10"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "Responded within the promise" in out.stdout


def test_report_needs_valid_dates(replyd):
    assert replyd.api("GET", "/v1/report?from=2026-10-31&to=2026-10-01")[0] == 400
    assert replyd.api("GET", "/v1/report?from=oct")[0] == 400
