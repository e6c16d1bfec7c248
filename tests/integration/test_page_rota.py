"""The rota pages (SPEC sections 7.2, 16, 18; serve/rota.c): who is on
duty each of the next 14 days, the weekly rota with the dated changes a
manager makes; the team calendar's unplanned closures for managers.
Another team's rota answers 404 exactly as a missing one; a worker sees
the rota and changes nothing."""

import datetime
import html
import json
import re
import zoneinfo

from browser import By, browser  # noqa: F401 (a fixture)
from harness import wait_for
from providers import form_body
from staff import link_token, make_link, token
from staffpages import pages, sign_in_browser, twilio_fake  # noqa: F401 (fixtures)
from test_pages_browser import check_page

LONDON = zoneinfo.ZoneInfo("Europe/London")


def today():
    return datetime.datetime.now(LONDON).date()


def day(offset):
    """The date offset days from today on the office calendar, as text."""
    return (today() + datetime.timedelta(days=offset)).isoformat()


class PageSession:
    """A person signed in over plain HTTP, as a browser is: the session
    cookie of an http public_url, its CSRF token, the site's Origin."""

    def __init__(self, pages, person):
        self.pages = pages
        status, headers, _ = pages.d.request(
            "POST", "/signin/link",
            form_body([("token", link_token(make_link(pages.d, person)))]),
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": pages.public})
        assert status == 303, status
        self.cookie = re.search(r"replyd-session=([^;]+)", headers["set-cookie"]).group(1)
        status, _, body = self.get("/v1/me")
        assert status == 200
        self.csrf = json.loads(body)["csrf"]

    def get(self, path):
        return self.pages.d.request("GET", path, None,
                                    {"Cookie": "replyd-session=" + self.cookie})

    def post(self, path, fields, csrf=True):
        """POST a form as the page's own form does; (status, headers, text)."""
        fields = list(fields.items()) if isinstance(fields, dict) else list(fields)
        if csrf:
            fields.append(("csrf", self.csrf))
        status, headers, body = self.pages.d.request(
            "POST", path, form_body(fields),
            {"Cookie": "replyd-session=" + self.cookie, "Origin": self.pages.public,
             "Content-Type": "application/x-www-form-urlencoded"})
        return status, headers, body.decode()


def text(b):
    return b.js("return document.body.innerText")


def rota_rows(b):
    """The rota table's rows as [day, duty worker, duty manager] texts."""
    return b.js("""return [...document.querySelectorAll('table tbody tr')].map(
        tr => [...tr.children].map(c => c.innerText.trim()))""")


def duty(pages, team, date, person="alice"):
    return pages.d.api("GET", "/v1/teams/%s/duty/%s" % (team, date), token=token(person))[1]


def test_the_rota_shows_the_next_14_days_with_the_configured_duty_staff(pages, browser):
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/rota"))
    # Alice is in one team: /rota goes straight to it.
    browser.wait(lambda: browser.driver.current_url == pages.url("/rota/leaving-care"),
                 what="the team's rota")
    rows = rota_rows(browser)
    assert len(rows) == 14
    for i, (when, worker, manager) in enumerate(rows):
        assert worker == "Alice" and manager == "Dora", rows[i]
    assert "Today" in rows[0][0]
    first = today()
    assert rows[0][0].startswith(first.strftime("%A ") + str(first.day))
    last = first + datetime.timedelta(days=13)
    assert rows[13][0].startswith(last.strftime("%A ") + str(last.day))
    # A worker sees no way to change it.
    assert browser.driver.find_elements(By.PARTIAL_LINK_TEXT, "Change") == []
    assert "Only a manager of the team can change the rota" in text(browser)
    check_page(browser, "rota")


def test_the_rota_lists_the_teams_of_someone_in_several(pages):
    s = PageSession(pages, "ash")      # an admin sees every team
    status, _, body = s.get("/rota")
    assert status == 200
    assert 'href="/rota/leaving-care"' in body.decode()
    assert 'href="/rota/fostering"' in body.decode()
    status, headers, _ = PageSession(pages, "carol").get("/rota")
    assert status == 303 and headers["location"] == "/rota/fostering"


def test_a_manager_changes_a_day_and_the_rota_and_the_api_show_it(pages, browser):
    date = day(1)
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/rota/leaving-care"))
    assert rota_rows(browser)[1][1] == "Alice"
    browser.find(By.CSS_SELECTOR, "a[href='/rota/leaving-care/%s']" % date).click()
    browser.wait(lambda: "Change the rota for" in text(browser), what="the day's form")
    check_page(browser, "rota-day")
    browser.by_label("Bob").click()
    browser.button("Save changes").click()
    browser.wait(lambda: "Rota changed for" in text(browser), what="the banner")
    assert browser.driver.current_url == pages.url(
        "/rota/leaving-care?done=changed&date=" + date)
    assert "Bob is the duty worker and Dora the duty manager" in text(browser)
    row = rota_rows(browser)[1]
    assert row[1].startswith("Bob") and "Changed for this day" in row[1]
    assert rota_rows(browser)[0][1] == "Alice"   # only that day
    got = duty(pages, "leaving-care", date)
    assert got["duty_worker"] == "bob" and got["duty_manager"] == "dora"
    assert got["override"] is True
    check_page(browser, "rota-changed")


def test_a_manager_sets_the_day_back_to_the_weekly_rota(pages, browser):
    date = day(2)
    status, _ = pages.d.api("PUT", "/v1/teams/leaving-care/duty/" + date,
                            {"worker": "bob", "manager": "ash"})
    assert status == 200
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/rota/leaving-care/" + date))
    # The form shows the day as it is: Bob, and Ash (no member of the team).
    assert browser.by_label("Bob").is_selected()
    assert browser.by_label("Ash").is_selected()
    browser.button("Use the weekly rota for this day").click()
    browser.wait(lambda: "is back to the weekly rota" in text(browser), what="the banner")
    got = duty(pages, "leaving-care", date)
    assert got["override"] is False and got["duty_worker"] == "alice"


def test_changing_only_the_duty_manager_leaves_the_duty_worker_to_the_weekly_rota(pages):
    date = day(3)
    pages.d.api("PUT", "/v1/teams/leaving-care/duty/" + date, {"worker": "bob"})
    s = PageSession(pages, "dora")
    status, headers, _ = s.post("/rota/leaving-care/" + date,
                                {"action": "save", "worker": "", "manager": "bob"})
    assert status == 303
    got = duty(pages, "leaving-care", date)
    assert got["duty_worker"] == "alice" and got["duty_manager"] == "bob"


def test_a_worker_gets_no_form_and_a_forged_change_is_refused(pages):
    date = day(1)
    s = PageSession(pages, "alice")
    status, _, body = s.get("/rota/leaving-care/" + date)
    assert status == 403
    status, _, body = s.post("/rota/leaving-care/" + date,
                             {"action": "save", "worker": "alice", "manager": "alice"})
    assert status == 403
    assert duty(pages, "leaving-care", date)["override"] is False


def test_a_change_without_the_csrf_token_is_refused(pages):
    date = day(1)
    s = PageSession(pages, "dora")
    status, _, _ = s.post("/rota/leaving-care/" + date,
                          {"action": "save", "worker": "bob", "manager": ""}, csrf=False)
    assert status == 403
    assert duty(pages, "leaving-care", date)["override"] is False


def test_another_teams_rota_is_404_exactly_as_a_missing_one(pages):
    s = PageSession(pages, "alice")
    for path in ("/rota/fostering", "/rota/fostering/" + day(1), "/rota/fostering/closures"):
        status, headers, body = s.get(path)
        missing = s.get(path.replace("fostering", "no-such-team"))
        assert status == 404 and missing[0] == 404, path
        assert body == missing[2], path
        assert headers["cache-control"] == "no-store"
    # A manager of one team is a stranger to another's rota.
    status, _, _ = PageSession(pages, "dora").post(
        "/rota/fostering/" + day(1), {"action": "save", "worker": "dora", "manager": ""})
    assert status == 404
    assert duty(pages, "fostering", day(1), person="carol")["override"] is False


def test_a_day_that_is_past_or_not_a_date_cannot_be_changed(pages):
    s = PageSession(pages, "dora")
    for d in (day(-1), "2026-02-30", "tomorrow"):
        assert s.get("/rota/leaving-care/" + d)[0] == 404, d


def test_the_day_form_with_errors_says_what_to_fix(pages, browser):
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/rota/leaving-care/" + day(1)))
    # With JavaScript a person cannot clear a radio group; a forged or
    # broken form can, and gets the GOV.UK error pattern.
    browser.js("document.querySelectorAll('input[type=radio]').forEach(r => r.checked = false)")
    browser.button("Save changes").click()
    browser.wait(lambda: "There is a problem" in text(browser), what="the error summary")
    link = browser.find(By.LINK_TEXT, "Choose who is the duty worker on this day")
    assert link.get_attribute("href").endswith("#worker-0")
    assert duty(pages, "leaving-care", day(1))["override"] is False
    check_page(browser, "rota-day-errors")


def test_an_absent_duty_worker_is_marked_away_on_the_rota(pages, browser):
    status, _ = pages.d.api("POST", "/v1/absences",
                            {"person": "alice", "from": day(1), "to": day(2)})
    assert status == 201
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/rota/leaving-care"))
    rows = rota_rows(browser)
    assert "Away" not in rows[0][1]
    assert "Away" in rows[1][1] and "Away" in rows[2][1]
    assert "Away" not in rows[3][1]
    assert "change the rota for that day" in text(browser)
    check_page(browser, "rota-away")


def test_a_closed_day_is_shown_on_the_rota(pages):
    status, _ = pages.d.api("POST", "/v1/calendars/office/closures",
                            {"date": day(4), "reason": "Snow: offices closed"})
    assert status == 201
    status, _, body = PageSession(pages, "alice").get("/rota/leaving-care")
    assert "Closed: Snow: offices closed" in body.decode()


# Unplanned closures (SPEC section 18).

def calendar_day(pages, date):
    status, cal = pages.d.api("GET", "/v1/calendars/office?from=%s&to=%s" % (date, date))
    assert status == 200
    return cal["days"][0]


def fill_date(b, prefix, date):
    d = datetime.date.fromisoformat(date)
    for part, value in (("day", d.day), ("month", d.month), ("year", d.year)):
        field = b.find(By.ID, "%s-%s" % (prefix, part))
        field.clear()
        field.send_keys(str(value))


def test_a_manager_closes_a_day_and_opens_it_again(pages, browser):
    # Tomorrow: the open conversation's deadline (1 working day on an
    # all-day calendar) falls on it, so closing it moves the deadline.
    date = day(1)
    cid = pages.conversation("leaving-care", "+447700900321")
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/rota/leaving-care"))
    browser.find(By.LINK_TEXT, "Unplanned closures of the team's calendar").click()
    browser.wait(lambda: "Unplanned closures" in browser.driver.title, what="the page")
    assert "shared with the team fostering" in text(browser)
    check_page(browser, "closures")
    fill_date(browser, "from", date)
    browser.by_label("Reason").send_keys("Snow: offices closed")
    browser.button("Close the calendar").click()
    browser.wait(lambda: "Closed on" in text(browser), what="the banner")
    words = datetime.date.fromisoformat(date)
    assert "Closed on %s %d %s" % (words.strftime("%A"), words.day, words.strftime("%B")) \
        in text(browser)
    got = calendar_day(pages, date)
    assert got["open"] is False and got["kind"] == "unplanned_closure"
    assert got["reason"] == "Snow: offices closed"
    closures = pages.d.api("GET", "/v1/calendars/office")[1]["closures"]
    assert [(c["date"], c["by"]) for c in closures] == [(date, "dora")]
    # The open conversation's deadline is worked out again, with an event.
    wait_for(lambda: any(e["type"] == "deadline_changed" for e in
                         pages.d.api("GET", "/v1/conversations/" + cid)[1]["events"]) or None,
             what="the recomputed deadline")
    check_page(browser, "closures-closed")
    # The button's name says which day: "Remove the closure on Thursday 3
    # December".
    browser.find(By.XPATH, "//button[normalize-space(.)='Remove the closure on %s %d %s']" % (
        words.strftime("%A"), words.day, words.strftime("%B"))).click()
    browser.wait(lambda: "Open again on" in text(browser), what="the banner")
    assert calendar_day(pages, date)["open"] is True
    assert pages.d.api("GET", "/v1/calendars/office")[1]["closures"] == []


def test_a_manager_closes_several_days_at_once(pages):
    s = PageSession(pages, "gina")
    first, last = datetime.date.fromisoformat(day(6)), datetime.date.fromisoformat(day(8))
    status, headers, _ = s.post("/rota/fostering/closures", [
        ("action", "add"), ("from-day", str(first.day)), ("from-month", str(first.month)),
        ("from-year", str(first.year)), ("to-day", str(last.day)),
        ("to-month", str(last.month)), ("to-year", str(last.year)), ("reason", "Strike")])
    assert status == 303, status
    assert headers["location"].startswith("/rota/fostering/closures?done=closed")
    closures = pages.d.api("GET", "/v1/calendars/office")[1]["closures"]
    assert sorted(c["date"] for c in closures) == [day(6), day(7), day(8)]
    status, _, body = s.get(headers["location"])
    assert "Closed from" in body.decode()


def test_a_worker_cannot_close_the_calendar(pages):
    s = PageSession(pages, "alice")
    assert s.get("/rota/leaving-care/closures")[0] == 403
    d = datetime.date.fromisoformat(day(5))
    status, _, _ = s.post("/rota/leaving-care/closures", [
        ("action", "add"), ("from-day", str(d.day)), ("from-month", str(d.month)),
        ("from-year", str(d.year)), ("reason", "Snow")])
    assert status == 403
    pages.d.api("POST", "/v1/calendars/office/closures", {"date": day(5), "reason": "Snow"})
    status, _, _ = s.post("/rota/leaving-care/closures", {"action": "remove", "date": day(5)})
    assert status == 403
    assert [c["date"] for c in pages.d.api("GET", "/v1/calendars/office")[1]["closures"]] \
        == [day(5)]
    # Nor is there a link to it on the worker's rota.
    status, _, body = s.get("/rota/leaving-care")
    assert "/closures" not in body.decode()


def test_the_closures_form_with_errors_says_what_to_fix(pages, browser):
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/rota/leaving-care/closures"))
    fill_date(browser, "to", day(1))
    browser.find(By.ID, "to-day").clear()
    browser.find(By.ID, "to-day").send_keys("31")
    browser.find(By.ID, "to-month").clear()
    browser.find(By.ID, "to-month").send_keys("2")
    browser.button("Close the calendar").click()
    browser.wait(lambda: "There is a problem" in text(browser), what="the error summary")
    for message, field in (("Enter the day to close", "#from-day"),
                           ("The last day closed must be a real date, such as 9 12 2026",
                            "#to-day"),
                           ("Enter why the calendar is closed", "#reason")):
        link = browser.find(By.LINK_TEXT, message)
        assert link.get_attribute("href").endswith(field)
    # What was typed is kept.
    assert browser.find(By.ID, "to-day").get_attribute("value") == "31"
    assert pages.d.api("GET", "/v1/calendars/office")[1]["closures"] == []
    check_page(browser, "closures-errors")


def test_a_day_in_the_past_cannot_be_closed(pages):
    d = datetime.date.fromisoformat(day(-1))
    status, _, body = PageSession(pages, "dora").post("/rota/leaving-care/closures", [
        ("action", "add"), ("from-day", str(d.day)), ("from-month", str(d.month)),
        ("from-year", str(d.year)), ("reason", "Snow")])
    assert status == 400
    assert "The day closed must be today or later" in html.unescape(body)
    assert pages.d.api("GET", "/v1/calendars/office")[1]["closures"] == []


def test_a_closure_added_with_a_browser_session_through_the_api_names_the_person(pages):
    # A session has no API token: the closure is by the person signed in.
    s = PageSession(pages, "dora")
    status, _, body = pages.d.request(
        "POST", "/v1/calendars/office/closures", {"date": day(9), "reason": "Snow"},
        {"Cookie": "replyd-session=" + s.cookie, "Origin": pages.public,
         "X-CSRF-Token": s.csrf})
    assert status == 201, body
    closures = pages.d.api("GET", "/v1/calendars/office")[1]["closures"]
    assert [(c["date"], c["by"]) for c in closures] == [(day(9), "dora")]


def test_signed_out_the_rota_goes_to_sign_in_and_back(pages):
    for path in ("/rota/leaving-care", "/rota/leaving-care/closures", "/absences"):
        status, headers, _ = pages.d.request("GET", path)
        assert status == 303, path
        assert headers["location"] == "/signin?return=" + path
