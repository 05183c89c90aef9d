"""The build context's digest cache: unchanged files are not read again, changed ones always are."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from mocker.build.context import HashCache, _file_digest


def _cache(path: Path, racy_ns: int) -> HashCache:
    c = HashCache(str(path))
    c.RACY_NS = racy_ns
    return c


def test_unchanged_file_is_taken_from_the_cache_and_a_rewrite_is_not(tmp_path: Path) -> None:
    f = tmp_path / "data.txt"
    f.write_text("one\n")
    store = tmp_path / "hashes.json"
    first = _cache(store, 0)
    assert first.digest(f, os.lstat(f)) == _file_digest(f)
    first.save()
    # Poison the stored digest: a later lookup that returns it proves the file was not read again.
    data = json.loads(store.read_text())
    (key,) = data
    store.write_text(json.dumps({key: "cached"}))
    assert _cache(store, 0).digest(f, os.lstat(f)) == "cached"
    time.sleep(0.05)  # past the timestamp tick, as every real edit after a build is
    f.write_text("two\n")  # same size, new content
    assert _cache(store, 0).digest(f, os.lstat(f)) == _file_digest(f) != "cached"


def test_a_file_written_just_now_is_not_remembered(tmp_path: Path) -> None:
    f = tmp_path / "fresh.txt"
    f.write_text("x")
    store = tmp_path / "hashes.json"
    c = HashCache(str(store))  # the real 2 s rule: a same-tick rewrite could keep the stat
    assert c.digest(f, os.lstat(f)) == _file_digest(f)
    c.save()
    assert not store.exists()


def test_a_damaged_cache_file_is_ignored(tmp_path: Path) -> None:
    f = tmp_path / "a"
    f.write_text("a")
    store = tmp_path / "hashes.json"
    store.write_text("{not json")
    assert _cache(store, 0).digest(f, os.lstat(f)) == _file_digest(f)
