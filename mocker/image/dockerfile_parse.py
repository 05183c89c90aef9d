"""Dockerfile text -> :class:`Node` values, by BuildKit's own parser (the ``dockerfile`` package).

The package wraps BuildKit's ``frontend/dockerfile/parser`` (Go): comments, ``\\`` continuations,
parser directives, heredocs and each instruction's own argument splitting (JSON or shell form,
``KEY=value`` pairs, ONBUILD's trigger), so ``ENV X`` fails with "ENV must have two arguments"
exactly as Docker says it. ``--change`` (``import``/``commit``) and ``build`` both parse here; what
the instructions mean is :mod:`mocker.image.changes`' and :mod:`mocker.build`'s business.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mocker.errors import InvalidArgument

ESCAPE = "\\"  # the default escape token (no "# escape=" directive in a change)


@dataclass(slots=True)
class Node:
    """One parsed instruction: what BuildKit's ``parser.Node`` holds for it."""

    instruction: str  # as written
    original: str  # the whole logical line
    flags: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    json_form: bool = False
    # ENV/LABEL: (key, value, delimiter) triples.
    pairs: list[tuple[str, str, str]] = field(default_factory=list)
    sub: Node | None = None  # ONBUILD's trigger
    line: int = 0
    raw: Any = None  # the package's Command (heredocs, end line)


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
    return json.dumps(text, ensure_ascii=False)
