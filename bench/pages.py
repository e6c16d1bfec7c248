#!/usr/bin/python3
"""The staff pages benchmark (SPEC section 13: the duty board and a
conversation page rendered in under 20 ms server-side, p99, with 10,000
open conversations): it fills Redis with 10,000 open conversations of one
team (a third overdue, a third due within the hour, the rest due in weeks;
100 of them taken), signs a person in with a sign-in link, then asks for
each page in PAGES 500 times on one keep-alive connection and prints p50,
p99 and the worst.  A page that does not answer 200 (a page not built yet
on this branch) is reported and skipped.

The lists of the board and the home page come from a snapshot of the open
conversations shared by every page (serve/openset.h): a page finds it
fresh (under a second old), or usable (under 5 s: it is used, and a new
read starts for the pages after it), or too old (it waits for a new read
of every open conversation).  So the benchmark prints both: the run of
500 back-to-back requests (during which the snapshot is read again about
once a second, in the background), and "cold" requests spaced more than
5 s apart, each of which waits for a read of every open conversation (a
wall screen polling every 30 s sees this).

Times are measured by the client on loopback (request written to answer
read), so they are an upper bound of the server's time.  It prints
figures and never asserts: it exits non-zero only when something could
not run.  It reuses the escalation benchmark's Redis, replyd and loader
(bench/escalation.py), which writes conversations exactly as the ingest
script leaves them; here every conversation's escalation step is due
weeks from now, so no alert fires during the run and the pages are what
is measured.

Standard library only; run with Debian's /usr/bin/python3:
    REPLYD_BUILD=build /usr/bin/python3 bench/pages.py [--conversations N]
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import escalation as esc  # noqa: E402

TEAM = esc.TEAM
PERSON = esc.WORKER                 # alice: the worker of every contact
PUBLIC = "https://replyd.bench"     # escalation.py's public_url
COOKIE = "__Host-replyd-session"    # public_url is https
TARGET_MS = 20.0
# The pages timed; {conv} is an open conversation's id.  /c/{id} is
# another branch's page: until it is merged it answers 404 and is skipped.
PAGES = ["/board/" + TEAM, "/", "/c/{conv}", "/v1/teams/" + TEAM + "/board"]
TAKEN = 100


def say(msg):
    print("pages: " + msg, flush=True)


def load(b, pop, n):
    """n open conversations of TEAM, and TAKEN of them taken by bob."""
    rng = random.Random(20261202)
    now = int(time.time() * 1000)
    later = now + 30 * esc.DAY_MS           # no escalation step in the run
    data, ids = [], []
    for i in range(n):
        if i % 3 == 0:
            deadline = now - rng.randrange(60_000, 2 * esc.DAY_MS)
        elif i % 3 == 1:
            deadline = now + rng.randrange(10 * 60_000, 50 * 60_000)
        else:
            deadline = now + rng.randrange(2 * esc.DAY_MS, 30 * esc.DAY_MS)
        cid, d = pop.add("+447700%06d" % i, "SM%032x" % i, deadline - esc.DAY_MS,
                         deadline, later, "yp-%06d" % i)
        data.append(d)
        ids.append(cid)
    data.append(pop.seq_commands())
    nrep = n * esc.COMMANDS_PER_CONVERSATION + sum(1 for s in pop.seq if s)
    if b.r.raw("".join(data).encode(), nrep):
        raise esc.Failed("loading the conversations failed")
    # Taken by bob for two hours, as ack-2 writes it.
    for cid in ids[:TAKEN]:
        p = int(cid.split("-")[0])
        b.r.cmd("HSET", "rd:{%d}:c:%s" % (p, cid), "ack_by", "bob",
                "ack_until", str(now + 2 * 3600_000), "ack_at", str(now))
    return ids


def sign_in(port):
    """A session cookie for PERSON, through a sign-in link."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/v1/signin-links", body=json.dumps({"person": PERSON}),
                     headers={"Authorization": "Bearer " + esc.API_TOKEN,
                              "Content-Type": "application/json"})
        r = conn.getresponse()
        body = r.read()
        if r.status != 201:
            raise esc.Failed("POST /v1/signin-links: %d %s" % (r.status, body[:200]))
        token = json.loads(body)["link"].split("token=", 1)[1]
        conn.request("POST", "/signin/link", body=urllib.parse.urlencode({"token": token}),
                     headers={"Content-Type": "application/x-www-form-urlencoded",
                              "Origin": PUBLIC})
        r = conn.getresponse()
        r.read()
        m = re.search(re.escape(COOKIE) + r"=([^;]+)", r.getheader("Set-Cookie") or "")
        if r.status != 303 or not m:
            raise esc.Failed("signing in: %d, no session cookie" % r.status)
        return COOKIE + "=" + m.group(1)
    finally:
        conn.close()


