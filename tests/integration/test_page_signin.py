"""The sign-in pages (SPEC sections 15 and 16, docs/pages.md): the form
asking for a work email address, the page after asking for a link, the
page a link opens with its "Sign in" button, a link that cannot be used,
signed out and too many attempts, all drawn from templates in the layout
without navigation, GOV.UK components, axe-clean on a desktop and at
375 px; and `make run`'s sign-in link (tools/dev-signin-link) on the
example configuration."""

import json
import os
import re
import subprocess
import urllib.parse

import pytest

from browser import By, browser  # noqa: F401 (a fixture)
from harness import BUILD, free_port, wait_for
from staff import cookie_of, form, make_link
from staffpages import Pages, pages, pages_config, sign_in_browser, twilio_fake  # noqa: F401
from test_config_docs import strip_comments
from test_pages_browser import check_page

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(ROOT, "config", "replyd.json")
LINK_TOOL = os.path.join(ROOT, "tools", "dev-signin-link")


def text(b):
    return b.js("return document.body.innerText")


def texted_link(pages, since=0):
    """The sign-in link in the newest text to staff after the first since."""
    def find():
        bodies = [m["Body"] for m in pages.twilio.messages()[since:]
                  if "/signin/link" in m["Body"]]
        return bodies[-1] if bodies else None
    body = wait_for(find, what="a sign-in link by text")
    link = re.search(r"\S*/signin/link\S*", body).group(0)
    return pages.url(link[link.index("/signin/link"):])


def ask_in_browser(pages, b, address):
    b.get(pages.url("/signin"))
    b.by_label("Work email address").send_keys(address)
    b.button("Send me a sign-in link").click()


@pytest.fixture
def limited(make_replyd, redis_server, tmpdir_path, twilio_fake):
    """The pages' replyd, allowing one sign-in attempt per address."""
    port = free_port()
    cfg = pages_config(redis_server.port, tmpdir_path, port, twilio_fake.url,
                       auth={"signin_rate": {"per_address": 1, "per_ip": 100,
                                             "window": "10m"}})
    return Pages(make_replyd(cfg), twilio_fake)


# --- The pages, as a person sees them ------------------------------------

def test_the_sign_in_form_passes_axe_desktop_and_phone(pages, browser):
    browser.get(pages.url("/signin?return=/"))
    assert browser.js("return document.title").startswith("Sign in")
    field = browser.by_label("Work email address")
    assert field.get_attribute("autocomplete") == "email"
    hint = browser.find(By.ID, field.get_attribute("aria-describedby"))
    assert "work mobile number" in hint.text
    # Signed out: no navigation, no "Signed in as".
    assert browser.driver.find_elements(By.CSS_SELECTOR, "nav") == []
    assert "Signed in as" not in text(browser)
    check_page(browser, "signin")


def test_a_bad_address_is_summarised_and_shown_at_the_field(pages, browser):
    ask_in_browser(pages, browser, "not an address")
    browser.wait(lambda: "There is a problem" in text(browser), what="the error summary")
    assert browser.js("return document.title").startswith("Error: ")
    # The inline error is part of the field's description, what was typed kept.
    field = browser.by_label("Work email address")
    assert "email-error" in field.get_attribute("aria-describedby").split()
    assert field.get_attribute("value") == "not an address"
    inline = browser.find(By.ID, "email-error").text
    assert inline.startswith("Error:") and "work email address" in inline
    check_page(browser, "signin-error")


def test_the_error_summary_links_to_the_field(pages, browser):
    browser.get(pages.url("/signin"))
    browser.button("Send me a sign-in link").click()
    browser.wait(lambda: "There is a problem" in text(browser), what="the error summary")
    link = browser.find(By.LINK_TEXT, "Enter your work email address")
    assert link.get_attribute("href").endswith("#email")
    link.click()
    browser.wait(lambda: browser.active().get_attribute("id") == "email",
                 what="the field to have the focus")


def test_asking_for_a_link_says_the_same_for_anyone_and_never_repeats_the_address(
        pages, browser):
    ask_in_browser(pages, browser, "alice@example.gov.uk")
    browser.wait(lambda: "Check your email" in text(browser), what="the page after asking")
    known = browser.find(By.CSS_SELECTOR, "main").text
    assert "alice@example.gov.uk" not in browser.driver.page_source
    panel = browser.find(By.CSS_SELECTOR, ".govuk-panel h1")
    assert panel.text == "Check your email"
    check_page(browser, "signin-sent")
    ask_in_browser(pages, browser, "mallory@example.gov.uk")
    browser.wait(lambda: "Check your email" in text(browser), what="the page after asking")
    assert browser.find(By.CSS_SELECTOR, "main").text == known


