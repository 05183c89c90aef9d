"""Volume rows and which container uses which volume <-> records. Pure data access: no mounts, no files.

"In use" is a constraint, not a check: ``container_volumes.volume_name`` references ``volumes(name)``,
so a volume some container references cannot be deleted, and a container cannot be attached to a
volume another process has just deleted: of two racing writers, SQLite lets exactly one win. The
``sqlite3.IntegrityError`` of the loser is translated here into Docker's error.

Start-up cost: ``volume ls`` builds a record per volume, so records are plain ``__slots__`` classes
(:class:`~mocker.store.images._Record`), labels and options sorted ``(key, value)`` tuples.
"""

from __future__ import annotations

import json
import sqlite3

from mocker.errors import Conflict, ContainerNotFound, VolumeInUse, VolumeNotFound
from mocker.store.images import _Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

Pairs = tuple[tuple[str, str], ...]

# moby's AnonymousLabel: set on volumes created without a name; `volume prune` (without -a) removes them.
ANONYMOUS_LABEL = "com.docker.volume.anonymous"


def pairs(mapping: Mapping[str, str] | None) -> Pairs:
    return tuple(sorted((mapping or {}).items()))


class VolumeRecord(_Record):
    __slots__ = ("name", "driver", "mountpoint", "created", "labels", "options", "anonymous")

    name: str
    driver: str
    mountpoint: str           # <root>/volumes/<name>/_data
    created: float            # unix time
    labels: Pairs             # sorted; dict(rec.labels) for a mapping
    options: Pairs            # --opt values: type, device, o
    anonymous: bool

    def __init__(self, *, name: str, driver: str = "local", mountpoint: str, created: float,
                 labels: Pairs = (), options: Pairs = (), anonymous: bool = False) -> None:
        init = object.__setattr__
        init(self, "name", name)
        init(self, "driver", driver)
        init(self, "mountpoint", mountpoint)
        init(self, "created", created)
        init(self, "labels", labels)
        init(self, "options", options)
        init(self, "anonymous", anonymous)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> VolumeRecord:
        return cls(name=row["name"], driver=row["driver"], mountpoint=row["mountpoint"], created=row["created"],
                   labels=pairs(json.loads(row["labels"])), options=pairs(json.loads(row["options"])),
                   anonymous=bool(row["anonymous"]))


def insert_volume(conn: sqlite3.Connection, rec: VolumeRecord) -> bool:
    """False if a volume of that name exists already (the row is left as it is)."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO volumes (name, driver, mountpoint, created, labels, options, anonymous)"
        " VALUES (?,?,?,?,?,?,?)",
        (rec.name, rec.driver, rec.mountpoint, rec.created, json.dumps(dict(rec.labels)),
         json.dumps(dict(rec.options)), int(rec.anonymous)),
    )
    return cur.rowcount > 0


def get_volume(conn: sqlite3.Connection, name: str) -> VolumeRecord | None:
    row = conn.execute("SELECT * FROM volumes WHERE name = ?", (name,)).fetchone()
    return None if row is None else VolumeRecord.from_row(row)


def list_volumes(conn: sqlite3.Connection) -> list[VolumeRecord]:
    return [VolumeRecord.from_row(r) for r in conn.execute("SELECT * FROM volumes ORDER BY name")]


def users(conn: sqlite3.Connection, name: str) -> list[str]:
    """IDs of the containers that reference the volume, oldest first."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT cv.container_id FROM container_volumes cv JOIN containers c ON c.id = cv.container_id"
        " WHERE cv.volume_name = ? ORDER BY c.created, c.id", (name,))]


def referenced_names(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT DISTINCT volume_name FROM container_volumes")}


def delete_volume(conn: sqlite3.Connection, name: str) -> bool:
    """Delete the row; :class:`VolumeInUse` (naming the containers) if any container references it."""
    try:
        return conn.execute("DELETE FROM volumes WHERE name = ?", (name,)).rowcount > 0
    except sqlite3.IntegrityError as e:
        raise VolumeInUse(name, users(conn, name)) from e


def attach(conn: sqlite3.Connection, container_id: str, volume_name: str, destination: str) -> None:
    """Record that the container mounts the volume at ``destination``."""
    try:
        conn.execute("INSERT INTO container_volumes (container_id, volume_name, destination) VALUES (?,?,?)",
                     (container_id, volume_name, destination))
    except sqlite3.IntegrityError as e:
        if conn.execute("SELECT 1 FROM volumes WHERE name = ?", (volume_name,)).fetchone() is None:
            raise VolumeNotFound(volume_name) from e
        if conn.execute("SELECT 1 FROM containers WHERE id = ?", (container_id,)).fetchone() is None:
            raise ContainerNotFound(f"No such container: {container_id}") from e
        raise Conflict(f"Duplicate mount point: {destination}") from e


def detach(conn: sqlite3.Connection, container_id: str, volume_name: str | None = None) -> int:
    """Forget the container's use of one volume (or of all its volumes); returns the rows removed."""
    if volume_name is None:
        return conn.execute("DELETE FROM container_volumes WHERE container_id = ?", (container_id,)).rowcount
    return conn.execute("DELETE FROM container_volumes WHERE container_id = ? AND volume_name = ?",
                        (container_id, volume_name)).rowcount


def container_volumes(conn: sqlite3.Connection, container_id: str) -> list[tuple[str, str]]:
    """``(volume_name, destination)`` of every volume the container uses, by destination."""
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT volume_name, destination FROM container_volumes WHERE container_id = ? ORDER BY destination",
        (container_id,))]
