"""Local stand-ins for the outbound providers, written from the providers'
documentation independently of replyd's C code.  Each one checks what the
real provider checks before it accepts anything, records every request,
and answers from a script so tests can make it busy, refuse or go silent:

    FakeTwilio   Messages API: Basic auth account_sid:auth_token, the
                 account's path, form fields To, From and Body -> 201
    FakeNotify   GOV.UK Notify: Bearer JWT (HS256 with the key's secret,
                 iss = service id, iat within 30 s of now), JSON fields -> 201
    WebhookSink  any JSON POST -> 200
    FakeSMTP     an SMTP server speaking implicit TLS or STARTTLS that
                 refuses MAIL FROM until TLS is up

A script is a list consumed one entry per accepted request; an entry is a
status (429), a (status, headers) pair ((429, {"Retry-After": "1"})), or
HANG: hold the connection open without answering (past the client's
timeout).  With the script empty the fake answers success."""

import asyncio
import base64
import binascii
import hashlib
import hmac
import http.server
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid

HANG = "hang"


class Request:
    """One request as the fake saw it."""

    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.form = None        # parsed form (Twilio)
        self.json = None        # parsed JSON (Notify, webhook)
        self.at = time.monotonic()
        self.status = None      # what the fake answered (None: no answer)
        self.error = None       # why the fake refused it, if it did


class Server(http.server.ThreadingHTTPServer):
    """socketserver listens with a backlog of 5: a burst of connections
    beyond that (three replyd instances alerting at once) has SYNs dropped
    and retried 1, 3, 7 s later, which looks like a slow daemon."""
    request_queue_size = 128
    daemon_threads = True


class FakeHTTP:
    """A threaded HTTP server on 127.0.0.1 with a port of its own."""

    success = 200

    def __init__(self):
        self.requests = []
        self.script = []
        self.lock = threading.Lock()
        self.release = threading.Event()    # ends every HANG
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                req = Request("POST", self.path, dict(self.headers), self.rfile.read(n))
                fake.handle(self, req)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        # shutdown() waits for serve_forever to look at its flag, which it
        # does every poll_interval (0.5 s by default: half a second per test).
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    # Subclasses: check the request like the provider would; return None
    # or (status, error JSON) to refuse it.
    def check(self, req):
        return None

    def body_for(self, req):
        return {}

    def handle(self, handler, req):
        refusal = self.check(req)
        with self.lock:
            self.requests.append(req)
            if refusal is not None:
                status, headers = refusal[0], {}
                req.error = refusal[1]
                out = refusal[1]
            else:
                entry = self.script.pop(0) if self.script else self.success
                if entry == HANG:
                    status = None
                else:
                    status, headers = entry if isinstance(entry, tuple) else (entry, {})
                    out = self.body_for(req) if 200 <= status < 300 else \
                        {"errors": [{"error": "ScriptedError", "message": "scripted %d" % status}]}
            req.status = status
        if status is None:
            # No answer: keep the connection open until the test ends.
            self.release.wait(60)
            handler.close_connection = True
            return
        data = json.dumps(out).encode()
        handler.send_response(status)
        for k, v in headers.items():
            handler.send_header(k, v)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def accepted(self):
        """Requests the fake answered with a 2xx."""
        with self.lock:
            return [r for r in self.requests if r.status is not None and 200 <= r.status < 300]

    def count(self):
        with self.lock:
            return len(self.requests)


