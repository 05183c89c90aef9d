"""The API socket with real clients: ``mocker system service`` on a private socket, a store holding
``busybox:latest``, and helpers that run the docker CLI (``docker_cli``) or docker-py against it.

No Docker daemon is involved: the docker CLI is only a client (scripts/setup installs one when the
machine has none) and talks to mocker through ``DOCKER_HOST=unix://<socket>``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


class Service:
    def __init__(self, proc: subprocess.Popen[str], socket: str, env: dict[str, str]) -> None:
        self.proc = proc
        self.socket = socket
        self.env = env

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"


def start_service(mocker_env: dict[str, str], *extra: str, path: str | None = None) -> Service:
    from conftest import mocker_executable

    if path is None:
        path = os.path.join(tempfile.mkdtemp(prefix="mk", dir="/tmp"), "api", "mocker.sock")
    proc = subprocess.Popen([mocker_executable(), "system", "service", *extra, f"unix://{path}"], env=mocker_env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not os.path.exists(path):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"the API service did not start:\n{out}\n{err}", pytrace=False)
        time.sleep(0.02)
    return Service(proc, path, mocker_env)


def stop_service(svc: Service) -> None:
    if svc.proc.poll() is None:
        svc.proc.terminate()
        try:
            svc.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            svc.proc.kill()
            svc.proc.wait()
    shutil.rmtree(os.path.dirname(os.path.dirname(svc.socket)), ignore_errors=True)


@pytest.fixture
def service(run_mocker: Callable[..., subprocess.CompletedProcess[str]], busybox_rootfs: Path, tmp_path: Path,
            mocker_env: dict[str, str]) -> Iterator[Service]:
    """The API service over a store that holds ``busybox:latest``; containers are removed after."""
    if os.geteuid() != 0:
        pytest.skip("containers need root here")
    tar = tmp_path / "rootfs.tar"
    with tarfile.open(tar, "w") as t:
        t.add(busybox_rootfs, arcname=".")
    run_mocker("import", "-c", 'CMD ["/bin/sh"]', str(tar), "busybox:latest")
    svc = start_service(mocker_env, "--time", "0")
    yield svc
    stop_service(svc)
    ids = run_mocker("ps", "-aq", check=False).stdout.split()
    if ids:
        run_mocker("rm", "-f", *ids, check=False)


def docker_binary() -> str:
    found = shutil.which("docker")
    if found is None:
        pytest.fail("no docker CLI client on PATH (scripts/setup installs one)", pytrace=False)
    return found


@pytest.fixture
def docker_cli(service: Service) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``docker_cli("run", ...)``: the docker CLI with DOCKER_HOST pointing at the service."""
    env = dict(service.env, DOCKER_HOST=service.url)
    binary = docker_binary()

    def run(*args: str, check: bool = True, input: str | None = None, timeout: float = 60,
            **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if input is None:
            kwargs.setdefault("stdin", subprocess.DEVNULL)
        result = subprocess.run([binary, *args], env=kwargs.pop("env", env), input=input, capture_output=True,
                                text=True, timeout=timeout, **kwargs)
        if check and result.returncode != 0:
            pytest.fail(f"docker {' '.join(args)} exited {result.returncode}\n--- stdout\n{result.stdout}"
                        f"--- stderr\n{result.stderr}", pytrace=False)
        return result

    return run
