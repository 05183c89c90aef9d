"""``docker logs`` over conmon's k8s-file logs.

conmon writes one record per line: ``<RFC 3339 timestamp> <stdout|stderr> <F|P> <text>``, where ``P``
marks a partial line (the program wrote no newline yet, or a long line was split) that the following
records of the same stream complete; ``F`` ends it. :func:`read_logs` joins them into the lines the
program wrote, each timed by its first piece (moby's copier keeps the first partial's timestamp),
and applies Docker's rules (moby ``daemon/logs.go``, ``daemon/logger/loggerutils``):

- ``tail`` counts lines from the end (read backwards in blocks), and is applied before the time filters;
- ``since`` drops lines before it until the first line at or after it (later lines are not checked:
  timestamps need not be monotonic); the first line after ``until`` ends the output, following too;
- ``follow`` keeps reading until the container is no longer running and the file is drained,
  starting again from the top if the file was truncated (conmon's ``--log-size-max`` truncates).

:func:`parse_time` turns ``--since``/``--until`` text into a unix time as docker/cli's
``GetTimestamp`` does: a Go duration before now (``10m``), RFC 3339 dates and times (local time
without a zone), or a unix timestamp (``1700000000.5``).

Start-up cost: ``re`` and ``calendar`` are imported by the parsers that use them.
"""

from __future__ import annotations

import os
import time

from mocker.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import BinaryIO

BLOCK = 64 * 1024
POLL_SECONDS = 0.05
STREAMS = ("stdout", "stderr")


class LogLine:
    """One line the container wrote: ``data`` ends with a newline unless the output ended without one."""

    __slots__ = ("stream", "data", "ns", "timestamps")

    def __init__(self, stream: str, data: bytes, ns: int, *, timestamps: bool = False) -> None:
        self.stream = stream          # "stdout" or "stderr"
        self.data = data              # the bytes, as written
        self.ns = ns                  # unix time in nanoseconds (of the line's first piece)
        self.timestamps = timestamps  # whether output() prefixes the timestamp (docker logs -t)

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")

    @property
    def ts(self) -> float:
        return self.ns / 1e9

    @property
    def complete(self) -> bool:
        return self.data.endswith(b"\n")

    def timestamp(self) -> str:
        return format_timestamp(self.ns)

    def output(self) -> bytes:
        """What ``docker logs`` prints for the line (``-t``: ``2024-01-02T03:04:05.123456789Z `` first)."""
        return (self.timestamp().encode() + b" " + self.data) if self.timestamps else self.data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LogLine):
            return NotImplemented
        return (self.stream, self.data, self.ns) == (other.stream, other.data, other.ns)

    def __hash__(self) -> int:
        return hash((self.stream, self.data, self.ns))

    def __repr__(self) -> str:
        return f"LogLine({self.stream!r}, {self.data!r}, {self.ns})"


# ---- timestamps ----------------------------------------------------------------------------------


def format_timestamp(ns: int) -> str:
    """Docker's ``RFC3339NanoFixed`` in UTC: ``2024-01-02T03:04:05.123456789Z``."""
    sec, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + f".{frac:09d}Z"


_RFC3339 = r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2})"


def _fields_ns(y: str, mo: str, d: str, h: str = "0", mi: str = "0", s: str = "0", frac: str | None = None,
               zone: str | None = None, local_offset: int = 0) -> int:
    """Nanoseconds since the epoch of a parsed time; ValueError if a field is out of range."""
    import calendar
    from datetime import datetime

    datetime(int(y), int(mo), int(d), int(h), int(mi), int(s))  # range checks, as Go's time.Parse does
    offset = local_offset
    if zone is not None:
        offset = 0 if zone == "Z" else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    secs = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(s), 0, 0, 0)) - offset
    return secs * 1_000_000_000 + (int((frac or "")[:9].ljust(9, "0")) if frac else 0)


def parse_log_timestamp(text: str) -> int | None:
    """conmon's RFC 3339 timestamp (any number of fraction digits, ``Z`` or an offset) in ns, or None."""
    import re

    m = re.fullmatch(_RFC3339, text)
    if m is None:
        return None
    y, mo, d, h, mi, sec, frac, zone = m.groups()
    try:
        return _fields_ns(y, mo, d, h, mi, sec, frac, zone)
    except ValueError:
        return None


_DURATION_UNITS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000,
                   "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}


def parse_go_duration(text: str) -> int | None:
    """Go's ``time.ParseDuration`` in nanoseconds, or None when ``text`` is not a duration."""
    import re

    body = text[1:] if text[:1] in ("-", "+") else text
    if body == "0":
        return 0
    parts = re.findall(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]*)", body)
    if not body or "".join(n + u for n, u in parts) != body:
        return None
    total = 0.0
    for number, unit in parts:
        if not number and not unit:
            continue
        if number in ("", ".") or unit not in _DURATION_UNITS:
            return None
        total += float(number) * _DURATION_UNITS[unit]
    return -round(total) if text.startswith("-") else round(total)


