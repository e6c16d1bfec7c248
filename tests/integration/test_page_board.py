"""The team duty board (SPEC section 16, serve/board.c): who is on duty
now, overdue, due soon and taken; it keeps itself up to date without a
reload, works on a wall screen with a service token in the link's
fragment, and shows another team's board to nobody outside it.

leaving-care promises a response within 2 working seconds (so its
conversations are overdue almost at once) and fostering within 30 working
minutes (so its conversations are due within the hour), both on an
all-day calendar."""

import datetime
import json
import urllib.parse
import uuid

import pytest
from selenium.webdriver.common.by import By

from browser import browser  # noqa: F401 (a fixture)
from harness import free_port, wait_for
from staff import BOARD, WORKER_SERVICE, cookie_of, link_token, make_link, token
from staff import form as post_form
from staffpages import Pages, pages_config, sign_in_browser, twilio_fake  # noqa: F401
from test_pages_browser import check_page

try:
    from zoneinfo import ZoneInfo
    LONDON = ZoneInfo("Europe/London")
except ImportError:             # pragma: no cover
    LONDON = None


def board_config(redis_port, tmpdir, port, twilio_url):
    cfg = pages_config(redis_port, tmpdir, port, twilio_url)
    cfg["teams"]["leaving-care"]["respond_within"] = "2 working seconds"
    cfg["teams"]["fostering"]["respond_within"] = "30 working minutes"
    return cfg


@pytest.fixture
def board(make_replyd, redis_server, tmpdir_path, twilio_fake):
    port = free_port()
    d = make_replyd(board_config(redis_server.port, tmpdir_path, port, twilio_fake.url))
    return Pages(d, twilio_fake)


def write_in(pages, team, worker=None, body="please ring me"):
    """A contact of team (allocated to worker) writes in; the
    conversation's id."""
    phone = "+4477009%05d" % (uuid.uuid4().int % 100000)
    cid = "yp-" + uuid.uuid4().hex[:8]
    contact = {"phone": phone, "team": team, "name": "Young person " + phone[-4:]}
    if worker:
        contact["worker"] = worker
    status, out = pages.d.api("PUT", "/v1/contacts/" + cid, contact)
    assert status in (200, 201), out
    pages.sms(phone, body)

    def find():
        convs = pages.d.api("GET", "/v1/conversations?team=" + team)[1]["conversations"]
        return next((c["id"] for c in convs if c["contact"] == cid), None)
    return wait_for(find, what="the conversation of " + cid)


class Signed:
    """A person signed in over plain HTTP (a sign-in link, then its form),
    for rules that need no browser."""

    def __init__(self, pages, person):
        self.d = pages.d
        status, headers, _ = post_form(
            pages.d, "/signin/link", {"token": link_token(make_link(pages.d, person))},
            {"Origin": pages.public})
        assert status == 303, status
        self.cookie = "replyd-session=" + cookie_of(headers, "replyd-session")

    def request(self, path):
        """GET path with the session: (status, headers, body)."""
        return self.d.request("GET", path, headers={"Cookie": self.cookie})

    def get(self, path):
        status, _, body = self.request(path)
        return status, body


def sign_in(pages, person):
    return Signed(pages, person)


def board_json(pages, team, tok=BOARD):
    status, body = pages.d.api("GET", "/v1/teams/%s/board" % team, token=tok)
    assert status == 200, body
    return body


def ids(board, key):
    return [c["id"] for c in board[key]["conversations"]]


def wait_listed(pages, team, key, cid):
    return wait_for(lambda: cid in ids(board_json(pages, team), key) and board_json(pages, team),
                    what="%s listed as %s" % (cid, key))


def listed(b, key):
    """The conversation references the browser shows in one list."""
    return b.js("return Array.from(document.querySelectorAll("
                "'[data-board-list=%s] .replyd-board__ref')).map(a => a.textContent)" % key)


def section_text(b, key):
    return b.js("return document.getElementById('board-%s').closest('section').innerText" % key)


def today():
    now = datetime.datetime.now(LONDON) if LONDON else datetime.datetime.now()
    return now.date().isoformat()


