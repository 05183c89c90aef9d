"""In-process CLI runner and store helpers for volume tests: each test gets its own store.

- ``cli("volume", "ls")`` runs mocker in this process (``--root`` is the test's store) -> Result.
- ``store``: the test's :class:`~mocker.store.store.Store`, opened beside the CLI's (closed afterwards).
- ``add_container(name)``: a real ``containers`` row (what the container engine will insert), for
  ``engine.volumes.attach``; the container engine does not exist yet. ``remove_container(id)`` deletes it.
- Mounts a test leaves behind under its store are unmounted at teardown.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mocker.cli.main import main
from mocker.store.db import transaction
from mocker.store.store import Store


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def _own_store_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("MOCKER_ROOT", "MOCKER_RUNROOT"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def cli(mocker_root: Path) -> Callable[..., Result]:
    def run(*argv: str, stdin: str = "") -> Result:
        out, err = io.StringIO(), io.StringIO()
        code = main(["--root", str(mocker_root), *argv], stdout=out, stderr=err, stdin=io.StringIO(stdin))
        return Result(code, out.getvalue(), err.getvalue())

    return run


def _unmount_under(root: Path) -> None:
    real = os.path.realpath(root)
    with open("/proc/self/mountinfo") as f:
        points = [line.split(" ")[4] for line in f]
    for p in sorted(points, key=len, reverse=True):
        if p.startswith(real + "/"):
            subprocess.run(["umount", "-l", p], check=False, capture_output=True)


@pytest.fixture
def store(mocker_root: Path) -> Iterator[Store]:
    s = Store.open(mocker_root)
    try:
        yield s
    finally:
        s.close()
        if os.geteuid() == 0:
            _unmount_under(mocker_root)


def insert_container(store: Store, name: str, *, status: str = "created") -> str:
    """A containers row shaped as the container engine writes one (migration 3)."""
    cid = secrets.token_hex(32)
    now = time.time()
    with transaction(store.db) as conn:
        conn.execute(
            "INSERT INTO containers (id, name, image_id, image_name, created, config, labels, status, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (cid, name, "sha256:" + "0" * 64, "busybox", now, json.dumps({"Cmd": ["sh"]}), "{}", status, now),
        )
    return cid


def delete_container(store: Store, cid: str) -> None:
    with transaction(store.db) as conn:
        conn.execute("DELETE FROM containers WHERE id = ?", (cid,))


@pytest.fixture
def add_container(store: Store) -> Callable[..., str]:
    def add(name: str | None = None, **kw: str) -> str:
        return insert_container(store, name or "c" + secrets.token_hex(4), **kw)

    return add


@pytest.fixture
def remove_container(store: Store) -> Callable[[str], None]:
    """Delete a container row as the container engine will (its container_volumes rows cascade away)."""
    return lambda cid: delete_container(store, cid)
