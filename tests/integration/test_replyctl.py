"""replyctl's API commands against a real replyd and Redis (SPEC §3, §9, §18):
each command's output as a table, CSV and JSON, and the exit status a
script can test on every error path: 0 done, 1 usage or input, 2 not
found, 3 refused, 4 replyd unreachable or not ready."""

import csv
import datetime
import io
import json
import os
import subprocess
import uuid

import pytest

from fakes import FakeTwilio
from harness import BUILD, TOKEN, base_config, free_port
from providers import form_body, twilio_signature

TWILIO_TOKEN = "twilio-auth-token-for-tests"
SID = "ACtest"
FROM = "+447700900000"
YP = "+447700900123"
OTHER = "+447700900456"
WORKER_TOKEN = "worker-token-for-tests-0123456789"


def ctl_config(redis_port, tmpdir, twilio_url):
    cfg = base_config(redis_port, tmpdir)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cfg["channels"] = {"twilio": {"auth_token": TWILIO_TOKEN, "account_sid": SID,
                                  "from": FROM, "api_base": twilio_url}}
    cfg["people"]["bob"] = {"name": "Bob", "phone": "+447700900002"}
    cfg["teams"]["leaving-care"]["workers"] = ["alice", "bob"]
    cfg["api"]["tokens"][WORKER_TOKEN] = {"name": "a worker", "role": "worker"}
    cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s"}
    return cfg


@pytest.fixture
def twilio():
    fake = FakeTwilio(SID, TWILIO_TOKEN)
    yield fake
    fake.close()


@pytest.fixture
def replyd(make_replyd, redis_server, tmpdir_path, twilio):
    return make_replyd(ctl_config(redis_server.port, tmpdir_path, twilio.url))


def ctl(replyd, *args, stdin=None, env=None, config=True):
    """replyctl ARGS -c the daemon's configuration: (status, stdout, stderr)."""
    e = {k: v for k, v in os.environ.items()
         if k not in ("REPLYD_TOKEN", "REPLYD_PERSON", "REPLYD_CONFIG")}
    e.update(env or {})
    argv = [os.path.join(BUILD, "replyctl")] + list(args)
    if config:
        argv += ["-c", replyd.path]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60, input=stdin, env=e)
    return out.returncode, out.stdout, out.stderr


def send_sms(replyd, sender=YP, body="can you call me?"):
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("AccountSid", SID),
              ("From", sender), ("To", FROM), ("Body", body), ("NumMedia", "0")]
    sig = twilio_signature(TWILIO_TOKEN, "https://replyd.test/webhooks/twilio", params)
    status, _, _ = replyd.request("POST", "/webhooks/twilio", form_body(params),
                                  {"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Twilio-Signature": sig})
    assert status == 200


def open_ids(replyd):
    return sorted(c["id"] for c in replyd.api("GET", "/v1/conversations")[1]["conversations"])


def one_conversation(replyd, sender=YP):
    send_sms(replyd, sender)
    [c] = [c for c in replyd.api("GET", "/v1/conversations")[1]["conversations"]]
    return c["id"]


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


# conversations


def test_conversations_lists_open_ones_as_a_table_csv_and_json(replyd):
    send_sms(replyd, YP)
    send_sms(replyd, OTHER)
    ids = open_ids(replyd)
    rc, out, err = ctl(replyd, "conversations")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["ID", "STATE", "TEAM", "WORKER"]
    assert sorted(l.split()[0] for l in lines[1:]) == ids
    rc, out, err = ctl(replyd, "conversations", "--format", "csv")
    assert rc == 0, err
    got = rows(out)
    assert sorted(r["id"] for r in got) == ids
    assert {r["state"] for r in got} == {"awaiting"} and got[0]["deadline"].count(":") == 3
    rc, out, err = ctl(replyd, "conversations", "--format=json")
    assert rc == 0, err
    assert sorted(c["id"] for c in json.loads(out)["conversations"]) == ids


def test_conversations_with_none_says_so(replyd):
    rc, out, err = ctl(replyd, "conversations")
    assert (rc, out) == (0, "No conversations.\n"), err
    rc, out, err = ctl(replyd, "conversations", "--format", "csv")
    assert rc == 0 and out.startswith("id,state,team,worker,") and len(out.splitlines()) == 1


def test_conversations_filters_by_state_team_and_mine(replyd):
    assert replyd.api("PUT", "/v1/contacts/yp-1", {"phone": YP, "worker": "alice"})[0] == 201
    send_sms(replyd, YP)
    send_sms(replyd, OTHER)
    convs = replyd.api("GET", "/v1/conversations")[1]["conversations"]
    [alices] = [c["id"] for c in convs if c["worker"] == "alice"]
    rc, out, err = ctl(replyd, "conversations", "--mine", "--by", "alice", "--format", "csv")
    assert rc == 0, err
    assert [r["id"] for r in rows(out)] == [alices]
    rc, out, err = ctl(replyd, "conversations", "--mine", "--format", "csv",
                       env={"REPLYD_PERSON": "bob"})
    assert (rc, rows(out)) == (0, [])
    rc, out, err = ctl(replyd, "conversations", "--team", "leaving-care", "--format", "csv")
    assert rc == 0 and len(rows(out)) == 2
    assert ctl(replyd, "responded", alices, "--how", "phone", "--by", "alice")[0] == 0
    rc, out, err = ctl(replyd, "conversations", "--state", "responded", "--format", "csv")
    assert (rc, [r["id"] for r in rows(out)]) == (0, [alices])


def test_conversations_mine_without_a_person_is_a_usage_error(replyd):
    rc, out, err = ctl(replyd, "conversations", "--mine")
    assert rc == 1 and "--by PERSON" in err and "REPLYD_PERSON" in err


def test_conversations_bad_state_or_team_is_exit_1_with_replyds_reason(replyd):
    rc, out, err = ctl(replyd, "conversations", "--state", "lost")
    assert rc == 1 and "state must be" in err
    rc, out, err = ctl(replyd, "conversations", "--team", "nobody")
    assert rc == 1 and 'no team "nobody"' in err


# show


def test_show_prints_the_facts_messages_and_events(replyd):
    cid = one_conversation(replyd)
    rc, out, err = ctl(replyd, "show", cid)
    assert rc == 0, err
    assert out.startswith("ID               %s\n" % cid)
    assert "can you call me?" in out and "EVENT" in out and "message" in out
    rc, out, err = ctl(replyd, "show", cid, "--format", "json")
    data = json.loads(out)
    assert data["id"] == cid and data["messages"][0]["text"] == "can you call me?"
    rc, out, err = ctl(replyd, "show", cid, "--format", "csv")
    assert [r["id"] for r in rows(out)] == [cid]


def test_show_of_an_unknown_conversation_is_exit_2_and_says_how_to_find_one(replyd):
    rc, out, err = ctl(replyd, "show", "3-999999")
    assert rc == 2 and "conversation 3-999999: not found" in err
    assert "replyctl conversations" in err
    assert ctl(replyd, "show")[0] == 1


# reply


def test_reply_goes_out_and_is_the_response(replyd, twilio):
    cid = one_conversation(replyd)
    rc, out, err = ctl(replyd, "reply", cid, "I'll call you at 3pm", "--by", "alice")
    assert rc == 0, err
    assert "Reply sent to conversation %s by sms" % cid in out
    [sent] = twilio.messages()
    assert (sent["To"], sent["Body"]) == (YP, "I'll call you at 3pm")
    assert replyd.api("GET", "/v1/conversations/" + cid)[1]["state"] == "responded"


def test_reply_reads_the_text_from_standard_input(replyd, twilio):
    cid = one_conversation(replyd)
    rc, out, err = ctl(replyd, "reply", cid, "-", "--format", "json", stdin="Line one\nline two\n",
                       env={"REPLYD_PERSON": "alice"})
    assert rc == 0, err
    assert json.loads(out)["state"] == "responded"
    assert twilio.messages()[0]["Body"] == "Line one\nline two"


