"""What crashed or killed mocker processes leave behind, found and removed (``system prune``).

Every mocker process writes a container's files before or after its DB record, and a kill -9 can
land in between: a bundle with no record, a runtime (conmon, crun state, cgroup, overlay mount) for a
removed container, an exited container whose cleanup never ran (its rootfs still mounted), lock
files of removed containers. Only this store's own directories are looked at, never other stores'
containers, and each container is handled under its lock, so a create or start in progress (which
holds that lock) is never mistaken for a leftover.
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING

from mocker.errors import MockerError

if TYPE_CHECKING:
    from mocker.store.store import Store

_ID = re.compile(r"^[0-9a-f]{64}$")


def sweep(store: Store) -> list[str]:
    """Remove leftovers; returns one line per container whose leftovers were removed."""
    from mocker.engine import containers
    from mocker.store import containers as cdb

    removed: list[str] = []
    known = {rec.id: rec for rec in cdb.list_all(store.db)}
    bundles = _ids_in(store.paths.containers)
    runs = _ids_in(store.paths.run / "containers")
    for cid in sorted((bundles | runs) - set(known)):
        if _remove_orphan(store, cid):
            removed.append(f"container {cid}: files without a record")
    for cid in sorted((bundles | runs) & set(known)):
        rec = containers.reconcile(store, known[cid])
        if rec.status in ("exited", "dead") and _runtime_left(store, cid):
            try:
                containers.cleanup(store, cid, restart=False)
            except MockerError:
                continue
            removed.append(f"container {cid}: runtime of an exited container")
    for name in _lock_ids(store):
        if name not in known:
            _drop_locks(store, name)    # empty files: removed, not worth a line
    _empty_trash(store)     # removed containers' files a background rm did not finish (no line)
    from mocker.engine.build import sweep_leftovers

    removed += sweep_leftovers(store)
    return removed


def _empty_trash(store: Store) -> None:
    import shutil

    from mocker.runtime.linux.procfiles import TRASH

    trash = store.paths.containers / TRASH
    try:
        names = os.listdir(trash)
    except FileNotFoundError:
        return
    for name in names:
        shutil.rmtree(trash / name, ignore_errors=True)


def _ids_in(path: os.PathLike[str]) -> set[str]:
    try:
        return {e.name for e in os.scandir(path) if _ID.match(e.name) and e.is_dir(follow_symlinks=False)}
    except FileNotFoundError:
        return set()


def _lock_ids(store: Store) -> set[str]:
    try:
        names = os.listdir(store.paths.run / "locks")
    except FileNotFoundError:
        return set()
    return {n.split(".", 1)[0] for n in names if _ID.match(n.split(".", 1)[0])}


def _runtime_of(store: Store, cid: str) -> str | None:
    try:
        with open(store.paths.containers / cid / "launch.json") as f:
            name = json.load(f).get("runtime")
    except (OSError, ValueError):
        return None
    return name if isinstance(name, str) and name else None


def _runtime_left(store: Store, cid: str) -> bool:
    merged = store.paths.containers / cid / "merged"
    return os.path.ismount(merged) or os.path.isdir(store.paths.run / "containers" / cid)


def _remove_orphan(store: Store, cid: str) -> bool:
    import shutil

    from mocker.engine.containers import runtime_for
    from mocker.errors import ContainerNotFound
    from mocker.store import containers as cdb
    from mocker.store.locks import try_file_lock

    with try_file_lock(store.paths.run / "locks" / f"{cid}.lock") as got:
        if not got or cdb.get(store.db, cid) is not None:
            return False    # a create in progress, or it was recorded meanwhile
        try:
            runtime_for(store, _runtime_of(store, cid)).delete(cid, remove_storage=True)
        except ContainerNotFound:
            pass
        shutil.rmtree(store.paths.containers / cid, ignore_errors=True)
    _drop_locks(store, cid)
    return True


def _drop_locks(store: Store, cid: str) -> bool:
    from mocker.store.locks import try_file_lock

    lock = store.paths.run / "locks" / f"{cid}.lock"
    with try_file_lock(lock) as got:
        if not got:
            return False
        for suffix in (".lock", ".attached", ".died"):
            (store.paths.run / "locks" / f"{cid}{suffix}").unlink(missing_ok=True)
    return True
