"""A Redis that stalls past the command deadline and then goes away must
not take replyd down: the stalled connection is replaced, the lost one is
freed once, and the escalation due meanwhile still fires (SPEC §10)."""

import signal
import time

from harness import wait_for
from sink import TwilioSink
import test_escalation as te


def test_a_stalled_then_lost_redis_connection_is_freed_once(
        make_replyd, redis_server, tmpdir_path):
    sink = TwilioSink()
    try:
        cfg = te.esc_config(redis_server.port, tmpdir_path, sink)
        cfg["redis"]["timeout"] = "1s"
        d = make_replyd(cfg)
        te.known(d)
        te.send_sms(d, te.YP)
        # The fault: Redis stalls for 1.5 s (past the 1 s command deadline,
        # while replyd replaces the connection), then goes away.
        redis_server.proc.send_signal(signal.SIGSTOP)
        time.sleep(1.5)
        redis_server.proc.send_signal(signal.SIGCONT)
        redis_server.stop()
        assert "command timed out" in d.logtext()
        wait_for(lambda: "reconnecting" in d.logtext() or
                 "connection lost" in d.logtext(), timeout=15, what="the loss")
        redis_server.start()
        wait_for(lambda: sink.to(te.DUTY) or d.proc.poll() is not None,
                 timeout=20, what="the duty worker's alert")
        assert d.proc.poll() is None, d.logtext()[-3000:]
        assert sink.to(te.DUTY)
    finally:
        sink.close()
