"""Variable interpolation in compose files, as compose-go's ``template`` package does it.

Forms: ``$VAR``, ``${VAR}``, ``${VAR:-default}`` (unset or empty), ``${VAR-default}`` (unset),
``${VAR:?err}`` / ``${VAR?err}`` (required), ``${VAR:+alt}`` / ``${VAR+alt}`` (replacement) and
``$$`` for a literal ``$``. Defaults and replacements may themselves hold ``${...}`` (nested).
An unset variable without a default becomes "" with a warning, as Docker Compose does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from mocker.errors import InvalidArgument

_NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")


class InterpolationError(InvalidArgument):
    """A bad ``${...}`` or a required variable without a value."""


class _Invalid(Exception):
    pass


class _Missing(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(name)
        self.name = name
        self.message = message


def substitute(text: str, env: Mapping[str, str], warn: Callable[[str], None] | None = None) -> str:
    """One string; raises :class:`_Invalid` / :class:`_Missing` (the caller adds the key path)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "$":
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            out.append("$")
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "{":
            end = _closing_brace(text, i + 2)
            if end < 0:
                raise _Invalid()
            out.append(_braced(text[i + 2:end], env, warn))
            i = end + 1
        else:
            m = _NAME.match(text, i + 1)
            if m is None:
                out.append("$")
                i += 1
                continue
            out.append(_lookup(m.group(0), env, warn))
            i = m.end()
    return "".join(out)


def _closing_brace(text: str, start: int) -> int:
    depth = 1
    i = start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _lookup(name: str, env: Mapping[str, str], warn: Callable[[str], None] | None) -> str:
    if name in env:
        return env[name]
    if warn is not None:
        warn(f'The "{name}" variable is not set. Defaulting to a blank string.')
    return ""


def _braced(inner: str, env: Mapping[str, str], warn: Callable[[str], None] | None) -> str:
    m = _NAME.match(inner)
    if m is None:
        raise _Invalid()
    name, rest = m.group(0), inner[m.end():]
    if rest == "":
        return _lookup(name, env, warn)
    for op in (":-", ":?", ":+", "-", "?", "+"):
        if rest.startswith(op):
            arg = rest[len(op):]
            break
    else:
        raise _Invalid()
    value = env.get(name)
    is_set = value is not None
    empty_counts = op.startswith(":")
    has_value = is_set and (value != "" or not empty_counts)
    kind = op[-1]
    if kind == "-":
        return value if has_value and value is not None else substitute(arg, env, warn)
    if kind == "+":
        return substitute(arg, env, warn) if has_value else ""
    if not has_value:
        raise _Missing(name, substitute(arg, env, warn))
    return value or ""


def interpolate(node: Any, env: Mapping[str, str], path: str = "",
                warn: Callable[[str], None] | None = None) -> Any:
    """Every string value (not keys) of a YAML tree; errors name the key path, as compose-go does."""
    if isinstance(node, dict):
        return {k: interpolate(v, env, f"{path}.{k}" if path else str(k), warn) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, env, f"{path}[{i}]", warn) for i, v in enumerate(node)]
    if isinstance(node, str):
        try:
            return substitute(node, env, warn)
        except _Invalid:
            raise InterpolationError(f"invalid interpolation format for {_dotted(path)}.\n"
                                     f"You may need to escape any $ with another $.\n{node}") from None
        except _Missing as e:
            msg = f"required variable {e.name} is missing a value"
            if e.message:
                msg += f": {e.message}"
            raise InterpolationError(f"error while interpolating {_dotted(path)}: {msg}") from None
    return node


def _dotted(path: str) -> str:
    """compose-go names list items by their parent's path (``services.web.command``)."""
    return re.sub(r"\[\d+\]", "", path)