def _local_offset(now: float) -> int:
    return time.localtime(now).tm_gmtoff


_DATE = r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
_CLOCK = (r"T(?P<h>\d{1,2})", r"T(?P<h>\d{1,2}):(?P<mi>\d{2})",
          r"T(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})(?:[.,](?P<frac>\d+))?")
_ZONE = r"(?P<tz>Z|[+-]\d{2}:\d{2})"


def parse_time_ns(value: str, *, now: float | None = None) -> int:
    """docker/cli ``GetTimestamp`` + moby ``ParseTimestamps``: ``--since``/``--until`` text in unix ns."""
    import re

    now = time.time() if now is None else now
    duration = parse_go_duration(value)
    if value != "0" and duration is not None:
        return ((round(now * 1e9) - duration) // 1_000_000_000) * 1_000_000_000  # Go: reference.Add(-d).Unix()
    # Docker's layout choice: a zone unless there is no Z/+ and not three dashes (2024-01-02-07:00).
    in_location = not any(c in value for c in "zZ+") and value.count("-") != 3
    if "." in value:
        clock = _CLOCK[2]
    elif "T" in value:
        colons = value.count(":")
        if not in_location and not any(c in value for c in "zZ") and colons > 0:
            colons -= 1  # the offset's colon
        clock = _CLOCK[min(colons, 2)]
    else:
        clock = ""
    m = re.fullmatch(_DATE + clock + ("" if in_location else _ZONE), value)
    if m is not None:
        g = m.groupdict()
        try:
            return _fields_ns(g["y"], g["mo"], g["d"], g.get("h") or "0", g.get("mi") or "0", g.get("s") or "0",
                              g.get("frac"), g.get("tz"), _local_offset(now))
        except ValueError as e:
            raise InvalidArgument(f'parsing time "{value}": {e}') from None
    if "-" in value:
        raise InvalidArgument(f'parsing time "{value}": not an RFC 3339 date or time')
    m = re.fullmatch(r"([+-]?\d+)(?:\.([+-]?\d+))?", value)
    if m is None:
        raise InvalidArgument(f'failed to parse value as time or duration: "{value}"')
    sec, frac = m.group(1), m.group(2)
    nsec = 0 if frac is None else int(int(frac) * 10 ** (9 - len(frac)))
    return int(sec) * 1_000_000_000 + nsec


def parse_time(value: str, *, now: float | None = None) -> float:
    """:func:`parse_time_ns` in seconds."""
    return parse_time_ns(value, now=now) / 1e9


# ---- the file ------------------------------------------------------------------------------------


def _parse(raw: bytes) -> tuple[int, str, bool, bytes] | None:
    """``(ns, stream, partial, text)`` of one record, None for a line that is not one."""
    parts = raw.split(b" ", 3)
    if len(parts) < 3:
        return None
    stream = parts[1].decode("ascii", "replace")
    if stream not in STREAMS:
        return None
    ns = parse_log_timestamp(parts[0].decode("ascii", "replace"))
    if ns is None:
        return None
    return ns, stream, b"P" in parts[2].split(b":"), parts[3] if len(parts) == 4 else b""


def _is_partial(raw: bytes) -> bool | None:
    """Like :func:`_parse`, for the tag only (the backwards scan); None for a line that is not a record."""
    parts = raw.split(b" ", 3)
    if len(parts) < 3 or parts[1] not in (b"stdout", b"stderr"):
        return None
    return b"P" in parts[2].split(b":")


def _reverse_lines(fd: int, end: int) -> Iterator[tuple[int, bytes]]:
    """``(offset, line)`` of the newline-terminated lines in ``[0, end)``, last first; ``end`` follows a newline."""
    pos = end - 1  # the last newline is not part of a line
    carry = b""
    while pos > 0:
        size = min(BLOCK, pos)
        pos -= size
        lines = (os.pread(fd, size, pos) + carry).split(b"\n")
        carry = lines[0]
        offset = pos + len(carry) + 1
        found = []
        for line in lines[1:]:
            found.append((offset, line))
            offset += len(line) + 1
        yield from reversed(found)
    if end > 0:
        yield 0, carry


def _complete_end(fd: int, size: int) -> int:
    """Offset just after the last newline in the first ``size`` bytes (0 if there is none)."""
    pos = size
    while pos > 0:
        n = min(BLOCK, pos)
        chunk = os.pread(fd, n, pos - n)
        i = chunk.rfind(b"\n")
        if i >= 0:
            return pos - n + i + 1
        pos -= n
    return 0


def tail_offset(fd: int, size: int, lines: int) -> int:
    """Where the last ``lines`` lines start; a trailing run of partial records is one line (when lines > 0)."""
    count = 0
    seen_full = trailing = False
    for offset, raw in _reverse_lines(fd, _complete_end(fd, size)):
        partial = _is_partial(raw)
        if partial is None:
            continue
        if partial:
            if not seen_full and not trailing:
                trailing = True
                count = 1 if lines > 0 else 0
            continue
        if count == lines:
            return offset + len(raw) + 1
        count += 1
        seen_full = True
    return 0


def _open(path: str | os.PathLike[str], follow: bool, is_running: Callable[[], bool]) -> int | None:
    while True:
        running = is_running() if follow else False
        try:
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            if not running:
                return None
        time.sleep(POLL_SECONDS)


def read_logs(path: str | os.PathLike[str], *, since: float | None = None, until: float | None = None,
              tail: int | None = None, timestamps: bool = False, follow: bool = False,
              is_running: Callable[[], bool] = lambda: False, poll: float = POLL_SECONDS) -> Iterator[LogLine]:
    """The container's lines in order, with ``docker logs`` semantics (see the module's docstring).

    ``since``/``until`` are unix times (``until`` 0 means none, as in Docker's API); ``tail`` None or
    negative means all lines. A missing file is an empty log (the container has not started yet).
    """
    fd = _open(path, follow, is_running)
    if fd is None:
        return
    try:
        yield from _read(fd, since, until, tail, timestamps, follow, is_running, poll)
    finally:
        os.close(fd)


class _PastUntil(Exception):
    """A line after ``until``: the output ends there."""


def _read(fd: int, since: float | None, until: float | None, tail: int | None, timestamps: bool, follow: bool,
          is_running: Callable[[], bool], poll: float) -> Iterator[LogLine]:
    since_ns = None if since is None else round(since * 1e9)
    until_ns = None if not until else round(until * 1e9)
    pos = 0
    if tail is not None and tail >= 0:
        if tail == 0 and not follow:
            return
        pos = tail_offset(fd, os.fstat(fd).st_size, tail)
    buf = b""
    pending: dict[str, tuple[int, list[bytes]]] = {}  # stream -> (first piece's ns, pieces)

    def line(stream: str, data: bytes, ns: int) -> LogLine | None:
        """The line to yield, None to skip it; :class:`_PastUntil` past ``until``."""
        nonlocal since_ns
        if since_ns is not None:
            if ns < since_ns:
                return None
            since_ns = None
        if until_ns is not None and ns > until_ns:
            raise _PastUntil
        return LogLine(stream, data, ns, timestamps=timestamps)

    def records(raws: list[bytes]) -> Iterator[LogLine]:
        for raw in raws:
            rec = _parse(raw)
            if rec is None:
                continue
            ns, stream, partial, text = rec
            if partial:
                first, pieces = pending.setdefault(stream, (ns, []))
                pieces.append(text)
                continue
            if stream in pending:
                first, pieces = pending.pop(stream)
                ns, text = first, b"".join(pieces) + text
            out = line(stream, text + b"\n", ns)
            if out is not None:
                yield out

    try:
        while True:
            chunk = os.pread(fd, BLOCK, pos)
            if not chunk and follow:
                running = is_running()
                chunk = os.pread(fd, BLOCK, pos)  # what was written before it stopped
                if not chunk and running:
                    if os.fstat(fd).st_size < pos:  # truncated in place: start again from the top
                        pos, buf = 0, b""
                        pending.clear()
                    time.sleep(poll)
                    continue
            if not chunk:
                break
            pos += len(chunk)
            *raws, buf = (buf + chunk).split(b"\n")
            yield from records(raws)
        # The output ended: an unterminated record and pieces no F completed are lines without a newline.
        yield from records([buf] if buf else [])
        for stream, (ns, pieces) in sorted(pending.items(), key=lambda kv: kv[1][0]):
            out = line(stream, b"".join(pieces), ns)
            if out is not None:
                yield out
    except _PastUntil:
        return


def write_line(target: BinaryIO | str | os.PathLike[str], stream: str, text: str | bytes, *,
               ts: float | None = None, ns: int | None = None, partial: bool = False) -> None:
    """Append one record as conmon writes it (local time with its offset, 9 fraction digits); for tests."""
    data = text.encode() if isinstance(text, str) else text
    if b"\n" in data:
        raise ValueError("a record holds no newline; write one record per line")
    if ns is None:
        ns = round((time.time() if ts is None else ts) * 1e9)
    sec, frac = divmod(ns, 1_000_000_000)
    local = time.localtime(sec)
    off = local.tm_gmtoff
    stamp = (time.strftime("%Y-%m-%dT%H:%M:%S", local) + f".{frac:09d}"
             + f"{'+' if off >= 0 else '-'}{abs(off) // 3600:02d}:{abs(off) % 3600 // 60:02d}")
    record = f"{stamp} {stream} {'P' if partial else 'F'} ".encode() + data + b"\n"
    if isinstance(target, (str, os.PathLike)):
        with open(target, "ab") as f:
            f.write(record)
    else:
        target.write(record)
        target.flush()
