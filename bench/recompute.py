#!/usr/bin/python3
"""The recompute benchmark (SPEC section 18, issue 15): with 10,000 open
conversations in Redis, an unplanned closure is added for today through
the API, and replyd recomputes every open deadline and pending escalation
step in batches.  Meanwhile another client sends PING every 2 ms on its own
connection and times each answer: the worst of them says how long Redis
made any other command wait (target: at most 50 ms).  It prints the worst
and p99 PING latency while the recompute ran (and before it, for
comparison), the time the walk over the open conversations took, and
Redis's own time per recompute script and any command that ran over 1 ms
(PING latency on a busy 2-core machine also includes the scheduler: the
SLOWLOG figure is what Redis itself spent).

It prints figures and never asserts: it exits non-zero only when something
could not run.  Redis runs with the shipped durability settings
(appendonly yes, appendfsync always).  Everything it starts runs on free
loopback ports in a temporary directory removed at the end.  It reuses the
escalation benchmark's loader (bench/escalation.py), which writes
conversations exactly as the ingest script leaves them.

Standard library only; run with Debian's /usr/bin/python3:
    REPLYD_BUILD=build /usr/bin/python3 bench/recompute.py [--conversations N]
"""

import argparse
import datetime
import http.client
import json
import os
import re
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import escalation as esc  # noqa: E402

try:
    from zoneinfo import ZoneInfo
    LONDON = ZoneInfo("Europe/London")
except ImportError:             # pragma: no cover
    LONDON = None


def say(msg):
    print("recompute: " + msg, flush=True)


class Pinger(threading.Thread):
    """PING every interval on a connection of its own; keep (when, latency)."""

    def __init__(self, port, interval=0.002):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.interval = interval
        self.samples = []
        self.stop = threading.Event()

    def run(self):
        buf = b""
        while not self.stop.is_set():
            t0 = time.perf_counter()
            self.sock.sendall(b"PING\r\n")
            while b"\r\n" not in buf:
                data = self.sock.recv(64)
                if not data:
                    return
                buf += data
            t1 = time.perf_counter()
            buf = buf.split(b"\r\n", 1)[1]
            self.samples.append((t1, t1 - t0))
            rest = self.interval - (time.perf_counter() - t0)
            if rest > 0:
                time.sleep(rest)

    def between(self, a, b):
        return [lat for at, lat in self.samples if a <= at <= b]

    def close(self):
        self.stop.set()
        self.join(timeout=2)
        self.sock.close()


def script_names():
    """SHA-1 -> script name, for the SLOWLOG (as tools/embed-lua embeds them)."""
    import hashlib
    d = os.path.join(esc.ROOT, "daemon", "store", "scripts")
    out = {}
    for f in sorted(os.listdir(d)):
        if not f.endswith(".lua"):
            continue
        text = []
        with open(os.path.join(d, f)) as fh:
            for line in fh:
                m = re.match(r"^--#include (\S+)", line)
                if m:
                    with open(os.path.join(d, "lib", m.group(1))) as piece:
                        text.append(piece.read())
                else:
                    text.append(line)
        out[hashlib.sha1("".join(text).encode()).hexdigest()] = f[:-4]
    return out


def slow_name(entry, names):
    args = entry[3]
    name = args[0].decode()
    if name.lower() == "evalsha" and len(args) > 1:
        name += " " + names.get(args[1].decode(), args[1].decode()[:8])
    return name


