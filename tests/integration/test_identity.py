"""Signing in with a link, sessions and CSRF (SPEC section 15): a link is
sent through the person's alert channel, works once and within its time,
and the answer never says whether an address is staff's; sessions time out
when idle and at their absolute end, end at sign-out and when their person
leaves the configuration; a cookie-authorized change needs the session's
CSRF token and our own origin."""

import os
import re
import subprocess

import pytest

from fakes import FakeSMTP, FakeTwilio, make_certificate
from harness import BUILD, TOKEN, wait_for
from staff import (ORIGIN, PUBLIC, Session, cookie_of, form, link_token, make_link, raw_get,
                   reload, sign_in, token, two_teams, use_link)


@pytest.fixture
def smtp(tmpdir_path):
    cert, key = make_certificate(tmpdir_path)
    fake = FakeSMTP(cert, key, mode="smtps")
    fake.ca_file = cert
    yield fake
    fake.close()


@pytest.fixture
def twilio():
    fake = FakeTwilio("ACtest", "twilio-auth-token-for-tests")
    yield fake
    fake.close()


def link_config(redis_port, tmpdir, smtp=None, twilio=None, **auth):
    """Two teams, links through smtp (email) and twilio (SMS)."""
    cfg = two_teams(redis_port, tmpdir, auth=auth)
    if smtp is not None:
        cfg["channels"]["smtp"] = {"url": smtp.url, "from": "replyd@council.test",
                                   "ca_file": smtp.ca_file, "timeout_ms": 5000}
        cfg["alerts"] = {"email": "smtp"}
    if twilio is not None:
        cfg["channels"]["twilio"]["api_base"] = twilio.url
        cfg.setdefault("alerts", {})["sms"] = "twilio"
    return cfg


def ask(d, address, headers=None):
    """POST /signin for an address; (status, headers, body)."""
    h = dict(ORIGIN)
    h.update(headers or {})
    return form(d, "/signin", {"email": address, "return": "/"}, h)


def emailed_link(smtp, address):
    """The sign-in link in the (one) email to address."""
    mail = wait_for(lambda: [m for m in smtp.received() if m.rcpt == [address]],
                    what="the sign-in email to " + address)
    [m] = mail
    text = m.data.decode().replace("=\r\n", "").replace("=3D", "=")
    return re.search(re.escape(PUBLIC) + r"/signin/link\?token=[A-Za-z0-9_-]+", text).group(0)


def test_a_sign_in_link_is_emailed_and_works_once(make_replyd, redis_server, tmpdir_path, smtp):
    d = make_replyd(link_config(redis_server.port, tmpdir_path, smtp=smtp))
    status, _, body = ask(d, "Alice@Example.gov.uk")
    assert status == 200 and b"Check your email" in body
    link = emailed_link(smtp, "alice@example.gov.uk")
    status, headers, _ = use_link(d, link)
    assert status == 303 and headers["location"] == "/"
    s = Session(d, cookie_of(headers))
    assert s.me["person"] == "alice"
    status, headers, body = use_link(d, link)
    assert status == 400 and cookie_of(headers) is None
    assert b"cannot be used" in body
    # The token itself is never logged, nor the address in full.
    log = d.logtext()
    assert link_token(link) not in log and "alice@example.gov.uk" not in log.lower()


def test_a_sign_in_link_goes_by_sms_to_someone_with_no_email(make_replyd, redis_server,
                                                              tmpdir_path, twilio):
    d = make_replyd(link_config(redis_server.port, tmpdir_path, twilio=twilio))
    assert ask(d, "07700 900004")[0] == 200
    [sms] = wait_for(lambda: twilio.messages(), what="the sign-in text")
    assert sms["To"] == "+447700900004"
    link = re.search(re.escape(PUBLIC) + r"\S+", sms["Body"]).group(0)
    status, headers, _ = use_link(d, link)
    assert status == 303 and Session(d, cookie_of(headers)).me["person"] == "dora"


