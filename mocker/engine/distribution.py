"""``pull`` and ``push``: the registry client fetches/sends content, this module turns it into images.

Pulls hold the store lock shared (garbage collection waits), write verified blobs, unpack the layers
and only then register the image in one transaction: a pull killed at any point leaves no image and
no blob under a wrong name, and simply running it again resumes with what is already there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mocker.engine.images import find_image, find_index, get_image, register_image
from mocker.errors import ImageNotFound, InvalidReference
from mocker.records import frozen
from mocker.store import images as db
from mocker.store.db import transaction
from mocker.store.store import Store

Progress = Callable[[Any], None]


@frozen
class PullResult:
    reference: str           # full normalised name, e.g. docker.io/library/busybox:latest
    familiar: str            # busybox:latest
    digest: str              # the digest the registry gave (index digest for a multi-platform image)
    image_id: str
    updated: bool            # False: "Image is up to date"


FROM_CONFIG: Any = object()
"""``credentials=FROM_CONFIG``: look them up in config.json/credential helpers (the CLI). The API
passes what the client sent in ``X-Registry-Auth`` instead (or None), as the Docker daemon does."""


def _client(host: str, credentials: Any = FROM_CONFIG) -> Any:
    from mocker.registry.client import RegistryClient
    from mocker.registry.credentials import get_credentials

    if credentials is FROM_CONFIG:
        credentials = get_credentials(host)
    return RegistryClient(host, credentials=credentials)


def pull(
    store: Store,
    name: str,
    *,
    platform: str | None = None,
    all_tags: bool = False,
    progress: Progress | None = None,
    credentials: Any = FROM_CONFIG,
) -> list[PullResult]:
    from mocker.image.reference import parse_reference, parse_repository

    if all_tags:
        repo = parse_repository(name)
        client = _client(repo.registry_host, credentials)
        tags = client.list_tags(repo.repository_path)
        return [_pull_one(store, client, repo.with_tag(t), platform, progress) for t in tags]
    ref = parse_reference(name)
    client = _client(ref.registry_host, credentials)
    return [_pull_one(store, client, ref, platform, progress)]


def _pull_one(store: Store, client: Any, ref: Any, platform: str | None, progress: Progress | None) -> PullResult:
    from mocker.image.platform import parse_platform
    from mocker.registry.pull import fetch_image

    # None lets an index pick the host's platform and a single-platform image be pulled as it is,
    # as Docker does; an explicit --platform must match either way.
    plat = parse_platform(platform) if platform else None
    before = find_image(store, str(ref))
    with store.lock(shared=True):
        fetched = fetch_image(
            client, ref.repository_path, ref.digest or ref.tag or "latest",
            platform=plat, blobs=store.blobs, progress=progress,
        )
        tags = () if ref.digest else (str(ref),)
        top_digest = fetched.index_digest or fetched.manifest_digest
        rec = register_image(store, fetched.manifest_digest, tags=tags, repo_digest=(ref.name, top_digest),
                             progress=progress)
    from mocker.engine.events import record

    record(store, "image", "pull", ref.familiar(), {"name": ref.familiar_name})
    return PullResult(reference=str(ref), familiar=ref.familiar(), digest=top_digest, image_id=rec.id,
                      updated=before is None or before.id != rec.id)


@frozen
class PushResult:
    tag: str | None
    digest: str
    size: int


def push(store: Store, name: str, *, all_tags: bool = False, progress: Progress | None = None,
         chunk_size: int | None = None, credentials: Any = FROM_CONFIG) -> list[PushResult]:
    from mocker.image.reference import parse_reference, parse_repository

    if all_tags:
        repo = parse_repository(name)
        names = [t.name for t in db.list_tags(store.db) if t.name.rsplit(":", 1)[0] == repo.name]
        if not names:
            raise ImageNotFound(f"An image does not exist locally with the tag: {repo.familiar_name}")
        size = chunk_size if chunk_size is not None else _configured_chunk_size()
        return [_push_one(store, parse_reference(n), progress, size, credentials) for n in sorted(names)]
    ref = parse_reference(name)
    return [_push_one(store, ref, progress, chunk_size if chunk_size is not None else _configured_chunk_size(),
                      credentials)]


def _configured_chunk_size() -> int | None:
    """``push_chunk_size`` (bytes) in mocker's config.json: upload blobs in PATCH chunks of that size.

    Registries behind proxies with a request-body limit need chunked uploads; by default a blob goes
    up in one PUT, as Docker does.
    """
    from mocker.errors import InvalidArgument
    from mocker.registry.settings import load_mocker_config

    value = load_mocker_config().get("push_chunk_size")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidArgument(f"push_chunk_size in mocker's config.json must be a positive integer, not {value!r}")
    return value


def _push_one(store: Store, ref: Any, progress: Progress | None, chunk_size: int | None,
              credentials: Any = FROM_CONFIG) -> PushResult:
    from mocker.registry.push import push_image

    idx = find_index(store, str(ref))
    if idx is not None:
        digest = idx.digest
    else:
        rec = find_image(store, str(ref))
        if rec is None or (not ref.digest and str(ref) not in rec.tags):
            raise ImageNotFound(f"An image does not exist locally with the tag: {ref.familiar_name}")
        digest = rec.manifest_digest
    mount_from = _mount_sources(store, ref, digest)
    client = _client(ref.registry_host, credentials)
    pushed = push_image(client, ref.repository_path, ref.tag, digest, blobs=store.blobs, progress=progress,
                        mount_from=mount_from, chunk_size=chunk_size)
    if idx is None:
        with transaction(store.db) as conn:
            db.add_repo_digest(conn, ref.name, pushed, get_image(store, str(ref)).id)
    from mocker.engine.events import record

    record(store, "image", "push", ref.familiar(), {"name": ref.familiar_name})
    return PushResult(tag=ref.tag, digest=pushed, size=store.blobs.size(pushed))


def _mount_sources(store: Store, ref: Any, digest: str) -> list[str]:
    """Other repositories on the same registry this content came from: candidates for a blob mount."""
    from mocker.image.reference import parse_reference

    out = []
    for row in store.db.execute("SELECT DISTINCT repository FROM repo_digests"):
        try:
            other = parse_reference(row[0], default_tag=False)
        except InvalidReference:
            continue
        if other.domain == ref.domain and other.repository_path != ref.repository_path:
            out.append(other.repository_path)
    return out



def check_login(host: str, username: str, password: str) -> None:
    """Check the credentials against the registry (the API's ``/auth``: the client keeps them)."""
    from mocker.registry.client import RegistryClient
    from mocker.registry.credentials import Credentials

    client = RegistryClient(host, credentials=Credentials(username=username, password=password))
    client.ping()


def login(host: str, username: str, password: str) -> None:
    """Check the credentials against the registry, then store them (never before they worked)."""
    from mocker.registry.credentials import store_credentials

    check_login(host, username, password)
    store_credentials(host, username, password)


def inspect_remote(name: str, *, credentials: Any = FROM_CONFIG) -> dict[str, Any]:
    """``GET /distribution/{name}/json``: the registry's descriptor for ``name`` and its platforms."""
    import json

    from mocker.image.reference import parse_reference

    ref = parse_reference(name)
    client = _client(ref.registry_host, credentials)
    body, media_type, digest = client.get_manifest(ref.repository_path, ref.digest or ref.tag or "latest")
    doc = json.loads(body)
    platforms = []
    if "manifests" in doc:
        for m in doc["manifests"]:
            p = m.get("platform") or {}
            if p.get("os") and p.get("architecture") and p["os"] != "unknown":
                platforms.append({k: v for k, v in p.items() if v})
    else:
        config = doc.get("config") or {}
        with client.open_blob(ref.repository_path, config["digest"]) as blob:
            cfg = json.loads(b"".join(blob.iter_chunks()))
        platforms.append({k: v for k, v in (("architecture", cfg.get("architecture")), ("os", cfg.get("os")),
                                            ("variant", cfg.get("variant"))) if v})
    return {"Descriptor": {"mediaType": media_type, "digest": digest, "size": len(body)}, "Platforms": platforms}
