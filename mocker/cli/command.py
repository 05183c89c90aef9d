"""What a CLI command is: its name, usage, flag table, argument rule and handler.

Each ``cli/<noun>.py`` module declares :class:`Command` values; ``cli/commands.py`` only maps
names to them as strings, so a run imports just the module of the command it runs.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, BinaryIO, NamedTuple, TextIO

from mocker.cli.flags import Flag, Parsed
from mocker.errors import UsageError

if TYPE_CHECKING:
    from mocker.store.store import Store

Handler = Callable[["Context", Parsed], int | None]


class Command(NamedTuple):
    name: str
    usage: str
    summary: str
    handler: Handler
    flags: tuple[Flag, ...] = ()
    min_args: int = 0
    max_args: int | None = None
    # False for run/exec-like commands: parsing stops at the first positional, as Docker does.
    interspersed: bool = True
    aliases: tuple[str, ...] = ()

    def check_args(self, args: list[str]) -> None:
        n = len(args)
        lo, hi = self.min_args, self.max_args
        msg = None
        if hi is not None and lo == hi and n != lo:
            msg = f"requires exactly {lo} argument{'s' if lo != 1 else ''}."
        elif n < lo:
            msg = f"requires at least {lo} argument{'s' if lo != 1 else ''}."
        elif hi is not None and n > hi:
            msg = "accepts no arguments." if hi == 0 else f"accepts at most {hi} argument{'s' if hi != 1 else ''}."
        if msg:
            raise ArgumentCountError(
                f'"mocker {self.name}" {msg}\nSee \'mocker {self.name} --help\'.\n\n'
                f"Usage:  mocker {self.usage}\n\n{self.summary}"
            )


class ArgumentCountError(UsageError):
    """Docker's cli.ExactArgs & co. are plain errors, so they exit 1, unlike flag errors (125)."""

    exit_code = 1


class Context:
    """What a handler gets besides its flags: the streams, global options and the store (lazily)."""

    def __init__(self, stdout: TextIO, stderr: TextIO, stdin: IO[Any]) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.stdin = stdin
        self.root: str | None = None
        self.debug = False
        self._store: Store | None = None

    def store(self) -> Store:
        if self._store is None:
            from mocker.store.store import Store

            self._store = Store.open(self.root)
        return self._store

    def out(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def err(self, text: str) -> None:
        self.stderr.write(text + "\n")

    def binary_stdout(self) -> BinaryIO:
        buf = getattr(self.stdout, "buffer", None)
        if buf is not None:
            self.stdout.flush()
            return buf  # type: ignore[no-any-return,unused-ignore]
        raise UsageError("binary output needs a real stdout")

    def binary_stdin(self) -> BinaryIO:
        buf = getattr(self.stdin, "buffer", None)
        if buf is not None:
            return buf  # type: ignore[no-any-return,unused-ignore]
        if isinstance(self.stdin, io.BytesIO):
            return self.stdin
        return sys.stdin.buffer

    def stdout_is_tty(self) -> bool:
        try:
            return self.stdout.isatty()
        except (AttributeError, ValueError):
            return False
