"""pytest fixtures: a fresh redis-server and replyd per test."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from harness import RedisServer, Replyd, base_config, rmtree, tempdir  # noqa: E402,F401


@pytest.fixture
def tmpdir_path():
    path = tempdir()
    yield path
    rmtree(path)


@pytest.fixture
def redis_server(tmpdir_path):
    server = RedisServer(tmpdir_path).start()
    yield server
    server.stop()


@pytest.fixture
def make_replyd(tmpdir_path, redis_server):
    """Start replyd instances; each must exit 0 on SIGTERM at the end."""
    started = []

    def make(config=None, start=True, **kwargs):
        d = Replyd(tmpdir_path, config or base_config(redis_server.port, tmpdir_path),
                   name="replyd%d" % len(started), **kwargs)
        started.append(d)
        if start:
            d.start()
        return d

    yield make
    for d in started:
        if d.proc is not None:
            rc = d.stop()
            assert rc == 0, "replyd exited %s:\n%s" % (rc, d.logtext()[-4000:])


@pytest.fixture
def replyd(make_replyd):
    return make_replyd()
