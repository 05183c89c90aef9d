"""``--filter`` for images: dangling, reference, label, before, since (and until for prune).

Start-up cost: ``images`` imports this module even without ``--filter``, so ``re`` and ``fnmatch`` are
imported by the filters that use them.
"""

from __future__ import annotations

import time
from datetime import datetime

from mocker.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mocker.store.images import ImageRecord
    from mocker.store.store import Store

LIST_KEYS = {"dangling", "reference", "label", "before", "since"}
PRUNE_KEYS = {"dangling", "label", "label!", "until"}


def parse_filters(items: list[str], *, allowed: set[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq:
            raise InvalidArgument(f"bad format of filter (expected name=value): {item}")
        key = key.strip().lower()
        if key not in allowed:
            raise InvalidArgument(f"invalid filter '{key}'")
        if key == "dangling" and value.lower() not in ("true", "false", "1", "0"):
            raise InvalidArgument(f"invalid filter 'dangling={value}'")
        out.setdefault(key, []).append(value)
    return out


def _created_ts(rec: ImageRecord) -> float:
    if rec.created:
        try:
            return datetime.fromisoformat(rec.created.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return rec.added_at


_DURATION = r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)"
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _until_ts(value: str) -> float:
    """Docker's timestamp filters: a Go duration ("24h", "1h30m") before now, a unix time or RFC 3339."""
    import re  # compiled once by re's own cache

    parts = re.findall(_DURATION, value)
    if parts and "".join(n + u for n, u in parts) == value:
        return time.time() - sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise InvalidArgument(f"invalid filter 'until={value}'") from None


def _labels(store: Store, rec: ImageRecord) -> dict[str, str]:
    from mocker.engine.images import image_config

    cfg = image_config(store, rec).get("config") or {}
    return dict(cfg.get("Labels") or {})


def _label_match(labels: dict[str, str], want: str) -> bool:
    k, eq, v = want.partition("=")
    if k not in labels:
        return False
    return not eq or labels[k] == v


def matches_filters(store: Store, rec: ImageRecord, filters: dict[str, list[str]], *, prune: bool = False) -> bool:
    from mocker.engine.images import get_image

    for value in filters.get("dangling", []):
        dangling = value.lower() in ("true", "1")
        if dangling != (not rec.tags):
            return False
    refs = filters.get("reference", [])
    if refs:
        import fnmatch

        from mocker.image.reference import parse_reference

        familiar = []
        for t in rec.tags:
            r = parse_reference(t)
            familiar += [r.familiar(), r.familiar_name]
        if not any(fnmatch.fnmatchcase(f, pat) for pat in refs for f in familiar):
            return False
    if filters.get("label") and not all(_label_match(_labels(store, rec), w) for w in filters["label"]):
        return False
    if filters.get("label!") and any(_label_match(_labels(store, rec), w) for w in filters["label!"]):
        return False
    for v in filters.get("before", []):
        if _created_ts(rec) >= _created_ts(get_image(store, v)):
            return False
    for v in filters.get("since", []):
        if _created_ts(rec) <= _created_ts(get_image(store, v)):
            return False
    return all(_created_ts(rec) < _until_ts(v) for v in filters.get("until", []))


def select_images(store: Store, filters: dict[str, list[str]], *, all_: bool = False) -> list[ImageRecord]:
    """The images ``images`` / ``GET /images/json`` list, newest first.

    Platform images of a tagged multi-platform image are listed once, under the index's tag (as
    Docker's containerd store does); ``all_`` (``-a``) shows them too.
    """
    from mocker.engine.image_inspect import parse_time
    from mocker.store import images as db

    recs = db.list_images(store.db)
    held = db.tagged_index_members(store.db)
    if held or not all_:
        recs = [r for r in recs if r.tags or r.manifest_digest not in held or all_]
    if store.db.execute("SELECT 1 FROM tags WHERE index_digest IS NOT NULL LIMIT 1").fetchone():
        from mocker.engine.images import tagged_index_records

        recs += tagged_index_records(store)
    recs.sort(key=lambda r: parse_time(r.created) or r.added_at, reverse=True)
    return [r for r in recs if not filters or matches_filters(store, r, filters)]
