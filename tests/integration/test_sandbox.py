"""The sandbox channel and what every staff page shares (SPEC §16): /sandbox
takes a young person's message through the same intake as a provider's
delivery and shows every message replyd sent through it; pages carry the
security headers; the assets are GOV.UK Frontend's, served from memory with
the right type and cache; no GOV.UK crown, brand or font.  The browser's
view of the same pages is in test_pages_browser.py."""

import json
import html
import re
import signal
import urllib.parse

import pytest

from harness import ROOT, base_config, wait_for

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
XSS = ('<script>alert("x")</script><img src=x onerror=alert(1)>'
       '<a href="javascript:alert(2)">tap</a>')


def sandbox_config(redis_port, tmpdir, within=None, **extra):
    """The base configuration with the sandbox on, as config/replyd.json has
    it: alerts through the sandbox, receipts on, a council name, and (with
    within) the team's promise on an all-day calendar."""
    cfg = base_config(redis_port, tmpdir)
    cfg["channels"] = {"sandbox": {}}
    cfg["alerts"] = {"sms": "sandbox"}
    cfg["receipt"] = {"enabled": True}
    cfg["council"] = {"name": "Testshire Council", "phase": "Beta"}
    if within is not None:
        cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in DAYS}
        team = cfg["teams"]["leaving-care"]
        team["respond_within"] = within
        team["escalation"] = [{"after": "0s", "notify": ["duty-worker"]},
                              {"after": "1 working seconds", "notify": ["duty-manager"]}]
        cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s"}
    cfg.update(extra)
    return cfg


@pytest.fixture
def sandbox(make_replyd, redis_server, tmpdir_path):
    return make_replyd(sandbox_config(redis_server.port, tmpdir_path))


def page(replyd, path="/sandbox"):
    status, headers, body = replyd.request("GET", path)
    return status, headers, body.decode()


def message_id(text):
    return re.search(r'name="message_id" value="([0-9a-f]+)"', text).group(1)


def post(replyd, fields, origin=True, headers=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin:
        h["Origin"] = "http://127.0.0.1:%d" % replyd.port
    h.update(headers or {})
    return replyd.request("POST", "/sandbox", urllib.parse.urlencode(fields).encode(), h)


def write(replyd, text, sender="07700 900123", mid=None):
    """Send a message from the sandbox's form; the page's redirect."""
    if mid is None:
        mid = message_id(page(replyd)[2])
    status, headers, _ = post(replyd, {"message_id": mid, "from": sender, "text": text})
    assert status == 303, status
    return headers["location"]


def conversations(replyd):
    return replyd.api("GET", "/v1/conversations")[1]["conversations"]


def messages_shown(replyd):
    """The sandbox's list as (tag, who, text) tuples, newest first."""
    body = page(replyd)[2]
    items = re.findall(r'<strong class="govuk-tag govuk-tag--\w+">([^<]*)</strong> '
                       r'(.*?) at <time.*?<p class="replyd-message__text">(.*?)</p>',
                       body, re.S)
    return [(tag, html.unescape(who), html.unescape(text)) for tag, who, text in items]


def test_the_sandbox_warns_at_start_while_it_is_on(sandbox):
    log = sandbox.logtext()
    assert "the sandbox channel is on" in log
    assert "never for real young people" in log
    assert "https://replyd.test/sandbox" in log


def test_the_page_says_it_is_for_training_never_for_real_young_people(sandbox):
    status, headers, body = page(sandbox)
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "This is a sandbox for training and for trying replyd" in body
    assert "Never use it for real young people" in body
    assert '<html lang="en-GB"' in body
    assert "<title>Sandbox – Messages from young people – Testshire Council</title>" in body
    assert 'class="govuk-generic-header__homepage-link">Testshire Council</a>' in body
    assert '<a href="#main-content" class="govuk-skip-link"' in body
    assert '<main class="govuk-main-wrapper" id="main-content">' in body
    assert "govuk-phase-banner" in body and ">Beta</strong>" in body


def test_pages_carry_the_security_headers(sandbox):
    _, h, body = page(sandbox)
    csp = [d.strip() for d in h["content-security-policy"].split(";")]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "same-origin"
    assert h["cache-control"] == "no-store"     # it shows what young people wrote
    # No inline script or style for the policy to refuse.
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)
    assert "<style" not in body and " style=" not in body and " on" + "click" not in body


def test_a_page_refused_as_from_another_site_still_has_the_headers(sandbox):
    status, h, _ = post(sandbox, {"from": "07700 900123", "text": "hi"}, origin=False,
                        headers={"Origin": "https://evil.example"})
    assert status == 403
    assert "frame-ancestors 'none'" in h["content-security-policy"]


