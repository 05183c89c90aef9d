"""What a CLI command is: its name, usage, flag table, argument rule and handler.

Each ``cli/<noun>.py`` module declares :class:`Command` values; ``cli/commands.py`` only maps
names to them as strings, so a run imports just the module of the command it runs.

Start-up cost: :class:`Command` is a ``__slots__`` class, not a NamedTuple (no ``typing`` at run time).
"""

from __future__ import annotations

import io
import sys

from mocker.errors import UsageError
from mocker.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO, Any, BinaryIO, TextIO

    from mocker.cli.flags import Flag, Parsed
    from mocker.store.store import Store

    Handler = Callable[["Context", Parsed], int | None]


class Command(Record):
    """A command's table entry; immutable, compared by its fields.

    A ``__slots__`` class, not a NamedTuple: ``typing`` costs ~10 ms to import on every start-up.
    """

    __slots__ = ("name", "usage", "summary", "handler", "flags", "min_args", "max_args", "interspersed",
                 "aliases")

    name: str
    usage: str
    summary: str
    handler: Handler
    flags: tuple[Flag, ...]
    min_args: int
    max_args: int | None
    # False for run/exec-like commands: parsing stops at the first positional, as Docker does.
    interspersed: bool
    aliases: tuple[str, ...]

    def __init__(
        self, name: str, usage: str, summary: str, handler: Handler, flags: tuple[Flag, ...] = (),
        min_args: int = 0, max_args: int | None = None, interspersed: bool = True, aliases: tuple[str, ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "name", name)
        init(self, "usage", usage)
        init(self, "summary", summary)
        init(self, "handler", handler)
        init(self, "flags", flags)
        init(self, "min_args", min_args)
        init(self, "max_args", max_args)
        init(self, "interspersed", interspersed)
        init(self, "aliases", aliases)

    def check_args(self, args: list[str]) -> None:
        n = len(args)
        lo, hi = self.min_args, self.max_args
        msg = None
        if hi == 0 and n > 0:
            msg = "accepts no arguments."
        elif hi is not None and lo == hi and n != lo:
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
        # Set by a handler whose work leaves nothing for the interpreter's teardown (its files are
        # closed, it started no thread): the console entry point may then end the process without
        # it, once the streams are flushed (cli.main.entry; DECISIONS 38).
        self.quick_exit = False

    def store(self) -> Store:
        if self._store is None:
            from mocker.store.store import Store

            self._store = Store.open(self.root)
        return self._store

    def close_store(self) -> None:
        """Close the store now (a build closes it before recording what it read: DECISIONS 39)."""
        if self._store is not None:
            self._store.close()
            self._store = None

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
