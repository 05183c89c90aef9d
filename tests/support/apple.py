"""The ``apple`` helper of the apple backend's contract tests (see tests/contract/apple/conftest.py).

It drives mocker with the apple backend selected and a FAKE ``container`` executable
(tests/support/fake_container.py), and reads back what the fake received.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FAKE = Path(__file__).resolve().parent / "fake_container"


class Apple:
    def __init__(self, tmp: Path, version: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.state = tmp / "fake-state"
        self.state.mkdir()
        self.version = version
        self.bin = tmp / "bin" / "container"
        self.bin.parent.mkdir()
        self.bin.write_text(f"#!{sys.executable} -S\nimport runpy, sys\nsys.argv[0] = {str(FAKE)!r}\n"
                            f"runpy.run_path({str(FAKE)!r}, run_name='__main__')\n")
        self.bin.chmod(0o755)
        self.config = tmp / "mocker-config"
        self.config.mkdir()
        self.env = {"MOCKER_BACKEND": "apple", "MOCKER_CONTAINER_CLI": str(self.bin),
                    "FAKE_CONTAINER_STATE": str(self.state), "FAKE_CONTAINER_VERSION": version,
                    "MOCKER_CONFIG": str(self.config), "MOCKER_ROOT": str(tmp / "root"),
                    "XDG_CACHE_HOME": str(tmp / "cache")}
        for k, v in self.env.items():
            monkeypatch.setenv(k, v)

    def mocker(self, *args: str, stdin: str = "") -> tuple[int, str, str]:
        from mocker.cli.apple.common import reset
        from mocker.cli.main import main

        reset()
        out, err = io.StringIO(), io.StringIO()
        code = main(list(args), stdout=out, stderr=err, stdin=io.StringIO(stdin))
        return code, out.getvalue(), err.getvalue()

    def ok(self, *args: str) -> str:
        code, out, err = self.mocker(*args)
        assert code == 0, (args, code, out, err)
        return out

    def fake(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(self.bin), *args], capture_output=True, text=True, check=False,
                              env={**os.environ, **self.env})
        if check:
            assert proc.returncode == 0, proc.stderr
        return proc

    def all_calls(self) -> list[list[str]]:
        path = self.state / "argv.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def calls(self, *prefix: str) -> list[list[str]]:
        return [c for c in self.all_calls() if c[:len(prefix)] == list(prefix)]

    def last(self, *prefix: str) -> list[str]:
        found = self.calls(*prefix)
        assert found, f"no call {prefix} in {self.all_calls()}"
        return found[-1]

    def clear_calls(self) -> None:
        (self.state / "argv.jsonl").unlink(missing_ok=True)

    def containers(self) -> dict[str, Any]:
        path = self.state / "containers.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def stop_service(self) -> None:
        (self.state / "service").write_text("stopped")

    def mocker_argv(self) -> list[str]:
        import sysconfig

        return [str(Path(sysconfig.get_path("scripts")) / "mocker")]

    def subprocess_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def mocker_subprocess(self, *args: str, stdin: Any = None) -> subprocess.CompletedProcess[str]:
        """The installed ``mocker`` (real file descriptors: stdin and TTY handling as a user gets them)."""
        return subprocess.run([*self.mocker_argv(), *args], stdin=stdin if stdin is not None else subprocess.DEVNULL,
                              capture_output=True, text=True, env={**os.environ, **self.env}, check=False,
                              timeout=60)
