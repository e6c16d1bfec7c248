"""The shipped systemd unit: valid, and hardened (SPEC §11)."""

import os
import re
import shutil
import subprocess

import pytest

from harness import BUILD, ROOT

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                reason="systemd-analyze is not installed")


def unit_for_this_build(tmpdir_path):
    text = open(os.path.join(ROOT, "systemd", "replyd.service")).read()
    path = os.path.join(tmpdir_path, "replyd.service")
    open(path, "w").write(text.replace("/usr/local/bin", BUILD))
    return path


def test_unit_passes_systemd_analyze_verify(tmpdir_path):
    out = subprocess.run(["systemd-analyze", "verify", unit_for_this_build(tmpdir_path)],
                         capture_output=True, text=True)
    assert out.returncode == 0 and out.stderr.strip() == "", out.stderr


def test_unit_exposure_is_at_most_1_5(tmpdir_path):
    out = subprocess.run(["systemd-analyze", "security", "--offline=true",
                          unit_for_this_build(tmpdir_path)], capture_output=True, text=True)
    score = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", out.stdout).group(1))
    assert score <= 1.5, out.stdout[-2000:]


def test_unit_is_type_notify_with_watchdog_and_reload():
    text = open(os.path.join(ROOT, "systemd", "replyd.service")).read()
    for line in ("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "DynamicUser=yes",
                 "ProtectSystem=strict", "NoNewPrivileges=yes"):
        assert line in text
    assert re.search(r"^WatchdogSec=\d+", text, re.M)
