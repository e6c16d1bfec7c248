"""The contacts pages (SPEC section 16): search the person's teams'
contacts by name, phone or reference; a contact's page, where its team's
managers change its worker, team and automatic receipts; a CSV import
checked whole, each bad line named, nothing stored if a line is wrong.
Another team's contact does not exist for you."""

import os
import re
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser import browser  # noqa: F401 (a fixture)
from fakes import FakeTwilio
from harness import free_port, wait_for
from providers import form_body, twilio_signature
from staff import FROM, TWILIO_TOKEN
from staffpages import Pages, pages_config, sign_in_browser, twilio_fake  # noqa: F401
from test_page_report import PageSession
from test_pages_browser import check_page

SAM = "+447700900301"      # leaving-care
JO = "+447700900302"       # leaving-care
KIM = "+447700900311"      # fostering


@pytest.fixture
def pages(make_replyd, redis_server, tmpdir_path, twilio_fake):  # noqa: F811
    """staffpages' replyd with receipts on, and three contacts."""
    port = free_port()
    cfg = pages_config(redis_server.port, tmpdir_path, port, twilio_fake.url)
    cfg["receipt"] = {"text": "Thanks, we have your message. We will reply by {deadline}."}
    p = Pages(make_replyd(cfg), twilio_fake)
    for cid, body in (("yp-sam", {"name": "Sam Smith", "phone": SAM, "worker": "alice",
                                  "team": "leaving-care"}),
                      ("yp-jo", {"name": "Jo Bloggs", "phone": JO, "team": "leaving-care"}),
                      ("yp-kim", {"name": "Kim Foster", "phone": KIM, "team": "fostering"})):
        status, out = p.d.api("PUT", "/v1/contacts/" + cid, body)
        assert status == 201, out
    return p


def rows(browser):
    """The names in the results table."""
    return [a.text for a in browser.driver.find_elements(
        By.CSS_SELECTOR, "table.replyd-contacts td:first-child a")]


def search(browser, text):
    box = browser.by_label("Search contacts")
    box.clear()
    box.send_keys(text)
    browser.button("Search").click()
    browser.wait(lambda: "q=" in browser.driver.current_url, what="the search's results")


def test_search_finds_a_contact_by_name_and_by_phone(pages, browser):
    sign_in_browser(browser, pages.d, "alice")
    browser.get(pages.url("/contacts"))
    # Only alice's team's contacts, never fostering's.
    assert sorted(rows(browser)) == ["Jo Bloggs", "Sam Smith"]
    check_page(browser, "contacts")
    search(browser, "smith")
    assert rows(browser) == ["Sam Smith"]
    # As staff write a number: shown as they dial it, linked to call.
    search(browser, "07700 900302")
    assert rows(browser) == ["Jo Bloggs"]
    link = browser.find(By.CSS_SELECTOR, "table.replyd-contacts a[href^='tel:']")
    assert link.text == "07700 900302" and link.get_attribute("href") == "tel:" + JO
    search(browser, "Kim")
    assert rows(browser) == [] and "No contact of your teams matches" in \
        browser.js("return document.body.innerText")


def test_the_list_is_paged_fifty_at_a_time(pages):
    for i in range(130):
        status, _ = pages.d.api("PUT", "/v1/contacts/yp-many-%03d" % i, {
            "phone": "+447700904%03d" % i, "team": "fostering", "name": "Many %03d" % i})
        assert status == 201
    s = PageSession(pages, "gina")
    seen, sizes, path = set(), [], "/contacts"
    for _ in range(20):
        status, _, body = s.get(path)
        assert status == 200
        names = set(re.findall(r">(Many \d+)</a>", body))
        seen |= names
        sizes.append(len(names))
        m = re.search(r'href="(/contacts\?q=&amp;cursor=\d+)" rel="next"', body)
        if not m:
            break
        path = m.group(1).replace("&amp;", "&")
    # Walked in pages of about 50 (a SCAN step is never split), every
    # contact seen.
    assert len(sizes) >= 2 and 45 <= sizes[0] < 130
    assert len(seen) == 130


