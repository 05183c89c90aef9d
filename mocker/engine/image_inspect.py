"""Docker's JSON shapes for images (``image inspect``, ``history``), built from records + blobs.

Shapes follow Docker Engine API 1.50 (Docker 28): no ``Container``/``ContainerConfig``/``VirtualSize``;
``Config`` is the image config's ``config`` object as stored (OCI field names, omitempty).

Start-up cost: ``images`` uses :func:`parse_time` from here, so the engine and manifest modules are
imported inside the functions that need them and :class:`HistoryEntry` is not a dataclass.
"""

from __future__ import annotations

from datetime import UTC, datetime

from mocker.errors import InvalidReference

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from mocker.store.images import ImageRecord
    from mocker.store.store import Store

ZERO_TIME = "0001-01-01T00:00:00Z"


def familiar(name: str) -> str:
    from mocker.image.reference import parse_reference

    try:
        ref = parse_reference(name, default_tag=False)
    except InvalidReference:
        return name
    return ref.familiar()


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def image_json(store: Store, rec: ImageRecord) -> dict[str, Any]:
    from mocker.engine.images import load
    from mocker.image.manifest import chain_ids, diff_ids

    li = load(store, rec)
    cfg = li.config
    chains = chain_ids(diff_ids(cfg))
    dirs = [str(store.paths.layer_dir(c) / "diff") for c in reversed(chains)]
    graph: dict[str, Any] = {"Data": None, "Name": "overlay"}
    if dirs:
        data = {"UpperDir": dirs[0]}
        if len(dirs) > 1:
            data["LowerDir"] = ":".join(dirs[1:])
        graph["Data"] = data
    last_tag = store.db.execute("SELECT MAX(updated_at) FROM tags WHERE image_id = ?", (rec.id,)).fetchone()[0]
    out: dict[str, Any] = {
        "Id": rec.id,
        "RepoTags": [familiar(t) for t in rec.tags],
        "RepoDigests": [familiar(d) for d in rec.repo_digests],
        "Parent": "",
        "Comment": cfg.get("comment", "") or "",
        "Created": cfg.get("created") or ZERO_TIME,
        "DockerVersion": cfg.get("docker_version", ""),
        "Author": cfg.get("author", ""),
        "Config": cfg.get("config") or {},
        "Architecture": cfg.get("architecture", ""),
    }
    if cfg.get("variant"):
        out["Variant"] = cfg["variant"]
    out.update({
        "Os": cfg.get("os", ""),
        "Size": rec.size,
        "GraphDriver": graph,
        "RootFS": {"Type": "layers", "Layers": diff_ids(cfg)},
        "Metadata": {"LastTagTime": rfc3339(last_tag) if last_tag else ZERO_TIME},
    })
    if cfg.get("os.version"):
        out["OsVersion"] = cfg["os.version"]
    return out


class HistoryEntry:
    """One row of ``history``; immutable."""

    __slots__ = ("id", "created", "created_by", "size", "comment", "tags")

    id: str               # image ID for the top entry, "<missing>" below it (as Docker shows pulled images)
    created: str | None
    created_by: str
    size: int
    comment: str
    tags: tuple[str, ...]

    def __init__(self, id: str, created: str | None, created_by: str, size: int, comment: str,
                 tags: tuple[str, ...]) -> None:
        init = object.__setattr__
        init(self, "id", id)
        init(self, "created", created)
        init(self, "created_by", created_by)
        init(self, "size", size)
        init(self, "comment", comment)
        init(self, "tags", tags)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def _values(self) -> tuple[object, ...]:
        return (self.id, self.created, self.created_by, self.size, self.comment, self.tags)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, HistoryEntry)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return ("HistoryEntry(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__slots__) + ")")

    def __reduce__(self) -> tuple[type[HistoryEntry], tuple[object, ...]]:
        return (HistoryEntry, self._values())


def history(store: Store, rec: ImageRecord) -> list[HistoryEntry]:
    from mocker.engine.images import load
    from mocker.image.manifest import chain_ids, diff_ids
    from mocker.store import images as db

    li = load(store, rec)
    hist = list(li.config.get("history") or [])
    chains = chain_ids(diff_ids(li.config))
    sizes = {r["chain_id"]: r["size"] for r in db.list_layers(store.db)}
    layer_i = 0
    rows: list[HistoryEntry] = []
    if not hist:
        hist = [{"created": li.config.get("created"), "created_by": ""} for _ in chains]
    for h in hist:
        size = 0
        if not h.get("empty_layer") and layer_i < len(chains):
            size = sizes.get(chains[layer_i], 0)
            layer_i += 1
        rows.append(HistoryEntry(id="<missing>", created=h.get("created"), created_by=h.get("created_by", ""),
                                 size=size, comment=h.get("comment", ""), tags=()))
    rows.reverse()
    if rows:
        top = rows[0]
        rows[0] = HistoryEntry(id=rec.id, created=top.created, created_by=top.created_by, size=top.size,
                               comment=top.comment, tags=tuple(familiar(t) for t in rec.tags))
    return rows


def parse_time(text: str | None) -> float | None:
    if not text:
        return None
    try:
        t = text.replace("Z", "+00:00")
        # Python < 3.12 takes at most 6 fraction digits; Go writes up to 9.
        if "." in t:
            head, _, tail = t.partition(".")
            frac = "".join(ch for ch in tail if ch.isdigit())
            zone = tail[len(frac):]
            t = f"{head}.{frac[:6]}{zone}"
        return datetime.fromisoformat(t).timestamp()
    except ValueError:
        return None
