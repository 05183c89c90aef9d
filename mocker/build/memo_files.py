"""Small JSON files that remember a build's earlier answers (parse memo, context digests, replays).

Each is a cache: losing one costs only work. So a write is atomic (temp file + rename, another
build reads the old or the new file, never half of one), a failed write is dropped silently, and a
directory of them is kept to a bound by dropping the least recently written first.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


# A new file only (a planted symlink or file is not written through), readable by its owner alone.
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def write_json(path: str, doc: Any) -> None:
    """``doc`` as compact JSON at ``path``, atomically, mode 0600; nothing (and no temp file) on failure."""
    from mocker import jsonc

    tmp = f"{path}.{os.getpid()}.tmp"
    data = jsonc.dumps(doc, separators=(",", ":")).encode()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            fd = os.open(tmp, _NEW, 0o600)
        except FileExistsError:  # left by a killed process that had this pid
            os.unlink(tmp)
            fd = os.open(tmp, _NEW, 0o600)
        with open(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def keep_newest(directory: str, limit: int, suffix: str = ".json") -> None:
    """Keep the ``limit`` most recently written ``*suffix`` files of ``directory`` (after a write)."""
    try:
        entries = [e for e in os.scandir(directory) if e.name.endswith(suffix)]
        if len(entries) <= limit:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for e in entries[:len(entries) - limit]:
            os.unlink(e.path)
    except OSError:
        pass  # another build pruned at the same time: what is left is still valid