def test_reply_without_a_person_says_to_give_by(replyd, twilio):
    cid = one_conversation(replyd)
    rc, out, err = ctl(replyd, "reply", cid, "hello")
    assert rc == 1 and "--by PERSON" in err
    assert twilio.messages() == []


def test_reply_refused_by_the_provider_is_exit_3_and_records_nothing(replyd, twilio):
    cid = one_conversation(replyd)
    twilio.script = [400]
    rc, out, err = ctl(replyd, "reply", cid, "hello", "--by", "alice")
    assert rc == 3 and "provider refused" in err and "nothing was recorded" in err
    assert replyd.api("GET", "/v1/conversations/" + cid)[1]["state"] == "awaiting"


def test_reply_to_an_unknown_conversation_is_exit_2(replyd):
    rc, out, err = ctl(replyd, "reply", "3-999999", "hello", "--by", "alice")
    assert rc == 2 and "not found" in err


# responded, ack


def test_responded_records_a_phone_call_once(replyd):
    cid = one_conversation(replyd)
    rc, out, err = ctl(replyd, "responded", cid, "--how", "phone", "--note", "called at 3pm",
                       "--by", "alice")
    assert rc == 0, err
    assert "Response recorded for conversation %s (phone)" % cid in out
    c = replyd.api("GET", "/v1/conversations/" + cid)[1]
    assert (c["state"], c["how"], c["responded_by"]) == ("responded", "phone", "alice")
    rc, out, err = ctl(replyd, "responded", cid, "--how", "phone", "--by", "alice")
    assert rc == 3 and "already has a response" in err


def test_responded_checks_how_before_asking_replyd(replyd):
    rc, out, err = ctl(replyd, "responded", "1-1", "--how", "telepathy", "--by", "alice")
    assert rc == 1 and "phone, in-person or other" in err
    rc, out, err = ctl(replyd, "responded", "1-1", "--by", "alice")
    assert rc == 1 and "usage: replyctl responded" in err
    rc, out, err = ctl(replyd, "responded", "1-1", "--how", "phone", "--by", "nobody")
    assert rc == 1 and 'no person "nobody"' in err


def test_ack_takes_the_conversation_until_a_time(replyd):
    cid = one_conversation(replyd)
    rc, out, err = ctl(replyd, "ack", cid, "--by", "bob")
    assert rc == 0, err
    assert out.startswith("Conversation %s taken by bob until 20" % cid)
    rc, out, err = ctl(replyd, "ack", cid, "--by", "bob", "--format", "json")
    assert rc == 0 and json.loads(out)["by"] == "bob"
    assert ctl(replyd, "responded", cid, "--how", "other", "--by", "bob")[0] == 0
    rc, out, err = ctl(replyd, "ack", cid, "--by", "bob")
    assert rc == 3 and "already has a response" in err
    assert ctl(replyd, "ack", "3-999999", "--by", "bob")[0] == 2


# duty


def test_duty_show_gives_14_days_from_today_and_marks_overrides(replyd):
    rc, out, err = ctl(replyd, "duty", "show", "leaving-care", "--format", "csv")
    assert rc == 0, err
    days = rows(out)
    assert len(days) == 14 and {d["duty_worker"] for d in days} == {"alice"}
    assert {d["override"] for d in days} == {"false"} and days[0]["duty_manager"] == "dora"
    date = days[3]["date"]
    rc, out, err = ctl(replyd, "duty", "set", "leaving-care", date, "--worker", "bob",
                       "--manager", "alice")
    assert rc == 0 and "Duty on %s for leaving-care: duty worker bob, duty manager alice" % date \
        in out, err
    rc, out, err = ctl(replyd, "duty", "show", "leaving-care", "--days", "2", "--from", date)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["DATE", "DAY"] and len(lines) == 3
    assert lines[1].split()[2:] == ["bob", "alice", "yes"]
    assert ctl(replyd, "duty", "clear", "leaving-care", date)[0] == 0
    rc, out, err = ctl(replyd, "duty", "show", "leaving-care", "--days", "1", "--from", date,
                       "--format", "json")
    assert json.loads(out)["days"][0]["duty_worker"] == "alice"


