"""Sizes and durations as docker/go-units writes and reads them (cases from go-units' own tests)."""

from __future__ import annotations

import datetime as dt

import pytest

from mocker.errors import InvalidArgument
from mocker.format.units import (
    GB,
    KB,
    MB,
    PB,
    TB,
    GiB,
    KiB,
    MiB,
    PiB,
    TiB,
    bytes_size,
    from_human_size,
    human_duration,
    human_size,
    human_size_with_precision,
    ram_in_bytes,
    time_ago,
)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0B"),
        (1, "1B"),
        (999, "999B"),
        (1000, "1kB"),
        (1024, "1.024kB"),
        (1000000, "1MB"),
        (1048576, "1.049MB"),
        (2 * MB, "2MB"),
        (3.42 * GB, "3.42GB"),
        (5.372 * TB, "5.372TB"),
        (2.22 * PB, "2.22PB"),
        (10000000000000 * PB, "1e+04YB"),
        (999999, "1000kB"),
        (5590000, "5.59MB"),
        (77_800_000, "77.8MB"),
        (1234567, "1.235MB"),
        (-5, "-5B"),
    ],
)
def test_human_size(size: float, expected: str) -> None:
    assert human_size(size) == expected


@pytest.mark.parametrize(
    ("size", "precision", "expected"),
    [(1234567, 2, "1.2MB"), (1234567, 6, "1.23457MB"), (1000, 1, "1kB")],
)
def test_human_size_with_precision(size: float, precision: int, expected: str) -> None:
    assert human_size_with_precision(size, precision) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0B"),
        (1023, "1023B"),
        (1024, "1KiB"),
        (1536, "1.5KiB"),
        (1024 * 1024, "1MiB"),
        (2 * MiB, "2MiB"),
        (3.42 * GiB, "3.42GiB"),
        (5.372 * TiB, "5.372TiB"),
        (2.22 * PiB, "2.22PiB"),
        (1 << 64, "16EiB"),
    ],
)
def test_bytes_size(size: float, expected: str) -> None:
    assert bytes_size(size) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("32", 32),
        ("32b", 32),
        ("32B", 32),
        ("32k", 32 * KiB),
        ("32K", 32 * KiB),
        ("32kb", 32 * KiB),
        ("32Kb", 32 * KiB),
        ("32KiB", 32 * KiB),
        ("32 KiB", 32 * KiB),
        ("32Mb", 32 * MiB),
        ("512m", 536870912),
        ("1g", 1073741824),
        ("32Gb", 32 * GiB),
        ("32Tb", 32 * TiB),
        ("32Pb", 32 * PiB),
        ("32PB", 32 * PiB),
        ("32P", 32 * PiB),
        ("1.5k", 1536),
        ("32.3", 32),
        ("32.3 mb", 33869004),
        ("0", 0),
    ],
)
def test_ram_in_bytes(text: str, expected: int) -> None:
    assert ram_in_bytes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("32", 32),
        ("32b", 32),
        ("32k", 32 * KB),
        ("32kb", 32 * KB),
        ("32.5kB", 32500),
        ("32.5 kB", 32500),
        ("0.3 K", 300),
        ("32Mb", 32 * MB),
        ("32Gb", 32 * GB),
        ("32Tb", 32 * TB),
        ("32Pb", 32 * PB),
    ],
)
def test_from_human_size(text: str, expected: int) -> None:
    assert from_human_size(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid size: ''"),
        ("hello", "invalid size: 'hello'"),
        ("-32", "invalid size: '-32'"),
        (" 32 ", "invalid size: ' 32 '"),
        ("32m b", "invalid size: '32m b'"),
        ("32bm", "invalid size: '32bm'"),
        (".3kB", "invalid size: '.3kB'"),
        ("1e3", "invalid size: '1e3'"),
        ("512m\n", "invalid size: '512m\n'"),
        ("١٢", "invalid size: '١٢'"),
        ("1.2.3", 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'),
    ],
)
def test_size_parse_errors(text: str, message: str) -> None:
    for parse in (ram_in_bytes, from_human_size):
        with pytest.raises(InvalidArgument) as info:
            parse(text)
        assert str(info.value) == message


MINUTE, HOUR, DAY = 60, 3600, 86400
WEEK, MONTH, YEAR = 7 * DAY, 30 * DAY, 365 * DAY


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (-5, "Less than a second"),
        (0, "Less than a second"),
        (0.45, "Less than a second"),
        (1, "1 second"),
        (1.9, "1 second"),
        (45, "45 seconds"),
        (59, "59 seconds"),
        (60, "About a minute"),
        (119, "About a minute"),
        (3 * MINUTE, "3 minutes"),
        (35 * MINUTE + 40, "35 minutes"),
        (59 * MINUTE, "59 minutes"),
        (HOUR, "About an hour"),
        (HOUR + 29 * MINUTE, "About an hour"),
        (HOUR + 31 * MINUTE, "2 hours"),
        (HOUR + 59 * MINUTE, "2 hours"),
        (3 * HOUR, "3 hours"),
        (3 * HOUR + 29 * MINUTE, "3 hours"),
        (3 * HOUR + 31 * MINUTE, "4 hours"),
        (24 * HOUR, "24 hours"),
        (DAY + 12 * HOUR, "36 hours"),
        (2 * DAY, "2 days"),
        (7 * DAY, "7 days"),
        (13 * DAY + 5 * HOUR, "13 days"),
        (2 * WEEK, "2 weeks"),
        (2 * WEEK + 4 * DAY, "2 weeks"),
        (3 * WEEK, "3 weeks"),
        (4 * WEEK + 3 * DAY, "4 weeks"),
        (MONTH, "4 weeks"),
        (MONTH + 2 * WEEK, "6 weeks"),
        (2 * MONTH, "2 months"),
        (3 * MONTH + WEEK, "3 months"),
        (5 * MONTH + 2 * WEEK, "5 months"),
        (13 * MONTH, "13 months"),
        (24 * MONTH, "24 months"),
        (24 * MONTH + 2 * WEEK, "2 years"),
        (3 * YEAR + 2 * MONTH, "3 years"),
    ],
)
def test_human_duration(seconds: float, expected: str) -> None:
    assert human_duration(seconds) == expected


@pytest.mark.parametrize(
    ("ts", "now", "expected"),
    [
        (1000.0, 1000.5, "Less than a second ago"),
        (1000.0, 1000.0 + 5 * MINUTE, "5 minutes ago"),
        (
            dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            dt.datetime(2024, 1, 3, 1, tzinfo=dt.UTC),
            "2 days ago",
        ),
        (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp() + 3 * HOUR,
         "3 hours ago"),
    ],
)
def test_time_ago(ts: float | dt.datetime, now: float | dt.datetime, expected: str) -> None:
    assert time_ago(ts, now=now) == expected


def test_time_ago_defaults_to_now() -> None:
    assert time_ago(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)) == "10 minutes ago"
