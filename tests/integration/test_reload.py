"""SIGHUP reloads by generation (docs/layers.md): a complete new
configuration with its plugins is swapped in at once, work begun under the
old one finishes with it, and nothing is kept after that (SPEC §12)."""

import copy
import signal
import threading
import uuid

from fakes import FakeTwilio
from harness import base_config, wait_for
from providers import form_body, twilio_signature

SID = "ACtest"
OLD_TOKEN = "twilio-auth-token-before-rotation"
NEW_TOKEN = "twilio-auth-token-after-rotation"
URL = "https://replyd.test/webhooks/twilio"
YP = "+447700900123"


def twilio_config(redis_port, tmpdir, token, api_base="https://api.twilio.com"):
    cfg = base_config(redis_port, tmpdir)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cfg["channels"] = {"twilio": {"account_sid": SID, "auth_token": token,
                                  "from": "+447700900000", "api_base": api_base}}
    cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s"}
    return cfg


def deliver(replyd, token, sender=YP):
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("AccountSid", SID),
              ("From", sender), ("To", "+447700900000"), ("Body", "hello"),
              ("NumMedia", "0")]
    status, _, _ = replyd.request("POST", "/webhooks/twilio", form_body(params), {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(token, URL, params)})
    return status


def reloads(replyd):
    return replyd.logtext().count("configuration reloaded")


def reload(replyd, config=None):
    """Write config (if given), SIGHUP, and wait until the reload is done."""
    before = reloads(replyd)
    if config is not None:
        replyd.write_config(config)
    replyd.signal(signal.SIGHUP)
    wait_for(lambda: reloads(replyd) > before, what="the reload")


def metric(replyd, name):
    for line in replyd.request("GET", "/metrics")[2].decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def rss_kib(replyd):
    with open("/proc/%d/status" % replyd.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_rotated_twilio_token_takes_effect_at_reload(make_replyd, redis_server, tmpdir_path):
    cfg = twilio_config(redis_server.port, tmpdir_path, OLD_TOKEN)
    d = make_replyd(cfg)
    assert deliver(d, OLD_TOKEN) == 200
    assert deliver(d, NEW_TOKEN) == 403
    rotated = copy.deepcopy(cfg)
    rotated["channels"]["twilio"]["auth_token"] = NEW_TOKEN
    reload(d, rotated)
    assert deliver(d, NEW_TOKEN) == 200
    assert deliver(d, OLD_TOKEN) == 403


def test_a_refused_reload_keeps_the_running_configuration(make_replyd, redis_server, tmpdir_path):
    cfg = twilio_config(redis_server.port, tmpdir_path, OLD_TOKEN)
    d = make_replyd(cfg)
    bad = copy.deepcopy(cfg)
    bad["channels"]["twilio"]["auth_token"] = NEW_TOKEN
    bad["no_such_key"] = 1
    d.write_config(bad)
    d.signal(signal.SIGHUP)
    wait_for(lambda: "reload refused" in d.logtext(), what="the refusal")
    assert deliver(d, OLD_TOKEN) == 200
    assert deliver(d, NEW_TOKEN) == 403


def test_memory_stays_flat_over_100_reloads(make_replyd, redis_server, tmpdir_path):
    # Under AddressSanitizer freed memory waits in a quarantine: turn that
    # off so RSS shows what is kept (LeakSanitizer still runs at exit).
    d = make_replyd(twilio_config(redis_server.port, tmpdir_path, OLD_TOKEN),
                    env={"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:quarantine_size_mb=0"})
    for _ in range(10):                 # let the allocator settle
        reload(d)
    before = rss_kib(d)
    for _ in range(100):
        reload(d)
    after = rss_kib(d)
    # One configuration with its calendars is several hundred kB: keeping
    # each old one would add tens of MB over 100 reloads.
    assert after - before < 4096, "RSS grew from %d to %d KiB" % (before, after)
    assert metric(d, "replyd_config_generations") == 1
    assert deliver(d, OLD_TOKEN) == 200


def test_a_send_begun_before_a_reload_finishes_with_its_generation(
        make_replyd, redis_server, tmpdir_path):
    twilio = FakeTwilio(SID, OLD_TOKEN)
    try:
        twilio.script = [500]           # the first attempt fails: a retry waits
        cfg = twilio_config(redis_server.port, tmpdir_path, OLD_TOKEN, twilio.url)
        d = make_replyd(cfg)
        assert deliver(d, OLD_TOKEN) == 200
        [c] = d.api("GET", "/v1/conversations")[1]["conversations"]
        result = {}

        def send():
            result["reply"] = d.api("POST", "/v1/conversations/%s/reply" % c["id"],
                                    {"by": "alice", "text": "I will call you at 3pm."})
        t = threading.Thread(target=send)
        t.start()
        wait_for(lambda: twilio.count() >= 1, what="the first attempt")
        rotated = copy.deepcopy(cfg)
        rotated["channels"]["twilio"]["auth_token"] = NEW_TOKEN
        reload(d, rotated)
        assert metric(d, "replyd_config_generations") == 2   # the send holds the old one
        t.join(30)
        status, body = result["reply"]
        assert status == 200 and body["state"] == "responded"
        # The retry still authenticated with the token it began with.
        assert twilio.accepted()[-1].status == 201
        wait_for(lambda: metric(d, "replyd_config_generations") == 1,
                 what="the old generation to be freed")
    finally:
        twilio.close()