def test_duty_errors_have_their_exit_statuses(replyd):
    rc, out, err = ctl(replyd, "duty", "show", "nobody")
    assert rc == 2 and "team nobody: not found" in err
    rc, out, err = ctl(replyd, "duty", "set", "leaving-care", "2026-13-40", "--worker", "bob")
    assert rc == 1 and "YYYY-MM-DD" in err
    rc, out, err = ctl(replyd, "duty", "set", "leaving-care", "2026-05-26", "--worker", "zed")
    assert rc == 1 and "no such person" in err
    rc, out, err = ctl(replyd, "duty", "set", "leaving-care", "2026-05-26")
    assert rc == 1 and "usage" in err
    rc, out, err = ctl(replyd, "duty", "show", "leaving-care", "--days", "0")
    assert rc == 1 and "--days" in err
    assert ctl(replyd, "duty")[0] == 1


def test_a_worker_token_may_read_the_rota_but_not_change_it(replyd):
    rc, out, err = ctl(replyd, "duty", "show", "leaving-care", "--days", "1",
                       "--token", WORKER_TOKEN)
    assert rc == 0, err
    rc, out, err = ctl(replyd, "duty", "set", "leaving-care", "2026-05-26", "--worker", "bob",
                       "--token", WORKER_TOKEN)
    assert rc == 3 and "manager" in err and "api.tokens" in err


# absences


def test_absences_are_added_listed_and_ended(replyd):
    rc, out, err = ctl(replyd, "absences", "add", "alice", "2026-08-03", "2026-08-07")
    assert rc == 0, err
    assert "is away from 2026-08-03 to 2026-08-07" in out
    rc, out, err = ctl(replyd, "absences", "add", "bob", "2026-09-01", "2026-09-01",
                       "--format", "json")
    bobs = json.loads(out)["id"]
    rc, out, err = ctl(replyd, "absences", "list", "--format", "csv")
    got = rows(out)
    assert rc == 0 and [(r["person"], r["from"], r["to"]) for r in got] == [
        ("alice", "2026-08-03", "2026-08-07"), ("bob", "2026-09-01", "2026-09-01")], out
    rc, out, err = ctl(replyd, "absences", "list", "--person", "bob")
    assert rc == 0 and len(out.splitlines()) == 2 and "bob" in out.splitlines()[1]
    rc, out, err = ctl(replyd, "absences", "end", str(bobs))
    assert rc == 0 and "Absence %d of bob ended" % bobs in out, err
    rc, out, err = ctl(replyd, "absences", "list", "--format", "json")
    assert [a["person"] for a in json.loads(out)["absences"]] == ["alice"]
    rc, out, err = ctl(replyd, "absences", "end", str(bobs))
    assert rc == 2 and "absences list" in err


def test_absence_for_an_unknown_person_or_bad_dates_is_exit_1(replyd):
    rc, out, err = ctl(replyd, "absences", "add", "zed", "2026-08-03", "2026-08-07")
    assert rc == 1 and 'no person "zed"' in err
    rc, out, err = ctl(replyd, "absences", "add", "alice", "2026-08-07", "2026-08-03")
    assert rc == 1 and "from before to" in err
    assert ctl(replyd, "absences", "add", "alice")[0] == 1
    assert ctl(replyd, "absences", "forget")[0] == 1


# contacts


CONTACTS = ("id,name,phone,email,worker,team,receipt\n"
            "yp-1,Sam Smith,+447700900123,,alice,leaving-care,true\n"
            "yp-2,\"Jo, Jr\",,jo@example.org,bob,leaving-care,false\n"
            "yp-3,Kai,+447700900789,kai@example.org,,leaving-care,true\n")


def import_contacts(replyd, tmpdir_path, text=CONTACTS):
    path = os.path.join(tmpdir_path, "contacts.csv")
    open(path, "w").write(text)
    rc, out, err = ctl(replyd, "contacts", "import", path)
    assert rc == 0, err
    return path


