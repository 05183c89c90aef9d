"""``save``, ``load`` and ``import``: docker-archive and OCI-layout tarballs.

``save`` writes what Docker 25+ writes: one tar that is both a docker-archive (``manifest.json``,
``repositories``) and an OCI image layout (``oci-layout``, ``index.json``, ``blobs/sha256``) with
uncompressed layers, so ``docker load``, skopeo and umoci all read it. The config blob is kept byte
for byte, so the image ID survives the round trip; so is the manifest when its layers are already
uncompressed. A tag that names an image index (a multi-platform image) is saved as that index,
byte for byte, with whatever platforms the store holds; its ``manifest.json`` entry is the host's
platform, so docker-archive readers see the image ``run`` would use.

``load`` reads the OCI layout when the archive has one (``index.json``: indexes and manifest
digests survive), else ``manifest.json`` (Docker 1.10+ archives, skopeo's ``docker-archive``),
else the pre-1.10 ``repositories`` + ``<id>/json`` + ``<id>/layer.tar`` format; compressed
archives and compressed layers are accepted, as Docker accepts them.

An archive is never unpacked onto the filesystem under its own names: its regular files are
spooled to numbered temp files and looked up by archive path, with symlinks and hard links
resolved lexically inside the archive. Absolute names, ``..`` and links that leave the archive
are refused (``UnsafeArchiveEntry``), so no entry can write outside the spool directory whatever
the Python version's ``tarfile`` filters do. Every blob is verified against its digest as it is
written to the store, and an image becomes visible only when all of it is in place; blobs a failed
load added are removed again when no other mocker process holds the store.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import posixpath
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from mocker.engine.images import get_image, load, register_image, register_index
from mocker.errors import (
    DigestMismatch,
    InvalidArgument,
    InvalidReference,
    MockerError,
    StoreError,
    UnsafeArchiveEntry,
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

CONTAINERD_NAME = "io.containerd.image.name"
# BuildKit's attestation manifests sit in an index beside the images; they are not images.
REFERENCE_TYPE = "vnd.docker.reference.type"
_CHUNK = 1 << 20
_MAX_LINK_HOPS = 40


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


def _blob_path(digest: str) -> str:
    return "blobs/sha256/" + digest.split(":", 1)[1]


def _tmp_dir(store: Store) -> Path | None:
    return store.paths.tmp if store.paths.tmp.is_dir() else None


def save(store: Store, names: list[str], out: BinaryIO) -> None:
    """Write the images (with the given tags) as one archive to ``out``."""
    from mocker.image.reference import parse_reference

    plan = _plan_save(store, names)
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


# ---- reading an archive ----------------------------------------------------------------------


def _clean(name: str, what: str = "entry") -> str:
    """An archive path, normalised; absolute names and ``..`` are refused."""
    if "\0" in name:
        raise UnsafeArchiveEntry(f"invalid archive: {what} {name!r} has a NUL byte in its name")
    if name.startswith("/"):
        raise UnsafeArchiveEntry(f"invalid archive: {what} {name!r} has an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveEntry(f"invalid archive: {what} {name!r} leaves the archive")
    return "/".join(parts)


class ArchiveFiles:
    """The regular files of a tar archive, by archive path, spooled under generated names."""

    def __init__(self, spool: Path) -> None:
        self.spool = spool
        self.files: dict[str, Path] = {}
        self.links: dict[str, str] = {}

    @classmethod
    def read(cls, stream: IO[bytes], spool: Path) -> ArchiveFiles:
        from mocker.image.compression import open_layer

        archive = cls(spool)
        try:
            plain = open_layer(cast(BinaryIO, stream), None)  # docker load takes gzip/bzip2/xz/zstd archives too
            with tarfile.open(fileobj=plain, mode="r|", errors="surrogateescape") as tar:
                for member in tar:
                    archive._add(tar, member)
        except tarfile.ReadError as e:
            text = str(e)
            if text == "empty file":
                raise InvalidArgument("invalid archive: the input is empty") from None
            if "invalid header" in text or "bad checksum" in text or "truncated header" in text:
                raise InvalidArgument(f"invalid archive: not a tar archive ({text})") from None
            raise InvalidArgument(f"invalid archive: {text}") from None
        except tarfile.TarError as e:
            raise InvalidArgument(f"invalid archive: {e}") from None
        except InvalidArgument as e:
            if e.message.startswith("invalid compressed layer data"):  # said of the whole archive here
                raise InvalidArgument(e.message.replace("invalid compressed layer data", "invalid archive: "
                                                        "invalid compressed data", 1)) from None
            raise
        return archive

    def _add(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        name = _clean(member.name)
        if member.isdir():
            return
        parent, _, base = name.rpartition("/")
        if parent:
            # "link/file" with "link" a symlink to a directory is that directory's file, as in tar.
            name = f"{self.resolve(parent) or ''}/{base}".lstrip("/")
        if member.isreg():
            path = self.spool / f"f{len(self.files):06d}"
            src = tar.extractfile(member)
            assert src is not None
            with src, open(path, "xb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
            self.links.pop(name, None)
            self.files[name] = path
        elif member.issym():
            target = member.linkname
            if target.startswith("/"):
                raise UnsafeArchiveEntry(f"invalid archive: symlink {name!r} points outside the archive")
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            if joined == ".." or joined.startswith("../"):
                raise UnsafeArchiveEntry(f"invalid archive: symlink {name!r} points outside the archive")
            self.files.pop(name, None)
            self.links[name] = "" if joined == "." else joined
        elif member.islnk():
            linked = self.resolve(_clean(member.linkname, "hard link target"))
            if linked is None or linked not in self.files:
                raise InvalidArgument(f"invalid archive: hard link {name!r} to a missing file")
            self.links.pop(name, None)
            self.files[name] = self.files[linked]
        else:
            raise InvalidArgument(f"invalid archive: {name!r} is not a regular file, directory or link")

    def resolve(self, name: str) -> str | None:
        """``name`` with every symlink on its path followed (lexically, inside the archive)."""
        parts = [p for p in name.split("/") if p not in ("", ".")]
        done: list[str] = []
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == "..":
                if not done:
                    return None
                done.pop()
                continue
            done.append(part)
            here = "/".join(done)
            if here in self.links:
                hops += 1
                if hops > _MAX_LINK_HOPS:
                    raise InvalidArgument(f"invalid archive: too many levels of symbolic links in {name!r}")
                target = self.links[here]
                parts = [p for p in target.split("/") if p] + parts
                done = []
        return "/".join(done)

    def has(self, name: str) -> bool:
        try:
            resolved = self.resolve(_clean(name))
        except MockerError:
            return False
        return resolved is not None and resolved in self.files

    def path(self, name: str) -> Path:
        resolved = self.resolve(_clean(name, "path"))
        if resolved is None or resolved not in self.files:
            raise InvalidArgument(f"invalid archive: {name} is missing")
        return self.files[resolved]

    def read_bytes(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def read_json(self, name: str) -> Any:
        try:
            return json.loads(self.read_bytes(name))
        except (ValueError, UnicodeDecodeError) as e:
            raise InvalidArgument(f"invalid archive: {name} is not valid JSON: {e}") from None


# ---- load ------------------------------------------------------------------------------------


@dataclass(slots=True)
class LoadReport:
    tags: list[str] = field(default_factory=list)  # familiar names, as printed
    untagged_ids: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # what ``docker load`` prints, in order

    def tagged(self, familiar: str) -> None:
        if familiar not in self.tags:
            self.tags.append(familiar)
            self.lines.append(f"Loaded image: {familiar}")

    def untagged(self, ident: str) -> None:
        if ident not in self.untagged_ids:
            self.untagged_ids.append(ident)
            self.lines.append(f"Loaded image ID: {ident}")


class _Loader:
    def __init__(self, store: Store, files: ArchiveFiles) -> None:
        self.store = store
        self.files = files
        self.report = LoadReport()
        self.created: list[str] = []  # blobs this load added to the store

    # -- blobs

    def put_file(self, name: str, expected: str | None = None, size: int | None = None) -> str:
        if expected is not None and self.store.blobs.has(expected):
            return expected
        with open(self.files.path(name), "rb") as f:
            try:
                digest = self.store.blobs.put_stream(f, expected, size)
            except DigestMismatch as e:
                raise InvalidArgument(
                    f"invalid archive: {name} does not match its digest {e.expected} (content is {e.actual})"
                ) from None
            except StoreError as e:
                raise InvalidArgument(f"invalid archive: {name}: {e}") from None
        self.created.append(digest)
        return digest

    def put_bytes(self, data: bytes) -> str:
        digest = sha256_digest(data)
        if not self.store.blobs.has(digest):
            self.store.blobs.put(data, digest)
            self.created.append(digest)
        return digest

    def put_layer(self, name: str, diff: str | None) -> str:
        """A docker-archive layer file (maybe compressed) stored uncompressed; returns its diff_id."""
        from mocker.image.compression import open_layer

        if diff is not None and self.store.blobs.has(diff):
            return diff
        with open(self.files.path(name), "rb") as raw, open_layer(raw, None) as plain:
            try:
                with self.store.blobs.writer(diff) as w:
                    while chunk := plain.read(_CHUNK):
                        w.write(chunk)
                    digest = w.commit()
            except DigestMismatch as e:
                raise InvalidArgument(
                    f"invalid archive: layer {name} does not match the image config: diff_id {e.actual}, "
                    f"expected {e.expected}"
                ) from None
        self.created.append(digest)
        return digest

    # -- tags

    def register(self, manifest_digest: str, names: list[str]) -> None:
        from mocker.image.reference import parse_reference

        image_id = config_descriptor(parse_json(self.store.blobs.read(manifest_digest))).digest
        for n in names:
            self._note_replaced(n, image_id)
        rec = register_image(self.store, manifest_digest, tags=tuple(names))
        for n in names:
            self.report.tagged(parse_reference(n).familiar())
        if not names:
            self.report.untagged(rec.id)

    def _note_replaced(self, name: str, new_target: str) -> None:
        """moby's ``setLoadedTag`` message when a tag moves to another image (ID or index digest)."""
        from mocker.image.reference import parse_reference

        old = db.get_tag(self.store.db, name)
        previous = old and (old.image_id or old.index_digest)
        if previous and previous != new_target:
            self.report.lines.append(f"The image {parse_reference(name).familiar()} already exists, "
                                     f"renaming the old one with ID {previous} to empty string")

    # -- OCI layout

    def oci(self) -> LoadReport:
        from mocker.image.manifest import Descriptor

        index = self.files.read_json("index.json")
        manifests = index.get("manifests") if isinstance(index, dict) else None
        if not isinstance(manifests, list):
            raise InvalidArgument("invalid archive: index.json has no \"manifests\" list")
        if not manifests and self.files.has("manifest.json"):
            return self.docker()
        docker_tags = self._docker_tags_by_config()
        for raw in manifests:
            if not isinstance(raw, dict):
                raise InvalidArgument("invalid archive: index.json has a malformed descriptor")
            desc = Descriptor.from_json(raw)
            _check_blob_digest(desc.digest)
            names = _names_of(desc.annotations or {})
            doc = parse_json(self.blob(desc.digest, desc.size), "manifest")
            if is_index(media_type_of(doc, desc.media_type or None)):
                self.index_tree(desc.digest, doc)
                for n in names:
                    self._note_replaced(n, desc.digest)
                register_index(self.store, desc.digest, tags=tuple(names))
                self._report_index(desc.digest, names)
            else:
                cfg = self.image_blobs(doc, required=True)
                assert cfg is not None
                if not names:
                    names = docker_tags.get(cfg, [])
                self.register(desc.digest, names)
        return self.report

    def _report_index(self, digest: str, names: list[str]) -> None:
        from mocker.image.reference import parse_reference

        for n in names:
            self.report.tagged(parse_reference(n).familiar())
        if not names:
            self.report.untagged(digest)

    def _docker_tags_by_config(self) -> dict[str, list[str]]:
        """RepoTags of manifest.json, by config digest: names for index.json entries that have none."""
        from mocker.image.reference import parse_reference

        out: dict[str, list[str]] = {}
        if not self.files.has("manifest.json"):
            return out
        try:
            entries = self.files.read_json("manifest.json")
            for e in entries:
                cfg = sha256_digest(self.files.read_bytes(e["Config"]))
                for t in e.get("RepoTags") or []:
                    out.setdefault(cfg, []).append(str(parse_reference(t)))
        except (MockerError, KeyError, TypeError, AttributeError):
            return {}  # the OCI side is what is loaded; a broken manifest.json only costs its names
        return out

    def blob(self, digest: str, size: int | None = None) -> bytes:
        if not self.store.blobs.has(digest):
            if not self.files.has(_blob_path(digest)):
                raise InvalidArgument(f"invalid archive: blob {digest} is missing")
            self.put_file(_blob_path(digest), digest, size)
        return self.store.blobs.read(digest)

    def image_blobs(self, manifest: dict[str, Any], *, required: bool) -> str | None:
        """Copy an image's config and layers in; returns the config digest (None if absent and not required)."""
        try:
            cfg = config_descriptor(manifest)
            layers = layer_descriptors(manifest)
        except (KeyError, TypeError):
            raise InvalidArgument("invalid archive: malformed image manifest") from None
        wanted = [cfg, *layers]
        for d in wanted:
            _check_blob_digest(d.digest)
        if not required and not all(self.store.blobs.has(d.digest) or self.files.has(_blob_path(d.digest))
                                    for d in wanted):
            return None
        for d in wanted:
            if not self.store.blobs.has(d.digest):
                if not self.files.has(_blob_path(d.digest)):
                    raise InvalidArgument(f"invalid archive: blob {d.digest} is missing")
                self.put_file(_blob_path(d.digest), d.digest, d.size)
        return cfg.digest

    def index_tree(self, digest: str, doc: dict[str, Any], depth: int = 0) -> None:
        """The images of an index that the archive carries, registered untagged."""
        from mocker.image.manifest import Descriptor

        if depth > 8:
            raise InvalidArgument("invalid archive: image indexes nested too deeply")
        for raw in doc.get("manifests", []):
            desc = Descriptor.from_json(raw)
            _check_blob_digest(desc.digest)
            if not (self.store.blobs.has(desc.digest) or self.files.has(_blob_path(desc.digest))):
                continue  # a platform the archive does not carry
            child = parse_json(self.blob(desc.digest, desc.size), "manifest")
            if is_index(media_type_of(child, desc.media_type or None)):
                self.index_tree(desc.digest, child, depth + 1)
                continue
            attestation = (desc.annotations or {}).get(REFERENCE_TYPE) == "attestation-manifest"
            unknown = (desc.platform or {}).get("os") == "unknown"
            cfg = self.image_blobs(child, required=False)
            if cfg is not None and not attestation and not unknown:
                register_image(self.store, desc.digest)

    # -- docker-archive (manifest.json)

    def docker(self) -> LoadReport:
        from mocker.image.reference import parse_reference

        entries = self.files.read_json("manifest.json")
        if not isinstance(entries, list):
            raise InvalidArgument("invalid archive: manifest.json is not a JSON list")
        for entry in entries:
            try:
                cfg_name = entry["Config"]
                layer_names = list(entry.get("Layers") or [])
                repo_tags = [str(parse_reference(t)) for t in entry.get("RepoTags") or []]
                assert isinstance(cfg_name, str) and all(isinstance(x, str) for x in layer_names)
            except (KeyError, TypeError, AttributeError, AssertionError):
                raise InvalidArgument("invalid archive: malformed manifest.json entry") from None
            cfg_bytes = self.files.read_bytes(cfg_name)
            config = parse_json(cfg_bytes, "image config")
            diffs = diff_ids(config)
            if len(diffs) != len(layer_names):
                raise InvalidArgument(
                    f"invalid archive: the image config lists {len(diffs)} layers, manifest.json {len(layer_names)}"
                )
            cfg_digest = self.put_bytes(cfg_bytes)
            layers = []
            for name, diff in zip(layer_names, diffs, strict=True):
                _check_blob_digest(diff)
                self.put_layer(name, diff)
                layers.append({"mediaType": OCI_LAYER, "digest": diff, "size": self.store.blobs.size(diff)})
            self.register(self.put_bytes(_manifest(cfg_digest, len(cfg_bytes), layers)), repo_tags)
        return self.report

    # -- pre-1.10 docker-archive (repositories + <id>/json + <id>/layer.tar)

    def legacy(self) -> LoadReport:
        """moby's ``legacyLoad``: each tagged v1 image becomes one config with its parents' layers."""
        from mocker.image.reference import parse_reference

        repositories = self.files.read_json("repositories")
        if not isinstance(repositories, dict):
            raise InvalidArgument("invalid archive: repositories is not a JSON object")
        for repo, tags in repositories.items():
            if not isinstance(tags, dict):
                raise InvalidArgument("invalid archive: malformed repositories file")
            for tag, v1_id in tags.items():
                ref = parse_reference(f"{repo}:{tag}")
                manifest_digest = self._legacy_image(str(v1_id))
                self.register(manifest_digest, [str(ref)])
        return self.report

    def _legacy_image(self, top: str) -> str:
        chain: list[dict[str, Any]] = []
        ids: list[str] = []
        current: str | None = top
        while current:
            if len(current) != 64 or any(c not in "0123456789abcdef" for c in current) or current in ids:
                raise InvalidArgument(f"invalid archive: invalid or looping v1 image ID {current!r}")
            v1 = self.files.read_json(f"{current}/json")
            if not isinstance(v1, dict):
                raise InvalidArgument(f"invalid archive: {current}/json is not a JSON object")
            chain.append(v1)
            ids.append(current)
            parent = v1.get("parent")
            current = parent if isinstance(parent, str) else None
        chain.reverse()
        ids.reverse()
        diffs: list[str] = []
        history: list[dict[str, Any]] = []
        layers: list[dict[str, Any]] = []
        for v1_id, v1 in zip(ids, chain, strict=True):
            diff = self.put_layer(f"{v1_id}/layer.tar", None)
            diffs.append(diff)
            layers.append({"mediaType": OCI_LAYER, "digest": diff, "size": self.store.blobs.size(diff)})
            cmd = (v1.get("container_config") or {}).get("Cmd") or []
            h = {"created": v1.get("created"), "author": v1.get("author"),
                 "created_by": " ".join(str(c) for c in cmd), "comment": v1.get("comment")}
            history.append({k: v for k, v in h.items() if v})
        config = {k: v for k, v in chain[-1].items()
                  if k not in ("id", "parent", "Size", "parent_id", "layer_id", "throwaway")}
        config["rootfs"] = {"type": "layers", "diff_ids": diffs}
        config["history"] = history
        cfg_bytes = canonical_json(config)
        cfg_digest = self.put_bytes(cfg_bytes)
        return self.put_bytes(_manifest(cfg_digest, len(cfg_bytes), layers))


