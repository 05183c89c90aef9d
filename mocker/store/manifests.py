"""Local manifest lists: a tag pointing at an image index, plus where each entry came from.

A list is edited by writing a new index blob and moving its tag from the digest the edit started
from to the new one. :func:`swap_list` does that move as a compare-and-swap in one ``BEGIN
IMMEDIATE`` transaction: when another process moved the tag meanwhile it changes nothing and returns
False, and the caller re-reads the list and applies its edit again. So two concurrent edits (e.g.
``manifest annotate`` of two entries) both end up in the list instead of one overwriting the other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from mocker.store import images as db
from mocker.store.db import transaction


def current_digest(conn: sqlite3.Connection, name: str) -> tuple[bool, str | None]:
    """(the tag exists, the index digest it points at — None when it names an image)."""
    row = conn.execute("SELECT index_digest FROM tags WHERE name = ?", (name,)).fetchone()
    if row is None:
        return False, None
    return True, row[0]


def entry_refs(conn: sqlite3.Connection, name: str) -> dict[str, str]:
    """manifest digest -> the reference the entry was added as."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT manifest_digest, ref FROM manifest_list_refs WHERE list_name = ?", (name,))}


def swap_list(
    conn: sqlite3.Connection,
    name: str,
    *,
    expected: str | None,
    digest: str,
    media_type: str,
    members: Iterable[str],
    refs: Mapping[str, str],
) -> bool:
    """Point ``name`` at index ``digest`` if it still points at ``expected`` (None: does not exist yet).

    ``refs`` replaces the entry references of the list (only members are kept).
    """
    members = list(dict.fromkeys(members))
    with transaction(conn):
        exists, now = current_digest(conn, name)
        if (now if exists else None) != expected or (exists and now is None):
            return False
        db.insert_index(conn, digest, media_type)
        db.set_index_manifests(conn, digest, members)
        db.set_tag(conn, name, index_digest=digest)
        if expected is not None and expected != digest:
            _drop_if_untagged(conn, expected)
        conn.execute("DELETE FROM manifest_list_refs WHERE list_name = ?", (name,))
        conn.executemany(
            "INSERT INTO manifest_list_refs (list_name, manifest_digest, ref) VALUES (?,?,?)",
            [(name, m, refs[m]) for m in members if m in refs],
        )
    return True


def delete_list(conn: sqlite3.Connection, name: str, expected: str) -> bool:
    """Remove the list ``name`` (its tag, entry references, and the index row if nothing else uses it).

    The platform images stay: ``manifest rm`` deletes the list, not the images it names.
    """
    with transaction(conn):
        exists, now = current_digest(conn, name)
        if not exists or now != expected:
            return False
        db.delete_tag(conn, name)
        conn.execute("DELETE FROM manifest_list_refs WHERE list_name = ?", (name,))
        _drop_if_untagged(conn, expected)
    return True


def _drop_if_untagged(conn: sqlite3.Connection, digest: str) -> None:
    """An index version no tag points at any more is only garbage (its blob goes with the next GC)."""
    if conn.execute("SELECT 1 FROM tags WHERE index_digest = ?", (digest,)).fetchone() is None:
        conn.execute("DELETE FROM indexes WHERE digest = ?", (digest,))
