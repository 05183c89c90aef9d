"""SQLite metadata: one file, WAL mode, migrations by ``PRAGMA user_version``.

Every mocker process opens its own connection; concurrency safety comes from SQLite itself
(``BEGIN IMMEDIATE`` write transactions, a generous busy timeout) and from constraints: a tag or a
container name is a PRIMARY KEY/UNIQUE column, so of two racing writers exactly one wins.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mocker.errors import StoreError

MIGRATIONS: tuple[str, ...] = (
    # 1: images, tags, indexes, layers
    """
    CREATE TABLE images (
        id TEXT PRIMARY KEY,                 -- config digest, Docker's image ID
        manifest_digest TEXT NOT NULL,
        manifest_media_type TEXT NOT NULL,
        created TEXT,                        -- config "created" (RFC 3339) or NULL
        size INTEGER NOT NULL,               -- uncompressed size of all layers
        os TEXT NOT NULL DEFAULT 'linux',
        architecture TEXT NOT NULL DEFAULT '',
        variant TEXT,
        added_at REAL NOT NULL
    );
    CREATE TABLE indexes (
        digest TEXT PRIMARY KEY,             -- OCI image index / Docker manifest list
        media_type TEXT NOT NULL,
        added_at REAL NOT NULL
    );
    CREATE TABLE tags (
        name TEXT PRIMARY KEY,               -- normalised: docker.io/library/busybox:latest
        image_id TEXT REFERENCES images(id) ON DELETE CASCADE,
        index_digest TEXT REFERENCES indexes(digest) ON DELETE CASCADE,
        updated_at REAL NOT NULL,
        CHECK ((image_id IS NULL) != (index_digest IS NULL))
    );
    CREATE INDEX tags_image ON tags(image_id);
    CREATE TABLE repo_digests (
        repository TEXT NOT NULL,            -- docker.io/library/busybox
        digest TEXT NOT NULL,                -- the digest it was pulled/pushed by
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        PRIMARY KEY (repository, digest, image_id)
    );
    CREATE TABLE layers (
        chain_id TEXT PRIMARY KEY,
        diff_id TEXT NOT NULL,
        parent TEXT,
        size INTEGER NOT NULL,
        created_at REAL NOT NULL
    );
    """,
)


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        _migrate(conn)
    except sqlite3.DatabaseError as e:
        raise StoreError(f"cannot open the metadata database {path}: {e}") from e
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == len(MIGRATIONS):
        return
    if version > len(MIGRATIONS):
        raise StoreError(
            f"the store was written by a newer mocker (schema {version}, this one knows {len(MIGRATIONS)})"
        )
    with transaction(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for i in range(version, len(MIGRATIONS)):
            for stmt in _statements(MIGRATIONS[i]):
                conn.execute(stmt)
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")


def _statements(script: str) -> Iterator[str]:
    buf: list[str] = []
    for line in script.splitlines():
        code = line.split("--", 1)[0]
        buf.append(code)
        if code.rstrip().endswith(";"):
            stmt = "\n".join(buf).strip()
            if stmt.strip(";").strip():
                yield stmt
            buf = []
    rest = "\n".join(buf).strip()
    if rest:
        yield rest


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taken up front (IMMEDIATE), so two writers serialise instead of deadlocking."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
