"""OCI / Docker v2 manifest model: media types, descriptors, chain IDs.

Docker's schema2 and OCI's formats are structurally the same for what mocker needs, so both are read
through the same helpers; what mocker writes is OCI unless it is re-pushing what it pulled (the bytes
are kept as pulled, so digests never change).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mocker.errors import InvalidArgument
from mocker.records import frozen
from mocker.shortsha import sha256_hex

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)

REF_NAME = "org.opencontainers.image.ref.name"


@frozen
class Descriptor:
    media_type: str
    digest: str
    size: int
    platform: dict[str, Any] | None = None
    annotations: dict[str, str] | None = None

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Descriptor:
        try:
            return cls(media_type=d.get("mediaType", ""), digest=d["digest"], size=int(d["size"]),
                       platform=d.get("platform"), annotations=d.get("annotations"))
        except (KeyError, TypeError, ValueError) as e:
            raise InvalidArgument(f"invalid descriptor: {e}") from None

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.platform:
            d["platform"] = self.platform
        if self.annotations:
            d["annotations"] = self.annotations
        return d


def media_type_of(doc: dict[str, Any], fallback: str | None = None) -> str:
    """A manifest's media type: its own field, else guessed from shape (OCI allows it to be absent)."""
    mt = doc.get("mediaType") or fallback
    if mt:
        return str(mt)
    if "manifests" in doc:
        return OCI_INDEX
    if "layers" in doc and "config" in doc:
        return OCI_MANIFEST
    if doc.get("schemaVersion") == 1:
        return "application/vnd.docker.distribution.manifest.v1+json"
    raise InvalidArgument("unrecognised manifest format")


def is_index(media_type: str) -> bool:
    return media_type in INDEX_TYPES


def parse_json(data: bytes, what: str = "manifest") -> dict[str, Any]:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidArgument(f"invalid {what}: {e}") from None
    if not isinstance(doc, dict):
        raise InvalidArgument(f"invalid {what}: not a JSON object")
    return doc


def config_descriptor(manifest: dict[str, Any]) -> Descriptor:
    return Descriptor.from_json(manifest["config"])


def layer_descriptors(manifest: dict[str, Any]) -> list[Descriptor]:
    return [Descriptor.from_json(x) for x in manifest.get("layers", [])]


def diff_ids(config: dict[str, Any]) -> list[str]:
    return list(config.get("rootfs", {}).get("diff_ids", []))


def chain_ids(diffs: Sequence[str]) -> list[str]:
    """OCI chain IDs: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))."""
    out: list[str] = []
    for d in diffs:
        if not out:
            out.append(d)
        else:
            out.append("sha256:" + sha256_hex(f"{out[-1]} {d}".encode()))
    return out


def canonical_json(doc: Any) -> bytes:
    """Compact, key-ordered JSON: the same document always gets the same digest."""
    return json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
