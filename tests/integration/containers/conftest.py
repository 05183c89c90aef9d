"""Real containers (crun + conmon) from a busybox image imported into each test's own store."""

from __future__ import annotations

import os
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture
def mocker(run_mocker: Callable[..., subprocess.CompletedProcess[str]], busybox_rootfs: Path, tmp_path: Path,
           mocker_env: dict[str, str]) -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    """``mocker("run", ...)`` on a store that holds ``busybox:latest``; every container is removed after."""
    if os.geteuid() != 0:
        pytest.skip("containers need root here")
    tar = tmp_path / "rootfs.tar"
    with tarfile.open(tar, "w") as t:
        t.add(busybox_rootfs, arcname=".")
    run_mocker("import", "-c", 'CMD ["/bin/sh"]', str(tar), "busybox:latest")
    yield run_mocker
    ids = run_mocker("ps", "-aq", check=False).stdout.split()
    if ids:
        run_mocker("rm", "-f", *ids, check=False)
