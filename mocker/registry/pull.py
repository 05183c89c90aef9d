"""Fetch an image (manifest, config, layers) from a registry into the blob store.

Like Docker's pull: a tag or digest resolves to a manifest; an index (OCI image index or Docker
manifest list) is narrowed to the entry for the wanted platform (the host's by default), chosen with
containerd's matching rules (:func:`mocker.image.platform.best_match`). Every blob is streamed into
the :class:`~mocker.store.blobs.BlobStore`, which verifies digest and size before the blob gets its
name, so a corrupt download raises :class:`~mocker.errors.DigestMismatch` and leaves nothing behind.
Layers download in parallel; blobs already in the store are not downloaded again ("Already exists").
A broken connection is resumed with a ``Range`` request (or restarted), 3 attempts per blob.

The index, manifest and config blobs are stored as pulled (byte for byte), so digests never change
and the image can be pushed back as it was; the manifest is stored after its layers and the index
after its manifests, so a manifest blob in the store means its content is there too.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from mocker.errors import ImageNotFound, MockerError, RegistryError
from mocker.image.platform import Platform, best_match, format_platform, from_oci, host_platform, matches
from mocker.registry import mediatypes
from mocker.registry.client import NetworkError, RegistryClient
from mocker.registry.progress import (
    ALREADY_EXISTS,
    DOWNLOAD_COMPLETE,
    DOWNLOADING,
    PULLING_FS_LAYER,
    RETRYING,
    VERIFYING_CHECKSUM,
    WAITING,
    Emitter,
    ProgressEvent,
    short_id,
)
from mocker.store.blobs import BlobStore, BlobWriter, check_digest

__all__ = ["FetchedImage", "fetch_image", "fetch_index_all"]

_ATTEMPTS = 3
_RETRY_DELAYS = (1.0, 2.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchedImage:
    """What a pull stored: one image manifest (and the index it was chosen from, if any)."""

    index_digest: str | None
    index_media_type: str | None = None
    index: dict[str, Any] | None = None
    manifest_digest: str
    manifest: dict[str, Any]
    manifest_media_type: str
    config_digest: str
    config: dict[str, Any]
    layers: tuple[dict[str, Any], ...]
    platform: Platform | None = None
    """The index entry's platform, or the config's for a single-platform image."""
    children: tuple[FetchedImage, ...] = ()
    """With ``all_platforms``: every image manifest of the index, in index order."""


class _Cancelled(Exception):
    pass


class _Restart(Exception):
    pass


def _schema1_error(name: str) -> RegistryError:
    # moby v28 distribution/pull_v2.go
    return RegistryError(
        "Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. "
        f"Suggest the author of {name} to upgrade the image to the OCI Format or Docker Image manifest "
        "v2, schema 2. More information at https://docs.docker.com/go/deprecated-image-specs/"
    )


def _parse(data: bytes, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError(f"invalid {what}: {exc}") from exc
    if not isinstance(doc, dict):
        raise RegistryError(f"invalid {what}: not a JSON object")
    return doc


def _descriptor(obj: Any, what: str) -> dict[str, Any]:
    if not isinstance(obj, dict) or not isinstance(obj.get("digest"), str):
        raise RegistryError(f"invalid {what} descriptor: {obj!r}")
    size = obj.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise RegistryError(f"invalid {what} descriptor: bad size {size!r}")
    check_digest(obj["digest"])
    return obj


class _Puller:
    def __init__(
        self,
        client: RegistryClient,
        repo: str,
        blobs: BlobStore,
        progress: Callable[[ProgressEvent], None] | None,
        max_workers: int,
    ) -> None:
        self.client = client
        self.repo = repo
        self.blobs = blobs
        self.emit = Emitter(progress)
        self.max_workers = max(1, max_workers)
        self.stop = threading.Event()

    # -- manifests -----------------------------------------------------------------------------------

    def fetch(self, reference: str, platform: Platform | None, all_platforms: bool) -> FetchedImage:
        name = self.client.display_ref(self.repo, reference)
        body, media_type, digest = self.client.get_manifest(self.repo, reference)
        if media_type in mediatypes.SCHEMA1_TYPES:
            raise _schema1_error(name)
        if media_type in mediatypes.INDEX_TYPES:
            return self._from_index(name, body, media_type, digest, platform, all_platforms)
        if media_type not in mediatypes.MANIFEST_TYPES:
            raise RegistryError(f"unsupported manifest media type {media_type} for {name}")
        image = self._image(name, body, media_type, digest, None)
        if platform is not None and image.platform is not None and not matches(platform, image.platform):
            # moby daemon/images/image_pull.go: a single-platform image must match --platform.
            raise ImageNotFound(
                f"image with reference {name} was found but does not match the specified platform: "
                f"wanted {format_platform(platform)}, actual: {format_platform(image.platform)}"
            )
        return image

    def _from_index(
        self,
        name: str,
        body: bytes,
        media_type: str,
        digest: str,
        platform: Platform | None,
        all_platforms: bool,
    ) -> FetchedImage:
        index = _parse(body, "image index")
        entries = [_descriptor(m, "manifest") for m in index.get("manifests") or []]
        platforms = [from_oci(m.get("platform") or {}) for m in entries]
        wanted = platform or host_platform()
        chosen = best_match(wanted, platforms)
        if all_platforms:
            children: list[FetchedImage] = []
            for entry, entry_platform in zip(entries, platforms, strict=True):
                children.extend(self._child(name, entry, entry_platform, all_platforms=True))
            if not children:
                raise ImageNotFound(f"no image manifests in the manifest list entries of {name}")
            chosen_digest = entries[chosen]["digest"] if chosen is not None else None
            primary = next((c for c in children if c.manifest_digest == chosen_digest), children[0])
        else:
            if chosen is None:
                available = sorted({format_platform(p) for p in platforms if p.os and p.architecture})
                raise ImageNotFound(
                    f"no matching manifest for {format_platform(wanted)} in the manifest list entries"
                    + (f" (available: {', '.join(available)})" if available else "")
                )
            found = self._child(name, entries[chosen], platforms[chosen], all_platforms=False)
            primary, children = found[0], []
        self.blobs.put(body, digest)
        return FetchedImage(
            index_digest=digest,
            index_media_type=media_type,
            index=index,
            manifest_digest=primary.manifest_digest,
            manifest=primary.manifest,
            manifest_media_type=primary.manifest_media_type,
            config_digest=primary.config_digest,
            config=primary.config,
            layers=primary.layers,
            platform=primary.platform,
            children=tuple(children),
        )

    def _child(
        self, name: str, entry: dict[str, Any], platform: Platform, *, all_platforms: bool
    ) -> list[FetchedImage]:
        """The image(s) an index entry names: one manifest, or (``all_platforms``) a nested index's."""
        digest = entry["digest"]
        accept = (entry["mediaType"],) if entry.get("mediaType") else mediatypes.ACCEPT_ALL
        body, media_type, _ = self.client.get_manifest(self.repo, digest, accept)
        if len(body) != entry["size"]:
            raise RegistryError(
                f"manifest {digest} is {len(body)} bytes, its descriptor says {entry['size']}"
            )
        if media_type in mediatypes.SCHEMA1_TYPES:
            raise _schema1_error(name)
        if media_type in mediatypes.INDEX_TYPES:
            if not all_platforms:
                raise RegistryError(f"nested image index {digest} in {name} is not supported")
            return list(self._from_index(name, body, media_type, digest, None, True).children)
        if media_type not in mediatypes.MANIFEST_TYPES:
            raise RegistryError(f"unsupported manifest media type {media_type} for {name}")
        has_platform = bool(platform.os and platform.architecture)
        return [self._image(name, body, media_type, digest, platform if has_platform else None)]

    def _image(
        self, name: str, body: bytes, media_type: str, digest: str, platform: Platform | None
    ) -> FetchedImage:
        manifest = _parse(body, "manifest")
        config_desc = _descriptor(manifest.get("config"), "config")
        layers = tuple(_descriptor(layer, "layer") for layer in manifest.get("layers") or [])
        config_digest = config_desc["digest"]
        if not self.blobs.has(config_digest):
            self._download(config_desc, show=False)
        config = _parse(self.blobs.read(config_digest), "image config")
        if platform is None and config.get("architecture"):
            try:
                platform = from_oci(config)
            except MockerError:
                platform = None
        self._layers(layers)
        self.blobs.put(body, digest)
        return FetchedImage(
            index_digest=None,
            manifest_digest=digest,
            manifest=manifest,
            manifest_media_type=media_type,
            config_digest=config_digest,
            config=config,
            layers=layers,
            platform=platform,
        )

    # -- blobs ---------------------------------------------------------------------------------------

    def _layers(self, layers: Sequence[dict[str, Any]]) -> None:
        todo: list[dict[str, Any]] = []
        seen: set[str] = set()
        for layer in layers:
            digest = layer["digest"]
            if digest in seen:
                continue
            seen.add(digest)
            if self.blobs.has(digest):
                self.emit(short_id(digest), ALREADY_EXISTS)
            else:
                self.emit(short_id(digest), PULLING_FS_LAYER)
                todo.append(layer)
        for layer in todo[self.max_workers :]:
            self.emit(short_id(layer["digest"]), WAITING)
        if not todo:
            return
        self.stop.clear()
        pool = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="mocker-pull")
        try:
            futures = [pool.submit(self._download, layer) for layer in todo]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            failed = next((f for f in done if f.exception() is not None), None)
            if failed is not None:
                self.stop.set()
                for f in futures:
                    f.cancel()
                wait(futures)  # the others abort their partial blobs before we report
                error = failed.exception()
                assert error is not None
                raise error
        except BaseException:
            self.stop.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _download(self, desc: dict[str, Any], show: bool = True) -> None:
        digest, size = desc["digest"], desc["size"]
        sid = short_id(digest)
        tries = 0
        while True:
            try:
                with self.blobs.writer(digest, size) as writer:
                    while True:
                        tries += 1
                        try:
                            self._stream_into(writer, digest, size, sid if show else None)
                            break
                        except NetworkError:
                            if tries >= _ATTEMPTS or self.stop.is_set():
                                raise
                            self._pause(sid if show else None, tries)
                    if show:
                        self.emit(sid, VERIFYING_CHECKSUM)
                    writer.commit()
                break
            except _Restart:
                continue
        if show:
            self.emit(sid, DOWNLOAD_COMPLETE)

    def _stream_into(self, writer: BlobWriter, digest: str, size: int, sid: str | None) -> None:
        with self.client.open_blob(self.repo, digest, offset=writer.size) as reader:
            if reader.offset != writer.size:  # the registry ignored our Range: start afresh
                raise _Restart
            for chunk in reader.iter_chunks():
                if self.stop.is_set():
                    raise _Cancelled("pull cancelled")
                writer.write(chunk)
                if sid is not None:
                    self.emit.bytes(sid, DOWNLOADING, writer.size, size)
        if writer.size < size:
            raise NetworkError(f"error pulling blob {digest}: connection closed after {writer.size} bytes")

    def _pause(self, sid: str | None, tries: int) -> None:
        delay = _RETRY_DELAYS[min(tries - 1, len(_RETRY_DELAYS) - 1)]
        if sid is not None:
            seconds = max(1, round(delay))
            self.emit(sid, RETRYING.format(seconds=seconds, s="" if seconds == 1 else "s"))
        time.sleep(delay)


def fetch_image(
    client: RegistryClient,
    repo: str,
    reference: str,
    *,
    platform: Platform | None = None,
    blobs: BlobStore,
    progress: Callable[[ProgressEvent], None] | None = None,
    max_workers: int = 3,
    all_platforms: bool = False,
) -> FetchedImage:
    """Pull ``repo:reference`` (a tag or digest) into ``blobs``.

    ``platform`` chooses from an index (default: the host's); for a single-platform image it must
    match when given. With ``all_platforms`` every manifest of an index is stored (``children``),
    the primary fields describing the best match for ``platform``/the host (else the first child).
    """
    puller = _Puller(client, repo, blobs, progress, max_workers)
    return puller.fetch(reference, platform, all_platforms)


def fetch_index_all(
    client: RegistryClient,
    repo: str,
    reference: str,
    *,
    blobs: BlobStore,
    progress: Callable[[ProgressEvent], None] | None = None,
    max_workers: int = 3,
) -> FetchedImage:
    """Every platform of ``reference`` (``fetch_image(..., all_platforms=True)``)."""
    return fetch_image(
        client, repo, reference, blobs=blobs, progress=progress, max_workers=max_workers, all_platforms=True
    )
