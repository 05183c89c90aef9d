"""Image, tag and index rows <-> records. Pure data access: no registry, no unpacking.

Start-up cost: ``images`` builds a record per image, so records are plain ``__slots__`` classes, not
dataclasses (importing ``dataclasses`` costs ~20 ms); :class:`mocker.records.Record` gives them a frozen dataclass's
immutability, equality, hash and repr.
"""

from __future__ import annotations

import time

from mocker.records import Record as _Record
from mocker.store.db import transaction

TYPE_CHECKING = False  # the connection comes from store.db, which imports the C module (not ``sqlite3``)
if TYPE_CHECKING:
    import sqlite3


class ImageRecord(_Record):
    __slots__ = ("id", "manifest_digest", "manifest_media_type", "created", "size", "os", "architecture",
                 "variant", "added_at", "tags", "repo_digests")

    id: str
    manifest_digest: str
    manifest_media_type: str
    created: str | None
    size: int
    os: str
    architecture: str
    variant: str | None
    added_at: float
    tags: tuple[str, ...]
    repo_digests: tuple[str, ...]  # "docker.io/library/busybox@sha256:..."

    def __init__(
        self, *, id: str, manifest_digest: str, manifest_media_type: str, created: str | None, size: int,
        os: str, architecture: str, variant: str | None, added_at: float, tags: tuple[str, ...] = (),
        repo_digests: tuple[str, ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "id", id)
        init(self, "manifest_digest", manifest_digest)
        init(self, "manifest_media_type", manifest_media_type)
        init(self, "created", created)
        init(self, "size", size)
        init(self, "os", os)
        init(self, "architecture", architecture)
        init(self, "variant", variant)
        init(self, "added_at", added_at)
        init(self, "tags", tags)
        init(self, "repo_digests", repo_digests)

    @classmethod
    def from_row(cls, row: sqlite3.Row, tags: tuple[str, ...] = (), digests: tuple[str, ...] = ()) -> ImageRecord:
        return cls(
            id=row["id"], manifest_digest=row["manifest_digest"],
            manifest_media_type=row["manifest_media_type"], created=row["created"], size=row["size"],
            os=row["os"], architecture=row["architecture"], variant=row["variant"],
            added_at=row["added_at"], tags=tags, repo_digests=digests,
        )


class IndexRecord(_Record):
    __slots__ = ("digest", "media_type", "added_at", "tags")

    digest: str
    media_type: str
    added_at: float
    tags: tuple[str, ...]

    def __init__(self, *, digest: str, media_type: str, added_at: float, tags: tuple[str, ...] = ()) -> None:
        init = object.__setattr__
        init(self, "digest", digest)
        init(self, "media_type", media_type)
        init(self, "added_at", added_at)
        init(self, "tags", tags)


class TagRecord(_Record):
    __slots__ = ("name", "image_id", "index_digest", "updated_at")

    name: str
    image_id: str | None
    index_digest: str | None
    updated_at: float

    def __init__(self, *, name: str, image_id: str | None, index_digest: str | None, updated_at: float) -> None:
        init = object.__setattr__
        init(self, "name", name)
        init(self, "image_id", image_id)
        init(self, "index_digest", index_digest)
        init(self, "updated_at", updated_at)


def _tags_by_image(conn: sqlite3.Connection) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in conn.execute("SELECT name, image_id FROM tags WHERE image_id IS NOT NULL ORDER BY updated_at, name"):
        out.setdefault(r["image_id"], []).append(r["name"])
    return out


def _digests_by_image(conn: sqlite3.Connection) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in conn.execute("SELECT repository, digest, image_id FROM repo_digests ORDER BY repository, digest"):
        out.setdefault(r["image_id"], []).append(f"{r['repository']}@{r['digest']}")
    return out


def list_images(conn: sqlite3.Connection) -> list[ImageRecord]:
    tags = _tags_by_image(conn)
    digests = _digests_by_image(conn)
    rows = conn.execute("SELECT * FROM images ORDER BY added_at DESC, id").fetchall()
    return [ImageRecord.from_row(r, tuple(tags.get(r["id"], ())), tuple(digests.get(r["id"], ()))) for r in rows]


def get_image(conn: sqlite3.Connection, image_id: str) -> ImageRecord | None:
    row = conn.execute("SELECT * FROM images WHERE id = ?", (image_id,)).fetchone()
    if row is None:
        return None
    tags = tuple(r[0] for r in conn.execute(
        "SELECT name FROM tags WHERE image_id = ? ORDER BY updated_at, name", (image_id,)))
    digests = tuple(f"{r[0]}@{r[1]}" for r in conn.execute(
        "SELECT repository, digest FROM repo_digests WHERE image_id = ? ORDER BY repository, digest", (image_id,)))
    return ImageRecord.from_row(row, tags, digests)


def find_image_ids_by_prefix(conn: sqlite3.Connection, hex_prefix: str) -> list[str]:
    like = hex_prefix.replace("%", "").replace("_", "") + "%"
    return [r[0] for r in conn.execute("SELECT id FROM images WHERE id LIKE ?", ("sha256:" + like,))]


def find_by_manifest(conn: sqlite3.Connection, manifest_digest: str) -> str | None:
    row = conn.execute("SELECT id FROM images WHERE manifest_digest = ?", (manifest_digest,)).fetchone()
    return row[0] if row else None


def find_by_repo_digest(conn: sqlite3.Connection, repository: str, digest: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT image_id FROM repo_digests WHERE repository = ? AND digest = ?", (repository, digest))]


def get_tag(conn: sqlite3.Connection, name: str) -> TagRecord | None:
    r = conn.execute("SELECT * FROM tags WHERE name = ?", (name,)).fetchone()
    if r is None:
        return None
    return TagRecord(name=r["name"], image_id=r["image_id"], index_digest=r["index_digest"],
                     updated_at=r["updated_at"])


def list_tags(conn: sqlite3.Connection) -> list[TagRecord]:
    return [TagRecord(name=r["name"], image_id=r["image_id"], index_digest=r["index_digest"],
                      updated_at=r["updated_at"])
            for r in conn.execute("SELECT * FROM tags ORDER BY name")]


def insert_image(conn: sqlite3.Connection, rec: ImageRecord) -> None:
    """Idempotent: the same config digest is the same image (content addressed)."""
    conn.execute(
        "INSERT OR IGNORE INTO images (id, manifest_digest, manifest_media_type, created, size, os,"
        " architecture, variant, added_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (rec.id, rec.manifest_digest, rec.manifest_media_type, rec.created, rec.size, rec.os,
         rec.architecture, rec.variant, rec.added_at),
    )


def insert_index(conn: sqlite3.Connection, digest: str, media_type: str) -> None:
    conn.execute("INSERT OR IGNORE INTO indexes (digest, media_type, added_at) VALUES (?,?,?)",
                 (digest, media_type, time.time()))


def set_tag(conn: sqlite3.Connection, name: str, *, image_id: str | None = None,
            index_digest: str | None = None) -> str | None:
    """Point ``name`` at an image or an index; returns the image id it pointed at before, if any."""
    old = conn.execute("SELECT image_id FROM tags WHERE name = ?", (name,)).fetchone()
    conn.execute(
        "INSERT INTO tags (name, image_id, index_digest, updated_at) VALUES (?,?,?,?) "
        "ON CONFLICT(name) DO UPDATE SET image_id=excluded.image_id, index_digest=excluded.index_digest,"
        " updated_at=excluded.updated_at",
        (name, image_id, index_digest, time.time()),
    )
    return old[0] if old else None


def delete_tag(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("DELETE FROM tags WHERE name = ?", (name,)).rowcount > 0


def add_repo_digest(conn: sqlite3.Connection, repository: str, digest: str, image_id: str) -> None:
    conn.execute("INSERT OR IGNORE INTO repo_digests (repository, digest, image_id) VALUES (?,?,?)",
                 (repository, digest, image_id))


def delete_image(conn: sqlite3.Connection, image_id: str) -> None:
    with transaction(conn):
        conn.execute("DELETE FROM tags WHERE image_id = ?", (image_id,))
        conn.execute("DELETE FROM repo_digests WHERE image_id = ?", (image_id,))
        conn.execute("DELETE FROM images WHERE id = ?", (image_id,))


def set_index_manifests(conn: sqlite3.Connection, index_digest: str, manifests: list[str]) -> None:
    conn.executemany("INSERT OR IGNORE INTO index_manifests (index_digest, manifest_digest) VALUES (?,?)",
                     [(index_digest, m) for m in manifests])


def index_manifests(conn: sqlite3.Connection, index_digest: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT manifest_digest FROM index_manifests WHERE index_digest = ?", (index_digest,))]


def tagged_index_members(conn: sqlite3.Connection) -> set[str]:
    """Manifest digests held by an index that has a tag: those images are not dangling."""
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT m.manifest_digest FROM index_manifests m JOIN tags t ON t.index_digest = m.index_digest")}


def delete_index(conn: sqlite3.Connection, digest: str) -> None:
    with transaction(conn):
        conn.execute("DELETE FROM tags WHERE index_digest = ?", (digest,))
        conn.execute("DELETE FROM indexes WHERE digest = ?", (digest,))


def list_indexes(conn: sqlite3.Connection) -> list[IndexRecord]:
    tags: dict[str, list[str]] = {}
    for r in conn.execute("SELECT name, index_digest FROM tags WHERE index_digest IS NOT NULL ORDER BY name"):
        tags.setdefault(r[1], []).append(r[0])
    return [IndexRecord(digest=r["digest"], media_type=r["media_type"], added_at=r["added_at"],
                        tags=tuple(tags.get(r["digest"], ())))
            for r in conn.execute("SELECT * FROM indexes ORDER BY added_at DESC")]


def record_layer(conn: sqlite3.Connection, chain_id: str, diff_id: str, parent: str | None, size: int) -> None:
    conn.execute("INSERT OR IGNORE INTO layers (chain_id, diff_id, parent, size, created_at) VALUES (?,?,?,?,?)",
                 (chain_id, diff_id, parent, size, time.time()))


def has_layer(conn: sqlite3.Connection, chain_id: str) -> bool:
    return conn.execute("SELECT 1 FROM layers WHERE chain_id = ?", (chain_id,)).fetchone() is not None


def delete_layer(conn: sqlite3.Connection, chain_id: str) -> None:
    conn.execute("DELETE FROM layers WHERE chain_id = ?", (chain_id,))


def list_layers(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM layers").fetchall()
