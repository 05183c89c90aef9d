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

import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from mocker.engine.archive_files import (  # noqa: F401
    _CHUNK,
    _MAX_LINK_HOPS,
    CONTAINERD_NAME,
    REFERENCE_TYPE,
    ArchiveFiles,
    _blob_path,
    _clean,
)
from mocker.engine.archive_save import save  # noqa: F401 - re-exported: the CLI imports it from here
from mocker.engine.images import register_image, register_index
from mocker.errors import (
    DigestMismatch,
    InvalidArgument,
    MockerError,
    StoreError,
)
from mocker.image.manifest import (
    OCI_CONFIG,
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
from mocker.store.locks import try_file_lock
from mocker.store.store import Store

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
        report = None
        try:
            with store.lock(shared=True):
                if files.has("index.json"):
                    report = loader.oci()
                elif files.has("manifest.json"):
                    report = loader.docker()
                elif files.has("repositories"):
                    report = loader.legacy()
        except BaseException:
            _discard_unreferenced(store, loader.created)
            raise
        if report is not None:
            from mocker.engine.events import record

            for name in report.tags + report.untagged_ids:
                record(store, "image", "load", name, {"name": name})
            return report
    raise InvalidArgument("invalid archive: no manifest.json or index.json found (not a docker or OCI image archive)")


def _discard_unreferenced(store: Store, digests: list[str]) -> None:
    """Remove blobs a failed load or import added that no image uses; else ``image prune`` will."""
    from mocker.engine.image_remove import referenced_content

    if not digests:
        return
    try:
        with try_file_lock(store.paths.lock) as free:
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
    from mocker.engine.events import record

    record(store, "image", "import", rec.id, {"name": rec.id})
    return rec.id
