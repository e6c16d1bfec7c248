"""The absences page (SPEC sections 6, 15, 16; serve/absences.c): who among
the people you work with is away now or will be; a manager adds an
absence for their teams' people and ends one early.  The rules are the
API's: a worker sees and changes nothing (403), a person outside your
teams does not exist for you (404)."""

import datetime
import html
import time

from selenium.webdriver.support.ui import Select

from browser import By, browser  # noqa: F401 (a fixture)
from staffpages import pages, sign_in_browser, twilio_fake  # noqa: F401 (fixtures)
from test_page_rota import PageSession, day, fill_date, text
from test_pages_browser import check_page


def absences(pages, person=None):
    got = pages.d.api("GET", "/v1/absences")[1]["absences"]
    return [a for a in got if person is None or a["person"] == person]


def add(pages, person, first, last):
    status, body = pages.d.api("POST", "/v1/absences",
                               {"person": person, "from": first, "to": last})
    assert status == 201, body
    return body["id"]


def words(date):
    d = datetime.date.fromisoformat(date)
    return "%s %d %s" % (d.strftime("%A"), d.day, d.strftime("%B"))


def test_a_manager_adds_an_absence_and_it_is_listed(pages, browser):
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/absences"))
    assert "Nobody you work with is away" in text(browser)
    check_page(browser, "absences-empty")
    Select(browser.by_label("Who is away")).select_by_visible_text("Bob")
    fill_date(browser, "from", day(0))
    fill_date(browser, "to", day(2))
    browser.button("Add absence").click()
    browser.wait(lambda: "Absence added" in text(browser), what="the banner")
    assert "Absence added: Bob is away from %s to %s" % (words(day(0)), words(day(2))) \
        in text(browser)
    row = browser.js("return document.querySelector('tbody tr').innerText")
    assert "Bob" in row and "Away now" in row
    assert "%s to %s" % (words(day(0)), words(day(2))) in row
    got = absences(pages, "bob")
    assert len(got) == 1
    # Whole days on the calendar, from the first day's start to the end of
    # the last: exactly what POST /v1/absences makes of the same dates.
    add(pages, "alice", day(0), day(2))
    api = absences(pages, "alice")[0]
    assert (got[0]["from"], got[0]["to"]) == (api["from"], api["to"])
    check_page(browser, "absences")


def test_a_manager_ends_an_absence_early(pages, browser):
    add(pages, "bob", day(-1), day(5))
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/absences"))
    browser.find(By.XPATH, "//button[starts-with(normalize-space(.), 'End now')]").click()
    browser.wait(lambda: "Absence ended" in text(browser), what="the banner")
    assert "Absence ended: Bob is back from now" in text(browser)
    assert "Nobody you work with is away" in text(browser)
    got = absences(pages, "bob")
    # Kept, ending now rather than in five days.
    assert len(got) == 1 and got[0]["to"] <= time.time() + 1
    check_page(browser, "absences-ended")


def test_an_absence_to_come_is_cancelled(pages):
    add(pages, "bob", day(3), day(4))
    s = PageSession(pages, "dora")
    status, _, body = s.get("/absences")
    assert "To come" in body.decode()
    a = absences(pages, "bob")[0]
    status, headers, _ = s.post("/absences", {"action": "cancel", "person": "bob",
                                              "id": str(a["id"])})
    assert status == 303 and "done=cancelled" in headers["location"]
    assert absences(pages, "bob") == []
    # Pressed twice (a second tab): said, not an error.
    status, headers, _ = s.post("/absences", {"action": "cancel", "person": "bob",
                                              "id": str(a["id"])})
    assert status == 303 and "done=missing" in headers["location"]


