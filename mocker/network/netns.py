"""Persistent network namespaces: a bind mount of a namespace on a file under ``<run>/netns``.

mocker creates a container's namespace itself (as podman does) instead of letting the runtime make
one: netavark's teardown needs the namespace after the container's process has gone, ``connect``
and ``disconnect`` work on it while the container runs, and ``--network container:<id>`` joins it
by path. A file that is not a mount point (a crash between create and mount) is just removed.
"""

from __future__ import annotations

import errno
import os
import subprocess

from mocker.errors import MockerError


def create(path: str) -> None:
    """A new network namespace bound on ``path`` (``unshare --net=PATH``: the namespace lives on
    without any process in it). Loopback is brought up by netavark's setup."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    if os.path.ismount(path):
        return
    with open(path, "a"):
        pass
    r = subprocess.run(["unshare", f"--net={path}", "true"], capture_output=True, text=True,  # noqa: S603, S607
                       check=False)
    if r.returncode != 0:
        _unlink(path)
        raise MockerError(f"failed to create a network namespace at {path}: {r.stderr.strip()}")


def remove(path: str) -> None:
    """Unmount and delete ``path``; nothing there is fine (idempotent)."""
    if os.path.islink(path):
        _unlink(path)
        return
    if os.path.ismount(path):
        from mocker.runtime.linux.rootfs import umount

        try:
            umount(path, lazy=True)
        except OSError as e:
            # Another teardown of the same container (conmon's cleanup racing `rm -f`) got there first.
            if e.errno not in (errno.ENOENT, errno.EINVAL):
                raise MockerError(f"failed to unmount the network namespace {path}: {e.strerror}") from None
    _unlink(path)


def link(path: str, target: str) -> None:
    """``--network container:<id>``: ``path`` becomes a symlink to the other container's namespace,
    so the config.json written at create stays valid across restarts of either container."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    _unlink(path)
    os.symlink(target, path)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
