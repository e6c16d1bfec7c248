"""The home page, GET / (SPEC section 16, serve/home.c): what is waiting
for me (my young people's open conversations, and those I have taken),
then my teams' overdue and due-today conversations, each with who has it
and when it is due in words; never a message's words."""

from selenium.webdriver.common.by import By

from browser import browser  # noqa: F401 (a fixture)
from staff import token
from staffpages import sign_in_browser, twilio_fake  # noqa: F401 (a fixture)
from test_page_board import board, board_json, sign_in, wait_listed, write_in  # noqa: F401
from test_pages_browser import check_page


def section(b, heading):
    """The text from a heading up to the next heading of its level or higher."""
    return b.js("""
        const h = Array.from(document.querySelectorAll('main h1, main h2'))
          .find(e => e.textContent.trim() === arguments[0]);
        if (!h) return null;
        let out = '', e = h.nextElementSibling;
        while (e && !/^H[12]$/.test(e.tagName)) { out += e.innerText + '\\n'; e = e.nextElementSibling; }
        return out;""", heading)


def test_home_lists_my_waiting_conversation_with_its_due_words_and_who_took_it(board, browser):
    cid = write_in(board, "fostering", "carol")
    status, out = board.d.api("POST", "/v1/conversations/%s/ack" % cid, {}, token=token("frank"))
    assert status == 200, out
    wait_listed(board, "fostering", "taken", cid)
    sign_in_browser(browser, board.d, "carol")
    browser.get(board.url("/"))
    mine = section(browser, "Waiting for you")
    assert "Conversation " + cid in mine
    assert "due in 29 working minutes" in mine or "due in 30 working minutes" in mine
    assert "Taken by Frank until" in mine
    link = browser.find(By.LINK_TEXT, "Conversation " + cid)
    assert link.get_attribute("href") == board.url("/c/" + cid)


def test_home_lists_a_conversation_i_have_taken_that_is_not_my_contacts(board, browser):
    cid = write_in(board, "leaving-care", "alice")
    status, out = board.d.api("POST", "/v1/conversations/%s/ack" % cid, {}, token=token("bob"))
    assert status == 200, out
    wait_listed(board, "leaving-care", "taken", cid)
    sign_in_browser(browser, board.d, "bob")
    browser.get(board.url("/"))
    assert "Conversation " + cid in section(browser, "Waiting for you")
    assert "Taken by Bob until" in section(browser, "Waiting for you")


def test_home_does_not_list_a_colleagues_conversation_as_mine(board, browser):
    cid = write_in(board, "leaving-care", "alice")
    wait_listed(board, "leaving-care", "overdue", cid)
    sign_in_browser(browser, board.d, "bob")
    browser.get(board.url("/"))
    assert "Conversation " + cid not in section(browser, "Waiting for you")
    assert "Nothing is waiting for you." in section(browser, "Waiting for you")
    # ... but it is in the team's overdue list, with who has it.
    team = section(browser, "leaving-care: overdue and due today")
    assert "Conversation " + cid in team and "overdue" in team
    assert "Nobody has taken it" in team and "Worker: Alice" in team


def test_home_lists_my_teams_overdue_and_due_today_with_who_has_it(board, browser):
    overdue = write_in(board, "leaving-care", "bob")
    wait_listed(board, "leaving-care", "overdue", overdue)
    status, out = board.d.api("POST", "/v1/conversations/%s/ack" % overdue, {},
                              token=token("dora"))
    assert status == 200, out
    wait_listed(board, "leaving-care", "taken", overdue)
    sign_in_browser(browser, board.d, "alice")
    browser.get(board.url("/"))
    team = section(browser, "leaving-care: overdue and due today")
    assert "Conversation " + overdue in team
    assert "overdue" in team and "Taken by Dora until" in team
    # Not another team's.
    assert section(browser, "fostering: overdue and due today") is None


def test_home_shows_no_message_words(board):
    cid = write_in(board, "leaving-care", "alice", body="my secret words")
    wait_listed(board, "leaving-care", "overdue", cid)
    alice = sign_in(board, "alice")
    status, html = alice.get("/")
    assert status == 200 and cid.encode() in html
    assert b"secret" not in html


def test_home_signed_out_goes_to_sign_in_and_back(board):
    status, headers, _ = board.d.request("GET", "/")
    assert status == 303 and headers["location"] == "/signin?return=/"
    status, headers, _ = board.d.request("GET", "/?from=alert")
    assert status == 303 and headers["location"] == "/signin?return=/%3Ffrom%3Dalert"


def test_home_passes_axe_desktop_and_phone(board, browser):
    mine = write_in(board, "leaving-care", "alice")
    write_in(board, "leaving-care", "bob")
    board.d.api("POST", "/v1/conversations/%s/ack" % mine, {}, token=token("bob"))
    wait_listed(board, "leaving-care", "taken", mine)
    sign_in_browser(browser, board.d, "alice")
    browser.get(board.url("/"))
    check_page(browser, "home-lists")
