"""Human sizes and durations, as ``github.com/docker/go-units`` writes and reads them.

``docker images`` shows ``77.8MB``, ``docker ps`` shows ``Up 5 minutes`` and ``-m 512m`` means
536870912 bytes; scripts and users read those strings, so the rounding and thresholds follow go-units
(``size.go``, ``duration.go``) exactly rather than Python's habits.

Start-up cost: ``images`` only formats sizes, so ``re`` is imported by the parser that needs it.
"""

from __future__ import annotations

import datetime as dt
import time

from mocker.errors import InvalidArgument

KB, MB, GB, TB, PB = (1000**i for i in range(1, 6))
KiB, MiB, GiB, TiB, PiB = (1024**i for i in range(1, 6))

_DECIMAL_ABBRS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_BINARY_ABBRS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")
_DECIMAL_MAP = {"k": KB, "m": MB, "g": GB, "t": TB, "p": PB}
_BINARY_MAP = {"k": KiB, "m": MiB, "g": GiB, "t": TiB, "p": PiB}
# go-units' sizeRegex; RE2's \d and $ are ASCII-only and end-of-text, hence [0-9] and \Z.
_SIZE = r"^([0-9]+(\.[0-9]+)*) ?([kmgtp])?i?b?\Z"


def _size_and_unit(size: float, base: float, abbrs: tuple[str, ...]) -> tuple[float, str]:
    i = 0
    while size >= base and i < len(abbrs) - 1:
        size /= base
        i += 1
    return size, abbrs[i]


def human_size_with_precision(size: float, precision: int) -> str:
    """``HumanSizeWithPrecision``: decimal units, ``precision`` significant digits (Go's ``%.*g``)."""
    value, unit = _size_and_unit(float(size), 1000.0, _DECIMAL_ABBRS)
    return f"{value:.{precision}g}{unit}"


def human_size(size: float) -> str:
    """``HumanSize``: ``0B``, ``999B``, ``1kB``, ``1.235MB`` (four significant digits, base 1000)."""
    return human_size_with_precision(size, 4)


def bytes_size(size: float) -> str:
    """``BytesSize``: binary units, four significant digits (``1.5KiB``, ``512MiB``)."""
    value, unit = _size_and_unit(float(size), 1024.0, _BINARY_ABBRS)
    return f"{value:.4g}{unit}"


def parse_size(text: str, *, binary: bool = True) -> int:
    """go-units' ``parseSize``: ``512m``, ``1.5g``, ``10 KiB``, ``100``; case-insensitive, ``b`` optional.

    ``binary`` chooses 1024-based (``RAMInBytes``) or 1000-based (``FromHumanSize``) multipliers.
    Fractions are truncated toward zero after multiplying, as Go's ``int64(float64)`` does.
    """
    import re  # compiled once by re's own cache

    m = re.match(_SIZE, text, re.IGNORECASE)
    if m is None:
        raise InvalidArgument(f"invalid size: '{text}'")
    try:
        value = float(m.group(1))
    except ValueError:
        raise InvalidArgument(f'strconv.ParseFloat: parsing "{m.group(1)}": invalid syntax') from None
    prefix = (m.group(3) or "").lower()
    value *= (_BINARY_MAP if binary else _DECIMAL_MAP).get(prefix, 1)
    return int(value)


def ram_in_bytes(text: str) -> int:
    """``RAMInBytes``: what ``--memory``, ``--shm-size`` and friends accept (``512m`` -> 536870912)."""
    return parse_size(text, binary=True)


def from_human_size(text: str) -> int:
    """``FromHumanSize``: the decimal reading (``1kB`` -> 1000)."""
    return parse_size(text, binary=False)


def human_duration(seconds: float) -> str:
    """``HumanDuration``: ``Less than a second``, ``About a minute``, ``3 hours``, ``2 weeks`` ..."""
    secs = int(seconds)
    if secs < 1:
        return "Less than a second"
    if secs == 1:
        return "1 second"
    if secs < 60:
        return f"{secs} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


def time_ago(ts: float | dt.datetime, *, now: float | dt.datetime | None = None) -> str:
    """``HumanDuration(now - ts) + " ago"``: Docker's CREATED column (``5 minutes ago``).

    ``ts`` and ``now`` are Unix timestamps or aware datetimes; ``now`` defaults to the current time.
    """
    start = ts.timestamp() if isinstance(ts, dt.datetime) else float(ts)
    if now is None:
        end = time.time()
    else:
        end = now.timestamp() if isinstance(now, dt.datetime) else float(now)
    return human_duration(end - start) + " ago"
