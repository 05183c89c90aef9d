"""Go's ``time.ParseDuration`` and ``Duration.String``: compose files give durations as Go text
(``1m30s``, ``1.5s``), and ``docker compose config`` prints them back in Go's canonical form."""

from __future__ import annotations

import re

from mocker.errors import InvalidArgument

_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}
_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")


def parse(text: str | int | float) -> int:
    """Nanoseconds. A bare number means seconds in compose files."""
    if isinstance(text, bool):
        raise InvalidArgument(f"time: invalid duration {text!r}")
    if isinstance(text, int | float):
        return int(text * 1_000_000_000)
    s = text.strip()
    sign = -1 if s.startswith("-") else 1
    s = s.lstrip("+-")
    if s == "0":
        return 0
    if not s:
        raise InvalidArgument(f'time: invalid duration "{text}"')
    total = 0
    pos = 0
    while pos < len(s):
        m = _PART.match(s, pos)
        if m is None or m.group(1) in ("", "."):
            raise InvalidArgument(f'time: invalid duration "{text}"')
        total += round(float(m.group(1)) * _UNITS[m.group(2)])
        pos = m.end()
    return sign * total


def _frac(v: int, prec: int) -> str:
    whole, rest = divmod(v, 10**prec)
    digits = f"{rest:0{prec}d}".rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


def format_go(ns: int) -> str:
    if ns == 0:
        return "0s"
    neg = ns < 0
    u = abs(ns)
    if u < 1_000_000_000:
        if u < 1_000:
            out = f"{u}ns"
        elif u < 1_000_000:
            out = _frac(u, 3) + "µs"
        else:
            out = _frac(u, 6) + "ms"
    else:
        secs_ns = u % 60_000_000_000
        mins = u // 60_000_000_000
        out = _frac(secs_ns, 9) + "s"
        if mins:
            h, m = divmod(mins, 60)
            out = f"{m}m" + out
            if h:
                out = f"{h}h" + out
    return ("-" if neg else "") + out


def normalize(text: str | int | float) -> str:
    return format_go(parse(text))
