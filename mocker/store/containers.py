"""Container rows <-> records. The name is UNIQUE in the table, so of two racing ``run --name x``
exactly one insert wins; state columns are updated only through :func:`update_state`.

Start-up cost: ``ps`` builds one record per container, so records are plain ``__slots__`` classes
(see ``store/images.py``), not dataclasses.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from mocker.errors import Conflict
from mocker.store.images import _Record

STATE_FIELDS = ("status", "pid", "exit_code", "started_at", "finished_at", "oom_killed", "restart_count",
                "error", "health")


class ContainerRecord(_Record):
    __slots__ = ("id", "name", "image_id", "image_name", "created", "config", "labels", "status", "pid",
                 "exit_code", "started_at", "finished_at", "oom_killed", "restart_count", "error", "health",
                 "updated_at")

    id: str
    name: str
    image_id: str
    image_name: str
    created: float
    config: dict[str, Any]  # create options + resolved spec (JSON)
    labels: dict[str, str]
    status: str
    pid: int
    exit_code: int | None
    started_at: float | None
    finished_at: float | None
    oom_killed: bool
    restart_count: int
    error: str
    health: dict[str, Any] | None
    updated_at: float

    def __init__(self, **kw: object) -> None:
        for f in self.__slots__:
            object.__setattr__(self, f, kw.get(f))

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> ContainerRecord:
        return cls(
            id=r["id"], name=r["name"], image_id=r["image_id"], image_name=r["image_name"],
            created=r["created"], config=json.loads(r["config"]), labels=json.loads(r["labels"]),
            status=r["status"], pid=r["pid"], exit_code=r["exit_code"], started_at=r["started_at"],
            finished_at=r["finished_at"], oom_killed=bool(r["oom_killed"]), restart_count=r["restart_count"],
            error=r["error"], health=json.loads(r["health"]) if r["health"] else None,
            updated_at=r["updated_at"],
        )

    def replace(self, **changes: object) -> ContainerRecord:
        values = {f: getattr(self, f) for f in self.__slots__}
        values.update(changes)
        return ContainerRecord(**values)


def insert(conn: sqlite3.Connection, rec: ContainerRecord) -> None:
    try:
        conn.execute(
            "INSERT INTO containers (id, name, image_id, image_name, created, config, labels, status, pid,"
            " exit_code, started_at, finished_at, oom_killed, restart_count, error, health, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (rec.id, rec.name, rec.image_id, rec.image_name, rec.created, json.dumps(rec.config),
             json.dumps(rec.labels), rec.status, rec.pid or 0, rec.exit_code, rec.started_at, rec.finished_at,
             int(bool(rec.oom_killed)), rec.restart_count or 0, rec.error or "",
             json.dumps(rec.health) if rec.health else None, time.time()),
        )
    except sqlite3.IntegrityError as e:
        if "containers.name" in str(e):
            other = conn.execute("SELECT id FROM containers WHERE name = ?", (rec.name,)).fetchone()
            other_id = other[0] if other else "?"
            raise Conflict(
                f'Conflict. The container name "/{rec.name}" is already in use by container "{other_id}". '
                "You have to remove (or rename) that container to be able to reuse that name."
            ) from None
        raise


def get(conn: sqlite3.Connection, container_id: str) -> ContainerRecord | None:
    r = conn.execute("SELECT * FROM containers WHERE id = ?", (container_id,)).fetchone()
    return ContainerRecord.from_row(r) if r else None


def find(conn: sqlite3.Connection, name_or_id: str) -> list[ContainerRecord]:
    """Docker's lookup order: full ID, exact name, then unique ID prefix (the caller checks ambiguity)."""
    key = name_or_id[1:] if name_or_id.startswith("/") else name_or_id
    r = conn.execute("SELECT * FROM containers WHERE id = ?", (key,)).fetchone()
    if r:
        return [ContainerRecord.from_row(r)]
    r = conn.execute("SELECT * FROM containers WHERE name = ?", (key,)).fetchone()
    if r:
        return [ContainerRecord.from_row(r)]
    if key and all(c in "0123456789abcdef" for c in key):
        return [ContainerRecord.from_row(x) for x in
                conn.execute("SELECT * FROM containers WHERE id LIKE ?", (key + "%",)).fetchall()]
    return []


def list_all(conn: sqlite3.Connection) -> list[ContainerRecord]:
    return [ContainerRecord.from_row(r) for r in conn.execute("SELECT * FROM containers ORDER BY created DESC")]


def update_state(conn: sqlite3.Connection, container_id: str, **fields: object) -> None:
    bad = set(fields) - set(STATE_FIELDS)
    if bad:
        raise ValueError(f"not state fields: {bad}")
    cols = ", ".join(f"{k} = ?" for k in fields)
    values = [json.dumps(v) if k == "health" and v is not None else
              (int(v) if isinstance(v, bool) else v) for k, v in fields.items()]
    conn.execute(f"UPDATE containers SET {cols}, updated_at = ? WHERE id = ?",  # noqa: S608 - fixed names
                 (*values, time.time(), container_id))


def rename(conn: sqlite3.Connection, container_id: str, new_name: str) -> None:
    try:
        conn.execute("UPDATE containers SET name = ?, updated_at = ? WHERE id = ?",
                     (new_name, time.time(), container_id))
    except sqlite3.IntegrityError:
        other = conn.execute("SELECT id FROM containers WHERE name = ?", (new_name,)).fetchone()
        raise Conflict(
            f'Conflict. The container name "/{new_name}" is already in use by container '
            f'"{other[0] if other else "?"}". You have to remove (or rename) that container to be able to '
            "reuse that name."
        ) from None


def update_config(conn: sqlite3.Connection, container_id: str, config: dict[str, Any]) -> None:
    conn.execute("UPDATE containers SET config = ?, updated_at = ? WHERE id = ?",
                 (json.dumps(config), time.time(), container_id))


def delete(conn: sqlite3.Connection, container_id: str) -> None:
    conn.execute("DELETE FROM containers WHERE id = ?", (container_id,))


def users_of_image(conn: sqlite3.Connection, image_id: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT id FROM containers WHERE image_id = ?", (image_id,))]
