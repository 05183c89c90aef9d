"""Fixtures for the Linux runtime's integration tests: real crun/runc + conmon + overlayfs.

- ``extra_layer``: a second layer (on top of ``busybox_rootfs``) with more busybox applets
  (``dd``, ``tr``, ``stty``, ``tty``, ``seq``) so containers have two overlay lowers.
- ``runtime_factory(runtime=None)``: a ``LinuxRuntime`` on this test's own store; every container
  made through ``ctr(...)``/``spec(...)`` is deleted (storage too) when the test ends.
- ``rt``: ``runtime_factory()`` with the default runtime choice (crun, hybrid trap fixed).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mocker.runtime.base import ContainerSpec
from mocker.runtime.linux.runtime import LinuxRuntime
from mocker.store.paths import StorePaths

EXTRA_APPLETS = ("dd", "tr", "stty", "tty", "seq", "yes")


def _needs() -> None:
    for tool in ("conmon", "crun", "runc"):
        if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
            pytest.skip(f"{tool} is not installed (scripts/setup)")


@pytest.fixture(scope="session")
def extra_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    layer = tmp_path_factory.mktemp("extra-layer")
    (layer / "bin").mkdir()
    for applet in EXTRA_APPLETS:
        (layer / "bin" / applet).symlink_to("busybox")
    (layer / "etc").mkdir()
    (layer / "etc" / "extra-layer").write_text("top\n")
    return layer


class Containers:
    """A runtime plus the containers a test made with it (for cleanup)."""

    def __init__(self, runtime: LinuxRuntime, layers: tuple[str, ...]) -> None:
        self.runtime = runtime
        self.layers = layers
        self.ids: list[str] = []

    def spec(self, *args: str, **fields: Any) -> ContainerSpec:
        container_id = secrets.token_hex(32)
        self.ids.append(container_id)
        fields.setdefault("rootfs_layers", self.layers)
        return ContainerSpec(id=container_id, name=f"t-{container_id[:8]}", args=args, **fields)

    def create(self, *args: str, exit_command: tuple[str, ...] = (), **fields: Any) -> str:
        spec = self.spec(*args, **fields)
        self.runtime.create(spec, exit_command=exit_command)
        return spec.id

    def run(self, *args: str, **fields: Any) -> str:
        container_id = self.create(*args, **fields)
        self.runtime.start(container_id)
        return container_id

    def cleanup(self) -> None:
        for container_id in self.ids:
            try:
                self.runtime.delete(container_id, remove_storage=True)
            except Exception:  # noqa: BLE001 - best effort; a failed test must not leak containers
                pass


@pytest.fixture
def runtime_factory(
    tmp_path: Path, busybox_rootfs: Path, extra_layer: Path
) -> Iterator[Callable[..., Containers]]:
    _needs()
    made: list[Containers] = []

    def make(runtime: str | None = None) -> Containers:
        paths = StorePaths(tmp_path / "root", tmp_path / "run")
        c = Containers(LinuxRuntime(paths, runtime=runtime), (str(busybox_rootfs), str(extra_layer)))
        made.append(c)
        return c

    yield make
    for c in made:
        c.cleanup()


@pytest.fixture
def rt(runtime_factory: Callable[..., Containers]) -> Containers:
    return runtime_factory()
