"""Handing images over between mocker's own OCI store and Apple's image store.

The one rule: **a command reads the store it works on; only when the image is missing there is it
copied from the other store, through an OCI archive.**

- Runtime commands (``run``/``create``) work on Apple's store. When mocker's store has the image and
  Apple's does not (an image mocker built, imported or loaded, or a list's platform image), mocker
  writes it as an OCI archive (:func:`mocker.engine.archive_save.save`) and ``container image load``
  reads it; then the CLI creates the container. Apple's copy wins when both have the name.
- Store-only commands (``manifest create``/``add``) work on mocker's store. An image mocker's store
  lacks but Apple's has is ``container image save``-d and loaded into mocker's store
  (:func:`mocker.engine.archives.load_archive`); a single-platform index (how Apple's store keeps
  every image) arrives as its platform image, so it can join a list. Otherwise the registry is asked,
  as on Linux.

Nothing else is copied, synced or deleted: the two stores stay independent.
"""

from __future__ import annotations

import os

from mocker.errors import ImageNotFound, MockerError

# On every run/create: json, tarfile and tempfile are imported only when an image is handed over.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import IO

    from mocker.runtime.apple.cli import ContainerCLI
    from mocker.store.store import Store


def _mocker_store(root: str | None) -> Store | None:
    """mocker's store when it exists (never created just to look in it)."""
    from mocker.store.paths import StorePaths
    from mocker.store.store import Store

    paths = StorePaths.at(root)
    if not os.path.exists(paths.text("mocker.db")):
        return None
    return Store.open(root)


def _in_mocker(store: Store, ref: str) -> bool:
    from mocker.engine.images import find_image, find_index

    return find_index(store, ref) is not None or find_image(store, ref) is not None


def to_apple(cli: ContainerCLI, ref: str, *, root: str | None) -> bool:
    """Before ``create``: load ``ref`` into Apple's store from mocker's when only mocker's has it.
    True when it was handed over."""
    store = _mocker_store(root)
    if store is None or not _in_mocker(store, ref):
        return False              # the common case costs no CLI call: the CLI pulls what it lacks
    from mocker.engine.apple import images

    try:
        images.get(cli, ref)
        return False              # Apple's copy wins
    except ImageNotFound:
        pass
    import tempfile

    from mocker.engine.archive_save import save

    store.paths.tmp.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.paths.tmp, prefix="handover-") as tmp:
        path = os.path.join(tmp, "image.tar")
        with open(path, "wb") as f:
            save(store, [ref], f)
        cli.call([cli.image_group(), "load", "--input", path], timeout=None)
    return True


def to_mocker(cli: ContainerCLI, store: Store, refs: Sequence[str]) -> list[str]:
    """Before a store-only command: save the ``refs`` mocker's store lacks and Apple's has into
    mocker's store. Returns the references handed over."""
    from mocker.engine.apple import images

    wanted = []
    for ref in refs:
        if _in_mocker(store, ref):
            continue
        try:
            wanted.append(images.get(cli, ref).reference)
        except ImageNotFound:
            continue              # not local anywhere: the registry is asked, as on Linux
    if not wanted:
        return []
    import tempfile

    from mocker.engine.archives import load_archive

    store.paths.tmp.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.paths.tmp, prefix="handover-") as tmp:
        raw, fixed = os.path.join(tmp, "apple.tar"), os.path.join(tmp, "mocker.tar")
        cli.call([cli.image_group(), "save", "--output", raw, *wanted], timeout=None)
        with open(raw, "rb") as src, open(fixed, "wb") as dst:
            unwrap_single_platform(src, dst)
        with open(fixed, "rb") as f:
            load_archive(store, f)
    return wanted


def unwrap_single_platform(src: IO[bytes], dst: IO[bytes]) -> None:
    """Copy an OCI layout tar, pointing each named ``index.json`` entry that is an index with exactly
    one platform present in the archive at that platform's manifest (names kept)."""
    import tarfile

    members: list[tuple[tarfile.TarInfo, bytes]] = []
    blobs: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=src, mode="r|*") as tar:
            for m in tar:
                f = tar.extractfile(m) if m.isfile() else None
                data = f.read() if f is not None else b""
                members.append((m, data))
                name = m.name.removeprefix("./")
                if name.startswith("blobs/sha256/"):
                    blobs["sha256:" + name.rpartition("/")[2]] = data
    except tarfile.TarError as e:
        raise MockerError(f"container image save wrote an unreadable archive: {e}") from None
    with tarfile.open(fileobj=dst, mode="w|", format=tarfile.PAX_FORMAT) as out:
        for m, data in members:
            if m.name.removeprefix("./") == "index.json":
                data = _unwrapped_index(data, blobs)
                m.size = len(data)
            out.addfile(m, _reader(data) if m.isfile() else None)


def _reader(data: bytes) -> IO[bytes]:
    import io

    return io.BytesIO(data)


def _unwrapped_index(data: bytes, blobs: dict[str, bytes]) -> bytes:
    import json

    try:
        doc = json.loads(data)
        entries = doc.get("manifests") or []
    except (ValueError, AttributeError):
        return data
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or e.get("digest") not in blobs:
            continue
        try:
            child = json.loads(blobs[e["digest"]])
        except ValueError:
            continue
        present = [m for m in child.get("manifests") or [] if isinstance(m, dict) and m.get("digest") in blobs]
        if "manifests" in child and len(present) == 1:
            one = present[0]
            entries[i] = {k: v for k, v in one.items() if k in ("mediaType", "digest", "size", "platform")}
            if e.get("annotations"):
                entries[i]["annotations"] = e["annotations"]
    return json.dumps(doc).encode()