def _manifest(cfg_digest: str, cfg_size: int, layers: list[dict[str, Any]]) -> bytes:
    return canonical_json({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": OCI_CONFIG, "digest": cfg_digest, "size": cfg_size},
                           "layers": layers})


def _check_blob_digest(digest: str) -> None:
    try:
        check_digest(digest)
    except InvalidArgument:
        raise InvalidArgument(f"invalid archive: unsupported or malformed digest {digest!r}") from None


def _names_of(annotations: dict[str, str]) -> list[str]:
    """The tag an index.json entry names: containerd's annotation, else a full ``ref.name``.

    A bare ``ref.name`` (``latest``, ``v1``) is a tag without a repository and names nothing.
    """
    from mocker.image.reference import parse_reference

    name = annotations.get(CONTAINERD_NAME) or ""
    if not name:
        ref_name = annotations.get(REF_NAME) or ""
        if "/" in ref_name or ":" in ref_name:
            name = ref_name
    if not name:
        return []
    try:
        ref = parse_reference(name)
    except MockerError:
        return []  # ref.name is free text in the OCI spec
    return [] if ref.digest else [str(ref)]


def load_archive(store: Store, stream: IO[bytes]) -> LoadReport:
    """Load every image of a docker-archive or OCI-layout tar (compressed or not)."""
    store.paths.tmp.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.paths.tmp, prefix="load-") as spool:
        files = ArchiveFiles.read(stream, Path(spool))
        loader = _Loader(store, files)
        try:
            with store.lock(shared=True):
                if files.has("index.json"):
                    return loader.oci()
                if files.has("manifest.json"):
                    return loader.docker()
                if files.has("repositories"):
                    return loader.legacy()
        except BaseException:
            _discard_unreferenced(store, loader.created)
            raise
    raise InvalidArgument("invalid archive: no manifest.json or index.json found (not a docker or OCI image archive)")


