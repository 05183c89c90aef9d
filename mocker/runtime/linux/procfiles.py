"""Files and processes a container's supervisor leaves: /proc lookups, pid files, the bundle trash.

Kept apart from runtime.py so that the lifecycle reads as a lifecycle; every function here works on
paths and pids only.
"""

from __future__ import annotations

import os
import time


def read_text(path: str) -> str | None:
    """A file's text, None if it (or its directory) does not exist."""
    try:
        with open(path) as f:
            return f.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


TRASH = ".trash"
"""Directory under the bundles where removed containers' files wait for a background ``rm -rf``."""


def discard_dir(path: str, trash: str) -> None:
    """Make ``path`` disappear now and delete its contents in the background.

    Deleting a container's writable layer costs ~10 rmdir/unlink calls of a few ms each on a busy
    disk (~40 ms for ``run --rm``, measured). Renaming it into ``trash`` (same filesystem) is atomic:
    the container's files are gone for every reader when this returns. A detached ``rm`` deletes
    them; one that never finishes (killed, reboot) leaves files that ``system prune`` sweeps.
    Falls back to deleting in place when the rename fails.
    """
    import subprocess

    from mocker.hostbin import which

    target = os.path.join(trash, f"{os.path.basename(path)}-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.makedirs(trash, mode=0o700, exist_ok=True)
        os.rename(path, target)
    except FileNotFoundError:
        return
    except OSError:
        remove_tree(path)
        return
    rm = which("rm") or "/bin/rm"
    try:
        subprocess.Popen(  # noqa: S603 - fixed argv; the path is ours (the store's trash)
            [rm, "-rf", "--one-file-system", "--", target], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    except OSError:
        remove_tree(target)


def proc_stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time in clock ticks) of a live pid, None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2:].split()
    return fields[0].decode(), int(fields[19])


def read_pid(path: str) -> int:
    text = (read_text(path) or "").strip()
    return int(text) if text.isdigit() else 0


def is_conmon(pid: int, cid: str) -> bool:
    """True if ``pid`` is a live (not zombie) conmon supervising ``cid``."""
    if pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    stat = proc_stat(pid)
    return (stat is not None and stat[0] != "Z" and os.path.basename(argv[0]) == b"conmon"
            and cid.encode() in argv)


def remove_tree(path: str) -> None:
    """``shutil.rmtree(path, ignore_errors=True)`` (symlinks are removed, never followed) without
    importing shutil (~3 ms) on every container exit, where it only removes a small run directory."""
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return
    except NotADirectoryError:
        entries = None
    if entries is None:
        try:
            os.unlink(path)
        except OSError:
            pass
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            remove_tree(entry.path)
        else:
            try:
                os.unlink(entry.path)
            except OSError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass
