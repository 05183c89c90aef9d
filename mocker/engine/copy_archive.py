"""The archive half of ``docker cp``: Go's path rules, the host-side copy steps, tar out and tar in.

What moby/go-archive (``copy.go``, ``archive.go``) and docker/cli do without the container: Go's
``path/filepath`` semantics (a trailing "/" or "/." changes what is copied), ``CopyInfoSourcePath``,
``CopyInfoDestinationPath`` and ``PrepareArchiveCopy`` on the host, the tarballer that writes a
resource as Docker does (so sizes match its "Successfully copied"), and the unpacker. Nothing here
knows about containers; :mod:`mocker.engine.container_fs` runs these in its helper or on the host.

Tar streams are unpacked by :class:`_CpUnpacker`, mocker's path-safe layer unpacker with Docker's
``Untar`` rules on top: the stream is a plain archive (``.wh.`` names are files), a directory is
never replaced by a non-directory or the reverse, entries and links that climb out of the
destination are refused with moby's messages. It also writes on the host for ``cp CONTAINER:SRC
DEST``, where it cannot follow a link out of DEST either.
"""

from __future__ import annotations

import json
import os
import posixpath
import stat
import tarfile
from typing import Any, BinaryIO

from mocker.errors import InvalidArgument, MockerError, UnsafeArchiveEntry
from mocker.image.layer_unpack import _Unpacker, clean_name

_BLOCK = tarfile.BLOCKSIZE
CHUNK = 1 << 20
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
Renames = list[tuple[str, str]]


# ---- Go path semantics (path/filepath, go-archive copy.go) ---------------------------------------


def go_clean(path: str) -> str:
    """filepath.Clean: posixpath.normpath keeps a leading "//", Go makes it "/"."""
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def go_base(path: str) -> str:
    """filepath.Base: "" is ".", only slashes is "/"."""
    stripped = path.rstrip("/")
    return posixpath.basename(stripped) if stripped else ("/" if path else ".")


def preserve_trailing(cleaned: str, original: str) -> str:
    """PreserveTrailingDotOrSeparator."""
    if go_base(cleaned) != "." and go_base(original) == ".":
        cleaned = cleaned.rstrip("/") + "/."
    return cleaned + "/" if original.endswith("/") and not cleaned.endswith("/") else cleaned


def split_entry(path: str) -> tuple[str, str]:
    """SplitPathDirEntry: (dir, base), a trailing "/." kept as the base "."."""
    cleaned = go_clean(path) + ("/." if go_base(path) == "." else "")
    return go_clean(posixpath.dirname(cleaned) or "."), go_base(cleaned)


def rebase_name(path: str, resolved: str) -> tuple[str, str]:
    """GetRebaseName: the resolved path with the request's trailing "/." or "/", and the name to use."""
    if go_base(path) == "." and go_base(resolved) != ".":
        resolved += "/."
    if path.endswith("/") and not resolved.endswith("/"):
        resolved += "/"
    return resolved, (go_base(path) if go_base(path) != go_base(resolved) else "")


def link_target(path: str, target: str) -> str:
    """Where the link at ``path`` with contents ``target`` points, as a path in the same tree."""
    return target if target.startswith("/") else go_clean(split_entry(path)[0] + "/" + target)


def renamed(name: str, renames: Renames) -> str:
    """RebaseArchiveEntries, in turn: the first occurrence of each old base becomes the new one."""
    for old, new in renames:
        name = name.replace("" if old == "/" else old, new, 1)
    return name


def quote(text: str) -> str:
    """Go's ``%q``, as moby's messages quote paths and names."""
    return json.dumps(text, ensure_ascii=False)


def os_error(op: str, path: str, exc: OSError) -> MockerError:
    """Go's ``*PathError`` text: ``lstat /x: no such file or directory``."""
    return MockerError(f"{op} {path}: {(exc.strerror or str(exc)).lower()}")


# ---- tar streams ---------------------------------------------------------------------------------


