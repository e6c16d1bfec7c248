"""replyd -c FILE -n (SPEC §3): a configuration that can never receive a
message, never alert anyone, or still holds the example's CHANGE-ME
placeholders gets warnings, not errors; -p (the systemd unit's) makes a
placeholder an error that names each one."""

import os
import subprocess

from harness import BUILD, ROOT, Replyd, base_config

EXAMPLE = os.path.join(ROOT, "config", "replyd.json")


def check(path, *flags):
    out = subprocess.run([os.path.join(BUILD, "replyd"), "-c", path, "-n"] + list(flags),
                         capture_output=True, text=True, timeout=30)
    return out.returncode, out.stdout, out.stderr


def line_of(path, needle):
    text = open(path).read()
    return 1 + text[:text.index(needle)].count("\n")


def twilio(**extra):
    tw = {"auth_token": "twilio-auth-token-for-tests"}
    tw.update(extra)
    return tw


def write(tmpdir_path, redis_server, **overrides):
    return Replyd(tmpdir_path, base_config(redis_server.port, tmpdir_path, **overrides)).path


def test_the_example_passes_with_a_warning_for_each_placeholder():
    rc, out, err = check(EXAMPLE)
    assert (rc, out) == (0, "configuration OK\n"), err
    warnings = err.splitlines()
    assert all(w.startswith("warning: ") for w in warnings), err
    assert "warning: %s:%d:" % (EXAMPLE, line_of(EXAMPLE, '"dev-token-change-me')) in err
    assert "api.tokens.dev-token-change-me-0123456789: the key is a placeholder" in err
    assert "receipt.out_of_hours: a placeholder (CHANGE-ME)" in err
    # The sandbox receives and alerts, so the example has no gap.
    assert "no channel can receive messages" not in err
    assert "nobody can be alerted" not in err


def test_p_refuses_the_examples_placeholders_naming_each(tmpdir_path):
    rc, out, err = check(EXAMPLE, "-p")
    assert rc == 1 and out == ""
    line = line_of(EXAMPLE, '"dev-token-change-me')
    assert "%s:%d:7: api.tokens.dev-token-change-me-0123456789" % (EXAMPLE, line) in err, err
    assert "receipt.out_of_hours" in err
    assert "replace every CHANGE-ME placeholder before starting replyd" in err


def test_a_placeholder_is_found_in_any_case_in_any_secret(tmpdir_path, redis_server):
    path = write(tmpdir_path, redis_server, channels={"twilio": twilio(auth_token="change-me")})
    rc, out, err = check(path, "-p")
    assert rc == 1 and "channels.twilio.auth_token: a placeholder" in err


def test_a_complete_configuration_has_no_warning(tmpdir_path, redis_server):
    path = write(tmpdir_path, redis_server,
                 channels={"twilio": twilio(account_sid="ACtest", **{"from": "+447700900000"})},
                 alerts={"sms": "twilio"})
    assert check(path) == (0, "configuration OK\n", "")
    assert check(path, "-p") == (0, "configuration OK\n", "")


def test_no_inbound_channel_is_a_warning(tmpdir_path, redis_server):
    path = write(tmpdir_path, redis_server,
                 channels={"smtp": {"url": "smtps://smtp.example.gov.uk:465",
                                    "from": "replyd@example.gov.uk"}},
                 alerts={"email": "smtp"})
    rc, out, err = check(path)
    assert (rc, out) == (0, "configuration OK\n")
    assert err == ("warning: %s: no channel can receive messages: replyd can never receive "
                   "one; enable an inbound channel under \"channels\" (twilio, notify, mailgun, "
                   "sendgrid, postmark)\n" % path)


def test_no_alert_channel_is_a_warning(tmpdir_path, redis_server):
    path = write(tmpdir_path, redis_server, channels={"twilio": twilio()})
    rc, out, err = check(path)
    assert (rc, out) == (0, "configuration OK\n")
    assert err.count("warning:") == 1 and "nobody can be alerted" in err


def test_an_alert_channel_that_cannot_send_is_no_alert_channel(tmpdir_path, redis_server):
    # Twilio without account_sid and from only receives.
    path = write(tmpdir_path, redis_server, channels={"twilio": twilio()},
                 alerts={"sms": "twilio"})
    rc, out, err = check(path)
    assert rc == 0 and "nobody can be alerted" in err


def test_a_notifier_can_alert(tmpdir_path, redis_server):
    path = write(tmpdir_path, redis_server, channels={"twilio": twilio()},
                 notifiers={"duty-channel": {"plugin": "webhook", "url": "https://example.org/x"}})
    assert check(path) == (0, "configuration OK\n", "")


def test_the_daemon_with_p_does_not_start_on_a_placeholder(tmpdir_path, redis_server):
    cfg = base_config(redis_server.port, tmpdir_path)
    cfg["api"]["tokens"] = {"token-CHANGE-ME-0123456789": {"name": "x", "role": "admin"}}
    d = Replyd(tmpdir_path, cfg)
    out = subprocess.run([os.path.join(BUILD, "replyd"), "-c", d.path, "-p"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and "api.tokens.token-CHANGE-ME-0123456789" in out.stderr


def test_the_daemon_without_p_logs_its_warnings(make_replyd, redis_server, tmpdir_path):
    d = make_replyd()
    text = d.logtext()
    assert "<4>warning: %s: no channel can receive messages" % d.path in text
