"""pytest fixtures: a fresh redis-server and replyd per test."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from harness import RedisServer, Replyd, base_config, rmtree, tempdir  # noqa: E402,F401


def pytest_configure(config):
    config.addinivalue_line("markers", "slow(seconds): takes that long in real time; run first")
    config.addinivalue_line("markers", "browser: drives a real chromium (the browser fixture)")
    config.addinivalue_line("markers", "package: tests the Debian package (needs make deb)")


def pytest_collection_modifyitems(config, items):
    """Slowest first: with workers (pytest -n) no long test then starts near
    the end and holds the whole run up.  The sort is stable, so every worker
    collects the same order, as pytest-xdist requires."""
    def seconds(item):
        mark = item.get_closest_marker("slow")
        return mark.args[0] if mark is not None else 0
    items.sort(key=lambda item: -seconds(item))
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker("browser")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's "load" mode first hands each worker a run of about a
    sixteenth of the tests in order: one worker would get every slow test.
    Hand them out one at a time instead, slowest first, each to the worker
    that has room: a worker holds the test it runs and the next one."""
    from xdist.scheduler import LoadScheduling

    class OneAtATime(LoadScheduling):
        def _send(self, node, index):
            self.pending.remove(index)
            self.node2pending[node].append(index)
            node.send_runtest_some([index])

        def schedule(self):
            assert self.collection_is_completed
            if self.collection is not None:
                for node in self.nodes:
                    self.check_schedule(node)
                return
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            self.collection = list(self.node2collection.values())[0]
            self.pending[:] = range(len(self.collection))
            # Each worker: a test from the front (slowest) to run, and one
            # from the back (quick) to hold as its next, so that no slow
            # test waits behind another.
            for node in self.nodes:
                if self.pending:
                    self._send(node, self.pending[0])
            for node in self.nodes:
                if self.pending:
                    self._send(node, self.pending[-1])
            if not self.pending:
                for node in self.nodes:
                    node.shutdown()

        def check_schedule(self, node, duration=0):
            if node.shutting_down:
                return
            if not self.pending:
                node.shutdown()
                return
            while self.pending and len(self.node2pending[node]) < 2:
                self._send(node, self.pending[0])

    return OneAtATime(config, log)


@pytest.fixture(scope="session")
def chromium():
    """The worker's one chromium, lent to each test by browser.py's
    browser fixture (imported only where a test asks for it)."""
    from browser import Shared
    shared = Shared()
    yield shared
    shared.close()


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
