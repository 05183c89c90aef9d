"""YAML output as Go's ``gopkg.in/yaml.v3`` writes it (what ``docker compose config`` prints).

Two-space indentation with sequences indented under their key; strings that would read back as
another type (``"80"``, ``"true"``, ``"y"``) in double quotes; other strings plain when YAML allows,
else single-quoted; multi-line strings as literal blocks.
"""

from __future__ import annotations

import re
from typing import Any

_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*|0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+)")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_OLD_BOOL = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF"}
_RESOLVED = {"true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~", ""}


def _needs_double(s: str) -> bool:
    return (s in _RESOLVED or s in _OLD_BOOL or bool(_INT.fullmatch(s)) or bool(_FLOAT.fullmatch(s))
            or bool(_BASE60.fullmatch(s)) or s.startswith("<<"))


def _plain_ok(s: str) -> bool:
    if not s or s != s.strip(" ") or s.startswith(("---", "...")):
        return False
    if s[0] in "#,[]{}&*!|>'\"%@`":
        return False
    if s[0] in "-?:" and (len(s) == 1 or s[1] == " "):
        return False
    if ": " in s or " #" in s or s.endswith(":") or "\t" in s:
        return False
    return all(c.isprintable() for c in s)


def _double(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    out = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in out)
    return f'"{out}"'


def scalar(v: Any) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    s = str(v)
    if _needs_double(s):
        return _double(s)
    if _plain_ok(s):
        return s
    if "\n" in s or not all(c.isprintable() for c in s):
        return _double(s)
    return "'" + s.replace("'", "''") + "'"


def _block(s: str, indent: int) -> list[str]:
    chomp = "-" if not s.endswith("\n") else ("" if not s.endswith("\n\n") else "+")
    body = s[:-1] if s.endswith("\n") and chomp == "" else s.rstrip("\n") if chomp == "-" else s[:-1]
    pad = " " * indent
    return [f"|{chomp}"] + [(pad + line) if line else "" for line in body.split("\n")]


def _emit(v: Any, indent: int, out: list[str], first_prefix: str | None = None) -> None:
    pad = " " * indent
    if isinstance(v, dict):
        first = True
        for k, val in v.items():
            lead = first_prefix if (first and first_prefix is not None) else pad
            first = False
            key = scalar(str(k))
            if isinstance(val, dict) and val:
                out.append(f"{lead}{key}:")
                _emit(val, indent + 2, out)
            elif isinstance(val, list) and val:
                out.append(f"{lead}{key}:")
                _emit(val, indent + 2, out)
            elif isinstance(val, str) and "\n" in val:
                lines = _block(val, indent + 2)
                out.append(f"{lead}{key}: {lines[0]}")
                out.extend(lines[1:])
            else:
                out.append(f"{lead}{key}: {_inline(val)}")
    elif isinstance(v, list):
        for item in v:
            if isinstance(item, dict) and item:
                _emit(item, indent + 2, out, first_prefix=f"{pad}- ")
            elif isinstance(item, list) and item:
                out.append(f"{pad}-")
                _emit(item, indent + 2, out)
            elif isinstance(item, str) and "\n" in item:
                lines = _block(item, indent + 2)
                out.append(f"{pad}- {lines[0]}")
                out.extend(lines[1:])
            else:
                out.append(f"{pad}- {_inline(item)}")
    else:
        out.append(pad + _inline(v))


def _inline(v: Any) -> str:
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return scalar(v)


def dump(doc: Any) -> str:
    out: list[str] = []
    _emit(doc, 0, out)
    return "\n".join(out) + "\n"


def escape_dollars(node: Any) -> Any:
    """``config`` output must load back to the same values: a literal ``$`` is written ``$$``."""
    if isinstance(node, dict):
        return {k: escape_dollars(v) for k, v in node.items()}
    if isinstance(node, list):
        return [escape_dollars(v) for v in node]
    if isinstance(node, str):
        return node.replace("$", "$$")
    return node
