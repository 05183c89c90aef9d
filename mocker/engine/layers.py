"""Unpacked layers: ``layers/<chainID>/diff``, each unpacked once and shared by every image.

A layer is unpacked into a temp directory next to its final place and renamed into place only when
the tar was read to the end and its diff_id matched the image config, so a killed pull never leaves
a half layer under a real chain ID.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mocker.errors import StoreError
from mocker.image.manifest import Descriptor, chain_ids, diff_ids, layer_descriptors
from mocker.store import images as db
from mocker.store.store import Store


def ensure_layers(store: Store, manifest: dict[str, Any], config: dict[str, Any],
                  progress: Callable[[Any], None] | None = None) -> list[str]:
    """Unpack the image's layers that are not unpacked yet; returns the chain IDs, base first.

    ``progress`` gets Docker's "Pull complete" for each layer unpacked now.
    """
    descs = layer_descriptors(manifest)
    diffs = diff_ids(config)
    if len(descs) != len(diffs):
        raise StoreError(
            f"image config lists {len(diffs)} layers (rootfs.diff_ids) but the manifest has {len(descs)}"
        )
    chains = chain_ids(diffs)
    todo = [
        (desc, diff, chain, chains[i - 1] if i else None)
        for i, (desc, diff, chain) in enumerate(zip(descs, diffs, chains, strict=True))
        if not (db.has_layer(store.db, chain) and store.paths.layer_dir(chain).is_dir())
    ]
    if not todo:
        return chains
    store.paths.layers.mkdir(parents=True, exist_ok=True)
    # Each layer goes into a directory of its own, so they unpack in parallel: zlib, zstd and
    # hashlib release the GIL. The DB is written from this thread only.
    from concurrent.futures import ThreadPoolExecutor

    workers = max(1, min(len(todo), os.cpu_count() or 1, 4))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mocker-unpack") as pool:
        futures = [pool.submit(_unpack_one, store, desc, diff, chain) for desc, diff, chain, _ in todo]
        error: BaseException | None = None
        for (desc, diff, chain, parent), fut in zip(todo, futures, strict=True):
            try:
                size = fut.result()
            except BaseException as e:  # noqa: BLE001 - reported after the others finished
                error = error or e
                continue
            db.record_layer(store.db, chain, diff, parent, size)
            if progress is not None:
                from mocker.registry.progress import ProgressEvent, short_id

                progress(ProgressEvent(id=short_id(desc.digest), status="Pull complete"))
    if error is not None:
        raise error
    return chains


def _unpack_one(store: Store, desc: Descriptor, diff: str, chain: str) -> int:
    """Unpack one layer beside its final place and rename it there once it proved to be ``diff``."""
    from mocker.image.layers import open_layer, unpack_layer

    final = store.paths.layer_dir(chain)
    tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=store.paths.layers))
    try:
        (tmp / "diff").mkdir()
        with store.blobs.open(desc.digest) as raw:
            stream = open_layer(raw, desc.media_type)
            result = unpack_layer(stream, tmp / "diff")
        if result.diff_id != diff:
            raise StoreError(
                f"layer {desc.digest} does not match the image config: diff_id {result.diff_id}, expected {diff}"
            )
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.is_dir():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process unpacked it first
        return result.size
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def layer_sizes(store: Store, chains: list[str]) -> int:
    if not chains:
        return 0
    q = ",".join("?" * len(chains))
    row = store.db.execute(f"SELECT COALESCE(SUM(size), 0) FROM layers WHERE chain_id IN ({q})",  # noqa: S608
                           chains).fetchone()
    return int(row[0])


def layer_descriptor_list(manifest: dict[str, Any]) -> list[Descriptor]:
    return layer_descriptors(manifest)


def remove_unused_layers(store: Store, used: set[str]) -> list[str]:
    """Delete unpacked layers no image needs (caller holds the exclusive store lock)."""
    removed = []
    for row in db.list_layers(store.db):
        chain = row["chain_id"]
        if chain in used:
            continue
        path = store.paths.layer_dir(chain)
        db.delete_layer(store.db, chain)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(chain)
    # Leftovers of killed unpacks, and layers a killed pull renamed into place but never recorded.
    if store.paths.layers.is_dir():
        known = {store.paths.layer_dir(r["chain_id"]).name for r in db.list_layers(store.db)}
        for p in store.paths.layers.iterdir():
            if p.name.startswith(".unpack-") or (len(p.name) == 64 and p.name not in known):
                shutil.rmtree(p, ignore_errors=True)
    return removed
