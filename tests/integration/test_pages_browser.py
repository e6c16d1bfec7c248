"""The staff pages in a real browser (SPEC §16): headless chromium through
tests/integration/browser.py.  Every page passes axe-core's WCAG 2.2 A and
AA rules, has no sideways scrolling at 375 px, works with a keyboard alone,
shows a young person's words as text, and breaks no rule of its own
Content-Security-Policy.  Screenshots of each page, desktop (1280 px) and
phone (375 px), are saved under build/screenshots/: look at them."""


from browser import By, Keys, browser, describe  # noqa: F401 (browser: a fixture)
from harness import wait_for
from test_sandbox import XSS, messages_shown, sandbox, sandbox_config, write  # noqa: F401


def url(replyd, path="/sandbox"):
    return "http://127.0.0.1:%d%s" % (replyd.port, path)


def check_page(b, name):
    """axe, sideways scrolling and the console, desktop then phone, with a
    screenshot of each."""
    for view in ("desktop", "375"):
        if view == "375":
            b.phone()
            b.driver.refresh()
            b.wait(lambda: b.js("return document.readyState") == "complete",
                   what="reload at 375 px")
        violations = b.axe()
        assert violations == [], "%s at %s:\n%s" % (name, view, describe(violations))
        assert b.axe_passes > 10
        assert b.horizontal_overflow() <= 0, "%s scrolls sideways at %s" % (name, view)
        b.screenshot("%s-%s" % (name, view))
    b.desktop()
    assert b.console_errors() == []


def test_the_sandbox_passes_axe_with_no_violation_desktop_and_phone(sandbox, browser):
    write(sandbox, "Hi, it's me. Can you ring me after school?\nThanks")
    wait_for(lambda: len(messages_shown(sandbox)) >= 3, what="receipt and alert")
    browser.get(url(sandbox))
    assert browser.js("return document.documentElement.lang") == "en-GB"
    # JavaScript ran from the external file (GOV.UK Frontend's initAll).
    assert "govuk-frontend-supported" in browser.js("return document.body.className")
    check_page(browser, "sandbox")


def test_the_sandbox_form_with_errors_passes_axe(sandbox, browser):
    browser.get(url(sandbox))
    browser.by_label("Your phone number").clear()
    browser.button("Send message").click()
    browser.wait(lambda: "There is a problem" in browser.driver.page_source,
                 what="the error summary")
    # The summary takes the focus, and links to the field to fix.
    link = browser.find(By.LINK_TEXT, "Enter the phone number you are writing from")
    assert link.get_attribute("href").endswith("#from")
    check_page(browser, "sandbox-errors")


def test_a_young_persons_xss_is_shown_as_text_in_the_browser(sandbox, browser):
    write(sandbox, XSS)
    browser.get(url(sandbox))
    texts = [p.text for p in browser.driver.find_elements(By.CLASS_NAME,
                                                          "replyd-message__text")]
    assert XSS in texts
    # Nothing of it became markup: no script ran, no image, no link.
    assert browser.js("return window.__xss === undefined && "
                      "document.querySelectorAll('main img, main script').length") == 0
    assert not [a for a in browser.driver.find_elements(By.TAG_NAME, "a")
                if (a.get_attribute("href") or "").startswith("javascript:")]
    assert browser.console_errors() == []


def test_the_sandbox_form_works_with_a_keyboard_alone(sandbox, browser):
    browser.get(url(sandbox))
    number = browser.by_label("Your phone number")
    # The first Tab reaches the skip link, which jumps over the header.
    browser.keys(Keys.TAB)
    assert browser.active().text == "Skip to main content"
    browser.keys(Keys.ENTER)
    browser.tab_to(number)
    browser.select_all()
    browser.keys("07700 900777")
    browser.keys(Keys.TAB)
    assert browser.active() == browser.by_label("Message")
    browser.keys("typed with the keyboard only")
    browser.keys(Keys.TAB)
    assert browser.active().text == "Send message"
    browser.keys(Keys.ENTER)
    browser.wait(lambda: "sent=1" in browser.driver.current_url, what="the redirect")
    assert "Message sent to replyd" in browser.driver.page_source
    assert ("Young person", "From 07700 900777", "typed with the keyboard only") in \
        messages_shown(sandbox)
    # The number stays for the next message.
    assert browser.by_label("Your phone number").get_attribute("value") == "07700 900777"
    browser.phone()
    browser.driver.refresh()
    browser.screenshot("sandbox-sent-375")
