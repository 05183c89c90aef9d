"""The build cache: step key -> manifest of the image that step produced (migration 5).

A key hashes everything the step's result depends on: the parent image's manifest, the platform,
the instruction with its arguments after build-arg expansion, the build args a RUN sees, and the
content digest of COPY/ADD sources. Intermediate images are not rows of ``images``: their blobs and
unpacked layers are kept alive by this table (``image_remove.referenced_content`` reads it), and a
hit counts only while they are still there. ``builder prune`` empties it.
"""

from __future__ import annotations

import time

from mocker import jsonc
from mocker.shortsha import sha256_hex
from mocker.store.db import OperationalError, transaction

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from typing import Any

    from mocker.store.store import Store


def step_key(*parts: Any) -> str:
    return "sha256:" + sha256_hex(jsonc.dumps(parts, sort_keys=True, separators=(",", ":")).encode())


def _ensure_table(store: Store) -> None:
    """Stores that ran migration 5 while it was an empty placeholder lack the table: create it."""
    from mocker.store.db import MIGRATIONS, _statements

    with transaction(store.db) as conn:
        for stmt in _statements(MIGRATIONS[4]):
            conn.execute(stmt)


def lookup(store: Store, key: str) -> str | None:
    try:
        row = store.db.execute("SELECT manifest_digest FROM build_cache WHERE key = ?", (key,)).fetchone()
    except OperationalError:
        _ensure_table(store)
        return None
    if row is None:
        return None
    digest: str = row[0]
    if not store.blobs.has(digest):
        return None
    return digest


# ``last_used`` is refreshed only when older than this: ``builder prune --filter until=`` durations are
# minutes to days, and a rebuild within the minute then writes nothing (no write lock, no fsync).
TOUCH_SLACK = 60.0


def touch(store: Store, keys: list[str]) -> float | None:
    """Mark cache hits as used (one write for the whole build, for ``builder prune --filter until=``).

    Returns until when a rebuild with the same hits would write nothing (the oldest ``last_used``
    plus the slack), None without hits (DECISIONS 39: a replay is valid only that long)."""
    if not keys:
        return None
    now = time.time()
    q = ",".join("?" * len(keys))
    used = dict(store.db.execute(f"SELECT key, last_used FROM build_cache WHERE key IN ({q})", keys))  # noqa: S608
    stale = [k for k in set(keys) if used.get(k, 0.0) < now - TOUCH_SLACK]
    if stale:
        with transaction(store.db) as conn:
            conn.executemany("UPDATE build_cache SET last_used = ? WHERE key = ?", [(now, k) for k in stale])
        for k in stale:
            used[k] = now
    return min(used.get(k, now) for k in keys) + TOUCH_SLACK


def record(store: Store, key: str, manifest_digest: str) -> None:
    now = time.time()
    if store.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'build_cache'").fetchone() is None:
        _ensure_table(store)
    with transaction(store.db) as conn:
        conn.execute(
            "INSERT INTO build_cache (key, manifest_digest, created_at, last_used) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET manifest_digest = excluded.manifest_digest, last_used = excluded.last_used",
            (key, manifest_digest, now, now),
        )


def cached_manifests(conn: sqlite3.Connection) -> list[str]:
    try:
        rows = conn.execute("SELECT DISTINCT manifest_digest FROM build_cache").fetchall()
    except OperationalError:
        return []  # a store from before migration 5
    return [r[0] for r in rows]


def prune(store: Store, *, older_than: float | None = None) -> int:
    """Forget cache entries (all, or those unused since ``older_than``); returns how many."""
    if store.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'build_cache'").fetchone() is None:
        return 0
    with transaction(store.db) as conn:
        if older_than is None:
            cur = conn.execute("DELETE FROM build_cache")
        else:
            cur = conn.execute("DELETE FROM build_cache WHERE last_used < ?", (older_than,))
    return cur.rowcount
