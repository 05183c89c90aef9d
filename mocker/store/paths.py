"""Where the store lives on disk.

The layout is an OCI image layout at the root (``oci-layout``, ``index.json``, ``blobs/sha256``) so
that skopeo/umoci can read it, plus mocker's own directories beside it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def default_root() -> Path:
    env = os.environ.get("MOCKER_ROOT")
    if env:
        return Path(env)
    if os.geteuid() == 0:
        return Path("/var/lib/mocker")
    xdg = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(xdg) / "mocker"


def default_run_root(root: Path) -> Path:
    """Runtime state (pids, sockets, exit files) lives on tmpfs so a reboot forgets it, like Docker."""
    env = os.environ.get("MOCKER_RUNROOT")
    if env:
        return Path(env)
    if root == Path("/var/lib/mocker"):
        return Path("/run/mocker")
    # A store given with --root gets its own run dir, so two stores never share state.
    return root / "run"


@dataclass(frozen=True, slots=True)
class StorePaths:
    root: Path
    run: Path

    @classmethod
    def at(cls, root: Path | None = None) -> StorePaths:
        r = Path(root) if root is not None else default_root()
        return cls(root=r, run=default_run_root(r))

    @property
    def blobs(self) -> Path:
        return self.root / "blobs" / "sha256"

    @property
    def index_json(self) -> Path:
        return self.root / "index.json"

    @property
    def oci_layout(self) -> Path:
        return self.root / "oci-layout"

    @property
    def layers(self) -> Path:
        return self.root / "layers"

    @property
    def containers(self) -> Path:
        return self.root / "containers"

    @property
    def volumes(self) -> Path:
        return self.root / "volumes"

    @property
    def tmp(self) -> Path:
        """Scratch space on the same filesystem as the blobs, so a finished file is renamed, not copied."""
        return self.root / "tmp"

    @property
    def db(self) -> Path:
        return self.root / "mocker.db"

    @property
    def lock(self) -> Path:
        return self.root / "store.lock"

    def layer_dir(self, chain_id: str) -> Path:
        return self.layers / chain_id.split(":", 1)[-1]
