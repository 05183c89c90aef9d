"""Images in the local store: register, resolve, tag, list, remove, garbage-collect.

Lookups follow Docker's order: a reference (``busybox``, ``busybox:1``, ``repo@sha256:...``), then a
full or abbreviated image ID. Registration is one DB transaction after every blob and layer is in
place, so an interrupted pull or load leaves nothing that looks like an image.
"""

from __future__ import annotations

import time

from mocker.errors import Conflict, ImageNotFound, InvalidReference
from mocker.image.manifest import (
    REF_NAME,
    config_descriptor,
    diff_ids,
    is_index,
    layer_descriptors,
    media_type_of,
    parse_json,
)
from mocker.records import frozen
from mocker.store import images as db
from mocker.store.db import transaction
from mocker.store.images import ImageRecord, IndexRecord
from mocker.store.store import Store

TYPE_CHECKING = False  # annotations only: ``typing`` stays out of a cached rebuild (DECISIONS 37)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_HEX = frozenset("0123456789abcdef")


def _id_prefix(name: str) -> tuple[bool, str] | None:
    """``^(sha256:)?([a-f0-9]{1,64})$``: (whether ``sha256:`` was given, the hex part), else None."""
    algo = name.startswith("sha256:")
    hexpart = name[7:] if algo else name
    if 1 <= len(hexpart) <= 64 and _HEX.issuperset(hexpart):
        return algo, hexpart
    return None


@frozen
class LoadedImage:
    record: ImageRecord
    manifest: dict[str, Any]
    config: dict[str, Any]


def read_manifest(store: Store, digest: str) -> dict[str, Any]:
    return parse_json(store.blobs.read(digest))


def load(store: Store, rec: ImageRecord) -> LoadedImage:
    manifest = read_manifest(store, rec.manifest_digest)
    config = parse_json(store.blobs.read(config_descriptor(manifest).digest), "image config")
    return LoadedImage(rec, manifest, config)


def register_image(
    store: Store,
    manifest_digest: str,
    *,
    tags: tuple[str, ...] = (),
    repo_digest: tuple[str, str] | None = None,
    progress: Callable[[Any], None] | None = None,
) -> ImageRecord:
    """Make an image whose manifest, config and layer blobs are in the blob store visible."""
    from mocker.engine.layers import ensure_layers, layer_sizes

    raw = store.blobs.read(manifest_digest)
    manifest = parse_json(raw)
    mt = media_type_of(manifest)
    cdesc = config_descriptor(manifest)
    config = parse_json(store.blobs.read(cdesc.digest), "image config")
    for layer in layer_descriptors(manifest):
        if not store.blobs.has(layer.digest):
            raise ImageNotFound(f"layer {layer.digest} of image {manifest_digest} is not in the store")
    chains = ensure_layers(store, manifest, config, progress)
    rec = ImageRecord(
        id=cdesc.digest, manifest_digest=manifest_digest, manifest_media_type=mt,
        created=config.get("created"), size=layer_sizes(store, chains),
        os=config.get("os", "linux"), architecture=config.get("architecture", ""),
        variant=config.get("variant"), added_at=time.time(),
    )
    with transaction(store.db) as conn:
        db.insert_image(conn, rec)
        for t in tags:
            db.set_tag(conn, t, image_id=rec.id)
        if repo_digest is not None:
            db.add_repo_digest(conn, repo_digest[0], repo_digest[1], rec.id)
    sync_layout_index(store)
    found = db.get_image(store.db, rec.id)
    assert found is not None
    return found


def register_index(store: Store, index_digest: str, *, tags: tuple[str, ...] = ()) -> IndexRecord:
    doc = parse_json(store.blobs.read(index_digest))
    mt = media_type_of(doc)
    if not is_index(mt):
        raise InvalidReference(f"{index_digest} is not an image index")
    members = [e["digest"] for e in doc.get("manifests", []) if isinstance(e, dict) and "digest" in e]
    with transaction(store.db) as conn:
        db.insert_index(conn, index_digest, mt)
        db.set_index_manifests(conn, index_digest, members)
        for t in tags:
            db.set_tag(conn, t, index_digest=index_digest)
    sync_layout_index(store)
    return next(i for i in db.list_indexes(store.db) if i.digest == index_digest)


def sync_layout_index(store: Store) -> None:
    """Rewrite index.json from the DB so skopeo/umoci see every image, with tags as ref names."""
    manifests: list[dict[str, Any]] = []
    tagged: set[str] = set()
    for t in db.list_tags(store.db):
        target = t.index_digest or _manifest_of(store, t.image_id)
        if target is None:
            continue
        desc = _descriptor(store, target)
        if desc is None:
            continue
        desc["annotations"] = {REF_NAME: t.name}
        manifests.append(desc)
        tagged.add(target)
    for img in db.list_images(store.db):
        if img.manifest_digest not in tagged:
            d = _descriptor(store, img.manifest_digest)
            if d:
                manifests.append(d)
                tagged.add(img.manifest_digest)
    for idx in db.list_indexes(store.db):
        if idx.digest not in tagged:
            d = _descriptor(store, idx.digest)
            if d:
                manifests.append(d)
    store.write_index(manifests)


def _manifest_of(store: Store, image_id: str | None) -> str | None:
    if image_id is None:
        return None
    rec = db.get_image(store.db, image_id)
    return rec.manifest_digest if rec else None


def _descriptor(store: Store, digest: str) -> dict[str, Any] | None:
    if not store.blobs.has(digest):
        return None
    doc = parse_json(store.blobs.read(digest))
    d: dict[str, Any] = {"mediaType": media_type_of(doc), "digest": digest, "size": store.blobs.size(digest)}
    if not is_index(d["mediaType"]):
        try:
            cfg = parse_json(store.blobs.read(config_descriptor(doc).digest), "image config")
            plat = {"architecture": cfg.get("architecture", ""), "os": cfg.get("os", "linux")}
            if cfg.get("variant"):
                plat["variant"] = cfg["variant"]
            d["platform"] = plat
        except Exception:  # noqa: BLE001,S110 - a platform is optional in index.json
            pass
    return d


# ---- lookups -------------------------------------------------------------------------------


def normalize_name(name: str) -> str:
    from mocker.image.reference import parse_reference

    return str(parse_reference(name))


def find_image(store: Store, name: str) -> ImageRecord | None:
    """Docker's image lookup: reference first, then ID (full or unambiguous prefix)."""
    from mocker.image.reference import parse_reference

    conn = store.db
    m = _id_prefix(name)
    if m and (m[0] or len(m[1]) == 64):
        ids = db.find_image_ids_by_prefix(conn, m[1])
        if len(ids) == 1:
            return db.get_image(conn, ids[0])
    try:
        ref = parse_reference(name)
    except InvalidReference:
        ref = None
    if ref is not None:
        if ref.digest:
            ids = db.find_by_repo_digest(conn, ref.name, ref.digest)
            if not ids:
                mid = db.find_by_manifest(conn, ref.digest)
                ids = [mid] if mid else []
            if ids:
                return db.get_image(conn, ids[0])
        else:
            t = db.get_tag(conn, str(ref))
            if t is not None:
                if t.image_id:
                    return db.get_image(conn, t.image_id)
                return _index_platform_image(store, t.index_digest)
    if m:
        ids = db.find_image_ids_by_prefix(conn, m[1])
        if len(ids) > 1:
            raise Conflict(f"multiple IDs found with provided prefix: {name}")
        if ids:
            return db.get_image(conn, ids[0])
    return None


def _index_platform_image(store: Store, index_digest: str | None) -> ImageRecord | None:
    """The image of an index that suits this host (what ``run`` would use)."""
    from mocker.image.platform import best_match, from_oci, host_platform

    if index_digest is None:
        return None
    doc = parse_json(store.blobs.read(index_digest))
    entries = [e for e in doc.get("manifests", []) if e.get("platform")]
    idx = best_match(host_platform(), [from_oci(e["platform"]) for e in entries])
    if idx is None:
        return None
    mid = db.find_by_manifest(store.db, entries[idx]["digest"])
    return db.get_image(store.db, mid) if mid else None


def get_image(store: Store, name: str) -> ImageRecord:
    rec = find_image(store, name)
    if rec is None:
        raise ImageNotFound(f"No such image: {name}")
    return rec


def find_index(store: Store, name: str) -> IndexRecord | None:
    from mocker.image.reference import parse_reference

    try:
        ref = parse_reference(name)
    except InvalidReference:
        return None
    digest = ref.digest
    if digest is None:
        t = db.get_tag(store.db, str(ref))
        digest = t.index_digest if t else None
    if digest is None:
        return None
    return next((i for i in db.list_indexes(store.db) if i.digest == digest), None)


def tag(store: Store, source: str, target: str) -> None:
    from mocker.image.reference import parse_reference

    dst = parse_reference(target)
    if dst.digest:
        raise InvalidReference("refusing to create a tag with a digest reference")
    idx = find_index(store, source)
    if idx is not None:
        with transaction(store.db) as conn:
            db.set_tag(conn, str(dst), index_digest=idx.digest)
    else:
        rec = get_image(store, source)
        with transaction(store.db) as conn:
            db.set_tag(conn, str(dst), image_id=rec.id)
    sync_layout_index(store)
    from mocker.engine.events import record

    image_id = idx.digest if idx is not None else rec.id
    record(store, "image", "tag", image_id, {"name": dst.familiar()})


def image_config(store: Store, rec: ImageRecord) -> dict[str, Any]:
    return load(store, rec).config


def layer_diff_ids(store: Store, rec: ImageRecord) -> list[str]:
    return diff_ids(image_config(store, rec))


def tagged_index_records(store: Store) -> list[ImageRecord]:
    """One record per tagged multi-platform image, shaped like an image for ``images`` to list.

    ``id`` is the index digest (what Docker shows for such images), ``size``/``created`` add up and
    take the newest of the platform images present, and ``manifest_digest`` names the host's platform
    image (or the first present) so that label filters read a real config.
    """
    from mocker.image.platform import best_match, host_platform
    from mocker.image.platform import parse_platform as _parse

    out = []
    for idx in db.list_indexes(store.db):
        if not idx.tags:
            continue
        members = []
        for m in db.index_manifests(store.db, idx.digest):
            image_id = db.find_by_manifest(store.db, m)
            rec = db.get_image(store.db, image_id) if image_id else None
            if rec is not None:
                members.append(rec)
        if not members:
            continue
        plats = [_parse(f"{r.os}/{r.architecture}" + (f"/{r.variant}" if r.variant else "")) for r in members]
        best = best_match(host_platform(), plats)
        pick = members[best if best is not None else 0]
        created = max((r.created or "" for r in members), default="") or None
        out.append(ImageRecord(
            id=idx.digest, manifest_digest=pick.manifest_digest, manifest_media_type=idx.media_type,
            created=created, size=sum(r.size for r in members), os=pick.os, architecture=pick.architecture,
            variant=pick.variant, added_at=idx.added_at, tags=idx.tags, repo_digests=(),
        ))
    return out
