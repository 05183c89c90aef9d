"""Local manifest lists (``manifest create/add/annotate/rm/inspect``), shared by the CLI and the API.

Docker keeps manifest lists in JSON files beside its config; mocker keeps them where its other
multi-platform images live (DECISIONS #1): an OCI image index blob in the store, tagged with the
list's name, plus the reference each entry was added as (``manifest_list_refs``). Differences from
Docker, each for a reason (DECISIONS #12): an image argument is looked up in the local store first and
in its registry only when it is not there (mocker has no daemon whose images the registry mirrors);
new lists are OCI indexes (a Docker manifest list given as input keeps its media type); a list name
may not take over the tag of an image.

Every edit re-reads the list, applies itself to the index document (so fields it does not touch —
entry and index annotations, unknown keys — survive) and stores the result with a compare-and-swap
on the list's tag (:func:`mocker.store.manifests.swap_list`), retrying when another process won.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mocker.errors import Conflict, ImageNotFound, InvalidArgument, InvalidReference, MockerError, NotFound
from mocker.image.manifest import DOCKER_LIST, OCI_INDEX, media_type_of, parse_json
from mocker.store import manifests as mdb
from mocker.store.store import Store

__all__ = [
    "Entry",
    "LocalList",
    "PlatformChanges",
    "add",
    "annotate",
    "create",
    "find_entry",
    "list_name",
    "load_list",
    "remove_entry",
    "remove_lists",
]

_SWAP_ATTEMPTS = 100

# docker/cli cli/command/manifest/util.go validOSArches: what `manifest annotate` accepts.
_VALID_OS_ARCH = frozenset(
    tuple(pair.split("/")) for pair in (
        "darwin/386 darwin/amd64 darwin/arm darwin/arm64 dragonfly/amd64 freebsd/386 freebsd/amd64 "
        "freebsd/arm linux/386 linux/amd64 linux/arm linux/arm64 linux/ppc64le linux/mips64 "
        "linux/mips64le linux/riscv64 linux/s390x netbsd/386 netbsd/amd64 netbsd/arm openbsd/386 "
        "openbsd/amd64 openbsd/arm plan9/386 plan9/amd64 solaris/amd64 windows/386 windows/amd64"
    ).split()
)
_PLATFORM_KEYS = ("architecture", "os", "os.version", "os.features", "variant")


class ManifestNotFound(NotFound):
    """docker/cli's manifest store: ``No such manifest: <ref>``."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"No such manifest: {ref}")


@dataclass(frozen=True, slots=True, kw_only=True)
class PlatformChanges:
    """What ``annotate``/``add`` set on an entry; None or empty leaves a field as it is."""

    os: str | None = None
    architecture: str | None = None
    variant: str | None = None
    os_version: str | None = None
    os_features: tuple[str, ...] = ()
    annotations: Mapping[str, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.os or self.architecture or self.variant or self.os_version or self.os_features
                    or self.annotations)


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A manifest to put in a list: its descriptor and the reference it was found by."""

    ref: str
    descriptor: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalList:
    name: str                  # normalised, e.g. 127.0.0.1:5000/app:latest
    digest: str
    raw: bytes
    doc: dict[str, Any]
    refs: dict[str, str]       # manifest digest -> reference it was added as

    @property
    def entries(self) -> list[dict[str, Any]]:
        return [e for e in self.doc.get("manifests") or [] if isinstance(e, dict)]

    def ref_of(self, entry: dict[str, Any]) -> str:
        """The entry's reference: as added, else the list's repository at the entry's digest."""
        from mocker.image.reference import parse_reference

        digest = str(entry.get("digest", ""))
        return self.refs.get(digest) or f"{parse_reference(self.name).name}@{digest}"


# ---- names and loading -------------------------------------------------------------------------