def test_opening_a_link_only_shows_a_button(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path))
    link = make_link(d, "bob")
    path = link[len(PUBLIC):]
    for _ in range(3):      # a mail scanner fetching the link, then the person
        status, headers, body = raw_get(d, path)
        assert status == 200 and re.search(rb'<button type="submit"[^>]*>Sign in</button>', body)
        assert "set-cookie" not in {k.lower() for k, _ in headers}
    assert use_link(d, link)[0] == 303


def test_an_expired_sign_in_link_is_refused(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path, link_ttl="1s"))
    link = make_link(d, "bob")
    wait_for(lambda: redis_server.cli("--scan", "--pattern", "rd:signin:*") == "",
             what="the link to expire")
    status, headers, body = use_link(d, link)
    assert status == 400 and cookie_of(headers) is None


def test_an_unknown_address_is_answered_exactly_like_a_known_one(make_replyd, redis_server,
                                                                 tmpdir_path, smtp):
    d = make_replyd(link_config(redis_server.port, tmpdir_path, smtp=smtp))
    known = ask(d, "alice@example.gov.uk")
    unknown = ask(d, "mallory@example.gov.uk")
    not_staff = ask(d, "07700 900999")
    drop = lambda h: {k: v for k, v in h.items() if k != "date"}
    assert known[0] == unknown[0] == not_staff[0] == 200
    assert known[2] == unknown[2] == not_staff[2]
    assert drop(known[1]) == drop(unknown[1]) == drop(not_staff[1])
    emailed_link(smtp, "alice@example.gov.uk")
    assert len(smtp.received()) == 1


def test_sign_in_attempts_are_limited_per_address(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path,
                                signin_rate={"per_address": 2, "per_ip": 100,
                                             "window": "10m"}))
    for address in ("alice@example.gov.uk", "nobody@example.gov.uk"):
        assert [ask(d, address)[0] for _ in range(3)] == [200, 200, 429]
        status, headers, body = ask(d, address.upper())
        assert status == 429 and int(headers["retry-after"]) > 0
    assert ask(d, "bob@example.gov.uk")[0] == 200


def test_sign_in_attempts_are_limited_per_client(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path,
                                signin_rate={"per_address": 100, "per_ip": 3,
                                             "window": "10m"}))
    # X-Forwarded-For from a peer that is no trusted proxy changes nothing.
    codes = [ask(d, "p%d@example.gov.uk" % i, {"X-Forwarded-For": "203.0.113.%d" % i})[0]
             for i in range(4)]
    assert codes == [200, 200, 200, 429]


def test_forwarded_for_counts_behind_a_trusted_proxy(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path,
                                trusted_proxies=["127.0.0.1"],
                                signin_rate={"per_address": 100, "per_ip": 2,
                                             "window": "10m"}))
    a = {"X-Forwarded-For": "203.0.113.7"}
    b = {"X-Forwarded-For": "198.51.100.8, 127.0.0.1"}
    assert [ask(d, "x%d@example.gov.uk" % i, a)[0] for i in range(3)] == [200, 200, 429]
    assert [ask(d, "y%d@example.gov.uk" % i, b)[0] for i in range(3)] == [200, 200, 429]


