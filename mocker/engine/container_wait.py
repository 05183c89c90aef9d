"""Docker's wait conditions (``POST /containers/{id}/wait?condition=``), on top of ``containers.wait``.

- ``not-running`` (default): the exit code now if the container is not running, else at its exit;
- ``next-exit``: the code of the next exit, even if the container has not started (yet) or has
  exited before (``docker run`` and ``docker start -a`` wait like this before they start it);
- ``removed``: the code once the container is also gone. For an ``AutoRemove`` container the
  waiter holds the container's "attached" lock, as an attached ``run --rm`` of the CLI does, so
  the supervisor's cleanup leaves the removal (after the code is read) to the waiter.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from mocker.engine import containers
from mocker.errors import ContainerNotFound, InvalidArgument
from mocker.store.store import Store

CONDITIONS = ("not-running", "next-exit", "removed")
POLL = 0.05


class Cancelled(Exception):
    """The waiter went away (``cancelled()`` said so) before the condition was met."""


def wait(store: Store, name_or_id: str, condition: str = "not-running",
         cancelled: Callable[[], bool] | None = None) -> int:
    """The exit code once ``condition`` holds. ``cancelled`` is polled while nothing runs yet (a
    client that hung up); it raises :class:`Cancelled` then."""
    if condition == "":
        condition = "not-running"
    if condition not in CONDITIONS:
        raise InvalidArgument(f"invalid condition: {condition!r}")
    rec = containers.get(store, name_or_id)
    if condition == "removed" and (rec.config.get("options") or {}).get("auto_remove"):
        from mocker.store.locks import file_lock

        with file_lock(store.paths.run / "locks" / f"{rec.id}.attached", shared=True):
            code = _next_exit(store, rec.id, cancelled)
            try:
                containers.remove(store, rec.id, force=True, volumes_too=True)
            except ContainerNotFound:
                pass
        return code
    code = _next_exit(store, rec.id, cancelled) if condition != "not-running" else containers.wait(store, rec.id)
    if condition == "removed":
        while True:
            try:
                containers.get(store, rec.id)
            except ContainerNotFound:
                break
            if cancelled is not None and cancelled():
                raise Cancelled
            time.sleep(POLL)
    return code


def _next_exit(store: Store, cid: str, cancelled: Callable[[], bool] | None) -> int:
    first = containers.get(store, cid)
    if first.status in containers.LIVE:
        return containers.wait(store, cid)
    while True:
        time.sleep(POLL)
        if cancelled is not None and cancelled():
            raise Cancelled
        rec = containers.get(store, cid)
        if rec.status in containers.LIVE:
            return containers.wait(store, cid)
        if rec.started_at != first.started_at and rec.status != "created":
            return rec.exit_code if rec.exit_code is not None else 0
