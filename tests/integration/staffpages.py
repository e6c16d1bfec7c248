"""What the staff pages' browser tests share (SPEC section 16): replyd with
two teams and their people (staff.two_teams), public_url on its own
loopback address so a real browser's Origin and cookies are the ones
replyd expects, a fake Twilio that replies reach, and a person signed in
in a real browser with the session a sign-in link gives (the sign-in
pages themselves are test_page_signin.py's).

    from browser import browser                      # noqa: F401 (fixture)
    from staffpages import pages, sign_in_browser    # noqa: F401 (fixture)

    def test_something(pages, browser):
        sign_in_browser(browser, pages.d, "alice")
        cid = pages.conversation("leaving-care", "+447700900123", "hello")
        browser.get(pages.url("/c/" + cid))
"""

import uuid

import pytest

from fakes import FakeTwilio
from harness import base_config, free_port, wait_for  # noqa: F401
from providers import form_body, twilio_signature
from staff import FROM, TWILIO_TOKEN, link_token, make_link, two_teams


class Pages:
    """A running replyd for the staff pages, and ways to fill it."""

    def __init__(self, d, twilio):
        self.d = d
        self.twilio = twilio
        self.public = "http://127.0.0.1:%d" % d.port

    def url(self, path="/"):
        return self.public + path

    def sms(self, sender, body="can you call me?"):
        """A young person's text, signed as Twilio signs it."""
        params = [("MessageSid", "SM" + uuid.uuid4().hex), ("AccountSid", "ACtest"),
                  ("From", sender), ("To", FROM), ("Body", body), ("NumMedia", "0")]
        sig = twilio_signature(TWILIO_TOKEN, self.public + "/webhooks/twilio", params)
        status, _, _ = self.d.request(
            "POST", "/webhooks/twilio", form_body(params),
            {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig})
        assert status == 200, status

    def conversation(self, team, phone, body="can you call me?", name=None):
        """A contact of team writes in; the conversation's id."""
        cid = "yp-" + phone[-4:]
        status, out = self.d.api("PUT", "/v1/contacts/" + cid, {
            "phone": phone, "team": team, "name": name or ("Young person " + phone[-4:])})
        assert status in (200, 201), out
        self.sms(phone, body)

        def find():
            convs = self.d.api("GET", "/v1/conversations?team=" + team)[1]["conversations"]
            return next((c["id"] for c in convs if c["contact"] == cid), None)
        return wait_for(find, what="the conversation of " + cid)


def pages_config(redis_port, tmpdir, port, twilio_url, **extra):
    """staff.two_teams, served at http://127.0.0.1:port, replies through
    the fake Twilio at twilio_url."""
    cfg = two_teams(redis_port, tmpdir, **extra)
    cfg["listen"] = "127.0.0.1:%d" % port
    cfg["public_url"] = "http://127.0.0.1:%d" % port
    cfg["channels"]["twilio"]["api_base"] = twilio_url
    cfg["alerts"] = {"sms": "twilio"}
    cfg["council"] = {"name": "Testshire Council", "phase": "Beta"}
    return cfg


@pytest.fixture
def twilio_fake():
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture
def pages(make_replyd, redis_server, tmpdir_path, twilio_fake):
    port = free_port()
    d = make_replyd(pages_config(redis_server.port, tmpdir_path, port, twilio_fake.url))
    return Pages(d, twilio_fake)


def sign_in_browser(b, d, person):
    """Sign person in, in browser b: the session a sign-in link gives
    (pressing "Sign in" on the link's page, over HTTP), handed to the
    browser as the cookie replyd set, with no page loaded; the test then
    opens the page it wants.  Signing in in the browser itself, page by
    page, is test_page_signin.py's."""
    public = "http://127.0.0.1:%d" % d.port
    status, headers, _ = d.request(
        "POST", "/signin/link", form_body([("token", link_token(make_link(d, person)))]),
        {"Content-Type": "application/x-www-form-urlencoded", "Origin": public})
    assert status == 303, status
    cookie = headers["set-cookie"]
    name, value = cookie.split(";", 1)[0].split("=", 1)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    b.driver.execute_cdp_cmd("Network.setCookie", {
        "name": name, "value": value, "url": public + "/", "path": "/",
        "httpOnly": True, "sameSite": "Lax"})