def timed(conn, path, headers):
    t = time.perf_counter()
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    return time.perf_counter() - t, r.status, len(body)


def figures(lat):
    return "p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d requests" % (
        esc.pct(lat, 50) * 1e3, esc.pct(lat, 99) * 1e3, max(lat) * 1e3, len(lat))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--conversations", type=int, default=10000,
                    help="open conversations (default 10000)")
    ap.add_argument("--requests", type=int, default=500, help="per page (default 500)")
    ap.add_argument("--cold", type=int, default=5,
                    help="requests spaced over 5 s apart, per list page (default 5)")
    ap.add_argument("--replyd", help="replyd binary (default $REPLYD_BUILD/replyd)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    def on_signal(sig, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)

    b = esc.Bench(args)
    config = b.config

    def with_bob():
        cfg = config()
        cfg["people"]["bob"] = {"name": "Bob", "email": "bob@example.gov.uk"}
        cfg["people"][PERSON]["email"] = "alice@example.gov.uk"
        cfg["teams"][TEAM]["workers"].append("bob")
        return cfg
    b.config = with_bob
    try:
        b.twilio = esc.FakeTwilio()
        b.start_redis()
        say("redis-server %s, %d CPUs, load average %.2f; replyd %s" % (
            b.redis_version, os.cpu_count(), os.getloadavg()[0], b.replyd_bin))
        t0 = time.monotonic()
        ids = load(b, esc.Population(), args.conversations)
        say("loaded %d open conversations of %s in %.1f s (%d taken)" % (
            args.conversations, TEAM, time.monotonic() - t0, TAKEN))
        b.start_replyd("replyd")
        b.check_replyd()
        cookie = sign_in(b.replyd_port)
        conv = ids[len(ids) // 2]
        conn = http.client.HTTPConnection("127.0.0.1", b.replyd_port, timeout=30)
        worst = 0.0
        for page in PAGES:
            path = page.format(conv=conv)
            headers = ({"Authorization": "Bearer " + esc.API_TOKEN} if path.startswith("/v1/")
                       else {"Cookie": cookie})
            _, status, size = timed(conn, path, headers)
            if status != 200:
                say("%s: answered %d, skipped (not on this branch yet?)" % (page, status))
                continue
            for _ in range(20):                 # warm up
                timed(conn, path, headers)
            lat = []
            for _ in range(args.requests):
                dt, status, _ = timed(conn, path, headers)
                if status != 200:
                    raise esc.Failed("%s answered %d during the run" % (path, status))
                lat.append(dt)
            worst = max(worst, esc.pct(lat, 99) * 1e3)
            say("%s (%d bytes): %s (target p99 < %.0f ms)" % (page, size, figures(lat),
                                                              TARGET_MS))
            if "{conv}" not in page:
                cold = []
                for _ in range(args.cold):
                    time.sleep(5.2)             # past the snapshot's 5 s
                    dt, status, _ = timed(conn, path, headers)
                    cold.append(dt)
                say("%s cold (each reads all %d open conversations first): %s" % (
                    page, args.conversations, figures(cold)))
        b.check_replyd()
        conn.close()
        say("worst p99 of the pages measured: %.2f ms (target < %.0f ms)" % (worst, TARGET_MS))
        return 0
    except esc.Failed as e:
        print("pages: failed: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        b.cleanup()


if __name__ == "__main__":
    sys.exit(main())
