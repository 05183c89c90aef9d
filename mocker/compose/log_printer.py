"""Many containers' logs on one stream, each line prefixed ``web-1  | `` as Docker Compose v2 does
(names padded to the longest, a colour per service when the output is a terminal).

Each container is read by the engine's ``read_logs`` in its own thread; whole lines are written
under one lock, so lines of different containers never mix.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TextIO

from mocker.compose import labels as L
from mocker.store.containers import ContainerRecord
from mocker.store.store import Store

# Docker Compose's rainbow: cyan, yellow, green, magenta, blue, then the intense variants.
_COLORS = ("36", "33", "32", "35", "34", "96", "93", "92", "95", "94")


class LogPrinter:
    def __init__(self, out: TextIO, *, color: bool, prefix: bool = True, timestamps: bool = False,
                 err: TextIO | None = None) -> None:
        self.out = out
        self.err = err or out
        self.color = color
        self.prefix = prefix
        self.timestamps = timestamps
        self.width = 0
        self.lock = threading.Lock()
        self._colors: dict[str, str] = {}

    def register(self, names: list[str]) -> None:
        for n in names:
            self.width = max(self.width, len(n) + 1)
            if n not in self._colors:
                self._colors[n] = _COLORS[len(self._colors) % len(_COLORS)]

    def _prefix(self, name: str) -> str:
        if not self.prefix:
            return ""
        text = f"{name:<{self.width}} | "      # compose's "%-*s | ", width = longest name + 1
        if self.color:
            text = f"\x1b[{self._colors.get(name, '36')}m{text}\x1b[0m"
        return text

    def line(self, name: str, text: str, *, stderr: bool = False) -> None:
        """A container's stderr lines go to stderr, as Docker Compose's log consumer does."""
        target = self.err if stderr else self.out
        with self.lock:
            target.write(self._prefix(name) + text + "\n")
            target.flush()

    def follow(self, store: Store, recs: list[ContainerRecord], *, follow: bool, tail: int | None = None,
               since: float | None = None, until: float | None = None,
               on_exit: Callable[[ContainerRecord], None] | None = None,
               since_of: dict[str, float] | None = None) -> list[threading.Thread]:
        """One thread per container; ``on_exit`` is called when a followed container's log ends.
        ``since_of`` gives single containers their own start (``up`` shows only new output of
        containers that were already running, as attaching does)."""
        self.register([L.short_name(r) for r in recs])
        threads = []
        for rec in recs:
            start = (since_of or {}).get(rec.id, since)
            t = threading.Thread(target=self._pump, args=(store, rec, follow, tail, start, until, on_exit),
                                 daemon=True)
            t.start()
            threads.append(t)
        return threads

    def _pump(self, store: Store, rec: ContainerRecord, follow: bool, tail: int | None, since: float | None,
              until: float | None, on_exit: Callable[[ContainerRecord], None] | None) -> None:
        from mocker.engine import containers
        from mocker.engine.logs import read_logs
        from mocker.store.store import Store as StoreCls

        # SQLite connections are per thread: this thread opens its own store.
        local = StoreCls.open(str(store.paths.root))
        try:
            name = L.short_name(rec)

            def running() -> bool:
                try:
                    return containers.get(local, rec.id).status in ("running", "paused", "restarting")
                except Exception:  # noqa: BLE001 - removed meanwhile: the log has ended
                    return False

            path = rec.config["spec"].get("log_path")
            if not path or rec.config["spec"].get("log_driver") == "none":
                return
            for ln in read_logs(path, since=since, until=until, tail=tail, timestamps=self.timestamps,
                                follow=follow, is_running=running):
                data: Any = ln.output()
                self.line(name, data.decode(errors="replace").rstrip("\n"), stderr=ln.stream == "stderr")
            if on_exit is not None:
                on_exit(rec)
        finally:
            local.close()
