"""The promise report page (SPEC section 16): a month's figures per team,
the same as GET /v1/report's team breakdowns, with a chart drawn by
replyd and a CSV download; small numbers suppressed on the page, in the
chart and in the CSV, without leaking them through a percentage or a
total minus the rest; another team's report does not exist for you."""

import csv
import datetime
import io
import subprocess

from selenium.webdriver.common.by import By

from browser import browser  # noqa: F401 (a fixture)
from staff import cookie_of, form, link_token, make_link
from staffpages import pages, sign_in_browser, twilio_fake  # noqa: F401 (fixtures)
from test_pages_browser import check_page

MONTH = "2026-10"
HOUR = 3600 * 1000


def ms(d, h=0):
    return int(datetime.datetime(2026, 10, d, h, tzinfo=datetime.timezone.utc)
               .timestamp() * 1000)


def put_conversations(redis_server, team, in_time, late, still_open, first=0, steps=0):
    """Conversations of team received in October 2026: in_time answered
    within the day, late two days on, still_open not at all; the first
    `steps` of them escalated to steps 1 and 2."""
    cmds = []
    for i in range(in_time + late + still_open):
        n = first + i
        p = n % 16
        cid = "%d-%d" % (p, 5000 + n)
        rx = ms(2 + i % 20, 9)
        fields = ["id", cid, "team", team, "received_at", rx, "deadline", rx + 24 * HOUR,
                  "step", 2 if i < steps else 0, "urgent", 0, "contact", "yp-%d" % n]
        if i < in_time:
            fields += ["state", "responded", "responded_at", rx + HOUR]
        elif i < in_time + late:
            fields += ["state", "responded", "responded_at", rx + 48 * HOUR]
        else:
            fields += ["state", "awaiting"]
        cmds.append(["HSET", "rd:{%d}:c:%s" % (p, cid)] + fields)
        cmds.append(["ZADD", "rd:{%d}:rx" % p, rx, cid])
    text = "".join("*%d\r\n" % len(c) + "".join(
        "$%d\r\n%s\r\n" % (len(str(a).encode()), a) for a in c) for c in cmds)
    out = subprocess.run(["redis-cli", "-p", str(redis_server.port), "--pipe"], input=text,
                         capture_output=True, text=True)
    assert "errors: 0" in out.stdout, out.stdout


def a_month(redis_server):
    """leaving-care: 8 in time, 6 late, 6 open (nothing small, 5
    escalated); fostering: 12 in time and 2 late (2 is small)."""
    put_conversations(redis_server, "leaving-care", 8, 6, 6, steps=5)
    put_conversations(redis_server, "fostering", 12, 2, 0, first=100)


class PageSession:
    """A person signed in over plain HTTP, as a browser would be."""

    def __init__(self, pages, person):
        self.pages = pages
        status, headers, _ = form(pages.d, "/signin/link",
                                  {"token": link_token(make_link(pages.d, person))},
                                  {"Origin": pages.public})
        assert status == 303, status
        self.cookie = cookie_of(headers, "replyd-session")
        assert self.cookie

    def get(self, path):
        """(status, headers, body as text)."""
        status, headers, body = self.pages.d.request(
            "GET", path, None, {"Cookie": "replyd-session=" + self.cookie})
        return status, headers, body.decode() if isinstance(body, bytes) else body

    def csrf(self):
        import json
        _, _, body = self.get("/v1/me")
        return json.loads(body)["csrf"]

    def post(self, path, fields):
        fields = dict(fields)
        fields.setdefault("csrf", self.csrf())
        status, headers, body = form(self.pages.d, path, fields, {
            "Cookie": "replyd-session=" + self.cookie, "Origin": self.pages.public})
        return status, headers, body.decode() if isinstance(body, bytes) else body


def api_teams(pages):
    status, body = pages.d.api("GET", "/v1/report?from=2026-10-01&to=2026-10-31")
    assert status == 200, body
    return body["teams"]


def figures(browser, team):
    """The summary list under a team's heading: {label: value}."""
    return browser.js("""
        const h = [...document.querySelectorAll('h2')].find(e => e.textContent.trim() === arguments[0]);
        const dl = h.nextElementSibling, out = {};
        dl.querySelectorAll('.govuk-summary-list__row').forEach(r => {
          out[r.querySelector('dt').textContent.trim()] = r.querySelector('dd').textContent.trim();
        });
        return out;""", team)


def chart_bars(browser):
    """The chart's bar segments: [(fill, width)] after the legend."""
    return browser.js("""
        return [...document.querySelectorAll('svg.replyd-chart rect')].slice(3)
          .map(r => [r.getAttribute('fill'), +r.getAttribute('width'), +r.getAttribute('y')]);""")


