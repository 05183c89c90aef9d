"""Docker's pull/push progress display.

On a terminal each layer keeps one line that is redrawn in place (``a1b2c3: Downloading [==>  ]
1.2MB/3.4MB``); otherwise every status change prints one plain line and byte progress is left out,
exactly like Docker's jsonmessage display without a tty.
"""

from __future__ import annotations

import threading
from typing import Any, TextIO


class ProgressPrinter:
    def __init__(self, out: TextIO, *, tty: bool, quiet: bool = False) -> None:
        self.out = out
        self.tty = tty
        self.quiet = quiet
        self._lines: dict[str, int] = {}  # id -> line index (tty mode)
        self._count = 0
        self._last: dict[str, str] = {}
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        if self.quiet:
            return
        with self._lock:
            self.out.write(text + "\n")
            self.out.flush()
            self._count += 1

    def __call__(self, event: Any) -> None:
        if self.quiet:
            return
        ident = str(getattr(event, "id", "") or "")
        status = str(getattr(event, "status", ""))
        current = getattr(event, "current", None)
        total = getattr(event, "total", None)
        with self._lock:
            if not self.tty:
                if current is not None and status in ("Downloading", "Pushing", "Extracting"):
                    return
                key = f"{ident}:{status}"
                if self._last.get(ident) == key:
                    return
                self._last[ident] = key
                self.out.write(f"{ident}: {status}\n" if ident else f"{status}\n")
                self.out.flush()
                return
            text = f"{ident}: {status}"
            if current is not None and total:
                text += " " + _bar(int(current), int(total))
            if ident not in self._lines:
                self._lines[ident] = self._count
                self.out.write(text + "\n")
                self._count += 1
            else:
                up = self._count - self._lines[ident]
                self.out.write(f"\x1b[{up}A\r\x1b[2K{text}\r\x1b[{up}B")
            self.out.flush()


def _bar(current: int, total: int) -> str:
    from mocker.format.units import human_size

    width = 50
    filled = min(width, int(width * current / total)) if total else 0
    arrow = ">" if filled < width else ""
    bar = "=" * max(0, filled - (1 if arrow else 0)) + arrow
    return f"[{bar.ljust(width)}] {human_size(current)}/{human_size(total)}"
