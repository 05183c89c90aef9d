"""``cp`` and ``export`` (and ``diff``'s entry point): a container's filesystem seen from outside.

Docker's daemon works in a private mount namespace, chrooted into the container's root with its
volumes, binds and /etc files attached (moby ``daemon/containerfs_linux.go``). So does mocker, in a
forked helper (:class:`_Child`): it unshares the mount namespace, mounts the overlay if the
container is not running (the mount dies with the namespace), binds the mounts, chroots. Container
paths are thus resolved by the kernel inside the container's root, as ``FollowSymlinkInScope``
does: ``/evil -> /etc`` or ``../../..`` only ever reach the container's own files. In the chroot the
helper imports nothing (``sys.path`` is emptied) and never asks NSS for a name, so no file of the
container is loaded as code (CVE-2019-14271). The helper runs under the container's lock, as the
daemon holds the container's: a stopped container cannot start under a copy, nor a running one be
cleaned up.

Tar streams are unpacked by :class:`_CpUnpacker`, mocker's path-safe layer unpacker with Docker's
``Untar`` rules on top: the stream is a plain archive (``.wh.`` names are files), a directory is
never replaced by a non-directory or the reverse, entries and links that climb out of the
destination are refused with moby's messages. It also writes on the host for ``cp CONTAINER:SRC
DEST``, where it cannot follow a link out of DEST either. The client half of ``docker cp``
(``CopyInfoSourcePath``, ``PrepareArchiveCopy``, ``CopyTo`` of moby/go-archive ``copy.go``) is
here too, so every front end shares one engine call.
"""

from __future__ import annotations

import ctypes
import json
import os
import posixpath
import signal
import stat
import sys
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, NoReturn

from mocker.errors import Conflict, InvalidArgument, MockerError, NotFound, UnsafeArchiveEntry
from mocker.image.layer_unpack import _Unpacker, clean_name
from mocker.store.store import Store

MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_SLAVE = 1, 32, 4096, 16384, 1 << 19
_CLONE_NEWNS = 0x00020000
_BLOCK = tarfile.BLOCKSIZE
_CHUNK = 1 << 20
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
Renames = list[tuple[str, str]]
Job = tuple[Callable[[], Any], Callable[[int], Any]]


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What ``cp`` moved: the tar bytes transferred (Docker's "Successfully copied" size) and where."""

    size: int
    destination: str


# ---- Go path semantics (path/filepath, go-archive copy.go) ---------------------------------------


def _clean(path: str) -> str:
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _base(path: str) -> str:
    """filepath.Base: "" is ".", only slashes is "/"."""
    stripped = path.rstrip("/")
    return posixpath.basename(stripped) if stripped else ("/" if path else ".")


def _preserve(cleaned: str, original: str) -> str:
    """PreserveTrailingDotOrSeparator."""
    if _base(cleaned) != "." and _base(original) == ".":
        cleaned = cleaned.rstrip("/") + "/."
    return cleaned + "/" if original.endswith("/") and not cleaned.endswith("/") else cleaned


def _split_entry(path: str) -> tuple[str, str]:
    """SplitPathDirEntry: (dir, base), a trailing "/." kept as the base "."."""
    cleaned = _clean(path) + ("/." if _base(path) == "." else "")
    return _clean(posixpath.dirname(cleaned) or "."), _base(cleaned)


def _rebase_name(path: str, resolved: str) -> tuple[str, str]:
    """GetRebaseName: the resolved path with the request's trailing "/." or "/", and the name to use."""
    if _base(path) == "." and _base(resolved) != ".":
        resolved += "/."
    if path.endswith("/") and not resolved.endswith("/"):
        resolved += "/"
    return resolved, (_base(path) if _base(path) != _base(resolved) else "")


def _link_target(path: str, target: str) -> str:
    return target if target.startswith("/") else _clean(_split_entry(path)[0] + "/" + target)


def _renamed(name: str, renames: Renames) -> str:
    """RebaseArchiveEntries, in turn: the first occurrence of each old base becomes the new one."""
    for old, new in renames:
        name = name.replace("" if old == "/" else old, new, 1)
    return name


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _oserror(op: str, path: str, exc: OSError) -> MockerError:
    return MockerError(f"{op} {path}: {(exc.strerror or str(exc)).lower()}")


# ---- tar streams ---------------------------------------------------------------------------------


class _TarOut:
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
            self.entry(path, _renamed(name, self.renames), st)
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
                fd = os.open(path, _FILE_FLAGS)
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
                    chunk = os.read(fd, min(_CHUNK, left)) or b"\0" * min(_CHUNK, left)  # it shrank: pad
                    self.write(chunk)
                    left -= len(chunk)
            finally:
                os.close(fd)
            self.write(b"\0" * (-info.size % _BLOCK))


class _Counting:
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
        member.name = _renamed(member.name, self.renames)
        try:
            parts = clean_name(member.name)
        except UnsafeArchiveEntry:
            raise InvalidArgument(f"{_q(_clean(member.name))} is outside of {_q(self.dest)}") from None
        path = _clean(self.dest + "/" + "/".join(parts))
        if member.islnk():
            member.linkname = _renamed(member.linkname, self.renames)
            target = _clean(self.dest + "/" + member.linkname)
            if not self._inside(target):
                raise InvalidArgument(f"invalid hardlink {_q(target)} -> {_q(member.linkname)}")
        elif member.issym() and not self._inside(_clean(posixpath.dirname(path) + "/" + member.linkname)):
            raise InvalidArgument(f"invalid symlink {_q(path)} -> {_q(member.linkname)}")
        if self.owner is not None:
            member.uid, member.gid = self.owner
        if not parts:  # "." is the destination itself: Docker leaves it alone
            if member.isdir():
                return
            raise InvalidArgument(f"cannot overwrite directory {_q(path)} with non-directory {_q(self.dest)}")
        parent = self.open_dir(parts[:-1], create=True, name=member.name)
        assert parent is not None
        try:
            try:
                is_dir: bool | None = stat.S_ISDIR(os.stat(parts[-1], dir_fd=parent.fd, follow_symlinks=False).st_mode)
            except FileNotFoundError:
                is_dir = None
            if is_dir is not None and is_dir != member.isdir():
                what = ("directory", "non-directory") if is_dir else ("non-directory", "directory")
                raise InvalidArgument(f"cannot overwrite {what[0]} {_q(path)} with {what[1]} {_q(self.dest)}")
            self.create(tar, member, parent, parts[-1])
        finally:
            os.close(parent.fd)


def _untar(stream: Any, dest: str, *, owner: tuple[int, int] | None = None, keep_owner: bool,
           renames: Renames | None = None) -> None:
    counted = stream if isinstance(stream, _Counting) else _Counting(stream)
    before, root_fd = counted.size, os.open(dest, _DIR_FLAGS)
    try:
        unpacker = _CpUnpacker(root_fd, _clean(dest), owner=owner, keep_owner=keep_owner, renames=renames or [])
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


# ---- the container's filesystem view and the helper ----------------------------------------------


@dataclass(frozen=True, slots=True)
class _Bind:
    source: str
    target: str
    read_only: bool
    volume: bool  # a volume or bind (Docker's MountPoints), not an /etc file


@dataclass(frozen=True, slots=True)
class _View:
    name: str  # the container as the user named it, for messages
    bundle: str
    layers: tuple[str, ...]
    binds: tuple[_Bind, ...]  # shallowest first
    read_only_rootfs: bool
    user: str


@contextmanager
def _opened(store: Store, name: str, *, with_volumes: bool = True) -> Iterator[_View]:
    """The container's view, under its lock; the volumes of a container that is not running are
    mounted (``local`` volumes with options) meanwhile, as the daemon mounts them."""
    from mocker.engine import containers, volumes

    rec = containers.get(store, name)
    with containers._container_lock(store, rec.id):
        rec = containers.get(store, rec.id)
        spec, bundle = rec.config["spec"], os.fspath(store.paths.containers / rec.id)
        ro_root = bool((spec.get("security") or {}).get("read_only_rootfs"))
        binds = [_Bind(m["source"], _clean(m["target"]), bool(m.get("read_only")), True)
                 for m in spec.get("mounts") or [] if m["type"] in ("bind", "volume")]
        for target, source in (spec.get("etc_files") or {}).items():
            if _clean(target) not in {b.target for b in binds}:  # a host file (--network host): read-only
                inside = os.path.realpath(source).startswith(os.path.realpath(bundle) + "/")
                binds.append(_Bind(source, _clean(target), ro_root or not inside, False))
        binds.sort(key=lambda b: b.target.count("/"))
        mounted: list[str] = []
        try:
            if with_volumes and rec.status not in ("running", "paused"):
                for a in rec.config.get("volumes") or []:
                    volumes.mount(store, a["name"], rec.id)
                    mounted.append(a["name"])
            yield _View(name, bundle, tuple(spec["rootfs_layers"]), tuple(binds), ro_root, spec.get("user") or "")
        finally:
            for vol in mounted:
                volumes.unmount(store, vol, rec.id)


def _enter(view: _View, *, chroot: bool) -> None:
    """In the helper: a private mount namespace with the rootfs and, to chroot into, the binds."""
    from mocker.runtime.linux import rootfs

    if ctypes.CDLL(None, use_errno=True).unshare(_CLONE_NEWNS):
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    rootfs.mount("none", "/", "", MS_REC | MS_SLAVE)
    merged = rootfs.mount_rootfs(view.bundle, view.layers)
    if not chroot:
        return
    # Docker: os.Stat(m.Source) first. Sources are resolved now: in the chroot, a link would not be.
    binds = [(b, src, stat.S_ISDIR(os.stat(src).st_mode)) for b in view.binds for src in [os.path.realpath(b.source)]]
    old_root = os.open("/", _DIR_FLAGS)
    sys.path.clear()  # nothing may be imported from the container's files
    os.chroot(merged)
    try:
        for b, source, is_dir in binds:
            os.chdir("/")
            target = os.path.realpath(b.target)  # resolved by the kernel, inside the container's root
            if not os.path.lexists(target):  # fileutils.CreateIfNotExists
                os.makedirs(target if is_dir else posixpath.dirname(target), 0o755, exist_ok=True)
                if not is_dir:
                    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o755))
            os.fchdir(old_root)  # the source is named from the host's root, the target from the container's
            rootfs.mount("./" + source.lstrip("/"), target, "", MS_BIND | MS_REC)
            if b.read_only:
                rootfs.mount("none", target, "", MS_BIND | MS_REMOUNT | MS_RDONLY)
    finally:
        os.chdir("/")
        os.close(old_root)