def test_replyctl_signin_link_prints_a_working_link(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path))
    out = subprocess.run([os.path.join(BUILD, "replyctl"), "signin-link", "-c", d.path, "gina"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    link = out.stdout.strip()
    assert re.fullmatch(re.escape(PUBLIC) + r"/signin/link\?token=[A-Za-z0-9_-]{43}", link)
    status, headers, _ = use_link(d, link)
    assert Session(d, cookie_of(headers)).me["person"] == "gina"
    out = subprocess.run([os.path.join(BUILD, "replyctl"), "signin-link", "-c", d.path, "zed"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and "no person" in out.stderr


def test_making_links_needs_an_admins_api_token(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path))
    assert d.api("POST", "/v1/signin-links", {"person": "bob"}, token=token("dora"))[0] == 403
    assert d.api("POST", "/v1/signin-links", {"person": "bob"}, token=token("ash"))[0] == 201
    # Not from a browser session, even an admin's.
    s = sign_in(d, "ash")
    assert s.post("/v1/signin-links", {"person": "bob"})[0] == 403


def test_the_session_cookie_is_httponly_samesite_lax_and_secure(make_replyd, redis_server,
                                                                tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path))
    status, headers, _ = use_link(d, make_link(d, "bob"))
    attrs = [a.strip() for a in headers["set-cookie"].split(";")]
    assert attrs[0].startswith("__Host-replyd-session=")
    assert len(attrs[0].split("=", 1)[1]) == 43              # 256 random bits
    assert {"Path=/", "HttpOnly", "SameSite=Lax", "Secure"} <= set(attrs)
    # Only its hash names the session in Redis.
    [key] = redis_server.cli("--scan", "--pattern", "rd:session:*").split()
    assert attrs[0].split("=", 1)[1] not in key


def test_a_session_times_out_when_idle(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path, session_idle="1s",
                                session_max="1h"))
    s = sign_in(d, "bob")
    wait_for(lambda: redis_server.cli("--scan", "--pattern", "rd:session:*") == "",
             what="the idle session to end")
    assert s.get("/v1/me")[0] == 401


def test_a_session_ends_at_its_absolute_timeout_even_in_use(make_replyd, redis_server,
                                                            tmpdir_path):
    import time
    d = make_replyd(link_config(redis_server.port, tmpdir_path, session_idle="1m",
                                session_max="2s"))
    start = time.monotonic()
    s = sign_in(d, "bob")
    wait_for(lambda: s.get("/v1/me")[0] == 401, interval=0.2,
             what="the session to reach its absolute end")
    assert time.monotonic() - start >= 2


def test_signing_out_ends_the_session(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path))
    s = sign_in(d, "bob")
    status, headers, body = form(d, "/signout", {"csrf": s.csrf},
                                 {"Cookie": "__Host-replyd-session=" + s.cookie, **ORIGIN})
    assert status == 200 and "Max-Age=0" in headers["set-cookie"]
    assert s.get("/v1/me")[0] == 401
    assert redis_server.cli("--scan", "--pattern", "rd:session:*") == ""


def test_a_person_removed_by_reload_is_signed_out(make_replyd, redis_server, tmpdir_path):
    cfg = link_config(redis_server.port, tmpdir_path)
    d = make_replyd(cfg)
    bob, alice = sign_in(d, "bob"), sign_in(d, "alice")
    del cfg["people"]["bob"]
    cfg["teams"]["leaving-care"]["workers"] = ["alice"]
    del cfg["api"]["tokens"][token("bob")]
    reload(d, cfg)
    assert bob.get("/v1/me")[0] == 401
    assert alice.get("/v1/me")[0] == 200
    assert len(redis_server.cli("--scan", "--pattern", "rd:session:*").split()) == 1


def test_a_cross_origin_post_with_a_valid_cookie_is_refused(make_replyd, redis_server,
                                                            tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path))
    s = sign_in(d, "dora")
    path = "/v1/teams/leaving-care/duty/2026-06-01"
    for origin in ("https://evil.example", "http://replyd.test", "https://replyd.test.evil"):
        status, body = s.request("PUT", path, {"worker": "bob"},
                                 {"Origin": origin, "X-CSRF-Token": s.csrf})
        assert status == 403, origin
    # Origin: null, and no Sec-Fetch-Site to vouch for it.
    assert s.request("PUT", path, {"worker": "bob"},
                     {"Origin": "null", "X-CSRF-Token": s.csrf})[0] == 403
    assert d.api("GET", path)[1]["override"] is False


def test_a_cookie_post_without_the_csrf_token_is_refused(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path))
    s = sign_in(d, "dora")
    path = "/v1/teams/leaving-care/duty/2026-06-01"
    assert s.request("PUT", path, {"worker": "bob"}, {"Origin": PUBLIC})[0] == 403
    assert s.request("PUT", path, {"worker": "bob"},
                     {"Origin": PUBLIC, "X-CSRF-Token": "x" * 43})[0] == 403


