"""Dockerfile text -> :class:`Node` values, by BuildKit's own parser (the ``dockerfile`` package).

The package wraps BuildKit's ``frontend/dockerfile/parser`` (Go): comments, ``\\`` continuations,
parser directives, heredocs and each instruction's own argument splitting (JSON or shell form,
``KEY=value`` pairs, ONBUILD's trigger), so ``ENV X`` fails with "ENV must have two arguments"
exactly as Docker says it. ``--change`` (``import``/``commit``) and ``build`` both parse here; what
the instructions mean is :mod:`mocker.image.changes`' and :mod:`mocker.build`'s business.
"""

from __future__ import annotations

from mocker.errors import InvalidArgument
from mocker.image.shell_lex import ESCAPE  # the default escape token (no "# escape=" directive in a change)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ESCAPE", "Node", "go_quote", "parse_commands", "parse_text", "to_node"]


class Node:
    """One parsed instruction: what BuildKit's ``parser.Node`` holds for it."""

    __slots__ = ("args", "flags", "instruction", "json_form", "line", "original", "pairs", "raw", "sub")

    def __init__(self, instruction: str, original: str, flags: list[str] | None = None,
                 args: list[str] | None = None, json_form: bool = False,
                 pairs: list[tuple[str, str, str]] | None = None, sub: Node | None = None, line: int = 0,
                 raw: Any = None) -> None:
        self.instruction = instruction  # as written
        self.original = original  # the whole logical line
        self.flags: list[str] = flags if flags is not None else []
        self.args: list[str] = args if args is not None else []
        self.json_form = json_form
        # ENV/LABEL: (key, value, delimiter) triples.
        self.pairs: list[tuple[str, str, str]] = pairs if pairs is not None else []
        self.sub = sub  # ONBUILD's trigger
        self.line = line
        self.raw = raw  # the package's Command (heredocs, end line)

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, n) for n in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it replaces

    def __repr__(self) -> str:
        return "Node(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__) + ")"


def parse_commands(text: str) -> Any:
    """The package's commands for ``text``; its errors become :class:`InvalidArgument`, unchanged."""
    import dockerfile as gofile

    try:
        return gofile.parse_string(text)
    except Exception as e:  # noqa: BLE001 - GoParseError, and anything the Go side reports
        raise InvalidArgument(str(e)) from None


def to_node(cmd: Any) -> Node:
    node = Node(instruction=cmd.cmd, original=cmd.original, flags=list(cmd.flags), args=list(cmd.value),
                json_form=bool(cmd.json), line=cmd.start_line, raw=cmd)
    word = cmd.cmd.lower()
    if word in ("env", "label"):
        values = list(cmd.value)
        node.pairs = [(values[i], values[i + 1], "=") for i in range(0, len(values) - 1, 2)]
    elif word == "onbuild" and cmd.sub_cmd:
        node.args = [cmd.sub_cmd]
    return node


def parse_text(text: str) -> list[Node]:
    """Every instruction of ``text`` as a :class:`Node`."""
    try:
        commands = parse_commands(text)
    except InvalidArgument as e:
        if e.message == "file with no instructions":
            return []  # only comments: nothing to apply
        raise
    return [to_node(c) for c in commands]


def go_quote(text: str) -> str:
    """Go's ``%q`` for the texts that appear here (JSON escaping is close enough for messages)."""
    import json

    return json.dumps(text, ensure_ascii=False)
