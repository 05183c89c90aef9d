"""The image a build stage has made so far, and writing it to the blob store after each step.

Like Docker's classic builder, every step yields an image (its ID is what ``---> 1a2b3c4d5e6f``
shows); the blobs are written at once, so the build cache can name them and a RUN can start a
container from them. They become rows of ``images`` only when the build tags or returns them.

Times: with ``SOURCE_DATE_EPOCH`` every ``created`` is that instant and layer mtimes are clamped
to it, so the same Dockerfile and context give the same image ID on any machine.
"""

from __future__ import annotations

import os

from mocker.errors import InvalidArgument

TYPE_CHECKING = False  # a cached rebuild loads states but writes none: no ``typing``/``datetime``/``copy``
if TYPE_CHECKING:
    from typing import Any

    from mocker.store.images import ImageRecord
    from mocker.store.store import Store


def source_date_epoch() -> int | None:
    text = os.environ.get("SOURCE_DATE_EPOCH")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidArgument(f"invalid SOURCE_DATE_EPOCH: {text!r}") from None


def timestamp() -> str:
    from datetime import UTC, datetime

    epoch = source_date_epoch()
    when = datetime.fromtimestamp(epoch, UTC) if epoch is not None else datetime.now(UTC)
    return when.isoformat(timespec="microseconds" if epoch is None else "seconds").replace("+00:00", "Z")


class ImageState:
    """Manifest layers + config of the stage's current image; ``manifest_digest`` once written."""

    __slots__ = ("chains", "config", "layers", "manifest_digest", "media_type")

    def __init__(self, layers: list[dict[str, Any]], config: dict[str, Any], manifest_digest: str | None = None,
                 media_type: str = "") -> None:
        self.layers = layers
        self.config = config  # the whole image config (architecture, os, config, rootfs, history)
        self.manifest_digest = manifest_digest
        self.media_type = media_type
        self.chains: list[str] = []

    def __repr__(self) -> str:
        return f"ImageState(manifest_digest={self.manifest_digest!r}, layers={len(self.layers)})"

    @classmethod
    def scratch(cls, os_name: str, arch: str, variant: str | None) -> ImageState:
        cfg: dict[str, Any] = {"architecture": arch, "os": os_name, "config": {},
                               "rootfs": {"type": "layers", "diff_ids": []}, "history": []}
        if variant:
            cfg["variant"] = variant
        return cls(layers=[], config=cfg)

    @classmethod
    def load(cls, store: Store, manifest_digest: str) -> ImageState:
        from mocker.image.manifest import config_descriptor, parse_json

        manifest = parse_json(store.blobs.read(manifest_digest))  # engine.images.read_manifest, without its imports
        config = parse_json(store.blobs.read(config_descriptor(manifest).digest), "image config")
        return cls(layers=list(manifest.get("layers") or []), config=config, manifest_digest=manifest_digest,
                   media_type=manifest.get("mediaType", ""))

    @property
    def run_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = self.config.setdefault("config", {})
        return cfg

    @property
    def diff_ids(self) -> list[str]:
        return list((self.config.get("rootfs") or {}).get("diff_ids") or [])

    @property
    def platform(self) -> str:
        p = f"{self.config.get('os', 'linux')}/{self.config.get('architecture', '')}"
        return p + (f"/{self.config['variant']}" if self.config.get("variant") else "")

    def child(self) -> ImageState:
        """A copy to change for the next step (the parent stays as the cache saw it)."""
        import copy

        return ImageState(layers=list(self.layers), config=copy.deepcopy(self.config))

    def add_history(self, created_by: str, *, empty: bool, comment: str = "") -> None:
        entry: dict[str, Any] = {"created": timestamp(), "created_by": created_by}
        if comment:
            entry["comment"] = comment
        if empty:
            entry["empty_layer"] = True
        self.config.setdefault("history", []).append(entry)

    def add_layer(self, descriptor: dict[str, Any], diff_id: str) -> None:
        self.layers.append(descriptor)
        self.config.setdefault("rootfs", {"type": "layers", "diff_ids": []}).setdefault("diff_ids", []).append(diff_id)

    def write(self, store: Store, *, stamp: bool = True) -> str:
        """Write config + manifest blobs (and unpack new layers); returns the manifest digest.

        ``stamp=False`` (``FROM scratch``) leaves ``created`` out, so the same platform always gives
        the same scratch image and the steps on it can hit the build cache."""
        from mocker.image.manifest import OCI_CONFIG, OCI_MANIFEST, canonical_json

        if stamp:
            self.config["created"] = timestamp()
        self.config["rootfs"] = {"type": "layers", "diff_ids": self.diff_ids}
        cfg_bytes = canonical_json(self.config)
        cfg_digest = store.blobs.put(cfg_bytes)
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": self.layers,
                    "config": {"mediaType": OCI_CONFIG, "digest": cfg_digest, "size": len(cfg_bytes)}}
        if self.layers:
            from mocker.engine.layers import ensure_layers

            self.chains = ensure_layers(store, manifest, self.config)
        else:
            self.chains = []
        self.manifest_digest = store.blobs.put(canonical_json(manifest))
        self.media_type = OCI_MANIFEST
        return self.manifest_digest

    def image_id(self) -> str:
        from mocker.image.manifest import canonical_json
        from mocker.shortsha import sha256_hex

        return "sha256:" + sha256_hex(canonical_json(self.config))

    def record(self) -> ImageRecord:
        """An in-memory image record (for creating a RUN container; not stored in ``images``)."""
        import time

        from mocker.store.images import ImageRecord

        assert self.manifest_digest is not None
        return ImageRecord(id=self.image_id(), manifest_digest=self.manifest_digest,
                           manifest_media_type=self.media_type, created=self.config.get("created"), size=0,
                           os=self.config.get("os", "linux"), architecture=self.config.get("architecture", ""),
                           variant=self.config.get("variant"), added_at=time.time())

    def layer_dirs(self, store: Store) -> list[str]:
        from mocker.image.manifest import chain_ids

        return [str(store.paths.layer_dir(c) / "diff") for c in chain_ids(self.diff_ids)]
