"""``save``, ``load`` and ``import``: docker-archive and OCI-layout tarballs.

``save`` writes what Docker 25+ writes: one tar that is both a docker-archive (``manifest.json``,
``repositories``) and an OCI image layout (``oci-layout``, ``index.json``, ``blobs/sha256``) with
uncompressed layers, so ``docker load``, skopeo and umoci all read it. The config blob is kept byte
for byte, so the image ID survives the round trip. ``load`` reads both formats (and older Docker
archives with ``<id>/layer.tar``); compressed archives are accepted like Docker does.
"""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from mocker.engine.images import get_image, load, register_image, register_index
from mocker.errors import InvalidArgument, MockerError, StoreError
from mocker.image.manifest import (
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
    REF_NAME,
    canonical_json,
    diff_ids,
    is_index,
    layer_descriptors,
    media_type_of,
    parse_json,
)
from mocker.store.blobs import sha256_digest
from mocker.store.store import Store

CONTAINERD_NAME = "io.containerd.image.name"


# ---- save ------------------------------------------------------------------------------------


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    tar.addfile(info)


def save(store: Store, names: list[str], out: BinaryIO) -> None:
    """Write the images (with the given tags) as one archive to ``out``."""
    from mocker.image.compression import open_layer
    from mocker.image.reference import parse_reference

    wanted: dict[str, list[str]] = {}  # image id -> tags to record
    order: list[str] = []
    for name in names:
        rec = get_image(store, name)
        if rec.id not in wanted:
            wanted[rec.id] = []
            order.append(rec.id)
        try:
            ref = parse_reference(name)
            if not ref.digest and str(ref) in rec.tags:
                wanted[rec.id].append(str(ref))
        except MockerError:
            pass
    written: set[str] = set()
    sizes: dict[str, int] = {}
    manifest_json: list[dict[str, Any]] = []
    index_entries: list[dict[str, Any]] = []
    repositories: dict[str, dict[str, str]] = {}
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        _add_dir(tar, "blobs/")
        _add_dir(tar, "blobs/sha256/")
        for image_id in order:
            rec = get_image(store, image_id)
            li = load(store, rec)
            cfg_bytes = store.blobs.read(rec.id)
            _emit(tar, written, rec.id, cfg_bytes)
            layers_json = []
            layer_paths = []
            for desc, diff in zip(layer_descriptors(li.manifest), diff_ids(li.config), strict=True):
                if diff not in written:
                    # Uncompressed, as docker save writes them; spooled so the tar header knows the size.
                    with tempfile.TemporaryFile(dir=store.paths.tmp if store.paths.tmp.exists() else None) as tmp:
                        with store.blobs.open(desc.digest) as raw:
                            shutil.copyfileobj(open_layer(raw, desc.media_type), tmp, 1 << 20)
                        size = tmp.tell()
                        tmp.seek(0)
                        info = tarfile.TarInfo("blobs/sha256/" + diff.split(":")[1])
                        info.size, info.mode, info.mtime = size, 0o644, 0
                        tar.addfile(info, tmp)
                    written.add(diff)
                    sizes[diff] = size
                layers_json.append({"mediaType": OCI_LAYER, "digest": diff, "size": sizes[diff]})
                layer_paths.append("blobs/sha256/" + diff.split(":")[1])
            manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                        "config": {"mediaType": OCI_CONFIG, "digest": rec.id, "size": len(cfg_bytes)},
                        "layers": layers_json}
            mbytes = canonical_json(manifest)
            mdigest = sha256_digest(mbytes)
            _emit(tar, written, mdigest, mbytes)
            tags = wanted[image_id]
            familiar = [parse_reference(t).familiar() for t in tags]
            manifest_json.append({"Config": "blobs/sha256/" + rec.id.split(":")[1], "RepoTags": familiar or None,
                                  "Layers": layer_paths})
            desc = {"mediaType": OCI_MANIFEST, "digest": mdigest, "size": len(mbytes)}
            if tags:
                for t in tags:
                    ref = parse_reference(t)
                    index_entries.append({**desc, "annotations": {CONTAINERD_NAME: t, REF_NAME: ref.tag or ""}})
                    repositories.setdefault(ref.familiar_name, {})[ref.tag or "latest"] = rec.id.split(":")[1]
            else:
                index_entries.append(desc)
        _add_bytes(tar, "index.json", json.dumps(
            {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": index_entries}).encode())
        _add_bytes(tar, "manifest.json", json.dumps(manifest_json).encode())
        _add_bytes(tar, "oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        if repositories:
            _add_bytes(tar, "repositories", json.dumps(repositories).encode())


def _emit(tar: tarfile.TarFile, written: set[str], digest: str, data: bytes) -> None:
    if digest in written:
        return
    _add_bytes(tar, "blobs/sha256/" + digest.split(":")[1], data)
    written.add(digest)


# ---- load ------------------------------------------------------------------------------------


@dataclass(slots=True)
class LoadReport:
    tags: list[str] = field(default_factory=list)
    untagged_ids: list[str] = field(default_factory=list)


def _extract(stream: IO[bytes], dest: Path) -> None:
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:
            # The 'data' filter refuses absolute names, '..', and links that leave dest.
            tar.extractall(dest, filter="data")
    except tarfile.TarError as e:
        raise InvalidArgument(f"invalid archive: {e}") from None
    except (tarfile.FilterError, OSError) as e:
        raise InvalidArgument(f"unsafe or unreadable archive: {e}") from None


def load_archive(store: Store, stream: IO[bytes]) -> LoadReport:
    store.paths.tmp.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.paths.tmp, prefix="load-") as tmpd:
        tmp = Path(tmpd)
        _extract(stream, tmp)
        if (tmp / "manifest.json").is_file():
            return _load_docker(store, tmp)
        if (tmp / "index.json").is_file():
            return _load_oci(store, tmp)
    raise InvalidArgument("invalid archive: no manifest.json or index.json found (not a docker or OCI image archive)")


def _inside(root: Path, rel: str) -> Path:
    p = (root / rel).resolve()
    if not p.is_relative_to(root.resolve()):
        raise InvalidArgument(f"invalid archive: path {rel!r} leaves the archive")
    return p


def _put_file(store: Store, path: Path, expected: str | None = None) -> str:
    with open(path, "rb") as f:
        return store.blobs.put_stream(f, expected)


def _load_docker(store: Store, root: Path) -> LoadReport:
    from mocker.image.compression import open_layer
    from mocker.image.reference import parse_reference

    report = LoadReport()
    try:
        entries = json.loads((root / "manifest.json").read_text())
        assert isinstance(entries, list)
    except (ValueError, AssertionError):
        raise InvalidArgument("invalid archive: manifest.json is not a JSON list") from None
    for entry in entries:
        try:
            cfg_path = _inside(root, entry["Config"])
            layer_files = [_inside(root, x) for x in entry.get("Layers") or []]
            repo_tags = entry.get("RepoTags") or []
        except (KeyError, TypeError):
            raise InvalidArgument("invalid archive: malformed manifest.json entry") from None
        with store.lock(shared=True):
            cfg_digest = _put_file(store, cfg_path)
            config = parse_json(store.blobs.read(cfg_digest), "image config")
            diffs = diff_ids(config)
            if len(diffs) != len(layer_files):
                raise InvalidArgument("invalid archive: layer count does not match the image config")
            layers = []
            for path, diff in zip(layer_files, diffs, strict=True):
                with open(path, "rb") as f:
                    # Layers in a docker archive are usually plain tars, but may be compressed.
                    stream = open_layer(f, None)
                    with store.blobs.writer(diff) as w:
                        while chunk := stream.read(1 << 20):
                            w.write(chunk)
                        w.commit()
                layers.append({"mediaType": OCI_LAYER, "digest": diff, "size": store.blobs.size(diff)})
            manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                        "config": {"mediaType": OCI_CONFIG, "digest": cfg_digest,
                                   "size": store.blobs.size(cfg_digest)},
                        "layers": layers}
            mdigest = store.blobs.put(canonical_json(manifest))
            tags = tuple(str(parse_reference(t)) for t in repo_tags)
            rec = register_image(store, mdigest, tags=tags)
        if tags:
            report.tags += [parse_reference(t).familiar() for t in tags]
        else:
            report.untagged_ids.append(rec.id)
    return report


def _load_oci(store: Store, root: Path) -> LoadReport:
    from mocker.image.reference import parse_reference

    report = LoadReport()
    index = parse_json((root / "index.json").read_bytes(), "index.json")
    blobs_dir = root / "blobs" / "sha256"

    def blob(digest: str) -> bytes:
        path = _inside(root, "blobs/sha256/" + digest.split(":", 1)[1])
        if not store.blobs.has(digest):
            _put_file(store, path, digest)
        return store.blobs.read(digest)

    def import_tree(digest: str) -> str:
        doc = parse_json(blob(digest))
        if is_index(media_type_of(doc)):
            for e in doc.get("manifests", []):
                if (blobs_dir / e["digest"].split(":", 1)[1]).exists():
                    import_tree(e["digest"])
            return "index"
        blob(doc["config"]["digest"])
        for layer in doc.get("layers", []):
            blob(layer["digest"])
        return "manifest"

    with store.lock(shared=True):
        for desc in index.get("manifests", []):
            digest = desc.get("digest", "")
            ann = desc.get("annotations") or {}
            name = ann.get(CONTAINERD_NAME)
            ref_name = ann.get(REF_NAME)
            if not name and ref_name:
                # A bare tag ("latest") names no repository; a full reference does.
                try:
                    name = str(parse_reference(ref_name)) if ("/" in ref_name or ":" in ref_name
                                                              or ref_name.islower()) else None
                except MockerError:
                    name = None
            kind = import_tree(digest)
            tags = (name,) if name else ()
            if kind == "index":
                doc = parse_json(store.blobs.read(digest))
                for e in doc.get("manifests", []):
                    if store.blobs.has(e["digest"]) and not is_index(e.get("mediaType", "")):
                        register_image(store, e["digest"])
                register_index(store, digest, tags=tags)
                if not tags:
                    report.untagged_ids.append(digest)
            else:
                rec = register_image(store, digest, tags=tags)
                if not tags:
                    report.untagged_ids.append(rec.id)
            report.tags += [parse_reference(t).familiar() for t in tags]
    return report


# ---- import ----------------------------------------------------------------------------------


def import_rootfs(
    store: Store,
    source: IO[bytes],
    *,
    reference: str | None,
    changes: list[str],
    message: str,
    platform: str | None,
    source_name: str,
) -> str:
    """Turn a rootfs tarball into a one-layer image; returns the image ID."""
    from mocker.image.changes import apply_changes
    from mocker.image.compression import open_layer
    from mocker.image.platform import host_platform, parse_platform
    from mocker.image.reference import parse_reference

    tag = str(parse_reference(reference)) if reference else None
    plat = parse_platform(platform) if platform else host_platform()
    cfg_obj = apply_changes({}, changes)
    with store.lock(shared=True):
        stream = open_layer(source, None)
        with store.blobs.writer() as w:
            while chunk := stream.read(1 << 20):
                w.write(chunk)
            diff = w.commit()
        _check_tar(store, diff)
        now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        config: dict[str, Any] = {
            "architecture": plat.architecture, "os": plat.os, "created": now,
            "config": cfg_obj, "rootfs": {"type": "layers", "diff_ids": [diff]},
            "history": [{"created": now, "comment": message or f"Imported from {source_name}"}],
        }
        if plat.variant:
            config["variant"] = plat.variant
        cfg_bytes = canonical_json(config)
        cfg_digest = store.blobs.put(cfg_bytes)
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                    "config": {"mediaType": OCI_CONFIG, "digest": cfg_digest, "size": len(cfg_bytes)},
                    "layers": [{"mediaType": OCI_LAYER, "digest": diff, "size": store.blobs.size(diff)}]}
        mdigest = store.blobs.put(canonical_json(manifest))
        rec = register_image(store, mdigest, tags=(tag,) if tag else ())
    return rec.id


def _check_tar(store: Store, digest: str) -> None:
    try:
        with store.blobs.open(digest) as f, tarfile.open(fileobj=f, mode="r|") as tar:
            for _ in tar:
                pass
    except tarfile.TarError as e:
        store.blobs.delete(digest)
        raise InvalidArgument(f"the import source is not a valid tar archive: {e}") from None

