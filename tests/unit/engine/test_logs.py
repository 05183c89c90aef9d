"""engine/logs.py: conmon k8s-file logs read with ``docker logs`` semantics, on hand-written files."""

from __future__ import annotations

import os
import threading
import time

import pytest

from mocker.engine import logs
from mocker.engine.logs import (
    LogLine,
    format_timestamp,
    parse_go_duration,
    parse_log_timestamp,
    parse_time,
    parse_time_ns,
    read_logs,
    tail_offset,
    write_line,
)
from mocker.errors import InvalidArgument

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z
S = 1_000_000_000


def ns(sec: float) -> int:
    return round(sec * S)


def write(path, *records):
    """records: (seconds after T0, stream, text[, "P"])."""
    for rec in records:
        offset, stream, text = rec[:3]
        write_line(path, stream, text, ns=T0 * S + ns(offset), partial=len(rec) > 3)


def read(path, **kw):
    return list(read_logs(path, **kw))


def texts(lines):
    return [(line.stream, line.data) for line in lines]


@pytest.fixture
def log(tmp_path):
    return tmp_path / "ctr.log"


# ---- the format ----------------------------------------------------------------------------------


def test_write_line_writes_conmons_format(log):
    write_line(log, "stdout", "hello world", ns=T0 * S + 5)
    write_line(log, "stderr", "", ns=T0 * S, partial=True)
    first, second = log.read_bytes().splitlines()
    stamp, stream, tag, text = first.split(b" ", 3)
    assert parse_log_timestamp(stamp.decode()) == T0 * S + 5
    assert (stream, tag, text) == (b"stdout", b"F", b"hello world")
    assert second.endswith(b" stderr P ")
    with pytest.raises(ValueError):
        write_line(log, "stdout", "two\nlines")


def test_log_timestamps_with_offsets_and_any_precision():
    assert parse_log_timestamp("2023-11-14T22:13:20.123456789Z") == T0 * S + 123456789
    assert parse_log_timestamp("2023-11-15T00:13:20.5+02:00") == T0 * S + S // 2
    assert parse_log_timestamp("2023-11-14T21:13:20-01:00") == T0 * S
    assert parse_log_timestamp("2023-11-14T22:13:20.1234567891Z") == T0 * S + 123456789
    assert parse_log_timestamp("yesterday") is None
    assert parse_log_timestamp("2023-13-14T22:13:20Z") is None


def test_both_streams_in_order_with_text_and_time(log):
    write(log, (0, "stdout", "one"), (1, "stderr", "two"), (2, "stdout", "three"))
    lines = read(log)
    assert texts(lines) == [("stdout", b"one\n"), ("stderr", b"two\n"), ("stdout", b"three\n")]
    assert [line.ts for line in lines] == [T0, T0 + 1, T0 + 2]
    assert lines[1].text == "two\n" and lines[1].complete


def test_partial_records_join_and_keep_the_first_pieces_time(log):
    write(log, (0, "stdout", "hel", "P"), (1, "stdout", "lo ", "P"), (2, "stdout", "world"))
    [line] = read(log)
    assert line.data == b"hello world\n"
    assert line.ns == T0 * S


def test_partial_records_of_each_stream_join_separately(log):
    write(log, (0, "stdout", "out-", "P"), (1, "stderr", "err-", "P"), (2, "stderr", "end"),
          (3, "stdout", "end"))
    assert texts(read(log)) == [("stderr", b"err-end\n"), ("stdout", b"out-end\n")]


def test_output_ending_without_newline_is_a_line_without_one(log):
    write(log, (0, "stdout", "full"), (1, "stdout", "no newline", "P"))
    lines = read(log)
    assert texts(lines) == [("stdout", b"full\n"), ("stdout", b"no newline")]
    assert not lines[1].complete


def test_empty_lines_and_malformed_records(log):
    write(log, (0, "stdout", ""))
    with open(log, "ab") as f:
        f.write(b"garbage\n\n2023-11-14T22:13:20Z stdin F nope\nnot-a-time stdout F nope\n")
    write(log, (1, "stdout", "kept"))
    assert texts(read(log)) == [("stdout", b"\n"), ("stdout", b"kept\n")]


