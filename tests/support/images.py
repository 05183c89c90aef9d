"""Images as files, built in memory for tests: layer tars, OCI layouts, OCI and docker archives.

Everything is deterministic (sorted entries, fixed mtimes, uid/gid 0, gzip without a timestamp), so
the same call always gives the same digests. Nothing here imports mocker: the files are what
outside tools (docker, skopeo, a registry) would hand to mocker.

Layers::

    tar = make_layer_tar({"etc/motd": b"hi\\n", "bin/sh": Symlink("busybox"), "old": None},
                         opaque=("var/cache",))   # None (or whiteouts=) -> .wh.old
    tar = layer_from_dir(busybox_rootfs)          # a directory tree, as docker would tar it

Images, indexes and where they go::

    amd = build_image([tar], arch="amd64", config={"Cmd": ["/bin/sh"]}, compression="gzip")
    arm = build_image([make_layer_tar({"arch": b"arm64"})], arch="arm64", variant="v8")
    idx = build_index([amd, arm])
    build_oci_archive(path, [amd, arm], index=True, image_name="docker.io/library/multi:latest")
    write_oci_layout(dir, [(idx, {REF_NAME: "multi"})])       # then skopeo copy oci:dir:multi ...
    build_docker_archive(path, [amd], repo_tags=[["busybox:latest"]], style="legacy")

Hostile or odd tars: ``make_tar([TarEntry("../evil", data=b"x"), TarEntry("l", "symlink", linkname="/")])``.
Checks: :func:`tar_members` (name -> bytes of an archive) and :func:`corrupt_blobs` (blobs of a
layout whose content does not match their name).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import platform
import stat
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"

REF_NAME = "org.opencontainers.image.ref.name"
CONTAINERD_NAME = "io.containerd.image.name"

MTIME = 1_700_000_000
CREATED = "2024-01-01T00:00:00Z"

Compression = Literal["none", "gzip", "zstd"]

_OCI_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
             "s390x": "s390x", "ppc64le": "ppc64le", "riscv64": "riscv64", "i686": "386", "i386": "386"}


def host_arch() -> str:
    """This machine's architecture as OCI spells it (``amd64``, ``arm64``, ...)."""
    machine = platform.machine().lower()
    return _OCI_ARCH.get(machine, machine)


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


# ---- tars ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TarEntry:
    """One tar member, as written, with no checks: the way to build hostile archives."""

    name: str
    type: Literal["file", "dir", "symlink", "hardlink", "fifo", "char"] = "file"
    data: bytes = b""
    linkname: str = ""
    mode: int | None = None
    uid: int = 0
    gid: int = 0
    mtime: int = MTIME
    pax: Mapping[str, str] = field(default_factory=dict)  # e.g. {"SCHILY.xattr.user.x": "1"}


_TAR_TYPES = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
              "hardlink": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE, "char": tarfile.CHRTYPE}


def make_tar(entries: Iterable[TarEntry], *, end_blocks: bool = True) -> bytes:
    """A PAX tar of ``entries`` in the given order. ``end_blocks=False`` leaves out the end marker."""
    buf = io.BytesIO()
    tar = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
    for e in entries:
        info = tarfile.TarInfo(e.name)
        info.type = _TAR_TYPES[e.type]
        info.mode = e.mode if e.mode is not None else (0o755 if e.type == "dir" else 0o644)
        info.uid, info.gid, info.mtime = e.uid, e.gid, e.mtime
        info.uname = info.gname = ""
        info.linkname = e.linkname
        if e.pax:
            info.pax_headers = dict(e.pax)
        if e.type == "file":
            info.size = len(e.data)
            tar.addfile(info, io.BytesIO(e.data))
        else:
            tar.addfile(info)
    if end_blocks:
        tar.close()
    return buf.getvalue()  # without close() no end-of-archive blocks were written


@dataclass(frozen=True)
class Symlink:
    target: str


@dataclass(frozen=True)
class Hardlink:
    target: str


@dataclass(frozen=True)
class Dir:
    mode: int = 0o755


@dataclass(frozen=True)
class File:
    data: bytes
    mode: int = 0o644


LayerFile = bytes | str | None | Symlink | Hardlink | Dir | File


