"""Real compose projects (crun + conmon) on a store that holds ``busybox:latest``."""

from __future__ import annotations

import os
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

Compose = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    d = tmp_path / "proj"
    d.mkdir()
    return d


@pytest.fixture
def compose(run_mocker: Callable[..., subprocess.CompletedProcess[str]], busybox_rootfs: Path, tmp_path: Path,
            project_dir: Path) -> Iterator[Compose]:
    """``compose("up", "-d")`` runs ``mocker compose up -d`` in ``project_dir``; everything is removed after."""
    if os.geteuid() != 0:
        pytest.skip("containers need root here")
    tar = tmp_path / "rootfs.tar"
    with tarfile.open(tar, "w") as t:
        t.add(busybox_rootfs, arcname=".")
    run_mocker("import", "-c", 'CMD ["/bin/sh"]', str(tar), "busybox:latest")

    def run(*args: str, cwd: Path | None = None, **kw: object) -> subprocess.CompletedProcess[str]:
        return run_mocker("compose", *args, cwd=cwd or project_dir, **kw)

    yield run
    ids = run_mocker("ps", "-aq", check=False).stdout.split()
    if ids:
        run_mocker("rm", "-f", *ids, check=False)


def labels_of(run_mocker: Callable[..., subprocess.CompletedProcess[str]], name: str) -> dict[str, str]:
    import json

    out = run_mocker("inspect", "--format", "{{json .Config.Labels}}", name).stdout
    return dict(json.loads(out))
