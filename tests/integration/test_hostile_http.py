"""Hostile HTTP (issue 11, items 2, 3, 4, 8 and 9): floods of connections,
slow senders, oversized bodies, requests that could hide another request,
and an SMTP server that closes idle connections.  Each test starts the real
replyd on loopback and is bounded well under 30 s.

Pacing sleeps appear only where the test *is* a slow client (a byte every
quarter of a second); everything else waits for state."""

import asyncio
import json
import os
import re
import socket
import threading
import time
import uuid

import pytest

import harness
from fakes import FakeSMTP, make_certificate
from harness import base_config, wait_for
from providers import basic_auth

SMS_LIMIT = 2048
EMAIL_LIMIT = 8192


# --- helpers -------------------------------------------------------------

def connect(d, timeout=10):
    return socket.create_connection(("127.0.0.1", d.port), timeout=timeout)


def read_response(s, data=b""):
    """One HTTP response from a socket (data: bytes of it already read):
    (status, headers, body), or None if the connection closed first."""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    while len(rest) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:n]


def closed(s):
    """Whether the server closes the connection (nothing more to read)."""
    try:
        return s.recv(65536) == b""
    except ConnectionResetError:
        return True


def exchange(d, data):
    """Send raw bytes; return the first response and whether the server
    then closed the connection without answering anything else."""
    with connect(d) as s:
        s.sendall(data)
        resp = read_response(s)
        return resp, closed(s)


