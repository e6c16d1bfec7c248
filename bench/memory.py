#!/usr/bin/python3
"""The memory benchmark (SPEC section 13, everything counted): Redis
used_memory growth per open conversation holding one one-character
message, with every key it costs included (record, indexes, dedupe,
events, text), measured on what replyd itself writes: N signed Twilio
webhooks from N distinct senders, each with the body "x", through the
running daemon.  Given --old, it measures a second replyd binary (the
previous release) the same way in the same run, on a Redis of its own,
and prints the two side by side, with a breakdown by kind of key.

It prints figures and never asserts: it exits non-zero only when something
could not run.  Everything it starts runs on free loopback ports in a
temporary directory removed at the end.  It reuses the escalation
benchmark's Redis client and replyd runner (bench/escalation.py).

Standard library only; run with Debian's /usr/bin/python3:
    /usr/bin/python3 bench/memory.py [--conversations N] [--replyd NEW] [--old OLD]
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import os
import re
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import escalation as esc  # noqa: E402

PUBLIC = "https://replyd.bench"


def say(msg):
    print("memory: " + msg, flush=True)


def signed(i, run):
    """The body and X-Twilio-Signature of message i (sender i)."""
    params = [("AccountSid", esc.ACCOUNT_SID), ("Body", "x"), ("From", "+447%09d" % i),
              ("MessageSid", "SM%s%024x" % (run, i)), ("NumMedia", "0"),
              ("To", "+447900900000")]
    data = PUBLIC + "/webhooks/twilio" + "".join(k + v for k, v in sorted(params))
    sig = base64.b64encode(hmac.new(esc.TWILIO_TOKEN.encode(), data.encode(),
                                    hashlib.sha1).digest()).decode()
    return urllib.parse.urlencode(params), sig


def send(port, first, n, run, errors):
    """Messages first .. first+n-1 on one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(first, first + n):
        body, sig = signed(i, run)
        for _ in range(100):
            try:
                conn.request("POST", "/webhooks/twilio", body=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": sig})
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    break
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            time.sleep(0.1)
        else:
            errors.append(i)
    conn.close()


def contacts(port, first, n, errors):
    """Senders first .. first+n-1 as known contacts of alice (so each
    conversation is in the steady state: no waiting notice)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(first, first + n):
        body = '{"phone": "+447%09d", "worker": "alice", "team": "%s"}' % (i, esc.TEAM)
        for _ in range(100):
            try:
                conn.request("PUT", "/v1/contacts/yp-%d" % i, body=body, headers={
                    "Content-Type": "application/json",
                    "Authorization": "Bearer " + esc.API_TOKEN})
                resp = conn.getresponse()
                why = resp.read()
                if resp.status in (200, 201):
                    break
                if resp.status != 503:
                    errors.append((i, resp.status, why[:200]))
                    break
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            time.sleep(0.05)
        else:
            errors.append(i)
    conn.close()


def send_all(port, first, n, run, threads=8, fn=None):
    errors = []
    per = (n + threads - 1) // threads
    if fn is not None:
        ts = [threading.Thread(target=fn, args=(port, first + k * per,
                                                max(0, min(per, n - k * per)), errors))
              for k in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if errors:
            raise esc.Failed("%d contacts were not stored, e.g. %r" % (len(errors), errors[:3]))
        return
    ts = [threading.Thread(target=send, args=(port, first + k * per,
                                              max(0, min(per, n - k * per)), run, errors))
          for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise esc.Failed("%d messages were not accepted" % len(errors))


def kind_of(key):
    """A key's kind: its name with the ids and hashes taken out."""
    k = re.sub(r"\{\d+\}", "{P}", key)
    k = re.sub(r":\d+-\d+(?=$|:)", ":ID", k)
    k = re.sub(r":[0-9a-f]{16,}(?=$|:)", ":H", k)
    # A dedupe key's 19 base64url characters (store_hash_dedupe).
    k = re.sub(r"(:d:[^:]+:)[A-Za-z0-9_-]{19}$", r"\1H", k)
    return re.sub(r"(?<=:)[^:{}]*\d[^:{}]*(?=$|:)", "N", k)


def quiet(r):
    """Wait until the escalation work the messages queued has settled."""
    last, still = None, 0
    for _ in range(300):
        now = (r.cmd("DBSIZE"), r.info("memory")["used_memory"])
        if now == last:
            still += 1
            if still >= 3:
                return
        else:
            still = 0
        last = now
        time.sleep(0.3)


def measure(binary, n, label, keep):
    """Run one replyd binary against a fresh Redis; the figures."""
    args = argparse.Namespace(replyd=binary, keep=keep)
    b = esc.Bench(args)
    try:
        b.twilio = esc.FakeTwilio()
        b.start_redis()
        r = b.r
        b.start_replyd("replyd-" + label)
        run = "%08x" % (int(time.time() * 1000) & 0xffffffff)
        # A few conversations in every partition first, so the singletons
        # (streams, counters, per-day buckets) are there before the count.
        warm = 2000
        send_all(b.replyd_port, 0, warm + n, run, fn=contacts)
        send_all(b.replyd_port, 0, warm, run)
        quiet(r)
        mem0 = int(r.info("memory")["used_memory"])
        keys0 = {}
        for k in scan(r):
            keys0[k] = 1
        t0 = time.monotonic()
        send_all(b.replyd_port, warm, n, run)
        took = time.monotonic() - t0
        quiet(r)
        b.check_replyd()
        mem1 = int(r.info("memory")["used_memory"])
        kinds = {}
        for k in scan(r):
            kd = kind_of(k)
            ent = kinds.setdefault(kd, [0, 0, [], []])
            if k not in keys0:
                ent[0] += 1
                if len(ent[2]) < 100:
                    ent[2].append(k)
            else:
                ent[1] += 1
                if len(ent[3]) < 64:
                    ent[3].append(k)
        breakdown = {}
        for kd, (new, old, sample, shared) in kinds.items():
            if kd.startswith("rd:contact") or ":r:" in kd:
                continue            # the young people's records, made before
            if new >= n // 10:
                vals = [r.cmd("MEMORY", "USAGE", k, "SAMPLES", "0") for k in sample]
                vals = [v for v in vals if isinstance(v, int)]
                breakdown[kd] = ("%d new keys" % new, sum(vals) / max(len(vals), 1) * new / n)
            else:
                tot = sum(r.cmd("MEMORY", "USAGE", k, "SAMPLES", "0") or 0
                          for k in shared + sample)
                breakdown[kd] = ("%d keys shared by all" % (old + new), tot / n)
        return {"per": (mem1 - mem0) / n, "mem0": mem0, "mem1": mem1, "took": took,
                "kinds": breakdown, "dbsize": r.cmd("DBSIZE")}
    finally:
        b.cleanup()


def scan(r):
    cur = b"0"
    while True:
        cur, keys = r.cmd("SCAN", cur, "COUNT", "1000")
        for k in keys:
            yield k.decode("latin-1")
        if cur == b"0":
            return


def report(label, res, n):
    say("%s: %d bytes per open conversation, everything counted (%d conversations of one "
        "one-character SMS each through the webhook in %.1f s; used_memory %d -> %d; "
        "%d keys; target <= 512)" % (label, round(res["per"]), n, res["took"], res["mem0"],
                                     res["mem1"], res["dbsize"]))
    parts = []
    for kd, (what, v) in sorted(res["kinds"].items(), key=lambda x: -x[1][1]):
        parts.append("%s (%s) %.0f" % (kd, what, v))
    say("%s:   by kind of key, per conversation (MEMORY USAGE, sampled): %s" %
        (label, "; ".join(parts)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--conversations", type=int, default=50000)
    ap.add_argument("--replyd", default=os.path.join(
        esc.ROOT, os.environ.get("REPLYD_BUILD", "build"), "replyd"))
    ap.add_argument("--old", help="the previous release's replyd, measured beside it")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    n = a.conversations
    try:
        new = measure(a.replyd, n, "new", a.keep)
        old = measure(a.old, n, "old", a.keep) if a.old else None
    except esc.Failed as e:
        print("memory: could not run: %s" % e, file=sys.stderr)
        return 1
    say("redis-server; %d CPUs, load average %.2f" % (os.cpu_count(), os.getloadavg()[0]))
    if old is not None:
        report("old " + a.old, old, n)
    report("new " + a.replyd, new, n)
    if old is not None:
        say("side by side: old %d bytes, new %d bytes per open conversation "
            "(everything counted; target <= 512)" % (round(old["per"]), round(new["per"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
