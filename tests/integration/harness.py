"""Real processes for integration tests: a redis-server and replyd, each on
a free loopback port, started and stopped the way an operator would."""

import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("REPLYD_BUILD", "build"))


def _scratch():
    """Where the tests keep their files: /dev/shm (memory) when it has
    room, else the usual temporary directory.  Each Redis writes its
    append-only file with appendfsync always; on a disk, every fsync waits
    for whatever else the machine is writing, and under a whole `make test`
    (chromium's profiles, two builds' suites) that took seconds: Redis
    commands timed out, replyd answered 503, tests failed, and the flushing
    cost as much CPU as the tests.  No test depends on the disk: what a
    process killed must not lose is what it had handed to the kernel."""
    shm = "/dev/shm"
    try:
        st = os.statvfs(shm)
    except OSError:
        return None
    if st.f_bavail * st.f_frsize < 2 << 30 or st.f_flag & os.ST_NOEXEC or \
            not os.access(shm, os.W_OK):
        return None     # too small (a container's), or no programs run there
    return shm


if "TMPDIR" not in os.environ:
    _shm = _scratch()
    if _shm is not None:
        # Also for what the tests start (chromium, redis-server, replyd).
        os.environ["TMPDIR"] = _shm
        tempfile.tempdir = None     # read TMPDIR again
FEED = os.path.join(ROOT, "config", "calendars", "uk-bank-holidays.json")
TOKEN = "test-manager-token-0123456789"


def free_port():
    """A TCP port nothing listens on right now.  Another process may take it
    before ours binds it (tests run in parallel): starts check that the
    process they started is the one listening, and retry on a new port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_inodes(port):
    """The inodes of the TCP sockets listening on port (any address).

    Asked of the kernel over NETLINK_SOCK_DIAG for listening sockets only:
    /proc/net/tcp would do, but the kernel writes it out afresh for each
    read, a line per socket, TIME_WAIT ones too, which costs tens of ms of
    CPU once the tests have made thousands of connections."""
    inodes = set()
    for family in (socket.AF_INET, socket.AF_INET6):
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4) as nl:   # NETLINK_SOCK_DIAG
            # inet_diag_req_v2: family, IPPROTO_TCP, no extensions, states
            # 1 << TCP_LISTEN, and an all-zero socket id (a dump ignores it).
            req = struct.pack("=BBBxI", family, socket.IPPROTO_TCP, 0, 1 << 10) + bytes(48)
            # nlmsghdr: length, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP
            nl.sendto(struct.pack("=IHHII", 16 + len(req), 20, 0x301, 1, 0) + req, (0, 0))
            done = False
            while not done:
                data = nl.recv(65536)
                off = 0
                while off + 16 <= len(data):
                    length, kind = struct.unpack_from("=IH", data, off)
                    if kind == 3:                   # NLMSG_DONE
                        done = True
                        break
                    if kind == 2:                   # NLMSG_ERROR
                        raise OSError("sock_diag refused the request")
                    # inet_diag_msg: family, state, timer, retrans, then the
                    # socket id (sport first, network order) ... inode at 68.
                    sport = struct.unpack_from("!H", data, off + 16 + 4)[0]
                    if sport == port:
                        inodes.add(struct.unpack_from("=I", data, off + 16 + 68)[0])
                    off += (length + 3) & ~3
    return {"socket:[%d]" % i for i in inodes}


def listens(pid, port):
    """Whether process pid holds a listening TCP socket on port."""
    inodes = listening_inodes(port)
    if not inodes:
        return False
    fds = "/proc/%d/fd" % pid
    try:
        for fd in os.listdir(fds):
            try:
                if os.readlink(os.path.join(fds, fd)) in inodes:
                    return True
            except OSError:
                continue
    except OSError:
        pass
    return False


def wait_listening(proc, port, what, timeout=10.0):
    """Wait until proc listens on port (True) or exits (False)."""
    wait_for(lambda: proc.poll() is not None or listens(proc.pid, port),
             timeout=timeout, what=what)
    return proc.poll() is None


PORT_ATTEMPTS = 5


def wait_for(predicate, timeout=10.0, interval=0.05, what="condition"):
    """Poll until predicate() is true; fail the test with `what` if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


TEXT_BLOCK = 32     # daemon/store/keys.h: conversations per text bucket