def make_layer_tar(
    files: Mapping[str, LayerFile],
    *,
    whiteouts: Iterable[str] = (),
    opaque: Iterable[str] = (),
    mtime: int = MTIME,
) -> bytes:
    """A layer tar. ``files`` maps paths to contents (bytes/str), :class:`File` (with a mode),
    :class:`Symlink`, :class:`Hardlink`, :class:`Dir`, or ``None`` for an OCI whiteout of that
    path; ``whiteouts`` adds more whiteouts, ``opaque`` marks directories opaque (``.wh..wh..opq``).
    Parent directories are added; entries are sorted (parents before children)."""
    members: dict[str, TarEntry] = {}

    def add_parents(path: str) -> None:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            members.setdefault(d + "/", TarEntry(d + "/", "dir", mtime=mtime))

    def whiteout(path: str) -> None:
        head, _, base = path.rstrip("/").rpartition("/")
        name = f"{head}/.wh.{base}" if head else f".wh.{base}"
        add_parents(name)
        members[name] = TarEntry(name, data=b"", mtime=mtime)

    for path, value in files.items():
        path = path.strip("/")
        if value is None:
            whiteout(path)
            continue
        add_parents(path)
        if isinstance(value, Dir):
            members[path + "/"] = TarEntry(path + "/", "dir", mode=value.mode, mtime=mtime)
        elif isinstance(value, Symlink):
            members[path] = TarEntry(path, "symlink", linkname=value.target, mode=0o777, mtime=mtime)
        elif isinstance(value, Hardlink):
            members[path] = TarEntry(path, "hardlink", linkname=value.target.strip("/"), mtime=mtime)
        elif isinstance(value, File):
            members[path] = TarEntry(path, data=value.data, mode=value.mode, mtime=mtime)
        else:
            data = value.encode() if isinstance(value, str) else value
            members[path] = TarEntry(path, data=data, mtime=mtime)
    for path in whiteouts:
        whiteout(path.strip("/"))
    for d in opaque:
        d = d.strip("/")
        add_parents(d + "/.wh..wh..opq")
        members[d + "/.wh..wh..opq"] = TarEntry(d + "/.wh..wh..opq", mtime=mtime)
    # Hard links must come after their targets: they go last, in order.
    ordered = sorted((m for m in members.values() if m.type != "hardlink"), key=lambda m: m.name.rstrip("/"))
    ordered += [m for m in members.values() if m.type == "hardlink"]
    return make_tar(ordered)


def layer_from_dir(root: Path, *, prefix: str = "") -> bytes:
    """A directory tree as a layer tar: sorted, owner 0:0, modes and mtimes kept, symlinks as links."""
    entries: list[TarEntry] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        here = Path(dirpath)
        for name in sorted(dirnames + filenames):
            path = here / name
            rel = prefix + path.relative_to(root).as_posix()
            st = path.lstat()
            mode = stat.S_IMODE(st.st_mode)
            mtime = int(st.st_mtime)
            if stat.S_ISLNK(st.st_mode):
                entries.append(TarEntry(rel, "symlink", linkname=os.readlink(path), mode=mode, mtime=mtime))
            elif stat.S_ISDIR(st.st_mode):
                entries.append(TarEntry(rel + "/", "dir", mode=mode, mtime=mtime))
            elif stat.S_ISREG(st.st_mode):
                entries.append(TarEntry(rel, data=path.read_bytes(), mode=mode, mtime=mtime))
    entries.sort(key=lambda e: e.name.rstrip("/"))
    return make_tar(entries)


def compress(data: bytes, compression: Compression) -> bytes:
    if compression == "none":
        return data
    if compression == "gzip":
        return gzip.compress(data, mtime=0)
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


# ---- images and indexes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Blob:
    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        return sha256(self.data)

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def hex(self) -> str:
        return self.digest.split(":", 1)[1]

    def descriptor(self, **extra: Any) -> dict[str, Any]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": self.size, **extra}


@dataclass(frozen=True)
class Image:
    """One image: ``id`` is the config digest (Docker's image ID), ``digest`` the manifest's."""

    config: Blob
    manifest: Blob
    layers: tuple[Blob, ...]
    layer_tars: tuple[bytes, ...]  # uncompressed, in order
    config_doc: dict[str, Any]
    platform: dict[str, str]

    @property
    def id(self) -> str:
        return self.config.digest

    @property
    def digest(self) -> str:
        return self.manifest.digest

    @property
    def diff_ids(self) -> list[str]:
        return list(self.config_doc["rootfs"]["diff_ids"])

    def blobs(self) -> list[Blob]:
        return [*self.layers, self.config, self.manifest]

    def descriptor(self, annotations: Mapping[str, str] | None = None, *, platform: bool = True) -> dict[str, Any]:
        d = self.manifest.descriptor()
        if platform:
            d["platform"] = dict(self.platform)
        if annotations:
            d["annotations"] = dict(annotations)
        return d