def test_contacts_list_show_and_search(replyd, tmpdir_path):
    import_contacts(replyd, tmpdir_path)
    rc, out, err = ctl(replyd, "contacts", "list")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "PHONE", "EMAIL", "WORKER", "TEAM", "RECEIPT"]
    assert [l.split()[0] for l in lines[1:]] == ["yp-1", "yp-2", "yp-3"]
    rc, out, err = ctl(replyd, "contacts", "list", "--q", "07700 900789", "--format", "csv")
    assert [r["id"] for r in rows(out)] == ["yp-3"]
    rc, out, err = ctl(replyd, "contacts", "list", "--q", "SMITH", "--format", "json")
    assert [c["id"] for c in json.loads(out)["contacts"]] == ["yp-1"]
    rc, out, err = ctl(replyd, "contacts", "show", "yp-2")
    assert rc == 0 and "NAME     Jo, Jr\n" in out and "RECEIPT  false\n" in out
    rc, out, err = ctl(replyd, "contacts", "show", "yp-9")
    assert rc == 2 and "contact yp-9: not found" in err and "contacts list --q" in err


def test_contacts_export_writes_what_import_reads(replyd, tmpdir_path):
    import_contacts(replyd, tmpdir_path)
    rc, out, err = ctl(replyd, "contacts", "export")
    assert rc == 0, err
    assert rows(out) == rows(CONTACTS)
    for c in ("yp-1", "yp-2", "yp-3"):
        assert replyd.api("DELETE", "/v1/contacts/" + c)[0] == 204
    import_contacts(replyd, tmpdir_path, out)
    assert replyd.api("GET", "/v1/contacts/yp-2")[1]["name"] == "Jo, Jr"


# errors every command shares


def test_an_unknown_token_is_exit_3_and_says_where_tokens_come_from(replyd):
    rc, out, err = ctl(replyd, "conversations", "--token", "not-a-token-of-this-replyd")
    assert rc == 3 and "refused the token" in err and "api.tokens" in err


def test_a_daemon_that_does_not_answer_is_exit_4(replyd):
    url = "http://127.0.0.1:%d" % free_port()
    rc, out, err = ctl(replyd, "conversations", "--url", url, "--token", TOKEN, config=False)
    assert rc == 4 and "cannot reach replyd at " + url in err and "is it running" in err


def test_replyd_without_redis_is_exit_4(replyd, redis_server):
    redis_server.stop()
    rc, out, err = ctl(replyd, "conversations")
    assert rc == 4 and "not ready" in err and "/readyz" in err
    redis_server.start()


def test_usage_errors_are_exit_1(replyd):
    assert ctl(replyd, "frobnicate")[0] == 1
    rc, out, err = ctl(replyd, "conversations", "--colour", "red")
    assert rc == 1 and 'unknown option "--colour"' in err
    rc, out, err = ctl(replyd, "conversations", "--format", "xml")
    assert rc == 1 and "table, csv or json" in err
    rc, out, err = ctl(replyd, "conversations", "-c", replyd.path, "--state", config=False)
    assert rc == 1 and "--state needs a value" in err
    rc, out, err = ctl(replyd, "help", config=False)
    assert rc == 0 and "replyctl conversations" in err and "exit status" in err
    rc, out, err = ctl(replyd, "show", "--help", config=False)
    assert rc == 0 and out.startswith("usage: replyctl show ID")


def test_the_configuration_comes_from_REPLYD_CONFIG_without_c(replyd):
    rc, out, err = ctl(replyd, "conversations", config=False,
                       env={"REPLYD_CONFIG": replyd.path})
    assert (rc, out) == (0, "No conversations.\n"), err
    rc, out, err = ctl(replyd, "conversations", config=False,
                       env={"REPLYD_CONFIG": replyd.path + ".missing"})
    assert rc == 1 and "cannot read" in err and "-c FILE" in err


# closures (SPEC §18)