def test_a_worker_cannot_see_another_teams_contact(pages):
    alice = PageSession(pages, "alice")
    status, _, missing = alice.get("/contacts/yp-nobody")
    status2, _, other = alice.get("/contacts/yp-kim")
    assert status == status2 == 404
    assert "Kim" not in other and KIM[-6:] not in other
    assert missing.split("<main", 1)[1] == other.split("<main", 1)[1]
    # Nor change it.
    assert alice.post("/contacts/yp-kim", {"worker": "alice", "team": "leaving-care",
                                           "receipt": "on"})[0] == 404
    assert pages.d.api("GET", "/v1/contacts/yp-kim")[1]["team"] == "fostering"


def test_opening_a_contact_is_recorded_in_its_read_trail(pages):
    status, _, body = PageSession(pages, "bob").get("/contacts/yp-sam")
    assert status == 200 and "07700 900301" in body
    reads = pages.d.api("GET", "/v1/contacts/yp-sam/reads")[1]["reads"]
    assert [r["by"] for r in reads] == ["bob"]


def test_a_worker_sees_a_contact_but_has_no_form_to_change_it(pages):
    status, _, body = PageSession(pages, "alice").get("/contacts/yp-sam")
    assert status == 200 and "Sam Smith" in body and "Save changes" not in body
    assert PageSession(pages, "alice").post(
        "/contacts/yp-sam", {"worker": "bob", "team": "leaving-care", "receipt": "on"})[0] == 403
    assert pages.d.api("GET", "/v1/contacts/yp-sam")[1]["worker"] == "alice"


def test_a_manager_changes_the_worker_and_team(pages, browser):
    sign_in_browser(browser, pages.d, "ash")
    browser.get(pages.url("/contacts/yp-jo"))
    Select(browser.by_label("Worker")).select_by_visible_text("Carol")
    Select(browser.by_label("Team")).select_by_visible_text("fostering")
    browser.button("Save changes").click()
    browser.wait(lambda: "Contact saved" in browser.js("return document.body.innerText"),
                 what="the saved banner")
    got = pages.d.api("GET", "/v1/contacts/yp-jo")[1]
    assert (got["worker"], got["team"], got["phone"], got["name"]) == \
        ("carol", "fostering", JO, "Jo Bloggs")
    check_page(browser, "contact")


def test_moving_a_contact_needs_both_teams(pages):
    # dora manages leaving-care only: fostering is not hers to move to.
    status, _, body = PageSession(pages, "dora").post(
        "/contacts/yp-sam", {"worker": "alice", "team": "fostering", "receipt": "on"})
    assert status == 400 and "Choose one of the teams you manage" in body
    assert pages.d.api("GET", "/v1/contacts/yp-sam")[1]["team"] == "leaving-care"


def receipts(pages, to):
    return [m for m in pages.twilio.messages() if m["To"] == to]


def sms(pages, sender):
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("AccountSid", "ACtest"),
              ("From", sender), ("To", FROM), ("Body", "hello"), ("NumMedia", "0")]
    sig = twilio_signature(TWILIO_TOKEN, pages.public + "/webhooks/twilio", params)
    status, _, _ = pages.d.request(
        "POST", "/webhooks/twilio", form_body(params),
        {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig})
    assert status == 200


def test_receipts_switched_off_on_the_page_send_no_receipt(pages, browser):
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/contacts/yp-sam"))
    browser.by_label("Do not send receipts").click()
    browser.button("Save changes").click()
    browser.wait(lambda: "Contact saved" in browser.js("return document.body.innerText"),
                 what="the saved banner")
    assert pages.d.api("GET", "/v1/contacts/yp-sam")[1]["receipt"] is False
    sms(pages, SAM)
    sms(pages, JO)
    # Jo's receipt is sent; Sam's was decided (none) when it was stored.
    wait_for(lambda: receipts(pages, JO), what="Jo's receipt")
    metrics = pages.d.request("GET", "/metrics")[2].decode()
    assert 'replyd_receipts_total{outcome="opted_out"} 1' in metrics
    assert receipts(pages, SAM) == []