@dataclass(frozen=True)
class Index:
    manifest: Blob
    children: tuple[Image | Index, ...]

    @property
    def digest(self) -> str:
        return self.manifest.digest

    def blobs(self) -> list[Blob]:
        out: list[Blob] = []
        for c in self.children:
            out += c.blobs()
        return [*out, self.manifest]

    def descriptor(self, annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
        d = self.manifest.descriptor()
        if annotations:
            d["annotations"] = dict(annotations)
        return d

    def image_for(self, arch: str) -> Image:
        for c in self.children:
            if isinstance(c, Image) and c.platform["architecture"] == arch:
                return c
        raise KeyError(arch)


def build_image(
    layers: Sequence[bytes],
    *,
    arch: str | None = None,
    os: str = "linux",
    variant: str | None = None,
    config: Mapping[str, Any] | None = None,
    created: str = CREATED,
    history: Sequence[Mapping[str, Any]] | None = None,
    compression: Compression = "none",
    docker_media_types: bool = False,
    annotations: Mapping[str, str] | None = None,
    extra_config: Mapping[str, Any] | None = None,
) -> Image:
    """An image from uncompressed layer tars. ``config`` is the image config's "config" object
    (``Cmd``, ``Env``, ...); ``extra_config`` adds top-level config keys. Media types are OCI, or
    Docker's schema 2 with ``docker_media_types``; layers are compressed as asked."""
    arch = arch or host_arch()
    if docker_media_types:
        layer_type = DOCKER_LAYER_GZIP if compression == "gzip" else DOCKER_LAYER
        if compression == "zstd":
            layer_type = "application/vnd.docker.image.rootfs.diff.tar.zstd"
        config_type, manifest_type = DOCKER_CONFIG, DOCKER_MANIFEST
    else:
        layer_type = {"none": OCI_LAYER, "gzip": OCI_LAYER_GZIP, "zstd": OCI_LAYER_ZSTD}[compression]
        config_type, manifest_type = OCI_CONFIG, OCI_MANIFEST
    layer_blobs = tuple(Blob(layer_type, compress(t, compression)) for t in layers)
    cfg: dict[str, Any] = {
        "architecture": arch, "os": os, "created": created,
        "config": dict(config) if config is not None else {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": [sha256(t) for t in layers]},
        "history": [dict(h) for h in history] if history is not None else [
            {"created": created, "created_by": f"test layer {i}"} for i in range(len(layers))],
    }
    if variant:
        cfg["variant"] = variant
    cfg.update(extra_config or {})
    config_blob = Blob(config_type, canonical(cfg))
    manifest: dict[str, Any] = {"schemaVersion": 2, "mediaType": manifest_type,
                                "config": config_blob.descriptor(),
                                "layers": [b.descriptor() for b in layer_blobs]}
    if annotations:
        manifest["annotations"] = dict(annotations)
    plat = {"architecture": arch, "os": os}
    if variant:
        plat["variant"] = variant
    return Image(config=config_blob, manifest=Blob(manifest_type, canonical(manifest)), layers=layer_blobs,
                 layer_tars=tuple(layers), config_doc=cfg, platform=plat)


def build_index(
    children: Sequence[Image | Index],
    *,
    media_type: str = OCI_INDEX,
    annotations: Mapping[str, str] | None = None,
    child_annotations: Sequence[Mapping[str, str] | None] | None = None,
) -> Index:
    """An image index (``DOCKER_LIST`` for a Docker manifest list) over images (with their platforms)."""
    entries = []
    for i, c in enumerate(children):
        ann = child_annotations[i] if child_annotations else None
        entries.append(c.descriptor(ann) if isinstance(c, Image) else c.descriptor(ann))
    doc: dict[str, Any] = {"schemaVersion": 2, "mediaType": media_type, "manifests": entries}
    if annotations:
        doc["annotations"] = dict(annotations)
    return Index(manifest=Blob(media_type, canonical(doc)), children=tuple(children))


def attestation_for(image: Image) -> tuple[Image, dict[str, str]]:
    """A BuildKit-style attestation manifest for ``image`` and the annotations its index entry needs
    (platform unknown/unknown, ``vnd.docker.reference.type``)."""
    statement = Blob("application/vnd.in-toto+json", canonical({"_type": "https://in-toto.io/Statement/v0.1"}))
    cfg = {"architecture": "unknown", "os": "unknown", "config": {}, "rootfs": {"type": "layers", "diff_ids": [
        statement.digest]}}
    config_blob = Blob(OCI_CONFIG, canonical(cfg))
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config_blob.descriptor(),
                "layers": [statement.descriptor(annotations={"in-toto.io/predicate-type": "https://spdx.dev/Document"})]}
    att = Image(config=config_blob, manifest=Blob(OCI_MANIFEST, canonical(manifest)), layers=(statement,),
                layer_tars=(statement.data,), config_doc=cfg, platform={"architecture": "unknown", "os": "unknown"})
    return att, {"vnd.docker.reference.digest": image.digest, "vnd.docker.reference.type": "attestation-manifest"}


# ---- layouts and archives ------------------------------------------------------------------------

Entry = Image | Index | tuple[Image | Index, Mapping[str, str] | None]


def _entries(entries: Iterable[Entry]) -> list[tuple[Image | Index, Mapping[str, str] | None]]:
    return [e if isinstance(e, tuple) else (e, None) for e in entries]


def oci_layout_files(entries: Iterable[Entry], *, skip_blobs: Iterable[str] = ()) -> dict[str, bytes]:
    """The files of an OCI image layout (archive path -> bytes): ``entries`` are images or indexes,
    optionally with the annotations of their index.json descriptor. ``skip_blobs`` (digests) are
    left out, as a partial multi-platform save leaves out platforms it does not have."""
    skip = set(skip_blobs)
    files: dict[str, bytes] = {"oci-layout": json.dumps({"imageLayoutVersion": "1.0.0"}).encode()}
    manifests = []
    for obj, ann in _entries(entries):
        for b in obj.blobs():
            if b.digest not in skip:
                files[f"blobs/sha256/{b.hex}"] = b.data
        manifests.append(obj.descriptor(ann))
    files["index.json"] = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}).encode()
    return files