def test_the_board_lists_an_overdue_conversation(board, browser):
    cid = write_in(board, "leaving-care", "alice")
    wait_listed(board, "leaving-care", "overdue", cid)
    sign_in_browser(browser, board.d, "alice")
    browser.get(board.url("/board/leaving-care"))
    assert "Conversation " + cid in listed(browser, "overdue")
    text = section_text(browser, "overdue")
    # Seconds past its deadline: "overdue" (a minute later "overdue by 1 minute").
    assert "\noverdue" in text
    assert "Nobody has taken it" in text
    link = browser.find(By.LINK_TEXT, "Conversation " + cid)
    assert link.get_attribute("href") == board.url("/c/" + cid)


def test_a_conversation_due_within_a_working_hour_is_due_soon(board, browser):
    cid = write_in(board, "fostering", "carol")
    body = wait_listed(board, "fostering", "due_soon", cid)
    assert body["due_soon"]["count"] == 1 and body["overdue"]["count"] == 0
    assert body["due_soon"]["conversations"][0]["due_words"].startswith("due in")
    sign_in_browser(browser, board.d, "carol")
    browser.get(board.url("/board/fostering"))
    assert listed(browser, "soon") == ["Conversation " + cid]
    assert "due in 30 working minutes" in section_text(browser, "soon") or \
        "due in 29 working minutes" in section_text(browser, "soon")


def test_a_taken_conversation_shows_who_took_it_and_until_when(board, browser):
    cid = write_in(board, "fostering", "carol")
    status, out = board.d.api("POST", "/v1/conversations/%s/ack" % cid, {}, token=token("frank"))
    assert status == 200, out
    body = wait_listed(board, "fostering", "taken", cid)
    taken = body["taken"]["conversations"][0]
    assert taken["acknowledged_by"] == "frank" and taken["acknowledged_until"]
    assert cid not in ids(body, "due_soon")
    sign_in_browser(browser, board.d, "carol")
    browser.get(board.url("/board/fostering"))
    assert listed(browser, "taken") == ["Conversation " + cid]
    assert "Taken by Frank until" in section_text(browser, "taken")


def test_the_board_shows_who_is_on_duty_now(board, browser):
    sign_in_browser(browser, board.d, "bob")
    browser.get(board.url("/board/leaving-care"))

    def duty(role):
        return browser.js("return document.querySelector('[data-board-duty=%s]').textContent"
                          % role).strip()
    assert duty("worker") == "Alice" and duty("manager") == "Dora"
    # A dated override beats the weekly pattern; an absence says who is away.
    status, out = board.d.api("PUT", "/v1/teams/leaving-care/duty/" + today(),
                              {"worker": "bob"}, token=token("dora"))
    assert status == 200, out
    status, out = board.d.api("POST", "/v1/absences",
                              {"person": "dora", "from": today(), "to": today()},
                              token=token("dora"))
    assert status in (200, 201), out
    browser.get(board.url("/board/leaving-care"))
    assert duty("worker") == "Bob" and duty("manager") == "Dora (away now)"
    on_duty = board_json(board, "leaving-care")["on_duty"]
    assert on_duty["duty_worker"] == "bob" and on_duty["override"] is True
    assert on_duty["duty_manager_away"] is True


def test_the_board_updates_its_lists_without_a_reload(board, browser):
    sign_in_browser(browser, board.d, "carol")
    browser.get(board.url("/board/fostering?refresh=2"))
    assert listed(browser, "soon") == []
    browser.js("window.replydNotReloaded = true")
    cid = write_in(board, "fostering", "carol")
    browser.wait(lambda: "Conversation " + cid in listed(browser, "soon"),
                 what="the new conversation on the board")
    assert browser.js("return window.replydNotReloaded") is True
    assert browser.js("return document.querySelector('[data-board-count=soon]')"
                      ".textContent") == "(1)"
    assert browser.console_errors() == []


def test_a_wall_screen_shows_the_board_with_a_service_token(board, browser):
    cid = write_in(board, "leaving-care", "alice")
    wait_listed(board, "leaving-care", "overdue", cid)
    # Not signed in: the token is in the fragment, which no request carries.
    browser.get(board.url("/board/leaving-care/wall?refresh=2#token=" +
                          urllib.parse.quote(BOARD)))
    browser.wait(lambda: "Conversation " + cid in listed(browser, "overdue"),
                 what="the overdue conversation on the wall screen")
    assert browser.js("return document.querySelector('[data-board-duty=worker]')"
                      ".textContent") == "Alice"
    assert BOARD not in board.d.logtext()
    # The page itself carries no data: only the JSON with the token does.
    status, _, html = board.d.request("GET", "/board/leaving-care/wall")
    assert status == 200 and cid.encode() not in html
    status, _, _ = board.d.request("GET", "/v1/teams/leaving-care/board")
    assert status == 401