def _child_main(view: _View, job: Job, ctl: int, data: int, chroot: bool) -> NoReturn:
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _enter(view, chroot=chroot)
        os.write(ctl, json.dumps({"ok": job[0]()}).encode() + b"\n")
        if data >= 0:
            os.write(ctl, json.dumps({"ok": job[1](data)}).encode() + b"\n")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        code = 1
        kind = next((k.__name__ for k in (NotFound, InvalidArgument, Conflict) if isinstance(exc, k)), "")
        text = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) and exc.filename else str(exc)
        try:
            os.write(ctl, json.dumps({"error": text or type(exc).__name__, "kind": kind}).encode() + b"\n")
        except OSError:
            pass
    os._exit(code)


class _Child:
    """The forked helper: JSON lines on one pipe (the answers to ``prepare`` and to ``stream``), a
    tar stream on another, out of the helper or ``into`` it."""

    def __init__(self, view: _View, job: Job, *, stream: bool = True, into: bool = False, chroot: bool = True):
        ctl_r, ctl_w = os.pipe()
        r, w = os.pipe() if stream else (-1, -1)
        mine, theirs = (w, r) if into else (r, w)
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:  # the helper
            for fd in (ctl_r, mine):
                if fd >= 0:
                    os.close(fd)
            _child_main(view, job, ctl_w, theirs, chroot)
        for fd in (ctl_w, theirs):
            if fd >= 0:
                os.close(fd)
        self.ctl = os.fdopen(ctl_r, "rb")
        self.data: Any = os.fdopen(mine, "wb" if into else "rb") if stream else None

    def recv(self) -> Any:
        line = self.ctl.readline()
        if not line:
            raise MockerError("the container filesystem helper exited unexpectedly")
        msg = json.loads(line)
        if "error" in msg:
            kinds = {"NotFound": NotFound, "InvalidArgument": InvalidArgument, "Conflict": Conflict}
            raise kinds.get(msg["kind"], MockerError)(msg["error"])
        return msg["ok"]

    def pump(self, out: BinaryIO) -> None:
        while chunk := self.data.read(_CHUNK):
            out.write(chunk)
        out.flush()

    def __enter__(self) -> _Child:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:  # the helper may be blocked on us, or still at work: stop it
            os.kill(self.pid, signal.SIGKILL)
        for f in (self.data, self.ctl):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass  # the helper stopped reading: its answer says why
        os.waitpid(self.pid, 0)


