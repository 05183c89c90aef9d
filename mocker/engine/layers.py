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
    from mocker.image.layers import open_layer, unpack_layer

    descs = layer_descriptors(manifest)
    diffs = diff_ids(config)
    if len(descs) != len(diffs):
        raise StoreError(
            f"image config lists {len(diffs)} layers (rootfs.diff_ids) but the manifest has {len(descs)}"
        )
    chains = chain_ids(diffs)
    parent: str | None = None
    for desc, diff, chain in zip(descs, diffs, chains, strict=True):
        final = store.paths.layer_dir(chain)
        if db.has_layer(store.db, chain) and final.is_dir():
            parent = chain
            continue
        store.paths.layers.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=store.paths.layers))
        try:
            (tmp / "diff").mkdir()
            with store.blobs.open(desc.digest) as raw:
                stream = open_layer(raw, desc.media_type)
                result = unpack_layer(stream, tmp / "diff")
            if result.diff_id != diff:
                raise StoreError(
                    f"layer {desc.digest} does not match the image config: diff_id {result.diff_id}, "
                    f"expected {diff}"
                )
            try:
                os.rename(tmp, final)
            except OSError:
                if not final.is_dir():
                    raise
                shutil.rmtree(tmp, ignore_errors=True)  # another process unpacked it first
            db.record_layer(store.db, chain, diff, parent, result.size)
            if progress is not None:
                from mocker.registry.progress import ProgressEvent, short_id

                progress(ProgressEvent(id=short_id(desc.digest), status="Pull complete"))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        parent = chain
    return chains


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
    # Leftovers of killed unpacks.
    if store.paths.layers.is_dir():
        for p in store.paths.layers.iterdir():
            if p.name.startswith(".unpack-"):
                shutil.rmtree(p, ignore_errors=True)
    return removed
