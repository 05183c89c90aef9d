"""Push an image (or a multi-platform index) from the blob store to a registry.

Docker's order: every blob first, then the manifest that names them, and for an index every child
manifest (by digest) before the index itself (registries refuse a manifest whose content is
missing). For each blob: nothing is sent when the repository already has it ("Layer already
exists"); else a cross-repository mount is tried from each ``mount_from`` repository of the same
registry ("Mounted from …"); else it is uploaded, streamed from the store: one ``PUT`` by default, or
``PATCH`` chunks of ``chunk_size`` bytes (useful behind proxies that limit request sizes). Blobs go up
in parallel; manifests are pushed byte for byte as stored, so their digests do not change.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any

from mocker.errors import RegistryError
from mocker.registry import mediatypes
from mocker.registry.client import RegistryClient
from mocker.registry.progress import (
    LAYER_ALREADY_EXISTS,
    MOUNTED_FROM,
    PREPARING,
    PUSHED,
    PUSHING,
    WAITING,
    Emitter,
    ProgressEvent,
    short_id,
)
from mocker.store.blobs import BlobStore, check_digest

__all__ = ["push_image"]


def _is_foreign(desc: dict[str, Any]) -> bool:
    media_type = str(desc.get("mediaType", ""))
    return "foreign" in media_type or "nondistributable" in media_type


class _Pusher:
    def __init__(
        self,
        client: RegistryClient,
        repo: str,
        blobs: BlobStore,
        progress: Callable[[ProgressEvent], None] | None,
        mount_from: Sequence[str],
        chunk_size: int | None,
        max_workers: int,
    ) -> None:
        self.client = client
        self.repo = repo
        self.blobs = blobs
        self.emit = Emitter(progress)
        self.mount_from = [r for r in dict.fromkeys(mount_from) if r != repo]
        self.chunk_size = chunk_size
        self.max_workers = max(1, max_workers)
        self._done: set[str] = set()
        self._lock = threading.Lock()

    def push(self, digest: str, ref: str, media_type: str | None = None) -> str:
        check_digest(digest)
        data = self.blobs.read(digest)
        try:
            doc = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RegistryError(f"{digest} is not a manifest: {exc}") from exc
        media_type = media_type or mediatypes.sniff_media_type(doc)
        if media_type in mediatypes.INDEX_TYPES:
            for child in doc.get("manifests") or []:
                self._push_child(child)
        elif media_type in mediatypes.MANIFEST_TYPES:
            self._push_blobs(doc)
        else:
            raise RegistryError(f"cannot push {digest}: unsupported manifest media type {media_type}")
        return self.client.put_manifest(self.repo, ref, data, media_type)

    def _push_child(self, child: dict[str, Any]) -> None:
        digest = child.get("digest")
        if not isinstance(digest, str):
            raise RegistryError(f"invalid manifest descriptor in index: {child!r}")
        if self.blobs.has(digest):
            self.push(digest, digest, child.get("mediaType"))
        elif self.client.head_manifest(self.repo, digest) is None:
            platform = child.get("platform") or {}
            shown = "/".join(str(platform[k]) for k in ("os", "architecture", "variant") if platform.get(k))
            raise RegistryError(
                f"cannot push the index: manifest {digest}"
                + (f" ({shown})" if shown else "")
                + " is neither in the local store nor in the registry"
            )

    def _push_blobs(self, manifest: dict[str, Any]) -> None:
        config = manifest.get("config")
        layers = [layer for layer in manifest.get("layers") or [] if not _is_foreign(layer)]
        descs: list[tuple[dict[str, Any], bool]] = [(layer, True) for layer in layers]
        if isinstance(config, dict):
            descs.append((config, False))
        todo: list[tuple[dict[str, Any], bool]] = []
        with self._lock:
            for desc, show in descs:
                digest = desc.get("digest")
                if not isinstance(digest, str) or not isinstance(desc.get("size"), int):
                    raise RegistryError(f"invalid descriptor in manifest: {desc!r}")
                if digest not in self._done:
                    self._done.add(digest)
                    todo.append((desc, show))
        for desc, show in todo:
            if show:
                self.emit(short_id(desc["digest"]), PREPARING)
        for desc, show in todo[self.max_workers :]:
            if show:
                self.emit(short_id(desc["digest"]), WAITING)
        if not todo:
            return
        with ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="mocker-push") as pool:
            futures = [pool.submit(self._push_blob, desc, show) for desc, show in todo]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            failed = next((f for f in done if f.exception() is not None), None)
            if failed is not None:
                for f in futures:
                    f.cancel()
                with self._lock:  # a later push must try these again
                    self._done.difference_update(d["digest"] for d, _ in todo)
                error = failed.exception()
                assert error is not None
                raise error

    def _push_blob(self, desc: dict[str, Any], show: bool) -> None:
        digest, size = desc["digest"], desc["size"]
        sid = short_id(digest)
        if self.client.blob_exists(self.repo, digest, for_push=True) is not None:
            if show:
                self.emit(sid, LAYER_ALREADY_EXISTS)
            return
        for source in self.mount_from:
            if self.client.mount_blob(self.repo, digest, source):
                if show:
                    self.emit(sid, MOUNTED_FROM.format(repo=source))
                return

        def sent(n: int) -> None:
            if show:
                self.emit.bytes(sid, PUSHING, n, size)

        with self.blobs.open(digest) as stream:
            self.client.upload_blob(
                self.repo, digest, size, stream, chunk_size=self.chunk_size, progress=sent
            )
        if show:
            self.emit(sid, PUSHED)


def push_image(
    client: RegistryClient,
    repo: str,
    tag: str | None,
    digest: str,
    *,
    blobs: BlobStore,
    progress: Callable[[ProgressEvent], None] | None = None,
    mount_from: Sequence[str] = (),
    chunk_size: int | None = None,
    max_workers: int = 3,
) -> str:
    """Push the manifest or index ``digest`` (and everything it names) to ``repo``, under ``tag``
    (or only by digest when ``tag`` is None). Returns the pushed digest.

    ``mount_from``: other repositories on the same registry that may already hold the blobs.
    """
    pusher = _Pusher(client, repo, blobs, progress, mount_from, chunk_size, max_workers)
    return pusher.push(digest, tag or digest)
