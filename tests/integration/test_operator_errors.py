"""Errors that tell an operator what to fix (issue 16): a Twilio signature
that does not match logs the URL replyd checked it over (public_url and
the path, no query, no secret), so a wrong public_url shows at once."""

import uuid

import pytest

from harness import base_config, wait_for
from providers import form_body, twilio_signature

TOKEN = "twilio-auth-token-for-tests"


@pytest.fixture
def replyd(make_replyd, redis_server, tmpdir_path):
    cfg = base_config(redis_server.port, tmpdir_path)
    cfg["channels"] = {"twilio": {"auth_token": TOKEN}}
    return make_replyd(cfg)


def sms():
    return [("MessageSid", "SM" + uuid.uuid4().hex), ("AccountSid", "ACtest"),
            ("From", "+447700900123"), ("To", "+447700900000"), ("Body", "hello"),
            ("NumMedia", "0")]


def post(replyd, params, signed_url, path="/webhooks/twilio"):
    return replyd.request("POST", path, form_body(params),
                          {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Twilio-Signature": twilio_signature(TOKEN, signed_url, params)})[0]


def test_a_signature_over_another_url_logs_the_url_replyd_checked(replyd):
    # Twilio was given a proxy's address, replyd's public_url is replyd.test.
    assert post(replyd, sms(), "https://proxy.example.org/webhooks/twilio") == 403
    line = wait_for(lambda: [l for l in replyd.logtext().splitlines()
                             if "X-Twilio-Signature refused" in l], what="the log line")[0]
    assert "replyd checked it over https://replyd.test/webhooks/twilio (public_url + path)" in line
    assert "set public_url" in line
    assert TOKEN not in replyd.logtext()


def test_the_query_is_named_but_never_logged(replyd):
    path = "/webhooks/twilio?team=secret-looking-value"
    assert post(replyd, sms(), "https://elsewhere.example/x", path=path) == 403
    line = wait_for(lambda: [l for l in replyd.logtext().splitlines()
                             if "X-Twilio-Signature refused" in l], what="the log line")[0]
    assert "https://replyd.test/webhooks/twilio (public_url + path + query)" in line
    assert "secret-looking-value" not in replyd.logtext()


def test_a_good_signature_logs_no_mismatch(replyd):
    assert post(replyd, sms(), "https://replyd.test/webhooks/twilio") == 200
    assert "Signature refused" not in replyd.logtext()
