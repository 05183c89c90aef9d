"""File locks between mocker processes (fcntl.flock: released by the kernel if a process dies).

Pulls and loads hold the store lock *shared* while they write blobs and layers that are not yet
referenced by any image; garbage collection takes it *exclusive*, so it never deletes content a
running pull is about to reference.
"""

from __future__ import annotations

import fcntl
import os

TYPE_CHECKING = False  # paths may be text; no ``contextlib``: a cached rebuild takes the store lock
if TYPE_CHECKING:
    from types import TracebackType


def _open(path: str | os.PathLike[str]) -> int:
    parent = os.path.dirname(os.fspath(path))
    if parent:
        os.makedirs(parent, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


class _Held:
    """A context manager holding an open lock file; closing it releases the lock."""

    __slots__ = ("fd", "path", "shared", "wait")

    def __init__(self, path: str | os.PathLike[str], shared: bool, wait: bool) -> None:
        self.path = path
        self.shared = shared
        self.wait = wait
        self.fd = -1

    def _acquire(self) -> bool:
        self.fd = _open(self.path)
        try:
            if self.wait:
                fcntl.flock(self.fd, fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX)
                return True
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True
        except BaseException:
            os.close(self.fd)
            self.fd = -1
            raise

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class _FileLock(_Held):
    __slots__ = ()

    def __enter__(self) -> None:
        self._acquire()


class _TryFileLock(_Held):
    __slots__ = ()

    def __enter__(self) -> bool:
        return self._acquire()


def file_lock(path: str | os.PathLike[str], *, shared: bool = False) -> _FileLock:
    """``with file_lock(path):`` holds ``flock`` on ``path`` (created 0600), waiting for it."""
    return _FileLock(path, shared, True)


def try_file_lock(path: str | os.PathLike[str]) -> _TryFileLock:
    """Exclusive lock if free right now: ``with try_file_lock(p) as got:`` gives False (and holds
    nothing) when another process has it."""
    return _TryFileLock(path, False, False)
