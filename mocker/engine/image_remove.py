"""``rmi`` and ``image prune`` with Docker's rules, and the garbage collector behind them.

Docker's rules: removing a tag only untags while the image has other tags; removing the last tag
(or the image by ID) deletes it; an ID that several repositories reference needs ``--force``.
Content (blobs, unpacked layers) goes only when no image or index references it any more, and the
collector runs under the exclusive store lock so it cannot race a pull in another process.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mocker.engine.images import find_image, find_index, normalize_name, read_manifest, sync_layout_index
from mocker.errors import Conflict, ImageNotFound, InvalidReference, MockerError
from mocker.image.manifest import chain_ids, config_descriptor, diff_ids, is_index, layer_descriptors, media_type_of
from mocker.store import images as db
from mocker.store.db import transaction
from mocker.store.images import ImageRecord
from mocker.store.store import Store


@dataclass(slots=True)
class RemoveReport:
    untagged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    errors: list[MockerError] = field(default_factory=list)
    reclaimed: int = 0


def _familiar(name: str) -> str:
    from mocker.image.reference import parse_reference

    try:
        return parse_reference(name).familiar()
    except InvalidReference:
        return name


def remove(store: Store, names: Iterable[str], *, force: bool = False, prune: bool = True) -> RemoveReport:
    report = RemoveReport()
    for name in names:
        try:
            _remove_one(store, name, force, report)
        except MockerError as e:
            report.errors.append(e)
    if report.deleted and prune:
        report.reclaimed += collect_garbage(store)
    _report_events(store, report)
    return report


def _report_events(store: Store, report: RemoveReport) -> None:
    from mocker.engine.events import record

    for name in report.untagged:
        if "@" not in name:
            record(store, "image", "untag", name, {"name": name})
    for image_id in report.deleted:
        record(store, "image", "delete", image_id, {"name": image_id})


def _in_use_by_containers(store: Store, image_id: str) -> list[str]:
    """Containers (a later milestone) register themselves here; until then nothing uses images."""
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "containers" not in tables:
        return []
    return [r[0] for r in store.db.execute("SELECT id FROM containers WHERE image_id = ?", (image_id,))]


def _remove_one(store: Store, name: str, force: bool, report: RemoveReport) -> None:
    conn = store.db
    idx = find_index(store, name)
    if idx is not None:
        targets = idx.tags if "@" in name else (normalize_name(name),)
        with transaction(conn):
            for t in targets:
                db.delete_tag(conn, t)
                report.untagged.append(_familiar(t))
            if conn.execute("SELECT 1 FROM tags WHERE index_digest = ?", (idx.digest,)).fetchone() is None:
                _delete_index(store, idx.digest, report)
        sync_layout_index(store)
        return
    rec = find_image(store, name)
    if rec is None:
        shown = name
        try:
            from mocker.image.reference import parse_reference

            ref = parse_reference(name)
            shown = ref.familiar()
        except InvalidReference:
            pass
        raise ImageNotFound(f"No such image: {shown}")
    by_ref = _names_tag(name, rec)
    users = _in_use_by_containers(store, rec.id)
    if by_ref is not None and len(rec.tags) > 1:
        with transaction(conn):
            db.delete_tag(conn, by_ref)
        report.untagged.append(_familiar(by_ref))
        sync_layout_index(store)
        return
    if by_ref is None and len(rec.tags) > 1 and not force:
        raise Conflict(f"conflict: unable to delete {rec.id[7:19]} (must be forced) - image is referenced "
                       "in multiple repositories")
    if users and not force:
        raise Conflict(f"conflict: unable to delete {name} (must be forced) - image is being used by "
                       f"stopped container {users[0][:12]}")
    _delete_image(store, rec, report)


def _delete_index(store: Store, digest: str, report: RemoveReport) -> None:
    """Delete an index and the platform images only it kept (untagged, in no other tagged index)."""
    conn = store.db
    members = db.index_manifests(conn, digest)
    db.delete_index(conn, digest)
    report.deleted.append(digest)
    still_held = db.tagged_index_members(conn)
    for m in members:
        image_id = db.find_by_manifest(conn, m)
        rec = db.get_image(conn, image_id) if image_id else None
        if rec is None or rec.tags or m in still_held or _in_use_by_containers(store, rec.id):
            continue
        db.delete_image(conn, rec.id)
        report.deleted.append(rec.id)


def _names_tag(name: str, rec: ImageRecord) -> str | None:
    try:
        norm = normalize_name(name)
    except InvalidReference:
        return None
    return norm if norm in rec.tags else None


def _delete_image(store: Store, rec: ImageRecord, report: RemoveReport) -> None:
    for t in rec.tags:
        report.untagged.append(_familiar(t))
    for d in rec.repo_digests:
        report.untagged.append(_familiar(d))
    db.delete_image(store.db, rec.id)
    report.deleted.append(rec.id)
    sync_layout_index(store)


def referenced_content(store: Store) -> tuple[set[str], set[str]]:
    """(blob digests, layer chain IDs) still needed by some image or index."""
    blobs: set[str] = set()
    chains: set[str] = set()
    for img in db.list_images(store.db):
        blobs.add(img.manifest_digest)
        try:
            m = read_manifest(store, img.manifest_digest)
        except MockerError:
            continue
        c = config_descriptor(m).digest
        blobs.add(c)
        blobs.update(d.digest for d in layer_descriptors(m))
        try:
            cfg = _json_blob(store, c)
            chains.update(chain_ids(diff_ids(cfg)))
        except MockerError:
            pass
    for idx in db.list_indexes(store.db):
        _walk_index(store, idx.digest, blobs)
    from mocker.build.cache import cached_manifests

    for digest in cached_manifests(store.db):  # the build cache's intermediate images
        if digest in blobs or not store.blobs.has(digest):
            continue
        _walk_index(store, digest, blobs)
        try:
            m = read_manifest(store, digest)
            chains.update(chain_ids(diff_ids(_json_blob(store, config_descriptor(m).digest))))
        except MockerError:
            pass
    return blobs, chains


def _json_blob(store: Store, digest: str) -> dict[str, Any]:
    from mocker.image.manifest import parse_json

    return parse_json(store.blobs.read(digest))


def _walk_index(store: Store, digest: str, blobs: set[str]) -> None:
    if digest in blobs or not store.blobs.has(digest):
        return
    blobs.add(digest)
    doc = _json_blob(store, digest)
    if is_index(media_type_of(doc)):
        for e in doc.get("manifests", []):
            _walk_index(store, e["digest"], blobs)
    else:
        blobs.add(config_descriptor(doc).digest)
        blobs.update(d.digest for d in layer_descriptors(doc))


def collect_garbage(store: Store) -> int:
    """Delete unreferenced blobs and layers; returns the bytes freed."""
    from mocker.engine.layers import remove_unused_layers

    freed = 0
    with store.lock():
        blobs, chains = referenced_content(store)
        for digest in list(store.blobs.all()):
            if digest not in blobs:
                try:
                    freed += store.blobs.size(digest)
                except FileNotFoundError:
                    continue
                store.blobs.delete(digest)
        rows = {r["chain_id"]: r["size"] for r in db.list_layers(store.db)}
        with transaction(store.db):
            for chain in remove_unused_layers(store, chains):
                freed += rows.get(chain, 0)
        store.blobs.sweep_tmp()
    return freed


def prune(store: Store, *, all_images: bool = False, filters: dict[str, list[str]] | None = None) -> RemoveReport:
    """Dangling images (no tag) or, with ``all_images``, every image no container uses."""
    from mocker.engine.image_filters import matches_filters

    report = RemoveReport()
    for idx in db.list_indexes(store.db):
        if idx.tags and not (all_images and not filters):
            continue
        with transaction(store.db):
            report.untagged += [_familiar(t) for t in idx.tags]
            _delete_index(store, idx.digest, report)
    if report.deleted:
        sync_layout_index(store)
    held = db.tagged_index_members(store.db)
    for rec in db.list_images(store.db):
        if rec.manifest_digest in held:
            continue  # part of a tagged multi-platform image: not dangling
        if rec.id in report.deleted:
            continue
        if not all_images and rec.tags:
            continue
        if _in_use_by_containers(store, rec.id):
            continue
        if filters and not matches_filters(store, rec, filters, prune=True):
            continue
        _delete_image(store, rec, report)
    report.reclaimed = collect_garbage(store)
    _report_events(store, report)
    return report
