"""A Dockerfile as typed stages of instructions, parsed by BuildKit's own grammar.

The ``dockerfile`` package wraps BuildKit's ``frontend/dockerfile/parser`` (Go): parser directives
(``# escape=``), continuations, comments, JSON and shell forms, heredocs and the per-instruction
argument splitting all come from there, so mocker parses exactly what ``docker build`` parses. It
returns raw nodes; what they mean (stages, ``AS`` names, flags, heredoc chomping and quoting) is
decided here, as BuildKit's ``instructions`` package decides it.

The package's errors carry no line number: the line is found by parsing growing prefixes of the
file (only on the error path), so messages read ``Dockerfile:7: ...`` as Docker's do.
"""

from __future__ import annotations

from mocker.errors import InvalidArgument
from mocker.records import frozen

TYPE_CHECKING = False  # annotations only: a cached rebuild should not import ``typing`` (DECISIONS 37)
if TYPE_CHECKING:
    import re
    from typing import Any

INSTRUCTIONS = frozenset((
    "from", "run", "cmd", "label", "maintainer", "expose", "env", "add", "copy", "entrypoint", "volume",
    "user", "workdir", "arg", "onbuild", "stopsignal", "healthcheck", "shell",
))  # fmt: skip


def _regex(name: str, pattern: str) -> re.Pattern[str]:
    """Compiled on first use: most Dockerfiles have neither heredocs nor stage names to check."""
    found = _REGEXES.get(name)
    if found is None:
        import re

        found = _REGEXES[name] = re.compile(pattern)
    return found


_REGEXES: dict[str, re.Pattern[str]] = {}
_HEREDOC = r"^<<(-?)(['\"]?)([A-Za-z0-9_]+)\2$"


class DockerfileError(InvalidArgument):
    """A Dockerfile that cannot be parsed or built; ``line`` is 1-based (0: unknown)."""

    def __init__(self, message: str, *, line: int = 0, filename: str = "Dockerfile") -> None:
        super().__init__(f"{filename}:{line}: {message}" if line else message)
        self.line = line
        self.reason = message


@frozen
class Heredoc:
    name: str
    content: str
    expand: bool  # unquoted name: $VAR expanded in the content
    chomp: bool  # <<-: leading tabs removed


@frozen
class Instruction:
    """One instruction: ``cmd`` lower case; ``args`` as the parser split them; ``line`` 1-based."""

    cmd: str
    args: tuple[str, ...]
    flags: tuple[str, ...]
    json: bool
    original: str
    line: int
    heredocs: tuple[Heredoc, ...] = ()
    sub_cmd: str | None = None  # ONBUILD's trigger

    def flag(self, name: str) -> str | None:
        """The last ``--name=value`` of this instruction (None: not given)."""
        found = None
        for f in self.flags:
            key, eq, value = f[2:].partition("=")
            if key == name:
                found = value if eq else "true"
        return found

    def flag_values(self, name: str) -> list[str]:
        return [f[2:].partition("=")[2] for f in self.flags if f[2:].partition("=")[0] == name]

    def check_flags(self, allowed: tuple[str, ...]) -> None:
        for f in self.flags:
            key = f[2:].partition("=")[0]
            if key not in allowed:
                raise DockerfileError(f"unknown flag: {key}", line=self.line)


class Stage:
    """``FROM base [AS name]`` and the instructions after it."""

    __slots__ = ("base", "index", "instructions", "line", "name", "platform")

    def __init__(self, index: int, base: str, name: str | None, platform: str | None, line: int,
                 instructions: list[Instruction] | None = None) -> None:
        self.index = index
        self.base = base  # unexpanded
        self.name = name
        self.platform = platform  # FROM --platform, unexpanded
        self.line = line
        self.instructions: list[Instruction] = instructions if instructions is not None else []

    def __repr__(self) -> str:
        return f"Stage(index={self.index!r}, base={self.base!r}, name={self.name!r}, line={self.line!r})"


class Dockerfile:
    __slots__ = ("meta_args", "stages")

    def __init__(self, meta_args: list[Instruction], stages: list[Stage]) -> None:
        self.meta_args = meta_args  # ARGs before the first FROM
        self.stages = stages

    def stage_index(self, name: str) -> int | None:
        """The stage a ``--from``/``FROM`` name refers to: by ``AS`` name (case-insensitive) or number."""
        lowered = name.lower()
        for st in self.stages:
            if st.name is not None and st.name == lowered:
                return st.index
        if name.isdigit() and int(name) < len(self.stages):
            return int(name)
        return None