def write_oci_layout(dest: Path, entries: Iterable[Entry], *, skip_blobs: Iterable[str] = ()) -> Path:
    """An OCI image layout directory (for ``skopeo copy oci:DIR:REF``, ``umoci``)."""
    for name, data in oci_layout_files(entries, skip_blobs=skip_blobs).items():
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return dest


def write_tar(path: Path, files: Mapping[str, bytes], *, compression: Compression = "none") -> Path:
    """A tar of ``files`` (name -> bytes; directories added), in the given order, maybe compressed."""
    entries: list[TarEntry] = []
    dirs: set[str] = set()
    for name in files:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i]) + "/"
            if d not in dirs:
                dirs.add(d)
                entries.append(TarEntry(d, "dir"))
        entries.append(TarEntry(name, data=files[name]))
    path.write_bytes(compress(make_tar(entries), compression))
    return path


def build_oci_archive(
    path: Path,
    images: Sequence[Image | Index],
    *,
    index: bool = False,
    ref_name: str | None = None,
    image_name: str | None = None,
    annotations: Mapping[str, str] | None = None,
    skip_blobs: Iterable[str] = (),
    compression: Compression = "none",
) -> Path:
    """An OCI-layout tar (what ``skopeo copy ... oci-archive:`` or ``docker save`` (25+) write).

    With ``index=True`` the images go into one image index (a multi-platform image) and index.json
    has that single entry; else each image is its own index.json entry. ``ref_name`` sets
    ``org.opencontainers.image.ref.name`` (skopeo writes a tag or full name, Docker the tag) and
    ``image_name`` containerd's ``io.containerd.image.name`` (a full name, as Docker writes it)."""
    ann: dict[str, str] = dict(annotations or {})
    if ref_name is not None:
        ann[REF_NAME] = ref_name
    if image_name is not None:
        ann[CONTAINERD_NAME] = image_name
    top: list[Image | Index] = [build_index(images)] if index else list(images)
    files = oci_layout_files([(t, ann or None) for t in top], skip_blobs=skip_blobs)
    return write_tar(path, files, compression=compression)


