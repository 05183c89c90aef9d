"""Invoking the OCI runtime binary (crun, or runc) for the verbs conmon does not run for us.

conmon runs ``<runtime> create`` and ``<runtime> exec``; mocker runs ``start``, ``kill``, ``pause``,
``resume`` and ``delete`` itself. Every invocation carries ``--root=<run>/<name>`` so each store keeps
its own runtime state directory (two stores never see each other's containers).

Runtime error text is translated here, at the seam, the way Docker and podman do it: "executable
file not found" / "no such file or directory" -> :class:`CommandNotFound` (exit 127), "permission
denied" -> :class:`CannotInvoke` (exit 126), anything else -> :class:`OCIRuntimeError` (125).
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from mocker.errors import CannotInvoke, CommandNotFound, OCIRuntimeError
from mocker.hostbin import which
from mocker.runtime.linux import cgroups

KNOWN_RUNTIMES = ("crun", "runc")
# Matched case-insensitively as plain substrings: compiling regexes here cost ~5 ms per `run`.
_NOT_FOUND = ("executable file not found", "no such file or directory", "not found in $path")
_PERMISSION = ("permission denied", "operation not permitted")
_NO_CONTAINER = ("does not exist", "not found", "no such container")


def _says(message: str, phrases: tuple[str, ...]) -> bool:
    low = message.lower()
    return any(p in low for p in phrases)


def runtime_error(runtime: str, message: str) -> OCIRuntimeError:
    """The exception for a runtime's error text (the class decides the exit code)."""
    message = " ".join(message.strip().split()) or "unknown error"
    # crun prefixes "crun: "; runc wraps JSON log lines. Keep one readable sentence.
    text = f"{runtime}: {message}" if not message.startswith(f"{runtime}:") else message
    if _says(message, _NOT_FOUND):
        return CommandNotFound(f"{text}: OCI runtime attempted to invoke a command that was not found")
    if _says(message, _PERMISSION):
        return CannotInvoke(f"{text}: OCI permission denied")
    return OCIRuntimeError(text)


_found: dict[str, str] = {}     # name -> path, once found (every runtime object asks; PATH is long)


def find_binary(name: str) -> str:
    if name in _found:
        return _found[name]
    for candidate in (which(name), f"/usr/bin/{name}", f"/usr/sbin/{name}", f"/usr/local/bin/{name}"):
        if candidate and os.access(candidate, os.X_OK):
            _found[name] = candidate
            return candidate
    raise OCIRuntimeError(f"OCI runtime {name} not found (install it: apt-get install {name})")


def choose_runtime(requested: str | None = None) -> str:
    """crun unless asked otherwise; runc when crun is missing or the cgroup hybrid trap cannot be
    fixed (see cgroups.py). An explicit choice is kept, or fails."""
    wanted = requested or "crun"
    if wanted != "crun":
        return wanted
    try:
        find_binary("crun")
        cgroups.fix_hybrid_trap()
    except OCIRuntimeError:
        if requested:
            raise
        return "runc"
    return "crun"


class OCIRuntime:
    """One runtime binary plus the state root mocker gives it."""

    __slots__ = ("name", "path", "root")

    def __init__(self, name: str, *, state_root: str, path: str | None = None) -> None:
        if path is None and name not in KNOWN_RUNTIMES and not os.path.isabs(name):
            raise OCIRuntimeError(f"unknown OCI runtime {name!r} (known: {', '.join(KNOWN_RUNTIMES)})")
        self.path = path or (name if os.path.isabs(name) else find_binary(name))
        self.name = os.path.basename(self.path)
        self.root = os.path.join(state_root, self.name)

    def __repr__(self) -> str:
        return f"OCIRuntime({self.name!r}, root={self.root!r})"

    @property
    def global_args(self) -> list[str]:
        return [f"--root={self.root}"]

    def run(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """Run ``<runtime> --root=... args``; raises the mapped error on failure."""
        result = self.try_run(*args, timeout=timeout)
        if result.returncode != 0:
            raise runtime_error(self.name, _error_text(result))
        return result

    def try_run(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        try:
            return subprocess.run(  # noqa: S603 - the resolved runtime binary, argv list, no shell
                [self.path, *self.global_args, *args],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise OCIRuntimeError(f"{self.name} {args[0]} timed out after {timeout:g}s") from exc
        except OSError as exc:
            raise OCIRuntimeError(f"cannot run {self.path}: {exc}") from exc

    def start(self, container_id: str) -> None:
        self.run("start", container_id)

    def kill(self, container_id: str, signal: int) -> None:
        self.run("kill", container_id, str(signal))

    def pause(self, container_id: str) -> None:
        self.run("pause", container_id)

    def resume(self, container_id: str) -> None:
        self.run("resume", container_id)

    def delete(self, container_id: str) -> bool:
        """``delete --force``; False if the runtime did not know the container (already gone).

        crun and runc keep a container's state in ``<root>/<id>``: without it there is nothing to
        delete, and not running the binary saves ~20 ms on every ``rm`` of an exited container."""
        if not os.path.isdir(os.path.join(self.root, container_id)):
            return False
        result = self.try_run("delete", "--force", container_id)
        if result.returncode == 0:
            return True
        text = _error_text(result)
        if _says(text, _NO_CONTAINER):
            return False
        raise runtime_error(self.name, text)

    def state(self, container_id: str) -> dict[str, Any] | None:
        """``<runtime> state`` as JSON, or None if it does not know the container (slow: a subprocess)."""
        result = self.try_run("state", container_id)
        if result.returncode != 0:
            return None
        data: dict[str, Any] = json.loads(result.stdout)
        return data


def _error_text(result: subprocess.CompletedProcess[str]) -> str:
    lines = []
    for line in (result.stderr or result.stdout or "").splitlines():
        line = line.strip()
        if line.startswith("{"):  # runc/crun --log-format=json lines
            try:
                line = str(json.loads(line).get("msg", line))
            except ValueError:
                pass
        if line:
            lines.append(line)
    return "; ".join(lines) or f"exit status {result.returncode}"
