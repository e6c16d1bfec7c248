"""The foundation: health endpoints, Redis outages, configuration checks,
signals, systemd notification and HTTP limits."""

import json
import os
import signal
import socket
import time

from harness import (ROOT, RedisServer, Replyd, base_config, check_config,
                     wait_for)


def test_healthz_answers_200(replyd):
    status, headers, body = replyd.request("GET", "/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok"}


def test_readyz_is_200_while_redis_is_reachable(replyd):
    status, headers, body = replyd.request("GET", "/readyz")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["status"] == "ready"


def test_readyz_turns_503_when_redis_stops_and_200_when_it_returns(replyd, redis_server):
    redis_server.stop()
    wait_for(lambda: replyd.status("/readyz") == 503, what="/readyz 503")
    status, _, body = replyd.request("GET", "/readyz")
    err = json.loads(body)
    assert err["error"] == "not ready" and "redis" in err["detail"]
    assert replyd.status("/healthz") == 200
    redis_server.start()
    wait_for(lambda: replyd.status("/readyz") == 200, timeout=10, what="/readyz 200 again")


def test_readyz_is_503_when_replyd_starts_without_redis(tmpdir_path, make_replyd, redis_server):
    redis_server.stop()
    d = make_replyd(start=False)
    d.start(wait_ready=False)
    wait_for(lambda: d.status("/healthz") == 200, what="healthz")
    assert d.status("/readyz") == 503
    redis_server.start()
    wait_for(lambda: d.status("/readyz") == 200, what="/readyz after redis starts")


def test_metrics_are_prometheus_text(replyd):
    replyd.request("GET", "/healthz")
    status, headers, body = replyd.request("GET", "/metrics")
    text = body.decode()
    assert status == 200
    assert headers["content-type"].startswith("text/plain")
    assert "# TYPE replyd_http_requests_total counter" in text
    assert 'replyd_http_requests_total{code="200"}' in text
    assert "replyd_http_request_duration_seconds_bucket{le=\"+Inf\"}" in text
    assert "replyd_redis_up 1" in text


def test_metrics_count_redis_reconnects(replyd, redis_server):
    redis_server.stop()
    wait_for(lambda: replyd.status("/readyz") == 503, what="/readyz 503")
    redis_server.start()
    wait_for(lambda: replyd.status("/readyz") == 200, what="/readyz 200")
    text = replyd.request("GET", "/metrics")[2].decode()
    # Each connection (commands, escalation reads) counts its own.
    [line] = [l for l in text.splitlines() if l.startswith("replyd_redis_reconnects_total ")]
    assert int(float(line.split()[1])) >= 1


def test_unknown_path_is_a_json_404(replyd):
    status, headers, body = replyd.request("GET", "/nope")
    assert status == 404
    assert json.loads(body)["error"] == "not found"


def test_wrong_method_is_a_json_405(replyd):
    status, _, body = replyd.request("POST", "/healthz", b"x")
    assert status == 405
    assert "error" in json.loads(body)


def test_check_mode_prints_configuration_ok_for_the_shipped_config():
    # Its placeholders and its lack of channels are warnings, not errors
    # (test_config_docs.py checks what they say).
    rc, out = check_config(os.path.join(ROOT, "config", "replyd.json"))
    assert (rc, out.splitlines()[0]) == (0, "configuration OK"), out


def test_check_mode_reports_every_error_with_file_line_col(tmpdir_path, redis_server):
    d = Replyd(tmpdir_path, base_config(redis_server.port, tmpdir_path))
    text = open(d.path).read()
    text = text.replace('"public_url"', '"public_ulr"', 1)
    text = text.replace('"duty_manager": "dora"', '"duty_manager": "nobody"', 1)
    open(d.path, "w").write(text)
    rc, out = check_config(d.path)
    assert rc == 1
    lines = [l for l in out.splitlines() if l]
    line_of = lambda needle: 1 + text[:text.index(needle)].count("\n")
    assert any(l.startswith("%s:%d:" % (d.path, line_of('"public_ulr"')))
               and 'unknown key "public_ulr"' in l for l in lines), out
    assert any(l.startswith("%s:%d:" % (d.path, line_of('"nobody"')))
               and 'no person "nobody"' in l for l in lines), out
    assert any("missing key \"public_url\"" in l for l in lines), out