def build_docker_archive(
    path: Path,
    images: Sequence[Image],
    *,
    repo_tags: Sequence[Sequence[str]] | None = None,
    style: Literal["legacy", "v1", "oci"] = "legacy",
    compression: Compression = "none",
) -> Path:
    """A docker-archive (what ``docker save`` writes); layers are written uncompressed.

    ``legacy``: Docker 1.10–24: ``manifest.json``, ``<config>.json``, ``<layer id>/layer.tar``
    (+ ``json``, ``VERSION``) and ``repositories``. ``v1``: before Docker 1.10: no manifest.json,
    each layer directory's ``json`` is a v1 image with a ``parent`` chain. ``oci``: Docker 25+:
    both a docker-archive and an OCI layout, blobs under ``blobs/sha256``."""
    tags = [list(t) for t in repo_tags] if repo_tags is not None else [[] for _ in images]
    files: dict[str, bytes] = {}
    manifest_json: list[dict[str, Any]] = []
    repositories: dict[str, dict[str, str]] = {}
    index_entries: list[dict[str, Any]] = []
    for image, image_tags in zip(images, tags, strict=True):
        layer_paths: list[str] = []
        parent = ""
        v1_id = ""
        for i, tar in enumerate(image.layer_tars):
            diff = sha256(tar)
            if style == "oci":
                name = f"blobs/sha256/{diff.split(':')[1]}"
                files[name] = tar
                layer_paths.append(name)
                continue
            v1_id = hashlib.sha256(f"{parent} {diff}".encode()).hexdigest()
            files[f"{v1_id}/VERSION"] = b"1.0"
            files[f"{v1_id}/layer.tar"] = tar
            v1: dict[str, Any] = {"id": v1_id, "created": image.config_doc.get("created", CREATED),
                                  "container_config": {"Cmd": [f"/bin/sh -c #(nop) layer {i}"]}}
            if parent:
                v1["parent"] = parent
            if i == len(image.layer_tars) - 1:
                top = {k: v for k, v in image.config_doc.items() if k not in ("rootfs", "history")}
                v1 = {**top, **v1}
            files[f"{v1_id}/json"] = json.dumps(v1).encode()
            layer_paths.append(f"{v1_id}/layer.tar")
            parent = v1_id
        if style == "oci":
            files[f"blobs/sha256/{image.config.hex}"] = image.config.data
            manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": image.config.descriptor(),
                        "layers": [Blob(OCI_LAYER, t).descriptor() for t in image.layer_tars]}
            mblob = Blob(OCI_MANIFEST, canonical(manifest))
            files[f"blobs/sha256/{mblob.hex}"] = mblob.data
            for t in image_tags:
                index_entries.append(mblob.descriptor(annotations={
                    CONTAINERD_NAME: _full_name(t), REF_NAME: t.rpartition(":")[2]}))
            if not image_tags:
                index_entries.append(mblob.descriptor())
            config_path = f"blobs/sha256/{image.config.hex}"
        else:
            config_path = f"{image.config.hex}.json"
            if style == "legacy":
                files[config_path] = image.config.data
        top_id = image.config.hex if style != "v1" else v1_id
        for t in image_tags:
            repo, _, tag = t.rpartition(":")
            repositories.setdefault(repo, {})[tag] = top_id
        manifest_json.append({"Config": config_path, "RepoTags": image_tags or None, "Layers": layer_paths})
    if style != "v1":
        files["manifest.json"] = json.dumps(manifest_json).encode()
    if style == "oci":
        files["index.json"] = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                                          "manifests": index_entries}).encode()
        files["oci-layout"] = json.dumps({"imageLayoutVersion": "1.0.0"}).encode()
    if repositories:
        files["repositories"] = json.dumps(repositories).encode()
    return write_tar(path, files, compression=compression)


def _full_name(tag: str) -> str:
    """``busybox:latest`` -> ``docker.io/library/busybox:latest`` (enough for test names)."""
    name = tag
    first = name.split("/", 1)[0]
    if "/" not in name or ("." not in first and ":" not in first and first != "localhost"):
        name = f"docker.io/{name}" if "/" in name else f"docker.io/library/{name}"
    return name


# ---- checks --------------------------------------------------------------------------------------


def tar_members(path: Path) -> dict[str, bytes]:
    """Name -> content of every regular file in a (maybe compressed) tar; links resolved by tarfile."""
    out: dict[str, bytes] = {}
    with tarfile.open(path, "r:*") as tar:
        for m in tar.getmembers():
            if m.isfile() or m.issym() or m.islnk():
                f = tar.extractfile(m)
                if f is not None:
                    out[m.name.removeprefix("./")] = f.read()
    return out


def corrupt_blobs(layout: Path) -> list[str]:
    """Blob files under ``layout/blobs/sha256`` whose sha256 is not their name (expect ``[]``)."""
    bad = []
    blobs = layout / "blobs" / "sha256"
    if blobs.is_dir():
        for p in sorted(blobs.iterdir()):
            h = hashlib.sha256()
            with p.open("rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
            if h.hexdigest() != p.name:
                bad.append(p.name)
    return bad