def test_record_text_may_contain_spaces_and_binary(log):
    write_line(log, "stdout", b"a  b \xff\x00", ns=T0 * S)
    [line] = read(log)
    assert line.data == b"a  b \xff\x00\n"
    assert line.text == "a  b \ufffd\x00\n"


def test_missing_file_is_an_empty_log(tmp_path):
    assert read(tmp_path / "nope.log") == []
    assert read(tmp_path / "nope.log", follow=True) == []


def test_timestamps_prefix_is_dockers_fixed_nano_format(log):
    write(log, (0.5, "stdout", "x"))
    [line] = read(log, timestamps=True)
    assert line.output() == b"2023-11-14T22:13:20.500000000Z x\n"
    assert format_timestamp(T0 * S + 7) == "2023-11-14T22:13:20.000000007Z"
    [plain] = read(log)
    assert plain.output() == b"x\n"
    assert line == plain and hash(line) == hash(plain)


# ---- tail ----------------------------------------------------------------------------------------


def test_tail_counts_lines_from_the_end(log):
    write(log, *[(i, "stdout", f"line {i}") for i in range(10)])
    assert [line.text for line in read(log, tail=3)] == ["line 7\n", "line 8\n", "line 9\n"]
    assert len(read(log, tail=100)) == 10
    assert len(read(log, tail=None)) == 10
    assert len(read(log, tail=-1)) == 10
    assert read(log, tail=0) == []


def test_tail_counts_joined_lines_not_records(log):
    write(log, (0, "stdout", "a"), (1, "stdout", "b1", "P"), (2, "stdout", "b2", "P"), (3, "stdout", "b3"),
          (4, "stderr", "c"), (5, "stdout", "d", "P"))
    assert [line.data for line in read(log, tail=1)] == [b"d"]
    assert [line.data for line in read(log, tail=3)] == [b"b1b2b3\n", b"c\n", b"d"]
    assert [line.data for line in read(log, tail=4)] == [b"a\n", b"b1b2b3\n", b"c\n", b"d"]