class FakeTwilio(FakeHTTP):
    """Twilio's Messages API (POST /2010-04-01/Accounts/{sid}/Messages.json)."""

    success = 201

    def __init__(self, account_sid="ACtest", auth_token="twilio-auth-token-for-tests"):
        self.account_sid = account_sid
        self.auth_token = auth_token
        super().__init__()

    def check(self, req):
        want = "Basic " + base64.b64encode(
            ("%s:%s" % (self.account_sid, self.auth_token)).encode()).decode()
        if req.headers.get("Authorization") != want:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if req.path != "/2010-04-01/Accounts/%s/Messages.json" % self.account_sid:
            return 404, {"code": 20404, "message": "not found", "status": 404}
        if not req.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return 400, {"code": 21620, "message": "expected a form", "status": 400}
        try:
            req.form = dict(urllib.parse.parse_qsl(req.body.decode(), keep_blank_values=True,
                                                   strict_parsing=True))
        except ValueError:
            return 400, {"code": 21620, "message": "bad form", "status": 400}
        for field in ("To", "From", "Body"):
            if not req.form.get(field):
                return 400, {"code": 21604, "message": "%s is required" % field, "status": 400}
        return None

    def body_for(self, req):
        return {"sid": "SM" + uuid.uuid4().hex, "status": "queued", "to": req.form["To"]}

    def messages(self):
        return [r.form for r in self.accepted()]


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class FakeNotify(FakeHTTP):
    """GOV.UK Notify's POST /v2/notifications/sms and /email."""

    success = 201

    def __init__(self, api_key):
        self.service_id = api_key[-73:-37]
        self.secret = api_key[-36:]
        super().__init__()

    def check_jwt(self, auth):
        if not auth or not auth.startswith("Bearer "):
            return "no bearer token"
        parts = auth[7:].split(".")
        if len(parts) != 3:
            return "not a JWT"
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except (ValueError, binascii.Error):
            return "undecodable JWT"
        if header.get("alg") != "HS256" or header.get("typ") != "JWT":
            return "wrong JWT header"
        if "=" in auth:
            return "padding in the token"
        mac = hmac.new(self.secret.encode(), (parts[0] + "." + parts[1]).encode(),
                       hashlib.sha256).digest()
        if not hmac.compare_digest(mac, sig):
            return "Invalid token: signature, api token not found"
        if claims.get("iss") != self.service_id:
            return "Invalid token: iss"
        iat = claims.get("iat")
        if not isinstance(iat, int) or abs(time.time() - iat) > 30:
            return "Error: Your system clock must be accurate to within 30 seconds"
        return None

    def check(self, req):
        why = self.check_jwt(req.headers.get("Authorization"))
        if why is not None:
            return 403, {"status_code": 403, "errors": [{"error": "AuthError", "message": why}]}
        try:
            req.json = json.loads(req.body)
        except ValueError:
            return 400, {"status_code": 400, "errors": [{"error": "BadRequestError",
                                                         "message": "Invalid JSON"}]}
        kind = {"/v2/notifications/sms": "phone_number",
                "/v2/notifications/email": "email_address"}.get(req.path)
        if kind is None:
            return 404, {"status_code": 404, "errors": [{"error": "NotFound"}]}
        missing = [f for f in (kind, "template_id") if not isinstance(req.json.get(f), str)]
        if missing or not isinstance(req.json.get("personalisation", {}), dict):
            return 400, {"status_code": 400, "errors": [{"error": "ValidationError",
                                                         "message": "%s is a required property"
                                                         % (missing or ["personalisation"])[0]}]}
        return None

    def body_for(self, req):
        return {"id": str(uuid.uuid4()), "reference": req.json.get("reference"),
                "content": {"body": "..."}, "template": {"id": req.json["template_id"]}}


class WebhookSink(FakeHTTP):
    """A webhook endpoint (generic, Slack or Teams) that records JSON."""

    success = 200

    def check(self, req):
        if not req.headers.get("Content-Type", "").startswith("application/json"):
            return 415, {"error": "expected JSON"}
        try:
            req.json = json.loads(req.body)
        except ValueError:
            return 400, {"error": "invalid JSON"}
        return None

    def payloads(self):
        return [r.json for r in self.accepted()]


_certificate = {}


def make_certificate(directory):
    """A self-signed certificate for localhost and 127.0.0.1: (cert, key),
    written into directory.  The RSA key is made once per process (making
    one costs more than most tests) and copied."""
    if not _certificate:
        tmp = tempfile.mkdtemp(prefix="replyd-cert-")
        try:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-days", "1", "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                            "-keyout", os.path.join(tmp, "key"),
                            "-out", os.path.join(tmp, "cert")],
                           check=True, capture_output=True, timeout=60)
            for name in ("cert", "key"):
                with open(os.path.join(tmp, name), "rb") as f:
                    _certificate[name] = f.read()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    paths = []
    for name, filename in (("cert", "fake-cert.pem"), ("key", "fake-key.pem")):
        path = os.path.join(directory, filename)
        with open(path, "wb") as f:
            f.write(_certificate[name])
        paths.append(path)
    return tuple(paths)


class Mail:
    def __init__(self, mail_from, rcpt, data, tls, user):
        self.mail_from = mail_from
        self.rcpt = rcpt
        self.data = data        # bytes, dot-unstuffed, CRLF line ends
        self.tls = tls
        self.user = user


