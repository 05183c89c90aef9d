"""runtime/apple/spawn.py: the subprocess-free capture the apple backend's plain CLI calls use."""

from __future__ import annotations

import sys
import time

import pytest

from mocker.runtime.apple.spawn import Timeout, capture

PY = sys.executable


def test_large_stdout_and_stderr_together_do_not_deadlock() -> None:
    code, out, err = capture([PY, "-c", "import sys; sys.stdout.write('o' * 3_000_000); "
                                       "sys.stderr.write('e' * 3_000_000); sys.exit(3)"], timeout=60)
    assert (code, len(out), len(err)) == (3, 3_000_000, 3_000_000)


def test_input_reaches_stdin_and_stdin_is_devnull_without_it() -> None:
    echo = [PY, "-c", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())"]
    data = b"x" * 1_000_000
    assert capture(echo, input=data, timeout=60) == (0, data, b"")
    assert capture(echo, timeout=60) == (0, b"", b"")


def test_timeout_kills_the_child() -> None:
    start = time.monotonic()
    with pytest.raises(Timeout):
        capture([PY, "-c", "import time; time.sleep(60)"], timeout=0.5)
    assert time.monotonic() - start < 30


def test_signal_exit_status_and_missing_executable() -> None:
    code, _, _ = capture([PY, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"], timeout=60)
    assert code == -15
    with pytest.raises(FileNotFoundError):
        capture(["/nonexistent/container", "list"])


def test_child_gets_default_sigpipe_back() -> None:
    """Python ignores SIGPIPE; a CLI spawned from it must not inherit that (Linux: /proc SigIgn mask)."""
    code, out, _ = capture(["/bin/grep", "SigIgn", "/proc/self/status"], timeout=60)
    assert code == 0
    ignored = int(out.split()[1], 16)
    assert not ignored & (1 << (13 - 1))        # SIGPIPE
