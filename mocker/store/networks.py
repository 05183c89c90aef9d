"""Network, endpoint and published-port rows <-> records. Pure data access: no netavark, no files.

Leases are constraints, not checks: ``endpoints`` has ``UNIQUE (network_id, ipv4)``, so of two
processes racing for one address exactly one insert wins, and an endpoint row goes with its
container (``ON DELETE CASCADE``): ``rm`` frees the lease in the same transaction. A network an
endpoint references cannot be deleted (foreign key). Published host ports are rows too
(``port_bindings``), keyed by ``(host_ip, host_port, protocol)``.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from mocker.errors import Conflict
from mocker.records import Record


class NetworkRecord(Record):
    """One network. ``config``: ``subnets`` ([{subnet, gateway, ip_range}]), ``bridge`` (host interface),
    ``internal``, ``ipv6``, ``dns`` (aardvark on), ``options`` (``-o``), ``ipam_user`` (subnet given)."""

    __slots__ = ("id", "name", "driver", "created", "config", "labels")

    id: str
    name: str
    driver: str
    created: float
    config: dict[str, Any]
    labels: dict[str, str]

    def __init__(self, *, id: str, name: str, driver: str, created: float,  # noqa: A002 - Docker's field
                 config: dict[str, Any], labels: dict[str, str]) -> None:
        init = object.__setattr__
        init(self, "id", id)
        init(self, "name", name)
        init(self, "driver", driver)
        init(self, "created", created)
        init(self, "config", config)
        init(self, "labels", labels)

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> NetworkRecord:
        return cls(id=r["id"], name=r["name"], driver=r["driver"], created=r["created"],
                   config=json.loads(r["config"]), labels=json.loads(r["labels"]))

    @property
    def subnets(self) -> list[dict[str, str]]:
        return list(self.config.get("subnets") or [])

    @property
    def internal(self) -> bool:
        return bool(self.config.get("internal"))


class EndpointRecord(Record):
    """A container's attachment to a network: its address lease, MAC and aliases."""

    __slots__ = ("container_id", "network_id", "ipv4", "mac", "config", "created")

    container_id: str
    network_id: str
    ipv4: str | None
    mac: str
    config: dict[str, Any]      # aliases, ipv4_requested, endpoint_id, interface, driver_opts
    created: float

    def __init__(self, *, container_id: str, network_id: str, ipv4: str | None, mac: str,
                 config: dict[str, Any], created: float) -> None:
        init = object.__setattr__
        init(self, "container_id", container_id)
        init(self, "network_id", network_id)
        init(self, "ipv4", ipv4)
        init(self, "mac", mac)
        init(self, "config", config)
        init(self, "created", created)

    def __hash__(self) -> int:
        return hash((self.container_id, self.network_id))

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> EndpointRecord:
        return cls(container_id=r["container_id"], network_id=r["network_id"], ipv4=r["ipv4"], mac=r["mac"],
                   config=json.loads(r["config"]), created=r["created"])


# ---- networks ------------------------------------------------------------------------------------

def insert(conn: sqlite3.Connection, rec: NetworkRecord) -> None:
    try:
        conn.execute("INSERT INTO networks (id, name, driver, created, config, labels) VALUES (?,?,?,?,?,?)",
                     (rec.id, rec.name, rec.driver, rec.created, json.dumps(rec.config), json.dumps(rec.labels)))
    except sqlite3.IntegrityError as e:
        if "networks.name" in str(e):
            raise Conflict(f"network with name {rec.name} already exists") from None
        raise


def list_all(conn: sqlite3.Connection) -> list[NetworkRecord]:
    return [NetworkRecord.from_row(r) for r in conn.execute("SELECT * FROM networks ORDER BY created")]


def get(conn: sqlite3.Connection, network_id: str) -> NetworkRecord | None:
    r = conn.execute("SELECT * FROM networks WHERE id = ?", (network_id,)).fetchone()
    return NetworkRecord.from_row(r) if r else None


def find(conn: sqlite3.Connection, name_or_id: str) -> list[NetworkRecord]:
    """Docker's lookup order: full ID, exact name, then ID prefix (the caller checks ambiguity)."""
    r = conn.execute("SELECT * FROM networks WHERE id = ?", (name_or_id,)).fetchone()
    if r:
        return [NetworkRecord.from_row(r)]
    r = conn.execute("SELECT * FROM networks WHERE name = ?", (name_or_id,)).fetchone()
    if r:
        return [NetworkRecord.from_row(r)]
    if name_or_id and all(c in "0123456789abcdef" for c in name_or_id):
        return [NetworkRecord.from_row(x) for x in
                conn.execute("SELECT * FROM networks WHERE id LIKE ?", (name_or_id + "%",))]
    return []


def delete(conn: sqlite3.Connection, network_id: str) -> None:
    conn.execute("DELETE FROM networks WHERE id = ?", (network_id,))


# ---- endpoints -----------------------------------------------------------------------------------

def insert_endpoint(conn: sqlite3.Connection, ep: EndpointRecord) -> None:
    """Raises ``sqlite3.IntegrityError`` when the address is taken (the caller retries or reports)."""
    conn.execute("INSERT INTO endpoints (container_id, network_id, ipv4, mac, config, created) VALUES (?,?,?,?,?,?)",
                 (ep.container_id, ep.network_id, ep.ipv4, ep.mac, json.dumps(ep.config), ep.created or time.time()))


def endpoints_of(conn: sqlite3.Connection, container_id: str) -> list[EndpointRecord]:
    return [EndpointRecord.from_row(r) for r in conn.execute(
        "SELECT * FROM endpoints WHERE container_id = ? ORDER BY created, rowid", (container_id,))]


def endpoints_on(conn: sqlite3.Connection, network_id: str) -> list[EndpointRecord]:
    return [EndpointRecord.from_row(r) for r in conn.execute(
        "SELECT * FROM endpoints WHERE network_id = ? ORDER BY created", (network_id,))]


def used_addresses(conn: sqlite3.Connection, network_id: str) -> set[str]:
    return {r[0] for r in conn.execute("SELECT ipv4 FROM endpoints WHERE network_id = ? AND ipv4 IS NOT NULL",
                                       (network_id,))}


def delete_endpoint(conn: sqlite3.Connection, container_id: str, network_id: str) -> None:
    conn.execute("DELETE FROM endpoints WHERE container_id = ? AND network_id = ?", (container_id, network_id))


# ---- published ports -----------------------------------------------------------------------------

def port_rows(conn: sqlite3.Connection, container_id: str | None = None) -> list[sqlite3.Row]:
    if container_id is None:
        return list(conn.execute("SELECT * FROM port_bindings"))
    return list(conn.execute("SELECT * FROM port_bindings WHERE container_id = ? ORDER BY container_port, protocol,"
                             " host_ip", (container_id,)))


def insert_port(conn: sqlite3.Connection, container_id: str, host_ip: str, host_port: int, protocol: str,
                container_port: int) -> None:
    conn.execute("INSERT INTO port_bindings (container_id, host_ip, host_port, protocol, container_port)"
                 " VALUES (?,?,?,?,?)", (container_id, host_ip, host_port, protocol, container_port))


def has_ports(conn: sqlite3.Connection, container_id: str) -> bool:
    return conn.execute("SELECT 1 FROM port_bindings WHERE container_id = ? LIMIT 1", (container_id,)).fetchone() \
        is not None


def delete_ports(conn: sqlite3.Connection, container_id: str) -> None:
    conn.execute("DELETE FROM port_bindings WHERE container_id = ?", (container_id,))
