"""Layers of build steps: what an overlay upper dir changed, written as a reproducible tar.

RUN steps run in real containers (their upper dir is the container's); COPY/ADD write into a
scratch overlay of the stage's layers (:func:`scratch_rootfs`). Either way the layer is made by the
same code as ``commit``'s (``engine.commit.upper_changes`` + ``image.layer_diff.create_layer``):
whiteouts for deletions, entries in byte order, and with ``SOURCE_DATE_EPOCH`` every mtime set to
it, so equal inputs give equal digests.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mocker.build.state import source_date_epoch
from mocker.store.store import Store


@contextmanager
def scratch_rootfs(store: Store, layers: list[str]) -> Iterator[tuple[str, str]]:
    """Mount ``layers`` (base first) with a fresh upper dir; yields (upper dir, merged dir)."""
    import shutil
    import tempfile

    from mocker.runtime.linux.rootfs import mount_rootfs, unmount_rootfs

    base = store.paths.root / "build"
    base.mkdir(parents=True, exist_ok=True)
    bundle = tempfile.mkdtemp(prefix="step-", dir=base)
    try:
        merged = mount_rootfs(bundle, layers)
        try:
            yield os.path.join(bundle, "upper"), merged
        finally:
            unmount_rootfs(bundle)
    finally:
        shutil.rmtree(bundle, ignore_errors=True)


def _mount_leftovers(changes: list[Any], targets: Iterable[str]) -> list[Any]:
    """Drop the mount points a RUN --mount left in the upper dir (and parents made only for them)."""
    from mocker.image.layer_diff import ChangeKind

    drop: set[str] = set()
    for t in targets:
        path = os.path.normpath("/" + t.lstrip("/"))
        while path != "/":
            drop.add(path)
            path = os.path.dirname(path)
    kept = []
    for c in changes:
        if c.path in drop and c.kind == ChangeKind.ADD:
            below = [o for o in changes if o.path.startswith(c.path + "/") and o.path not in drop]
            if not below:
                continue
        kept.append(c)
    return kept


def layer_from_upper(store: Store, layers: list[str], upper: str, *,
                     mount_targets: Iterable[str] = ()) -> tuple[dict[str, Any], str] | None:
    """Write the upper dir's changes as a layer blob; (descriptor, diff_id), or None if nothing changed."""
    from mocker.engine.commit import upper_changes
    from mocker.image.layer_diff import create_layer

    changes = _mount_leftovers(upper_changes(layers, upper), mount_targets)
    if not changes:
        return None
    with store.blobs.writer() as w:
        info = create_layer(Path(upper), w, changes=changes, mtime=source_date_epoch())  # type: ignore[arg-type]
        w.commit()
    return {"mediaType": info.media_type, "digest": info.digest, "size": info.size}, info.diff_id
