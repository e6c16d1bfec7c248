"""MMS (SPEC §5): replyd keeps the count and the provider's links to a
message's media, never the media, so staff can open them from the
conversation; the links go when the message's text does."""

import uuid

from harness import base_config, text_bucket, text_field
from providers import form_body, twilio_signature

TOKEN = "twilio-auth-token-for-tests"
MEDIA = "https://api.twilio.com/2010-04-01/Accounts/ACtest/Messages/%s/Media/ME%s"


def test_an_mms_keeps_its_media_links_and_count_not_the_media(make_replyd, redis_server,
                                                               tmpdir_path):
    cfg = base_config(redis_server.port, tmpdir_path)
    cfg["channels"] = {"twilio": {"auth_token": TOKEN}}
    d = make_replyd(cfg)
    sid = "MM" + uuid.uuid4().hex
    urls = [MEDIA % (sid, uuid.uuid4().hex) for _ in range(2)]
    params = [("MessageSid", sid), ("From", "+447700900123"), ("To", "+447700900000"),
              ("Body", "here is the letter"), ("NumMedia", "2"),
              ("MediaUrl0", urls[0]), ("MediaContentType0", "image/jpeg"),
              ("MediaUrl1", urls[1]), ("MediaContentType1", "application/pdf")]
    sig = twilio_signature(TOKEN, "https://replyd.test/webhooks/twilio", params)
    assert d.request("POST", "/webhooks/twilio", form_body(params),
                     {"Content-Type": "application/x-www-form-urlencoded",
                      "X-Twilio-Signature": sig})[0] == 200
    [c] = d.api("GET", "/v1/conversations")[1]["conversations"]
    [m] = d.api("GET", "/v1/conversations/" + c["id"])[1]["messages"]
    assert m["text"] == "here is the letter"
    assert m["meta"]["attachments"] == 2
    assert m["media"] == [{"url": urls[0], "type": "image/jpeg"},
                          {"url": urls[1], "type": "application/pdf"}]
    # The links are content: kept with the text (which expires first),
    # never in the record or the audit trail, never in the log.
    p = c["id"].split("-")[0]
    bucket = redis_server.cli("--raw", "HGET", "rd:{%s}:c:%s" % (p, c["id"]), "x1").strip()
    assert redis_server.cli("--raw", "HGET", text_bucket(c["id"], bucket),
                            text_field(c["id"], "m1")).startswith("[")
    assert urls[0] not in redis_server.cli("--raw", "LRANGE", "rd:{%s}:e:%s" % (p, c["id"]),
                                           "0", "-1")
    assert urls[0] not in d.logtext() and urls[1] not in d.logtext()
