"""Retention (SPEC §10): message text expires after retention.message_text;
conversation records after retention.metadata (counted from the response),
and reports keep working on metadata alone in between."""

import time
import uuid

import pytest

from harness import base_config, wait_for
from providers import form_body, twilio_signature

TOKEN = "twilio-auth-token-for-tests"
URL = "https://replyd.test/webhooks/twilio"


@pytest.mark.slow(5)
def test_text_expires_first_then_the_record(make_replyd, redis_server, tmpdir_path):
    cfg = base_config(redis_server.port, tmpdir_path,
                      retention={"message_text": "2s", "metadata": "5s"})
    cfg["channels"] = {"twilio": {"auth_token": TOKEN}}
    d = make_replyd(cfg)
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("From", "+447700900123"),
              ("To", "+447700900000"), ("Body", "keep this short")]
    assert d.request("POST", "/webhooks/twilio", form_body(params),
                     {"Content-Type": "application/x-www-form-urlencoded",
                      "X-Twilio-Signature": twilio_signature(TOKEN, URL, params)})[0] == 200
    [c] = d.api("GET", "/v1/conversations")[1]["conversations"]
    assert d.api("GET", "/v1/conversations/" + c["id"])[1]["messages"][0]["text"] == "keep this short"
    assert d.api("POST", "/v1/conversations/%s/responded" % c["id"],
                 {"by": "alice", "how": "phone"})[0] == 200
    today = time.strftime("%Y-%m-%d", time.gmtime())
    wait_for(lambda: d.api("GET", "/v1/conversations/" + c["id"])[1]["messages"][0]["text"] is None,
             timeout=6, what="message text to expire")
    status, full = d.api("GET", "/v1/conversations/" + c["id"])
    assert full["state"] == "responded" and full["events"]     # metadata still there
    status, report = d.api("GET", "/v1/report?from=%s&to=%s" % (today, today))
    assert report["received"] == 1 and report["responded_in_time"] == 1
    wait_for(lambda: d.api("GET", "/v1/conversations/" + c["id"])[0] == 404,
             timeout=8, what="the conversation record to expire")
    assert d.api("GET", "/v1/report?from=%s&to=%s" % (today, today))[1]["received"] == 0