def test_signing_in_by_link_works_from_the_form(pages, browser):
    ask_in_browser(pages, browser, "alice@example.gov.uk")
    browser.wait(lambda: "Check your email" in text(browser), what="the page after asking")
    browser.get(texted_link(pages))
    assert browser.find(By.TAG_NAME, "h1").text == "Sign in"
    check_page(browser, "signin-link")
    browser.button("Sign in").click()
    browser.wait(lambda: browser.driver.current_url == pages.url("/"), what="the start page")
    assert "Signed in as Alice" in text(browser)


def test_a_used_link_gets_a_page_saying_what_to_do(pages, browser):
    link = make_link(pages.d, "alice")
    path = link[link.index("/signin/link"):]
    browser.get(pages.url(path))
    browser.button("Sign in").click()
    browser.wait(lambda: "/signin/link" not in browser.driver.current_url, what="signed in")
    browser.driver.delete_all_cookies()
    browser.get(pages.url(path))
    browser.button("Sign in").click()
    browser.wait(lambda: "cannot be used" in text(browser), what="the refusal")
    assert browser.find(By.LINK_TEXT, "Ask for a new link").get_attribute("href") \
        .endswith("/signin")
    check_page(browser, "signin-link-refused")


def test_signing_out_says_so_and_offers_to_sign_in_again(pages, browser):
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/"))
    browser.button("Sign out").click()
    browser.wait(lambda: "You have signed out" in text(browser), what="the signed-out page")
    assert "Signed in as" not in text(browser)
    assert browser.find(By.LINK_TEXT, "Sign in again")
    # A reload (the form sent again, now signed out) shows the same page.
    check_page(browser, "signed-out")


def test_too_many_attempts_get_a_page_saying_how_long_to_wait(limited, browser):
    ask_in_browser(limited, browser, "alice@example.gov.uk")
    browser.wait(lambda: "Check your email" in text(browser), what="the first answer")
    ask_in_browser(limited, browser, "alice@example.gov.uk")
    browser.wait(lambda: "Too many attempts" in text(browser), what="the rate-limit page")
    assert re.search(r"Wait 10 minutes, then try again", text(browser))
    check_page(browser, "signin-rate-limited")


def test_with_oidc_the_council_account_comes_first(make_replyd, redis_server, tmpdir_path,
                                                   twilio_fake, browser):
    port = free_port()
    oidc = {"issuer": "https://login.example.test/tenant/v2.0", "client_id": "replyd",
            "client_secret": "a-secret-for-tests"}
    d = make_replyd(pages_config(redis_server.port, tmpdir_path, port, twilio_fake.url,
                                 auth={"oidc": oidc}))
    browser.get("http://127.0.0.1:%d/signin?return=/board" % port)
    start = browser.find(By.LINK_TEXT, "Sign in with your council account")
    assert start.get_attribute("href").endswith("/auth/oidc?return=/board")
    assert start.get_attribute("role") == "button"
    # Links are the administrators' way in while the council's is down.
    heading = browser.find(By.TAG_NAME, "h2").text
    assert heading == "Administrators: sign in with a link"
    assert browser.by_label("Work email address")
    check_page(browser, "signin-oidc")


# --- Rules, over plain HTTP ----------------------------------------------

def test_every_sign_in_page_is_never_cached_and_carries_the_security_headers(pages):
    d = pages.d
    origin = {"Origin": pages.public}
    token = make_link(d, "alice").split("token=", 1)[1]
    answers = [d.request("GET", "/signin"),
               form(d, "/signin", {"email": "x@example.gov.uk", "return": "/"}, origin),
               form(d, "/signin", {"email": "", "return": "/"}, origin),
               d.request("GET", "/signin/link?token=" + token),
               form(d, "/signin/link", {"token": "A" * 43}, origin),
               form(d, "/signout", {}, origin)]
    assert [a[0] for a in answers] == [200, 200, 400, 200, 400, 200]
    for status, h, body in answers:
        assert h["content-type"] == "text/html; charset=utf-8"
        assert h["cache-control"] == "no-store"
        assert "default-src 'self'" in h["content-security-policy"]
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "same-origin"
        assert b'lang="en-GB"' in body and b"Testshire Council" in body


def test_the_link_page_uses_nothing_and_holds_the_token_only_in_its_form(pages):
    link = make_link(pages.d, "alice")
    token = link.split("token=", 1)[1]
    for _ in range(2):
        status, h, body = pages.d.request("GET", "/signin/link?token=" + token)
        assert status == 200 and "set-cookie" not in h
        assert body.count(token.encode()) == 1
        assert b'<input type="hidden" name="token" value="%s">' % token.encode() in body


