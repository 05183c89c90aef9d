"""The build cache table, also in stores that ran migration 5 while it was an empty placeholder."""

from __future__ import annotations

from pathlib import Path

from mocker.build import cache
from mocker.store.store import Store


def test_record_lookup_prune(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "root"))
    digest = store.blobs.put(b"{}")
    key = cache.step_key("parent", "linux/amd64", "run", ["sh"])
    assert cache.lookup(store, key) is None
    cache.record(store, key, digest)
    assert cache.lookup(store, key) == digest
    assert cache.cached_manifests(store.db) == [digest]
    assert cache.prune(store) == 1
    assert cache.lookup(store, key) is None


def test_store_without_the_table_gets_it(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "root"))
    store.db.execute("DROP TABLE build_cache")  # as after the empty placeholder migration 5
    assert cache.cached_manifests(store.db) == []
    assert cache.prune(store) == 0
    key = cache.step_key("x")
    assert cache.lookup(store, key) is None
    digest = store.blobs.put(b"[]")
    cache.record(store, key, digest)
    assert cache.lookup(store, key) == digest