class TarOut:
    """go-archive's tarballer for one resource: pre-order, siblings by name, directories with a
    trailing "/", hard links by inode, ``security.capability`` as a PAX record, no user names, no
    record padding (one small file is 2048 bytes: Docker's "2.05kB")."""

    def __init__(self, out: BinaryIO, renames: Renames | None = None) -> None:
        self.out, self.renames, self.size = out, renames or [], 0
        self.links: dict[tuple[int, int], str] = {}

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.size += len(data)

    def resource(self, source_dir: str, base: str, rebase: str) -> None:
        """``base`` in ``source_dir`` (``.``: the directory itself), its first name element ``rebase``d."""
        stack = [(source_dir.rstrip("/") + "/" + base, base)]
        while stack:
            path, rel = stack.pop()
            try:
                st = os.lstat(path)
            except OSError:
                continue  # vanished meanwhile: Docker logs it and goes on
            name = rel.replace(base, "" if rebase == "/" else rebase, 1) if rebase else rel
            self.entry(path, renamed(name, self.renames), st)
            if stat.S_ISDIR(st.st_mode):
                try:
                    names = sorted(os.listdir(path), key=os.fsencode, reverse=True)
                except OSError:
                    continue
                stack.extend((path.rstrip("/") + "/" + n, rel + "/" + n) for n in names)
        self.write(b"\0" * (2 * _BLOCK))
        self.out.flush()

    def entry(self, path: str, name: str, st: os.stat_result) -> None:
        mode, fd = st.st_mode, -1
        if stat.S_ISSOCK(mode):
            return  # "archive/tar: sockets not supported": Docker skips them
        info = tarfile.TarInfo(name + "/" if stat.S_ISDIR(mode) and not name.endswith("/") else name)
        info.mode, info.uid, info.gid, info.mtime = stat.S_IMODE(mode), st.st_uid, st.st_gid, int(st.st_mtime)
        info.uname = info.gname = ""
        key = (st.st_dev, st.st_ino)
        if stat.S_ISREG(mode) and st.st_nlink > 1 and key in self.links:
            info.type, info.linkname = tarfile.LNKTYPE, self.links[key]
        elif stat.S_ISREG(mode):
            if st.st_nlink > 1:
                self.links[key] = name
            try:
                fd = os.open(path, FILE_FLAGS)
            except OSError:
                return
            info.size = st.st_size
            try:
                cap = os.getxattr(fd, "security.capability").decode("utf-8", "surrogateescape")
                info.pax_headers = {"SCHILY.xattr.security.capability": cap}
            except OSError:
                pass
        elif stat.S_ISLNK(mode):
            info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)
        else:
            kinds = ((stat.S_ISDIR, tarfile.DIRTYPE), (stat.S_ISCHR, tarfile.CHRTYPE),
                     (stat.S_ISBLK, tarfile.BLKTYPE), (stat.S_ISFIFO, tarfile.FIFOTYPE))
            info.type = next(kind for test, kind in kinds if test(mode))
            info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
        self.write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
        if fd >= 0:
            try:
                left = info.size
                while left > 0:
                    chunk = os.read(fd, min(CHUNK, left)) or b"\0" * min(CHUNK, left)  # it shrank: pad
                    self.write(chunk)
                    left -= len(chunk)
            finally:
                os.close(fd)
            self.write(b"\0" * (-info.size % _BLOCK))


