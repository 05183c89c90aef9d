"""Compare-and-swap of a manifest list's tag (store/manifests.py) on a real SQLite store."""

from __future__ import annotations

from mocker.store import images as db
from mocker.store import manifests as mdb
from mocker.store.db import connect

A, B, C = ("sha256:" + c * 64 for c in "abc")
M1, M2 = ("sha256:" + c * 64 for c in "12")
NAME = "127.0.0.1:5000/app:latest"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def _swap(conn, expected, digest, members, refs=None):
    return mdb.swap_list(conn, NAME, expected=expected, digest=digest, media_type=OCI_INDEX, members=members,
                         refs=refs or {})


def test_swap_needs_the_digest_the_edit_started_from(tmp_path):
    conn = connect(tmp_path / "m.db")
    assert _swap(conn, None, A, [M1], {M1: "x:1"})
    assert not _swap(conn, None, B, [M1])          # "create" lost: the list exists now
    assert _swap(conn, A, B, [M1, M2], {M1: "x:1", M2: "x:2"})
    assert not _swap(conn, A, C, [M1])             # a stale edit changes nothing
    assert mdb.current_digest(conn, NAME) == (True, B)
    assert mdb.entry_refs(conn, NAME) == {M1: "x:1", M2: "x:2"}
    assert sorted(db.index_manifests(conn, B)) == [M1, M2]
    assert [i.digest for i in db.list_indexes(conn)] == [B]  # the superseded version is gone


def test_delete_needs_the_current_digest_and_keeps_an_index_other_tags_use(tmp_path):
    conn = connect(tmp_path / "m.db")
    assert _swap(conn, None, A, [M1])
    db.set_tag(conn, "other:1", index_digest=A)
    assert not mdb.delete_list(conn, NAME, B)
    assert mdb.delete_list(conn, NAME, A)
    assert mdb.current_digest(conn, NAME) == (False, None)
    assert [i.digest for i in db.list_indexes(conn)] == [A]  # still tagged other:1
    assert mdb.entry_refs(conn, NAME) == {}
