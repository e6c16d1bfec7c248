"""POST /webhooks/mailgun: Mailgun routes (email), signature, timestamp window
and token reuse, storage, dedupe, status codes, staff responses (SPEC §5, §6)."""

import json
import time
import uuid

import pytest

from harness import base_config, wait_for
from providers import form_body, mailgun_signature, multipart_body

KEY = "key-for-mailgun-tests-0123456789abcdef"
PATH = "/webhooks/mailgun"

# SPEC §5: the vector from Mailgun's client libraries.
VECTOR_KEY = "tbsy84uSV1Kt3ZJZELY2TmShPRs91E3yL4tzf96297vBCkDWgL"
VECTOR_TS = "1539112500"
VECTOR_TOKEN = "7VwW7k6Ak7zcTwoSoNm7aTtbk1g67MKAnsYLfUB7PdszbgR5Xi"
VECTOR_SIG = "ef24c5225322217bb065b80bb54eb4f9206d764e3e16abab07f0a64d1cf477cc"
TEN_YEARS = 10 * 365 * 86400


def all_day_config(redis_port, tmpdir, key=KEY, **extra):
    cfg = base_config(redis_port, tmpdir, **extra)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cfg["channels"] = {"mailgun": {"signing_key": key}}
    return cfg


@pytest.fixture
def replyd(make_replyd, redis_server, tmpdir_path):
    return make_replyd(all_day_config(redis_server.port, tmpdir_path))


def signed(timestamp=None, token=None, key=KEY):
    timestamp = timestamp or str(int(time.time()))
    token = token or uuid.uuid4().hex + uuid.uuid4().hex[:18]
    return [("timestamp", timestamp), ("token", token),
            ("signature", mailgun_signature(key, timestamp, token))]


def email(sender="yp@example.org", to="inbound@replyd.test", subject="Help please",
          text="Can you call me?", message_id=None, html=None, extra=()):
    fields = [("recipient", "inbound@replyd.test"), ("sender", sender),
              ("from", "Young Person <%s>" % sender), ("To", to),
              ("subject", subject)]
    if text is not None:
        fields.append(("body-plain", text))
    if html is not None:
        fields.append(("body-html", html))
    if message_id is not False:
        fields.append(("Message-Id", message_id or "<%s@mail.example.org>" % uuid.uuid4().hex))
    return fields + list(extra)


def post(replyd, fields, signature=None):
    fields = list(fields) + list(signature if signature is not None else signed())
    return replyd.request("POST", PATH, form_body(fields),
                          {"Content-Type": "application/x-www-form-urlencoded"})


def post_multipart(replyd, fields, files=(), signature=None):
    fields = list(fields) + list(signature if signature is not None else signed())
    body, ctype = multipart_body(fields, files)
    return replyd.request("POST", PATH, body, {"Content-Type": ctype})


def conversations(replyd, query=""):
    status, data = replyd.api("GET", "/v1/conversations" + query)
    assert status == 200, data
    return data["conversations"]


def messages(replyd, cid):
    status, full = replyd.api("GET", "/v1/conversations/" + cid)
    assert status == 200, full
    return full["messages"]


def stored_keys(redis_server):
    """Keys holding anything a delivery left (escalation streams exist empty)."""
    return [k for k in redis_server.cli("--raw", "KEYS", "rd:*").splitlines()
            if k and not k.endswith(":esc")]


def rejections(replyd, reason):
    text = replyd.request("GET", "/metrics")[2].decode()
    line = 'replyd_webhook_rejections_total{reason="%s"} ' % reason
    for l in text.splitlines():
        if l.startswith(line):
            return int(float(l[len(line):]))
    return 0


def test_signed_form_email_is_stored_and_answered_with_empty_json(replyd):
    status, headers, body = post(replyd, email())
    assert status == 200
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body) == {}
    [c] = conversations(replyd)
    assert c["state"] == "awaiting" and c["team"] == "leaving-care"
    [m] = messages(replyd, c["id"])
    assert m["text"].startswith("Subject: Help please")
    assert "Can you call me?" in m["text"]