def json_error(resp):
    status, headers, body = resp
    assert headers.get("content-type") == "application/json", (status, headers, body)
    return status, json.loads(body)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_sockets(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


def metric(d, name):
    text = d.request("GET", "/metrics")[2].decode()
    m = re.search(r"^%s(?:\{[^}]*\})? (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else None


def idle_sockets(d, n):
    """n connections that never send anything."""
    out = []
    for _ in range(n):
        s = socket.socket()
        s.settimeout(10)
        s.connect(("127.0.0.1", d.port))
        out.append(s)
    return out


def limits_config(redis_server, tmpdir, **limits):
    cfg = base_config(redis_server.port, tmpdir)
    cfg["channels"] = {
        "twilio": {"auth_token": "twilio-auth-token-for-tests", "account_sid": "ACtest",
                   "from": "+447700900000", "api_base": "http://127.0.0.1:9"},
        "notify": {"callback_token": "notify-callback-token-for-tests-0123",
                   "api_key": "replyd-test-" + str(uuid.uuid4()) + "-" + str(uuid.uuid4()),
                   "api_base": "http://127.0.0.1:9",
                   "sms_template_id": "f1c7a2b0-0000-4000-8000-000000000001"},
        "mailgun": {"signing_key": "mailgun-signing-key-for-tests"},
        "sendgrid": {"username": "sendgrid", "password": "sendgrid-password-for-tests"},
        "postmark": {"username": "postmark", "password": "postmark-password-for-tests"},
    }
    if limits:
        cfg["limits"] = limits
    return cfg


@pytest.fixture
def wrapped_build(tmpdir_path, monkeypatch):
    """Run replyd through a wrapper (prlimit ...): returns set(prefix)."""
    def use(*prefix):
        wrap = os.path.join(tmpdir_path, "wrapped")
        os.makedirs(wrap, exist_ok=True)
        real = os.path.join(harness.BUILD, "replyd")
        with open(os.path.join(wrap, "replyd"), "w") as f:
            f.write("#!/bin/sh\nexec %s %s \"$@\"\n" % (" ".join(prefix), real))
        os.chmod(os.path.join(wrap, "replyd"), 0o755)
        monkeypatch.setattr(harness, "BUILD", wrap)
    return use


# --- item 2: file-descriptor exhaustion -----------------------------------

def test_no_more_connections_than_max_connections_are_held_and_the_rest_wait(
        make_replyd, redis_server, tmpdir_path):
    d = make_replyd(limits_config(redis_server, tmpdir_path, max_connections=8,
                                  read_timeout="2s"))
    assert metric(d, "replyd_http_connections_max") == 8
    wait_for(lambda: metric(d, "replyd_http_connections") == 1, what="one connection")
    baseline = open_sockets(d.proc.pid)
    held = idle_sockets(d, 14)
    # The 15th asks for /healthz and waits behind the idle ones.
    waiting = connect(d, timeout=20)
    waiting.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    wait_for(lambda: "connections open, the most allowed" in d.logtext(),
             what="replyd to pause at the limit")
    cpu0, t0 = cpu_seconds(d.proc.pid), time.monotonic()
    assert open_sockets(d.proc.pid) <= baseline + 8
    # Idle connections are closed after read_timeout; the freed slots go to
    # the next in the queue, and /healthz is answered at once.
    resp = read_response(waiting)
    waiting.close()
    assert resp is not None and resp[0] == 200
    busy = (cpu_seconds(d.proc.pid) - cpu0) / (time.monotonic() - t0)
    assert busy < 0.5, "replyd used %.0f%% of a core while at the limit" % (100 * busy)
    for s in held:
        s.close()
    assert d.logtext().count("connections open, the most allowed") <= 2
    assert metric(d, "replyd_http_accept_paused_total") >= 1


def test_accept_failing_for_want_of_file_descriptors_pauses_instead_of_spinning(
        make_replyd, redis_server, tmpdir_path):
    d = make_replyd(limits_config(redis_server, tmpdir_path, read_timeout="2s"))
    # Leave room for a few connections only: accept() fails with EMFILE.
    nfd = len(os.listdir("/proc/%d/fd" % d.proc.pid))
    assert os.system("prlimit --pid %d --nofile=%d:%d" % (d.proc.pid, nfd + 4, nfd + 4)) == 0
    held = idle_sockets(d, 8)
    waiting = connect(d, timeout=20)
    waiting.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    wait_for(lambda: "Too many open files" in d.logtext(), what="accept to fail")
    cpu0, t0 = cpu_seconds(d.proc.pid), time.monotonic()
    # replyd closes the idle connections itself (read_timeout), accepting
    # resumes as descriptors free, and the waiting request is answered.
    resp = read_response(waiting)
    waiting.close()
    assert resp is not None and resp[0] == 200
    busy = (cpu_seconds(d.proc.pid) - cpu0) / (time.monotonic() - t0)
    for s in held:
        s.close()
    assert busy < 0.5, "replyd used %.0f%% of a core out of descriptors" % (100 * busy)
    assert d.logtext().count("Too many open files") <= 2, d.logtext()[-2000:]
    assert metric(d, "replyd_http_accept_paused_total") >= 1


def test_the_open_file_limit_is_raised_to_the_hard_limit_at_start(
        make_replyd, redis_server, tmpdir_path, wrapped_build):
    wrapped_build("prlimit", "--nofile=256:4096")
    d = make_replyd(limits_config(redis_server, tmpdir_path))
    with open("/proc/%d/limits" % d.proc.pid) as f:
        line = [l for l in f if l.startswith("Max open files")][0]
    assert line.split()[3:5] == ["4096", "4096"], line
    # And the connection limit keeps room for Redis and sends.
    assert metric(d, "replyd_http_connections_max") == 1024


def test_the_connection_limit_keeps_descriptors_for_redis_and_sends(
        make_replyd, redis_server, tmpdir_path, wrapped_build):
    wrapped_build("prlimit", "--nofile=256")
    d = make_replyd(limits_config(redis_server, tmpdir_path))
    assert metric(d, "replyd_http_connections_max") == 256 - 64
    assert "the open-file limit is 256" in d.logtext()


# --- item 3: slow senders -------------------------------------------------

@pytest.mark.parametrize("part", ["head", "body"])
def test_read_timeout_is_a_deadline_for_the_whole_request(make_replyd, redis_server,
                                                          tmpdir_path, part):
    d = make_replyd(limits_config(redis_server, tmpdir_path, read_timeout="2s"))
    s = connect(d)
    head = b"POST /webhooks/twilio HTTP/1.1\r\nHost: x\r\n"
    if part == "body":
        s.sendall(head + b"Content-Length: 1000\r\n\r\n")
    else:
        s.sendall(head)
    started = time.monotonic()
    # One byte every quarter second: never idle for 2 s, never complete.
    cut = False
    while time.monotonic() - started < 20:
        try:
            s.sendall(b"a")
        except OSError:
            cut = True
            break
        s.settimeout(0.25)
        try:
            if s.recv(1024) == b"":
                cut = True
                break
        except socket.timeout:
            pass
        except OSError:
            cut = True
            break
    s.close()
    assert cut, "a client sending a byte every 0.25 s was still connected after 20 s"
    assert metric(d, "replyd_http_slow_requests_total") >= 1
    assert d.status("/healthz") == 200


# --- item 4: oversized bodies ----------------------------------------------

@pytest.mark.parametrize("path,status", [
    ("/webhooks/mailgun", 406),
    ("/webhooks/postmark", 403),
    ("/webhooks/sendgrid", 413),
    ("/webhooks/twilio", 413),
    ("/webhooks/notify", 413),
])
def test_an_oversized_body_is_refused_from_its_content_length_with_the_providers_status(
        make_replyd, redis_server, tmpdir_path, path, status):
    d = make_replyd(limits_config(redis_server, tmpdir_path, sms_body_bytes=SMS_LIMIT,
                                  email_body_bytes=EMAIL_LIMIT))
    limit = EMAIL_LIMIT if path in ("/webhooks/mailgun", "/webhooks/postmark",
                                    "/webhooks/sendgrid") else SMS_LIMIT
    with connect(d) as s:
        # Only the head: the answer must not wait for the body.
        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % (path.encode(), limit + 1))
        resp = read_response(s)
        assert resp is not None
        got, body = json_error(resp)
        assert got == status and body["error"] == "too large", body
        assert str(limit) in body["detail"]
        assert resp[1].get("connection") == "close"
        assert closed(s)
    assert metric(d, 'replyd_webhook_rejections_total') >= 1


@pytest.mark.parametrize("method,path", [("GET", "/healthz"), ("PUT", "/v1/contacts/yp-1"),
                                         ("POST", "/nowhere")])
def test_healthz_the_api_and_unknown_paths_never_read_a_body_over_their_own_limit(
        make_replyd, redis_server, tmpdir_path, method, path):
    # Default limits: the email limit (40 MiB) is far above these routes'.
    d = make_replyd(limits_config(redis_server, tmpdir_path))
    with connect(d) as s:
        s.sendall(b"%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                  b"Content-Length: %d\r\n\r\n" % (method.encode(), path.encode(),
                                                  harness.TOKEN.encode(), 4 << 20))
        resp = read_response(s)
        assert resp is not None
        status, body = json_error(resp)
        assert status in (404, 413), body
        assert closed(s)