# ---- in the helper: the daemon's stat, archive and extract -----------------------------------------


def _lstat(path: str, shown: str, container: str) -> os.stat_result:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        raise NotFound(f"Could not find the file {shown} in container {container}") from None
    except OSError as exc:
        raise _oserror("lstat", path, exc) from None


def _stat(view: _View, path: str) -> dict[str, Any] | None:
    """ContainerStatPath, errors as None (the client ignores them); a link's target fully resolved."""
    def prepare() -> dict[str, Any]:
        st = _lstat(path, path, view.name)
        return {"mode": st.st_mode, "link_target": os.path.realpath(path) if stat.S_ISLNK(st.st_mode) else ""}

    with _Child(view, (prepare, lambda fd: None), stream=False) as child:
        try:
            return child.recv()
        except MockerError:
            return None


def _lookup(path: str, column: int, value: str) -> list[str] | None:
    """A row of the container's /etc/passwd or /etc/group, parsed here: NSS is never asked."""
    fd = os.open(path, _FILE_FLAGS)
    with os.fdopen(fd, "rb") as f:
        text = f.read(1 << 22).decode("utf-8", "replace") if stat.S_ISREG(os.fstat(fd).st_mode) else ""
    rows = (line.split(":") for line in text.splitlines() if not line.startswith("#"))
    return next((r for r in rows if len(r) > 3 - (path == "/etc/group") and r[column] == value), None)


def _tar_owner(user: str) -> tuple[int, int] | None:
    """``cp -a``: moby's getUIDGID of the container's Config.User, looked up in the container."""
    if not user:
        return None
    name, _, group = user.partition(":")
    uid = gid = 0
    if name:
        numeric = name.isascii() and name.isdigit() and int(name) <= 0x7FFFFFFF
        try:
            row = _lookup("/etc/passwd", 2 if numeric else 0, name)
        except OSError as exc:
            if not numeric:
                raise InvalidArgument(f"failed to look up user {_q(name)} in container: "
                                      f"open /etc/passwd: {(exc.strerror or '').lower()}") from None
            row = None
        if row is None and not numeric:
            raise InvalidArgument(f"failed to look up user {_q(name)} in container: no matching entries in passwd file")
        uid, gid = (int(row[2]), int(row[3])) if row is not None else (int(name), 0)
    if group.isascii() and group.isdigit():
        gid = int(group)
    elif group:
        try:
            found = _lookup("/etc/group", 0, group)
        except OSError:
            found = None
        if found is None:
            raise InvalidArgument(f"failed to look up group {_q(group)} in container: "
                                  "no matching entries in group file")
        gid = int(found[2])
    return uid, gid


def _extract_job(view: _View, path: str, *, copy_uid_gid: bool) -> Job:
    """containerExtractToDir: ``path`` (links followed) must be a writable directory."""
    state: dict[str, Any] = {}

    def prepare() -> None:
        try:
            real = state["dir"] = os.path.realpath(_clean("/" + path), strict=True)
        except FileNotFoundError:
            raise NotFound(f"Could not find the file {path} in container {view.name}") from None
        except OSError as exc:
            raise _oserror("lstat", _clean("/" + path), exc) from None
        if not stat.S_ISDIR(os.lstat(real).st_mode):
            raise InvalidArgument("extraction point is not a directory")
        for b in reversed(view.binds):  # checkWritablePath, the deepest mount first
            if b.volume and (real == b.target or real.startswith(b.target.rstrip("/") + "/")):
                if b.read_only:
                    raise InvalidArgument("mounted volume is marked read-only")
                break
        else:
            if view.read_only_rootfs:
                raise InvalidArgument("container rootfs is marked read-only")
        state["owner"] = _tar_owner(view.user) if copy_uid_gid else None

    def stream(fd: int) -> None:
        with os.fdopen(fd, "rb") as f:
            _untar(f, state["dir"], owner=state["owner"], keep_owner=True)

    return prepare, stream


