"""The conversation page, GET /c/{id} (SPEC section 16): where every
alert's link lands.  It shows the young person's messages (always as
text), the state and when it is due, what has happened, and three forms:
Reply / Send reply, Record a contact, I'll take it, each doing what the
/v1 routes do and coming back to the page saying what happened."""

import re
import urllib.parse

import pytest

from browser import Keys, browser  # noqa: F401 (a fixture)
from dutyfakes import StatusTwilio
from harness import free_port, wait_for
from providers import form_body, twilio_signature
from staff import make_link, token
from staffpages import Pages, pages, pages_config, sign_in_browser, twilio_fake  # noqa: F401
from test_pages_browser import check_page

YP = "+447700900123"


class ReportingTwilio(StatusTwilio):
    """Twilio that posts signed delivery reports (dutyfakes.StatusTwilio)
    to a replyd whose public_url is its loopback address."""

    public = None

    def post(self, url, params, status):
        assert url.startswith(self.public + "/"), url
        sig = twilio_signature(self.auth_token, url, params)
        code = self.replyd.request("POST", url[len(self.public):], form_body(params), {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sig}, timeout=5)[0]
        with self.lock:
            self.callbacks.append((status, dict(params), code))


@pytest.fixture
def fast(make_replyd, redis_server, tmpdir_path):
    """leaving-care promises 2 working seconds on its all-day calendar and
    alerts its duty worker (Alice) at the deadline; Twilio reports each
    text delivered."""
    twilio = ReportingTwilio()
    port = free_port()
    cfg = pages_config(redis_server.port, tmpdir_path, port, twilio.url)
    team = cfg["teams"]["leaving-care"]
    team["respond_within"] = "2 working seconds"
    team["escalation"] = [{"after": "0s", "notify": ["duty-worker"]}]
    pages = Pages(make_replyd(cfg), twilio)
    twilio.public = pages.public
    twilio.replyd = pages.d
    yield pages
    twilio.close()


def conv(pages, cid, person="alice"):
    status, body = pages.d.api("GET", "/v1/conversations/" + cid, token=token(person))
    assert status == 200, body
    return body


def text_of(b):
    return b.js("return document.querySelector('main').innerText")


def banner(b):
    return b.wait(lambda: b.js(
        "const e = document.querySelector('.govuk-notification-banner');"
        "return e && e.innerText"), what="the notification banner")


def error_summary(b):
    return b.wait(lambda: b.js(
        "const e = document.querySelector('.govuk-error-summary');"
        "return e && e.innerText"), what="the error summary")


def alert_link(pages, phone):
    """The link in the alert texted to phone."""
    body = wait_for(lambda: next((m["Body"] for m in pages.twilio.messages()
                                  if m["To"] == phone and "/c/" in m["Body"]), None),
                    timeout=30, what="the alert to " + phone)
    return re.search(r"http://\S*/c/[0-9]+-[0-9]+", body).group(0)