class Counting:
    """A reader that counts the bytes read through it (the size ``cp`` reports)."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.size = raw, 0

    def read(self, n: int = -1) -> bytes:
        data: bytes = self.raw.read(n)
        self.size += len(data)
        return data


class _CpUnpacker(_Unpacker):
    """moby's ``Untar`` with ``NoOverwriteDirNonDir`` and its breakout checks, on the layer unpacker."""

    def __init__(self, root_fd: int, dest: str, *, owner: tuple[int, int] | None, keep_owner: bool,
                 renames: Renames) -> None:
        super().__init__(root_fd, mode="apply", preserve_owner=keep_owner or owner is not None)
        self.dest, self.owner, self.renames = dest.rstrip("/") or "/", owner, renames

    def _inside(self, path: str) -> bool:
        return path == self.dest or path.startswith(self.dest.rstrip("/") + "/")

    def entry(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        member.name = renamed(member.name, self.renames)
        try:
            parts = clean_name(member.name)
        except UnsafeArchiveEntry:
            raise InvalidArgument(f"{quote(go_clean(member.name))} is outside of {quote(self.dest)}") from None
        path = go_clean(self.dest + "/" + "/".join(parts))
        if member.islnk():
            member.linkname = renamed(member.linkname, self.renames)
            target = go_clean(self.dest + "/" + member.linkname)
            if not self._inside(target):
                raise InvalidArgument(f"invalid hardlink {quote(target)} -> {quote(member.linkname)}")
        elif member.issym() and not self._inside(go_clean(posixpath.dirname(path) + "/" + member.linkname)):
            raise InvalidArgument(f"invalid symlink {quote(path)} -> {quote(member.linkname)}")
        if self.owner is not None:
            member.uid, member.gid = self.owner
        if not parts:  # "." is the destination itself: Docker leaves it alone
            if member.isdir():
                return
            raise InvalidArgument(f"cannot overwrite directory {quote(path)} with non-directory {quote(self.dest)}")
        parent = self.open_dir(parts[:-1], create=True, name=member.name)
        assert parent is not None
        try:
            try:
                is_dir: bool | None = stat.S_ISDIR(os.stat(parts[-1], dir_fd=parent.fd, follow_symlinks=False).st_mode)
            except FileNotFoundError:
                is_dir = None
            if is_dir is not None and is_dir != member.isdir():
                what = ("directory", "non-directory") if is_dir else ("non-directory", "directory")
                raise InvalidArgument(f"cannot overwrite {what[0]} {quote(path)} with {what[1]} {quote(self.dest)}")
            self.create(tar, member, parent, parts[-1])
        finally:
            os.close(parent.fd)


def untar(stream: Any, dest: str, *, owner: tuple[int, int] | None = None, keep_owner: bool,
           renames: Renames | None = None) -> None:
    counted = stream if isinstance(stream, Counting) else Counting(stream)
    before, root_fd = counted.size, os.open(dest, DIR_FLAGS)
    try:
        unpacker = _CpUnpacker(root_fd, go_clean(dest), owner=owner, keep_owner=keep_owner, renames=renames or [])
        try:
            tar = tarfile.open(fileobj=counted, mode="r|", errors="surrogateescape")  # type: ignore[call-overload]
        except tarfile.ReadError as exc:
            if counted.size == before:
                return  # an empty stream is an empty archive, as Go's tar reader sees it
            raise InvalidArgument(f"archive/tar: invalid tar header ({exc})") from None
        with tar:
            unpacker.run(tar)
        unpacker.finish()
    finally:
        os.close(root_fd)


# ---- the client half of docker cp (host side) -----------------------------------------------------


def validate_output_path(path: str) -> None:
    """docker/cli's ValidateOutputPath."""
    parent = go_clean(posixpath.dirname(go_clean(path)) or ".")
    try:
        os.stat(parent)
    except FileNotFoundError:
        raise InvalidArgument(f"invalid output path: directory {quote(parent)} does not exist") from None
    except OSError:
        pass
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise os_error("stat", path, exc) from None
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise InvalidArgument(f"invalid output path: {quote(path)} must be a directory or a regular file: got a device")


def destination_info(path: str) -> tuple[str, bool, bool]:
    """CopyInfoDestinationPath on the host: (the path, links followed; it exists; it is a directory)."""
    original = path
    for _ in range(11):
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            parent = split_entry(path)[0]
            try:
                is_dir = stat.S_ISDIR(os.stat(parent).st_mode)
            except OSError as exc:
                raise os_error("stat", parent, exc) from None
            if not is_dir:
                raise InvalidArgument("not a directory") from None
            return path, False, False
        if not stat.S_ISLNK(st.st_mode):
            return path, True, stat.S_ISDIR(st.st_mode)
        path = link_target(path, os.readlink(path))
    raise InvalidArgument(f"too many symlinks in {original}")


def source_info(path: str, follow: bool) -> tuple[str, bool, str]:
    """CopyInfoSourcePath on the host: (the resolved path, whether a directory, the name to use)."""
    def resolve(p: str) -> str:
        try:
            return os.path.realpath(p, strict=True)
        except OSError as exc:
            raise os_error("lstat", exc.filename or p, exc) from None

    if follow:
        resolved, rebase = rebase_name(path, resolve(path))
    else:
        head, tail = posixpath.split(path)
        resolved = resolve(head or ".").rstrip("/") + "/" + tail
        rebase = go_base(path) if path.endswith("/") and go_base(path) != go_base(resolved) else ""
    try:
        return resolved, stat.S_ISDIR(os.lstat(resolved).st_mode), rebase
    except OSError as exc:
        raise os_error("lstat", resolved, exc) from None


def prepare_copy(src: str, src_dir: bool, rebase: str, dst: str, exists: bool, dst_dir: bool) -> tuple[str, Renames]:
    """PrepareArchiveCopy: where to extract, and how to rename the archive's first element."""
    parent, dst_base = split_entry(dst)
    if exists and dst_dir:
        return dst, []
    if exists and src_dir:
        raise InvalidArgument("cannot copy directory")
    if not exists and not src_dir and (dst.endswith("/") or go_base(dst) == "."):
        raise InvalidArgument("no such directory")
    return parent, [(rebase or split_entry(src)[1], dst_base)]
