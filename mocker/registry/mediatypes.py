"""The media types the distribution client negotiates; the strings themselves live once, in
``mocker.image.manifest`` (image/ and registry/ are sibling layers above store/)."""

from __future__ import annotations

from typing import Any

from mocker.image.manifest import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    INDEX_TYPES,
    MANIFEST_TYPES,
    OCI_INDEX,
    OCI_MANIFEST,
)

__all__ = ["DOCKER_LIST", "DOCKER_MANIFEST", "INDEX_TYPES", "MANIFEST_TYPES", "OCI_INDEX", "OCI_MANIFEST",
           "DOCKER_SCHEMA1", "DOCKER_SCHEMA1_SIGNED", "SCHEMA1_TYPES", "ACCEPT_ALL", "sniff_media_type"]
DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"

SCHEMA1_TYPES = (DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED)
ACCEPT_ALL = (OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST)
"""What Docker's pull sends in ``Accept`` (schema 1 left out: Docker 28 refuses it)."""


def sniff_media_type(doc: Any) -> str | None:
    """A manifest's media type from its body, for registries that send a vague Content-Type."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("mediaType"), str) and doc["mediaType"]:
        return str(doc["mediaType"])
    if doc.get("schemaVersion") == 1:
        return DOCKER_SCHEMA1_SIGNED if "signatures" in doc else DOCKER_SCHEMA1
    if "manifests" in doc:
        return OCI_INDEX
    if "config" in doc and "layers" in doc:
        return OCI_MANIFEST
    return None