def test_an_import_with_a_bad_line_names_it_and_imports_nothing(pages, browser):
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/contacts/import"))
    browser.by_label("Contacts as CSV").send_keys(
        "id,name,phone,worker\n"
        "yp-new1,Ali,07700 900351,alice\n"
        "yp-new2,Bea,07700 900352,bob\n"
        "yp-new3,Cas,0770,alice\n"
        "yp-new4,Dee,07700 900001,alice\n")
    browser.button("Import contacts").click()
    browser.wait(lambda: "There is a problem" in browser.driver.title or
                 "could not be imported" in browser.js("return document.body.innerText"),
                 what="the import's errors")
    text = browser.js("return document.querySelector('.govuk-error-summary').innerText")
    assert 'line 4: phone "0770" is not a UK mobile number' in text
    assert 'line 5: phone "07700 900001" is the phone of staff member Alice' in text
    assert "nothing was imported" in text
    # The text stays, to be corrected.
    assert "yp-new2,Bea" in browser.by_label("Contacts as CSV").get_attribute("value")
    for cid in ("yp-new1", "yp-new2"):
        assert pages.d.api("GET", "/v1/contacts/" + cid)[0] == 404
    check_page(browser, "contacts-import-errors")


def test_an_import_of_good_lines_stores_them_all(pages, browser, tmpdir_path):
    sign_in_browser(browser, pages.d, "dora")
    browser.get(pages.url("/contacts/import"))
    check_page(browser, "contacts-import")
    # A file chosen is read into the text box (the page's script).
    path = os.path.join(tmpdir_path, "contacts.csv")
    with open(path, "w") as f:
        f.write("id,name,phone,email,worker,receipt\n"
                "yp-new1,Ali,07700 900351,,alice,yes\n"
                "yp-new2,\"Bea, Jr\",,bea@example.org,bob,no\n")
    browser.by_label("Choose a CSV file").send_keys(path)
    browser.wait(lambda: "yp-new2" in browser.by_label("Contacts as CSV").get_attribute("value"),
                 what="the file in the text box")
    browser.button("Import contacts").click()
    browser.wait(lambda: "2 contacts imported" in browser.js("return document.body.innerText"),
                 what="the imported banner")
    ali = pages.d.api("GET", "/v1/contacts/yp-new1")[1]
    bea = pages.d.api("GET", "/v1/contacts/yp-new2")[1]
    assert (ali["phone"], ali["team"], ali["receipt"]) == ("+447700900351", "leaving-care", True)
    assert (bea["name"], bea["email"], bea["receipt"]) == ("Bea, Jr", "bea@example.org", False)


def test_an_import_cannot_replace_another_teams_contact(pages):
    status, _, body = PageSession(pages, "dora").post(
        "/contacts/import", {"csv": "id,phone\nyp-new9,07700 900359\nyp-kim,07700 900360\n"})
    assert status == 400 and "line 3: id &quot;yp-kim&quot; is taken" in body
    assert pages.d.api("GET", "/v1/contacts/yp-kim")[1]["phone"] == KIM
    assert pages.d.api("GET", "/v1/contacts/yp-new9")[0] == 404


def test_a_worker_cannot_import(pages):
    s = PageSession(pages, "alice")
    assert s.get("/contacts/import")[0] == 403
    assert s.post("/contacts/import", {"csv": "id,phone\nyp-x,07700 900361\n"})[0] == 403
    assert pages.d.api("GET", "/v1/contacts/yp-x")[0] == 404


def test_the_forms_refuse_a_post_without_the_csrf_token(pages):
    s = PageSession(pages, "dora")
    status, _, _ = s.post("/contacts/yp-sam", {"worker": "bob", "team": "leaving-care",
                                              "receipt": "off", "csrf": "wrong"})
    assert status == 403
    assert s.post("/contacts/import", {"csv": "id,phone\nyp-y,07700 900362\n",
                                       "csrf": ""})[0] == 403
    assert pages.d.api("GET", "/v1/contacts/yp-sam")[1]["receipt"] is True


def test_contact_pages_are_not_stored_by_the_browser_and_log_no_phone(pages):
    s = PageSession(pages, "dora")
    for path in ("/contacts", "/contacts?q=07700900301", "/contacts/yp-sam",
                 "/contacts/import"):
        status, headers, _ = s.get(path)
        assert status == 200 and headers["cache-control"] == "no-store", path
    s.post("/contacts/import", {"csv": "id,phone\nyp-z,0770 1\n"})
    log = pages.d.logtext()
    assert "900301" not in log and "0770 1" not in log
