"""Docker's wait conditions (``POST /containers/{id}/wait?condition=``), on top of ``containers.wait``.

- ``not-running`` (default): the exit code now if the container is not running, else at its exit;
- ``next-exit``: the code of the next exit, even if the container has not started (yet) or has
  exited before (``docker run`` and ``docker start -a`` wait like this before they start it);
- ``removed``: the code once the container is also gone. For an ``AutoRemove`` container the
  waiter holds the container's "attached" lock, as an attached ``run --rm`` of the CLI does, so
  the supervisor's cleanup leaves the removal (after the code is read) to the waiter.

Two steps, because a client starts the container as soon as it knows the wait is in place:
:class:`Waiter` takes the lock and notes the container's state (before the front end answers),
:meth:`Waiter.result` then blocks. A start that wins the race is still seen as the next exit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from mocker.engine import containers
from mocker.errors import ContainerNotFound, InvalidArgument
from mocker.store.store import Store

CONDITIONS = ("not-running", "next-exit", "removed")
POLL = 0.05


class Cancelled(Exception):
    """The waiter went away (``cancelled()`` said so) before the condition was met."""


class Waiter:
    def __init__(self, store: Store, name_or_id: str, condition: str = "not-running") -> None:
        condition = condition or "not-running"
        if condition not in CONDITIONS:
            raise InvalidArgument(f"invalid condition: {condition!r}")
        self.store = store
        self.condition = condition
        self._stack = ExitStack()
        rec = containers.get(store, name_or_id)
        self.auto_remove = condition == "removed" and bool((rec.config.get("options") or {}).get("auto_remove"))
        if self.auto_remove:
            from mocker.engine import cleanup_handoff

            self._stack.enter_context(cleanup_handoff.hold(store, rec.id))
        self.first: Any = containers.get(store, rec.id)     # the state before the client may start it
        self.id = rec.id

    def result(self, cancelled: Callable[[], bool] | None = None) -> int:
        """Block until the condition holds; the exit code. ``cancelled`` is polled while nothing runs
        yet (a client that hung up) and raises :class:`Cancelled` then."""
        with self._stack:
            if self.condition == "not-running":
                return containers.wait(self.store, self.id)
            code = self._next_exit(cancelled)
            if self.auto_remove:
                try:
                    containers.remove(self.store, self.id, force=True, volumes_too=True)
                except ContainerNotFound:
                    pass
                return code
        if self.condition == "removed":
            while True:
                try:
                    containers.get(self.store, self.id)
                except ContainerNotFound:
                    break
                if cancelled is not None and cancelled():
                    raise Cancelled
                time.sleep(POLL)
        return code

    def close(self) -> None:
        self._stack.close()

    def _next_exit(self, cancelled: Callable[[], bool] | None) -> int:
        first = self.first
        if first.status in containers.LIVE:
            return containers.wait(self.store, self.id)
        while True:
            rec = containers.get(self.store, self.id)
            if rec.status in containers.LIVE:
                return containers.wait(self.store, self.id)
            if rec.started_at != first.started_at and rec.status != "created":
                return rec.exit_code if rec.exit_code is not None else 0
            if cancelled is not None and cancelled():
                raise Cancelled
            time.sleep(POLL)


def wait(store: Store, name_or_id: str, condition: str = "not-running",
         cancelled: Callable[[], bool] | None = None) -> int:
    """:class:`Waiter` in one call (for callers with nobody to tell that the wait is in place)."""
    return Waiter(store, name_or_id, condition).result(cancelled)
