"""Unpack one layer tar onto a directory, without ever writing outside it.

Two modes, because a layer is used two ways:

``overlay`` (the default)
    The caller gives each layer its own fresh directory (``layers/<chainID>/diff``) and stacks them
    with overlayfs, so a deletion must be *represented*, not done: ``.wh.name`` becomes a character
    device 0/0 called ``name`` and ``.wh..wh..opq`` becomes ``trusted.overlay.opaque=y`` on its
    directory — what moby's overlay2 driver writes.
``apply``
    Layers are applied in order onto one directory (flattening, ``export``): whiteouts delete from
    the target, an opaque marker empties its directory of everything this layer did not write —
    moby's ``archive.UnpackLayer``.

Path safety. The tar comes from a registry, i.e. from anyone. Every name is cleaned lexically
first (a leading ``/`` is dropped, as Docker does: ``/etc/x`` is ``etc/x``); a ``..`` that climbs
above the root is refused with ``UnsafeArchiveEntry`` — stricter than Docker for ``/../x``, which
Go's ``Clean`` would quietly map to ``x``, and no real layer contains that. The parent directories
of an entry are then opened one component at a time with ``O_NOFOLLOW`` relative to the previous
directory's fd; a symlink met on the way is resolved *inside* the target the way
``symlink.FollowSymlinkInScope`` (moby) / ``fs.RootPath`` (containerd) do, absolute links from the
target's root and ``..`` stopping at it, so ``link -> /etc`` then ``link/passwd`` writes
``<target>/etc/passwd`` — what Docker's chrooted untar does too. The final component is never
followed (files are created with ``O_CREAT|O_EXCL|O_NOFOLLOW`` after whatever was there is
removed), so no write goes through a symlink. Hardlink names are cleaned and resolved the same
way; one that climbs out is refused, like moby's "invalid hardlink" breakout check, and an absolute
one is relative to the target root. Symlink *targets* are stored as they are: they are harmless
until followed, and nothing here follows them outside the target.

The diff_id is the sha256 of the whole uncompressed stream, read to EOF. Python's ``tarfile``
treats a damaged header as the end of the archive, so a caller must compare the diff_id with the
image config's ``rootfs.diff_ids`` before trusting the unpacked tree.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal, cast

from mocker.errors import InvalidArgument, MockerError, StoreError, UnsafeArchiveEntry
from mocker.image.compression import HashingReader

WHITEOUT_PREFIX = ".wh."
WHITEOUT_META_PREFIX = ".wh..wh."
WHITEOUT_OPAQUE = ".wh..wh..opq"
OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque"

UnpackMode = Literal["overlay", "apply"]

_XATTR_PREFIX = "SCHILY.xattr."
# overlayfs metadata must only come from whiteout translation: a layer that carried, say,
# trusted.overlay.redirect could make overlayfs show a directory the image never contained.
_FORBIDDEN_XATTRS = ("trusted.overlay.", "user.overlay.")
_MAX_SYMLINK_HOPS = 255  # the limit FollowSymlinkInScope uses
_CHUNK = 1 << 20
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True, slots=True, kw_only=True)
class UnpackResult:
    """What one ``unpack_layer`` did; ``diff_id``/``size`` describe the uncompressed tar stream."""

    diff_id: str
    size: int
    files: int = 0
    dirs: int = 0
    symlinks: int = 0
    hardlinks: int = 0
    devices: int = 0  # character and block devices
    fifos: int = 0
    whiteouts: int = 0
    opaques: int = 0
    skipped: int = 0  # entries not created (device nodes without CAP_MKNOD, aufs metadata)
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class _Counts:
    files: int = 0
    dirs: int = 0
    symlinks: int = 0
    hardlinks: int = 0
    devices: int = 0
    fifos: int = 0
    whiteouts: int = 0
    opaques: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)


def clean_name(name: str, *, what: str = "path") -> tuple[str, ...]:
    """Components of a tar name relative to the root; ``UnsafeArchiveEntry`` if ``..`` escapes it."""
    if "\0" in name:
        raise InvalidArgument(f"invalid {what} in layer: {name!r}")
    parts: list[str] = []
    for comp in name.split("/"):
        if comp in ("", "."):
            continue
        if comp == "..":
            if not parts:
                raise UnsafeArchiveEntry(f"unsafe {what} in layer: {name}")
            parts.pop()
        else:
            parts.append(comp)
    return tuple(parts)


def unpack_layer(
    stream: BinaryIO,
    target: Path,
    *,
    mode: UnpackMode = "overlay",
    preserve_owner: bool | None = None,
) -> UnpackResult:
    """Unpack the uncompressed layer tar ``stream`` onto ``target`` (created if missing).

    ``preserve_owner`` (default: when running as root) applies the tar's numeric uid/gid; without
    it everything belongs to the caller. Device nodes that cannot be created (EPERM, no CAP_MKNOD)
    are skipped with a warning; an overlay whiteout that cannot be created is an error, since
    dropping it would resurrect deleted files.
    """
    if mode not in ("overlay", "apply"):
        raise InvalidArgument(f"unknown unpack mode: {mode}")
    if preserve_owner is None:
        preserve_owner = os.geteuid() == 0
    target.mkdir(parents=True, exist_ok=True)
    hashing = HashingReader(stream)
    root_fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        unpacker = _Unpacker(root_fd, mode=mode, preserve_owner=preserve_owner)
        try:
            tar = tarfile.open(
                fileobj=cast(BinaryIO, hashing), mode="r|", encoding="utf-8", errors="surrogateescape",
                bufsize=_CHUNK,
            )
        except tarfile.ReadError as exc:
            if hashing.size:
                raise InvalidArgument(f"invalid layer tar: {exc}") from exc
            tar = None  # an empty stream is an empty layer, as Go's tar reader sees it
        if tar is not None:
            with tar:
                unpacker.run(tar)
        unpacker.finish()
    finally:
        os.close(root_fd)
    hashing.drain()
    counts = unpacker.counts
    return UnpackResult(
        diff_id=hashing.digest,
        size=hashing.size,
        files=counts.files,
        dirs=counts.dirs,
        symlinks=counts.symlinks,
        hardlinks=counts.hardlinks,
        devices=counts.devices,
        fifos=counts.fifos,
        whiteouts=counts.whiteouts,
        opaques=counts.opaques,
        skipped=counts.skipped,
        warnings=tuple(counts.warnings),
    )


@dataclass(slots=True)
class _Dir:
    """An open directory inside the target and its real (symlink-free) path from the root."""

    fd: int
    path: tuple[str, ...]


class _Unpacker:
    def __init__(self, root_fd: int, *, mode: UnpackMode, preserve_owner: bool) -> None:
        self.root_fd = root_fd
        self.mode = mode
        self.preserve_owner = preserve_owner
        self.counts = _Counts()
        # Directory modes/mtimes are applied last: creating children would change the mtime, and a
        # read-only directory would stop an unprivileged caller from creating them.
        self.dir_meta: dict[tuple[str, ...], tuple[int, int | None]] = {}
        # In apply mode, every real path this layer wrote (and its ancestors): an opaque marker
        # must spare them (moby's unpackedPaths).
        self.written: set[tuple[str, ...]] = set()

    # -- the loop --------------------------------------------------------------------------------

    def run(self, tar: tarfile.TarFile) -> None:
        while True:
            try:
                member = tar.next()
            except tarfile.TarError as exc:
                raise InvalidArgument(f"invalid layer tar: {exc}") from exc
            if member is None:
                return
            # Stream mode would otherwise keep every header of a huge layer in memory.
            tar.members.clear()  # type: ignore[attr-defined]
            try:
                self.entry(tar, member)
            except MockerError:
                raise
            except tarfile.TarError as exc:
                raise InvalidArgument(f"invalid layer tar at {member.name}: {exc}") from exc
            except ValueError as exc:  # e.g. an embedded NUL in a link name
                raise InvalidArgument(f"invalid entry in layer: {member.name}: {exc}") from exc
            except OSError as exc:
                raise StoreError(f"failed to unpack {member.name}: {exc.strerror or exc}") from exc

    def entry(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        parts = clean_name(member.name)
        base = parts[-1] if parts else ""
        if base.startswith(WHITEOUT_PREFIX):
            self.whiteout(member, parts)
            return
        if not parts:
            if not member.isdir():
                raise UnsafeArchiveEntry(f"unsafe path in layer: {member.name} (replaces the root)")
            self.root_dir(member)
            return
        parent = self.open_dir(parts[:-1], create=True, name=member.name)
        assert parent is not None  # create=True never answers None
        try:
            self.create(tar, member, parent, base)
        finally:
            os.close(parent.fd)
        if self.mode == "apply":
            path = (*parent.path, base)
            self.written.update(path[:i] for i in range(1, len(path) + 1))

    # -- resolution inside the target ------------------------------------------------------------

    def open_dir(self, parts: tuple[str, ...], *, create: bool, name: str) -> _Dir | None:
        """Open the directory ``parts`` names, following symlinks only within the target.

        Missing directories are created (0755, as Docker's MkdirAll) when ``create``; otherwise a
        missing one, or a non-directory on the way, answers ``None``.
        """
        stack = [_Dir(os.dup(self.root_fd), ())]
        pending = list(reversed(parts))
        hops = 0
        try:
            while pending:
                comp = pending.pop()
                if comp in ("", "."):
                    continue
                if comp == "..":
                    if len(stack) > 1:
                        os.close(stack.pop().fd)
                    continue
                cur = stack[-1]
                try:
                    fd = os.open(comp, _DIR_FLAGS, dir_fd=cur.fd)
                except FileNotFoundError:
                    if not create:
                        return None
                    try:
                        os.mkdir(comp, 0o755, dir_fd=cur.fd)
                    except FileExistsError:
                        pass  # raced with someone: look again at what is there now
                    else:
                        fd = os.open(comp, _DIR_FLAGS, dir_fd=cur.fd)
                        os.fchmod(fd, 0o755)  # not the umask's idea of it
                        stack.append(_Dir(fd, (*cur.path, comp)))
                        continue
                    pending.append(comp)
                    continue
                except OSError as exc:
                    if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
                        raise
                    fd = -1
                if fd >= 0:
                    stack.append(_Dir(fd, (*cur.path, comp)))
                    continue
                # Not a directory: a symlink to resolve in scope, or a file in the way.
                st = os.stat(comp, dir_fd=cur.fd, follow_symlinks=False)
                if not stat.S_ISLNK(st.st_mode):
                    if not create:
                        return None
                    where = "/".join((*cur.path, comp))
                    raise InvalidArgument(f"cannot unpack {name}: {where} is not a directory")
                hops += 1
                if hops > _MAX_SYMLINK_HOPS:
                    raise InvalidArgument(f"cannot unpack {name}: too many levels of symbolic links")
                link = os.readlink(comp, dir_fd=cur.fd)
                if link.startswith("/"):
                    while len(stack) > 1:
                        os.close(stack.pop().fd)
                pending.extend(reversed(link.split("/")))
            result = stack.pop()
            return result
        finally:
            for d in stack:
                os.close(d.fd)

    # -- entries ---------------------------------------------------------------------------------

    def create(self, tar: tarfile.TarFile, member: tarfile.TarInfo, parent: _Dir, base: str) -> None:
        pfd = parent.fd
        if member.isdir():
            if not _clear(pfd, base, keep_dir=True):
                os.mkdir(base, 0o700, dir_fd=pfd)
            fd = os.open(base, _DIR_FLAGS, dir_fd=pfd)
            try:
                self.meta_fd(fd, member, is_dir=True)
            finally:
                os.close(fd)
            self.dir_meta[(*parent.path, base)] = (member.mode & 0o7777, _mtime_ns(member))
            self.counts.dirs += 1
        elif member.isreg():
            _clear(pfd, base, keep_dir=False)
            fd = os.open(
                base, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=pfd
            )
            try:
                self.copy_data(tar, member, fd)
                self.meta_fd(fd, member, is_dir=False)
                self.set_mtime(member, fd=fd)
            finally:
                os.close(fd)
            self.counts.files += 1
        elif member.issym():
            _clear(pfd, base, keep_dir=False)
            os.symlink(member.linkname, base, dir_fd=pfd)
            self.meta_at(pfd, base, member, chmod=False)
            self.counts.symlinks += 1
        elif member.islnk():
            self.hardlink(member, pfd, base)
        elif member.ischr() or member.isblk() or member.isfifo():
            self.special(member, pfd, base)
        else:
            raise InvalidArgument(f"unhandled tar header type {member.type!r} for {member.name}")

    def hardlink(self, member: tarfile.TarInfo, pfd: int, base: str) -> None:
        lparts = clean_name(member.linkname, what="hardlink")
        if not lparts:
            raise UnsafeArchiveEntry(f"unsafe hardlink in layer: {member.name} -> {member.linkname}")
        src = self.open_dir(lparts[:-1], create=False, name=member.name)
        if src is None:
            raise InvalidArgument(f"hardlink target of {member.name} not found: {member.linkname}")
        try:
            try:
                src_st = os.stat(lparts[-1], dir_fd=src.fd, follow_symlinks=False)
            except FileNotFoundError:
                raise InvalidArgument(
                    f"hardlink target of {member.name} not found: {member.linkname}"
                ) from None
            if stat.S_ISDIR(src_st.st_mode):
                raise InvalidArgument(f"hardlink to a directory: {member.name} -> {member.linkname}")
            try:
                dst_st: os.stat_result | None = os.stat(base, dir_fd=pfd, follow_symlinks=False)
            except FileNotFoundError:
                dst_st = None
            if dst_st is None or (dst_st.st_dev, dst_st.st_ino) != (src_st.st_dev, src_st.st_ino):
                _clear(pfd, base, keep_dir=False)
                os.link(lparts[-1], base, src_dir_fd=src.fd, dst_dir_fd=pfd, follow_symlinks=False)
        finally:
            os.close(src.fd)
        # The inode keeps the metadata of the entry that created it (as GNU tar does). moby and
        # containerd re-apply the link header's, but its chown would clear the setuid bits and the
        # security.capability of the shared inode whenever the link header does not repeat them.
        self.counts.hardlinks += 1

    def special(self, member: tarfile.TarInfo, pfd: int, base: str) -> None:
        _clear(pfd, base, keep_dir=False)
        if member.isfifo():
            os.mkfifo(base, 0o600, dir_fd=pfd)
            self.counts.fifos += 1
        else:
            kind = stat.S_IFCHR if member.ischr() else stat.S_IFBLK
            try:
                os.mknod(base, kind | 0o600, os.makedev(member.devmajor, member.devminor), dir_fd=pfd)
            except PermissionError as exc:
                self.counts.skipped += 1
                self.counts.warnings.append(f"skipped device {member.name}: {exc.strerror}")
                return
            self.counts.devices += 1
        self.meta_at(pfd, base, member, chmod=True)

    def root_dir(self, member: tarfile.TarInfo) -> None:
        fd = os.dup(self.root_fd)
        try:
            self.meta_fd(fd, member, is_dir=True)
        finally:
            os.close(fd)
        self.dir_meta[()] = (member.mode & 0o7777, _mtime_ns(member))
        self.counts.dirs += 1

    # -- whiteouts -------------------------------------------------------------------------------

    def whiteout(self, member: tarfile.TarInfo, parts: tuple[str, ...]) -> None:
        base = parts[-1]
        if base == WHITEOUT_OPAQUE:
            self.opaque(member, parts[:-1])
            return
        if base.startswith(WHITEOUT_META_PREFIX):
            # aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): never part of the image's content.
            self.counts.skipped += 1
            self.counts.warnings.append(f"skipped aufs metadata {member.name}")
            return
        victim = base[len(WHITEOUT_PREFIX) :]
        if victim in ("", ".", ".."):
            raise UnsafeArchiveEntry(f"unsafe whiteout in layer: {member.name}")
        overlay = self.mode == "overlay"
        parent = self.open_dir(parts[:-1], create=overlay, name=member.name)
        if parent is None:
            self.counts.whiteouts += 1  # nothing below to delete
            return
        try:
            _clear(parent.fd, victim, keep_dir=False)
            if overlay:
                try:
                    os.mknod(victim, stat.S_IFCHR, os.makedev(0, 0), dir_fd=parent.fd)
                except PermissionError as exc:
                    raise StoreError(
                        f"cannot create overlay whiteout for {member.name}: {exc.strerror}"
                    ) from exc
                if self.preserve_owner:
                    os.chown(victim, member.uid, member.gid, dir_fd=parent.fd, follow_symlinks=False)
        finally:
            os.close(parent.fd)
        self.counts.whiteouts += 1

    def opaque(self, member: tarfile.TarInfo, dir_parts: tuple[str, ...]) -> None:
        overlay = self.mode == "overlay"
        d = self.open_dir(dir_parts, create=overlay, name=member.name)
        if d is None:
            self.counts.opaques += 1
            return
        try:
            if overlay:
                try:
                    os.setxattr(d.fd, OVERLAY_OPAQUE_XATTR, b"y")
                except OSError as exc:
                    raise StoreError(f"cannot mark {member.name} opaque: {exc.strerror}") from exc
            else:
                self.clear_unwritten(d)
        finally:
            os.close(d.fd)
        self.counts.opaques += 1

    def clear_unwritten(self, d: _Dir) -> None:
        """Remove everything below ``d`` that this layer did not write itself."""
        for name in os.listdir(d.fd):
            path = (*d.path, name)
            if path not in self.written:
                _clear(d.fd, name, keep_dir=False)
                continue
            try:
                fd = os.open(name, _DIR_FLAGS, dir_fd=d.fd)
            except NotADirectoryError:
                continue
            try:
                self.clear_unwritten(_Dir(fd, path))
            finally:
                os.close(fd)

    # -- content and metadata --------------------------------------------------------------------

    def copy_data(self, tar: tarfile.TarFile, member: tarfile.TarInfo, fd: int) -> None:
        src = tar.extractfile(member)
        if src is None:
            return
        remaining = member.size
        while remaining > 0:
            chunk = src.read(min(_CHUNK, remaining))
            if not chunk:
                raise InvalidArgument(f"unexpected end of layer data in {member.name}")
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view) :]
            remaining -= len(chunk)

    def meta_fd(self, fd: int, member: tarfile.TarInfo, *, is_dir: bool) -> None:
        """Owner, xattrs, then mode (chown clears setuid bits and capabilities, so it goes first)."""
        if self.preserve_owner:
            os.fchown(fd, member.uid, member.gid)
        self.set_xattrs(member, fd)
        mode = member.mode & 0o7777
        if is_dir and os.geteuid() != 0:
            mode |= 0o700  # keep it writable until finish() sets the real mode
        os.fchmod(fd, mode)

    def meta_at(self, pfd: int, base: str, member: tarfile.TarInfo, *, chmod: bool) -> None:
        """Metadata for a non-regular entry, addressed by name in its parent and never followed."""
        if self.preserve_owner:
            os.chown(base, member.uid, member.gid, dir_fd=pfd, follow_symlinks=False)
        # lsetxattr has no *at() form; the fd's /proc link reaches the parent without a path lookup.
        self.set_xattrs(member, f"/proc/self/fd/{pfd}/{base}")
        if chmod:
            # The name was just created (or linked) by us and is not a symlink; fchmodat cannot
            # be told not to follow on Linux.
            os.chmod(base, member.mode & 0o7777, dir_fd=pfd)
        self.set_mtime(member, pfd=pfd, base=base)

    def set_xattrs(self, member: tarfile.TarInfo, where: int | str) -> None:
        """PAX ``SCHILY.xattr.*`` records onto an fd, or a path whose last component is not followed."""
        for key, text in member.pax_headers.items():
            if not key.startswith(_XATTR_PREFIX):
                continue
            name = key[len(_XATTR_PREFIX) :]
            if name.startswith(_FORBIDDEN_XATTRS):
                self.counts.warnings.append(f"ignored xattr {name} on {member.name}")
                continue
            # tarfile decodes binary values (security.capability) with surrogateescape.
            value = text.encode("utf-8", "surrogateescape")
            try:
                if isinstance(where, int):
                    os.setxattr(where, name, value)
                else:
                    os.setxattr(where, name, value, follow_symlinks=False)
            except OSError as exc:
                # As moby's best-effort xattrs: a filesystem without them, or a user namespace that
                # may not set them, loses the xattr and says so.
                if exc.errno not in (errno.ENOTSUP, errno.EPERM):
                    raise
                self.counts.warnings.append(f"could not set xattr {name} on {member.name}: {exc.strerror}")

    def set_mtime(
        self, member: tarfile.TarInfo, *, fd: int | None = None, pfd: int | None = None, base: str = ""
    ) -> None:
        ns = _mtime_ns(member)
        if ns is None:
            return
        if fd is not None:
            os.utime(fd, ns=(ns, ns))
        else:
            os.utime(base, ns=(ns, ns), dir_fd=pfd, follow_symlinks=False)

    # -- last pass -------------------------------------------------------------------------------

    def finish(self) -> None:
        """Directory modes and mtimes, deepest first, on directories that are still there."""
        for path, (mode, ns) in sorted(self.dir_meta.items(), key=lambda kv: len(kv[0]), reverse=True):
            fd = self._reopen(path)
            if fd is None:
                continue
            try:
                os.fchmod(fd, mode)
                if ns is not None:
                    os.utime(fd, ns=(ns, ns))
            finally:
                os.close(fd)

    def _reopen(self, path: tuple[str, ...]) -> int | None:
        """Open a recorded real path again, following nothing: a later entry may have replaced it."""
        fd = os.dup(self.root_fd)
        for comp in path:
            try:
                nfd = os.open(comp, _DIR_FLAGS, dir_fd=fd)
            except (FileNotFoundError, NotADirectoryError):
                os.close(fd)
                return None
            os.close(fd)
            fd = nfd
        return fd


def _clear(pfd: int, name: str, *, keep_dir: bool) -> bool:
    """Remove ``name`` in ``pfd`` (a directory recursively) unless it is a directory to keep.

    Answers whether a directory was kept. ``shutil.rmtree`` with ``dir_fd`` walks by fd and does not
    follow symlinks, so a planted link cannot redirect the removal.
    """
    try:
        st = os.stat(name, dir_fd=pfd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(st.st_mode):
        if keep_dir:
            return True
        shutil.rmtree(name, dir_fd=pfd)
    else:
        os.unlink(name, dir_fd=pfd)
    return False


def _mtime_ns(member: tarfile.TarInfo) -> int | None:
    try:
        return round(float(member.mtime) * 1_000_000_000)
    except (OverflowError, ValueError):
        return None
