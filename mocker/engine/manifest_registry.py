"""Manifest lists and registries: entries read from a registry, ``manifest inspect``, ``manifest push``.

``inspect`` prints what docker/cli prints: a local list (or a remote list) as its index JSON indented
with 3 spaces, a single manifest indented with tabs, and with ``-v`` docker/cli's ``ImageManifest``
objects (``Ref``, ``Descriptor``, ``Raw``, ``SchemaV2Manifest``/``OCIManifest``). Unlike docker/cli,
a remote list is printed as the registry holds it (not rebuilt as a Docker manifest list), so the
remote view of a pushed list is byte for byte what ``manifest inspect`` showed locally.

``push`` checks every entry before anything is sent — it has an OS and architecture, and its
manifest, config and layers are either in the local store or in a repository of the target registry
they can be mounted from — so a list whose images are missing fails with a message naming the entry
and pushes nothing. Then every image manifest goes up by digest (blobs uploaded or mounted), and the
index last, under the list's tag.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from typing import Any

from mocker.engine.manifests import (
    Entry,
    LocalList,
    ManifestNotFound,
    config_platform,
    descriptor,
    find_entry,
    list_name,
    load_list,
    require_list,
)
from mocker.errors import ImageNotFound, InvalidReference, NotFound, RegistryError
from mocker.image.manifest import INDEX_TYPES, OCI_MANIFEST, config_descriptor, layer_descriptors, parse_json
from mocker.store import manifests as mdb
from mocker.store.store import Store

__all__ = ["ManifestPushReport", "fetch_entries", "inspect", "push"]

_DESCRIPTOR_KEYS = ("mediaType", "digest", "size", "urls", "annotations", "data", "platform", "artifactType")


def _client(ref: Any, insecure: bool) -> Any:
    from mocker.registry.client import RegistryClient

    return RegistryClient.for_host(ref.registry_host, insecure=True if insecure else None)


def _get_manifest(client: Any, ref: Any, reference: str | None = None) -> tuple[bytes, str, str]:
    try:
        body, media_type, digest = client.get_manifest(ref.repository_path, reference or ref.digest or ref.tag)
    except NotFound:
        raise ImageNotFound(f"no such manifest: {ref}") from None
    return body, media_type, digest


def _get_blob(client: Any, repo: str, digest: str) -> bytes:
    from mocker.registry.transport import sha256_digest

    with client.open_blob(repo, digest) as reader:
        data = b"".join(reader.iter_chunks())
    if sha256_digest(data) != digest:
        raise RegistryError(f"image config verification failed for digest {digest}")
    return data


def _config_of(client: Any, repo: str, manifest: dict[str, Any], store: Store | None) -> dict[str, Any]:
    digest = config_descriptor(manifest).digest
    if store is not None and store.blobs.has(digest):
        return parse_json(store.blobs.read(digest), "image config")
    data = _get_blob(client, repo, digest)
    if store is not None:
        store.blobs.put(data, digest)
    return parse_json(data, "image config")


# ---- entries from a registry (create/add of an image that is not local) ------------------------


def fetch_entries(store: Store, text: str, *, insecure: bool) -> tuple[str, list[Entry], bool]:
    """(ref, entries, is a list) for ``text`` read from its registry; manifests and configs are kept in
    the store (as Docker's manifest store keeps them), layers stay in the registry until ``push``."""
    from mocker.image.reference import parse_reference

    ref = parse_reference(text)
    with _client(ref, insecure) as client:
        body, media_type, digest = _get_manifest(client, ref)
        if media_type in INDEX_TYPES:
            doc = parse_json(body, "image index")
            entries = []
            for e in doc.get("manifests") or []:
                if not isinstance(e, dict) or not isinstance(e.get("digest"), str):
                    continue
                child, _, child_digest = _get_manifest(client, ref, e["digest"])
                store.blobs.put(child, child_digest)
                _config_of(client, ref.repository_path, parse_json(child), store)
                entries.append(Entry(ref=f"{ref.name}@{child_digest}", descriptor=copy.deepcopy(e)))
            return str(ref), entries, True
        manifest = parse_json(body)
        config = _config_of(client, ref.repository_path, manifest, store)
        store.blobs.put(body, digest)
    desc = descriptor(media_type, digest, len(body), config_platform(config))
    return str(ref), [Entry(ref=str(ref), descriptor=desc)], False


# ---- inspect -----------------------------------------------------------------------------------


def _ordered_descriptor(desc: dict[str, Any]) -> dict[str, Any]:
    out = {k: desc[k] for k in _DESCRIPTOR_KEYS if k in desc}
    out.update((k, v) for k, v in desc.items() if k not in out)
    return out


def _image_manifest(ref: str, desc: dict[str, Any], raw: bytes | None) -> dict[str, Any]:
    """docker/cli's ``types.ImageManifest`` as ``manifest inspect -v`` prints it."""
    out: dict[str, Any] = {"Ref": ref, "Descriptor": _ordered_descriptor(desc)}
    if raw is not None:
        out["Raw"] = base64.b64encode(raw).decode()
        key = "OCIManifest" if desc.get("mediaType") == OCI_MANIFEST else "SchemaV2Manifest"
        out[key] = json.loads(raw)
    return out


def _show_manifest(raw: bytes) -> str:
    return json.dumps(json.loads(raw), indent="\t", ensure_ascii=False)


def _show_list(raw: bytes) -> str:
    return json.dumps(json.loads(raw), indent=3, ensure_ascii=False)


def _verbose(objs: Any) -> str:
    return json.dumps(objs, indent="\t", ensure_ascii=False)


def _local_entry_raw(store: Store, desc: dict[str, Any]) -> bytes | None:
    digest = str(desc.get("digest", ""))
    return store.blobs.read(digest) if digest.startswith("sha256:") and store.blobs.has(digest) else None


def inspect(store: Store, ref_text: str, list_text: str | None = None, *, verbose: bool = False,
            insecure: bool = False) -> str:
    """``manifest inspect [LIST] REF``: a local list, an entry of a local list, or what a registry has."""
    from mocker.image.reference import parse_reference

    ref = parse_reference(ref_text)
    if list_text is not None:
        lst = load_list(store, list_name(list_text))
        if lst is None:
            raise ManifestNotFound(str(ref))  # docker/cli names the manifest, not the list
        hits = find_entry(store, lst, ref_text)
        raw = _local_entry_raw(store, hits[0]) if hits else None
        if not hits or raw is None:
            raise ManifestNotFound(str(ref))
        return _verbose(_image_manifest(lst.ref_of(hits[0]), hits[0], raw)) if verbose else _show_manifest(raw)
    local = load_list(store, str(ref)) if not ref.digest else None
    if local is not None:
        if not verbose:
            return _show_list(local.raw)
        return _verbose([_image_manifest(local.ref_of(e), e, _local_entry_raw(store, e)) for e in local.entries])
    return _inspect_remote(ref, verbose=verbose, insecure=insecure)


def _inspect_remote(ref: Any, *, verbose: bool, insecure: bool) -> str:
    with _client(ref, insecure) as client:
        body, media_type, digest = _get_manifest(client, ref)
        if media_type not in INDEX_TYPES:
            if not verbose:
                return _show_manifest(body)
            manifest = parse_json(body)
            config = _config_of(client, ref.repository_path, manifest, None)
            desc = descriptor(media_type, digest, len(body), config_platform(config))
            return _verbose(_image_manifest(str(ref), desc, body))
        if not verbose:
            return _show_list(body)
        out = []
        for e in parse_json(body, "image index").get("manifests") or []:
            child, child_type, child_digest = _get_manifest(client, ref, e["digest"])
            desc = descriptor(child_type, child_digest, len(child), None)
            desc.update((k, v) for k, v in e.items() if k not in ("mediaType", "digest", "size"))
            out.append(_image_manifest(f"{ref}@{child_digest}" if not ref.digest else f"{ref.name}@{child_digest}",
                                       desc, child))
        return _verbose(out)


# ---- push --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManifestPushReport:
    pushed_refs: tuple[tuple[str, str], ...]   # (target repo@digest, digest) of entries from other repos
    digest: str                                # the list's digest in the registry


def _platform_text(desc: dict[str, Any]) -> str:
    plat = desc.get("platform") or {}
    return "/".join(str(plat[k]) for k in ("os", "architecture", "variant") if plat.get(k))


def _missing_blobs(store: Store, desc: dict[str, Any]) -> list[str]:
    """Digests of the entry's manifest, config and (distributable) layers the local store lacks."""
    digest = str(desc["digest"])
    if not store.blobs.has(digest):
        return [digest]
    manifest = parse_json(store.blobs.read(digest))
    if "manifests" in manifest:
        raise RegistryError(f"cannot push a nested image index ({digest}) in a manifest list")
    needed = [config_descriptor(manifest).digest]
    needed += [d.digest for d in layer_descriptors(manifest)
               if "foreign" not in d.media_type and "nondistributable" not in d.media_type]
    return [d for d in needed if not store.blobs.has(d)]


def _check_entries(store: Store, lst: LocalList, target: Any, client: Any) -> tuple[list[str], list[tuple[str, str]]]:
    """Everything that makes a push fail, found before anything is sent; returns (mount sources,
    entries that come from another repository)."""
    from mocker.image.reference import parse_reference

    if not lst.entries:
        raise ImageNotFound(f"{lst.name} not found")
    sources: list[str] = []
    others: list[tuple[str, str]] = []
    for desc in lst.entries:
        ref_text = lst.ref_of(desc)
        plat = desc.get("platform") or {}
        if not plat.get("os") or not plat.get("architecture"):
            raise RegistryError(f"manifest {ref_text} must have an OS and Architecture to be pushed to a registry")
        try:
            source = parse_reference(ref_text)
        except InvalidReference:
            source = None
        if source is not None and source.name != target.name:
            others.append((f"{target.name}@{desc['digest']}", str(desc["digest"])))
        missing = _missing_blobs(store, desc)
        if not missing:
            continue
        shown = f"image {ref_text}" + (f" ({_platform_text(desc)})" if _platform_text(desc) else "")
        if source is None:
            raise RegistryError(f"cannot push manifest list {lst.name}: {shown} is missing: {missing[0]} is not in "
                                "the local store")
        if source.domain != target.domain:
            raise RegistryError("cannot use source images from a different registry than the target image: "
                                f"{source.domain} != {target.domain} ({shown} is not in the local store)")
        for blob in missing:
            if blob == desc["digest"]:
                continue  # the manifest itself: checked by the push (it must be in the target repo)
            if (client.blob_exists(target.repository_path, blob) is None
                    and client.blob_exists(source.repository_path, blob) is None):
                raise RegistryError(f"cannot push manifest list {lst.name}: {shown} is missing: {blob} is neither "
                                    f"in the local store nor in {source.name}")
        if source.repository_path != target.repository_path:
            sources.append(source.repository_path)
    return sources, others


def push(store: Store, name_text: str, *, purge: bool = False, insecure: bool = False) -> ManifestPushReport:
    """``manifest push``: the list's images (by digest) and then the list, under its tag."""
    from mocker.image.reference import parse_reference
    from mocker.registry.push import push_image

    lst = require_list(store, name_text)
    target = parse_reference(lst.name)
    with _client(target, insecure) as client:
        sources, others = _check_entries(store, lst, target, client)
        with store.lock(shared=True):
            digest = push_image(client, target.repository_path, target.tag, lst.digest, blobs=store.blobs,
                                mount_from=sources)
    if purge:
        from mocker.engine.images import sync_layout_index

        if mdb.delete_list(store.db, lst.name, lst.digest):
            sync_layout_index(store)
    return ManifestPushReport(pushed_refs=tuple(others), digest=digest)

