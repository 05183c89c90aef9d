"""Who tears a container down after its process exits: conmon's exit command, or a client that
waits for the exit in its own process (an attached ``run``/``start -a``, an API waiter of an
``--rm`` container, ``stop``, ``rm -f``).

Such a client :func:`hold`\\ s the container's "attached" lock (shared) from before the exit until
its own cleanup is done. conmon's exit command is ``flock -n -E 0 <that lock> ...``, so it starts
no second interpreter (~60 ms of CPU at the moment the client cleans up) while a client holds it.
A client that dies before the exit releases the lock and the exit command does the work. One that
dies after the exit (the exit command skipped) leaves its *mark* (the lock file is not empty and
nobody holds it): the next read's :func:`needs_cleanup` sees it and the cleanup is spawned, as for
a container whose supervisor died. :func:`done` clears the mark when a cleanup has run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from mocker.store.store import Store


def lock_path(store: Store, cid: str) -> Path:
    return store.paths.run / "locks" / f"{cid}.attached"


def exit_command(store: Store, cid: str) -> list[str]:
    """conmon does not let its exit command live long, so the cleanup must run detached. ``setsid -f``
    (util-linux) detaches before Python starts, which saves a second interpreter start on every exit;
    without it ``container cleanup`` re-spawns itself. ``flock -n -E 0``: nothing while a client
    holds the lock (see the module's docstring); ``-o`` keeps the lock fd out of the cleanup."""
    from mocker.hostbin import which

    argv = [sys.executable, "-m", "mocker", "--root", str(store.paths.root), "container", "cleanup", cid]
    setsid, env, flock = which("setsid"), which("env"), which("flock")
    if setsid and env:
        argv = [setsid, "-f", env, "MOCKER_CLEANUP_DETACHED=1", *argv]
    if flock:
        argv = [flock, "-n", "-o", "-E", "0", str(lock_path(store, cid)), *argv]
    return argv


def spawn_cleanup(store: Store, cid: str) -> None:
    """Run the cleanup now, detached, as conmon's exit command would (its supervisor died, or the
    client that skipped it did)."""
    import subprocess

    subprocess.Popen(  # noqa: S603 - fixed argv of our own interpreter and module
        exit_command(store, cid), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
        env={**os.environ, "MOCKER_CLEANUP_DETACHED": "1"})


@contextmanager
def hold(store: Store, cid: str) -> Iterator[None]:
    """This process cleans up after the exit: take the lock (shared) and leave the mark."""
    import fcntl

    path = lock_path(store, cid)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        os.pwrite(fd, b"1", 0)
        yield
    finally:
        os.close(fd)


def done(store: Store, cid: str) -> None:
    """A cleanup ran: clear the mark (the file stays; it is removed with the container)."""
    try:
        os.truncate(lock_path(store, cid), 0)
    except OSError:
        pass


def _held(fd: int) -> bool:
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    return False


def client_waits(store: Store, cid: str) -> bool:
    """A client holds the lock: it will clean up (and remove an ``--rm`` container) itself."""
    try:
        fd = os.open(lock_path(store, cid), os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        return _held(fd)
    finally:
        os.close(fd)


def needs_cleanup(store: Store, cid: str) -> bool:
    """A client took the cleanup on (mark left) and is gone without doing it."""
    try:
        fd = os.open(lock_path(store, cid), os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        return os.fstat(fd).st_size > 0 and not _held(fd)
    finally:
        os.close(fd)


@contextmanager
def cleaning_up_here(store: Store, cid: str) -> Iterator[None]:
    """Around ``stop``/``rm -f``: signal, wait and tear down in this process (conmon's exit command
    then starts no second interpreter, ~60 ms of CPU per container, five at once on ``compose
    down``). Should this process fail after the exit, the cleanup is spawned now; should it die,
    the next read spawns it (:func:`needs_cleanup`)."""
    with hold(store, cid):
        try:
            yield
        except BaseException:
            try:
                from mocker.store import containers as cdb

                if cdb.get(store.db, cid) is not None:
                    spawn_cleanup(store, cid)
            except Exception:  # noqa: BLE001, S110 - the original error is the one to report
                pass
            raise