class FakeSMTP:
    """An SMTP server on 127.0.0.1 (RFC 5321 subset): implicit TLS
    ("smtps"), STARTTLS ("starttls") or none at all ("plain", to check that
    replyd refuses it); MAIL FROM before TLS gets 530.  With
    a username, AUTH PLAIN or LOGIN is required too.  script holds the codes
    to answer at the end of DATA (default 250).  With answer_quit false,
    QUIT is never answered (the connection stays open)."""

    def __init__(self, cert, key, mode="smtps", username=None, password=None,
                 answer_quit=True):
        self.mode = mode
        self.answer_quit = answer_quit
        self.username = username
        self.password = password
        self.mails = []
        self.refusals = []      # (command, code) refused for protocol reasons
        self.script = []
        self.lock = threading.Lock()
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(cert, key)
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(asyncio.start_server(
                self.session, "127.0.0.1", 0, ssl=self.ctx if mode == "smtps" else None))
            self.port = self.server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)
        scheme = "smtps" if mode == "smtps" else "smtp"
        self.url = "%s://127.0.0.1:%d" % (scheme, self.port)

    def close(self):
        """Stop listening, drop every session (so no client waits on a dead
        dialogue) and end the loop."""
        async def stop():
            self.server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.loop.stop()
        asyncio.run_coroutine_threadsafe(stop(), self.loop)
        self.thread.join(5)

    def received(self):
        with self.lock:
            return list(self.mails)

    async def session(self, reader, writer):
        tls = self.mode == "smtps"
        user = None
        mail_from, rcpt = None, []

        async def say(line):
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        def refuse(cmd, code):
            with self.lock:
                self.refusals.append((cmd, code))

        try:
            await say("220 fake.test ESMTP ready")
            while True:
                raw = await asyncio.wait_for(reader.readline(), 30)
                if not raw:
                    break
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb = line.split(" ", 1)[0].upper()
                arg = line[len(verb):].strip()
                if verb == "EHLO":
                    caps = ["fake.test"]
                    if not tls and self.mode == "starttls":
                        caps.append("STARTTLS")
                    else:
                        caps.append("AUTH PLAIN LOGIN")
                    caps.append("8BITMIME")
                    for c in caps[:-1]:
                        await say("250-" + c)
                    await say("250 " + caps[-1])
                elif verb == "HELO":
                    await say("250 fake.test")
                elif verb == "STARTTLS":
                    if tls or self.mode != "starttls":
                        await say("503 5.5.1 TLS already active")
                        continue
                    await say("220 2.0.0 ready to start TLS")
                    await writer.start_tls(self.ctx)
                    tls = True
                    user, mail_from, rcpt = None, None, []
                elif verb == "AUTH":
                    if not tls:
                        refuse("AUTH", 538)
                        await say("538 5.7.11 encryption required")
                        continue
                    user = await self.auth(arg, reader, say)
                elif verb == "MAIL":
                    if not tls:
                        refuse("MAIL", 530)
                        await say("530 5.7.0 Must issue a STARTTLS command first")
                    elif self.username is not None and user is None:
                        refuse("MAIL", 530)
                        await say("530 5.7.0 Authentication required")
                    else:
                        mail_from = arg.split(":", 1)[1].strip().split(" ")[0].strip("<>")
                        rcpt = []
                        await say("250 2.1.0 OK")
                elif verb == "RCPT":
                    if mail_from is None:
                        await say("503 5.5.1 need MAIL first")
                    else:
                        rcpt.append(arg.split(":", 1)[1].strip().strip("<>"))
                        await say("250 2.1.5 OK")
                elif verb == "DATA":
                    if not rcpt:
                        await say("503 5.5.1 need RCPT first")
                        continue
                    await say("354 end with <CRLF>.<CRLF>")
                    lines = []
                    while True:
                        dl = await asyncio.wait_for(reader.readline(), 30)
                        if not dl or dl == b".\r\n":
                            break
                        lines.append(dl[1:] if dl.startswith(b".") else dl)
                    with self.lock:
                        code = self.script.pop(0) if self.script else 250
                        if code == 250:
                            self.mails.append(Mail(mail_from, list(rcpt), b"".join(lines), tls,
                                                   user))
                    await say("%d %s" % (code, "2.0.0 queued" if code == 250 else
                                         "scripted answer"))
                    mail_from, rcpt = None, []
                elif verb == "RSET":
                    mail_from, rcpt = None, []
                    await say("250 OK")
                elif verb == "NOOP":
                    await say("250 OK")
                elif verb == "QUIT":
                    if not self.answer_quit:
                        await asyncio.sleep(120)
                    await say("221 bye")
                    break
                else:
                    await say("502 5.5.2 command not recognised")
        except (asyncio.TimeoutError, asyncio.CancelledError, ConnectionError, ssl.SSLError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def auth(self, arg, reader, say):
        """AUTH PLAIN [initial] or AUTH LOGIN; the user name, or None."""
        parts = arg.split(" ")
        mech = parts[0].upper()
        try:
            if mech == "PLAIN":
                if len(parts) > 1:
                    blob = parts[1]
                else:
                    await say("334 ")
                    blob = (await reader.readline()).decode().strip()
                _, u, p = base64.b64decode(blob).decode().split("\0")
            elif mech == "LOGIN":
                await say("334 VXNlcm5hbWU6")
                u = base64.b64decode((await reader.readline()).strip()).decode()
                await say("334 UGFzc3dvcmQ6")
                p = base64.b64decode((await reader.readline()).strip()).decode()
            else:
                await say("504 5.5.4 mechanism not supported")
                return None
        except (ValueError, binascii.Error):
            await say("501 5.5.2 cannot decode")
            return None
        if u == self.username and p == self.password:
            await say("235 2.7.0 authenticated")
            return u
        await say("535 5.7.8 authentication failed")
        return None
