"""Real builds: a busybox image imported into each test's own store, a context dir per test."""

from __future__ import annotations

import os
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def mocker(run_mocker: Run, busybox_rootfs: Path, tmp_path: Path) -> Iterator[Run]:
    """``mocker("build", ...)`` on a store that holds ``busybox:latest``; checks no container is left."""
    if os.geteuid() != 0:
        pytest.skip("builds run containers and mount overlays: they need root here")
    tar = tmp_path / "rootfs.tar"
    with tarfile.open(tar, "w") as t:
        t.add(busybox_rootfs, arcname=".")
    run_mocker("import", "-c", 'CMD ["/bin/sh"]', str(tar), "busybox:latest")
    yield run_mocker
    left = run_mocker("ps", "-aq", check=False).stdout.split()
    if left:
        run_mocker("rm", "-f", *left, check=False)
    assert not left, f"build containers left behind: {left}"


@pytest.fixture
def context(tmp_path: Path) -> Callable[..., Path]:
    """``context({"Dockerfile": "...", "dir/file": "..."})``: a build context directory."""
    counter = [0]

    def make(files: dict[str, str | bytes]) -> Path:
        counter[0] += 1
        root = tmp_path / f"ctx{counter[0]}"
        root.mkdir()
        for name, data in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data)
        return root

    return make