def api(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={
            "Authorization": "Bearer " + esc.API_TOKEN, "Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def figures(lat):
    if not lat:
        return "no samples"
    return "max %.2f ms, p99 %.2f ms, p50 %.2f ms over %d PINGs" % (
        max(lat) * 1e3, esc.pct(lat, 99) * 1e3, esc.pct(lat, 50) * 1e3, len(lat))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--conversations", type=int, default=10000,
                    help="open conversations (default 10000)")
    ap.add_argument("--appendfsync", choices=("always", "everysec"), default="always",
                    help="Redis's appendfsync (default always, as shipped; everysec "
                    "takes the disk's fsync stalls out of the PING figures)")
    ap.add_argument("--replyd", help="replyd binary (default $REPLYD_BUILD/replyd)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    def on_signal(sig, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)

    b = esc.Bench(args)
    n = args.conversations
    try:
        b.twilio = esc.FakeTwilio()
        b.start_redis()
        r = b.r
        r.cmd("CONFIG", "SET", "appendfsync", args.appendfsync)
        say("redis-server %s (appendonly yes, appendfsync %s), %d CPUs, load average "
            "%.2f; replyd %s" % (b.redis_version, args.appendfsync, os.cpu_count(),
                                 os.getloadavg()[0], b.replyd_bin))
        pop = esc.Population()
        t0 = time.monotonic()
        b.load(pop, n)
        say("loaded %d open conversations in %.1f s" % (n, time.monotonic() - t0))
        b.start_replyd("replyd")
        b.check_replyd()

        pinger = Pinger(b.redis_port)
        pinger.start()
        time.sleep(2.0)                 # the baseline: replyd idle
        r.cmd("CONFIG", "RESETSTAT")
        r.cmd("CONFIG", "SET", "slowlog-log-slower-than", "1000")
        r.cmd("CONFIG", "SET", "slowlog-max-len", "1000")
        r.cmd("SLOWLOG", "RESET")
        r.cmd("CONFIG", "SET", "latency-monitor-threshold", "1")
        r.cmd("LATENCY", "RESET")
        today = (datetime.datetime.now(LONDON).date() if LONDON else
                 datetime.date.today()).isoformat()
        start = time.perf_counter()
        status, body = api(b.replyd_port, "POST", "/v1/calendars/allday/closures",
                           {"date": today, "reason": "benchmark"})
        answered = time.perf_counter()
        if status != 201:
            raise esc.Failed("POST closure: %d %s" % (status, body[:200]))
        done = None
        pattern = re.compile(r"recompute done: (\d+) open conversations looked at, "
                             r"(\d+) deadlines moved, (\d+) failed, in (\d+) ms "
                             r"\(walk (\d+) ms\)")
        while time.perf_counter() - start < 300:
            b.check_replyd()
            m = pattern.search(b.replyd_logtext())
            if m:
                done = time.perf_counter()
                break
            time.sleep(0.05)
        if done is None:
            raise esc.Failed("the recompute did not finish in 300 s; replyd's log:\n" +
                             b.replyd_logtext()[-3000:])
        seen, moved, failed, job_ms, walk_ms = (int(x) for x in m.groups())
        walk_end = start + walk_ms / 1e3
        stats = r.info("commandstats")
        calls, upc = esc.commandstat(stats, "evalsha")
        hcalls, hupc = esc.commandstat(stats, "hmget")
        pinger.close()

        say("%d open conversations, closure for %s added (API answered in %.1f ms)" %
            (n, today, (answered - start) * 1e3))
        say("recompute: walked %d conversations in %d ms (%.0f a second), %d deadlines moved, "
            "%d failed; the job finished in %d ms (it waits 3 s for other instances "
            "to pick the change up, then sweeps recent arrivals)" %
            (seen, walk_ms, seen / max(walk_ms / 1e3, 1e-9), moved, failed, job_ms))
        say("PING while the recompute walked: %s (target: no command waits more "
            "than 50 ms)" % figures(pinger.between(start, walk_end)))
        say("PING before it (replyd idle): %s" % figures(pinger.between(0, start)))
        say("Redis time per call during the run: EVALSHA %.1f us (%d calls), HMGET %.1f us "
            "(%d calls)" % (upc, calls, hupc, hcalls))
        slow = sorted(r.cmd("SLOWLOG", "GET", "1000"), key=lambda e: -e[2])
        names = script_names()
        say("Redis commands that ran over 1 ms during the run (SLOWLOG): %d%s" %
            (len(slow), "; longest: " + ", ".join("%s %.1f ms" % (slow_name(e, names), e[2] / 1e3)
                                                 for e in slow[:5]) if slow else ""))
        events = r.cmd("LATENCY", "LATEST") or []
        say("Redis latency monitor (events over 1 ms, worst): %s" %
            (", ".join("%s %d ms" % (e[0].decode(), e[3]) for e in events) if events
             else "none"))
        if args.appendfsync == "always":
            say("(Redis's data directory is on %s; with appendfsync always every write "
                "batch waits for an fsync, and so does any command answered after it)" %
                esc.fs_type(b.dir))
        return 0
    except esc.Failed as e:
        print("recompute: failed: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        b.cleanup()


if __name__ == "__main__":
    sys.exit(main())