def list_name(text: str, *, what: str = "") -> str:
    """docker/cli's ``normalizeReference`` for a list: full name, ``:latest`` unless tagged."""
    from mocker.image.reference import parse_reference

    try:
        ref = parse_reference(text)
    except InvalidReference as e:
        raise InvalidReference(f"{what}{e.message}" if what else e.message) from None
    if ref.digest:
        raise InvalidReference(f"{what}invalid manifest list name {text}: a list is named by a tag, not a digest")
    return str(ref)


def load_list(store: Store, name: str) -> LocalList | None:
    """The local list ``name`` (normalised), or None when no tag of that name points at an index."""
    exists, digest = mdb.current_digest(store.db, name)
    if not exists or digest is None:
        return None
    raw = store.blobs.read(digest)
    doc = parse_json(raw, "image index")
    return LocalList(name=name, digest=digest, raw=raw, doc=doc, refs=mdb.entry_refs(store.db, name))


def require_list(store: Store, text: str) -> LocalList:
    name = list_name(text)
    found = load_list(store, name)
    if found is None:
        raise ManifestNotFound(name)
    return found


def dump_index(doc: dict[str, Any]) -> bytes:
    """How mocker writes an index: indented like the manifest lists Docker pushes (3 spaces)."""
    return json.dumps(doc, indent=3, ensure_ascii=False).encode()


def _store_list(store: Store, name: str, edit: Callable[[LocalList | None], tuple[dict[str, Any], dict[str, str]]]
                ) -> str:
    """Apply ``edit`` to the current list and swap it in; re-apply when another process won the race."""
    from mocker.engine.images import sync_layout_index

    for _ in range(_SWAP_ATTEMPTS):
        current = load_list(store, name)
        doc, refs = edit(current)
        data = dump_index(doc)
        members = [str(e["digest"]) for e in doc.get("manifests") or [] if isinstance(e, dict) and "digest" in e]
        with store.lock(shared=True):  # the garbage collector must not take the new blob before the swap
            digest = store.blobs.put(data)
            swapped = mdb.swap_list(store.db, name, expected=current.digest if current else None, digest=digest,
                                    media_type=media_type_of(doc), members=members, refs=refs)
        if swapped:
            sync_layout_index(store)
            return digest
    raise Conflict(f"manifest list {name} kept changing while it was being updated; try again")


# ---- create and add ----------------------------------------------------------------------------


