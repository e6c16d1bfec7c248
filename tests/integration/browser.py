"""A real browser for the staff pages' tests: Debian's chromium, headless,
driven through chromedriver by python3-selenium, with axe-core (pinned by
package-lock.json, installed by `make deps`) for WCAG 2.2 A and AA.

A test module imports the fixture it wants,

    from browser import browser  # noqa: F401 (a pytest fixture)

and gets a Browser to itself, with no cookie, cache, window or log left by
the test before: each pytest-xdist worker keeps one chromium (conftest's
chromium fixture, with a new, empty --user-data-dir) and resets it between
tests (Shared), so workers share nothing and no test pays for starting
chromium.  Test pages as a person uses them: find things by label and
role, and look at the screenshots (build/screenshots/)."""

import base64
import functools
import json
import os
import shutil
import tempfile
import time

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")
SCREENSHOTS = os.path.join(ROOT, "build", "screenshots")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# axe-core's tags for WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Flags known to work headless here, in a container without a GPU.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage",
         # The tests visit only replyd on loopback: one renderer process
         # for all its pages instead of one per origin (each new process
         # costs more CPU than the page it shows).
         "--disable-site-isolation-trials",
         "--disable-features=site-per-process,IsolateOrigins"]

Keys = Keys
By = By


class Browser:
    """One headless chromium; desktop (1280 px) until phone() is called."""

    def __init__(self, width=1280, height=900):
        self.profile = tempfile.mkdtemp(prefix="replyd-chromium-")
        opts = Options()
        opts.binary_location = CHROMIUM
        for flag in FLAGS + ["--user-data-dir=" + self.profile,
                             "--window-size=%d,%d" % (width, height)]:
            opts.add_argument(flag)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        try:
            self.driver = webdriver.Chrome(
                service=Service(CHROMEDRIVER, log_path=os.devnull), options=opts)
        except Exception:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        self.driver.set_page_load_timeout(30)
        self.driver.set_script_timeout(30)
        self.width = width

    def close(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # Viewports.
    def desktop(self, width=1280, height=900):
        """A desktop window (no device emulation)."""
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        self.driver.set_window_size(width, height)
        self.width = width

    def phone(self, width=375, height=812):
        """A phone's viewport, as Chrome's device mode has it: the page's
        meta viewport applies and scrollbars overlay the page."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1,
            "mobile": True})
        self.width = width

    # Pages.
    def get(self, url):
        self.driver.get(url)
        self.wait(lambda: self.driver.execute_script(
            "return document.readyState") == "complete", what="page load")

    def wait(self, predicate, timeout=15.0, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = predicate()
            except WebDriverException:
                value = None
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))

    def find(self, by, value):
        return self.driver.find_element(by, value)

    def by_label(self, text):
        """The form control a <label> with this text is for."""
        for label in self.driver.find_elements(By.TAG_NAME, "label"):
            if label.text.strip() == text:
                return self.driver.find_element(By.ID, label.get_attribute("for"))
        raise AssertionError("no field labelled %r" % text)

    def button(self, text):
        for b in self.driver.find_elements(By.XPATH, "//button | //input[@type='submit']"):
            if (b.text or b.get_attribute("value") or "").strip() == text:
                return b
        raise AssertionError("no button %r" % text)

    def active(self):
        return self.driver.switch_to.active_element

    def keys(self, *keys):
        """Press keys as a person at a keyboard does (to the focused element)."""
        ActionChains(self.driver).send_keys(*keys).perform()

    def select_all(self):
        """Ctrl+A in the focused field, so that typing replaces its text."""
        ActionChains(self.driver).key_down(Keys.CONTROL).send_keys("a") \
            .key_up(Keys.CONTROL).perform()

    def tab_to(self, element, limit=40):
        """Press Tab until element has the focus; how many presses it took."""
        for n in range(1, limit + 1):
            self.keys(Keys.TAB)
            if self.active() == element:
                return n
        raise AssertionError("Tab never reached %s" % element.get_attribute("outerHTML")[:120])

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    # Checks.
    def axe(self, tags=WCAG):
        """Run axe-core's rules for tags on the page; its violations."""
        self.driver.execute_script(axe_source())
        out = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]},"
            " resultTypes: ['violations']})"
            ".then(r => done(JSON.stringify({violations: r.violations,"
            " passes: r.passes.length, incomplete: r.incomplete.length})))"
            ".catch(e => done(JSON.stringify({error: String(e)})));", tags)
        result = json.loads(out)
        assert "error" not in result, result
        self.axe_passes = result["passes"]
        return result["violations"]

    def horizontal_overflow(self):
        """How many CSS pixels the page is wider than the viewport (0: none)."""
        return self.js("return document.documentElement.scrollWidth - window.innerWidth")

    def console_errors(self):
        """The browser console's errors since the last call: scripts that
        failed and anything the Content-Security-Policy refused.  Network
        lines are left out: a form with mistakes answers 400 on purpose."""
        return [e for e in self.driver.get_log("browser")
                if e.get("level") == "SEVERE" and e.get("source") != "network"]

    def screenshot(self, name):
        """Save the whole page (not only the viewport) as
        build/screenshots/NAME.png; returns the path."""
        os.makedirs(SCREENSHOTS, exist_ok=True)
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": max(size["width"], self.width),
                     "height": size["height"], "scale": 1}})
        path = os.path.join(SCREENSHOTS, name + ".png")
        # Both builds' suites run at once: write whole files only.
        fd, tmp = tempfile.mkstemp(dir=SCREENSHOTS, suffix=".png.tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        return path


@functools.lru_cache(maxsize=None)
def axe_source():
    """axe.min.js, read once."""
    with open(AXE, encoding="utf-8") as f:
        return f.read()


def describe(violations):
    """axe's violations in a few readable lines, for assertion messages."""
    lines = []
    for v in violations:
        lines.append("%s (%s): %s" % (v["id"], v["impact"], v["help"]))
        for node in v["nodes"][:3]:
            lines.append("    %s" % node["html"][:160])
    return "\n".join(lines)


class Shared:
    """One chromium for a whole pytest process (an xdist worker), lent to
    one test at a time: starting chromium costs seconds, a reset costs
    milliseconds.  Between tests it forgets everything a test could leave:
    cookies (shared by every port of 127.0.0.1), the cache, extra windows,
    an open dialog, the viewport and the console's log.  If the reset
    fails, that chromium is thrown away and the next test gets a new one."""

    def __init__(self):
        self.b = None

    def lend(self):
        if self.b is not None:
            try:
                self.reset(self.b)
            except Exception:
                self.close()
        if self.b is None:
            self.b = Browser()
        return self.b

    @staticmethod
    def reset(b):
        d = b.driver
        try:
            d.switch_to.alert.dismiss()
        except WebDriverException:
            pass
        handles = d.window_handles
        for h in handles[1:]:
            d.switch_to.window(h)
            d.close()
        d.switch_to.window(handles[0])
        d.get("about:blank")
        d.execute_cdp_cmd("Network.clearBrowserCookies", {})
        d.execute_cdp_cmd("Network.clearBrowserCache", {})
        b.desktop()
        d.get_log("browser")

    def close(self):
        if self.b is not None:
            b, self.b = self.b, None
            b.close()


@pytest.fixture
def browser(chromium):
    """A Browser for this test alone: the worker's chromium (conftest's
    chromium fixture), reset to a new, empty state."""
    yield chromium.lend()
