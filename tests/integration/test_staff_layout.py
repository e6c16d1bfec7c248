"""What every signed-in staff page shares (SPEC section 16, serve/web.h):
signed out, a page sends you to sign in and back; signed in, the layout
names who you are, has the service navigation and a way to sign out."""

import re
import urllib.parse

from browser import browser  # noqa: F401 (a fixture)
from staffpages import pages, sign_in_browser, twilio_fake  # noqa: F401 (fixtures)
from harness import wait_for
from test_pages_browser import check_page


def test_a_page_signed_out_redirects_to_sign_in_and_back(pages):
    status, headers, _ = pages.d.request("GET", "/?from=alert")
    assert status == 303
    loc = urllib.parse.urlsplit(headers["location"])
    assert loc.path == "/signin"
    assert urllib.parse.parse_qs(loc.query)["return"] == ["/?from=alert"]
    assert headers["cache-control"] == "no-store"


def test_signing_in_comes_back_to_the_page_asked_for(pages, browser):
    browser.get(pages.url("/?from=alert"))
    assert "/signin" in browser.driver.current_url
    browser.by_label("Work email address").send_keys("alice@example.gov.uk")
    browser.button("Send me a sign-in link").click()
    text = wait_for(lambda: next((m["Body"] for m in pages.twilio.messages()
                                  if "/signin/link" in m["Body"]), None),
                    what="the sign-in link by text")
    link = re.search(r"\S*/signin/link\S*", text).group(0)
    browser.get(pages.url(link[link.index("/signin/link"):]))
    browser.button("Sign in").click()
    browser.wait(lambda: browser.driver.current_url == pages.url("/?from=alert"),
                 what="back on the page asked for")


def test_the_layout_names_who_is_signed_in_and_marks_the_section(pages, browser):
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/"))
    assert "Signed in as Alice" in browser.js("return document.body.innerText")
    current = browser.js("return document.querySelector('[aria-current=page]').textContent")
    assert current.strip() == "Home"
    check_page(browser, "home")


def test_sign_out_ends_the_session(pages, browser):
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/"))
    browser.button("Sign out").click()
    browser.wait(lambda: "signed out" in browser.js("return document.body.innerText").lower(),
                 what="the signed-out page")
    browser.get(pages.url("/"))
    assert "/signin" in browser.driver.current_url
