"""Fakes for the duty loop by text (SPEC §17), written from the providers'
documentation, by subclassing those in fakes.py:

    StatusTwilio   Twilio's Messages API that, like Twilio, posts signed
                   status callbacks ("sent", then "delivered", or
                   "undelivered"/"failed" with an ErrorCode) to each
                   message's StatusCallback URL, as Twilio signs them:
                   HMAC-SHA1 with the auth token over that URL exactly as
                   given and the sorted form parameters
    KeepingNotify  GOV.UK Notify that also keeps received text messages
                   and serves them from GET /v2/received-text-messages,
                   newest first, paged with older_than (JWT required), as
                   Notify does for texts whose callback failed

Both deliver to replyd at a local address: set `replyd` to the Replyd
before anything is sent (its public_url https://replyd.test is replaced by
http://127.0.0.1:PORT)."""

import json
import threading
import time
import urllib.parse
import uuid

from fakes import FakeNotify, FakeTwilio
from providers import form_body, twilio_signature

PUBLIC_URL = "https://replyd.test"


class StatusTwilio(FakeTwilio):
    """Twilio that reports delivery to each message's StatusCallback."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.replyd = None
        # To number -> (final status, ErrorCode or None); default delivered.
        self.outcomes = {}
        self.callbacks = []         # (status, form, replyd's answer)
        self.threads = []
        self.closed = threading.Event()

    def close(self):
        """Stop reporting first: a port freed at the end of a test may be
        another test's replyd a moment later."""
        self.closed.set()
        with self.lock:
            threads = list(self.threads)
        for t in threads:
            t.join(10)
        super().close()

    def body_for(self, req):
        req.sid = "SM" + uuid.uuid4().hex
        return {"sid": req.sid, "status": "queued", "to": req.form["To"]}

    def handle(self, handler, req):
        super().handle(handler, req)
        if self.replyd is None or self.closed.is_set():
            return                  # not a message of this test's replyd
        if req.status == 201 and req.form.get("StatusCallback"):
            # Twilio reports after it has answered the API call.
            t = threading.Thread(target=self.report, args=(req,), daemon=True)
            # Started before close() can see it: joining a thread not yet
            # started raises (seen at a busy machine's teardown).
            with self.lock:
                t.start()
                self.threads.append(t)

    def report(self, req):
        final, code = self.outcomes.get(req.form["To"], ("delivered", None))
        for status in ("sent", final):
            params = [("MessageSid", req.sid), ("SmsSid", req.sid),
                      ("AccountSid", self.account_sid), ("From", req.form["From"]),
                      ("To", req.form["To"]), ("MessageStatus", status),
                      ("SmsStatus", status), ("ApiVersion", "2010-04-01")]
            if code is not None and status == final:
                params.append(("ErrorCode", code))
            self.post(req.form["StatusCallback"], params, status)

    def post(self, url, params, status):
        """POST a status callback to replyd, signed over url as given."""
        assert url.startswith(PUBLIC_URL + "/"), url
        path = url[len(PUBLIC_URL):]
        sig = twilio_signature(self.auth_token, url, params)
        code = None
        for _ in range(50):         # replyd is up before anything is sent
            if self.closed.is_set():
                return
            try:
                code = self.replyd.request(
                    "POST", path, form_body(params),
                    {"Content-Type": "application/x-www-form-urlencoded",
                     "X-Twilio-Signature": sig}, timeout=5)[0]
                break
            except OSError:
                time.sleep(0.1)
        with self.lock:
            self.callbacks.append((status, dict(params), code))

    def to(self, number):
        return [m for m in self.messages() if m["To"] == number]

    def answered(self):
        """replyd's answers to the callbacks posted so far."""
        with self.lock:
            return [c[2] for c in self.callbacks]


class KeepingNotify(FakeNotify):
    """Notify with received text messages kept for GET."""

    def __init__(self, api_key, page_size=250):
        super().__init__(api_key)
        self.kept = []              # newest first, as Notify lists them
        self.page_size = page_size
        self.gets = []
        fake = self

        def do_GET(handler):
            fake.serve_kept(handler)

        self.server.RequestHandlerClass.do_GET = do_GET

    def keep(self, user_number, content, created=None, id=None):
        """A text that reached Notify whose callback never reached replyd."""
        created = time.time() - 60 if created is None else created
        msg = {"id": id or str(uuid.uuid4()), "service_id": self.service_id,
               "notify_number": "07700900000", "user_number": user_number,
               "content": content,
               "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(created))}
        with self.lock:
            self.kept.insert(0, msg)
        return msg

    def serve_kept(self, handler):
        url = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        why = self.check_jwt(handler.headers.get("Authorization"))
        with self.lock:
            self.gets.append(dict(query, path=url.path))
            kept = list(self.kept)
        if why is not None:
            status, out = 403, {"status_code": 403, "errors": [{"error": "AuthError",
                                                                "message": why}]}
        elif url.path != "/v2/received-text-messages":
            status, out = 404, {"status_code": 404, "errors": [{"error": "NotFound"}]}
        else:
            start = 0
            if "older_than" in query:
                ids = [m["id"] for m in kept]
                start = ids.index(query["older_than"]) + 1 if query["older_than"] in ids \
                    else len(kept)
            page = kept[start:start + self.page_size]
            links = {"current": "/v2/received-text-messages"}
            if start + self.page_size < len(kept):
                links["next"] = "/v2/received-text-messages?older_than=" + page[-1]["id"]
            status, out = 200, {"received_text_messages": page, "links": links}
        data = json.dumps(out).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