def test_the_same_post_with_the_token_and_same_origin_is_accepted(make_replyd, redis_server,
                                                                   tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path))
    s = sign_in(d, "dora")
    path = "/v1/teams/leaving-care/duty/2026-06-01"
    assert s.request("PUT", path, {"worker": "bob"},
                     {"Origin": PUBLIC, "X-CSRF-Token": s.csrf})[0] == 200
    # Where a browser sends Origin: null, Sec-Fetch-Site stands in.
    assert s.request("PUT", path, {"worker": "alice"},
                     {"Origin": "null", "Sec-Fetch-Site": "same-origin",
                      "X-CSRF-Token": s.csrf})[0] == 200
    assert d.api("GET", path)[1]["duty_worker"] == "alice"
    # A bearer token needs neither.
    assert d.api("PUT", path, {"worker": "bob"}, token=token("dora"))[0] == 200


def test_a_sign_in_form_from_another_site_is_refused(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path))
    link = make_link(d, "bob")
    status, headers, _ = use_link(d, link, {"Origin": "https://evil.example"})
    assert status == 403 and cookie_of(headers) is None
    assert ask(d, "bob@example.gov.uk", {"Origin": "https://evil.example"})[0] == 403
    assert use_link(d, link)[0] == 303      # not used up by the refused one


def test_sign_in_pages_carry_the_security_headers(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path))
    status, headers, body = raw_get(d, "/signin?return=/c/1-1")
    h = {k.lower(): v for k, v in headers}
    assert status == 200 and h["content-type"].startswith("text/html")
    csp = h["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "same-origin"
    assert re.search(rb'<label [^>]*for="email">Work email address</label>', body)
    assert b'value="/c/1-1"' in body
    # Everything from the request is escaped.
    status, headers, body = raw_get(d, "/signin?return=/%22%3E%3Cscript%3E")
    assert b"<script>" not in body and b"&quot;&gt;&lt;script&gt;" in body


def test_signed_out_the_start_page_goes_to_sign_in(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(link_config(redis_server.port, tmpdir_path))
    status, headers, _ = raw_get(d, "/")
    assert status == 303 and dict(headers)["Location"] == "/signin?return=/"
    s = sign_in(d, "bob")
    status, headers, body = raw_get(d, "/", {"Cookie": "__Host-replyd-session=" + s.cookie})
    assert status == 200 and b"Signed in as Bob" in body and s.csrf.encode() in body


def write(tmpdir, cfg):
    import json
    path = os.path.join(tmpdir, "checked.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


@pytest.mark.parametrize("change,message", [
    (lambda c: c["people"]["bob"].update(role="manager"), "the only role"),
    (lambda c: c["api"]["tokens"][token("bob")].update(role="admin"), "only \"person\""),
    (lambda c: c["api"]["tokens"].update({"a-token-of-nobody-0001": {"person": "zed"}}),
     "no person \"zed\""),
    (lambda c: c.update(auth={"link_ttl": "16m"}), "auth.link_ttl"),
    (lambda c: c.update(auth={"trusted_proxies": ["10.0.0.0/40"]}), "trusted_proxies"),
    (lambda c: c.update(auth={"oidc": {"issuer": "http://login.example", "client_id": "x",
                                       "client_secret": "y"}}), "https"),
    (lambda c: c.update(auth={"oidc": {
        "issuer": "https://login.microsoftonline.com/common/v2.0", "client_id": "x",
        "client_secret": "y"}}), "multi-tenant"),
    (lambda c: c.update(auth={"oidc": {"issuer": "https://login.example", "client_id": "x"}}),
     "client_secret"),
    (lambda c: c.update(auth={"sesion_idle": "1m"}), "unknown key"),
])
def test_identity_keys_are_checked_when_the_configuration_loads(redis_server, tmpdir_path,
                                                                change, message):
    from harness import check_config
    cfg = link_config(redis_server.port, tmpdir_path)
    change(cfg)
    rc, out = check_config(write(tmpdir_path, cfg))
    assert rc == 1 and message in out, out