def plain_days(replyd):
    """Three working days in a row from a week on, all in one UTC offset
    (the calendar is open all day): (before, day, after) as dates."""
    start = datetime.date.today() + datetime.timedelta(days=7)
    status, cal = replyd.api("GET", "/v1/calendars/office?from=%s&to=%s" % (
        start, start + datetime.timedelta(days=60)))
    assert status == 200, cal
    days = cal["days"]
    for i in range(1, len(days) - 1):
        three = days[i - 1:i + 2]
        if all(d["kind"] == "weekly" and d["open"] for d in three) and \
                len({d["windows"][0]["from"][-6:] for d in three}) == 1:
            return tuple(datetime.date.fromisoformat(d["date"]) for d in three)
    raise AssertionError("no three plain days in a row")


def calendar_day(replyd, date, token=TOKEN):
    status, cal = replyd.api("GET", "/v1/calendars/office?from=%s&to=%s" % (date, date),
                             token=token)
    assert status == 200, cal
    return cal["days"][0]


def deadline_at_noon(replyd, day):
    """`replyctl deadline` for an arrival at noon on day (1 working day)."""
    offset = calendar_day(replyd, day)["windows"][0]["from"][-6:]
    rc, out, err = ctl(replyd, "deadline", "%sT12:00:00%s" % (day, offset))
    assert rc == 0 and "note:" not in err, err
    return out.strip()


def test_closures_add_closes_the_day_for_the_api_and_replyctl_deadline(replyd):
    before, day, after = plain_days(replyd)
    offset = calendar_day(replyd, day)["windows"][0]["from"][-6:]
    assert deadline_at_noon(replyd, before) == "%sT12:00:00%s" % (day, offset)
    rc, out, err = ctl(replyd, "closures", "add", "office", str(day), "--reason", "snow",
                       "--by", "dora")
    assert rc == 0, err
    assert out == ("Calendar office is closed on %s (snow), added by dora: the open "
                   "conversations' deadlines on it are being recomputed.\n" % day)
    got = calendar_day(replyd, day)
    assert (got["open"], got["kind"], got["reason"], got["windows"]) == \
        (False, "unplanned_closure", "snow", [])
    assert deadline_at_noon(replyd, before) == "%sT12:00:00%s" % (after, offset)


def test_closures_add_answers_as_csv_and_json(replyd):
    _, day, after = plain_days(replyd)
    rc, out, err = ctl(replyd, "closures", "add", "office", str(day), "--reason",
                       "strike, all day", "--format", "csv")
    assert rc == 0, err
    assert rows(out) == [{"calendar": "office", "date": str(day), "reason": "strike, all day",
                          "by": "tests", "recompute": "true"}]
    rc, out, err = ctl(replyd, "closures", "add", "office", str(after), "--reason", "snow",
                       "--format", "json")
    assert rc == 0, err
    got = json.loads(out)
    assert (got["calendar"], got["date"], got["reason"]) == ("office", str(after), "snow")


def test_closures_remove_reopens_the_day(replyd):
    before, day, _ = plain_days(replyd)
    offset = calendar_day(replyd, day)["windows"][0]["from"][-6:]
    assert ctl(replyd, "closures", "add", "office", str(day), "--reason", "snow")[0] == 0
    rc, out, err = ctl(replyd, "closures", "remove", "office", str(day))
    assert rc == 0, err
    assert out == ("Unplanned closure on %s removed from calendar office: the day has its "
                   "usual hours again; the open conversations' deadlines on it are being "
                   "recomputed.\n" % day)
    got = calendar_day(replyd, day)
    assert (got["open"], got["kind"]) == (True, "weekly")
    assert deadline_at_noon(replyd, before) == "%sT12:00:00%s" % (day, offset)


def test_closures_remove_of_a_day_that_is_not_closed_is_exit_2_and_says_how_to_list(replyd):
    _, day, _ = plain_days(replyd)
    rc, out, err = ctl(replyd, "closures", "remove", "office", str(day))
    assert rc == 2 and "no unplanned closure on %s" % day in err, err
    assert "replyctl closures list office" in err


