#!/usr/bin/python3
"""The escalation benchmark (SPEC section 13): with one million open
conversations in Redis, how late do escalation steps fire, how much Redis
memory does an open conversation take (message text excluded), how long
does replyd take from start to ready, and does a claim tick cost more with
a million conversations than with none.

It prints figures and never asserts: it exits non-zero only when something
could not run (Redis or replyd would not start, replyd died, the load
failed).  Everything it starts (redis-server, replyd, a fake Twilio
Messages API) runs on free loopback ports in a temporary directory that is
removed at the end, also on failure.  See docs/benchmarks-escalation.md.

Standard library only; run with Debian's /usr/bin/python3.
"""

import argparse
import base64
import hashlib
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
FEED = os.path.join(ROOT, "config", "calendars", "uk-bank-holidays.json")
PARTITIONS = 16                     # STORE_PARTITIONS in daemon/store/store.h
DEDUPE_TTL = 35 * 86400             # WEBHOOK_DEDUPE_TTL in daemon/serve/intake.c
TEAM = "leaving-care"
WORKER = "alice"
DUTY_PHONE = "+447900900001"        # alice: the duty worker every day
MANAGER_PHONE = "+447900900004"
ACCOUNT_SID = "ACbench"
TWILIO_TOKEN = "bench-twilio-auth-token"
API_TOKEN = "bench-admin-token-0123456789abcdef"
DAY_MS = 86400 * 1000


def say(msg):
    print("escalation: " + msg, flush=True)


def note(msg):
    print("escalation: (%s)" % msg, file=sys.stderr, flush=True)


