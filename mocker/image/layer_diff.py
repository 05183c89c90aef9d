"""Write layers: a directory (or the changes in it, or an overlayfs upper dir) as a reproducible tar.

The same tree must give the same bytes, so the digest can name the layer and a build cache can hit:
entries go depth-first with siblings in byte order (Go's ``filepath.Walk``, what Docker writes),
names are relative without ``./``, uname/gname stay empty (Docker's ``FileInfoHeaderNoLookups``),
mtimes are whole seconds (or one fixed value), the archive ends with the two zero blocks and no
record padding (so an empty layer has Docker's well-known diff_id ``sha256:5f70bf18...``), and the
compressor header carries no time or name.

The tree is walked through directory fds with ``O_NOFOLLOW``, so a symlink in the source (an upper
dir of a container that is still running, say) is archived as a link and never read through.
"""

from __future__ import annotations

import contextlib
import enum
import os
import stat
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mocker.errors import InvalidArgument, StoreError
from mocker.image.compression import Compression, HashingWriter, compressing_writer, media_type_for
from mocker.image.layer_unpack import WHITEOUT_OPAQUE, WHITEOUT_PREFIX, clean_name

_BLOCK = tarfile.BLOCKSIZE
_CHUNK = 1 << 20
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# Host-specific or overlayfs-internal xattrs are not image content.
_SKIPPED_XATTRS = ("security.selinux", "system.", "trusted.overlay.", "user.overlay.")
_OPAQUE_XATTRS = ("trusted.overlay.opaque", "user.overlay.opaque")
_XATTR_WHITEOUTS = ("trusted.overlay.whiteout", "user.overlay.whiteout")
# Upper dirs that need their lower layers to be understood: not diffable on their own.
_UNSUPPORTED_XATTRS = (
    "trusted.overlay.redirect",
    "user.overlay.redirect",
    "trusted.overlay.metacopy",
    "user.overlay.metacopy",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerInfo:
    """A written layer: ``diff_id``/``diff_size`` of the tar, ``digest``/``size`` of the blob."""

    diff_id: str
    diff_size: int
    digest: str
    size: int
    media_type: str


class ChangeKind(enum.StrEnum):
    ADD = "A"
    MODIFY = "C"
    DELETE = "D"


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One path that differs from the parent layer (the letters are ``docker diff``'s)."""

    path: str
    kind: ChangeKind


def create_layer(
    source_dir: Path,
    out: BinaryIO,
    *,
    changes: Iterable[Change] | None = None,
    mtime: int | None = None,
    compression: Compression = Compression.GZIP,
) -> LayerInfo:
    """Archive ``source_dir`` into ``out``, reproducibly.

    With ``changes``, only those paths are written (each one alone, not its subtree), deletions as
    ``.wh.`` whiteouts — moby's ``ExportChanges``. ``mtime`` replaces every timestamp, so two
    builds of the same content give the same digest whatever the clock said.
    """
    with _archiving(source_dir), _LayerWriter(out, compression=compression, mtime=mtime) as writer:
        root_fd = os.open(source_dir, _DIR_FLAGS)
        try:
            if changes is None:
                writer.add_tree(root_fd, overlay=False)
            else:
                writer.add_changes(root_fd, changes)
        finally:
            os.close(root_fd)
    return writer.info


def diff_upper(
    upper_dir: Path,
    out: BinaryIO,
    *,
    mtime: int | None = None,
    compression: Compression = Compression.GZIP,
) -> LayerInfo:
    """Archive an overlayfs upper dir as an OCI layer: what a container changed, for ``commit``.

    A character device 0/0 (or an empty file with an ``overlay.whiteout`` xattr) becomes a
    ``.wh.<name>`` entry and a directory with ``overlay.opaque=y`` gets a ``.wh..wh..opq`` entry
    after its own, as moby's overlay whiteout converter writes them. An upper dir using
    ``redirect_dir`` or ``metacopy`` refers to its lower layers and is refused with ``StoreError``:
    mount with ``redirect_dir=off,metacopy=off``.
    """
    with _archiving(upper_dir), _LayerWriter(out, compression=compression, mtime=mtime) as writer:
        root_fd = os.open(upper_dir, _DIR_FLAGS)
        try:
            writer.add_tree(root_fd, overlay=True)
        finally:
            os.close(root_fd)
    return writer.info


@contextlib.contextmanager
def _archiving(source: Path) -> Iterator[None]:
    """Filesystem errors while reading the source are store errors, with the source named."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or source
        raise StoreError(f"cannot archive {source}: {exc.strerror or exc} ({where})") from exc


class _LayerWriter:
    """tar headers and data → diff_id hasher → compressor → digest hasher → ``out``."""

    def __init__(self, out: BinaryIO, *, compression: Compression, mtime: int | None) -> None:
        self.compression = compression
        self.media_type = media_type_for(compression)
        self.mtime = mtime
        self.blob = HashingWriter(out)
        self.compressor = compressing_writer(compression, self.blob)
        self.tar = HashingWriter(self.compressor)
        self.links: dict[tuple[int, int], str] = {}  # (dev, ino) → first name, for hardlinks
        self.info: LayerInfo

    def __enter__(self) -> _LayerWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            return
        self.tar.write(b"\0" * (2 * _BLOCK))
        self.compressor.close()
        self.info = LayerInfo(
            diff_id=self.tar.digest,
            diff_size=self.tar.size,
            digest=self.blob.digest,
            size=self.blob.size,
            media_type=self.media_type,
        )

    # -- sources ---------------------------------------------------------------------------------

    def add_tree(self, root_fd: int, *, overlay: bool) -> None:
        for pfd, rel, name, st in _walk(root_fd, ()):
            self.add_entry(pfd, rel, name, st, overlay=overlay)

    def add_changes(self, root_fd: int, changes: Iterable[Change]) -> None:
        keyed = []
        for change in changes:
            parts = clean_name(change.path, what="change path")
            if not parts:
                raise InvalidArgument(f"invalid change path: {change.path!r}")
            keyed.append((tuple(os.fsencode(p) for p in parts), parts, change.kind))
        keyed.sort(key=lambda k: k[0])  # depth-first, parents before children
        for _, parts, kind in keyed:
            if kind is ChangeKind.DELETE:
                whiteout = "/".join((*parts[:-1], WHITEOUT_PREFIX + parts[-1]))
                self.add_whiteout(whiteout, uid=0, gid=0, mtime=0)
                continue
            pfd = _open_real_dir(root_fd, parts[:-1])
            try:
                st = os.stat(parts[-1], dir_fd=pfd, follow_symlinks=False)
                self.add_entry(pfd, parts[:-1], parts[-1], st, overlay=False)
            except FileNotFoundError:
                missing = "/".join(parts)
                raise StoreError(f"changed path is missing from the layer source: {missing}") from None
            finally:
                os.close(pfd)

    # -- entries ---------------------------------------------------------------------------------

    def add_entry(
        self, pfd: int, rel: tuple[str, ...], name: str, st: os.stat_result, *, overlay: bool
    ) -> None:
        path = "/".join((*rel, name))
        mode = st.st_mode
        proc = f"/proc/self/fd/{pfd}/{name}"
        xattrs = _read_xattrs(proc)
        if overlay:
            for key in _UNSUPPORTED_XATTRS:
                if key in xattrs:
                    feature = key.rsplit(".", 1)[1]
                    raise StoreError(f"cannot diff {path}: the upper dir uses overlay {feature}")
            is_whiteout = (stat.S_ISCHR(mode) and st.st_rdev == 0) or (
                stat.S_ISREG(mode) and st.st_size == 0 and any(k in xattrs for k in _XATTR_WHITEOUTS)
            )
            if is_whiteout:
                whiteout = "/".join((*rel, WHITEOUT_PREFIX + name))
                self.add_whiteout(whiteout, uid=st.st_uid, gid=st.st_gid, mtime=int(st.st_mtime))
                return
        info = tarfile.TarInfo(path)
        info.mode = stat.S_IMODE(mode)
        info.uid, info.gid = st.st_uid, st.st_gid
        info.uname = info.gname = ""
        info.mtime = self.mtime if self.mtime is not None else int(st.st_mtime)
        info.pax_headers = {
            f"SCHILY.xattr.{key}": value.decode("utf-8", "surrogateescape")
            for key, value in sorted(xattrs.items())
            if not key.startswith(_SKIPPED_XATTRS)
        }
        data_fd = -1
        if stat.S_ISREG(mode):
            first = self.links.get((st.st_dev, st.st_ino)) if st.st_nlink > 1 else None
            if first is not None:
                info.type, info.linkname = tarfile.LNKTYPE, first
            else:
                if st.st_nlink > 1:
                    self.links[(st.st_dev, st.st_ino)] = path
                info.type, info.size = tarfile.REGTYPE, st.st_size
                data_fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=pfd)
        elif stat.S_ISDIR(mode):
            info.type = tarfile.DIRTYPE
        elif stat.S_ISLNK(mode):
            info.type, info.linkname = tarfile.SYMTYPE, os.readlink(name, dir_fd=pfd)
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            info.type = tarfile.CHRTYPE if stat.S_ISCHR(mode) else tarfile.BLKTYPE
            info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
        elif stat.S_ISFIFO(mode):
            info.type = tarfile.FIFOTYPE
        else:
            return  # sockets: tar cannot carry them, and Docker drops them too
        self.write_header(info)
        if data_fd >= 0:
            try:
                self.copy_data(data_fd, info.size, path)
            finally:
                os.close(data_fd)
        if overlay and stat.S_ISDIR(mode) and any(xattrs.get(k) == b"y" for k in _OPAQUE_XATTRS):
            marker = tarfile.TarInfo(f"{path}/{WHITEOUT_OPAQUE}")
            marker.mode, marker.uid, marker.gid = info.mode & 0o777, info.uid, info.gid
            marker.uname = marker.gname = ""
            marker.mtime = info.mtime
            self.write_header(marker)

    def add_whiteout(self, path: str, *, uid: int, gid: int, mtime: int) -> None:
        info = tarfile.TarInfo(path)
        info.mode, info.uid, info.gid = 0o600, uid, gid
        info.uname = info.gname = ""
        info.mtime = self.mtime if self.mtime is not None else mtime
        self.write_header(info)

    def write_header(self, info: tarfile.TarInfo) -> None:
        self.tar.write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))

    def copy_data(self, fd: int, size: int, path: str) -> None:
        remaining = size
        while remaining > 0:
            chunk = os.read(fd, min(_CHUNK, remaining))
            if not chunk:
                raise StoreError(f"{path} shrank while it was archived")
            self.tar.write(chunk)
            remaining -= len(chunk)
        padding = -size % _BLOCK
        if padding:
            self.tar.write(b"\0" * padding)


def _walk(dir_fd: int, rel: tuple[str, ...]) -> Iterator[tuple[int, tuple[str, ...], str, os.stat_result]]:
    """Yield ``(parent fd, parent path, name, lstat)`` depth-first, siblings in byte order."""
    with os.scandir(dir_fd) as it:
        names = sorted((entry.name for entry in it), key=os.fsencode)
    for name in names:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        yield dir_fd, rel, name, st
        if stat.S_ISDIR(st.st_mode):
            child = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
            try:
                yield from _walk(child, (*rel, name))
            finally:
                os.close(child)


def _open_real_dir(root_fd: int, parts: tuple[str, ...]) -> int:
    """Open a directory below the root through real directories only."""
    fd = os.dup(root_fd)
    for comp in parts:
        try:
            nfd = os.open(comp, _DIR_FLAGS, dir_fd=fd)
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"changed path is not below a directory: {'/'.join(parts)}") from exc
        os.close(fd)
        fd = nfd
    return fd


def _read_xattrs(path: str) -> dict[str, bytes]:
    """xattrs of ``path``'s last component (not followed); none on filesystems without them."""
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    found = {}
    for name in names:
        try:
            value = os.getxattr(path, name, follow_symlinks=False)
        except OSError:
            continue  # vanished, or not readable by us: nothing to archive
        if name == "security.capability":
            value = _capability_v2(value)
        found[name] = value
    return found


def _capability_v2(value: bytes) -> bytes:
    """VFS_CAP_REVISION_3 names a root uid of the builder's user namespace; store revision 2.

    Same conversion as moby's ``ReadSecurityXattrToTarHeader``.
    """
    if len(value) >= 24 and value[3] == 3:
        return value[:3] + b"\x02" + value[4:20]
    return value
