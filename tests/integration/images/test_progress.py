"""Docker's progress display: redrawn lines on a terminal, plain status lines otherwise."""

from __future__ import annotations

import os
import pty
import subprocess

import pytest
from support.registries import unique_repo

pytestmark = pytest.mark.registry


def _run_on_pty(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, env=env, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(), b"".join(chunks).decode(errors="replace")


def test_pull_on_a_terminal_redraws_layer_lines(cli, make_image, registry, mocker_env):
    ref = f"{registry}/{unique_repo()}:tty"
    make_image([{"big": os.urandom(8 << 20)}, {"small": b"x"}], tag=ref)
    assert cli("push", ref).code == 0
    assert cli("rmi", ref).code == 0
    code, screen = _run_on_pty(["mocker", "pull", ref], mocker_env)
    assert code == 0, screen
    assert "\x1b[" in screen  # cursor movement: lines are redrawn in place
    assert "Pull complete" in screen or "Download complete" in screen
    assert f"Status: Downloaded newer image for {ref}" in screen


def test_pull_without_terminal_prints_plain_lines(cli, make_image, registry):
    ref = f"{registry}/{unique_repo()}:plain"
    make_image([{"a": b"1"}], tag=ref)
    assert cli("push", ref).code == 0
    assert cli("rmi", ref).code == 0
    out = cli("pull", ref).out
    assert "\x1b[" not in out and "Downloading" not in out
    lines = out.splitlines()
    assert lines[0] == f"plain: Pulling from {ref.split('/', 1)[1].rsplit(':', 1)[0]}"
    assert any(line.endswith(": Download complete") for line in lines)
    assert any(line.endswith(": Pull complete") for line in lines)