@pytest.mark.parametrize("path,status", [("/webhooks/mailgun", 406), ("/webhooks/twilio", 413)])
def test_a_chunked_body_is_cut_at_the_routes_limit(make_replyd, redis_server, tmpdir_path,
                                                   path, status):
    d = make_replyd(limits_config(redis_server, tmpdir_path, sms_body_bytes=SMS_LIMIT,
                                  email_body_bytes=EMAIL_LIMIT))
    with connect(d) as s:
        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  % path.encode())
        # Keep sending 1 KiB chunks; the answer comes once the limit is
        # passed (the client never sends the last chunk).
        sent = 0
        s.settimeout(0.05)
        answer = b""
        while sent < 40 * EMAIL_LIMIT and not answer:
            try:
                s.sendall(b"400\r\n" + b"x" * 1024 + b"\r\n")
                sent += 1024
                answer = s.recv(65536)
            except socket.timeout:
                pass
            except OSError:
                break
        s.settimeout(10)
        assert answer, "no answer after %d bytes" % sent
        assert sent <= 2 * EMAIL_LIMIT + 4096
        resp = read_response(s, answer)
        assert resp is not None
        got, body = json_error(resp)
        assert got == status and body["error"] == "too large", body


def test_an_oversized_body_flood_keeps_memory_flat(make_replyd, redis_server, tmpdir_path):
    # Ten unauthenticated clients each send a 40 MiB body to an SMS webhook
    # (whose limit is 1 MiB) with the default limits.
    d = make_replyd(limits_config(redis_server, tmpdir_path))

    def rss(field):
        with open("/proc/%d/status" % d.proc.pid) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    before = rss("VmRSS")
    size, chunk, answers = 40 << 20, b"x" * 65536, []

    def flood():
        with connect(d, timeout=20) as s:
            try:
                s.sendall(b"POST /webhooks/twilio HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Length: %d\r\n\r\n" % size)
                for _ in range(size // len(chunk)):
                    s.sendall(chunk)
            except OSError:
                pass
            try:
                answers.append(s.recv(12))
            except OSError as e:
                answers.append(repr(e).encode())
    threads = [threading.Thread(target=flood) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(25)
    grown = rss("VmHWM") - before
    assert answers == [b"HTTP/1.1 413"] * 10, answers
    assert grown < 48 << 20, "RSS grew by %d MB" % (grown >> 20)
    assert d.status("/healthz") == 200


# --- item 8: HTTP strictness -----------------------------------------------

SMUGGLED = b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"


def refused_400(d, data):
    resp, was_closed = exchange(d, data)
    assert resp is not None, "no answer"
    status, body = json_error(resp)
    assert status == 400, body
    assert resp[1].get("connection") == "close"
    assert was_closed, "the connection stayed open (a second request could follow)"
    return body["detail"]


def test_two_content_length_headers_are_refused_with_400_and_close(make_replyd, redis_server,
                                                                   tmpdir_path):
    d = make_replyd(limits_config(redis_server, tmpdir_path))
    detail = refused_400(d, b"POST /webhooks/twilio HTTP/1.1\r\nHost: x\r\n"
                            b"Content-Length: 0\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(SMUGGLED), SMUGGLED))
    assert "Content-Length" in detail and "more than once" in detail


def test_content_length_with_a_space_before_the_colon_is_refused_with_400_and_close(
        make_replyd, redis_server, tmpdir_path):
    d = make_replyd(limits_config(redis_server, tmpdir_path))
    detail = refused_400(d, b"POST /webhooks/twilio HTTP/1.1\r\nHost: x\r\n"
                            b"Content-Length : %d\r\n\r\n%s" % (len(SMUGGLED), SMUGGLED))
    assert "Content-Length" in detail and "before its colon" in detail


def test_content_length_with_a_plus_sign_is_refused_with_400_and_close(make_replyd,
                                                                       redis_server,
                                                                       tmpdir_path):
    d = make_replyd(limits_config(redis_server, tmpdir_path))
    detail = refused_400(d, b"POST /webhooks/twilio HTTP/1.1\r\nHost: x\r\n"
                            b"Content-Length: +3\r\n\r\nabc")
    assert "Content-Length" in detail


def test_a_nul_in_a_header_value_is_refused_with_400_and_close(make_replyd, redis_server,
                                                               tmpdir_path):
    d = make_replyd(limits_config(redis_server, tmpdir_path))
    detail = refused_400(d, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                            b"Authorization: Bearer a\x00b\r\n\r\n")
    assert "Authorization" in detail and "NUL" in detail


def test_valid_chunk_extensions_are_accepted(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(limits_config(redis_server, tmpdir_path))
    body = json.dumps({"email": "yp@example.org", "worker": "alice"}).encode()
    a, b = body[:10], body[10:]
    chunked = (b"%x;name=value\r\n%s\r\n%x ; quoted=\"a \\\" b\" ;flag\r\n%s\r\n"
               b"0;last\r\nX-Trailer: ignored\r\n\r\n" % (len(a), a, len(b), b))
    resp, _ = exchange(d, b"PUT /v1/contacts/yp-1 HTTP/1.1\r\nHost: x\r\n"
                          b"Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                          b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n%s"
                       % (harness.TOKEN.encode(), chunked))
    assert resp is not None and resp[0] == 201, resp
    status, contact = d.api("GET", "/v1/contacts/yp-1")
    assert status == 200 and contact["email"] == "yp@example.org", contact


@pytest.mark.parametrize("data,status", [
    (b"BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    (b"hello\r\n\r\n", 400),
    (b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400),
    (b"POST /webhooks/twilio HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"POST /webhooks/twilio HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
     b"Content-Length: 3\r\n\r\nabc", 400),
    (b"POST /webhooks/twilio HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"zz\r\n", 400),
    (b"POST /webhooks/twilio HTTP/1.1\r\nHost: x\r\nExpect: tea\r\nContent-Length: 1\r\n\r\nx",
     417),
])
def test_malformed_requests_get_a_json_error_never_libevents_html(make_replyd, redis_server,
                                                                 tmpdir_path, data, status):
    d = make_replyd(limits_config(redis_server, tmpdir_path))
    resp, was_closed = exchange(d, data)
    assert resp is not None
    got, body = json_error(resp)
    assert got == status and body["detail"], body
    assert was_closed


# --- item 9: SMTP after an idle close -----------------------------------------

class IdleReader:
    """A stream reader whose reads give up after the server's idle time."""

    def __init__(self, reader, fake):
        self.reader, self.fake = reader, fake

    async def readline(self):
        try:
            return await asyncio.wait_for(self.reader.readline(), self.fake.idle)
        except asyncio.TimeoutError:
            with self.fake.lock:
                self.fake.idle_closes += 1
            raise

    def __getattr__(self, name):
        return getattr(self.reader, name)


class IdleClosingSMTP(FakeSMTP):
    """FakeSMTP that ends a session (close_notify, then FIN) after `idle`
    seconds without a command, as many mail servers do."""

    def __init__(self, *args, idle=1.0, **kwargs):
        self.idle = idle
        self.idle_closes = 0
        super().__init__(*args, **kwargs)

    async def session(self, reader, writer):
        await super().session(IdleReader(reader, self), writer)


def test_an_smtp_connection_the_server_closed_while_idle_costs_no_attempt(
        make_replyd, redis_server, tmpdir_path):
    cert, key = make_certificate(tmpdir_path)
    smtp = IdleClosingSMTP(cert, key, mode="smtps", idle=1.0)
    try:
        cfg = limits_config(redis_server, tmpdir_path)
        cfg["calendars"]["office"]["hours"] = {
            d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        cfg["channels"]["smtp"] = {"url": smtp.url, "from": "replies@council.test",
                                   "ca_file": cert, "timeout_ms": 5000}
        cfg["alerts"] = {"email": "smtp"}
        cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s"}
        d = make_replyd(cfg)
        assert d.api("PUT", "/v1/contacts/yp-1", {"email": "yp@example.org",
                                                  "worker": "alice"})[0] == 201
        auth = {"Authorization": basic_auth("postmark", "postmark-password-for-tests")}
        for i in range(2):
            body = {"From": "yp@example.org", "FromFull": {"Email": "yp@example.org", "Name": "Sam"},
                    "To": "inbound@replyd.test", "Subject": "Help %d" % i,
                    "MessageID": str(uuid.uuid4()), "TextBody": "Can you call me?",
                    "HtmlBody": "", "Headers": [], "Attachments": []}
            assert d.request("POST", "/webhooks/postmark", body, auth)[0] == 200
            [c] = [c for c in d.api("GET", "/v1/conversations")[1]["conversations"]
                   if c["state"] != "responded"]
            closes = smtp.idle_closes
            status, out = d.api("POST", "/v1/conversations/%s/reply" % c["id"],
                                {"by": "alice", "text": "I'll call you at 3pm."})
            assert status == 200 and out["attempts"] == 1, out
            # The server now closes the connection replyd keeps cached.
            wait_for(lambda: smtp.idle_closes > closes, what="the server's idle close")
        assert len(smtp.received()) == 2
        assert "retry 2" not in d.logtext()
    finally:
        smtp.close()
