"""Real networks: netavark bridges, network namespaces and iptables rules, traffic on loopback and on
bridges the tests create. Each store has its own subnets and bridge names (support/netpool.py)."""

from __future__ import annotations

import os
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

Mocker = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def mocker(run_mocker: Mocker, busybox_rootfs: Path, tmp_path: Path) -> Iterator[Mocker]:
    """``mocker(...)`` on a store holding ``busybox:latest`` (with /www/index.html for httpd);
    containers and networks are removed afterwards (and the store's fixture tears down the rest)."""
    if os.geteuid() != 0:
        pytest.skip("networks need root here")
    if not Path("/usr/lib/podman/netavark").exists():
        pytest.skip("netavark is not installed")
    tar = tmp_path / "rootfs.tar"
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("hello from mocker\n")
    with tarfile.open(tar, "w") as t:
        t.add(busybox_rootfs, arcname=".")
        t.add(www, arcname="www")
    run_mocker("import", "-c", 'CMD ["/bin/sh"]', str(tar), "busybox:latest")
    yield run_mocker
    ids = run_mocker("ps", "-aq", check=False).stdout.split()
    if ids:
        run_mocker("rm", "-f", *ids, check=False)
    run_mocker("network", "prune", "-f", check=False)
