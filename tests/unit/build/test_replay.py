"""The replay record's fingerprint (DECISIONS 39), part by part, on a throwaway store directory.

Real builds and what must stop a replay are in tests/integration/build/test_build_replay.py; here
each rule is checked alone. ``Pending`` is given a start time 10 s ahead so that files written by
the test count as older than the build (the 2 s racy rule), except where that rule is the subject.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from mocker.build import replay


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "mocker.db").write_bytes(b"SQLite format 3\0" + bytes(4080))
    return root


@pytest.fixture
def ctx(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    (ctx / "src").mkdir(parents=True)
    (ctx / "Dockerfile").write_text("FROM scratch\n")
    (ctx / "src" / "a").write_text("a\n")
    return ctx


def _record(store: Path, ctx: Path, *, ahead: float = 10.0, probed: list[str] | None = None,
            until: float | None = None, err: str = "") -> tuple[bool, Path]:
    path = store / "build" / "replay" / "k.json"
    db = replay._db_state(str(store))
    assert db is not None
    p = replay.Pending(str(path), str(store), time.time_ns() + int(ahead * 1e9), db, None)
    out, errs = p.watch(io.StringIO(), io.StringIO())
    out.write("Step 1/1 : FROM scratch\n")
    if err:
        errs.write(err)
    saved = p.save(iid=None, location=str(ctx), context=str(ctx), probed=probed or [],
                   fresh_until=time.time() + 60 if until is None else until)
    return saved, path


def _matches(store: Path, path: Path) -> bool:
    rec = replay._load(str(path))
    db = replay._db_state(str(store))
    return rec is not None and db is not None and replay._matches(rec, str(store), db)


def test_a_fresh_record_matches_and_plays_its_output(store, ctx, capsys) -> None:
    saved, path = _record(store, ctx)
    assert saved and _matches(store, path)
    rec = replay._load(str(path))
    assert rec is not None and replay._play(rec) == 0
    assert capsys.readouterr().out == "Step 1/1 : FROM scratch\n"


@pytest.mark.parametrize("change", ["content", "new file", "removed file", "new dir", "chmod", "rename"])
def test_any_change_under_the_context_stops_it(store, ctx, change) -> None:
    saved, path = _record(store, ctx)
    assert saved
    a = ctx / "src" / "a"
    if change == "content":
        a.write_text("b\n")  # same size
    elif change == "new file":
        (ctx / "src" / "b").write_text("")
    elif change == "removed file":
        a.unlink()
    elif change == "new dir":
        (ctx / "d").mkdir()
    elif change == "chmod":
        a.chmod(0o600)
    else:
        a.rename(ctx / "src" / "c")
    assert not _matches(store, path)


def test_a_database_write_or_a_wal_with_frames_stops_it(store, ctx) -> None:
    saved, path = _record(store, ctx)
    assert saved
    (store / "mocker.db-wal").write_bytes(b"")
    assert _matches(store, path)  # an empty WAL: the DB file is the whole state
    (store / "mocker.db-wal").write_bytes(b"x" * 32)
    assert replay._db_state(str(store)) is None
    os.unlink(store / "mocker.db-wal")
    with open(store / "mocker.db", "r+b") as f:
        f.seek(100)
        f.write(b"\1")
    assert not _matches(store, path)


def test_a_record_is_used_only_until_the_cache_hits_would_be_touched(store, ctx) -> None:
    saved, path = _record(store, ctx, until=time.time() + 0.3)
    assert saved and _matches(store, path)
    time.sleep(0.35)
    assert not _matches(store, path)
    assert _record(store, ctx, until=time.time() - 1)[0] is False  # already past: not even written


def test_a_looked_for_file_that_appears_stops_it(store, ctx, tmp_path) -> None:
    outside = tmp_path / "elsewhere" / "Dockerfile.dockerignore"
    outside.parent.mkdir()
    saved, path = _record(store, ctx, probed=[str(outside)])
    assert saved and _matches(store, path)
    outside.write_text("*\n")
    assert not _matches(store, path)


def test_inputs_newer_than_two_seconds_before_the_build_are_not_recorded(store, ctx) -> None:
    saved, path = _record(store, ctx, ahead=0.0)
    assert not saved and not path.exists()


def test_output_on_stderr_or_around_the_stream_is_not_recorded(store, ctx) -> None:
    assert _record(store, ctx, err="[Warning] something\n")[0] is False
    path = store / "build" / "replay" / "k2.json"
    db = replay._db_state(str(store))
    assert db is not None
    p = replay.Pending(str(path), str(store), time.time_ns() + 10**10, db, None)
    out, _ = p.watch(io.StringIO(), io.StringIO())
    with pytest.raises(io.UnsupportedOperation):
        out.fileno()  # a RUN step's raw bytes would go here: the record is spoiled
    assert not p.save(iid=None, location=str(ctx), context=str(ctx), probed=[], fresh_until=None)


def test_a_racy_database_is_compared_by_content(store, ctx) -> None:
    path = store / "build" / "replay" / "k.json"
    db = replay._db_state(str(store))
    assert db is not None
    sha = replay._file_sha(str(store / "mocker.db"))
    p = replay.Pending(str(path), str(store), time.time_ns() + 10**10, db, sha)
    p.watch(io.StringIO(), io.StringIO())
    assert p.save(iid=None, location=str(ctx), context=str(ctx), probed=[], fresh_until=None)
    assert _matches(store, path)
    st = os.stat(store / "mocker.db")
    with open(store / "mocker.db", "r+b") as f:  # same size, and the old times put back
        f.seek(100)
        f.write(b"\2")
    os.utime(store / "mocker.db", ns=(st.st_atime_ns, st.st_mtime_ns))
    rec = replay._load(str(path))
    assert rec is not None
    rec["db"] = replay._db_state(str(store))  # even with a stat that matched, the content decides
    assert not replay._matches(rec, str(store), rec["db"])


def test_contexts_past_the_entry_limit_are_not_recorded(store, ctx, monkeypatch) -> None:
    monkeypatch.setattr(replay, "MAX_ENTRIES", 2)
    assert replay._tree(str(ctx)) is None
    assert _record(store, ctx)[0] is False


def test_records_are_private_and_a_writable_one_is_not_trusted(store, ctx) -> None:
    saved, path = _record(store, ctx)
    assert saved and path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o622)  # another user could have put an --iidfile path of their choosing in it
    assert replay._load(str(path)) is None