def test_assets_are_served_from_memory_with_their_type_and_a_long_cache(sandbox):
    body = page(sandbox)[2]
    css = re.search(r'href="(/assets/[0-9a-f]{12}/replyd\.css)"', body).group(1)
    js = re.search(r'src="(/assets/[0-9a-f]{12}/replyd\.js)"', body).group(1)
    version = css.split("/")[2]
    for path, ctype in ((css, "text/css; charset=utf-8"),
                        (js, "text/javascript; charset=utf-8"),
                        ("/assets/%s/govuk-frontend.min.js" % version,
                         "text/javascript; charset=utf-8"),
                        ("/assets/%s/favicon.svg" % version, "image/svg+xml")):
        status, h, data = sandbox.request("GET", path)
        assert status == 200, path
        assert h["content-type"] == ctype
        assert h["cache-control"] == "public, max-age=31536000, immutable"
        assert h["x-content-type-options"] == "nosniff"
        assert len(data) == int(h["content-length"]) > 0
    # The same name without this build's version is checked on each use.
    status, h, _ = sandbox.request("GET", "/assets/replyd.css")
    assert status == 200 and h["cache-control"] == "no-cache"
    status, h, _ = sandbox.request("GET", "/assets/000000000000/replyd.css")
    assert status == 200 and h["cache-control"] == "no-cache"
    # A browser that has it already hears 304.
    etag = h["etag"]
    status, _, data = sandbox.request("GET", css, headers={"If-None-Match": etag})
    assert status == 304 and data == b""


def test_only_files_of_the_asset_folder_are_served(sandbox):
    for path in ("/assets/nope.css", "/assets/..%2F..%2Fconfig%2Freplyd.json",
                 "/assets/%2e%2e/replyd", "/assets/x/../../healthz"):
        status, _, _ = sandbox.request("GET", path)
        assert status == 404, path


def test_no_govuk_crown_brand_or_font(sandbox):
    body = page(sandbox)[2]
    css = re.search(r'href="(/assets/[0-9a-f]{12}/replyd\.css)"', body).group(1)
    text = sandbox.request("GET", css)[2].decode()
    assert "GDS Transport" not in text
    assert "@font-face" not in text
    assert "system-ui" in text
    assert "GOV.UK" not in body and "govuk-header__logotype" not in body
    assert "crown" not in body.lower() and "govuk-crest" not in body
    for name in ("govuk-crest.svg", "favicon.ico", "govuk-icon-180.png"):
        assert sandbox.request("GET", "/assets/" + name)[0] == 404


def test_a_message_written_in_the_sandbox_is_stored_like_a_providers(sandbox):
    location = write(sandbox, "can someone call me?", sender="07700 900123")
    assert location == "/sandbox?from=07700%20900123&sent=1#messages"
    [c] = conversations(sandbox)
    assert c["state"] == "awaiting" and c["channel"] == "sms"
    full = sandbox.api("GET", "/v1/conversations/" + c["id"])[1]
    assert [m["text"] for m in full["messages"]] == ["can someone call me?"]
    assert full["messages"][0]["provider"] == "sandbox"
    # The receipt went back through the sandbox, to the normalised number.
    wait_for(lambda: any(t == "Receipt" for t, _, _ in messages_shown(sandbox)),
             what="the receipt on the page")
    shown = messages_shown(sandbox)
    assert ("Receipt", "To +447700900123") in [(t, w) for t, w, _ in shown]
    assert shown[-1] == ("Young person", "From 07700 900123", "can someone call me?")
    status, _, body = page(sandbox, location.split("#")[0])
    assert status == 200 and "Message sent to replyd" in body


def test_a_form_sent_twice_is_one_message(sandbox):
    mid = message_id(page(sandbox)[2])
    write(sandbox, "first try", mid=mid)
    write(sandbox, "first try", mid=mid)
    [c] = conversations(sandbox)
    full = sandbox.api("GET", "/v1/conversations/" + c["id"])[1]
    assert len(full["messages"]) == 1
    assert [t for t, _, _ in messages_shown(sandbox)].count("Young person") == 1
    assert "repeat of a stored message" in sandbox.logtext()


def test_the_same_number_writes_into_one_conversation(sandbox):
    write(sandbox, "one", sender="+44 7700 900222")
    write(sandbox, "two", sender="07700 900222")
    [c] = conversations(sandbox)
    full = sandbox.api("GET", "/v1/conversations/" + c["id"])[1]
    assert [m["text"] for m in full["messages"]] == ["one", "two"]


def test_a_young_persons_html_is_shown_as_text(sandbox):
    write(sandbox, XSS)
    body = page(sandbox)[2]
    assert XSS not in body
    assert "<img src=x" not in body and "<script>alert" not in body
    assert html.escape(XSS, quote=True).replace("&#x27;", "&#39;") in body
    assert ("Young person", "From 07700 900123", XSS) in messages_shown(sandbox)


def test_a_form_with_mistakes_says_what_to_fix(sandbox):
    status, _, body = post(sandbox, {"message_id": "0" * 20, "from": "call me",
                                     "text": "  "})
    body = body.decode()
    assert status == 400
    assert "<title>Error: Sandbox" in body
    assert "There is a problem" in body
    assert '<a href="#from">Enter a phone number, like 07700 900123 or +44 7700 900123</a>' in body
    assert '<a href="#text">Enter a message</a>' in body
    assert 'value="call me"' in body
    assert conversations(sandbox) == []