def test_tail_reads_backwards_across_blocks(log, monkeypatch):
    monkeypatch.setattr(logs, "BLOCK", 64)  # many blocks, lines split across block edges
    write(log, *[(i, "stdout" if i % 2 else "stderr", f"line number {i} " + "x" * (i % 7)) for i in range(200)])
    got = read(log, tail=5)
    assert [line.text.split()[2] for line in got] == ["195", "196", "197", "198", "199"]
    with open(log, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        assert tail_offset(f.fileno(), size, 200) == 0
        assert tail_offset(f.fileno(), size, 0) == size


def test_tail_ignores_an_unterminated_last_record(log):
    write(log, (0, "stdout", "a"), (1, "stdout", "b"))
    with open(log, "ab") as f:
        f.write(b"2023-11-14T22:13:22Z stdout F half-writ")
    with open(log, "rb") as f:
        off = tail_offset(f.fileno(), os.fstat(f.fileno()).st_size, 1)
    assert log.read_bytes()[off:].startswith(b"2023-11-14T22:13:21")


# ---- since / until -------------------------------------------------------------------------------


def test_since_and_until_are_inclusive(log):
    write(log, *[(i, "stdout", str(i)) for i in range(6)])
    assert [line.text for line in read(log, since=T0 + 2)] == ["2\n", "3\n", "4\n", "5\n"]
    assert [line.text for line in read(log, until=T0 + 2)] == ["0\n", "1\n", "2\n"]
    assert [line.text for line in read(log, since=T0 + 1, until=T0 + 3.5)] == ["1\n", "2\n", "3\n"]
    assert [line.text for line in read(log, until=0)] == [f"{i}\n" for i in range(6)]  # 0: no limit (API)


def test_since_is_only_checked_until_the_first_match(log):
    # Docker's forwarder: timestamps need not be monotonic; after the first line >= since, all follow.
    write(log, (1, "stdout", "old"), (5, "stdout", "new"), (2, "stdout", "late but kept"))
    assert [line.text for line in read(log, since=T0 + 3)] == ["new\n", "late but kept\n"]


def test_until_ends_the_output_at_the_first_later_line(log):
    write(log, (1, "stdout", "a"), (5, "stdout", "b"), (2, "stdout", "c"))
    assert [line.text for line in read(log, until=T0 + 3)] == ["a\n"]


def test_partial_lines_are_filtered_by_their_first_piece(log):
    write(log, (1, "stdout", "x", "P"), (5, "stdout", "y"))
    assert [line.data for line in read(log, since=T0 + 1)] == [b"xy\n"]
    assert read(log, since=T0 + 2) == []
    assert [line.data for line in read(log, until=T0 + 1)] == [b"xy\n"]


def test_tail_is_applied_before_since(log):
    write(log, *[(i, "stdout", str(i)) for i in range(10)])
    # the last 5 are 5..9; of those, since 7 leaves 7..9
    assert [line.text for line in read(log, tail=5, since=T0 + 7)] == ["7\n", "8\n", "9\n"]
    # since before the tail window does not bring older lines back
    assert [line.text for line in read(log, tail=2, since=T0)] == ["8\n", "9\n"]
    assert [line.text for line in read(log, tail=5, until=T0 + 6)] == ["5\n", "6\n"]


# ---- follow --------------------------------------------------------------------------------------


class Writer(threading.Thread):
    """Writes records over time, then says the container stopped."""

    def __init__(self, path, records, delay=0.02):
        super().__init__(daemon=True)
        self.path, self.records, self.delay = path, records, delay
        self.running = True

    def run(self):
        for rec in self.records:
            time.sleep(self.delay)
            if rec == "truncate":
                os.truncate(self.path, 0)
                continue
            offset, stream, text = rec[:3]
            write_line(self.path, stream, text, ns=T0 * S + ns(offset), partial=len(rec) > 3)
        # the last records land just before the container stops: the reader must still drain them
        self.running = False


def follow(path, writer, **kw):
    writer.start()
    got = list(read_logs(path, follow=True, is_running=lambda: writer.running, poll=0.01, **kw))
    writer.join()
    return got


def test_follow_reads_until_stopped_and_drained(log):
    write(log, (0, "stdout", "before"))
    writer = Writer(log, [(i, "stdout", f"during {i}") for i in range(1, 6)])
    got = follow(log, writer)
    assert [line.text for line in got] == ["before\n"] + [f"during {i}\n" for i in range(1, 6)]


def test_follow_joins_partials_written_across_polls(log):
    writer = Writer(log, [(1, "stdout", "a", "P"), (2, "stdout", "b", "P"), (3, "stdout", "c"),
                          (4, "stderr", "tail without newline", "P")], delay=0.05)
    got = follow(log, writer)
    assert texts(got) == [("stdout", b"abc\n"), ("stderr", b"tail without newline")]
    assert got[0].ns == (T0 + 1) * S


def test_follow_waits_for_the_file_to_appear(log):
    writer = Writer(log, [(1, "stdout", "late")])
    assert [line.text for line in follow(log, writer)] == ["late\n"]


def test_follow_with_tail_zero_shows_only_new_lines(log):
    write(log, (0, "stdout", "old"), (1, "stdout", "pending ", "P"))
    writer = Writer(log, [(2, "stdout", "done"), (3, "stdout", "new")])
    assert [line.text for line in follow(log, writer, tail=0)] == ["pending done\n", "new\n"]


def test_follow_with_tail_and_since(log):
    write(log, *[(i, "stdout", str(i)) for i in range(5)])
    writer = Writer(log, [(5, "stdout", "5"), (6, "stdout", "6")])
    assert [line.text for line in follow(log, writer, tail=2, since=T0 + 4)] == ["4\n", "5\n", "6\n"]


def test_follow_stops_at_until(log):
    writer = Writer(log, [(1, "stdout", "in"), (9, "stdout", "out"), (2, "stdout", "never")])
    assert [line.text for line in follow(log, writer, until=T0 + 5)] == ["in\n"]


def test_follow_starts_over_after_truncation(log):
    write(log, *[(i, "stdout", "before truncation, a long line " + str(i)) for i in range(3)])
    writer = Writer(log, ["truncate", (10, "stdout", "after")], delay=0.1)
    got = follow(log, writer)
    assert [line.text for line in got][-1] == "after\n"
    assert len(got) == 4


def test_follow_of_a_stopped_container_reads_once(log):
    write(log, (0, "stdout", "x"))
    calls = []

    def running():
        calls.append(1)
        return False

    assert [line.text for line in read_logs(log, follow=True, is_running=running)] == ["x\n"]
    assert calls


# ---- --since / --until text ----------------------------------------------------------------------


NOW = T0 + 0.75


@pytest.mark.parametrize(("text", "want"), [
    ("10m", (T0 - 600) * S),                          # durations: now minus, whole seconds (Go's Unix())
    ("1h30m", (T0 - 5400) * S),
    ("1.5h", (T0 - 5400) * S),
    ("-5s", (T0 + 5) * S),
    ("300ms", T0 * S),
    ("0", 0),                                         # "0" is a timestamp, not a duration
    ("1700000000", T0 * S),                           # unix timestamps
    ("1700000000.5", T0 * S + S // 2),
    ("1700000000.000000001", T0 * S + 1),
    ("2023-11-14T22:13:20Z", T0 * S),                 # RFC 3339
    ("2023-11-14T22:13:20.123456789Z", T0 * S + 123456789),
    ("2023-11-14T23:13:20+01:00", T0 * S),
    ("2023-11-14T21:13:20-01:00", T0 * S),
    ("2023-11-14T22:13Z", (T0 - 20) * S),
    ("2023-11-14T22Z", (T0 - 800) * S),
    ("2023-11-14Z", (T0 - 80000) * S),
    ("2023-11-14+01:00", (T0 - 80000 - 3600) * S),
    ("2023-11-14-01:00", (T0 - 80000 + 3600) * S),    # three dashes: a zone, not local time
])
def test_parse_time_follows_docker_get_timestamp(text, want):
    assert parse_time_ns(text, now=NOW) == want


def test_parse_time_without_zone_is_local_time(monkeypatch):
    monkeypatch.setenv("TZ", "Etc/GMT-2")  # UTC+2, no DST
    time.tzset()
    try:
        assert parse_time_ns("2023-11-15T00:13:20", now=NOW) == T0 * S
        assert parse_time_ns("2023-11-15T00:13:20.25", now=NOW) == T0 * S + S // 4
        assert parse_time_ns("2023-11-15T00:13", now=NOW) == (T0 - 20) * S
        assert parse_time_ns("2023-11-15", now=NOW) == (T0 - 80000 + 86400 - 7200) * S
        assert parse_time("2023-11-14T22:13:20Z", now=NOW) == T0
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.parametrize("text", ["yesterday", "1.2.3", "", "10x", "2023-13-01", "2023-11-14T25:00:00Z",
                                  "2023-11-14T22:13:20+0100"])
def test_parse_time_rejects_what_docker_rejects(text):
    with pytest.raises(InvalidArgument):
        parse_time_ns(text, now=NOW)


def test_go_durations():
    assert parse_go_duration("1h2m3s4ms5us6ns") == 3723004005006
    assert parse_go_duration("1.5µs") == 1500
    assert parse_go_duration("+.5s") == S // 2
    assert parse_go_duration("0") == 0
    for bad in ("", "1", "h", "1d", "1.h2", "-", "1h 2m"):
        assert parse_go_duration(bad) is None, bad
    assert parse_go_duration("1.h") == 3_600_000_000_000  # Go accepts "1." as a number


def test_logline_repr_and_defaults():
    line = LogLine("stdout", b"x\n", T0 * S)
    assert line.ts == T0 and line.complete and "stdout" in repr(line)