class HTTPSession:
    """A person signed in over plain HTTP: their cookie and CSRF token."""

    def __init__(self, pages, person):
        self.pages = pages
        link = make_link(pages.d, person)
        tok = link.split("token=", 1)[1]
        status, headers, _ = pages.d.request(
            "POST", "/signin/link", form_body([("token", tok)]),
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": pages.public})
        assert status == 303, status
        self.cookie = re.search(r"replyd-session=([^;]+)", headers["set-cookie"]).group(1)
        status, _, data = self.get("/v1/me")
        assert status == 200, data
        self.csrf = re.search(r'"csrf"\s*:\s*"([^"]+)"', data.decode()).group(1)

    def get(self, path):
        return self.pages.d.request("GET", path, None, {"Cookie": "replyd-session=" + self.cookie})

    def post(self, path, fields, csrf=True):
        if csrf:
            fields = dict(fields, csrf=self.csrf)
        return self.pages.d.request("POST", path, form_body(list(fields.items())), {
            "Cookie": "replyd-session=" + self.cookie, "Origin": self.pages.public,
            "Content-Type": "application/x-www-form-urlencoded"})


def test_an_alerts_link_opens_the_conversation_with_its_messages_and_timeline(fast, browser):
    cid = fast.conversation("leaving-care", YP, "Can you ring me after school?\nThanks",
                            name="Jamie Smith")
    link = alert_link(fast, "+447700900001")
    assert link == fast.url("/c/" + cid)
    wait_for(lambda: fast.twilio.answered().count(200) >= 2, what="the delivery reports")
    sign_in_browser(browser, fast.d, "alice")
    browser.get(link)
    page = text_of(browser)
    assert "Jamie Smith" in browser.find("tag name", "h1").text
    assert "Can you ring me after school?\nThanks" in page
    assert re.search(r"State\s+Overdue", page) and re.search(r"Due\s+Overdue", page), page
    assert "Message 1 received by text" in page
    assert "Escalation step 1: 1 of 1 alerted" in page
    assert "Overdue alert to Alice (+44770****001) through twilio: accepted (201)" in page
    assert "Delivery receipt from twilio: the alert to Alice was delivered (delivered)" in page
    # Newest last: this very view ends the timeline.
    lines = browser.js("return [...document.querySelectorAll('.replyd-timeline__text')]"
                       ".map(e => e.innerText)")
    assert lines[0] == "Message 1 received by text"
    assert lines[-1] == "Opened by Alice (you)"
    check_page(browser, "conversation")


def test_opening_the_page_is_a_viewed_event_in_the_audit_trail(pages):
    cid = pages.conversation("leaving-care", YP)
    s = HTTPSession(pages, "bob")
    status, _, _ = s.get("/c/" + cid)
    assert status == 200
    views = [e for e in conv(pages, cid)["events"] if e["type"] == "viewed"]
    assert views[0]["by"] == "bob"


def test_signed_out_the_page_sends_you_to_sign_in_and_back(pages):
    cid = pages.conversation("leaving-care", YP)
    status, headers, _ = pages.d.request("GET", "/c/" + cid)
    assert status == 303
    loc = urllib.parse.urlsplit(headers["location"])
    assert loc.path == "/signin"
    assert urllib.parse.parse_qs(loc.query)["return"] == ["/c/" + cid]
    # The only view is the one this check's own API read makes.
    views = [e["by"] for e in conv(pages, cid)["events"] if e["type"] == "viewed"]
    assert views == ["alice"]


def test_another_teams_conversation_is_the_same_404_as_a_missing_one(pages):
    cid = pages.conversation("leaving-care", YP)
    carol = HTTPSession(pages, "carol")
    status, headers, theirs = carol.get("/c/" + cid)
    assert status == 404
    status2, _, missing = carol.get("/c/9-999999")
    assert status2 == 404
    assert theirs == missing
    assert b"can you call me" not in theirs
    assert headers["cache-control"] == "no-store"
    # Nor can carol act on it.
    assert carol.post("/c/%s/take" % cid, {})[0] == 404
    body = conv(pages, cid)
    assert body["acknowledged_by"] is None
    assert not [e for e in body["events"] if e.get("by") == "carol"]


def test_the_page_is_no_store_with_the_security_headers(pages):
    cid = pages.conversation("leaving-care", YP)
    status, h, _ = HTTPSession(pages, "alice").get("/c/" + cid)
    assert status == 200
    assert h["content-type"].startswith("text/html")
    assert h["cache-control"] == "no-store"
    csp = h["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "same-origin"


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(pages):
    cid = pages.conversation("leaving-care", YP)
    s = HTTPSession(pages, "alice")
    assert s.post("/c/%s/take" % cid, {}, csrf=False)[0] == 403
    assert s.post("/c/%s/contact" % cid, {"how": "phone"}, csrf=False)[0] == 403
    body = conv(pages, cid)
    assert body["state"] == "awaiting" and body["acknowledged_by"] is None


def test_a_reply_without_javascript_posts_redirects_and_gets(pages):
    cid = pages.conversation("leaving-care", YP)
    s = HTTPSession(pages, "alice")
    status, h, _ = s.post("/c/%s/reply" % cid, {"text": "Hi, I will ring at 4"})
    assert status == 303
    assert h["location"] == "/c/%s?done=sent" % cid
    assert conv(pages, cid)["state"] == "responded"


def test_sending_a_reply_reaches_the_young_person_and_says_sent(pages, browser):
    cid = pages.conversation("leaving-care", YP, "are you there?")
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/c/" + cid))
    assert "Sent by text to +44770****123" in text_of(browser)
    browser.by_label("Reply").send_keys("Hi Jamie, I will ring you at 4.")
    browser.button("Send reply").click()
    assert "Reply sent to the young person by text" in banner(browser)
    assert browser.driver.current_url == pages.url("/c/%s?done=sent" % cid)
    sent = [m for m in pages.twilio.messages() if m["To"] == YP]
    assert [m["Body"] for m in sent] == ["Hi Jamie, I will ring you at 4."]
    body = conv(pages, cid)
    assert body["state"] == "responded" and body["responded_by"] == "alice"
    assert body["how"] == "reply"
    page = text_of(browser)
    assert "Responded" in page
    assert "Alice sent a reply by text (31 characters)" in page
    check_page(browser, "conversation-sent")


def test_a_provider_refusal_shows_an_error_keeps_the_reply_and_records_nothing(pages, browser):
    cid = pages.conversation("leaving-care", YP)
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/c/" + cid))
    pages.twilio.script = [400]
    browser.by_label("Reply").send_keys("This one will be refused")
    browser.button("Send reply").click()
    summary = error_summary(browser)
    assert "twilio refused the message (400): nothing was sent or recorded" in summary
    assert browser.by_label("Reply").get_attribute("value") == "This one will be refused"
    # The summary's link goes to the field.
    link = browser.find("css selector", ".govuk-error-summary a")
    assert link.get_attribute("href").endswith("#reply")
    body = conv(pages, cid)
    assert body["state"] == "awaiting" and body["responded_at"] is None
    assert not [e for e in body["events"] if e["type"] in ("reply", "response")]
    assert browser.js("return document.querySelector('.govuk-notification-banner')") is None
    check_page(browser, "conversation-refused")


def test_an_empty_reply_is_an_error_on_the_field(pages, browser):
    cid = pages.conversation("leaving-care", YP)
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/c/" + cid))
    browser.button("Send reply").click()
    assert "Enter a reply" in error_summary(browser)
    assert "Enter a reply" in browser.find("id", "reply-error").text
    assert pages.twilio.count() == 0


def test_recording_a_phone_call_stops_the_clock_and_shows_in_the_timeline(pages, browser):
    cid = pages.conversation("leaving-care", YP)
    sign_in_browser(browser, pages.d, "bob")
    browser.get(pages.url("/c/" + cid))
    browser.by_label("Phone").click()
    browser.by_label("Note").send_keys("Spoke about <b>college</b>; will visit Friday")
    browser.button("Record a contact").click()
    assert "Contact recorded: a phone call" in banner(browser)
    body = conv(pages, cid)
    assert body["state"] == "responded"
    assert body["responded_by"] == "bob" and body["how"] == "phone"
    page = text_of(browser)
    assert "Bob recorded a phone call" in page
    assert "Note: Spoke about <b>college</b>; will visit Friday" in page
    # The forms that no longer apply are gone; replying still works.
    with pytest.raises(AssertionError):
        browser.button("I'll take it")
    browser.by_label("Reply")
    check_page(browser, "conversation-recorded")


def test_recording_a_contact_without_saying_how_is_an_error(pages, browser):
    cid = pages.conversation("leaving-care", YP)
    sign_in_browser(browser, pages.d, "bob")
    browser.get(pages.url("/c/" + cid))
    browser.by_label("Note").send_keys("kept after the error")
    browser.button("Record a contact").click()
    assert "Select how you contacted them" in error_summary(browser)
    assert browser.by_label("Note").get_attribute("value") == "kept after the error"
    assert conv(pages, cid)["state"] == "awaiting"
    check_page(browser, "conversation-contact-error")


def test_taking_it_says_until_when_and_the_api_names_the_person(pages, browser):
    cid = pages.conversation("leaving-care", YP)
    sign_in_browser(browser, pages.d, "bob")
    browser.get(pages.url("/c/" + cid))
    hint = browser.find("id", "take-hint").text
    assert re.search(r"alerts pause until \w{3} \d+ \w{3}, \d\d:\d\d", hint), hint
    browser.button("I'll take it").click()
    said = banner(browser)
    assert re.search(r"You have taken it until \w{3} \d+ \w{3}, \d\d:\d\d", said), said
    body = conv(pages, cid)
    assert body["state"] == "acknowledged"
    assert body["acknowledged_by"] == "bob"
    page = text_of(browser)
    assert re.search(r"State\s+Taken\s+You have it until", page), page
    assert "Taken by Bob until" in page
    # Anyone else in the team sees who has it.
    other = HTTPSession(pages, "alice").get("/c/" + cid)[2].decode()
    assert "Bob has it until" in other
    check_page(browser, "conversation-taken")


def test_a_young_persons_markup_is_shown_as_text(pages, browser):
    evil = ('<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
            '<a href="javascript:window.pwned=3">click</a>')
    cid = pages.conversation("leaving-care", YP, evil)
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/c/" + cid))
    shown = browser.js("return document.querySelector('.replyd-message__text').textContent")
    assert shown == evil
    assert browser.js("return window.pwned === undefined")
    assert browser.js("return document.querySelector('.replyd-message__text')"
                      ".children.length") == 0
    assert browser.js("return document.querySelectorAll('main img, main a[href^=javascript]')"
                      ".length") == 0
    assert browser.console_errors() == []


def test_the_counter_shows_the_length_and_the_texts_it_takes(pages, browser):
    cid = pages.conversation("leaving-care", YP)
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/c/" + cid))
    field = browser.by_label("Reply")

    def count():
        return browser.find("id", "reply-count").text

    field.send_keys("x" * 160)
    browser.wait(lambda: count() == "160 characters, sent as 1 text", what=count)
    field.send_keys("y")
    browser.wait(lambda: count() == "161 characters, sent as 2 texts", what=count)
    # An extension character counts twice in a text.
    field.send_keys("€")
    browser.wait(lambda: count() == "162 characters, sent as 2 texts", what=count)
    browser.select_all()
    browser.keys("Привет")
    browser.wait(lambda: count().startswith("6 characters, sent as 1 text (a special"),
                 what=count)
    browser.select_all()
    browser.keys("ж" * 71)
    browser.wait(lambda: count().startswith("71 characters, sent as 2 texts"), what=count)
    # A screen reader hears it once typing pauses.
    browser.wait(lambda: browser.find("id", "reply-count-live").get_attribute(
        "textContent").startswith("71 characters"), what="the live count")


def test_a_reply_can_be_sent_with_the_keyboard_alone(pages, browser):
    cid = pages.conversation("leaving-care", YP)
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/c/" + cid))
    browser.tab_to(browser.by_label("Reply"))
    browser.keys("Sent with keys only")
    browser.keys(Keys.TAB)
    assert browser.active() == browser.button("Send reply")
    browser.keys(Keys.ENTER)
    assert "Reply sent to the young person by text" in banner(browser)
    assert [m["Body"] for m in pages.twilio.messages() if m["To"] == YP] == ["Sent with keys only"]
    assert conv(pages, cid)["state"] == "responded"


def test_an_mms_shows_its_pictures_as_the_providers_links(pages, browser):
    sid = "MM" + "1" * 32
    media = "https://api.twilio.com/2010-04-01/Accounts/ACtest/Messages/%s/Media/ME%s"
    urls = [media % (sid, "a" * 32), media % (sid, "b" * 32)]
    params = [("MessageSid", sid), ("AccountSid", "ACtest"), ("From", YP),
              ("To", "+447700900000"), ("Body", "here is the letter"), ("NumMedia", "2"),
              ("MediaUrl0", urls[0]), ("MediaContentType0", "image/jpeg"),
              ("MediaUrl1", urls[1]), ("MediaContentType1", "application/pdf")]
    sig = twilio_signature("twilio-auth-token-for-tests", pages.public + "/webhooks/twilio",
                           params)
    assert pages.d.request("POST", "/webhooks/twilio", form_body(params), {
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig})[0] == 200
    cid = wait_for(lambda: next((c["id"] for c in pages.d.api("GET", "/v1/conversations")[1][
        "conversations"]), None), what="the conversation")
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/c/" + cid))
    links = browser.js("return [...document.querySelectorAll('.replyd-message a')]"
                       ".map(a => [a.textContent, a.href])")
    assert links == [["Picture 1, image/jpeg (at the provider)", urls[0]],
                     ["File 2, application/pdf (at the provider)", urls[1]]]
    assert "Unknown sender +44770****123" in browser.find("tag name", "h1").text
    check_page(browser, "conversation-mms")