def test_a_form_from_another_site_is_refused_and_nothing_is_stored(sandbox):
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site"}, {}):
        status, _, body = post(sandbox, {"from": "07700 900123", "text": "hi"},
                               origin=False, headers=headers)
        assert status == 403, headers
        assert b"This form was sent from another site" in body
    # The browser's own word for it stands in for Origin.
    status, _, _ = post(sandbox, {"message_id": "1" * 20, "from": "07700 900123",
                                  "text": "hi"}, origin=False,
                        headers={"Sec-Fetch-Site": "same-origin"})
    assert status == 303
    assert len(conversations(sandbox)) == 1


def test_the_public_urls_origin_is_our_own_behind_a_proxy(sandbox):
    status, _, _ = post(sandbox, {"message_id": "2" * 20, "from": "07700 900123",
                                  "text": "hi"}, origin=False,
                        headers={"Origin": "https://replyd.test"})
    assert status == 303


def test_overdue_alerts_to_staff_appear_on_the_sandbox_page(make_replyd, redis_server,
                                                            tmpdir_path):
    d = make_replyd(sandbox_config(redis_server.port, tmpdir_path,
                                   within="2 working seconds"))
    write(d, "nobody has answered me")
    # Alice is on duty (+447700900001), Dora is the duty manager.
    wait_for(lambda: any(w.startswith("To +447700900004") for t, w, _ in messages_shown(d)
                         if t == "Alert to staff"), timeout=20,
             what="the duty manager's alert on the sandbox page")
    alerts = [(w, x) for t, w, x in messages_shown(d) if t == "Alert to staff"]
    assert ("To +447700900001, overdue, step 1" in [w for w, _ in alerts])
    assert ("To +447700900004, overdue, step 2" in [w for w, _ in alerts])
    # Alerts carry no message text (SPEC §7.4), and link to the conversation.
    [c] = conversations(d)
    for _, text in alerts:
        assert "nobody has answered me" not in text
        assert "https://replyd.test/c/" + c["id"] in text
    # The notification log records the sends through the sandbox.
    events = d.api("GET", "/v1/conversations/" + c["id"])[1]["events"]
    sent = [e for e in events if e["type"] == "send" and e["purpose"] == "alert"]
    assert sent and all(e["channel"] == "sandbox" and e["outcome"] == "sent" for e in sent)


def test_a_reload_keeps_what_the_sandbox_shows(sandbox):
    write(sandbox, "before the reload")
    sandbox.signal(signal.SIGHUP)
    wait_for(lambda: "configuration reloaded" in sandbox.logtext(), what="reload")
    assert sandbox.logtext().count("the sandbox channel is on") == 2
    assert ("Young person", "From 07700 900123", "before the reload") in messages_shown(sandbox)


def test_the_api_and_wrong_methods_answer_as_before(sandbox):
    status, _, body = sandbox.request("POST", "/healthz", b"x")
    assert status == 405
    status, _, body = sandbox.request("GET", "/nope")
    assert status == 404 and b'"not found"' in body
    status, _, _ = sandbox.request("GET", "/sandbox/nope")
    assert status == 404
    status, _, _ = sandbox.request("PUT", "/sandbox", b"x")
    assert status == 405


def test_without_the_sandbox_there_is_no_page(replyd):
    assert replyd.request("GET", "/sandbox")[0] == 404
    assert "sandbox" not in replyd.logtext()


def jsonc(text):
    """JSON with // and /* */ comments, as replyd reads it."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            i = text.index("\n", i)
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
        else:
            out.append(c)
            i += 1
    return json.loads("".join(out))


def test_the_example_configuration_has_the_demo_within_minutes():
    cfg = jsonc(open(ROOT + "/config/replyd.json").read())
    assert "sandbox" in cfg["channels"] and cfg["alerts"]["sms"] == "sandbox"
    assert cfg["teams"]["demo"]["respond_within"] == "3 working minutes"
    assert cfg["default_team"] == "demo"


def test_the_pages_configuration_is_checked_like_any_key(tmpdir_path, redis_server):
    from harness import Replyd, check_config
    cases = (({"council": {"name": ""}}, "council.name: must not be empty"),
             ({"council": {"nmae": "x"}}, 'unknown key "nmae"'),
             ({"assets_dir": 7}, "assets_dir"))
    for extra, want in cases:
        d = Replyd(tmpdir_path, sandbox_config(redis_server.port, tmpdir_path, **extra))
        rc, out = check_config(d.path)
        assert rc == 1 and want in out, (extra, out)
    cfg = sandbox_config(redis_server.port, tmpdir_path)
    cfg["teams"]["leaving-care"]["respond_within"] = "30m"
    rc, out = check_config(Replyd(tmpdir_path, cfg).path)
    assert rc == 1 and "expected working time" in out
    # The sandbox on: replyd -n still prints only what it must.
    rc, out = check_config(Replyd(tmpdir_path, sandbox_config(redis_server.port,
                                                             tmpdir_path)).path)
    assert (rc, out.strip()) == (0, "configuration OK")
