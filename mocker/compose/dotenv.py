"""``.env`` / ``--env-file`` / ``env_file:`` files, read as compose-go's ``dotenv`` package does.

``KEY=value``, ``export KEY=value``, ``KEY: value``; ``#`` comments (after an unquoted value only
when preceded by a space); single quotes are literal, double quotes know ``\\n``-style escapes; unquoted
and double-quoted values interpolate ``${VAR}`` from the variables read so far and the lookup
environment. A bare ``KEY`` takes its value from the lookup environment, or is left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from mocker.compose.interpolation import _Invalid, _Missing, substitute
from mocker.errors import InvalidArgument

_KEY = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-\[\]]*)\s*([=:])?")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "$": "$"}


def parse(text: str, lookup: Mapping[str, str], filename: str = ".env") -> dict[str, str]:
    out: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _KEY.match(line)
        if m is None:
            raise InvalidArgument(f"failed to read {filename}: line {i}: unexpected character "
                                  f"{stripped[0]!r} in variable name {stripped!r}")
        key = m.group(1)
        if m.group(2) is None:
            if line[m.end():].strip():
                raise InvalidArgument(f"failed to read {filename}: line {i}: unexpected character in "
                                      f"variable name {stripped!r}")
            if key in lookup:
                out[key] = lookup[key]
            continue
        rest = line[m.end():].lstrip(" \t")
        env = {**lookup, **out}
        if rest[:1] in ("'", '"'):
            quote = rest[0]
            body = rest[1:]
            # Quoted values may span lines.
            while _closing(body, quote) < 0 and i < len(lines):
                body += "\n" + lines[i]
                i += 1
            end = _closing(body, quote)
            if end < 0:
                raise InvalidArgument(f"failed to read {filename}: line {i}: unterminated quoted value")
            raw = body[:end]
            if quote == "'":
                out[key] = raw
            else:
                out[key] = _expand(_unescape(raw), env, filename)
            continue
        value = re.split(r"\s#", rest, maxsplit=1)[0].strip()
        out[key] = _expand(value, env, filename)
    return out


def _closing(body: str, quote: str) -> int:
    j = 0
    while j < len(body):
        if body[j] == "\\" and quote == '"':
            j += 2
            continue
        if body[j] == quote:
            return j
        j += 1
    return -1


def _unescape(raw: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), raw)


def _expand(value: str, env: Mapping[str, str], filename: str) -> str:
    try:
        return substitute(value, env)
    except _Invalid:
        raise InvalidArgument(f"failed to read {filename}: invalid interpolation format in {value!r}") from None
    except _Missing as e:
        raise InvalidArgument(f"failed to read {filename}: required variable {e.name} is missing a value"
                              + (f": {e.message}" if e.message else "")) from None


def read(path: str, lookup: Mapping[str, str]) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise InvalidArgument(f"env file {path} not found: stat {path}: no such file or directory") from None
    except OSError as e:
        raise InvalidArgument(f"failed to read {path}: {e.strerror}") from None
    return parse(text, lookup, path)
