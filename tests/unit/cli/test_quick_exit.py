"""The console entry point skips interpreter teardown only when a handler asked and nothing needs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mocker

SOURCE_ROOT = str(Path(mocker.__file__).resolve().parent.parent)

SCRIPT = """
import sys
import mocker.cli.main as m

class Finalized:
    def __del__(self):
        print("teardown ran", flush=True)

keep = Finalized()

def handler():
    m._quick_exit = {quick}
    print("output", end="")  # left in stdout's buffer: entry() must flush it
    return 3

m.main = handler
{extra}
m.entry()
"""


def _run(quick: bool, extra: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SOURCE_ROOT}
    env.pop("PYTHONUNBUFFERED", None)
    return subprocess.run([sys.executable, "-c", SCRIPT.format(quick=quick, extra=extra)], capture_output=True,
                          text=True, env=env, check=False)


def test_quick_exit_flushes_keeps_the_code_and_skips_teardown() -> None:
    proc = _run(True)
    assert (proc.returncode, proc.stdout) == (3, "output")


def test_without_the_handlers_request_teardown_runs() -> None:
    proc = _run(False)
    assert (proc.returncode, proc.stdout) == (3, "outputteardown ran\n")


def test_an_exit_handler_or_threading_keeps_teardown() -> None:
    assert _run(True, "import atexit; atexit.register(lambda: print(' exit handler'))").stdout == \
        "output exit handler\nteardown ran\n"
    assert _run(True, "import threading").stdout == "outputteardown ran\n"
