"""What BuildKit's parser said about Dockerfile texts it parsed before, so a rebuild skips the parser.

The ``dockerfile`` package is Go: loading it starts the Go runtime (a handful of threads, ~5 ms of
CPU here), a large share of a cached rebuild. Its output is a pure function of the text and the
parser's code, so it is kept in ``<root>/build/dockerfiles/<sha256 of the exact text>.json``,
under the identity of the parser's shared library (path, size, mtime, inode): another
``dockerfile`` version, or none that this module can find, makes the memo unused. Only successful
parses are kept (an error is reported by the parser itself, with its line). Entries are the
parser's raw commands, not mocker's instructions, so a change of mocker's own code needs no
invalidation. One file per text, written atomically, so a build reads only its own; at most
:data:`LIMIT` texts are kept, the least recently written dropped first.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

LIMIT = 256
_MODULE = "dockerfile"


class Heredoc:
    __slots__ = ("content", "file_descriptor", "name")

    def __init__(self, name: str, file_descriptor: int, content: str) -> None:
        self.name = name
        self.file_descriptor = file_descriptor
        self.content = content


class Command:
    """The attributes of the package's ``Command`` that :mod:`mocker.build.dockerfile` reads."""

    __slots__ = ("cmd", "end_line", "flags", "heredocs", "json", "original", "start_line", "sub_cmd", "value")

    def __init__(self, row: list[Any]) -> None:
        (self.cmd, self.sub_cmd, self.json, self.original, self.start_line, self.end_line, flags, value,
         heredocs) = row
        self.flags = tuple(flags)
        self.value = tuple(value)
        self.heredocs = tuple(Heredoc(*h) for h in heredocs)


def _row(c: Any) -> list[Any]:
    return [c.cmd, c.sub_cmd, bool(c.json), c.original, c.start_line, c.end_line, list(c.flags), list(c.value),
            [[h.name, h.file_descriptor, h.content] for h in c.heredocs]]


def parser_identity() -> str | None:
    """The file ``import dockerfile`` would load (the first hit along ``sys.path``, as the import
    system searches it), as path + size + mtime + inode; None unless it is the extension module."""
    import _imp

    suffixes = _imp.extension_suffixes()
    for entry in sys.path:
        base = os.path.join(entry or os.getcwd(), _MODULE)
        if os.path.isdir(base):
            return None  # a package directory: not the extension this memo knows
        for suffix in (*suffixes, ".py", ".pyc"):
            try:
                st = os.stat(base + suffix)
            except OSError:
                continue
            if suffix not in suffixes:
                return None
            return f"{base}{suffix}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
    return None


def parse_commands(text: str, directory: str, parse: Callable[[str], Any]) -> list[Any]:
    """The parser's commands for ``text``: remembered in ``directory``, else ``parse(text)`` (and
    remembered there)."""
    from mocker import jsonc

    identity = parser_identity()
    if identity is None:
        return list(parse(text))
    path = os.path.join(directory, _key(text) + ".json")
    try:
        with open(path, "rb") as f:
            doc = jsonc.loads(f.read())
        if isinstance(doc, dict) and doc.get("parser") == identity and isinstance(doc.get("commands"), list):
            return [Command(r) for r in doc["commands"]]
    except (OSError, ValueError, TypeError):
        pass  # none, or not what this code wrote (another parser's, damaged): parse again and overwrite
    commands = list(parse(text))
    from mocker.build.memo_files import keep_newest, write_json

    write_json(path, {"parser": identity, "commands": [_row(c) for c in commands]})
    keep_newest(directory, LIMIT)
    return commands


def _key(text: str) -> str:
    from mocker.shortsha import sha256_hex

    return sha256_hex(text.encode("utf-8", "surrogatepass"))
