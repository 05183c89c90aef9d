"""The media types the distribution client negotiates (the same strings as ``mocker.image.manifest``;
kept here so that the registry layer does not import the image layer above it)."""

from __future__ import annotations

from typing import Any

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"

MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
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