@contextmanager
def _exclusive_if_free(store: Store) -> Iterator[bool]:
    """The store lock, exclusively, only if nobody holds it now (a pull may be about to use a blob)."""
    store.paths.lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(store.paths.lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _discard_unreferenced(store: Store, digests: list[str]) -> None:
    """Remove blobs a failed load or import added that no image uses; else ``image prune`` will."""
    from mocker.engine.image_remove import referenced_content

    if not digests:
        return
    try:
        with _exclusive_if_free(store) as free:
            if not free:
                return
            used, _ = referenced_content(store)
            for digest in set(digests) - used:
                store.blobs.delete(digest)
    except (MockerError, OSError):
        pass  # best effort: what is left is unreferenced and collected later


# ---- import ----------------------------------------------------------------------------------


class _TeeReader:
    """Reads ``source`` and writes what it read to ``sink``: one pass checks and stores a tar."""

    def __init__(self, source: IO[bytes], sink: Any) -> None:
        self.source = source
        self.sink = sink
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(n)
        if data:
            self.sink.write(data)
            self.size += len(data)
        return data

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass


def _store_rootfs(store: Store, source: IO[bytes]) -> str:
    """The (decompressed) tar as a blob; it is committed only if it reads as a tar to its end and
    names no entry outside its root (``unpack_layer`` would refuse it later anyway)."""
    from mocker.image.compression import open_layer
    from mocker.image.layer_unpack import clean_name

    plain = open_layer(cast(BinaryIO, source), None)
    with store.blobs.writer() as w:
        tee = _TeeReader(plain, w)
        try:
            tar = tarfile.open(fileobj=tee, mode="r|", errors="surrogateescape")  # type: ignore[call-overload]
        except tarfile.ReadError as e:
            if tee.size:
                raise InvalidArgument(f"the import source is not a tar archive ({e})") from None
            tar = None  # empty input: an empty layer, as Docker makes of it
        if tar is not None:
            try:
                with tar:
                    for member in tar:
                        clean_name(member.name)
                        if member.islnk():
                            clean_name(member.linkname, what="hardlink")
            except tarfile.TarError as e:
                raise InvalidArgument(f"the import source is not a valid tar archive ({e})") from None
            tee.drain()
        return w.commit()


@contextmanager
def _import_errors() -> Iterator[None]:
    """Decompression errors name the import source, not a "layer"."""
    try:
        yield
    except InvalidArgument as e:
        prefix = "invalid compressed layer data"
        if e.message.startswith(prefix):
            detail = e.message.removeprefix(prefix)
            raise InvalidArgument(f"the import source is corrupt: invalid compressed data{detail}") from None
        raise


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
    """Turn a rootfs tarball into a one-layer image; returns the image ID.

    As ``docker import``: ``message`` defaults to "Imported from <source>" (``-`` for stdin and
    for local files, which the docker CLI streams), and is both the config's ``comment`` and its
    history entry's.
    """
    from mocker.image.changes import apply_changes
    from mocker.image.platform import host_platform, parse_platform
    from mocker.image.reference import parse_reference

    tag = None
    if reference:
        ref = parse_reference(reference)
        if ref.digest:
            raise InvalidArgument("cannot import digest reference")
        tag = str(ref)
    plat = parse_platform(platform) if platform else host_platform()
    if plat.os != "linux":
        raise InvalidArgument(f'image operating system "{plat.os}" cannot be used on this platform: '
                              "operating system is not supported")
    cfg_obj = apply_changes({}, changes)
    message = message or f"Imported from {source_name}"
    created: list[str] = []
    try:
        with store.lock(shared=True):
            with _import_errors():
                diff = _store_rootfs(store, source)
            created.append(diff)
            now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
            config: dict[str, Any] = {
                "architecture": plat.architecture, "os": plat.os, "created": now, "comment": message,
                "config": cfg_obj, "rootfs": {"type": "layers", "diff_ids": [diff]},
                "history": [{"created": now, "comment": message}],
            }
            if plat.variant:
                config["variant"] = plat.variant
            cfg_bytes = canonical_json(config)
            cfg_digest = store.blobs.put(cfg_bytes)
            created.append(cfg_digest)
            mdigest = store.blobs.put(_manifest(cfg_digest, len(cfg_bytes), [
                {"mediaType": OCI_LAYER, "digest": diff, "size": store.blobs.size(diff)}]))
            created.append(mdigest)
            rec = register_image(store, mdigest, tags=(tag,) if tag else ())
    except BaseException:
        _discard_unreferenced(store, created)
        raise
    return rec.id
