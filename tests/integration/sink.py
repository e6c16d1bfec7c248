"""A local stand-in for Twilio's Messages API that checks what Twilio
checks (Basic auth account_sid:auth_token, path, form fields) and records
each SMS, for the escalation tests."""

import base64
import http.server
import json
import threading
import urllib.parse

from fakes import Server


class TwilioSink:
    def __init__(self, account_sid="ACtest", auth_token="twilio-auth-token-for-tests"):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages = []
        self.refused = 0
        self.answers = []          # scripted statuses; empty: 201
        self.lock = threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                want = "Basic " + base64.b64encode(
                    ("%s:%s" % (sink.account_sid, sink.auth_token)).encode()).decode()
                path = "/2010-04-01/Accounts/%s/Messages.json" % sink.account_sid
                form = dict(urllib.parse.parse_qsl(body.decode()))
                with sink.lock:
                    if self.headers.get("Authorization") != want or self.path != path or \
                            not {"To", "From", "Body"} <= form.keys():
                        sink.refused += 1
                        status = 401
                    else:
                        status = sink.answers.pop(0) if sink.answers else 201
                        if status == 201:
                            sink.messages.append(form)
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Type", "application/json")
                out = json.dumps({"sid": "SM%d" % len(sink.messages)}).encode()
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()

    def to(self, number):
        with self.lock:
            return [m for m in self.messages if m["To"] == number]

    def bodies(self):
        with self.lock:
            return [m["Body"] for m in self.messages]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
