"""The Redis scripts under daemon/store/scripts (docs/data-model.md): every
one loads into a real Redis, and the build's checker refuses a script that
touches a key it was not given or has no #!lua shebang."""

import os
import re
import subprocess

import pytest

from harness import ROOT

SCRIPTS = os.path.join(ROOT, "daemon", "store", "scripts")
CHECK = os.path.join(ROOT, "tools", "check-scripts")


def expanded(path):
    """The script as tools/embed-lua embeds it: includes replaced."""
    out = []
    with open(path) as f:
        for line in f:
            m = re.match(r"^--#include (\S+)", line)
            if m:
                with open(os.path.join(SCRIPTS, "lib", m.group(1))) as piece:
                    out.append(piece.read())
            else:
                out.append(line)
    return "".join(out)


def scripts():
    return sorted(f for f in os.listdir(SCRIPTS) if f.endswith(".lua"))


@pytest.mark.parametrize("name", scripts())
def test_every_script_loads_into_redis(redis_server, name):
    source = expanded(os.path.join(SCRIPTS, name))
    out = subprocess.run(["redis-cli", "-p", str(redis_server.port), "-x", "SCRIPT", "LOAD"],
                         input=source, capture_output=True, text=True, timeout=10)
    assert re.fullmatch(r"[0-9a-f]{40}\s*", out.stdout), out.stdout + out.stderr


def check(tmp_path, name, text):
    (tmp_path / "lib").mkdir(exist_ok=True)
    (tmp_path / name).write_text(text)
    return subprocess.run([CHECK, str(tmp_path)], capture_output=True, text=True)


def test_the_checker_passes_the_shipped_scripts():
    out = subprocess.run([CHECK, SCRIPTS], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_a_script_touching_a_key_outside_keys_is_refused(tmp_path):
    out = check(tmp_path, "bad-1.lua",
                "#!lua\nreturn redis.call('GET', 'rd:' .. ARGV[1])\n")
    assert out.returncode == 1 and "bad-1.lua:2" in out.stderr


def test_a_script_using_more_keys_than_its_name_says_is_refused(tmp_path):
    out = check(tmp_path, "bad-1.lua", "#!lua\nreturn redis.call('GET', KEYS[2])\n")
    assert out.returncode == 1 and "KEYS[2]" in out.stderr


def test_a_script_without_a_shebang_is_refused(tmp_path):
    out = check(tmp_path, "bad-1.lua", "return redis.call('GET', KEYS[1])\n")
    assert out.returncode == 1 and "#!lua" in out.stderr