def test_check_mode_reports_syntax_errors_at_their_column(tmpdir_path):
    path = os.path.join(tmpdir_path, "bad.json")
    open(path, "w").write('{\n  // comment\n  "listen": "127.0.0.1:1",\n  "x": tru\n}\n')
    rc, out = check_config(path)
    assert rc == 1
    assert out.startswith(path + ":4:8: "), out


def test_comments_are_allowed_in_the_configuration(tmpdir_path, redis_server):
    d = Replyd(tmpdir_path, base_config(redis_server.port, tmpdir_path))
    text = "// leading\n/* block\ncomment */" + open(d.path).read()
    open(d.path, "w").write(text)
    rc, out = check_config(d.path)
    assert (rc, out.splitlines()[0]) == (0, "configuration OK"), out


def test_redis_password_is_read_from_a_secret_file(tmpdir_path, make_replyd):
    server = RedisServer(tmpdir_path, extra=["--requirepass", "s3cret-pass"], name="redis-auth").start()
    try:
        secret = os.path.join(tmpdir_path, "redis-password")
        open(secret, "w").write("s3cret-pass\n")
        cfg = base_config(server.port, tmpdir_path)
        cfg["redis"]["password"] = {"file": secret}
        d = make_replyd(cfg)
        assert d.status("/readyz") == 200
        assert "s3cret-pass" not in d.logtext()
        d.stop()
    finally:
        server.stop()


def test_sigterm_drains_and_exits_0(replyd):
    replyd.signal(signal.SIGTERM)
    assert replyd.proc.wait(timeout=10) == 0
    assert "stopping" in replyd.logtext()


def test_sighup_keeps_the_running_configuration_when_the_new_one_is_bad(replyd):
    good = json.load(open(replyd.path))
    open(replyd.path, "w").write('{"listen": 1}')
    replyd.signal(signal.SIGHUP)
    wait_for(lambda: "reload refused" in replyd.logtext(), what="reload refused")
    assert replyd.status("/readyz") == 200
    assert replyd.proc.poll() is None
    replyd.write_config(good)


def test_sighup_applies_a_good_configuration(replyd):
    cfg = json.load(open(replyd.path))
    cfg["drain_timeout"] = "3s"
    replyd.write_config(cfg)
    replyd.signal(signal.SIGHUP)
    wait_for(lambda: "configuration reloaded" in replyd.logtext(), what="reload")
    assert replyd.status("/readyz") == 200


def test_log_lines_carry_syslog_priority_prefixes(replyd):
    lines = [l for l in replyd.logtext().splitlines() if l]
    assert lines and all(l[0] == "<" and l[2] == ">" and l[1] in "01234567" for l in lines), lines


def test_sd_notify_ready_watchdog_and_stopping(tmpdir_path, make_replyd):
    path = os.path.join(tmpdir_path, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(5)
    d = make_replyd(env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
    got = set()
    deadline = time.monotonic() + 5
    while not {"READY=1", "WATCHDOG=1"} <= got and time.monotonic() < deadline:
        got.update(sock.recv(4096).decode().split("\n"))
    assert {"READY=1", "WATCHDOG=1"} <= got
    d.signal(signal.SIGTERM)
    while "STOPPING=1" not in got:
        got.update(sock.recv(4096).decode().split("\n"))
    assert d.proc.wait(timeout=10) == 0
    sock.close()


def test_a_slow_client_is_cut_off_after_the_read_timeout(tmpdir_path, redis_server, make_replyd):
    cfg = base_config(redis_server.port, tmpdir_path, limits={"read_timeout": "1s"})
    d = make_replyd(cfg)
    s = socket.create_connection(("127.0.0.1", d.port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    s.settimeout(5)
    start = time.monotonic()
    data = s.recv(4096)
    assert time.monotonic() - start < 4.5
    assert b"200 OK" not in data
    assert d.status("/healthz") == 200      # others are still served
    s.close()


def test_oversized_headers_are_refused(tmpdir_path, redis_server, make_replyd):
    cfg = base_config(redis_server.port, tmpdir_path, limits={"header_bytes": 2048})
    d = make_replyd(cfg)
    status, _, _ = d.request("GET", "/healthz", headers={"X-Big": "a" * 4096})
    assert status in (400, 413, 431)
    assert d.status("/healthz") == 200