def test_closures_list_shows_each_closure_with_who_added_it(replyd):
    rc, out, err = ctl(replyd, "closures", "list", "office")
    assert (rc, out) == (0, "No unplanned closures.\n"), err
    _, day, after = plain_days(replyd)
    assert ctl(replyd, "closures", "add", "office", str(day), "--reason", "snow",
               "--by", "dora")[0] == 0
    assert ctl(replyd, "closures", "add", "office", str(after), "--reason", "strike")[0] == 0
    rc, out, err = ctl(replyd, "closures", "list", "office")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["DATE", "REASON", "BY", "ADDED"]
    assert [l.split()[:3] for l in lines[1:]] == [[str(day), "snow", "dora"],
                                                  [str(after), "strike", "tests"]]
    rc, out, err = ctl(replyd, "closures", "list", "office", "--format", "csv")
    assert [(r["date"], r["reason"], r["by"]) for r in rows(out)] == [
        (str(day), "snow", "dora"), (str(after), "strike", "tests")]
    assert rows(out)[0]["at"].count(":") == 3
    rc, out, err = ctl(replyd, "closures", "list", "office", "--format", "json",
                       "--token", WORKER_TOKEN)
    assert rc == 0, err
    got = json.loads(out)
    assert got["calendar"] == "office" and [c["date"] for c in got["closures"]] == \
        [str(day), str(after)]


def test_closures_with_a_bad_date_name_the_argument_and_are_exit_1(replyd):
    for sub in (["add", "office", "2026-13-40", "--reason", "snow"],
                ["remove", "office", "2026-02-30"], ["add", "office", "26-12-02",
                                                     "--reason", "snow"]):
        rc, out, err = ctl(replyd, "closures", *sub)
        assert rc == 1 and 'DATE "%s" is not a date' % sub[2] in err and "YYYY-MM-DD" in err, err
    rc, out, err = ctl(replyd, "closures", "add", "office", "1999-12-31", "--reason", "snow")
    assert rc == 1 and "DATE 1999-12-31 is outside 2000-2100" in err, err


def test_closures_add_without_a_reason_is_a_usage_error(replyd):
    _, day, _ = plain_days(replyd)
    rc, out, err = ctl(replyd, "closures", "add", "office", str(day))
    assert rc == 1 and "give --reason TEXT" in err and "usage: replyctl closures add" in err
    rc, out, err = ctl(replyd, "closures", "add", "office", str(day), "--reason", "x" * 201)
    assert rc == 1 and 'field "reason"' in err and "200 bytes" in err, err
    assert calendar_day(replyd, day)["open"]
    assert ctl(replyd, "closures")[0] == 1
    assert ctl(replyd, "closures", "add", "office")[0] == 1


def test_closures_add_by_someone_not_in_people_is_exit_1(replyd):
    _, day, _ = plain_days(replyd)
    rc, out, err = ctl(replyd, "closures", "add", "office", str(day), "--reason", "snow",
                       "--by", "zed")
    assert rc == 1 and 'no person "zed"' in err, err
    assert calendar_day(replyd, day)["open"]


def test_closures_of_an_unknown_calendar_are_exit_2(replyd):
    for sub in (["add", "school", "2026-12-02", "--reason", "snow"],
                ["remove", "school", "2026-12-02"], ["list", "school"]):
        rc, out, err = ctl(replyd, "closures", *sub)
        assert rc == 2 and "calendar school: not found (no such calendar)" in err, err
        assert '"calendars" in the configuration' in err


def test_a_worker_token_may_list_closures_but_not_add_or_remove_them(replyd):
    _, day, _ = plain_days(replyd)
    rc, out, err = ctl(replyd, "closures", "add", "office", str(day), "--reason", "snow",
                       "--token", WORKER_TOKEN)
    assert rc == 3 and "needs the manager role" in err and "api.tokens" in err, err
    assert calendar_day(replyd, day)["open"]
    assert ctl(replyd, "closures", "add", "office", str(day), "--reason", "snow")[0] == 0
    rc, out, err = ctl(replyd, "closures", "remove", "office", str(day), "--token", WORKER_TOKEN)
    assert rc == 3 and "needs the manager role" in err, err
    assert not calendar_day(replyd, day)["open"]
    assert ctl(replyd, "closures", "list", "office", "--token", WORKER_TOKEN)[0] == 0
