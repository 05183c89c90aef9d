"""COPY/ADD into a build step's root filesystem, with Docker's path rules, safely.

The files are written by a forked child that ``chroot``s into the step's mounted rootfs, as moby's
``FollowSymlinkInScope`` intends: a symlink in the image (``/app -> /etc``) or a ``..`` in a
destination only ever reaches the image's own files, never the host's. Sources are read through
directory fds opened before the chroot, one component at a time with ``O_NOFOLLOW``; a symlink
among the sources is copied as a link, never followed.

Docker's rules: a directory source copies its contents, not itself; a file goes into the
destination if that ends with ``/`` or is an existing directory, else becomes it; missing parent
directories are created (0755); everything is owned by 0:0 unless ``--chown``; ``--chmod``
replaces the mode; mtimes are kept (``SOURCE_DATE_EPOCH`` clamps them when the layer is written).
"""

from __future__ import annotations

import os
import stat
import sys

from mocker.errors import InvalidArgument
from mocker.records import frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mocker.build.sources import CopyItem

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC


@frozen
class CopyJob:
    dest: str  # absolute in the image, trailing "/" kept
    items: tuple[CopyItem, ...]
    owner: tuple[int, int] | None  # None: 0:0
    chmod: int | None


def run_copy(merged: str, job: CopyJob) -> None:
    """Apply ``job`` inside ``merged`` (a mounted rootfs) from a chrooted child process."""
    import shutil  # noqa: F401 - the chrooted child finds it in sys.modules (it may import nothing)

    roots = sorted({item.root for item in job.items if item.data is None})
    fds = {root: os.open(root, _DIR) for root in roots}
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's coverage is not collected
            os.close(read_end)
            code = 0
            try:
                sys.path[:] = []  # never load code from the image
                os.chroot(merged)
                os.chdir("/")
                _Copier(job, fds).run()
            except BaseException as e:  # noqa: BLE001 - reported to the parent
                msg = str(e) if isinstance(e, InvalidArgument) else f"{type(e).__name__}: {e}"
                os.write(write_end, msg.encode(errors="replace")[:4000])
                code = 1
            os._exit(code)
        os.close(write_end)
        write_end = -1
        chunks = []
        while chunk := os.read(read_end, 4096):
            chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise InvalidArgument(b"".join(chunks).decode(errors="replace") or "copy failed")
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
        for fd in fds.values():
            os.close(fd)


class _Copier:
    """Runs in the chrooted child: absolute paths are the image's."""

    def __init__(self, job: CopyJob, fds: dict[str, int]) -> None:
        self.job = job
        self.fds = fds
        self.uid, self.gid = job.owner or (0, 0)
        self.dir_times: list[tuple[str, int, int]] = []

    def run(self) -> None:
        job = self.job
        into_dir = job.dest.endswith("/") or len(job.items) > 1 or os.path.isdir(job.dest)
        dest = os.path.normpath(job.dest)
        if not job.items:
            self.mkdirs(dest)  # WORKDIR: just the directory
        for item in job.items:
            if item.is_dir:
                self.mkdirs(dest)
                self.copy_tree(item, dest)
            else:
                name = item.name or os.path.basename(item.rel)
                target = os.path.join(dest, name) if into_dir else dest
                self.mkdirs(os.path.dirname(target))
                if item.data is not None:
                    self.write_inline(item, target)
                else:
                    fd = self.fds[item.root]
                    pfd, base = self.open_parent(fd, item.rel)
                    try:
                        self.copy_entry(pfd, base, os.lstat(base, dir_fd=pfd), target)
                    finally:
                        if pfd != fd:
                            os.close(pfd)
        for path, atime, mtime in reversed(self.dir_times):
            os.utime(path, ns=(atime, mtime), follow_symlinks=False)

    def mkdirs(self, path: str) -> None:
        if path in ("/", "") or os.path.isdir(path):
            return
        self.mkdirs(os.path.dirname(path))
        if os.path.lexists(path) and not os.path.isdir(path):
            raise InvalidArgument(f"failed to copy files: mkdir {path}: not a directory")
        if not os.path.isdir(path):
            os.mkdir(path, 0o755)
            os.chown(path, self.uid, self.gid, follow_symlinks=False)
            os.chmod(path, 0o755)  # noqa: S103 - Docker makes missing parents 0755

    def open_parent(self, root_fd: int, rel: str) -> tuple[int, str]:
        parts = [p for p in rel.split("/") if p]
        fd = root_fd
        for comp in parts[:-1]:
            nfd = os.open(comp, _DIR, dir_fd=fd)
            if fd != root_fd:
                os.close(fd)
            fd = nfd
        return fd, parts[-1] if parts else "."

    def copy_tree(self, item: CopyItem, dest: str) -> None:
        root_fd = self.fds[item.root]
        top = os.open(item.rel, _DIR, dir_fd=root_fd) if item.rel else os.dup(root_fd)
        allowed = None if item.entries is None else set(item.entries)
        self.walk(top, item.rel, dest, allowed)
        os.close(top)

    def walk(self, dfd: int, rel: str, dest: str, allowed: set[str] | None) -> None:
        for name in sorted(os.listdir(dfd)):
            child_rel = f"{rel}/{name}" if rel else name
            if allowed is not None and child_rel not in allowed:
                continue
            st = os.lstat(name, dir_fd=dfd)
            target = os.path.join(dest, name)
            self.copy_entry(dfd, name, st, target)
            if stat.S_ISDIR(st.st_mode):
                sub = os.open(name, _DIR, dir_fd=dfd)
                try:
                    self.walk(sub, child_rel, target, allowed)
                finally:
                    os.close(sub)

    def mode_of(self, st_mode: int) -> int:
        return self.job.chmod if self.job.chmod is not None else stat.S_IMODE(st_mode)

    def replace(self, target: str, *, keep_dir: bool) -> None:
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            if keep_dir:
                return
            import shutil

            shutil.rmtree(target)
        else:
            os.unlink(target)

    def copy_entry(self, pfd: int, name: str, st: os.stat_result, target: str) -> None:
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            self.replace(target, keep_dir=True)
            if not os.path.isdir(target):
                os.mkdir(target, 0o700)
            os.chown(target, self.uid, self.gid, follow_symlinks=False)
            os.chmod(target, self.mode_of(mode))
            self.dir_times.append((target, st.st_atime_ns, st.st_mtime_ns))
            return
        self.replace(target, keep_dir=False)
        if stat.S_ISLNK(mode):
            os.symlink(os.readlink(name, dir_fd=pfd), target)
        elif stat.S_ISREG(mode):
            src = os.open(name, _FILE, dir_fd=pfd)
            try:
                out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
                try:
                    while chunk := os.read(src, 1 << 20):
                        os.write(out, chunk)
                finally:
                    os.close(out)
            finally:
                os.close(src)
        elif stat.S_ISFIFO(mode):
            os.mkfifo(target, 0o600)
        else:
            return  # sockets and device nodes are not copied
        os.chown(target, self.uid, self.gid, follow_symlinks=False)
        if not stat.S_ISLNK(mode):
            os.chmod(target, self.mode_of(mode))
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)

    def write_inline(self, item: CopyItem, target: str) -> None:
        self.replace(target, keep_dir=False)
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            os.write(out, item.data or b"")
        finally:
            os.close(out)
        os.chown(target, self.uid, self.gid, follow_symlinks=False)
        os.chmod(target, self.job.chmod if self.job.chmod is not None else (item.mode or 0o644))


if sys.platform != "linux":  # pragma: no cover
    raise ImportError("mocker.build.copy needs Linux (chroot)")