def config_platform(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``platform`` of an index entry, read from the image config as Docker does."""
    out: dict[str, Any] = {"architecture": str(config.get("architecture") or ""), "os": str(config.get("os") or "")}
    if config.get("os.version"):
        out["os.version"] = str(config["os.version"])
    features = config.get("os.features")
    if isinstance(features, list) and features:
        out["os.features"] = [str(f) for f in features]
    if config.get("variant"):
        out["variant"] = str(config["variant"])
    return out


def descriptor(media_type: str, digest: str, size: int, platform: dict[str, Any] | None,
               annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An index entry with the OCI field order (mediaType, digest, size, annotations, platform)."""
    d: dict[str, Any] = {"mediaType": media_type, "digest": digest, "size": size}
    if annotations:
        d["annotations"] = dict(annotations)
    if platform is not None:
        d["platform"] = platform
    return d


def resolve_local(store: Store, text: str) -> tuple[str, list[Entry], bool] | None:
    """(normalised ref, entries, is a list) for an image or index in the local store, else None."""
    from mocker.engine.images import find_image, find_index, read_manifest
    from mocker.image.manifest import config_descriptor
    from mocker.image.reference import parse_reference

    try:
        parsed = parse_reference(text)
        ref, repo = str(parsed), parsed.name
    except InvalidReference:
        ref = repo = text
    idx = find_index(store, text)
    if idx is not None:
        doc = parse_json(store.blobs.read(idx.digest), "image index")
        entries = [Entry(ref=f"{repo}@{e['digest']}", descriptor=copy.deepcopy(e))
                   for e in doc.get("manifests") or [] if isinstance(e, dict) and "digest" in e]
        return ref, entries, True
    rec = find_image(store, text)
    if rec is None:
        return None
    manifest = read_manifest(store, rec.manifest_digest)
    config = parse_json(store.blobs.read(config_descriptor(manifest).digest), "image config")
    desc = descriptor(rec.manifest_media_type, rec.manifest_digest, store.blobs.size(rec.manifest_digest),
                      config_platform(config))
    return ref, [Entry(ref=ref, descriptor=desc)], False


def _resolve(store: Store, text: str, *, insecure: bool) -> tuple[str, list[Entry], bool]:
    found = resolve_local(store, text)
    if found is not None:
        return found
    from mocker.engine.manifest_registry import fetch_entries

    return fetch_entries(store, text, insecure=insecure)


def _validate_ref(text: str) -> None:
    from mocker.image.reference import parse_reference

    parse_reference(text)


def create(store: Store, name_text: str, images: Sequence[str], *, amend: bool = False,
           insecure: bool = False) -> str:
    """``manifest create``: a new list of ``images`` (or, with ``amend``, those added to it).

    Returns the list's normalised name (Docker prints "Created manifest list NAME").
    """
    try:
        name = list_name(name_text)
    except InvalidReference as e:
        raise InvalidReference(f"error parsing name for manifest list {name_text}: {e.message}") from None
    exists, digest = mdb.current_digest(store.db, name)
    if exists and digest is None:
        raise Conflict(f"refusing to create manifest list {name}: the name is the tag of an image "
                       "(remove or retag the image first)")
    if exists and not amend:
        raise Conflict("refusing to amend an existing manifest list with no --amend flag")
    for text in images:
        _validate_ref(text)
    found: list[Entry] = []
    for text in images:
        ref, entries, is_list = _resolve(store, text, insecure=insecure)
        if is_list:
            raise InvalidArgument(f"{ref} is a manifest list")
        found.extend(entries)

    def edit(current: LocalList | None) -> tuple[dict[str, Any], dict[str, str]]:
        if current is not None and not amend:
            raise Conflict("refusing to amend an existing manifest list with no --amend flag")
        return _with_entries(current, found, PlatformChanges())

    _store_list(store, name, edit)
    return name


def add(store: Store, name_text: str, images: Sequence[str], *, all_platforms: bool = False,
        changes: PlatformChanges | None = None, insecure: bool = False) -> str:
    """``manifest add`` (podman's): add images to an existing list; returns the list's new digest.

    An image that is itself a list adds the entry for ``changes``' platform (else the host's), or
    every entry with ``all_platforms``. ``changes`` are applied to the added entries.
    """
    changes = changes or PlatformChanges()
    current = require_list(store, name_text)
    for text in images:
        _validate_ref(text)
    found: list[Entry] = []
    for text in images:
        ref, entries, is_list = _resolve(store, text, insecure=insecure)
        if is_list and not all_platforms:
            entries = [_pick_platform(ref, entries, changes)]
        found.extend(entries)
    _check_os_arch(found, changes)
    return _store_list(store, current.name, lambda cur: _with_entries(_must(cur, current.name), found, changes))


def _must(current: LocalList | None, name: str) -> LocalList:
    if current is None:
        raise ManifestNotFound(name)
    return current


def _pick_platform(ref: str, entries: list[Entry], changes: PlatformChanges) -> Entry:
    from mocker.image.platform import Platform, best_match, format_platform, from_oci, host_platform

    if changes.architecture or changes.os:
        host = host_platform()
        wanted = Platform(changes.os or "linux", changes.architecture or host.architecture,
                          changes.variant or (None if changes.architecture else host.variant))
    else:
        wanted = host_platform()
    plats = [from_oci(e.descriptor.get("platform") or {}) for e in entries]
    i = best_match(wanted, plats)
    if i is None:
        have = ", ".join(sorted({format_platform(p) for p in plats if p.os}))
        raise ImageNotFound(f"no matching manifest for {format_platform(wanted)} in {ref}"
                            + (f" (available: {have})" if have else ""))
    return entries[i]


def _with_entries(current: LocalList | None, found: Sequence[Entry], changes: PlatformChanges
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    """The list's document with ``found`` appended (an entry already there is kept as it is)."""
    if current is None:
        doc: dict[str, Any] = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
        refs: dict[str, str] = {}
    else:
        doc = copy.deepcopy(current.doc)
        refs = dict(current.refs)
        doc.setdefault("manifests", [])
    present = {e.get("digest") for e in doc["manifests"] if isinstance(e, dict)}
    for entry in found:
        digest = entry.descriptor["digest"]
        if digest in present:
            continue
        present.add(digest)
        desc = copy.deepcopy(entry.descriptor)
        if not changes.is_empty():
            _apply(desc, changes)
        if doc.get("mediaType") == DOCKER_LIST:
            desc.pop("annotations", None)  # a Docker manifest list has no annotations
        doc["manifests"].append(desc)
        refs[digest] = entry.ref
    return doc, refs


# ---- annotate and remove -----------------------------------------------------------------------


def find_entry(store: Store, lst: LocalList, text: str) -> list[dict[str, Any]]:
    """The entries ``text`` names: a ``sha256:`` digest, a reference the entry was added as (or an
    image of the local store it is), or a platform ``os/arch[/variant]``."""
    from mocker.image.reference import parse_reference

    entries = lst.entries
    if text.startswith("sha256:"):
        return [e for e in entries if e.get("digest") == text]
    try:
        ref = parse_reference(text)
    except InvalidReference:
        ref = None
    if ref is not None:
        by_ref = [e for e in entries if lst.refs.get(str(e.get("digest"))) == str(ref)
                  or (ref.digest and e.get("digest") == ref.digest)]
        if by_ref:
            return by_ref
    if "/" in text:
        matched = _entries_for_platform(entries, text)
        if matched:
            return matched
    if ref is not None:
        local = resolve_local(store, text)
        if local is not None and not local[2]:
            digest = local[1][0].descriptor["digest"]
            return [e for e in entries if e.get("digest") == digest]
    return []


def _entries_for_platform(entries: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    from mocker.image.platform import from_oci, matches, parse_platform

    try:
        wanted = parse_platform(text)
    except MockerError:
        return []
    out = []
    for e in entries:
        try:
            if matches(wanted, from_oci(e.get("platform") or {}), strict=True):
                out.append(e)
        except MockerError:
            continue
    return out


def _apply(desc: dict[str, Any], changes: PlatformChanges) -> None:
    """docker/cli's annotate: set what is given, append OS features not there yet; keep key order."""
    plat = dict(desc.get("platform") or {})
    if changes.os:
        plat["os"] = changes.os
    if changes.architecture:
        plat["architecture"] = changes.architecture
    features = list(plat.get("os.features") or [])
    for f in changes.os_features:
        if f not in features:
            features.append(f)
    if features:
        plat["os.features"] = features
    if changes.variant:
        plat["variant"] = changes.variant
    if changes.os_version:
        plat["os.version"] = changes.os_version
    plat.setdefault("architecture", "")
    plat.setdefault("os", "")
    ordered = {k: plat[k] for k in _PLATFORM_KEYS if k in plat}
    ordered.update((k, v) for k, v in plat.items() if k not in ordered)
    if changes.annotations:
        annotations = dict(desc.get("annotations") or {})
        annotations.update(changes.annotations)
        desc.pop("platform", None)
        desc["annotations"] = annotations
    desc["platform"] = ordered


def _check_os_arch(entries: Sequence[Entry], changes: PlatformChanges) -> None:
    if changes.is_empty():
        return
    for entry in entries:
        trial = copy.deepcopy(entry.descriptor)
        _apply(trial, changes)
        plat = trial["platform"]
        if (plat["os"], plat["architecture"]) not in _VALID_OS_ARCH:
            raise InvalidArgument("manifest entry for image has unsupported os/arch combination: "
                                  f"{changes.os or ''}/{changes.architecture or ''}")


def annotate(store: Store, name_text: str, image: str, changes: PlatformChanges) -> str:
    """``manifest annotate``: update one entry's platform (and annotations); returns the new digest."""
    try:
        name = list_name(name_text)
    except InvalidReference as e:
        raise InvalidReference(f"annotate: error parsing name for manifest list {name_text}: {e.message}") from None
    try:
        _validate_ref(image)
    except InvalidReference as e:
        if not image.startswith("sha256:"):
            raise InvalidReference(f"annotate: error parsing name for manifest {image}: {e.message}") from None

    def edit(current: LocalList | None) -> tuple[dict[str, Any], dict[str, str]]:
        if current is None:
            raise ManifestNotFound(name)
        doc = copy.deepcopy(current.doc)
        targets = {id(e) for e in find_entry(store, current, image)}
        hits = [e for e, orig in zip(doc.get("manifests") or [], current.doc.get("manifests") or [], strict=True)
                if id(orig) in targets]
        if not hits:
            raise ImageNotFound(f"manifest for image {image} does not exist in {name_text}")
        if len(hits) > 1:
            raise Conflict(f"{image} names {len(hits)} entries of {name_text}; use a sha256: digest")
        desc = hits[0]
        _apply(desc, changes)
        plat = desc["platform"]
        if (plat["os"], plat["architecture"]) not in _VALID_OS_ARCH:
            raise InvalidArgument("manifest entry for image has unsupported os/arch combination: "
                                  f"{changes.os or ''}/{changes.architecture or ''}")
        return doc, dict(current.refs)

    return _store_list(store, name, edit)


def remove_entry(store: Store, name_text: str, entry: str) -> str:
    """``manifest rm LIST ENTRY`` / ``manifest remove``: drop the entry ``entry`` names; new digest."""
    name = list_name(name_text)

    def edit(current: LocalList | None) -> tuple[dict[str, Any], dict[str, str]]:
        if current is None:
            raise ManifestNotFound(name)
        gone = {str(e.get("digest")) for e in find_entry(store, current, entry)}
        if not gone:
            raise ImageNotFound(f"manifest for image {entry} does not exist in {name_text}")
        doc = copy.deepcopy(current.doc)
        doc["manifests"] = [e for e in doc.get("manifests") or [] if str(e.get("digest")) not in gone]
        refs = {d: r for d, r in current.refs.items() if d not in gone}
        return doc, refs

    return _store_list(store, name, edit)


def remove_lists(store: Store, names: Sequence[str]) -> list[MockerError]:
    """``manifest rm LIST...``: delete local lists (not their images); one error per list that failed."""
    from mocker.engine.images import sync_layout_index

    errors: list[MockerError] = []
    removed = False
    for text in names:
        try:
            lst = require_list(store, text)
            if not mdb.delete_list(store.db, lst.name, lst.digest):
                raise Conflict(f"manifest list {lst.name} changed while it was being removed; try again")
            removed = True
        except MockerError as e:
            errors.append(e)
    if removed:
        sync_layout_index(store)
    return errors


def is_entry_removal(store: Store, args: Sequence[str]) -> bool:
    """Whether ``manifest rm A B`` means "remove entry B from list A" rather than "remove lists A, B".

    Docker's ``rm`` only removes lists; mocker also removes entries (issue #6). Two arguments are an
    entry removal when A is a local list, B is not, and B names an entry of A.
    """
    if len(args) != 2:
        return False
    try:
        lst = load_list(store, list_name(args[0]))
    except MockerError:
        return False
    if lst is None:
        return False
    try:
        if load_list(store, list_name(args[1])) is not None:
            return False
    except MockerError:
        pass
    return bool(find_entry(store, lst, args[1]))