def test_a_wall_screen_with_a_wrong_token_says_so(board, browser):
    browser.get(board.url("/board/leaving-care/wall#token=not-the-token"))
    browser.wait(lambda: "was refused" in browser.js("return document.body.innerText"),
                 what="the refused-token message")
    assert browser.js("return document.querySelector('[data-board-problem]').hidden") is False
    browser.get(board.url("/board/leaving-care/wall"))
    browser.wait(lambda: "has no token" in browser.js("return document.body.innerText"),
                 what="the missing-token message")


def test_another_teams_board_is_not_found_for_a_person(board):
    carol = sign_in(board, "carol")
    status, _ = carol.get("/board/leaving-care")
    missing, _ = carol.get("/board/no-such-team")
    assert status == missing == 404
    status, body = board.d.api("GET", "/v1/teams/leaving-care/board", token=token("carol"))
    missing, nobody = board.d.api("GET", "/v1/teams/no-such-team/board", token=token("carol"))
    assert status == missing == 404 and body == nobody
    # A service token sees every team, at its role.
    assert board_json(board, "leaving-care", WORKER_SERVICE)["team"] == "leaving-care"


def test_the_boards_page_goes_straight_to_a_persons_only_team(board):
    carol = sign_in(board, "carol")
    status, headers, _ = carol.request("/board")
    assert status == 303 and headers["location"] == "/board/fostering"


def test_a_list_shows_its_first_25_and_how_many_more(board, browser):
    made = [write_in(board, "leaving-care", "bob") for _ in range(27)]
    body = wait_for(lambda: (lambda b: b["overdue"]["count"] == 27 and b)(
        board_json(board, "leaving-care")), what="27 overdue")
    assert len(body["overdue"]["conversations"]) == 25 and body["overdue"]["more"] == 2
    # Soonest deadline first (deadlines are whole seconds: ties by id).
    deadlines = [c["deadline"] for c in body["overdue"]["conversations"]]
    assert deadlines == sorted(deadlines)
    status, first = board.d.api("GET", "/v1/conversations/" + made[0])
    assert status == 200 and first["deadline"] == deadlines[0]
    sign_in_browser(browser, board.d, "bob")
    browser.get(board.url("/board/leaving-care"))
    assert len(listed(browser, "overdue")) == 25
    assert "and 2 more" in section_text(browser, "overdue")
    assert browser.js("return document.querySelector('[data-board-count=overdue]')"
                      ".textContent") == "(27)"


def test_the_board_shows_no_message_words(board):
    cid = write_in(board, "leaving-care", "alice", body="my secret words")
    wait_listed(board, "leaving-care", "overdue", cid)
    alice = sign_in(board, "alice")
    status, html = alice.get("/board/leaving-care")
    assert status == 200 and b"secret" not in html
    assert b"secret" not in json.dumps(board_json(board, "leaving-care")).encode()


def test_the_board_passes_axe_desktop_and_phone(board, browser):
    write_in(board, "fostering", "carol")
    cid = write_in(board, "fostering", "carol")
    board.d.api("POST", "/v1/conversations/%s/ack" % cid, {}, token=token("frank"))
    sign_in_browser(browser, board.d, "carol")
    browser.get(board.url("/board/fostering"))
    browser.wait(lambda: "Updates every" in browser.js("return document.body.innerText"),
                 what="board.js's first update")
    check_page(browser, "board")


def test_the_wall_screen_passes_axe_desktop_and_phone(board, browser):
    cid = write_in(board, "leaving-care", "alice")
    wait_listed(board, "leaving-care", "overdue", cid)
    browser.get(board.url("/board/leaving-care/wall#token=" + urllib.parse.quote(BOARD)))
    browser.wait(lambda: "Conversation " + cid in listed(browser, "overdue"),
                 what="the wall screen's first update")
    check_page(browser, "board-wall")