def test_the_report_shows_a_months_figures_as_get_v1_report_has_them(pages, browser, redis_server):
    a_month(redis_server)
    api = api_teams(pages)["leaving-care"]
    assert (api["received"], api["responded_in_time"], api["late"]) == (20, 8, 6)
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/report?month=" + MONTH))
    assert "October 2026" in browser.find(By.TAG_NAME, "h1").text
    got = figures(browser, "leaving-care")
    assert got["Messages received"] == str(api["received"])
    assert got["Promise kept (responded within the deadline)"] == \
        "%g%%" % api["responded_in_time_percent"] == "40%"
    assert got["Responded in time"] == "8" and got["Responded late"] == "6"
    assert got["Still open"] == "6"
    assert got["Median response time"] == "%g working hour" % \
        api["median_response_working_hours"] == "1 working hour"
    assert got["90th percentile response time"] == "%g working hours" % \
        api["p90_response_working_hours"] == "48 working hours"
    assert got["Escalated to step 1"] == str(api["escalations"]["1"]) == "5"
    assert got["Escalated to step 2"] == "5"
    # The chart: one bar of three parts, as wide as their shares.
    assert [(f, w) for f, w, _ in chart_bars(browser)] == \
        [("#00703c", 128), ("#d4351c", 96), ("#505a5f", 96)]
    check_page(browser, "report")


def test_a_manager_sees_only_their_teams_and_another_teams_report_is_404(pages, redis_server):
    a_month(redis_server)
    dora = PageSession(pages, "dora")
    status, _, body = dora.get("/report?month=" + MONTH)
    assert status == 200 and "leaving-care" in body and "fostering" not in body
    status, _, body = dora.get("/report?month=%s&team=fostering" % MONTH)
    assert status == 404 and "fostering" not in body.split("<main", 1)[1]
    assert dora.get("/report?month=%s&team=nosuchteam" % MONTH)[0] == 404
    status, _, body = dora.get("/report.csv?month=%s&team=fostering" % MONTH)
    assert status == 404 and "12" not in body.split("<main", 1)[1]


def test_a_worker_who_manages_no_team_has_no_report(pages, redis_server):
    a_month(redis_server)
    status, _, body = PageSession(pages, "alice").get("/report?month=" + MONTH)
    assert status == 403 and "managers" in body and "40%" not in body


def test_small_numbers_are_suppressed_on_the_page_and_in_the_chart(pages, browser, redis_server):
    a_month(redis_server)
    api = api_teams(pages)["fostering"]
    # 12 in time and 2 late of 14: 2 is small, and 14 - 12 or 85.7%
    # would give it away, so the parts are hidden together.
    assert api["received"] == 14
    assert (api["responded_in_time"], api["late"], api["still_open"]) == ("suppressed",) * 3
    assert api["responded_in_time_percent"] is None
    sign_in_browser(browser, pages.d, "gina")
    browser.get(pages.url("/report?month=" + MONTH))
    got = figures(browser, "fostering")
    assert got["Messages received"] == "14"
    for label in ("Promise kept (responded within the deadline)", "Responded in time",
                  "Responded late", "Still open"):
        assert got[label] == "Not shown", label
    text = browser.js("return document.body.innerText")
    assert "85.7" not in text and "could be worked out" in text
    # No bar to measure: only words.
    assert chart_bars(browser) == []
    desc = browser.js("return document.querySelector('svg.replyd-chart desc').textContent")
    assert "not shown" in desc and "12" not in desc and "2 " not in desc
    check_page(browser, "report-suppressed")


def test_the_csv_download_has_the_figures_and_hides_what_the_page_hides(pages, redis_server):
    a_month(redis_server)
    status, headers, body = PageSession(pages, "ash").get("/report.csv?month=" + MONTH)
    assert status == 200
    assert headers["content-type"].startswith("text/csv")
    assert headers["content-disposition"] == \
        'attachment; filename="promise-report-2026-10.csv"'
    assert headers["cache-control"] == "no-store"
    rows = {r["team"]: r for r in csv.DictReader(io.StringIO(body))}
    assert set(rows) == {"leaving-care", "fostering"}
    lc, fo = rows["leaving-care"], rows["fostering"]
    assert (lc["month"], lc["received"], lc["responded_in_time"], lc["late"],
            lc["still_open"], lc["responded_in_time_percent"]) == \
        (MONTH, "20", "8", "6", "6", "40")
    assert (lc["median_response_working_hours"], lc["p90_response_working_hours"]) == ("1", "48")
    assert (lc["escalations_step_1"], lc["escalations_step_2"]) == ("5", "5")
    assert fo["received"] == "14"
    assert (fo["responded_in_time"], fo["late"], fo["still_open"],
            fo["responded_in_time_percent"]) == ("suppressed", "suppressed", "suppressed", "")
    assert "85.7" not in body and ",2," not in body and ",12," not in body


def test_months_are_navigated_with_previous_and_next_links(pages, browser, redis_server):
    a_month(redis_server)
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/report?month=" + MONTH))
    browser.find(By.CSS_SELECTOR, "a[rel=next]").click()
    browser.wait(lambda: "November 2026" in browser.find(By.TAG_NAME, "h1").text,
                 what="November's report")
    assert figures(browser, "leaving-care")["Messages received"] == "0"
    browser.find(By.CSS_SELECTOR, "a[rel=prev]").click()
    browser.wait(lambda: "October 2026" in browser.find(By.TAG_NAME, "h1").text,
                 what="back to October")
    assert figures(browser, "leaving-care")["Messages received"] == "20"


def test_this_month_is_the_default_and_has_no_next_month(pages):
    now = datetime.datetime.now(datetime.timezone.utc)
    status, _, body = PageSession(pages, "dora").get("/report")
    assert status == 200
    assert now.strftime("%B %Y") in body
    assert 'rel="next"' not in body and 'rel="prev"' in body


def test_a_month_that_is_not_a_month_is_refused(pages):
    assert PageSession(pages, "dora").get("/report?month=2026-13")[0] == 400
