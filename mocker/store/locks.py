"""File locks between mocker processes (fcntl.flock: released by the kernel if a process dies).

Pulls and loads hold the store lock *shared* while they write blobs and layers that are not yet
referenced by any image; garbage collection takes it *exclusive*, so it never deletes content a
running pull is about to reference.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager

TYPE_CHECKING = False  # paths may be text: a cached rebuild takes the store lock without ``pathlib``
if TYPE_CHECKING:
    from collections.abc import Iterator


def _make_parent(path: str | os.PathLike[str]) -> None:
    parent = os.path.dirname(os.fspath(path))
    if parent:
        os.makedirs(parent, exist_ok=True)


@contextmanager
def file_lock(path: str | os.PathLike[str], *, shared: bool = False) -> Iterator[None]:
    _make_parent(path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextmanager
def try_file_lock(path: str | os.PathLike[str]) -> Iterator[bool]:
    """Exclusive lock if free right now: yields False (and holds nothing) when another process has it."""
    _make_parent(path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