def _archive_job(view: _View, path: str) -> Job:
    """containerArchivePath: a directory is archived as "." renamed to its base name."""
    abs_path = _preserve(_clean("/" + path), path)

    def prepare() -> bool:
        return stat.S_ISDIR(_lstat(abs_path, path, view.name).st_mode)

    def stream(fd: int) -> None:
        is_dir = stat.S_ISDIR(os.lstat(abs_path).st_mode)
        source_dir, base = (abs_path, ".") if is_dir else posixpath.split(abs_path)
        with os.fdopen(fd, "wb") as f:
            _TarOut(f).resource(source_dir, base, _base(abs_path))

    return prepare, stream


# ---- the client half of docker cp (host side) -----------------------------------------------------


def _validate_output_path(path: str) -> None:
    """docker/cli's ValidateOutputPath."""
    parent = _clean(posixpath.dirname(_clean(path)) or ".")
    try:
        os.stat(parent)
    except FileNotFoundError:
        raise InvalidArgument(f"invalid output path: directory {_q(parent)} does not exist") from None
    except OSError:
        pass
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _oserror("stat", path, exc) from None
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise InvalidArgument(f"invalid output path: {_q(path)} must be a directory or a regular file: got a device")


def _destination_info(path: str) -> tuple[str, bool, bool]:
    """CopyInfoDestinationPath on the host: (the path, links followed; it exists; it is a directory)."""
    original = path
    for _ in range(11):
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            parent = _split_entry(path)[0]
            try:
                is_dir = stat.S_ISDIR(os.stat(parent).st_mode)
            except OSError as exc:
                raise _oserror("stat", parent, exc) from None
            if not is_dir:
                raise InvalidArgument("not a directory") from None
            return path, False, False
        if not stat.S_ISLNK(st.st_mode):
            return path, True, stat.S_ISDIR(st.st_mode)
        path = _link_target(path, os.readlink(path))
    raise InvalidArgument(f"too many symlinks in {original}")


def _source_info(path: str, follow: bool) -> tuple[str, bool, str]:
    """CopyInfoSourcePath on the host: (the resolved path, whether a directory, the name to use)."""
    def resolve(p: str) -> str:
        try:
            return os.path.realpath(p, strict=True)
        except OSError as exc:
            raise _oserror("lstat", exc.filename or p, exc) from None

    if follow:
        resolved, rebase = _rebase_name(path, resolve(path))
    else:
        head, tail = posixpath.split(path)
        resolved = resolve(head or ".").rstrip("/") + "/" + tail
        rebase = _base(path) if path.endswith("/") and _base(path) != _base(resolved) else ""
    try:
        return resolved, stat.S_ISDIR(os.lstat(resolved).st_mode), rebase
    except OSError as exc:
        raise _oserror("lstat", resolved, exc) from None


def _prepare_copy(src: str, src_dir: bool, rebase: str, dst: str, exists: bool, dst_dir: bool) -> tuple[str, Renames]:
    """PrepareArchiveCopy: where to extract, and how to rename the archive's first element."""
    parent, dst_base = _split_entry(dst)
    if exists and dst_dir:
        return dst, []
    if exists and src_dir:
        raise InvalidArgument("cannot copy directory")
    if not exists and not src_dir and (dst.endswith("/") or _base(dst) == "."):
        raise InvalidArgument("no such directory")
    return parent, [(rebase or _split_entry(src)[1], dst_base)]