def _raw_parse(text: str) -> Any:
    from mocker.image.dockerfile_parse import parse_commands

    return parse_commands(text)


def _error_line(text: str, message: str) -> int:
    """The first line whose prefix of the file fails with ``message`` (0 if none does alone)."""
    lines = text.split("\n")
    for n in range(1, len(lines) + 1):
        try:
            _raw_parse("\n".join(lines[:n]) + "\n")
        except InvalidArgument as e:
            if e.message == message:
                return n
    return 0


def _heredocs(words: tuple[str, ...], raw: Any) -> tuple[Heredoc, ...]:
    """Match the parser's heredocs with the ``<<NAME`` words that opened them (quoting, ``-``)."""
    marks: dict[str, tuple[bool, bool]] = {}
    for text in words:
        for word in text.split():
            m = _regex("heredoc", _HEREDOC).match(word)
            if m:
                marks[m.group(3)] = (not m.group(2), bool(m.group(1)))
    out = []
    for h in raw:
        expand, chomp = marks.get(h.name, (True, False))
        content = h.content
        if chomp:
            content = "".join(line.lstrip("\t") for line in content.splitlines(keepends=True))
        out.append(Heredoc(name=h.name, content=content, expand=expand, chomp=chomp))
    return tuple(out)


def parse(text: str, *, filename: str = "Dockerfile", memo: str | None = None) -> Dockerfile:
    """Parse and split into stages; errors name the file and line as BuildKit's do.

    ``memo``: a directory remembering the parser's output for texts it parsed before (a rebuild
    then does not start the Go runtime; :mod:`mocker.build.parse_memo`)."""
    try:
        if memo is not None:
            from mocker.build.parse_memo import parse_commands

            nodes = parse_commands(text, memo, _raw_parse)
        else:
            nodes = _raw_parse(text)
    except InvalidArgument as e:
        message = e.message
        line = 0 if message == "file with no instructions" else _error_line(text, message)
        raise DockerfileError(f"dockerfile parse error: {message}", line=line, filename=filename) from None
    meta: list[Instruction] = []
    stages: list[Stage] = []
    for node in nodes:
        cmd = node.cmd.lower()
        line = node.start_line
        if cmd not in INSTRUCTIONS:
            raise DockerfileError(f"unknown instruction: {node.cmd}", line=line, filename=filename)
        heredocs = _heredocs(tuple(node.value), node.heredocs) if node.heredocs else ()
        ins = Instruction(cmd=cmd, args=tuple(node.value), flags=tuple(node.flags), json=node.json,
                          original=node.original, line=line, heredocs=heredocs,
                          sub_cmd=node.sub_cmd.lower() if node.sub_cmd else None)
        if cmd == "from":
            stages.append(_stage(ins, len(stages), filename))
        elif not stages:
            if cmd != "arg":
                raise DockerfileError("no build stage in current context", line=line, filename=filename)
            meta.append(ins)
        else:
            stages[-1].instructions.append(ins)
    if not stages:
        raise DockerfileError("no build stage in current context", filename=filename)
    seen: set[str] = set()
    for s in stages:
        if s.name and s.name in seen:
            raise DockerfileError(f'duplicate stage name "{s.name}"', line=s.line, filename=filename)
        if s.name:
            seen.add(s.name)
    return Dockerfile(meta_args=meta, stages=stages)


_STAGE_NAME = r"^[a-z][a-z0-9-_.]*$"


def _stage(ins: Instruction, index: int, filename: str) -> Stage:
    ins.check_flags(("platform",))
    args = ins.args
    name = None
    if len(args) == 3 and args[1].lower() == "as":
        name = args[2].lower()
        if not _regex("stage", _STAGE_NAME).match(name):
            raise DockerfileError(f"invalid name for build stage: {args[2]!r}, name can't start with a number "
                                  "or contain symbols", line=ins.line, filename=filename)
    elif len(args) != 1:
        raise DockerfileError("FROM requires either one or three arguments", line=ins.line, filename=filename)
    return Stage(index=index, base=args[0], name=name, platform=ins.flag("platform"), line=ins.line)
