"""``save``: write images (and indexes) as one archive that is both a docker-archive and an OCI layout.

See :mod:`mocker.engine.archives` for the formats."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from mocker.engine.archive_files import _CHUNK, CONTAINERD_NAME, REFERENCE_TYPE, _blob_path  # noqa: F401
from mocker.engine.images import get_image, load
from mocker.errors import (
    InvalidReference,
    StoreError,
)
from mocker.image.manifest import (
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
    REF_NAME,
    canonical_json,
    config_descriptor,
    diff_ids,
    is_index,
    layer_descriptors,
    media_type_of,
    parse_json,
)
from mocker.store import images as db
from mocker.store.blobs import check_digest, sha256_digest
from mocker.store.store import Store

# ---- save ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _SaveItem:
    """One image or index to write, with the tags (full names) to record for it."""

    image_id: str | None = None
    index_digest: str | None = None
    tags: list[str] = field(default_factory=list)


def _plan_save(store: Store, names: list[str]) -> list[_SaveItem]:
    """Resolve every name first, as ``docker save`` does, so a bad one fails before any output.

    A name with a tag saves that tag; a repository without one (``busybox``) saves every tag of
    the repository (moby's ``parseNames``); IDs and digests save the image untagged.
    """
    from mocker.engine.images import find_index
    from mocker.image.reference import parse_reference

    items: dict[str, _SaveItem] = {}

    def add(image_id: str | None, index_digest: str | None, tag: str | None) -> None:
        key = index_digest or image_id or ""
        item = items.setdefault(key, _SaveItem(image_id=image_id, index_digest=index_digest))
        if tag and tag not in item.tags:
            item.tags.append(tag)

    for name in names:
        try:
            ref = parse_reference(name, default_tag=False)
        except InvalidReference:
            ref = None
        if ref is not None and ref.familiar_name == "sha256":
            ref = None  # "sha256:<id>" is an image ID, not the repository "sha256"
        if ref is not None and ref.digest is None:
            if ref.tag is None:
                found = [t for t in db.list_tags(store.db) if parse_reference(t.name).name == ref.name]
            else:
                t = db.get_tag(store.db, str(ref))
                found = [t] if t is not None else []
            for t in found:
                add(t.image_id, t.index_digest, t.name)
            if found:
                continue
        idx = find_index(store, name) if ref is not None else None
        if idx is not None:
            add(None, idx.digest, None)
            continue
        add(get_image(store, name).id, None, None)
    return list(items.values())


class _ArchiveWriter:
    def __init__(self, store: Store, tar: tarfile.TarFile) -> None:
        self.store = store
        self.tar = tar
        self.written: set[str] = set()
        self.sizes: dict[str, int] = {}  # diff_id -> size of the uncompressed layer written

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, 0
        self.tar.addfile(info, io.BytesIO(data))

    def add_dir(self, name: str) -> None:
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
        self.tar.addfile(info)

    def add_stream(self, name: str, stream: IO[bytes], size: int) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o644, 0
        self.tar.addfile(info, stream)

    def blob_bytes(self, digest: str, data: bytes) -> None:
        if digest not in self.written:
            self.add_bytes(_blob_path(digest), data)
            self.written.add(digest)

    def blob_from_store(self, digest: str) -> None:
        """A blob as the store has it (compressed or not)."""
        if digest in self.written:
            return
        with self.store.blobs.open(digest) as f:
            self.add_stream(_blob_path(digest), f, os.fstat(f.fileno()).st_size)
        self.written.add(digest)

    def uncompressed_layer(self, digest: str, media_type: str, diff: str) -> int:
        """The layer as a plain tar under its diff_id, as ``docker save`` writes layers."""
        from mocker.image.compression import open_layer

        path = _blob_path(diff)
        if diff in self.sizes:
            return self.sizes[diff]
        if digest == diff or (diff in self.written and self.store.blobs.has(diff)):
            self.blob_from_store(diff)  # already a plain tar (maybe written as an index's blob)
            size = self.store.blobs.size(diff)
        else:
            # Spooled so the tar header knows the size.
            with tempfile.TemporaryFile(dir=_tmp_dir(self.store)) as tmp:
                with self.store.blobs.open(digest) as raw, open_layer(raw, media_type) as plain:
                    shutil.copyfileobj(plain, tmp, _CHUNK)
                size = tmp.tell()
                tmp.seek(0)
                self.add_stream(path, tmp, size)
            self.written.add(diff)
        self.sizes[diff] = size
        return size


def _tmp_dir(store: Store) -> Path | None:
    return store.paths.tmp if store.paths.tmp.is_dir() else None


def save(store: Store, names: list[str], out: BinaryIO) -> None:
    """Write the images (with the given tags) as one archive to ``out``."""
    from mocker.image.reference import parse_reference

    plan = _plan_save(store, names)
    from mocker.engine.events import record

    for name in names:
        record(store, "image", "save", name, {"name": name})
    manifest_json: list[dict[str, Any]] = []
    index_entries: list[dict[str, Any]] = []
    repositories: dict[str, dict[str, str]] = {}
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        w = _ArchiveWriter(store, tar)
        w.add_dir("blobs/")
        w.add_dir("blobs/sha256/")
        for item in plan:
            if item.index_digest is not None:
                desc, entry = _save_index(store, w, item.index_digest)
            else:
                assert item.image_id is not None
                desc, entry = _save_image(store, w, item.image_id)
            refs = [parse_reference(t) for t in item.tags]
            if entry is not None:
                entry["RepoTags"] = [r.familiar() for r in refs] or None
                manifest_json.append(entry)
                for r in refs:
                    repositories.setdefault(r.familiar_name, {})[r.tag or "latest"] = (
                        entry["Config"].rsplit("/", 1)[1])
            if refs:
                for t, r in zip(item.tags, refs, strict=True):
                    index_entries.append({**desc, "annotations": {CONTAINERD_NAME: t, REF_NAME: r.tag or ""}})
            else:
                index_entries.append(desc)
        w.add_bytes("index.json", json.dumps(
            {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": index_entries}).encode())
        w.add_bytes("manifest.json", json.dumps(manifest_json).encode())
        w.add_bytes("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        if repositories:
            w.add_bytes("repositories", json.dumps(repositories).encode())


def _save_image(store: Store, w: _ArchiveWriter, image_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """One image with uncompressed layers; returns its index.json descriptor and manifest.json entry."""
    rec = get_image(store, image_id)
    li = load(store, rec)
    cfg_bytes = store.blobs.read(rec.id)
    w.blob_bytes(rec.id, cfg_bytes)
    descs = layer_descriptors(li.manifest)
    diffs = diff_ids(li.config)
    if len(descs) != len(diffs):
        raise StoreError(f"image {rec.id}: the config lists {len(diffs)} layers but the manifest {len(descs)}")
    layers_json = []
    for desc, diff in zip(descs, diffs, strict=True):
        size = w.uncompressed_layer(desc.digest, desc.media_type, diff)
        layers_json.append({"mediaType": OCI_LAYER, "digest": diff, "size": size})
    if all(d.digest == diff for d, diff in zip(descs, diffs, strict=True)):
        # Already uncompressed: the manifest goes as it is, so its digest survives too.
        mdigest, mtype = rec.manifest_digest, rec.manifest_media_type
        mbytes = store.blobs.read(mdigest)
    else:
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                    "config": {"mediaType": OCI_CONFIG, "digest": rec.id, "size": len(cfg_bytes)},
                    "layers": layers_json}
        mbytes, mtype = canonical_json(manifest), OCI_MANIFEST
        mdigest = sha256_digest(mbytes)
    w.blob_bytes(mdigest, mbytes)
    entry = {"Config": _blob_path(rec.id), "RepoTags": None, "Layers": [_blob_path(d) for d in diffs]}
    return {"mediaType": mtype, "digest": mdigest, "size": len(mbytes)}, entry


def _save_index(store: Store, w: _ArchiveWriter, digest: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """An index and every image of it the store holds, all blobs as stored."""
    from mocker.image.platform import best_match, from_oci, host_platform

    data = store.blobs.read(digest)
    doc = parse_json(data)
    host_entry: dict[str, Any] | None = None
    platforms = [(e, from_oci(e["platform"])) for e in doc.get("manifests", []) if e.get("platform")]
    best = best_match(host_platform(), [p for _, p in platforms])
    host_digest = platforms[best][0].get("digest") if best is not None else None
    for e in doc.get("manifests", []):
        child = e.get("digest", "")
        check_digest(child)
        if not store.blobs.has(child):
            continue  # a platform that was never pulled
        child_doc = parse_json(store.blobs.read(child))
        if is_index(media_type_of(child_doc, e.get("mediaType"))):
            _save_index(store, w, child)
            continue
        cfg = config_descriptor(child_doc).digest
        layers = [d.digest for d in layer_descriptors(child_doc)]
        if not all(store.blobs.has(x) for x in (cfg, *layers)):
            continue
        w.blob_from_store(child)
        w.blob_from_store(cfg)
        for x in layers:
            w.blob_from_store(x)
        if child == host_digest:
            host_entry = {"Config": _blob_path(cfg), "RepoTags": None, "Layers": [_blob_path(x) for x in layers]}
    w.blob_bytes(digest, data)
    return {"mediaType": media_type_of(doc), "digest": digest, "size": len(data)}, host_entry