def test_a_page_routes_refusal_is_an_error_page_in_the_layout(pages):
    link = make_link(pages.d, "alice")
    status, h, _ = form(pages.d, "/signin/link", {"token": link.split("token=", 1)[1]},
                        {"Origin": pages.public})
    cookie = cookie_of(h, "replyd-session")
    assert status == 303 and cookie
    status, h, body = form(pages.d, "/signout", {"csrf": "not-the-token"},
                           {"Origin": pages.public, "Cookie": "replyd-session=" + cookie})
    assert status == 403 and h["content-type"] == "text/html; charset=utf-8"
    assert b"You cannot do that here" in body and b"nothing was done" in body
    # In the layout, with who is signed in: still signed in.
    assert b"Signed in as Alice" in body and b"CSRF" not in body
    assert pages.d.request("GET", "/", None, {"Cookie": "replyd-session=" + cookie})[0] == 200


# --- `make run` ------------------------------------------------------------

def dev_link(cfg_path, person, replyd_pid=None, start=None):
    """Run tools/dev-signin-link (start(), if given, while it waits); the
    link it printed, and all it printed."""
    env = dict(os.environ, REPLYD_BUILD=BUILD)
    args = [LINK_TOOL, cfg_path, person] + ([str(replyd_pid)] if replyd_pid else [])
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    if start is not None:
        start()
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err
    return re.search(r"\S+/signin/link\?token=[A-Za-z0-9_-]+", out).group(0), out


def sign_in_with(d, public, link):
    """Press "Sign in" for a link; the session cookie."""
    status, h, _ = form(d, "/signin/link", {"token": link.split("token=", 1)[1]},
                        {"Origin": public})
    assert status == 303, status
    return cookie_of(h, "replyd-session")


def test_make_runs_link_is_printed_once_replyd_is_ready_and_signs_in(
        make_replyd, redis_server, tmpdir_path, twilio_fake):
    port = free_port()
    d = make_replyd(pages_config(redis_server.port, tmpdir_path, port, twilio_fake.url),
                    start=False)
    # The tool starts first and waits for replyd (and its Redis).
    link, out = dev_link(d.path, "alice", start=d.start)
    assert link.startswith("http://127.0.0.1:%d/signin/link?token=" % port)
    assert "http://127.0.0.1:%d/sandbox" % port in out
    cookie = sign_in_with(d, "http://127.0.0.1:%d" % port, link)
    status, _, body = d.request("GET", "/v1/me", None, {"Cookie": "replyd-session=" + cookie})
    assert status == 200 and json.loads(body)["person"] == "alice"


def test_the_link_tool_gives_up_when_replyd_is_gone(tmpdir_path):
    cfg = os.path.join(tmpdir_path, "nothing.json")
    with open(cfg, "w") as f:
        json.dump({"listen": "127.0.0.1:%d" % free_port()}, f)
    dead = subprocess.Popen(["true"])
    dead.wait()
    proc = subprocess.run([LINK_TOOL, cfg, "sam", str(dead.pid)], capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, REPLYD_BUILD=BUILD))
    assert proc.returncode == 1 and "no sign-in link for sam" in proc.stderr


def example_config(redis_port, port):
    """config/replyd.json as `make run` uses it, on a test's ports."""
    cfg = json.loads(strip_comments(open(EXAMPLE).read()))
    cfg["listen"] = "127.0.0.1:%d" % port
    cfg["public_url"] = "http://127.0.0.1:%d" % port
    cfg["redis"]["url"] = "redis://127.0.0.1:%d/0" % redis_port
    for cal in cfg["calendars"].values():
        bh = cal.get("bank_holidays", {})
        if "file" in bh:
            bh["file"] = os.path.join(ROOT, "config", bh["file"])
    return cfg


def test_the_example_configuration_signs_in_someone_who_sees_the_demo_team(
        make_replyd, redis_server):
    person = re.search(r"tools/dev-signin-link config/replyd.json (\w+)",
                       open(os.path.join(ROOT, "tools", "run-dev")).read()).group(1)
    port = free_port()
    public = "http://127.0.0.1:%d" % port
    d = make_replyd(example_config(redis_server.port, port))
    link, _ = dev_link(d.path, person, d.proc.pid)
    cookie = {"Cookie": "replyd-session=" + sign_in_with(d, public, link)}
    me = json.loads(d.request("GET", "/v1/me", None, cookie)[2])
    assert "demo" in me["teams"]
    # A message from the sandbox links to its conversation, which they see.
    status, _, body = d.request("GET", "/sandbox")
    mid = re.search(r'name="message_id" value="([0-9a-f]+)"', body.decode()).group(1)
    status, _, _ = d.request(
        "POST", "/sandbox", urllib.parse.urlencode(
            {"message_id": mid, "from": "07700 900123", "text": "hello"}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Origin": public})
    assert status == 303
    conv = re.search(r'href="/c/([^"]+)">Open the conversation as staff',
                     d.request("GET", "/sandbox")[2].decode()).group(1)
    status, _, body = d.request("GET", "/v1/conversations/" + conv, None, cookie)
    assert status == 200 and json.loads(body)["team"] == "demo"
    status, _, body = d.request("GET", "/c/" + conv, None, cookie)
    assert status == 200 and b"I'll take it</button>" in body and b"Send reply" in body
