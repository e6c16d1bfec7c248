"""Redis Sentinel (SPEC §10): replyd finds the master through sentinels,
follows a failover by itself, and loses no webhook it answered 200 —
because it acknowledges only after WAIT saw a replica take the write."""

import os
import subprocess
import threading
import time
import uuid

import pytest

from harness import PORT_ATTEMPTS, RedisServer, base_config, free_port, wait_for, wait_listening
from providers import form_body, twilio_signature

TOKEN = "twilio-auth-token-for-tests"
URL = "https://replyd.test/webhooks/twilio"


class Sentinel:
    def __init__(self, tmpdir, name, master_port):
        self.dir = os.path.join(tmpdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "sentinel.conf")
        logpath = os.path.join(self.dir, "log")
        for attempt in range(PORT_ATTEMPTS):
            self.port = free_port()
            with open(self.conf, "w") as f:
                f.write("port %d\nbind 127.0.0.1\ndir %s\n"
                        "sentinel monitor replyd 127.0.0.1 %d 2\n"
                        "sentinel down-after-milliseconds replyd 1000\n"
                        "sentinel failover-timeout replyd 5000\n"
                        "sentinel parallel-syncs replyd 1\n" % (self.port, self.dir, master_port))
            self.log = open(logpath, "ab")
            self.proc = subprocess.Popen(["redis-server", self.conf, "--sentinel"],
                                         stdout=self.log, stderr=subprocess.STDOUT)
            if wait_listening(self.proc, self.port, "sentinel on %d" % self.port):
                return
            self.log.close()
            # Another process took the port before the sentinel bound it?
            if "in use" not in open(logpath, errors="replace").read():
                break
        raise AssertionError("sentinel did not start:\n" + open(logpath, errors="replace").read())

    def master(self):
        out = subprocess.run(["redis-cli", "-p", str(self.port), "SENTINEL",
                              "get-master-addr-by-name", "replyd"],
                             capture_output=True, text=True).stdout.split()
        return int(out[1]) if len(out) == 2 else None

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


@pytest.mark.slow(24)
def test_failover_under_a_stream_of_webhooks_loses_nothing_answered(
        tmpdir_path, make_replyd, redis_server):
    master = redis_server
    # Redis waits repl-diskless-sync-delay (5 s) for more replicas before a
    # full sync: once here, and again when the old master comes back.
    master.cli("CONFIG", "SET", "repl-diskless-sync-delay", "0")
    replica = RedisServer(tmpdir_path, name="replica",
                          extra=["--replicaof", "127.0.0.1", str(master.port),
                                 "--repl-diskless-sync-delay", "0"]).start()
    sentinels = [Sentinel(tmpdir_path, "s%d" % i, master.port) for i in range(3)]
    try:
        wait_for(lambda: all(s.master() == master.port for s in sentinels), what="sentinels")
        wait_for(lambda: "master_link_status:up" in replica.cli("INFO", "replication"),
                 what="replica in sync")
        cfg = base_config(master.port, tmpdir_path)
        cfg["redis"] = {"sentinels": ["127.0.0.1:%d" % s.port for s in sentinels],
                        "master": "replyd", "timeout": "3s",
                        "wait_replicas": 1, "wait_timeout": "1s"}
        cfg["channels"] = {"twilio": {"auth_token": TOKEN}}
        d = make_replyd(cfg)

        accepted, stop = [], threading.Event()

        def stream():
            while not stop.is_set():
                sid = "SM" + uuid.uuid4().hex
                # Not a staff phone: those texts are never messages.
                sender = "+4477009%05d" % (1000 + len(accepted) % 500)
                params = [("MessageSid", sid), ("From", sender),
                          ("To", "+447700900000"), ("Body", "hello")]
                try:
                    status, _, _ = d.request("POST", "/webhooks/twilio", form_body(params), {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "X-Twilio-Signature": twilio_signature(TOKEN, URL, params)}, timeout=5)
                except OSError:
                    status = None
                if status == 200:
                    accepted.append(sid)
                time.sleep(0.01)

        t = threading.Thread(target=stream)
        t.start()
        wait_for(lambda: len(accepted) >= 50, what="webhooks accepted before the failover")
        before = len(accepted)
        master.proc.kill()                  # the master dies without warning
        master.proc.wait()
        wait_for(lambda: sentinels[0].master() == replica.port, timeout=30,
                 what="failover to the replica")
        # Until a replica confirms writes, replyd answers 503 (providers
        # retry).  The old master comes back; the sentinels make it a
        # replica of the new one.
        master.start()
        try:
            wait_for(lambda: len(accepted) > before + 20, timeout=30,
                     what="replyd accepting again after the failover")
        except AssertionError:
            stop.set()
            raise AssertionError(d.logtext()[-3000:])
        stop.set()
        t.join()
        assert before > 0
        # Every acknowledged message's dedupe key is on the new master (the
        # stream has stopped: nothing is in flight).
        stored = replica.cli("--raw", "EVAL",
                             "local n = 0 for _, k in ipairs(redis.call('KEYS', 'rd:*:d:twilio:*'))"
                             " do n = n + 1 end return n", "0")
        assert int(stored) >= len(set(accepted)), (stored, len(accepted))
    finally:
        for s in sentinels:
            s.stop()
        replica.stop()
