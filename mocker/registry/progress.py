"""Progress events of pulls and pushes, in the words of Docker's progress display.

One event per change of one line of ``docker pull``/``docker push`` output: ``id`` is the short
(12 hex digit) digest Docker shows, ``status`` its text, ``current``/``total`` the byte counts of a
``Downloading``/``Pushing`` line. Callbacks are serialised (never called from two threads at once),
so a front end can draw without locking.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "ALREADY_EXISTS",
    "DOWNLOADING",
    "DOWNLOAD_COMPLETE",
    "LAYER_ALREADY_EXISTS",
    "PREPARING",
    "PULLING_FS_LAYER",
    "PUSHED",
    "PUSHING",
    "VERIFYING_CHECKSUM",
    "WAITING",
    "Emitter",
    "ProgressEvent",
    "short_id",
]

PULLING_FS_LAYER = "Pulling fs layer"
WAITING = "Waiting"
DOWNLOADING = "Downloading"
VERIFYING_CHECKSUM = "Verifying Checksum"
DOWNLOAD_COMPLETE = "Download complete"
ALREADY_EXISTS = "Already exists"
PREPARING = "Preparing"
PUSHING = "Pushing"
PUSHED = "Pushed"
LAYER_ALREADY_EXISTS = "Layer already exists"
MOUNTED_FROM = "Mounted from {repo}"
RETRYING = "Retrying in {seconds} second{s}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressEvent:
    id: str
    status: str
    current: int | None = None
    total: int | None = None


def short_id(digest: str) -> str:
    return digest.split(":", 1)[-1][:12]


class Emitter:
    """Serialises a callback and thins out byte-count events (at most one per ``interval`` per id)."""

    def __init__(self, callback: Callable[[ProgressEvent], None] | None, interval: float = 0.1) -> None:
        self._callback = callback
        self._lock = threading.Lock()
        self._interval = interval
        self._last: dict[str, float] = {}

    def __call__(self, id_: str, status: str, current: int | None = None, total: int | None = None) -> None:
        if self._callback is None:
            return
        self._callback_locked(ProgressEvent(id=id_, status=status, current=current, total=total))

    def bytes(self, id_: str, status: str, current: int, total: int | None) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        if current != total and now - self._last.get(id_, 0.0) < self._interval:
            return
        self._last[id_] = now
        self(id_, status, current, total)

    def _callback_locked(self, event: ProgressEvent) -> None:
        assert self._callback is not None
        with self._lock:
            self._callback(event)
