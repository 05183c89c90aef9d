"""Which local image ``run``/``create --platform`` use: the image for that platform, or none (pull it).

Without ``--platform`` the usual lookup applies, except that a tag naming an index takes the host's
platform as if it were given (pulling that tag would replace a local manifest list). With it, as
Docker does: a tag that names an index (a manifest list) gives that index's entry for the
platform — or a clear error listing the platforms it has; ``name@digest`` of a multi-platform image
pulled for several platforms gives the one pulled for this platform; an image of another platform
counts as missing, so ``run`` pulls the right one (and ``--pull never`` fails).
"""

from __future__ import annotations

from mocker.errors import ImageNotFound, InvalidReference
from mocker.store import images as db
from mocker.store.images import ImageRecord
from mocker.store.store import Store

__all__ = ["find_for_platform", "image_platform"]


def image_platform(rec: ImageRecord) -> str:
    return "/".join(p for p in (rec.os or "linux", rec.architecture, rec.variant) if p)


def find_for_platform(store: Store, name: str, platform: str | None) -> ImageRecord | None:
    """The local image ``run`` should use for ``name`` on ``platform`` (None: not here, pull it)."""
    from mocker.engine.images import find_image, find_index
    from mocker.image.manifest import parse_json
    from mocker.image.platform import (
        Platform,
        best_match,
        format_platform,
        from_oci,
        host_platform,
        matches,
        parse_platform,
    )
    from mocker.image.reference import parse_reference

    idx = find_index(store, name)
    if not platform and idx is None:
        return find_image(store, name)
    wanted = parse_platform(platform) if platform else host_platform()
    if idx is not None:
        doc = parse_json(store.blobs.read(idx.digest), "image index")
        entries = [e for e in doc.get("manifests") or [] if isinstance(e, dict) and "digest" in e]
        plats = [from_oci(e.get("platform") or {}) for e in entries]
        i = best_match(wanted, plats)
        if i is None:
            have = sorted({format_platform(p) for p in plats if p.os and p.architecture})
            raise ImageNotFound(f"no matching manifest for {format_platform(wanted)} in the manifest list entries"
                                + (f" of {name} (available: {', '.join(have)})" if have else f" of {name}"))
        image_id = db.find_by_manifest(store.db, entries[i]["digest"])
        rec = db.get_image(store.db, image_id) if image_id else None
        if rec is None:  # pulling the list's tag would replace the list: say what to do instead
            raise ImageNotFound(f"the {format_platform(plats[i])} image of {name} ({entries[i]['digest']}) "
                                "is not in the local store; pull it by digest")
        return rec
    candidates: list[ImageRecord] = []
    try:
        ref = parse_reference(name)
    except InvalidReference:
        ref = None
    if ref is not None and ref.digest:
        ids = db.find_by_repo_digest(store.db, ref.name, ref.digest)
        by_manifest = db.find_by_manifest(store.db, ref.digest)
        ids += [by_manifest] if by_manifest else []
        candidates = [r for r in (db.get_image(store.db, i) for i in dict.fromkeys(ids)) if r is not None]
    else:
        rec = find_image(store, name)
        candidates = [rec] if rec is not None else []
    plats = [Platform(r.os or "linux", r.architecture, r.variant) for r in candidates]
    i = best_match(wanted, plats)
    if i is None or not matches(wanted, plats[i]):
        return None
    return candidates[i]
