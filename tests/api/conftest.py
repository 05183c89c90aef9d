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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.api import Service, start_service, stop_service


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
