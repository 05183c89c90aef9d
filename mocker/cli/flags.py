"""A pflag-compatible flag parser driven by declarative tables.

Docker's CLI uses spf13/pflag: ``-it`` bundles booleans, ``-fVALUE`` / ``-f VALUE`` / ``--flag=VALUE``
/ ``--flag VALUE`` all work, ``--`` ends flags, and for ``run``-like commands parsing stops at the
first positional (the image name) so the container's own flags are left alone. The tables are also
the honesty layer: a flag Docker has but mocker cannot honour is declared with ``unsupported=...``
and using it raises :class:`NotSupported` instead of being silently dropped.

Start-up cost: on every command's path (``--version`` too), so :class:`Flag` is a ``__slots__`` class and
``typing`` is imported for type checking only.
"""

from __future__ import annotations

from mocker.errors import NotSupported, UsageError
from mocker.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, Literal

    Kind = Literal["bool", "str", "int", "list", "float"]


class Flag(Record):
    """One flag of a command's table; immutable, compared by its fields.

    A ``__slots__`` class, not a NamedTuple or a dataclass: this module is on every command's start-up
    path (``--version`` included), and ``typing`` costs ~10 ms and ``dataclasses`` ~20 ms to import here.
    """

    __slots__ = ("long", "short", "kind", "default", "help", "metavar", "unsupported", "hidden", "convert")

    long: str
    short: str | None
    kind: Kind
    default: Any
    help: str
    metavar: str
    unsupported: str | None
    hidden: bool
    # Parse/validate the text of one value (e.g. sizes); raise UsageError/InvalidArgument on bad text.
    convert: Callable[[str], Any] | None

    def __init__(
        self, long: str, short: str | None = None, kind: Kind = "bool", default: Any = None, help: str = "",
        metavar: str = "", unsupported: str | None = None, hidden: bool = False,
        convert: Callable[[str], Any] | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "long", long)
        init(self, "short", short)
        init(self, "kind", kind)
        init(self, "default", default)
        init(self, "help", help)
        init(self, "metavar", metavar)
        init(self, "unsupported", unsupported)
        init(self, "hidden", hidden)
        init(self, "convert", convert)

    @property
    def dest(self) -> str:
        return self.long.replace("-", "_")


class Parsed:
    __slots__ = ("values", "args", "given")

    def __init__(self, values: dict[str, Any], args: list[str], given: set[str] | None = None) -> None:
        self.values = values
        self.args = args
        self.given = given if given is not None else set()

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def changed(self, dest: str) -> bool:
        return dest in self.given


def _bool_value(flag: Flag, text: str) -> bool:
    low = text.lower()
    if low in ("1", "t", "true"):
        return True
    if low in ("0", "f", "false"):
        return False
    raise UsageError(f'invalid argument "{text}" for "--{flag.long}" flag: strconv.ParseBool: '
                     f'parsing "{text}": invalid syntax')


def _convert(flag: Flag, text: str, opt: str) -> Any:
    if flag.convert is not None:
        return flag.convert(text)
    if flag.kind == "int":
        try:
            return int(text, 0)
        except ValueError:
            raise UsageError(f'invalid argument "{text}" for "{opt}" flag: strconv.ParseInt: '
                             f'parsing "{text}": invalid syntax') from None
    if flag.kind == "float":
        try:
            return float(text)
        except ValueError:
            raise UsageError(f'invalid argument "{text}" for "{opt}" flag: strconv.ParseFloat: '
                             f'parsing "{text}": invalid syntax') from None
    return text


def _opt_name(flag: Flag) -> str:
    if flag.short:
        return f"-{flag.short}, --{flag.long}"
    return f"--{flag.long}"


def parse(
    argv: Sequence[str],
    flags: Sequence[Flag],
    *,
    interspersed: bool = True,
) -> Parsed:
    by_long = {f.long: f for f in flags}
    by_short = {f.short: f for f in flags if f.short}
    values: dict[str, Any] = {}
    for f in flags:
        if f.kind == "list":
            values[f.dest] = list(f.default or [])
        elif f.kind == "bool":
            values[f.dest] = bool(f.default)
        else:
            values[f.dest] = f.default
    given: set[str] = set()
    args: list[str] = []

    def assign(flag: Flag, text: str | None, opt: str) -> None:
        if flag.unsupported is not None:
            raise NotSupported(f"--{flag.long}", flag.unsupported)
        given.add(flag.dest)
        if flag.kind == "bool":
            values[flag.dest] = True if text is None else _bool_value(flag, text)
            return
        assert text is not None
        value = _convert(flag, text, opt)
        if flag.kind == "list":
            values[flag.dest].append(value)
        else:
            values[flag.dest] = value

    i = 0
    argv = list(argv)
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            args.extend(argv[i:])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, text = arg[2:].partition("=")
            flag = by_long.get(name)
            if flag is None:
                raise UsageError(f"unknown flag: --{name}")
            if flag.kind == "bool":
                assign(flag, text if eq else None, f"--{name}")
                continue
            if not eq:
                if i >= len(argv):
                    raise UsageError(f"flag needs an argument: --{name}")
                text = argv[i]
                i += 1
            assign(flag, text, f"--{name}")
            continue
        if arg.startswith("-") and len(arg) > 1:
            j = 1
            while j < len(arg):
                ch = arg[j]
                flag = by_short.get(ch)
                if flag is None:
                    raise UsageError(f"unknown shorthand flag: '{ch}' in {arg}")
                if flag.kind == "bool":
                    if j + 1 < len(arg) and arg[j + 1] == "=":
                        assign(flag, arg[j + 2:], f"-{ch}")
                        break
                    assign(flag, None, f"-{ch}")
                    j += 1
                    continue
                rest = arg[j + 1:]
                if rest.startswith("="):
                    rest = rest[1:]
                if not rest:
                    if i >= len(argv):
                        raise UsageError(f"flag needs an argument: '{ch}' in -{ch}")
                    rest = argv[i]
                    i += 1
                assign(flag, rest, f"-{ch}")
                break
            continue
        args.append(arg)
        if not interspersed:
            args.extend(argv[i:])
            break
    return Parsed(values=values, args=args, given=given)


def format_flags(flags: Sequence[Flag]) -> str:
    rows = []
    for f in flags:
        if f.hidden:
            continue
        left = (f"-{f.short}, " if f.short else "    ") + f"--{f.long}"
        if f.kind != "bool":
            left += " " + (f.metavar or f.kind)
        help_text = f.help
        if f.unsupported:
            help_text += " (not supported by mocker)"
        rows.append((left, help_text))
    width = max((len(r[0]) for r in rows), default=0)
    return "\n".join(f"  {left.ljust(width)}   {text}".rstrip() for left, text in rows)