def copy_from_container(store: Store, container: str, src: str, dst: str, *, follow_link: bool = False,
                        out: BinaryIO | None = None) -> CopyReport:
    """``cp CONTAINER:SRC DST``; ``dst`` "-" writes the archive to ``out``."""
    if dst != "-":
        dst = _preserve(os.path.abspath(dst), dst)
        _validate_output_path(dst)
    with _opened(store, container) as view:
        rebase = ""
        st = _stat(view, src) if follow_link else None
        if st is not None and stat.S_ISLNK(st["mode"]):
            src, rebase = _rebase_name(src, _link_target(src, st["link_target"]))
        with _Child(view, _archive_job(view, src)) as child:
            is_dir = child.recv()
            if dst == "-":
                assert out is not None
                child.pump(out)
                child.recv()
                return CopyReport(0, "-")
            counted = _Counting(child.data)
            path, exists, dst_dir = _destination_info(dst)
            where, renames = _prepare_copy(src, is_dir, rebase, path, exists, dst_dir)
            renames = ([(_split_entry(src)[1], rebase)] if rebase else []) + renames
            _untar(counted, where, keep_owner=False, renames=renames)
            while counted.read(_CHUNK):
                pass
            child.recv()
            return CopyReport(counted.size, dst)


def copy_to_container(store: Store, container: str, src: str, dst: str, *, follow_link: bool = False,
                      copy_uid_gid: bool = False, stdin: BinaryIO | None = None) -> CopyReport:
    """``cp SRC CONTAINER:DST``; ``src`` "-" extracts the tar stream ``stdin`` into the directory DST."""
    from mocker.image.compression import open_layer

    if src != "-":
        src = _preserve(os.path.abspath(src), src)
    with _opened(store, container) as view:
        dst_path, st = dst, _stat(view, dst)
        if st is not None and stat.S_ISLNK(st["mode"]):
            dst_path = _link_target(dst, st["link_target"])
            st = _stat(view, dst_path)
        if st is not None and (stat.S_ISCHR(st["mode"]) or stat.S_ISBLK(st["mode"])):
            raise InvalidArgument(f'destination "{container}:{dst}" must be a directory or a regular file: '
                                  "got a device")
        exists, is_dir = st is not None, st is not None and stat.S_ISDIR(st["mode"])
        if src == "-" and not is_dir:
            raise InvalidArgument(f'destination "{container}:{dst}" must be a directory')
        if src != "-":
            source, src_dir, rebase = _source_info(src, follow_link)
            where, renames = _prepare_copy(source, src_dir, rebase, dst_path, exists, is_dir)
        with _Child(view, _extract_job(view, dst_path if src == "-" else where, copy_uid_gid=copy_uid_gid),
                    into=True) as child:
            child.recv()
            out = _TarOut(child.data, renames if src != "-" else None)
            try:
                if src == "-":
                    assert stdin is not None
                    plain = open_layer(stdin, None)  # Docker's Untar takes compressed streams too
                    while chunk := plain.read(_CHUNK):
                        child.data.write(chunk)
                else:
                    out.resource(*_split_entry(source), rebase)
                child.data.close()
            except BrokenPipeError:
                pass  # the helper stopped reading: its answer says why
            child.recv()
        return CopyReport(out.size, f"{container}:{dst_path}")


# ---- diff and export -------------------------------------------------------------------------------


def diff(store: Store, container: str) -> list[Any]:
    """``docker diff``: see :func:`mocker.engine.commit.list_changes`."""
    from mocker.engine import containers
    from mocker.engine.commit import list_changes

    return list_changes(store, containers.get(store, container))


def export(store: Store, container: str, out: BinaryIO) -> None:
    """``docker export``: the container's own filesystem (no volumes) as a plain tar."""
    from pathlib import Path

    from mocker.image.compression import Compression
    from mocker.image.layer_diff import create_layer

    with _opened(store, container, with_volumes=False) as view:
        def stream(fd: int) -> None:
            with os.fdopen(fd, "wb") as f:
                create_layer(Path(view.bundle, "merged"), f, compression=Compression.NONE)

        with _Child(view, (lambda: None, stream), chroot=False) as child:
            try:
                child.recv()
                child.pump(out)
                child.recv()
            except MockerError as exc:
                raise MockerError(f"Error exporting container {container}: {exc}") from None