def test_signed_multipart_email_is_stored_with_attachments_counted_and_named(replyd):
    files = [("attachment-1", "letter.pdf", "application/pdf", b"%PDF-1.4\n"),
             ("attachment-2", "photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0")]
    status, _, body = post_multipart(replyd, email(extra=[("attachment-count", "2")]),
                                     files)
    assert status == 200 and json.loads(body) == {}
    [c] = conversations(replyd)
    [m] = messages(replyd, c["id"])
    assert "Can you call me?" in m["text"]
    assert m["meta"]["attachments"] == 2
    assert m["meta"]["attachment_names"] == "letter.pdf,photo.jpg"
    assert b"%PDF" not in json.dumps(m).encode()


def test_message_id_and_in_reply_to_are_kept(replyd):
    fields = email(message_id="<abc@mail.example.org>",
                   extra=[("In-Reply-To", "<conv-1@replyd.test>")])
    assert post(replyd, fields)[0] == 200
    [c] = conversations(replyd)
    [m] = messages(replyd, c["id"])
    assert m["meta"]["message_id"] == "<abc@mail.example.org>"
    assert m["meta"]["in_reply_to"] == "<conv-1@replyd.test>"


def test_message_id_is_read_from_message_headers_when_not_a_field(replyd):
    headers = json.dumps([["Received", "by mx"], ["Message-Id", "<hdr@mail.example.org>"]])
    assert post(replyd, email(message_id=False, extra=[("message-headers", headers)]))[0] == 200
    [c] = conversations(replyd)
    [m] = messages(replyd, c["id"])
    assert m["meta"]["message_id"] == "<hdr@mail.example.org>"


def test_wrong_signature_is_refused_and_nothing_is_stored(replyd, redis_server):
    status, _, body = post(replyd, email(), signature=signed(key="not-the-key"))
    assert status == 403
    assert json.loads(body)["error"] == "forbidden"
    assert stored_keys(redis_server) == []
    assert rejections(replyd, "signature") == 1


def test_missing_signature_is_refused(replyd, redis_server):
    sig = signed()
    assert post(replyd, email(), signature=sig[:2])[0] == 403
    assert post(replyd, email(), signature=[])[0] == 403
    assert stored_keys(redis_server) == []


def test_stale_timestamp_is_refused(replyd, redis_server):
    old = str(int(time.time()) - 13 * 3600)
    status, _, _ = post(replyd, email(), signature=signed(timestamp=old))
    assert status == 403
    assert stored_keys(redis_server) == []
    assert rejections(replyd, "stale") == 1


def test_timestamp_within_mailguns_eight_hours_of_retries_is_accepted(replyd):
    retry = str(int(time.time()) - 8 * 3600)
    assert post(replyd, email(), signature=signed(timestamp=retry))[0] == 200


def test_token_reused_by_a_different_message_is_refused(replyd, redis_server):
    sig = signed()
    assert post(replyd, email(text="first"), signature=sig)[0] == 200
    status, _, _ = post(replyd, email(text="forged"), signature=sig)
    assert status == 403
    assert rejections(replyd, "replay") == 1
    [c] = conversations(replyd)
    assert [m["text"] for m in messages(replyd, c["id"])] == \
        ["Subject: Help please\n\nfirst"]


def test_same_message_retried_with_the_same_token_is_accepted_once(replyd):
    sig = signed()
    fields = email(message_id="<retry-1@mail.example.org>")
    assert post(replyd, fields, signature=sig)[0] == 200
    status, _, body = post(replyd, fields, signature=sig)
    assert status == 200 and json.loads(body) == {}
    [c] = conversations(replyd)
    assert len(messages(replyd, c["id"])) == 1


def test_same_message_id_twice_is_stored_once(replyd):
    fields = email(message_id="<dup-1@mail.example.org>")
    assert post(replyd, fields)[0] == 200
    assert post(replyd, fields)[0] == 200
    [c] = conversations(replyd)
    assert len(messages(replyd, c["id"])) == 1


def test_without_message_id_the_token_is_the_dedupe_key(replyd):
    sig = signed()
    fields = email(message_id=False)
    assert post(replyd, fields, signature=sig)[0] == 200
    assert post(replyd, fields, signature=sig)[0] == 200
    assert post(replyd, fields)[0] == 200
    [c] = conversations(replyd)
    assert len(messages(replyd, c["id"])) == 2


