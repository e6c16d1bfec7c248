"""Staff for the identity tests (SPEC section 15): two teams, their people,
a person's token each, and a signed-in browser session made the way a
person makes one (a sign-in link, used with a POST)."""

import http.client
import json
import re
import signal
import uuid

from harness import TOKEN, base_config, wait_for
from providers import form_body, twilio_signature

PUBLIC = "https://replyd.test"
ORIGIN = {"Origin": PUBLIC}
TWILIO_TOKEN = "twilio-auth-token-for-tests"
FROM = "+447700900000"

# A person's API token is "token-" + their id, padded to 16 characters.
PEOPLE = {
    "alice": {"name": "Alice", "phone": "+447700900001", "email": "alice@example.gov.uk"},
    "bob": {"name": "Bob", "phone": "+447700900002", "email": "bob@example.gov.uk"},
    "dora": {"name": "Dora", "phone": "+447700900004"},
    "carol": {"name": "Carol", "phone": "+447700900011", "email": "carol@example.gov.uk"},
    "frank": {"name": "Frank", "phone": "+447700900012", "email": "frank@example.gov.uk"},
    "gina": {"name": "Gina", "phone": "+447700900013", "email": "gina@example.gov.uk"},
    "ash": {"name": "Ash", "email": "ash@example.gov.uk", "role": "admin"},
}
BOARD = "duty-board-service-token-01"     # a service token, role manager
WORKER_SERVICE = "worker-service-token-0001"


def token(person):
    return ("token-%s-" % person).ljust(24, "x")


def two_teams(redis_port, tmpdir, auth=None, **extra):
    """leaving-care: alice and bob work, dora is duty manager (and so
    manages it).  fostering: carol works, frank is duty manager and gina
    manager.  ash is an admin in no team.  harness.TOKEN stays a service
    token with role admin."""
    cfg = base_config(redis_port, tmpdir, **extra)
    # A sign-in is several Redis round trips, each with an fsync: on a
    # busy machine one can take longer than the harness's 1s.
    cfg["redis"]["timeout"] = "5s"
    week = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in week}
    cfg["people"] = {k: dict(v) for k, v in PEOPLE.items()}
    cfg["teams"] = {
        "leaving-care": {"calendar": "office", "workers": ["alice", "bob"],
                         "duty": {d: "alice" for d in week}, "duty_manager": "dora"},
        "fostering": {"calendar": "office", "workers": ["carol"],
                      "duty": {d: "carol" for d in week}, "duty_manager": "frank",
                      "manager": "gina"},
    }
    cfg["default_team"] = "leaving-care"
    tokens = {TOKEN: {"name": "tests", "role": "admin"},
              BOARD: {"name": "duty-board", "role": "manager"},
              WORKER_SERVICE: {"name": "display", "role": "worker"}}
    tokens.update({token(p): {"person": p} for p in PEOPLE})
    cfg["api"] = {"tokens": tokens}
    cfg["channels"] = {"twilio": {"auth_token": TWILIO_TOKEN, "account_sid": "ACtest",
                                  "from": FROM, "api_base": "http://127.0.0.1:9"}}
    if auth is not None:
        cfg["auth"] = auth
    return cfg


def send_sms(d, sender, body="can you call me?"):
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("AccountSid", "ACtest"),
              ("From", sender), ("To", FROM), ("Body", body), ("NumMedia", "0")]
    sig = twilio_signature(TWILIO_TOKEN, PUBLIC + "/webhooks/twilio", params)
    status, _, _ = d.request("POST", "/webhooks/twilio", form_body(params),
                             {"Content-Type": "application/x-www-form-urlencoded",
                              "X-Twilio-Signature": sig})
    assert status == 200


def conversation_of(d, team, phone):
    """A contact of team writes in; returns the conversation's id."""
    cid = "yp-" + phone[-4:]
    status, body = d.api("PUT", "/v1/contacts/" + cid, {"phone": phone, "team": team,
                                                        "name": "Young person " + phone[-4:]})
    assert status in (200, 201), body
    send_sms(d, phone)

    def find():
        convs = d.api("GET", "/v1/conversations?team=" + team)[1]["conversations"]
        return next((c["id"] for c in convs if c["contact"] == cid), None)
    return wait_for(find, what="the conversation of " + cid)


def form(d, path, fields, headers=None):
    """POST a form; (status, headers, body)."""
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    return d.request("POST", path, form_body(list(fields.items())), h)


def cookie_of(headers, name="__Host-replyd-session"):
    """A cookie's value from a response's Set-Cookie, or None."""
    m = re.search(re.escape(name) + r"=([^;]*)", headers.get("set-cookie", ""))
    return m.group(1) if m and m.group(1) else None


def link_token(link):
    return link.split("token=", 1)[1]


def make_link(d, person):
    """A sign-in link for person, as replyctl makes it (POST
    /v1/signin-links with an admin's token)."""
    status, body = d.api("POST", "/v1/signin-links", {"person": person})
    assert status == 201, body
    return body["link"]


def use_link(d, link, headers=None):
    """Press "Sign in" on a link's page; (status, headers, body)."""
    h = dict(ORIGIN)
    h.update(headers or {})
    return form(d, "/signin/link", {"token": link_token(link)}, h)


class Session:
    """A signed-in browser: the session cookie and its CSRF token."""

    def __init__(self, d, cookie):
        self.d = d
        self.cookie = cookie
        status, me = self.get("/v1/me")
        assert status == 200, me
        self.me = me
        self.csrf = me.get("csrf")

    def request(self, method, path, body=None, headers=None):
        h = {"Cookie": "__Host-replyd-session=" + self.cookie}
        h.update(headers or {})
        status, rh, data = self.d.request(method, path, body, h)
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data
        return status, parsed

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body, origin=PUBLIC, csrf=True, extra=None):
        h = {}
        if origin is not None:
            h["Origin"] = origin
        if csrf:
            h["X-CSRF-Token"] = self.csrf
        h.update(extra or {})
        return self.request("POST", path, body, h)


def sign_in(d, person):
    """Sign person in with a link; their Session."""
    status, headers, _ = use_link(d, make_link(d, person))
    assert status == 303, status
    return Session(d, cookie_of(headers))


def reload(d, config):
    """Write config, SIGHUP, and wait for the reload to be done."""
    before = d.logtext().count("configuration reloaded")
    d.write_config(config)
    d.signal(signal.SIGHUP)
    wait_for(lambda: d.logtext().count("configuration reloaded") > before,
             what="the reload")


def raw_get(d, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        conn.close()
