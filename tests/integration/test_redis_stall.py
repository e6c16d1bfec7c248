"""A Redis that stalls past the command deadline and then goes away must
not take replyd down: the stalled connection is replaced, the lost one is
freed once, and the escalation due meanwhile still fires (SPEC §10); a
Redis still loading its data leaves nothing behind when replyd stops."""

import re
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


def test_stopping_while_redis_loads_frees_the_command_waiting_to_be_sent_again(
        make_replyd, redis_server, tmpdir_path):
    """A command refused with LOADING waits 200 ms to be sent again; replyd
    stopped meanwhile frees it and exits 0 (in the sanitizer build its leak
    check fails the exit otherwise)."""
    redis_server.cli("EVAL", "for i = 1, 20000 do redis.call('SET', 'filler:' .. i, i) end", "0")
    redis_server.cli("BGREWRITEAOF")
    wait_for(lambda: "aof_rewrite_in_progress:0" in redis_server.cli("INFO", "persistence")
             and "aof_rewrite_scheduled:0" in redis_server.cli("INFO", "persistence"),
             what="the AOF rewritten as a snapshot")
    redis_server.stop()
    # 100 µs a key or more: 20,000 keys keep Redis loading for 2 s or more,
    # answering commands meanwhile (every 1 kB it reads).
    redis_server.extra += ["--key-load-delay", "100",
                           "--loading-process-events-interval-bytes", "1024"]
    redis_server.start(wait_ready=False)
    wait_for(lambda: "loading:1" in redis_server.cli("INFO", "persistence"), what="Redis loading")
    d = make_replyd(start=False)
    d.start(wait_ready=False)

    def refused():
        m = re.search(r"errorstat_LOADING:count=(\d+)", redis_server.cli("INFO", "errorstats"))
        return m and int(m.group(1)) >= 2
    wait_for(refused, what="replyd's handshake refused with LOADING and sent again")
    assert "loading:1" in redis_server.cli("INFO", "persistence")
    assert d.stop() == 0, d.logtext()[-4000:]


def test_a_redis_that_lost_its_scripts_is_sent_them_in_full(
        make_replyd, redis_server, tmpdir_path):
    """SCRIPT FLUSH (or a Redis restarted without its script cache): the
    next EVALSHA is answered NOSCRIPT and replyd sends the script itself,
    so the message is stored and answered 200."""
    sink = TwilioSink()
    try:
        d = make_replyd(te.esc_config(redis_server.port, tmpdir_path, sink))
        te.send_sms(d, te.YP)
        redis_server.cli("SCRIPT", "FLUSH")
        redis_server.cli("CONFIG", "RESETSTAT")
        te.send_sms(d, "+447700900888")
        stats = redis_server.cli("INFO", "commandstats")
        assert re.search(r"cmdstat_evalsha:calls=\d+,.*failed_calls=[1-9]", stats), stats
        assert "cmdstat_eval:" in stats, stats
        assert len(d.api("GET", "/v1/conversations")[1]["conversations"]) == 2
    finally:
        sink.close()
