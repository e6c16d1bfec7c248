"""Faults (SPEC §10, §12): replyd killed or Redis restarted during a stream
of webhooks; every message answered 200 is stored exactly once and every
conversation keeps its deadline.  Slow and oversized clients do not stop
others being served."""

import socket
import threading
import time
import uuid

from harness import base_config, wait_for
from providers import form_body, twilio_signature

TOKEN = "twilio-auth-token-for-tests"
URL = "https://replyd.test/webhooks/twilio"


def config(redis_port, tmpdir):
    cfg = base_config(redis_port, tmpdir)
    cfg["channels"] = {"twilio": {"auth_token": TOKEN}}
    return cfg


class Stream:
    """Signed webhooks in a loop; records which were answered 200."""

    def __init__(self, replyd, senders=40):
        self.replyd, self.senders = replyd, senders
        self.accepted, self.stop = [], threading.Event()
        self.refused = 0                # answered otherwise, or not at all
        self.thread = threading.Thread(target=self.run)

    def run(self):
        i = 0
        while not self.stop.is_set():
            sid = "SM" + uuid.uuid4().hex
            # Young people's numbers: a staff phone's texts are not messages.
            sender = "+4477009%05d" % (1000 + i % self.senders)
            params = [("MessageSid", sid), ("From", sender),
                      ("To", "+447700900000"), ("Body", "message %d" % i)]
            i += 1
            try:
                status, _, _ = self.replyd.request(
                    "POST", "/webhooks/twilio", form_body(params),
                    {"Content-Type": "application/x-www-form-urlencoded",
                     "X-Twilio-Signature": twilio_signature(TOKEN, URL, params)}, timeout=5)
            except OSError:
                status = None
            if status == 200:
                self.accepted.append(sid)
            else:
                self.refused += 1
                time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def check_stored(redis_server, accepted):
    """Each accepted message once; each conversation with its deadline."""
    script = """
local dd, msgs, bad = 0, 0, 0
for p = 0, 15 do
  for _, k in ipairs(redis.call('KEYS', 'rd:{' .. p .. '}:d:twilio:*')) do dd = dd + 1 end
  for _, k in ipairs(redis.call('KEYS', 'rd:{' .. p .. '}:c:*')) do
    local f = redis.call('HMGET', k, 'id', 'deadline', 'n', 'state')
    msgs = msgs + tonumber(f[3] or '0')
    local aw = redis.call('ZSCORE', 'rd:{' .. p .. '}:aw', f[1])
    if not f[2] or (f[4] == 'awaiting' and aw ~= f[2]) then bad = bad + 1 end
  end
end
return {dd, msgs, bad}"""
    dd, msgs, bad = (int(x) for x in redis_server.cli("--raw", "EVAL", script, "0").split())
    assert len(set(accepted)) == len(accepted)
    assert dd >= len(accepted)          # every answered message is stored
    assert msgs == dd                   # ...exactly once (one message per dedupe key)
    assert bad == 0                     # no conversation without its deadline


def test_sigkill_during_a_stream_loses_nothing_answered(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(config(redis_server.port, tmpdir_path))
    with Stream(d) as s:
        wait_for(lambda: len(s.accepted) >= 50, what="the stream under way")
        d.kill()
        r = s.refused
        wait_for(lambda: s.refused >= r + 5, what="webhooks failing while replyd is down")
        d.start()
        n = len(s.accepted)
        wait_for(lambda: len(s.accepted) > n + 20, what="accepting after restart")
    check_stored(redis_server, s.accepted)


def test_redis_restart_during_a_stream_loses_nothing_answered(make_replyd, redis_server,
                                                               tmpdir_path):
    d = make_replyd(config(redis_server.port, tmpdir_path))
    with Stream(d) as s:
        wait_for(lambda: len(s.accepted) >= 50, what="the stream under way")
        redis_server.stop()
        r = s.refused
        wait_for(lambda: s.refused >= r + 5, what="webhooks refused while Redis is down")
        redis_server.start()
        n = len(s.accepted)
        wait_for(lambda: len(s.accepted) > n + 20, timeout=20, what="accepting after restart")
    check_stored(redis_server, s.accepted)


def test_slow_and_oversized_clients_do_not_block_others(make_replyd, redis_server, tmpdir_path):
    cfg = config(redis_server.port, tmpdir_path)
    cfg["limits"] = {"sms_body_bytes": 4096, "read_timeout": "5s"}
    d = make_replyd(cfg)
    slow = []
    for _ in range(20):
        c = socket.create_connection(("127.0.0.1", d.port))
        c.sendall(b"POST /webhooks/twilio HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
        slow.append(c)
    big = socket.create_connection(("127.0.0.1", d.port))
    big.sendall(b"POST /webhooks/twilio HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
    start = time.monotonic()
    for _ in range(20):
        assert d.status("/healthz") == 200
    assert time.monotonic() - start < 3
    for c in slow + [big]:
        c.close()