def test_spec_vector_is_accepted_with_a_window_reaching_back_to_2018(
        tmpdir_path, redis_server, make_replyd):
    cfg = all_day_config(redis_server.port, tmpdir_path, key=VECTOR_KEY)
    cfg["channels"]["mailgun"]["timestamp_window"] = TEN_YEARS
    d = make_replyd(cfg)
    sig = [("timestamp", VECTOR_TS), ("token", VECTOR_TOKEN), ("signature", VECTOR_SIG)]
    assert post(d, email(), signature=sig)[0] == 200
    assert len(conversations(d)) == 1


def test_spec_vector_is_refused_as_stale_with_the_default_window(
        tmpdir_path, redis_server, make_replyd):
    d = make_replyd(all_day_config(redis_server.port, tmpdir_path, key=VECTOR_KEY))
    sig = [("timestamp", VECTOR_TS), ("token", VECTOR_TOKEN), ("signature", VECTOR_SIG)]
    assert post(d, email(), signature=sig)[0] == 403
    assert rejections(d, "stale") == 1
    assert stored_keys(redis_server) == []


def test_oversized_body_is_406_so_mailgun_stops_retrying(tmpdir_path, redis_server, make_replyd):
    d = make_replyd(all_day_config(redis_server.port, tmpdir_path,
                                   limits={"email_body_bytes": 2048}))
    status, _, _ = post(d, email(text="x" * 4000))
    assert status == 406
    assert stored_keys(redis_server) == []


def test_redis_down_answers_503_with_retry_after_then_accepts(replyd, redis_server):
    redis_server.stop()
    wait_for(lambda: replyd.status("/readyz") == 503, what="readyz 503")
    fields, sig = email(message_id="<outage@mail.example.org>"), signed()
    status, headers, _ = post(replyd, fields, signature=sig)
    assert status == 503 and "retry-after" in headers
    redis_server.start()
    wait_for(lambda: replyd.status("/readyz") == 200, what="readyz 200")
    assert post(replyd, fields, signature=sig)[0] == 200
    assert len(conversations(replyd)) == 1


def test_missing_sender_is_a_400_naming_the_field(replyd, redis_server):
    fields = [f for f in email() if f[0] not in ("sender", "from")]
    status, _, body = post(replyd, fields)
    assert status == 400
    assert json.loads(body)["field"] == "sender"
    assert stored_keys(redis_server) == []


def test_html_only_email_is_stored_as_plain_text(replyd):
    html = ("<html><head><style>p {color: red}</style></head><body>"
            "<p>Hi Alice,</p><p>I&rsquo;m at the caf\u00e9 &amp; need help</p>"
            "</body></html>")
    assert post(replyd, email(text=None, html=html))[0] == 200
    [c] = conversations(replyd)
    [m] = messages(replyd, c["id"])
    assert m["text"] == "Subject: Help please\n\nHi Alice,\nI\u2019m at the caf\u00e9 & need help"


def test_staff_email_to_the_young_person_is_recorded_as_the_response(replyd):
    assert post(replyd, email(sender="yp@example.org"))[0] == 200
    [c] = conversations(replyd)
    assert c["state"] == "awaiting"
    # Alice replies to the young person and copies replyd's inbound address;
    # Mailgun reports that SPF passed for her domain.
    reply = email(sender="alice@example.gov.uk", to="Young Person <yp@example.org>",
                  subject="Re: Help please", text="I will call you at 3pm",
                  extra=[("message-headers", json.dumps([["X-Mailgun-Spf", "Pass"]]))])
    assert post(replyd, reply)[0] == 200
    [r] = conversations(replyd, "?state=responded")
    assert r["id"] == c["id"] and r["responded_at"] is not None
    assert conversations(replyd, "?state=awaiting") == []


def test_logs_never_contain_message_text_or_addresses(replyd):
    post(replyd, email(sender="yp@example.org", text="secret words here"))
    post(replyd, email(sender="yp@example.org", text="secret words here"),
         signature=signed(key="wrong"))
    log = replyd.logtext()
    assert "secret words" not in log
    assert "yp@example.org" not in log
    assert KEY not in log