def text_bucket(cid, expiry):
    """The key of the texts of conversation cid that expire at expiry (the
    record's x1 or xr, an event's x): docs/data-model.md."""
    p, n = cid.split("-")
    return "rd:{%s}:x:%s:%d" % (p, expiry, int(n) // TEXT_BLOCK)


def text_field(cid, name):
    """The field of conversation cid's text in its bucket: its slot in the
    block (the number modulo TEXT_BLOCK), ':' and name ('1' the first
    message's text, 'm1' its media links, 'r' the response)."""
    return "%d:%s" % (int(cid.split("-")[1]) % TEXT_BLOCK, name)


def index_claimed_to_now(redis_server):
    """Make every partition's awaiting index claimed up to now, as in a
    store where conversations have fallen due: a first step at the deadline
    is then found in the index (claim-4), where a store's first
    conversation has it in the due set (docs/data-model.md)."""
    now = str(int(time.time() * 1000))
    for p in range(16):
        redis_server.cli("HSET", "rd:{%d}:stats" % p, "aw_claimed", now)


class RedisServer:
    """A private redis-server with the durability settings replyd ships."""

    def __init__(self, tmpdir, port=None, extra=(), name="redis"):
        self.dir = os.path.join(tmpdir, name)
        os.makedirs(self.dir, exist_ok=True)
        # A port we chose may be changed until the first start succeeds;
        # after that others know it (a restart must keep it).
        self.movable = port is None
        self.port = port or free_port()
        self.extra = list(extra)
        self.proc = None

    def start(self, wait_ready=True):
        """Start; with wait_ready, until PING is answered (not while
        loading its data, which answers -LOADING)."""
        logpath = os.path.join(self.dir, "redis.log")
        for attempt in range(PORT_ATTEMPTS):
            args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                    "--dir", self.dir, "--appendonly", "yes", "--appendfsync", "always",
                    "--save", "", "--maxmemory-policy", "noeviction"] + self.extra
            self.log = open(logpath, "ab")
            self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
            if wait_listening(self.proc, self.port, f"redis-server on {self.port}"):
                break
            self.log.close()
            with open(logpath, errors="replace") as f:
                text = f.read()
            if not (self.movable and "in use" in text) or attempt == PORT_ATTEMPTS - 1:
                raise AssertionError("redis-server exited %s:\n%s"
                                     % (self.proc.returncode, text[-3000:]))
            self.port = free_port()     # another process took it: try another
        if wait_ready:
            wait_for(self.ping, what=f"redis-server on {self.port}")
        self.movable = False
        return self

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                # A server with requirepass answers -NOAUTH: it is up.
                return s.recv(16).startswith((b"+PONG", b"-NOAUTH"))
        except OSError:
            return False

    def cli(self, *args):
        """Run a command with redis-cli and return its output."""
        out = subprocess.run(["redis-cli", "-p", str(self.port), "--no-raw"] + list(args),
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if self.proc:
            self.log.close()
        self.proc = None


def base_config(redis_port, tmpdir, **overrides):
    """A small but complete configuration (an all-week calendar by default)."""
    cfg = {
        "listen": "127.0.0.1:%d" % free_port(),
        "public_url": "https://replyd.test",
        "redis": {"url": "redis://127.0.0.1:%d/0" % redis_port, "timeout": "3s"},
        "calendars": {
            "office": {
                "timezone": "Europe/London",
                "hours": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
                "bank_holidays": {"file": FEED, "division": "england-and-wales"},
            }
        },
        "promise": {"respond_within": "1 working day", "calendar": "office"},
        "people": {
            "alice": {"name": "Alice", "phone": "+447700900001", "email": "alice@example.gov.uk"},
            "dora": {"name": "Dora", "phone": "+447700900004"},
        },
        "teams": {
            "leaving-care": {
                "calendar": "office",
                "workers": ["alice"],
                "duty": {d: "alice" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                "duty_manager": "dora",
            }
        },
        "default_team": "leaving-care",
        "api": {"tokens": {TOKEN: {"name": "tests", "role": "admin"}}},
        "drain_timeout": "5s",
    }
    cfg.update(overrides)
    return cfg


class Replyd:
    """build/replyd on a generated configuration."""

    def __init__(self, tmpdir, config, env=None, name="replyd"):
        self.tmpdir = tmpdir
        self.config = config
        self.path = os.path.join(tmpdir, name + ".json")
        self.logpath = os.path.join(tmpdir, name + ".log")
        self.env = dict(os.environ)
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        self.env.update(env or {})
        self.proc = None
        self.write_config(config)

    @property
    def port(self):
        return int(self.config["listen"].rsplit(":", 1)[1])

    def write_config(self, config):
        self.config = config
        with open(self.path, "w") as f:
            json.dump(config, f, indent=2)

    def start(self, wait_ready=True, args=()):
        for attempt in range(PORT_ATTEMPTS):
            self.log = open(self.logpath, "ab")
            self.proc = subprocess.Popen([os.path.join(BUILD, "replyd"), "-c", self.path]
                                         + list(args),
                                         stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
            if wait_listening(self.proc, self.port, "replyd listening on %d" % self.port):
                break
            self.log.close()
            text = self.logtext()
            if "cannot listen" not in text or "in use" not in text or \
                    attempt == PORT_ATTEMPTS - 1:
                break       # not a port taken meanwhile: the test sees the exit
            # Another process took the port between free_port() and bind:
            # keep that attempt's log aside and start again on a new port.
            os.rename(self.logpath, "%s.port-taken.%d" % (self.logpath, attempt))
            # A public_url naming the old port (the staff pages' tests serve
            # at the listening address) moves with it, or signatures and
            # Origin checks made against the new port would be refused.
            host = self.config["listen"].rsplit(":", 1)[0]
            new_port = free_port()
            moved = dict(self.config, listen="%s:%d" % (host, new_port))
            if self.config.get("public_url") == "http://%s:%d" % (host, self.port):
                moved["public_url"] = "http://%s:%d" % (host, new_port)
            self.write_config(moved)
        if wait_ready:
            wait_for(lambda: self.status("/readyz") == 200 or self.proc.poll() is not None,
                     what="replyd /readyz")
            assert self.proc.poll() is None, self.logtext()
        return self

    def logtext(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def request(self, method, path, body=None, headers=None, timeout=10):
        """One HTTP request; returns (status, headers dict, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                headers = dict(headers or {})
                headers.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def status(self, path):
        try:
            return self.request("GET", path, timeout=2)[0]
        except OSError:
            return None

    def api(self, method, path, body=None, token=TOKEN):
        status, _, data = self.request(method, path, body,
                                       {"Authorization": "Bearer " + token})
        return status, (json.loads(data) if data else None)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=15):
        """SIGTERM and wait; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()
        self.proc = None


def check_config(path):
    """replyd -c PATH -n: (exit status, combined output)."""
    out = subprocess.run([os.path.join(BUILD, "replyd"), "-c", path, "-n"],
                         capture_output=True, text=True, timeout=30)
    return out.returncode, out.stdout + out.stderr


def tempdir():
    return tempfile.mkdtemp(prefix="replyd-test-")


def rmtree(path):
    shutil.rmtree(path, ignore_errors=True)
