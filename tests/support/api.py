"""The API service for tests: start/stop ``mocker system service`` on a private socket, and plain
HTTP over that socket for tests that need to see the wire."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

__all__ = ["Service", "raw_request", "request", "start_service", "stop_service"]


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=30)
        self._path = path

    def connect(self) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(self._path)
        self.sock = s


def request(path: str, method: str, url: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = _UnixConnection(path)
    try:
        conn.request(method, url, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def raw_request(path: str, data: bytes) -> bytes:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    try:
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
            if b"\r\n\r\n" in out:
                break
        return out
    finally:
        s.close()


class Service:
    def __init__(self, proc: subprocess.Popen[str], socket: str, env: dict[str, str], log: str) -> None:
        self.log = log
        self.proc = proc
        self.socket = socket
        self.env = env

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"


def start_service(mocker_env: dict[str, str], *extra: str, path: str | None = None) -> Service:
    """Start the service on ``path`` (default: a short fresh one; unix socket paths are limited to
    107 bytes). Its output goes to files beside the socket (``service.log``); ``--debug`` logs each
    request there and makes ``kill -USR1`` dump every thread's stack into it."""
    from conftest import mocker_executable

    if path is None:
        path = os.path.join(tempfile.mkdtemp(prefix="mk", dir="/tmp"), "api", "mocker.sock")
    log = os.path.join(os.path.dirname(os.path.dirname(path)), "service.log")
    with open(log, "w") as out:
        proc = subprocess.Popen([mocker_executable(), "--debug", "system", "service", *extra, f"unix://{path}"],
                                env=mocker_env, stdin=subprocess.DEVNULL, stdout=out, stderr=out, text=True)
    deadline = time.monotonic() + 20
    while not os.path.exists(path):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            with open(log) as f:
                pytest.fail(f"the API service did not start:\n{f.read()}", pytrace=False)
        time.sleep(0.02)
    return Service(proc, path, mocker_env, log)


def dump_service(svc: Service) -> str:
    """Every thread's stack (SIGUSR1) and the request log, for a test that saw the service hang."""
    import signal

    if svc.proc.poll() is None:
        svc.proc.send_signal(signal.SIGUSR1)
        time.sleep(1)
    with open(svc.log) as f:
        return f.read()[-20000:]


def stop_service(svc: Service) -> None:
    if svc.proc.poll() is None:
        svc.proc.terminate()
        try:
            svc.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            svc.proc.kill()
            svc.proc.wait()
    shutil.rmtree(os.path.dirname(os.path.dirname(svc.socket)), ignore_errors=True)