def test_a_worker_sees_their_teams_absences_and_no_form(pages, browser):
    add(pages, "bob", day(0), day(1))
    add(pages, "carol", day(0), day(1))   # another team's
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/absences"))
    page = text(browser)
    assert "Bob" in page and "Carol" not in page
    assert "Add an absence" not in page and "ask your team manager" in page.lower()
    assert browser.driver.find_elements(By.TAG_NAME, "select") == []
    assert browser.driver.find_elements(
        By.XPATH, "//button[starts-with(normalize-space(.), 'End now')]") == []
    check_page(browser, "absences-worker")


def test_a_worker_cannot_add_an_absence_for_someone_else(pages):
    d = datetime.date.fromisoformat(day(1))
    fields = [("action", "add"), ("person", "bob"), ("from-day", str(d.day)),
              ("from-month", str(d.month)), ("from-year", str(d.year)),
              ("to-day", str(d.day)), ("to-month", str(d.month)), ("to-year", str(d.year))]
    s = PageSession(pages, "alice")
    status, _, _ = s.post("/absences", fields)
    assert status == 403
    assert absences(pages) == []
    # Nor end one: changing absences is a manager's, as in the API.
    a = add(pages, "bob", day(0), day(1))
    status, _, _ = s.post("/absences", {"action": "end", "person": "bob", "id": str(a)})
    assert status == 403
    assert absences(pages, "bob")[0]["to"] > time.time() + 3600


def test_a_manager_cannot_touch_another_teams_absences(pages):
    d = datetime.date.fromisoformat(day(1))
    s = PageSession(pages, "dora")
    status, _, _ = s.post("/absences", [
        ("action", "add"), ("person", "carol"), ("from-day", str(d.day)),
        ("from-month", str(d.month)), ("from-year", str(d.year)), ("to-day", str(d.day)),
        ("to-month", str(d.month)), ("to-year", str(d.year))])
    assert status == 404
    a = add(pages, "carol", day(0), day(1))
    status, _, _ = s.post("/absences", {"action": "end", "person": "carol", "id": str(a)})
    assert status == 404
    assert absences(pages, "carol")[0]["to"] > time.time() + 3600


def test_a_change_without_the_csrf_token_is_refused(pages):
    a = add(pages, "bob", day(0), day(1))
    status, _, _ = PageSession(pages, "dora").post(
        "/absences", {"action": "end", "person": "bob", "id": str(a)}, csrf=False)
    assert status == 403
    assert absences(pages, "bob")[0]["to"] > time.time() + 3600


def test_the_absence_form_with_errors_says_what_to_fix(pages, browser):
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/absences"))
    browser.button("Add absence").click()
    browser.wait(lambda: "There is a problem" in text(browser), what="the error summary")
    for message, field in (("Choose who is away", "#person"),
                           ("Enter the first day away", "#from-day"),
                           ("Enter the last day away", "#to-day")):
        assert browser.find(By.LINK_TEXT, message).get_attribute("href").endswith(field)
    check_page(browser, "absences-errors")
    # The last day before the first: said so, and what was typed is kept.
    Select(browser.by_label("Who is away")).select_by_visible_text("Bob")
    fill_date(browser, "from", day(3))
    fill_date(browser, "to", day(2))
    browser.button("Add absence").click()
    browser.wait(lambda: "must be the same as or after" in text(browser), what="the error")
    assert Select(browser.by_label("Who is away")).first_selected_option.text == "Bob"
    assert browser.find(By.ID, "from-day").get_attribute("value") == \
        str(datetime.date.fromisoformat(day(3)).day)
    assert absences(pages) == []


def test_an_absence_wholly_in_the_past_is_refused(pages):
    d = datetime.date.fromisoformat(day(-2))
    status, _, body = PageSession(pages, "dora").post("/absences", [
        ("action", "add"), ("person", "bob"), ("from-day", str(d.day)),
        ("from-month", str(d.month)), ("from-year", str(d.year)), ("to-day", str(d.day)),
        ("to-month", str(d.month)), ("to-year", str(d.year))])
    assert status == 400
    assert "The last day away must be today or later" in html.unescape(body)
    assert absences(pages) == []