class Failed(Exception):
    """Something the benchmark needs could not run."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- A minimal RESP2 client (python3-redis is not needed) -----------------

class RedisError(Exception):
    pass


def resp(*args):
    """One command in RESP (arguments: str, bytes or int)."""
    out = ["*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, bytes):
            a = a.decode("latin-1")
        a = str(a)
        out.append("$%d\r\n%s\r\n" % (len(a.encode("latin-1")), a))
    return "".join(out).encode("latin-1")


class Redis:
    def __init__(self, port, timeout=60):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.f = self.sock.makefile("rb")

    def read(self):
        line = self.f.readline()
        if not line:
            raise RedisError("connection closed")
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RedisError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2]
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RedisError("bad reply %r" % line)

    def cmd(self, *args):
        self.sock.sendall(resp(*args))
        r = self.read()
        if isinstance(r, RedisError):
            raise r
        return r

    def raw(self, data, nreplies):
        """Send pre-encoded commands; return the number of error replies."""
        self.sock.sendall(data)
        errors = 0
        for _ in range(nreplies):
            if isinstance(self.read(), RedisError):
                errors += 1
        return errors

    def info(self, section):
        out = {}
        for line in self.cmd("INFO", section).decode().splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k] = v
        return out

    def close(self):
        try:
            self.f.close()
            self.sock.close()
        except OSError:
            pass


# --- replyd's data model, exactly as store_ingest_script writes it ---------

def address_hash(addr):
    """store_hash(): hex SHA-256, first 40 characters."""
    return hashlib.sha256(addr.encode()).hexdigest()[:40]


def dedupe_hash(sid):
    """store_hash_dedupe(): base64url SHA-256, first 14 bytes, 19 characters."""
    return base64.urlsafe_b64encode(hashlib.sha256(sid.encode()).digest()[:14]).decode()[:19]


def partition_of(ah):
    """store_partition(): first byte of the hash modulo 16."""
    return int(ah[:2], 16) % PARTITIONS


def _b(s):
    return "$%d\r\n%s\r\n" % (len(s), s)


_F = {k: _b(k) for k in ("id", "state", "team", "worker", "contact", "channel",
                         "provider", "addr", "ah", "received_at", "deadline",
                         "step", "n", "urgent", "e1u", "x1",
                         "t", "w", "c", "ch", "p", "a", "r")}
_CONST = (_F["state"] + _b("awaiting") + _F["team"] + _b(TEAM) + _F["worker"] +
          _b(WORKER))
_CONST2 = _F["channel"] + _b("sms") + _F["provider"] + _b("twilio")
_TAIL = _F["step"] + _b("0") + _F["n"] + _b("1") + _F["urgent"] + _b("0")
# The record's short names (daemon/store/keys.h REC_*); step and urgent
# are written only once they are not 0.
_CONST_NEW = (_F["state"] + _b("awaiting") + _F["t"] + _b(TEAM) + _F["w"] + _b(WORKER))
_CONST2_NEW = _F["ch"] + _b("sms") + _F["p"] + _b("twilio")
_RPUSH = "*3\r\n" + _b("RPUSH")
_SET3 = "*3\r\n" + _b("SET")
_HSET_O = "*4\r\n" + _b("HSET")
_SET5 = "*5\r\n" + _b("SET")
_EX = _b("EX") + _b(str(DEDUPE_TTL))
_ZADD = "*4\r\n" + _b("ZADD")
_TEXT = "*4\r\n" + _b("HSET")
_EXPIRE = "*3\r\n" + _b("EXPIRE") 
TEXT_TTL = 30 * 86400               # retention.message_text's default
TEXT_BLOCK = 32                     # keys.h: conversations per text bucket
# Commands per conversation in each layout (the day ranges, sequences and
# claim marks are written once per partition): the new layout has no due
# entry for a first step that falls due at the deadline.
COMMANDS = {"new": 4, "old": 7}
COMMANDS_PER_CONVERSATION = COMMANDS["new"]


def conversation(p, n, addr, ah, sid, received_ms, deadline_ms, due_ms, contact,
                 layout="new"):
    """RESP for one open conversation as the ingest script leaves it after
    the first SMS of a known contact (state awaiting, step 0, n 1, not
    urgent), without the message text (text() adds it).  The ingest
    script's keys and values (docs/data-model.md):
      HSET rd:{P}:c:ID id state t(team) w(worker) c(contact) ch(channel)
           p(provider) a(address: a phone number's digits, no '+')
           r(arrival) deadline n(=1) x1(its text's bucket)
      HSET rd:{P}:r:AH o ID   (a field of the address's hash, which holds
                               the contact's routing already: route())
      ZADD rd:{P}:aw DEADLINE ID  (the first step, due at the deadline,
                                   is claimed from it: no due entry)
      SET rd:{P}:d:twilio:B64URL(SHA256(MessageSid)[:14]) N EX 3024000  (N of ID P-N)
    and rd:{P}:days (the day's lowest and highest id) once per partition
    and day, like rd:{P}:seq (the INCR that names ID) and the stats hash's
    aw_claimed (how far claims have read aw).  layout "old" is the
    release before: ZADD rd:{P}:due DUE ID:0, the record also had ah and
    no e1u, rd:{P}:rx held
    every conversation by arrival, rd:{P}:e:ID the first message's event
    rd:{P}:o:AH (a key of its own) the open id, the record long
    field names, step and urgent, and the dedupe key 40 hex characters
    of SHA-256."""
    if layout == "new" and due_ms != deadline_ms:
        raise ValueError("the new layout's first step falls due at the deadline")
    pre = "rd:{%d}:" % p
    cid = "%d-%d" % (p, n)
    rec = str(received_ms)
    dl = str(deadline_ms)
    if layout == "old":
        event = ('{"type":"message","at":%s,"n":1,"channel":"sms","provider":"twilio",'
                 '"urgent":false,"meta":{}}' % rec)
        return "".join((
            "*30\r\n" + _b("HSET"), _b(pre + "c:" + cid), _F["id"], _b(cid), _CONST,
            _F["contact"], _b(contact), _CONST2, _F["addr"], _b(addr), _F["ah"], _b(ah),
            _F["received_at"], _b(rec), _F["deadline"], _b(dl), _TAIL,
            _SET3, _b(pre + "o:" + ah), _b(cid),
            _ZADD, _b(pre + "due"), _b(str(due_ms)), _b(cid + ":0"),
            _ZADD, _b(pre + "aw"), _b(dl), _b(cid),
            _ZADD, _b(pre + "rx"), _b(rec), _b(cid),
            _RPUSH, _b(pre + "e:" + cid), _b(event),
            _SET5, _b(pre + "d:twilio:" + address_hash(sid)), _b(cid), _EX,
        ))
    return "".join((
        "*26\r\n" + _b("HSET"), _b(pre + "c:" + cid), _F["id"], _b(cid), _CONST_NEW,
        _F["c"], _b(contact), _CONST2_NEW, _F["a"], _b(addr.lstrip("+")),
        _F["r"], _b(rec), _F["deadline"], _b(dl), _F["n"], _b("1"),
        _F["x1"], _b(str(text_expiry(received_ms))),
        _HSET_O, _b(pre + "r:" + ah), _b("o"), _b(cid),
        _ZADD, _b(pre + "aw"), _b(dl), _b(cid),
        _SET5, _b(pre + "d:twilio:" + dedupe_hash(sid)), _b(str(n)), _EX,
    ))


def whole(addr):
    """A record's address as given: store_addr_unpack() puts the '+' back
    on a phone number's digits."""
    return "+" + addr if addr.isdigit() else addr


def route(addr, contact):
    """RESP for the routing of a known contact's address, as PUT
    /v1/contacts writes it (one command): there before any message, so not
    part of what a conversation costs."""
    ah = address_hash(addr)
    return ("*10\r\n" + _b("HSET") + _b("rd:{%d}:r:%s" % (partition_of(ah), ah)) +
            _b("contact") + _b(contact) + _b("team") + _b(TEAM) + _b("worker") +
            _b(WORKER) + _b("receipt") + _b("1"))


def text_expiry(received_ms, ttl=TEXT_TTL):
    """conv_text_expiry(): the end of the text's bucket (unix seconds)."""
    span = min(max(ttl // 720, 1), 3600)
    at = (received_ms + 999) // 1000 + ttl
    return (at + span - 1) // span * span


def text(p, n, layout, received_ms):
    """RESP for the one-character text of conversation P-N's first message:
    two commands.  New layout: a field of the bucket of texts that expire
    together of its block of TEXT_BLOCK conversation numbers
    (rd:{P}:x:T:N/TEXT_BLOCK, T named by the record's x1; the field N%TEXT_BLOCK:1),
    expiring at T;
    old: rd:{P}:t:ID with its own expiry."""
    if layout == "old":
        key = _b("rd:{%d}:t:%d-%d" % (p, p, n))
        return _TEXT + key + _b("1") + _b("x") + _EXPIRE + key + _b(str(TEXT_TTL))
    t = text_expiry(received_ms)
    key = _b("rd:{%d}:x:%d:%d" % (p, t, n // TEXT_BLOCK))
    return (_TEXT + key + _b("%d:1" % (n % TEXT_BLOCK)) + _b("x") + "*4\r\n" + _b("EXPIREAT") +
            key + _b(str(t)) + _b("NX"))


class Population:
    """Conversation ids per partition, as the INCR on rd:{P}:seq hands them out."""

    def __init__(self, layout="new"):
        self.seq = [0] * PARTITIONS
        self.layout = layout
        self.days = {}
        self.received = [[] for _ in range(PARTITIONS)]

    def add(self, addr, sid, received_ms, deadline_ms, due_ms, contact):
        ah = address_hash(addr)
        p = partition_of(ah)
        self.seq[p] += 1
        n = self.seq[p]
        day = (p, received_ms // DAY_MS)
        lo, hi = self.days.get(day, (n, n))
        self.days[day] = (min(lo, n), max(hi, n))
        self.received[p].append(received_ms)
        return "%d-%d" % (p, n), conversation(p, n, addr, ah, sid, received_ms,
                                               deadline_ms, due_ms, contact, self.layout)

    def seq_commands(self):
        out = ["*3\r\n" + _b("SET") + _b("rd:{%d}:seq" % p) + _b(str(n))
               for p, n in enumerate(self.seq) if n > 0]
        if self.layout == "new":
            out += ["*4\r\n" + _b("HSET") + _b("rd:{%d}:days" % p) + _b(str(d)) +
                    _b("%d:%d" % r) for (p, d), r in sorted(self.days.items())]
            # As a store where claims have read the awaiting index up to
            # now: what was added has its first step there, not in due.
            now = str(int(time.time() * 1000))
            out += ["*4\r\n" + _b("HSET") + _b("rd:{%d}:stats" % p) + _b("aw_claimed") +
                    _b(now) for p, n in enumerate(self.seq) if n > 0]
        return "".join(out)

    def nseq(self):
        """How many commands seq_commands() holds."""
        used = sum(1 for s in self.seq if s)
        return used + (len(self.days) + used if self.layout == "new" else 0)

    def per_conversation(self):
        return COMMANDS[self.layout]


# --- A fake Twilio Messages API -------------------------------------------

class FakeTwilio:
    """Checks what Twilio checks (Basic auth account_sid:auth_token, path,
    To/From/Body) and records when each SMS arrived."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []          # (unix time, form)
        self.refused = 0
        want_auth = "Basic " + base64.b64encode(
            ("%s:%s" % (ACCOUNT_SID, TWILIO_TOKEN)).encode()).decode()
        want_path = "/2010-04-01/Accounts/%s/Messages.json" % ACCOUNT_SID
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                at = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                form = dict(urllib.parse.parse_qsl(body.decode()))
                ok = (self.headers.get("Authorization") == want_auth and
                      self.path == want_path and {"To", "From", "Body"} <= form.keys())
                with fake.lock:
                    if ok:
                        fake.received.append((at, form))
                        n = len(fake.received)
                    else:
                        fake.refused += 1
                        n = 0
                out = json.dumps({"sid": "SM%032x" % n, "status": "queued"}).encode()
                self.send_response(201 if ok else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def take(self):
        with self.lock:
            out, self.received = self.received, []
            return out

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# --- Processes -------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="replyd-bench-escalation-")
        self.redis_proc = None
        self.replyd_proc = None
        self.pipe_proc = None
        self.twilio = None
        self.r = None
        build = os.environ.get("REPLYD_BUILD", "build")
        self.replyd_bin = args.replyd or os.path.join(ROOT, build, "replyd")

    # Redis -----------------------------------------------------------------
    def start_redis(self):
        self.redis_port = free_port()
        d = os.path.join(self.dir, "redis")
        os.makedirs(d)
        # config/redis.conf's durability settings; DEBUG only for HTSTATS.
        argv = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                "--dir", d, "--appendonly", "yes", "--appendfsync", "always",
                "--auto-aof-rewrite-percentage", "100",
                "--auto-aof-rewrite-min-size", "64mb", "--save", "",
                "--maxmemory-policy", "noeviction", "--enable-debug-command", "local"]
        self.redis_log = open(os.path.join(d, "redis.log"), "ab")
        try:
            self.redis_proc = subprocess.Popen(argv, stdout=self.redis_log,
                                               stderr=subprocess.STDOUT)
        except OSError as e:
            raise Failed("cannot run redis-server: %s" % e)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.r = Redis(self.redis_port)
                self.r.cmd("PING")
                break
            except (OSError, RedisError):
                if self.redis_proc.poll() is not None or time.monotonic() > deadline:
                    raise Failed("redis-server did not start (see its log)")
                time.sleep(0.02)
        self.redis_version = self.r.info("server").get("redis_version", "?")

    def redis_pid_cpu(self):
        return proc_cpu(self.redis_proc.pid)

    def wait_rewrite(self):
        while True:
            p = self.r.info("persistence")
            if p.get("aof_rewrite_in_progress") == "0" and \
                    p.get("aof_rewrite_scheduled") == "0":
                return
            time.sleep(0.1)

    # replyd ----------------------------------------------------------------
    def config(self):
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        return {
            "listen": "127.0.0.1:%d" % self.replyd_port,
            "public_url": "https://replyd.bench",
            "redis": {"url": "redis://127.0.0.1:%d/0" % self.redis_port, "timeout": "1s"},
            "calendars": {"allday": {
                "timezone": "Europe/London",
                "hours": {d: ["00:00-24:00"] for d in days},
                "bank_holidays": {"file": FEED, "division": "england-and-wales"}}},
            "promise": {"respond_within": "1 working day", "calendar": "allday"},
            "people": {
                "alice": {"name": "Alice", "phone": DUTY_PHONE},
                "dora": {"name": "Dora", "phone": MANAGER_PHONE}},
            "teams": {TEAM: {
                "calendar": "allday",
                "workers": ["alice"],
                "duty": {d: "alice" for d in days},
                "duty_manager": "dora",
                "escalation": [{"after": "0s", "notify": ["duty-worker"]}]}},
            "default_team": TEAM,
            "channels": {"twilio": {"auth_token": TWILIO_TOKEN, "account_sid": ACCOUNT_SID,
                                    "from": "+447900900000", "api_base": self.twilio.url}},
            # Every measured step texts one duty worker: far past the
            # hourly limits of a real phone, lifted for the benchmark.
            "alerts": {"sms": "twilio", "sms_per_hour": 10000,
                       "sms_identical_per_hour": 10000},
            "delivery": {"retry_base": "1s", "retry_max": "2s"},
            "api": {"tokens": {API_TOKEN: {"name": "bench", "role": "admin"}}},
            "drain_timeout": "5s",
        }

    def start_replyd(self, name):
        """Spawn replyd; return (seconds to /readyz 200, seconds to READY=1 or None)."""
        if not os.access(self.replyd_bin, os.X_OK):
            raise Failed("%s is not built (run make)" % self.replyd_bin)
        self.replyd_port = free_port()
        cfgpath = os.path.join(self.dir, name + ".json")
        with open(cfgpath, "w") as f:
            json.dump(self.config(), f, indent=2)
        sockpath = os.path.join(self.dir, name + ".notify")
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(sockpath)
        ready_at = []

        def listen():
            ns.settimeout(0.2)
            while not ready_at and not stop.is_set():
                try:
                    data = ns.recv(4096)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if b"READY=1" in data.split(b"\n"):
                    ready_at.append(time.monotonic())

        stop = threading.Event()
        t = threading.Thread(target=listen, daemon=True)
        t.start()
        env = dict(os.environ, NOTIFY_SOCKET=sockpath)
        self.replyd_log_path = os.path.join(self.dir, name + ".log")
        self.replyd_log = open(self.replyd_log_path, "ab")
        t0 = time.monotonic()
        self.replyd_proc = subprocess.Popen([self.replyd_bin, "-c", cfgpath],
                                            stdout=self.replyd_log,
                                            stderr=subprocess.STDOUT, env=env)
        ready = None
        while time.monotonic() - t0 < 30:
            if self.replyd_proc.poll() is not None:
                break
            if self.http_status("/readyz", timeout=0.5) == 200:
                ready = time.monotonic() - t0
                break
            time.sleep(0.005)
        if ready is None:
            stop.set()
            ns.close()
            raise Failed("replyd did not become ready (exit %s); its log:\n%s" %
                         (self.replyd_proc.poll(), self.replyd_logtext()[-3000:]))
        t.join(timeout=1.0)
        stop.set()
        ns.close()
        return ready, (ready_at[0] - t0) if ready_at else None

    def http_status(self, path, timeout=2.0):
        conn = http.client.HTTPConnection("127.0.0.1", self.replyd_port, timeout=timeout)
        try:
            conn.request("GET", path)
            return conn.getresponse().status
        except OSError:
            return None
        finally:
            conn.close()

    def replyd_logtext(self):
        try:
            with open(self.replyd_log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def check_replyd(self):
        if self.replyd_proc is None or self.replyd_proc.poll() is not None:
            raise Failed("replyd died (exit %s); its log:\n%s" %
                         (self.replyd_proc.poll() if self.replyd_proc else None,
                          self.replyd_logtext()[-3000:]))

    def stop_replyd(self):
        p, self.replyd_proc = self.replyd_proc, None
        if p is None:
            return
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.replyd_log.close()

    def cleanup(self):
        p = self.pipe_proc
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()
        try:
            self.stop_replyd()
        except Exception:
            pass
        if self.r is not None:
            self.r.close()
        if self.redis_proc is not None and self.redis_proc.poll() is None:
            self.redis_proc.terminate()
            try:
                self.redis_proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.redis_proc.kill()
                self.redis_proc.wait()
        if self.twilio is not None:
            self.twilio.close()
        if self.args.keep:
            note("kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    # Phases ----------------------------------------------------------------
    def load_routes(self, n):
        """The routing of n known contacts' addresses (load()'s senders)."""
        self.pipe(("".join(route("+447700%06d" % i, "yp-%06d" % i)
                           for i in range(j, min(j + 2000, n)))
                   for j in range(0, n, 2000)), lambda: n)

    def load(self, pop, n):
        """n open conversations, due months from now, through redis-cli --pipe."""
        now = int(time.time() * 1000)

        def chunks():
            chunk = []
            for i in range(n):
                # Arrivals over the last day in the order of their ids, as
                # replyd hands ids out (a partition's numbers only grow).
                received = now - DAY_MS + (i * DAY_MS) // max(n, 1)
                # Deadlines from 30 to 120 days ahead: none falls due in the run.
                deadline = now + 30 * DAY_MS + (i * 90 * DAY_MS) // max(n, 1)
                _, data = pop.add("+447700%06d" % i, "SM%032x" % i, received, deadline,
                                  deadline, "yp-%06d" % i)
                chunk.append(data)
                if len(chunk) == 2000:
                    yield "".join(chunk)
                    chunk = []
            chunk.append(pop.seq_commands())
            yield "".join(chunk)
        # The generator fills pop as it goes: count the replies after.
        self.pipe(chunks(), lambda: n * pop.per_conversation() + pop.nseq())

    def pipe(self, chunks, want):
        """Send the RESP chunks through redis-cli --pipe; want() replies."""
        # Its output goes to a file: a pipe could fill up with error lines
        # while we are still writing, and both would wait for ever.
        outpath = os.path.join(self.dir, "redis-cli-pipe.out")
        with open(outpath, "wb") as out:
            self.pipe_proc = subprocess.Popen(
                ["redis-cli", "-p", str(self.redis_port), "--pipe"],
                stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT)
        for chunk in chunks:
            self.pipe_proc.stdin.write(chunk.encode())
        self.pipe_proc.stdin.close()
        rc = self.pipe_proc.wait()
        with open(outpath, errors="replace") as f:
            out = f.read()[-2000:]
        self.pipe_proc = None
        m = re.search(r"errors: (\d+), replies: (\d+)", out)
        want = want()
        if rc != 0 or not m or m.group(1) != "0" or int(m.group(2)) != want:
            raise Failed("redis-cli --pipe exited %s: %s (expected %d replies)" % (rc, out.strip(), want))

    def add_steps(self, pop, k, spacing_ms, lead_ms, tag):
        """k conversations whose step 0 falls due every spacing_ms from
        lead_ms from now; returns {id: due ms}."""
        first = int(time.time() * 1000) + lead_ms
        dues, data = {}, []
        for j in range(k):
            due = first + j * spacing_ms
            cid, d = pop.add("+44780%d%06d" % (tag, j), "SMstep%d%026x" % (tag, j),
                             due - DAY_MS, due, due, "yp-s%d%05d" % (tag, j))
            dues[cid] = due
            data.append(d)
        data.append(pop.seq_commands())
        nrep = k * pop.per_conversation() + pop.nseq()
        errors = self.r.raw("".join(data).encode(), nrep)
        if errors:
            raise Failed("adding the measured steps: %d errors" % errors)
        return dues

    def slowlog_on(self):
        self.r.cmd("CONFIG", "SET", "slowlog-max-len", "1000000")
        self.r.cmd("CONFIG", "SET", "slowlog-log-slower-than", "0")
        self.r.cmd("SLOWLOG", "RESET")
        self.r.cmd("CONFIG", "RESETSTAT")

    def slowlog_off(self):
        """Stop logging; return (claim-script durations in us, commandstats)."""
        self.r.cmd("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        stats = self.r.info("commandstats")
        entries = self.r.cmd("SLOWLOG", "GET", "1000000")
        self.r.cmd("SLOWLOG", "RESET")
        self.r.cmd("CONFIG", "SET", "slowlog-max-len", "128")
        claims = []
        for e in entries:
            args = e[3]
            if len(args) >= 5 and args[0].upper() in (b"EVALSHA", b"EVAL") and \
                    args[3].endswith(b":due") and args[4].endswith(b":esc"):
                claims.append((e[1], e[2]))       # (unix time, us)
        return claims, stats

    def steps_phase(self, pop, label, background):
        """Start replyd, add K steps, collect alerts; returns a summary."""
        a = self.args
        self.twilio.take()
        self.r.cmd("CONFIG", "RESETSTAT")
        ready, notified = self.start_replyd("replyd-" + label)
        time.sleep(1.0)
        start_stats = self.r.info("commandstats")
        self.check_replyd()
        self.slowlog_on()
        t_on = time.time()
        dues = self.add_steps(pop, a.steps, a.spacing_ms, 2000, 1 if label == "empty" else 2)
        last_due = max(dues.values()) / 1000.0
        got = {}
        dup = 0
        deadline = last_due + a.wait_after
        while time.time() < deadline:
            self.check_replyd()
            for at, form in self.twilio.take():
                m = re.search(r"ref (\d+-\d+)", form.get("Body", ""))
                if not m or m.group(1) not in dues:
                    continue
                if m.group(1) in got:
                    dup += 1
                else:
                    got[m.group(1)] = at
            if len(got) == len(dues) and time.time() > last_due + 1.0:
                break
            time.sleep(0.05)
        t_off = time.time()
        claims, stats = self.slowlog_off()
        self.check_replyd()
        # replyd's own record: escalation events carry lateness_ms (claimed - due).
        claimed = {}
        for cid in got:
            p = int(cid.split("-")[0])
            for ev in self.r.cmd("LRANGE", "rd:{%d}:e:%s" % (p, cid), 0, -1):
                try:
                    j = json.loads(ev)
                except ValueError:
                    continue
                if j.get("type") == "escalation" and "lateness_ms" in j:
                    claimed[cid] = dues[cid] / 1000.0 + j["lateness_ms"] / 1000.0
        self.stop_replyd()
        return {
            "label": label, "background": background, "ready": ready,
            "notified": notified, "dues": dues, "got": got, "dup": dup,
            "claimed": claimed, "claims": claims, "stats": stats,
            "start_stats": start_stats, "window": t_off - t_on,
            "refused": self.twilio.refused,
        }


def proc_cpu(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def pct(values, q):
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(-(-q * len(v) // 100)) - 1))
    return v[k]


def commandstat(stats, name):
    s = stats.get("cmdstat_" + name)
    if not s:
        return 0, 0.0
    d = dict(kv.split("=") for kv in s.split(","))
    return int(d["calls"]), float(d["usec_per_call"])


def report_phase(res, n_open):
    dues, got = res["dues"], res["got"]
    late = [got[c] - dues[c] / 1000.0 for c in got]
    k = len(dues)
    say("lateness over %d steps with %d open: p50 %.3f s p99 %.3f s max %.3f s, "
        "%d of %d alerts arrived, %d duplicates (target p99 < 1 s)" %
        (k, n_open, pct(late, 50), pct(late, 99), max(late) if late else float("nan"),
         len(got), k, res["dup"]))
    cl = [res["claimed"][c] - dues[c] / 1000.0 for c in res["claimed"]]
    tail = [got[c] - res["claimed"][c] for c in res["claimed"]]
    if cl:
        say("  of which due -> claimed (replyd's lateness_ms) p50 %.3f s p99 %.3f s max "
            "%.3f s; claimed -> SMS at the fake Twilio p50 %.3f s p99 %.3f s max %.3f s" %
            (pct(cl, 50), pct(cl, 99), max(cl), pct(tail, 50), pct(tail, 99), max(tail)))
    missing = sorted(set(dues) - set(got))
    if missing:
        say("  not alerted in time: %s%s" % (" ".join(missing[:10]),
                                             " ..." if len(missing) > 10 else ""))


def claim_summary(res):
    us = [d for _, d in res["claims"]]
    calls, upc = commandstat(res["stats"], "evalsha")
    return us, calls, upc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--conversations", type=int, default=1000000,
                    help="open conversations loaded (default 1000000)")
    ap.add_argument("--steps", type=int, default=500,
                    help="escalation steps measured per phase (default 500)")
    ap.add_argument("--spacing-ms", type=int, default=50,
                    help="time between two measured steps' due times (default 50)")
    ap.add_argument("--wait-after", type=float, default=10.0,
                    help="seconds to wait for alerts after the last due time")
    ap.add_argument("--replyd", help="replyd binary (default $REPLYD_BUILD/replyd)")
    ap.add_argument("--old-conversations", type=int, default=None,
                    help="conversations loaded in the previous release's layout to "
                    "compare memory with (default: as many as --conversations; 0: none)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory (logs, configs, AOF)")
    args = ap.parse_args()
    if args.old_conversations is None:
        args.old_conversations = args.conversations

    def on_signal(sig, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)

    b = Bench(args)
    rc = 0
    try:
        b.twilio = FakeTwilio()
        b.start_redis()
        r = b.r
        say("redis-server %s (appendonly yes, appendfsync always, save \"\", noeviction), "
            "data on %s; %d CPUs, load average %.2f; replyd %s" %
            (b.redis_version, fs_type(b.dir), os.cpu_count(), os.getloadavg()[0],
             b.replyd_bin))

        # Phase 1: no open conversations.
        pop0 = Population()
        res0 = b.steps_phase(pop0, "empty", 0)

        # Phase 2: the million, in the layout replyd writes (AOF fsync
        # relaxed for the load only), then their one-character texts.
        n = args.conversations
        pop = Population("new")
        per, per_all = memory_phase(b, pop, n, "")

        # Phase 3: replyd with the million.
        res1 = b.steps_phase(pop, "loaded", n)

        for res, n_open in ((res0, 0), (res1, n)):
            say("replyd start to ready %.3f s with %d open conversations (/readyz "
                "polled every 5 ms; READY=1 on NOTIFY_SOCKET after %s; target < 1 s)" %
                (res["ready"], n_open, "%.3f s" % res["notified"]
                 if res["notified"] is not None else "never"))
        started = sorted("%s %d" % (k[8:], int(dict(kv.split("=") for kv in v.split(","))["calls"]))
                         for k, v in res1["start_stats"].items()
                         if not k.startswith("cmdstat_config"))
        say("commands Redis ran in replyd's first second with %d open (INFO "
            "commandstats, scripts' own calls included): %s" % (n, ", ".join(started)))
        for res, n_open in ((res0, 0), (res1, n)):
            report_phase(res, n_open)
        us0, calls0, upc0 = claim_summary(res0)
        us1, calls1, upc1 = claim_summary(res1)
        say("claim script %.1f us/call with 0 open, %.1f us/call with %d open "
            "(SLOWLOG of every call: %d and %d calls, p99 %.0f and %.0f us, max %d and %d us)" %
            (sum(us0) / max(len(us0), 1), sum(us1) / max(len(us1), 1), n, len(us0),
             len(us1), pct(us0, 99), pct(us1, 99), max(us0 or [0]), max(us1 or [0])))
        say("  claim calls per second %.1f with 0 open, %.1f with %d open; "
            "cmdstat_evalsha (claim + advance) %.1f and %.1f us/call" %
            (len(us0) / res0["window"], len(us1) / res1["window"], n, upc0, upc1))
        if args.old_conversations:
            # The layout of the release before, on the same Redis, side by
            # side (replyd stopped: only the memory is compared).
            old = Population("old")
            oper, oper_all = memory_phase(b, old, args.old_conversations, "old layout: ")
            say("memory side by side (bytes per open conversation; old layout %d "
                "loaded, new %d): text excluded old %d, new %d; everything counted "
                "old %d, new %d (target <= 512)" %
                (args.old_conversations, n, round(oper), round(per), round(oper_all),
                 round(per_all)))
        if res0["refused"] or res1["refused"]:
            say("fake Twilio refused %d requests (auth or fields)" % res1["refused"])
    except Failed as e:
        print("escalation: could not run: %s" % e, file=sys.stderr)
        rc = 1
    except KeyboardInterrupt:
        print("escalation: interrupted", file=sys.stderr)
        rc = 1
    finally:
        b.cleanup()
    return rc


def fs_type(path):
    try:
        out = subprocess.run(["findmnt", "-n", "-o", "FSTYPE", "-T", path],
                             capture_output=True, text=True, timeout=5).stdout.strip()
        return out or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def breakdown(r, pop, n, per, label=""):
    """Where the bytes go: MEMORY USAGE of sampled keys of each kind."""
    rng = random.Random(7)
    samples = []
    for _ in range(200):
        p = rng.randrange(PARTITIONS)
        if pop.seq[p]:
            samples.append((p, rng.randrange(1, pop.seq[p] + 1)))
    parts = []

    def avg(keys):
        vals = [r.cmd("MEMORY", "USAGE", k, "SAMPLES", "0") for k in keys]
        vals = [v for v in vals if isinstance(v, int)]
        return sum(vals) / max(len(vals), 1)

    hkeys = ["rd:{%d}:c:%d-%d" % (p, p, i) for p, i in samples]
    parts.append(("hash c:ID", avg(hkeys)))
    if pop.layout == "old":
        parts.append(("events list e:ID", avg(["rd:{%d}:e:%d-%d" % (p, p, i)
                                               for p, i in samples])))
    ahs = [address_hash(whole(r.cmd("HGET", k, "addr" if pop.layout == "old" else "a").decode()))
           for k in hkeys[:100]]
    if pop.layout == "old":
        opens = ["rd:{%d}:o:%s" % (p, a) for (p, _), a in zip(samples, ahs)]
        parts.append(("open pointer o:AH", avg(opens)))
    else:
        # The field "o" in the address's hash: what the hash grew by.
        routes = ["rd:{%d}:r:%s" % (p, a) for (p, _), a in zip(samples, ahs)]
        grown = avg(routes)
        for k in routes:
            r.cmd("HDEL", k, "o")
        parts.append(("open id in the address's hash r:AH", grown - avg(routes)))
        for k, (p, i) in zip(routes, samples):
            r.cmd("HSET", k, "o", "%d-%d" % (p, i))
    # Dedupe keys are named by the MessageSid's hash: find a few by SCAN.
    dd = []
    cur = b"0"
    while len(dd) < 100:
        cur, keys = r.cmd("SCAN", cur, "MATCH", "rd:{*}:d:*", "COUNT", "1000")
        dd.extend(k.decode() for k in keys)
        if cur == b"0":
            break
    parts.append(("dedupe key d:twilio:H (+EX)", avg(dd[:100])))
    if pop.layout == "old" and r.cmd("EXISTS", "rd:{%d}:t:%d-%d" % (
            samples[0][0], samples[0][0], samples[0][1])):
        parts.append(("text t:ID (+EX)", avg(["rd:{%d}:t:%d-%d" % (p, p, i)
                                              for p, i in samples])))
    buckets = [k.decode() for k in r.cmd("KEYS", "rd:{*}:x:*")] if pop.layout == "new" else []
    if buckets:
        tot = sum(r.cmd("MEMORY", "USAGE", k, "SAMPLES", "0") or 0 for k in buckets)
        parts.append(("text in buckets x:T:B (%d buckets / conversations)" % len(buckets),
                      tot / max(n, 1)))
    zsets = (("due", "due entry"), ("aw", "aw entry"))
    if pop.layout == "old":
        zsets += (("rx", "rx entry"),)
    for z, what in zsets:
        tot = sum(r.cmd("MEMORY", "USAGE", "rd:{%d}:%s" % (p, z), "SAMPLES", "0") or 0
                  for p in range(PARTITIONS))
        parts.append(("%s (zset %s / members)" % (what, z), tot / max(n, 1)))
    if pop.layout == "new":
        tot = sum(r.cmd("MEMORY", "USAGE", "rd:{%d}:days" % p, "SAMPLES", "0") or 0
                  for p in range(PARTITIONS))
        parts.append(("day ranges (hash days / conversations)", tot / max(n, 1)))
    known = sum(v for _, v in parts)
    ht = ""
    try:
        st = r.cmd("DEBUG", "HTSTATS", "0").decode()
        sizes = [int(x) for x in re.findall(r"table size: (\d+)", st)]
        elems = [int(x) for x in re.findall(r"number of elements: (\d+)", st)]
        ht = "; DEBUG HTSTATS: tables %s, elements %s" % (sizes, elems)
    except (RedisError, ValueError, AttributeError):
        pass
    say("  %sbreakdown per conversation (MEMORY USAGE, sampled): " % label +
        ", ".join("%s %.0f" % (k, v) for k, v in parts) +
        "; sum %.0f, rest %.0f (main and expires hash-table buckets, expires "
        "entries, allocator rounding)%s" % (known, per - known, ht))
    sample = r.cmd("HGETALL", hkeys[0])
    say("  %ssample hash %s: %s" % (label, hkeys[0], " ".join(x.decode() for x in sample)))
    enc = r.cmd("OBJECT", "ENCODING", hkeys[0]).decode()
    zenc = r.cmd("OBJECT", "ENCODING", "rd:{0}:aw").decode()
    say("  %sencodings: hash %s, aw %s" % (label, enc, zenc))


def load_texts(b, pop):
    """The one-character text of every loaded conversation's message."""
    data, nrep = [], 0
    for p in range(PARTITIONS):
        for n in range(1, pop.seq[p] + 1):
            data.append(text(p, n, pop.layout, pop.received[p][n - 1]))
            nrep += 2
            if len(data) >= 20000:
                if b.r.raw("".join(data).encode(), nrep):
                    raise Failed("loading the texts failed")
                data, nrep = [], 0
    if data and b.r.raw("".join(data).encode(), nrep):
        raise Failed("loading the texts failed")


def memory_phase(b, pop, n, label):
    """Load n conversations in pop's layout into an empty Redis; measure
    their memory without and with their text.  Returns the two figures."""
    r = b.r
    r.cmd("FLUSHALL", "SYNC")
    r.cmd("SCRIPT", "FLUSH", "SYNC")
    b.wait_rewrite()
    r.cmd("BGREWRITEAOF")
    time.sleep(0.2)
    b.wait_rewrite()
    r.cmd("CONFIG", "SET", "appendfsync", "everysec")
    r.cmd("CONFIG", "SET", "auto-aof-rewrite-percentage", "0")
    # The contacts' routing is there before their messages: not counted.
    b.load_routes(n)
    mem0 = int(r.info("memory")["used_memory"])
    t0 = time.monotonic()
    b.load(pop, n)
    load_s = time.monotonic() - t0
    mem1 = int(r.info("memory")["used_memory"])
    per = (mem1 - mem0) / max(n, 1)
    say("%sloaded %d open conversations in %.1f s (%d keys; redis-cli --pipe with "
        "appendfsync everysec)" % (label, n, load_s, r.cmd("DBSIZE")))
    say("%sredis memory per open conversation %d bytes (%d loaded, text excluded; "
        "target <= 512): used_memory %d -> %d bytes" % (label, round(per), n, mem0, mem1))
    breakdown(r, pop, n, per, label)
    load_texts(b, pop)
    mem2 = int(r.info("memory")["used_memory"])
    per_all = (mem2 - mem0) / max(n, 1)
    say("%sredis memory per open conversation %d bytes with its one-character message "
        "text, everything counted (target <= 512): used_memory -> %d bytes" %
        (label, round(per_all), mem2))
    breakdown(r, pop, n, per_all, label + "with text: ")
    r.cmd("BGREWRITEAOF")
    time.sleep(0.2)
    b.wait_rewrite()
    r.cmd("CONFIG", "SET", "appendfsync", "always")
    r.cmd("CONFIG", "SET", "auto-aof-rewrite-percentage", "100")
    return per, per_all

if __name__ == "__main__":
    sys.exit(main())
