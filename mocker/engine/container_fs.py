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

The client half of ``docker cp`` (docker/cli's ``copyFromContainer`` and ``copyToContainer``) is here
too, so every front end shares one engine call. Its path rules, host-side steps and tar streams
(``CopyInfoSourcePath``, ``PrepareArchiveCopy``, the tarballer and ``Untar`` of moby/go-archive) are
in :mod:`mocker.engine.copy_archive`.
"""

from __future__ import annotations

import ctypes
import json
import os
import posixpath
import signal
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, NoReturn

from mocker.engine.copy_archive import (
    CHUNK,
    DIR_FLAGS,
    FILE_FLAGS,
    Counting,
    TarOut,
    destination_info,
    go_base,
    go_clean,
    link_target,
    os_error,
    prepare_copy,
    preserve_trailing,
    quote,
    rebase_name,
    source_info,
    split_entry,
    untar,
    validate_output_path,
)
from mocker.errors import Conflict, InvalidArgument, MockerError, NotFound
from mocker.store.store import Store

MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_SLAVE = 1, 32, 4096, 16384, 1 << 19
_CLONE_NEWNS = 0x00020000
Job = tuple[Callable[[], Any], Callable[[int], Any]]


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What ``cp`` moved: the tar bytes transferred (Docker's "Successfully copied" size) and where."""

    size: int
    destination: str


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
    with containers.container_lock(store, rec.id):
        rec = containers.get(store, rec.id)
        spec, bundle = rec.config["spec"], os.fspath(store.paths.containers / rec.id)
        ro_root = bool((spec.get("security") or {}).get("read_only_rootfs"))
        binds = [_Bind(m["source"], go_clean(m["target"]), bool(m.get("read_only")), True)
                 for m in spec.get("mounts") or [] if m["type"] in ("bind", "volume")]
        for target, source in (spec.get("etc_files") or {}).items():
            if go_clean(target) not in {b.target for b in binds}:  # a host file (--network host): read-only
                inside = os.path.realpath(source).startswith(os.path.realpath(bundle) + "/")
                binds.append(_Bind(source, go_clean(target), ro_root or not inside, False))
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
    old_root = os.open("/", DIR_FLAGS)
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
        while chunk := self.data.read(CHUNK):
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
        raise os_error("lstat", path, exc) from None


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


def stat_path(store: Store, container: str, path: str) -> dict[str, Any]:
    """``HEAD/GET /containers/{id}/archive``'s ``X-Docker-Container-Path-Stat``: moby's
    ``ContainerPathStat`` (name, size, Go ``FileMode``, mtime, link target), resolved in the container."""
    from datetime import UTC, datetime

    def prepare() -> dict[str, Any]:
        st = _lstat(path, path, container)
        link = os.path.realpath(path) if stat.S_ISLNK(st.st_mode) else ""
        return {"mode": st.st_mode, "size": st.st_size, "mtime": st.st_mtime, "link_target": link}

    with _opened(store, container) as view:
        with _Child(view, (prepare, lambda fd: None), stream=False) as child:
            raw = child.recv()
    mtime = datetime.fromtimestamp(raw["mtime"], UTC).isoformat().replace("+00:00", "Z")
    return {"name": go_base(path), "size": raw["size"], "mode": go_file_mode(raw["mode"]), "mtime": mtime,
            "linkTarget": raw["link_target"]}


def go_file_mode(mode: int) -> int:
    """A unix ``st_mode`` as Go's ``os.FileMode`` (type bits at the top, as the docker CLI reads them)."""
    bits = mode & 0o777
    kind = stat.S_IFMT(mode)
    bits |= {stat.S_IFDIR: 1 << 31, stat.S_IFLNK: 1 << 27, stat.S_IFBLK: 1 << 26,
             stat.S_IFCHR: (1 << 26) | (1 << 21), stat.S_IFIFO: 1 << 25, stat.S_IFSOCK: 1 << 24}.get(kind, 0)
    if mode & stat.S_ISUID:
        bits |= 1 << 23
    if mode & stat.S_ISGID:
        bits |= 1 << 22
    if mode & stat.S_ISVTX:
        bits |= 1 << 20
    return bits


def _lookup(path: str, column: int, value: str) -> list[str] | None:
    """A row of the container's /etc/passwd or /etc/group, parsed here: NSS is never asked."""
    fd = os.open(path, FILE_FLAGS)
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
                raise InvalidArgument(f"failed to look up user {quote(name)} in container: "
                                      f"open /etc/passwd: {(exc.strerror or '').lower()}") from None
            row = None
        if row is None and not numeric:
            raise InvalidArgument(f"failed to look up user {quote(name)} in container: "
                                  "no matching entries in passwd file")
        uid, gid = (int(row[2]), int(row[3])) if row is not None else (int(name), 0)
    if group.isascii() and group.isdigit():
        gid = int(group)
    elif group:
        try:
            found = _lookup("/etc/group", 0, group)
        except OSError:
            found = None
        if found is None:
            raise InvalidArgument(f"failed to look up group {quote(group)} in container: "
                                  "no matching entries in group file")
        gid = int(found[2])
    return uid, gid


def _extract_job(view: _View, path: str, *, copy_uid_gid: bool) -> Job:
    """containerExtractToDir: ``path`` (links followed) must be a writable directory."""
    state: dict[str, Any] = {}

    def prepare() -> None:
        try:
            real = state["dir"] = os.path.realpath(go_clean("/" + path), strict=True)
        except FileNotFoundError:
            raise NotFound(f"Could not find the file {path} in container {view.name}") from None
        except OSError as exc:
            raise os_error("lstat", go_clean("/" + path), exc) from None
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
            untar(f, state["dir"], owner=state["owner"], keep_owner=True)

    return prepare, stream


def _archive_job(view: _View, path: str) -> Job:
    """containerArchivePath: a directory is archived as "." renamed to its base name."""
    abs_path = preserve_trailing(go_clean("/" + path), path)

    def prepare() -> bool:
        return stat.S_ISDIR(_lstat(abs_path, path, view.name).st_mode)

    def stream(fd: int) -> None:
        is_dir = stat.S_ISDIR(os.lstat(abs_path).st_mode)
        source_dir, base = (abs_path, ".") if is_dir else posixpath.split(abs_path)
        with os.fdopen(fd, "wb") as f:
            TarOut(f).resource(source_dir, base, go_base(abs_path))

    return prepare, stream



# ---- cp: the engine calls (docker/cli copyFromContainer, copyToContainer) ---------------------------


def copy_from_container(store: Store, container: str, src: str, dst: str, *, follow_link: bool = False,
                        out: BinaryIO | None = None) -> CopyReport:
    """``cp CONTAINER:SRC DST``; ``dst`` "-" writes the archive to ``out``."""
    if dst != "-":
        dst = preserve_trailing(os.path.abspath(dst), dst)
        validate_output_path(dst)
    with _opened(store, container) as view:
        rebase = ""
        st = _stat(view, src) if follow_link else None
        if st is not None and stat.S_ISLNK(st["mode"]):
            src, rebase = rebase_name(src, link_target(src, st["link_target"]))
        with _Child(view, _archive_job(view, src)) as child:
            is_dir = child.recv()
            if dst == "-":
                assert out is not None
                child.pump(out)
                child.recv()
                return CopyReport(0, "-")
            counted = Counting(child.data)
            path, exists, dst_dir = destination_info(dst)
            where, renames = prepare_copy(src, is_dir, rebase, path, exists, dst_dir)
            renames = ([(split_entry(src)[1], rebase)] if rebase else []) + renames
            untar(counted, where, keep_owner=False, renames=renames)
            while counted.read(CHUNK):
                pass
            child.recv()
            return CopyReport(counted.size, dst)


def copy_to_container(store: Store, container: str, src: str, dst: str, *, follow_link: bool = False,
                      copy_uid_gid: bool = False, stdin: BinaryIO | None = None) -> CopyReport:
    """``cp SRC CONTAINER:DST``; ``src`` "-" extracts the tar stream ``stdin`` into the directory DST."""
    from mocker.image.compression import open_layer

    if src != "-":
        src = preserve_trailing(os.path.abspath(src), src)
    with _opened(store, container) as view:
        dst_path, st = dst, _stat(view, dst)
        if st is not None and stat.S_ISLNK(st["mode"]):
            dst_path = link_target(dst, st["link_target"])
            st = _stat(view, dst_path)
        if st is not None and (stat.S_ISCHR(st["mode"]) or stat.S_ISBLK(st["mode"])):
            raise InvalidArgument(f'destination "{container}:{dst}" must be a directory or a regular file: '
                                  "got a device")
        exists, is_dir = st is not None, st is not None and stat.S_ISDIR(st["mode"])
        if src == "-" and not is_dir:
            raise InvalidArgument(f'destination "{container}:{dst}" must be a directory')
        if src != "-":
            source, src_dir, rebase = source_info(src, follow_link)
            where, renames = prepare_copy(source, src_dir, rebase, dst_path, exists, is_dir)
        with _Child(view, _extract_job(view, dst_path if src == "-" else where, copy_uid_gid=copy_uid_gid),
                    into=True) as child:
            child.recv()
            out = TarOut(child.data, renames if src != "-" else None)
            try:
                if src == "-":
                    assert stdin is not None
                    plain = open_layer(stdin, None)  # Docker's Untar takes compressed streams too
                    while chunk := plain.read(CHUNK):
                        child.data.write(chunk)
                else:
                    out.resource(*split_entry(source), rebase)
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
