"""SQLite metadata: one file, WAL mode, migrations by ``PRAGMA user_version``.

Every mocker process opens its own connection; concurrency safety comes from SQLite itself
(``BEGIN IMMEDIATE`` write transactions, a generous busy timeout) and from constraints: a tag or a
container name is a PRIMARY KEY/UNIQUE column, so of two racing writers exactly one wins.

Start-up cost: every command opens the DB, so this module takes text paths (no ``pathlib``) and
:func:`transaction` is a small class rather than ``@contextmanager`` (no ``contextlib``). It
connects through ``_sqlite3``, the C module the ``sqlite3`` package re-exports: the package adds
only the (deprecated) ``datetime`` adapters and converters, which mocker never uses (it stores times
as numbers and text), and importing it (``datetime``, ``collections.abc``) costs ~2 ms. The
classes are the same objects either way (``sqlite3.Row is _sqlite3.Row``), so modules that import
``sqlite3`` for its exceptions keep working (DECISIONS 37).
"""

from __future__ import annotations

import os

from mocker.errors import StoreError

try:
    import _sqlite3 as sqlite3
except ImportError:  # pragma: no cover - an interpreter without the C module's name
    import sqlite3  # type: ignore[no-redef]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import TracebackType

# The exceptions callers catch, for the modules on start-up paths that should not import ``sqlite3``.
DatabaseError = sqlite3.DatabaseError
IntegrityError = sqlite3.IntegrityError
OperationalError = sqlite3.OperationalError

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
    # 2: which platform manifests an index holds, so listing and pruning need not read index blobs
    """
    CREATE TABLE index_manifests (
        index_digest TEXT NOT NULL REFERENCES indexes(digest) ON DELETE CASCADE,
        manifest_digest TEXT NOT NULL,
        PRIMARY KEY (index_digest, manifest_digest)
    );
    CREATE INDEX index_manifests_manifest ON index_manifests(manifest_digest);
    """,
    # 3: containers, volumes and which container uses which volume
    """
    CREATE TABLE containers (
        id TEXT PRIMARY KEY,                 -- 64 hex
        name TEXT NOT NULL UNIQUE,           -- without Docker's leading "/"
        image_id TEXT NOT NULL,              -- config digest (kept even if the image is removed with -f)
        image_name TEXT NOT NULL,            -- what the user asked for (Config.Image)
        created REAL NOT NULL,
        config TEXT NOT NULL,                -- JSON: create options + resolved ContainerSpec
        labels TEXT NOT NULL DEFAULT '{}',   -- JSON, for label filters without parsing config
        status TEXT NOT NULL,                -- created/running/paused/restarting/exited/dead/removing
        pid INTEGER NOT NULL DEFAULT 0,
        exit_code INTEGER,
        started_at REAL,
        finished_at REAL,
        oom_killed INTEGER NOT NULL DEFAULT 0,
        restart_count INTEGER NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT '',
        health TEXT,                         -- JSON: Docker's State.Health
        updated_at REAL NOT NULL
    );
    CREATE INDEX containers_image ON containers(image_id);
    CREATE TABLE volumes (
        name TEXT PRIMARY KEY,
        driver TEXT NOT NULL DEFAULT 'local',
        mountpoint TEXT NOT NULL,
        created REAL NOT NULL,
        labels TEXT NOT NULL DEFAULT '{}',   -- JSON
        options TEXT NOT NULL DEFAULT '{}',  -- JSON: --opt values (type, device, o)
        anonymous INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE container_volumes (
        container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
        volume_name TEXT NOT NULL REFERENCES volumes(name),
        destination TEXT NOT NULL,
        PRIMARY KEY (container_id, destination)
    );
    CREATE INDEX container_volumes_volume ON container_volumes(volume_name);
    """,
    # 4: networks, container endpoints (IP leases: UNIQUE per network) and published host ports
    """
    CREATE TABLE IF NOT EXISTS networks (
        id TEXT PRIMARY KEY,                 -- 64 hex
        name TEXT NOT NULL UNIQUE,
        driver TEXT NOT NULL,                -- bridge (netavark), host, null
        created REAL NOT NULL,
        config TEXT NOT NULL,                -- JSON: subnets, bridge interface, internal, options, dns
        labels TEXT NOT NULL DEFAULT '{}'    -- JSON
    );
    CREATE TABLE IF NOT EXISTS endpoints (
        container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
        network_id TEXT NOT NULL REFERENCES networks(id),
        ipv4 TEXT,                           -- the lease; NULL on networks without IPAM
        mac TEXT NOT NULL DEFAULT '',
        config TEXT NOT NULL DEFAULT '{}',   -- JSON: aliases, static ip asked for, endpoint id, interface
        created REAL NOT NULL,
        PRIMARY KEY (container_id, network_id),
        UNIQUE (network_id, ipv4)
    );
    CREATE INDEX IF NOT EXISTS endpoints_network ON endpoints(network_id);
    CREATE TABLE IF NOT EXISTS port_bindings (
        container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
        host_ip TEXT NOT NULL,               -- '' for all addresses
        host_port INTEGER NOT NULL,
        protocol TEXT NOT NULL,
        container_port INTEGER NOT NULL,
        PRIMARY KEY (host_ip, host_port, protocol)
    );
    CREATE INDEX IF NOT EXISTS port_bindings_container ON port_bindings(container_id);
    """,
    # 5: build cache: a step's key -> the manifest of the image it produced (blobs kept by the cache).
    # IF NOT EXISTS: stores that ran the empty placeholder 5 get the table from build/cache.py.
    """
    CREATE TABLE IF NOT EXISTS build_cache (
        key TEXT PRIMARY KEY,                -- sha256 of parent manifest, platform, step, its inputs
        manifest_digest TEXT NOT NULL,       -- the step's resulting image (not in images unless tagged)
        created_at REAL NOT NULL,
        last_used REAL NOT NULL
    );
    CREATE INDEX IF NOT EXISTS build_cache_manifest ON build_cache(manifest_digest);
    """,
    # 6: where each entry of a local manifest list came from (``manifest create``/``add``): the name the
    # user gave, shown by ``manifest inspect -v`` and used to mount blobs when pushing
    """
    CREATE TABLE IF NOT EXISTS manifest_list_refs (
        list_name TEXT NOT NULL,             -- the list's tag, normalised
        manifest_digest TEXT NOT NULL,
        ref TEXT NOT NULL,                   -- normalised image reference the entry was added as
        PRIMARY KEY (list_name, manifest_digest)
    );
    """,
)


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
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


def transaction(conn: sqlite3.Connection) -> _Transaction:
    """A write transaction taken up front (IMMEDIATE), so two writers serialise instead of deadlocking.

    Use as ``with transaction(conn) as conn:``; inside a transaction already, it joins that one.
    """
    return _Transaction(conn)


class _Transaction:
    """The context manager of :func:`transaction`: commits on success, rolls back on any exception."""

    __slots__ = ("conn", "owned")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.owned = False

    def __enter__(self) -> sqlite3.Connection:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self.owned = True
        return self.conn

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not self.owned:
            return
        self.owned = False
        self.conn.execute("ROLLBACK" if typ is not None else "COMMIT")
